app-device-id = Codice del dispositivo
app-sync = Sincronizzazione
app-waiting-to-be-sent = In attesa di invio
app-last-successful-sync = Ultima sincronizzazione riuscita
app-never = mai
app-server = Server
app-you-are-on-mobile-data-and = Sei su rete mobile e hai scelto di sincronizzare solo con il Wi-Fi (Impostazioni): tutto resta salvato sul telefono fino ad allora.
app-running = In corso
app-the-last-attempt-failed = Ultimo tentativo non riuscito.
app-sync-now = Sincronizza ora
app-need-attention = Da rivedere
app-retry = Riprova
app-the-server-address-must-start-with = L'indirizzo del server deve iniziare con https:// (o http://).
app-settings-saved = Impostazioni salvate.
app-settings = Impostazioni
app-your-comune = Il tuo Comune
app-server-address = Indirizzo del server
app-photo-quality = Qualità delle foto
app-high-larger-files = Alta (file più grandi)
app-normal = Normale
app-data-saver = Risparmio dati
app-sync-on-wi-fi-only = Sincronizza solo con il Wi-Fi
app-maps-tile-url-empty-to-never = Mappe (indirizzo delle tessere, vuoto per non scaricarle)
app-save = Salva
app-sync-status = Stato della sincronizzazione →
app-my-badges = I miei badge →
app-inspector-mode = Modalità ispettore →
app-need-attention-2 = da rivedere
app-dismiss-the-message = Chiudi il messaggio
app-report = Segnala
app-mine = Le mie
app-nearby = Vicino a me
app-petitions = Petizioni
app-sections = Sezioni
app-sending = Invio in corso
app-syncing = Sincronizzazione…
app-all-sent = Tutto inviato
app-last-sync = ultima sincronizzazione
app-never-synced = mai sincronizzato
app-offline-will-retry-by-itself = senza rete, riprovo da solo
app-choose-your-comune-to-continue = Scegli il tuo Comune per continuare.
app-report-a-problem-in-your-comune = Segnala un problema del tuo Comune in pochi secondi, anche senza rete.
app-comune = Comune
app-choose = Scegli…
app-chosen-from-your-location-you-can = Scelto in base alla tua posizione: puoi cambiarlo.
app-privacy = Privacy
app-your-reports-photos-description-place-go = Le tue segnalazioni (foto, descrizione, posizione) vanno al Comune competente. Le foto vengono ripulite sul telefono da ogni metadato (posizione, modello del telefono) prima dell'invio; la posizione viaggia solo come punto della segnalazione.
app-published-reports-are-visible-to-everyone = Le segnalazioni pubblicate sono visibili a tutti senza il tuo nome. Titolare del trattamento è il Comune; puoi chiedere accesso e cancellazione dei tuoi dati.
app-i-agree-start = Accetto e inizio
app-location-not-available-you-will-place = Posizione non disponibile: la indicherai sulla mappa.
app-just-now = adesso
app-minutes-ago = { $n } min fa
app-hours-ago = { $n } h fa
app-days-ago = { $n } g fa

app-name = Casa del Cittadino
app-cannot-open-data = Non riesco ad aprire i dati dell'app. Chiudi l'app e riaprila; se succede ancora, scrivi all'assistenza del tuo Comune.
app-waiting-for-wifi = { $n ->
    [one] 1 in attesa del Wi-Fi
   *[other] { $n } in attesa del Wi-Fi
}
app-waiting-to-send = { $n ->
    [one] 1 in attesa di invio
   *[other] { $n } in attesa di invio
}
app-next-attempt-in = Nuovo tentativo automatico tra { $seconds } s.
app-service-not-offered = Il Comune di { $comune } non offre ancora questo servizio nell'app.
app-nothing-to-send = Niente da inviare
