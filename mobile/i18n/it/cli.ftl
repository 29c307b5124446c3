# The `casa` command line: what only it says. Statuses, refusals and
# errors come from the app's other files.

cli-error = Errore: { $words }
cli-error-unexpected = Qualcosa non ha funzionato. Riprova; con CASA_DEBUG=1 vedi i dettagli.
cli-error-no-display = Nessuno schermo disponibile: avvia l'app da una sessione grafica o con xvfb-run, oppure indica un comando (casa --help).
cli-error-command-line-only = Questa versione è solo a riga di comando: indica un comando (casa --help).
cli-error-cannot-open-data = Non è stato possibile aprire i dati in { $dir }.
cli-error-pending-signatures = { $n } firme di chi usa ora il telefono non sono ancora inviate: sincronizza prima di cambiare identità.
cli-error-invalid-id = Identificativo non valido: «{ $id }».
cli-error-report-not-on-phone = Segnalazione non trovata su questo telefono: { $id }.
cli-error-choose-comune = Scegli prima il tuo Comune: sincronizza, poi guarda casa comuni.
cli-error-invalid-comune-code = Codice ISTAT non valido: «{ $code }».
cli-error-invalid-position = Posizione non valida: «{ $value }». Scrivila come LAT,LON oppure LAT,LON,PRECISIONE_M.
cli-error-invalid-network = Rete non valida: «{ $value }». Scrivi wifi oppure mobile.
cli-error-sync-failed = Sincronizzazione non riuscita: { $waiting } elementi restano sul telefono.
cli-error-offline-no-leaderboard = Senza rete, e nessuna classifica scaricata prima.
cli-error-visit-refused = Sopralluogo non registrato.
cli-error-cannot-read-password = Non è stato possibile leggere la password dall'input.

cli-identity-activated = Identità attivata: residente a { $comune }. Ora puoi firmare le petizioni.
cli-identity = Identità verificata: residente a { $comune } ({ $code }).
cli-no-identity = Nessuna identità su questo telefono: chiedi un codice allo sportello del Comune.
cli-no-petitions = Nessuna petizione: sincronizza, oppure il tuo Comune non le raccoglie online.
cli-petition-cosponsors = { $status } · { $have } promotori su { $needed }
cli-petition-signatures = { $status } · { $signatures } firme
cli-petition-signatures-for = { $status } · { $signatures } firme su { $needed } per la { $threshold }
cli-petition-reason = Motivo: { $reason }
cli-signed = Firmata sul telefono: sarà inviata alla prossima sincronizzazione.
cli-withdrawal-recorded = Ritiro registrato: sarà inviato alla prossima sincronizzazione.
cli-proposal-saved = Proposta salvata sul telefono: sarà inviata alla prossima sincronizzazione. Condividi il codice con chi vuole sostenerla.

cli-offline-leaderboard = Senza rete: la classifica com'era all'ultimo aggiornamento.
cli-leaderboard-of = Classifica di { $comune } (segnalazioni confermate o risolte)
cli-leaderboard-joined = Partecipi come «{ $nickname }»
cli-leaderboard-not-joined = Non partecipi: casa leaderboard join SOPRANNOME
cli-leaderboard-empty = Nessuno ancora in classifica.
cli-leaderboard-you = ← tu

cli-report-saved = Segnalazione salvata: sarà inviata alla prossima sincronizzazione. { $id }
cli-syncing = Sincronizzazione: { $done }/{ $total } elementi, { $changes } aggiornamenti
cli-synced = Sincronizzato: { $accepted } inviate, { $rejected } rifiutate, { $changes } aggiornamenti di stato ({ $requests } richieste)
cli-deferred = { $deferred } rimandate dal server (troppe in poco tempo): restano in attesa, riprova tra { $seconds } s
cli-waiting = In attesa di invio: { $n }
cli-last-sync = Ultima sincronizzazione: { $when }
cli-never-synced = Mai sincronizzato
cli-last-sync-failed = L'ultimo tentativo non è riuscito.
cli-refused = Rifiutata { $id }: { $reason }
cli-reopen-saved = Richiesta di riapertura salvata: sarà inviata alla prossima sincronizzazione.
cli-reopened = Riaperta: «{ $reason }»
cli-reopen-waiting = in attesa di invio
cli-reopen-refused = rifiutata: { $reason }
cli-no-reports = Nessuna segnalazione.
cli-waiting-to-be-sent = in attesa di invio
cli-report-refused = rifiutata: { $reason }
cli-comuni-not-fetched = Elenco dei Comuni non ancora scaricato: esegui casa sync.
cli-comune = { $code }  { $name }  servizi: { $services }  categorie: { $categories }
cli-nearby-fetched = Segnalazioni pubbliche scaricate il { $when } entro { $radius } m da { $lat }, { $lon }
cli-nearby-none = Nessuna segnalazione pubblica scaricata: casa sync --near-lat … --near-lon …

cli-inspector-visit-recorded = Sopralluogo registrato a { $distance } m dalla segnalazione: sarà inviato alla prossima sincronizzazione.
cli-inspector-logged-in = Accesso come ispettore: { $email } (fino al { $until })
cli-inspector-logged-out = Sessione chiusa.
cli-inspector-synced = Sincronizzato: { $accepted } sopralluoghi accettati, { $refused } rifiutati; { $assignments } segnalazioni da verificare
cli-inspector-instructions = Indicazioni: { $text }
cli-inspector-visit = { $outcome } a { $distance } m: { $state }
cli-inspector-refused = rifiutato: { $reason }
cli-inspector-waiting = in attesa di invio
cli-inspector-accepted = accettato
cli-outcome-confirmed = Confermata
cli-outcome-not_found = Non trovata
