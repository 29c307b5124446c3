# What the citizen reads when something goes wrong: what happened, then
# what to do. Codes and causes go to the log, never here.

error-storage = Il telefono non è riuscito a leggere o salvare i dati dell'app. Riprova; se succede ancora, libera un po' di spazio e riavvia l'app.
error-assignment-gone = Questo sopralluogo non è più tra i tuoi: sincronizza per vedere quelli assegnati.
error-network = Il server non è raggiungibile. Controlla la connessione e riprova: ciò che hai salvato resta sul telefono.
error-invalid-answer = Il server ha risposto in un modo che l'app non capisce. Riprova più tardi; se succede ancora, aggiorna l'app.
error-server-busy = Il server è molto occupato. Riprova tra qualche minuto.
error-server-trouble = Il server ha un problema. Riprova più tardi: ciò che hai salvato resta sul telefono.
error-not-allowed = Il server non ha riconosciuto questo telefono. Riprova; se succede ancora, reinstalla l'app.
error-refused-request = Il server non ha accettato la richiesta. Controlla i dati e riprova.

error-api-invalid_activation_code = Codice non valido, già usato o scaduto. Controllalo, oppure chiedine uno nuovo allo sportello del Comune.
error-api-invalid_token = La tua identità su questo telefono non è più valida: attivala di nuovo.
error-api-too_many_attempts = Troppi tentativi sbagliati. Aspetta qualche minuto e riprova.
error-api-rate_limited = Troppe richieste in poco tempo. Riprova tra qualche minuto.
error-api-invalid_credentials = Email o password non corrette.
error-api-not_an_inspector = Questo account non è abilitato ai sopralluoghi.
error-api-invalid_nickname = Soprannome non valido: da 3 a 24 lettere, cifre, spazi o trattini.
error-api-no_results_here = Si entra in classifica quando una tua segnalazione in questo Comune è confermata o risolta.
error-api-nickname_taken = Questo soprannome è già usato in questo Comune: scegline un altro.
error-api-service_disabled = Il tuo Comune non offre questo servizio.
error-api-not_found = Non trovato: controlla il codice e riprova.

error-refused = Il Comune non ha accettato l'invio.
error-refused-outside_area = Il punto è fuori dai Comuni serviti dall'app.
error-refused-service_disabled = Il Comune di quel punto non riceve segnalazioni dall'app.
error-refused-unknown_category = Il Comune di quel punto non ha questa categoria: scegline un'altra e riprova.
error-refused-id_conflict = Un invio con lo stesso identificativo esiste già: crea di nuovo la segnalazione.
error-refused-wrong_jurisdiction = Il punto non è nel Comune indicato.
error-refused-report_not_found = La segnalazione non c'è più sul server.
error-refused-not_your_report = Solo chi ha inviato la segnalazione può riaprirla.
error-refused-not_resolved = Si può riaprire solo una segnalazione risolta: questa è già stata ripresa in carico.

error-inspector-not-logged-in = Accedi prima come ispettore.
error-inspector-session-expired = Sessione scaduta: accedi di nuovo. I sopralluoghi registrati restano sul telefono.

error-photo-format = Formato non supportato: scegli una foto JPEG o PNG.
error-photo-too-many-pixels = Immagine troppo grande ({ $megapixels } megapixel): scegline una più piccola.
error-photo-too-large = File troppo grande ({ $mb } MB): scegline uno più piccolo.
error-photo-unreadable = Immagine illeggibile: scegline un'altra.
error-photo-not-prepared = Non è stato possibile preparare la foto. Riprova.
error-file-unreadable = Non è stato possibile aprire { $file }.

error-reopen-not-on-phone = Questa segnalazione non è sul telefono.
error-reopen-not-resolved = Si può riaprire solo una segnalazione risolta.
error-reopen-pending = La richiesta di riapertura è già in attesa di invio.
error-reopen-reason_too_short = Spiega in almeno { $min } caratteri perché il problema non è risolto.
error-reopen-reason_too_long = Il motivo è troppo lungo: al massimo { $max } caratteri.
error-reopen-reason_invalid = Il motivo contiene caratteri non ammessi: cancellali e riprova.
error-reopen-requested_in_future = Data e ora del telefono sono nel futuro: correggile e riprova.
error-reopen-requested_too_early = Data e ora del telefono sono indietro: correggile e riprova.
error-reopen-invalid_id = La richiesta non è valida: riprova.

error-report-invalid_coordinates = La posizione non è valida: rileva di nuovo la posizione.
error-report-invalid_accuracy = La precisione della posizione non è valida (al massimo { $max } m): rileva di nuovo la posizione.
error-report-description_empty = Scrivi che cosa hai visto.
error-report-description_too_long = La descrizione è troppo lunga ({ $n } caratteri, al massimo { $max }).
error-report-description_invalid = La descrizione contiene caratteri non ammessi: cancellali e riprova.
error-report-invalid_category = Scegli una categoria dall'elenco.
error-report-too_many_photos = Al massimo { $max } foto per segnalazione.
error-report-invalid_photo_ref = Una foto non è valida: toglila e aggiungila di nuovo.
error-report-captured_in_future = Data e ora del telefono sono nel futuro: correggile e riprova.
error-report-captured_too_early = Data e ora del telefono sono indietro: correggile e riprova.

error-inspection-invalid_fix = La posizione GPS non è valida: rilevala di nuovo.
error-inspection-too_far = Sei a { $distance } m dalla segnalazione (precisione ±{ $accuracy } m): per confermare devi essere entro { $radius } m, precisione compresa. Avvicinati o attendi un segnale migliore.
error-inspection-photo_required = Per confermare serve una foto scattata ora sul posto.
error-inspection-invalid_photo = La foto non è valida: scattane un'altra.
error-inspection-photo_stale = La foto è di { $minutes } minuti fa: ne serve una degli ultimi 30 minuti.
error-inspection-fix_stale = La posizione GPS è di { $minutes } minuti fa: rilevala di nuovo.
error-inspection-future_time = Data e ora del telefono sono nel futuro: correggile e riprova.
error-inspection-note_required = Scrivi che cosa hai trovato sul posto (da 3 a 1000 caratteri).
error-inspection-note_too_long = La nota è troppo lunga: al massimo 1000 caratteri.
