# The reports' dashboard pages: queue, report, photos, department, inspection, statistics.

# A report's status, by its code.
rep-status-submitted = Inviata
rep-status-in_moderation = In moderazione
rep-status-published = Pubblicata
rep-status-rejected = Respinta
rep-status-assigned_to_department = Assegnata all'ufficio
rep-status-confirmed_by_inspector = Confermata dal sopralluogo
rep-status-in_progress = In lavorazione
rep-status-resolved = Risolta
rep-status-closed = Chiusa
rep-status-duplicate_of = Duplicata

rep-tab-queue = Moderazione
rep-tab-my-office = Il mio ufficio
rep-tab-offices = Uffici
rep-tab-stats = Statistiche

rep-queue-title = Segnalazioni di { $comune }
rep-queue-heading = Segnalazioni
rep-queue-your-comuni = I tuoi Comuni
rep-queue-transferred = Segnalazione trasferita: ora è nella coda di moderazione dell'altro Comune.
rep-queue-transferred-to = Segnalazione trasferita al Comune di { $comune }: ora è nella sua coda di moderazione.
rep-queue-empty = Nessuna segnalazione con questi filtri.
rep-queue-count-capped = { $n } segnalazioni (le prime { $limit }: restringi i filtri)
rep-queue-caption = Segnalazioni, dalla più vecchia
rep-count = { $n ->
    [one] 1 segnalazione
   *[other] { $n } segnalazioni
}
rep-filters = Filtri
rep-filter-submit = Filtra
rep-filter-all = Tutte
rep-filter-in-moderation = In moderazione
rep-filter-published = Pubblicate
rep-filter-assigned = Assegnate a un ufficio
rep-filter-confirmed = Confermate dal sopralluogo
rep-filter-in-progress = In lavorazione
rep-filter-resolved = Risolte
rep-filter-rejected = Respinte
rep-field-status = Stato
rep-field-category = Categoria
rep-field-waiting = In attesa da
rep-field-comune = Comune
rep-field-department = Ufficio
rep-field-place = Luogo
rep-field-channel = Canale
rep-field-code = Codice
rep-waiting-any = qualsiasi
rep-waiting-at-least = { $days ->
    [1] almeno 1 giorno
   *[other] almeno { $days } giorni
}
rep-col-received = Ricevuta
rep-col-description = Descrizione
rep-col-photos = Foto
rep-show = Mostra
rep-map-title = Mappa delle segnalazioni elencate nel Comune di { $comune }
rep-map-caption = In rosso le segnalazioni in moderazione, in blu le altre. Seleziona un punto per aprirla.

rep-report-done = Fatto: la segnalazione ora è «{ $status }». Il cittadino lo vedrà alla prossima sincronizzazione.
rep-report-reason = Motivo:
rep-report-duplicate-of = Duplicato di
rep-report-this-report = questa segnalazione
rep-open-map = apri la mappa
rep-photos-hint = Apri una foto per ingrandirla e sfocare volti o targhe prima di pubblicare.
rep-photo-open-alt = Foto { $n } della segnalazione: apri il visore
rep-reopens = Riaperture del cittadino
rep-transfers = Trasferimenti
rep-transfer-from-to = da { $from } a { $to }
rep-actions = Azioni
rep-action-publish = Pubblica
rep-choose = — scegli —
rep-action-reject-reason = Motivo del rifiuto
rep-action-reject = Respingi
rep-action-assign = Assegna all'ufficio
rep-action-original = Duplicato di (codice o indirizzo)
rep-action-duplicate = Segna come duplicato
rep-action-recategorize = Cambia categoria
rep-action-transfer-to = Trasferisci al Comune
rep-action-transfer-reason = Motivo
rep-action-transfer = Trasferisci

rep-photo-n-of = Foto { $n } di { $count }
rep-photo-back = Torna alla segnalazione ({ $category })
rep-photo-blurred = Zona sfocata: l'originale è stato eliminato e al suo posto c'è questa copia.
rep-photo-others = Altre foto
rep-photo-previous = Foto precedente
rep-photo-next = Foto successiva
rep-photo-alt = Foto { $n } della segnalazione «{ $category }»
rep-blur-heading = Sfoca una zona
rep-blur-hint = Trascina sulla foto per segnare volti o targhe, oppure scrivi la zona in percentuale della foto.
rep-blur-left = Da sinistra (%)
rep-blur-top = Dall'alto (%)
rep-blur-width = Larghezza (%)
rep-blur-height = Altezza (%)
rep-blur-submit = Sfoca questa zona

rep-office-intro = Le segnalazioni affidate all'ufficio. Aprine una per metterla in lavorazione o segnarla risolta.
rep-office-open = Da lavorare
rep-office-empty = Nessuna segnalazione in questo elenco.
rep-office-count-capped = { $n } segnalazioni (le prime { $limit })
rep-office-caption = Segnalazioni dell'ufficio
rep-work-heading = Lavorazione dell'ufficio
rep-work-intro = Il cittadino riceve lo stato e la nota alla prossima sincronizzazione dell'app.
rep-work-note = Nota per il cittadino (obbligatoria se risolta)
rep-work-photo = Foto del lavoro (facoltativa)
rep-work-start = Metti in lavorazione
rep-work-resolve = Segna come risolta
rep-history = Cronologia
rep-history-photo-alt = Foto allegata allo stato «{ $status }»

