badges-new-badge = Nuovo badge:
badges-new-badges = Nuovi badge:
badges-settings = ← Impostazioni
badges-my-badges = I miei badge
badges-points = punti
badges-points-for-verified-results-5-for = Punti per risultati verificati: 5 per una segnalazione accettata, 10 se confermata sul posto, 20 se risolta, 1 per una firma contata, 50 se una tua petizione raggiunge la soglia.
badges-earned-with-verified-results-a-report = Si guadagnano con risultati verificati: una segnalazione confermata da un ispettore o risolta dal Comune, una firma contata. Non dicono dove hai segnalato.
badges-no-badges-yet = Nessun badge ancora.
badges-earned-on = Ottenuto il
badges-next-goals = Prossimi traguardi
badges-choose-your-comune-in-the-settings = Scegli prima il tuo Comune nelle impostazioni
badges-the-comune-s-leaderboard = Classifica del Comune
badges-only-those-who-join-appear-under = Compare solo chi sceglie di partecipare, con il soprannome che sceglie; conta le segnalazioni confermate o risolte in questo Comune, senza dire dove.
badges-leaderboard-not-fetched-yet = Classifica non ancora scaricata.
badges-nobody-on-it-yet = Nessuno ancora in classifica.
badges-results = risultati
badges-you = (tu)
badges-you-take-part-as = Partecipi come
badges-nickname-3-to-24-characters = Soprannome (da 3 a 24 caratteri)
badges-join = Partecipa
badges-leave = Esci dalla classifica
badges-refresh-needs-the-network = Aggiorna (serve la rete)

badges-name-accepted_reports = Prima segnalazione
badges-name-confirmed_reports = { $level ->
    [1] Prima segnalazione confermata sul posto
   *[other] { $level } segnalazioni confermate da un ispettore
}
badges-name-resolved_reports = { $level ->
    [1] Prima segnalazione risolta
   *[other] { $level } segnalazioni risolte
}
badges-name-active_comuni = Attivo in { $level } Comuni
badges-name-petition_signer = Firmatario di petizioni
badges-name-petition_threshold = La tua petizione ha raggiunto la soglia