rep-inspection-heading = Sopralluogo
rep-inspection-asked = Richiesto a { $inspector } il { $when } (UTC) da { $by }
rep-inspection-waiting = in attesa della visita
rep-inspection-instructions = Indicazioni:
rep-inspection-confirmed = Confermata sul posto
rep-inspection-not-found = Non trovata sul posto
rep-inspection-distance = A { $distance } m dal punto segnalato, precisione GPS ±{ $accuracy } m
rep-inspection-far = (oltre { $radius } m: valuta se la verifica è attendibile)
rep-inspection-photo-alt = Foto del sopralluogo
rep-inspection-no-inspectors = Nessun ispettore abilitato per questo Comune.
rep-inspection-inspector = Ispettore
rep-inspection-instructions-field = Indicazioni (facoltative)
rep-inspection-ask = Richiedi sopralluogo
rep-inspection-ask-again = Richiedi un nuovo sopralluogo

rep-stats-period = Periodo
rep-stats-received = Segnalazioni ricevute
rep-stats-period-days = ultimi { $days } giorni
rep-stats-period-all = da sempre
rep-stats-total = segnalazioni ricevute ({ $period })
rep-stats-median-first = tempo mediano alla prima risposta (su { $n })
rep-stats-median-resolution = tempo mediano alla risoluzione (su { $n })
rep-stats-out-of = su { $n }
rep-stats-note = Prima risposta: pubblicazione, rifiuto, duplicato o assegnazione. I tempi partono dall'arrivo della segnalazione al server.
rep-stats-empty = Nessuna segnalazione in questo periodo.
rep-stats-table-label = Tabella delle statistiche per categoria
rep-stats-caption = Segnalazioni per categoria e stato, e tempi mediani
rep-stats-col-total = Totale
rep-stats-col-first = Prima risposta
rep-stats-col-resolution = Risoluzione
rep-stats-assigned = Assegnate
rep-stats-confirmed = Confermate
rep-stats-closed = Chiuse
rep-stats-duplicates = Duplicate
rep-stats-other = Altro
rep-wait-under-a-minute = < 1 min
rep-wait-minutes = { $m } min
rep-wait-hours = { $h } h { $m } min
rep-wait-days = { $d } g { $h } h

rep-live-one = È arrivata 1 nuova segnalazione.
rep-live-many = Sono arrivate {"{"}n{"}"} nuove segnalazioni.
rep-live-reload = Aggiorna l'elenco
rep-live-too-many-title = Troppe finestre aperte
rep-live-too-many = Gli aggiornamenti in tempo reale sono già aperti in altre finestre: chiudine una e ricarica.

rep-error-unknown-status = Stato «{ $status }» sconosciuto: scegli uno stato dall'elenco.
rep-error-unknown-category = Categoria sconosciuta per questo Comune.
rep-error-invalid-age = Età non valida: scegli un valore dall'elenco.
rep-error-choose-comune = Scegli un Comune dall'elenco.
rep-error-blur-numbers = Indica la zona con quattro numeri (percentuali).
rep-error-blur-region = La zona deve stare dentro la foto ed essere larga e alta almeno l'1%.
rep-error-choose-reason = Scegli un motivo dall'elenco.
rep-error-original = Indica il codice o l'indirizzo della segnalazione originale.
rep-error-unknown-action = Azione «{ $action }» sconosciuta: ricarica la pagina.
rep-error-unknown-department = Ufficio «{ $department }» sconosciuto.
rep-error-work-form = Modulo non valido o foto troppo grande (al massimo { $mb } MB).
rep-error-work-action = Scegli «in lavorazione» o «risolta».
rep-error-period = Periodo non valido: scegli 30, 90 o 365 giorni, o da sempre.
rep-error-live-since = Istante non valido: ricarica la pagina.

# A service's refusals, by their stable code.
error-control_characters = La nota contiene caratteri di controllo non ammessi.
error-note_required = Scrivi cosa è stato fatto: il cittadino lo leggerà con l'esito.
error-photo_storage = Impossibile salvare la foto: riprova tra poco.
error-photo_not_uploaded = La foto non è ancora arrivata dal telefono: riprova più tardi.
error-not_inspectable = Una segnalazione in questo stato non si manda in sopralluogo: pubblicala prima.
error-unknown_inspector = Nessun ispettore con questa email per questo Comune.
error-instructions_too_long = Indicazioni troppo lunghe: al massimo 500 caratteri.
error-inspection_required = Solo un ispettore sul posto può confermare: assegna un sopralluogo.
error-unknown_rejection_reason = Motivo di rifiuto non previsto: scegline uno dall'elenco.
error-report_closed = La segnalazione è chiusa: la categoria non si cambia più.
error-unknown_category = Categoria sconosciuta per questo Comune.
error-same_category = La segnalazione è già in questa categoria.
error-invalid_reason = Il motivo è troppo corto o troppo lungo: scrivilo di nuovo (al massimo 500 caratteri).
error-same_comune = La segnalazione è già di questo Comune.
error-not_transferable = Una segnalazione in questo stato non si trasferisce più.
error-unknown_comune = Comune sconosciuto: scegline uno dall'elenco.
error-category_not_served = Quel Comune non gestisce questa categoria: cambiala prima del trasferimento.
error-not_an_image = Il file non è una foto: scegli un'immagine JPEG o PNG.
error-image_too_large = La foto è troppo grande.
error-unreadable_image = La foto non si riesce a leggere: scegline un'altra.
error-image_encode_failed = Non è stato possibile elaborare la foto: riprova.
error-too_many_items = Al massimo 100 sopralluoghi per volta: il telefono manda gli altri alla prossima sincronizzazione.
