# The petitions' dashboard pages: list and rules, a petition, the review of signatures.

# A petition's status, by its code.
pet-status-draft = Bozza
pet-status-submitted = In cerca di promotori
pet-status-in_moderation = In moderazione
pet-status-open = Aperta alle firme
pet-status-awaiting_response = In attesa della risposta del Comune
pet-status-awaiting_debate = In attesa del dibattito in Consiglio
pet-status-closed = Chiusa
pet-status-answered = Il Comune ha risposto
pet-status-rejected = Respinta

pet-tab = Petizioni
pet-signatures = { $n ->
    [one] 1 firma
   *[other] { $n } firme
}
pet-cosponsors-found = { $found } di { $needed } promotori
pet-threshold-response = risposta del Comune
pet-threshold-debate = dibattito in Consiglio comunale
pet-threshold-reached = raggiunta
pet-rules-saved = Regole salvate: valgono per le proposte da ora in poi.
pet-service-off = Il servizio Petizioni non è attivo in questo Comune: i cittadini non vedono le petizioni.
pet-waiting = { $n ->
    [0] Nessuna proposta attende la moderazione.
    [one] 1 proposta attende la moderazione.
   *[other] { $n } proposte attendono la moderazione.
}
pet-list-empty = Nessuna petizione in questo Comune.
pet-list-caption = Petizioni, dalle proposte da moderare alle concluse
pet-col-petition = Petizione
pet-col-created = Creata
pet-field-status = Stato
pet-field-signatures = Firme
pet-rules-heading = Regole del Comune
pet-rules-intro = Valgono per le proposte presentate da ora in poi; le petizioni già presentate tengono le loro soglie.
pet-rules-cosponsors = Promotori necessari
pet-rules-response = Firme per la risposta
pet-rules-debate = Firme per il dibattito
pet-rules-months = Anonimizzazione (mesi dopo la fine)
pet-rules-save = Salva le regole

pet-back-to-list = Tutte le petizioni di { $comune }
pet-done-open = Petizione aperta alle firme.
pet-done-rejected = Proposta respinta: l'autore legge il motivo alla prossima sincronizzazione.
pet-done-answered = Risposta ufficiale pubblicata.
pet-done-invalidated = Firme annullate.
pet-field-who = Chi può firmare
pet-who-residents = Solo i residenti del Comune
pet-who-everyone = Tutti i cittadini verificati
pet-field-author = Proposta da
pet-author-citizen = un cittadino verificato
pet-field-closes = Chiusura
pet-field-duration = Durata
pet-duration-days = { $days } giorni dall'apertura
pet-field-anonymised = Anonimizzata
pet-answer-heading = Risposta ufficiale del Comune
pet-moderation = Moderazione
pet-moderation-cosponsors = La proposta cerca ancora i suoi promotori: si può respingere subito (testo offensivo, fuori competenza…), si apre quando li ha.
pet-open-for = Apri alle firme per { $days } giorni
pet-reject-reason = Motivo del rifiuto (l'autore lo legge)
pet-reject = Respingi
pet-respond-heading = Risposta ufficiale
pet-respond-intro = Pubblicarla conclude la petizione: non si raccolgono altre firme.
pet-respond-text = Testo della risposta
pet-respond-submit = Pubblica la risposta
pet-review-heading = Controllo delle firme
pet-review-anonymised = Le firme sono state cancellate (anonimizzazione): restano i conteggi.
pet-review-bursts = { $n ->
    [0] Nessun picco sospetto di firme.
    [one] 1 intervallo di 10 minuti con un picco sospetto di firme (evidenziato).
   *[other] { $n } intervalli di 10 minuti con un picco sospetto di firme (evidenziati).
}
pet-shared-heading = Telefoni usati da più persone
pet-shared-caption = Un telefono da cui hanno firmato più persone può essere di una famiglia, o un abuso.
pet-col-phone = Telefono
pet-col-people = Persone
pet-col-from = Dal
pet-col-until = Al
pet-col-action = Azione
pet-col-since = Dalle
pet-timeline-heading = Firme ogni 10 minuti (UTC)
pet-timeline-label = Firme nel tempo
pet-burst = picco
pet-invalidate-preview = Anteprima annullamento
pet-history = Cronologia
pet-event-threshold = Soglia raggiunta: { $threshold }
pet-event-invalidated = Firme annullate
pet-event-anonymised = Dati dei firmatari cancellati
pet-event-by-citizen = un cittadino
pet-event-closing-date = alla data di chiusura
pet-event-expired = scaduta senza promotori

pet-invalidate-heading = Annullare firme
pet-invalidate-filters = Firme da annullare
pet-invalidate-phone = Telefono (facoltativo)
pet-invalidate-from = Ricevute dal (UTC)
pet-invalidate-until = al (UTC, escluso)
pet-invalidate-refresh = Aggiorna
pet-invalidate-matching = { $n ->
    [0] Nessuna firma valida corrisponde: non c'è niente da annullare.
    [one] 1 firma valida corrisponde.
   *[other] { $n } firme valide corrispondono.
}
pet-invalidate-effect = Annullate, non contano più: il conteggio scende di { $n } (da { $from } a { $to }). Le soglie già raggiunte restano raggiunte. Chi ha firmato lo legge alla prossima sincronizzazione, se invia di nuovo la stessa firma.
pet-invalidate-submit = Annulla { $n } firme

pet-error-date = Data e ora «{ $value }» non valide: usa il formato AAAA-MM-GGTHH:MM.
pet-error-phone = Codice del telefono non valido: copialo dalla tabella dei telefoni.
pet-error-preview = Anteprima non valida: rifalla.
pet-error-preview-first = Prima guarda l'anteprima delle firme da annullare.

# A service's refusals, by their stable code.
error-service_disabled = Il servizio Petizioni non è attivo in questo Comune.
error-id_conflict = Questo identificativo è già usato da un'altra petizione.
error-missing_cosponsors = Mancano promotori (alcune firme sono state annullate): la proposta non si può ancora aprire.
error-invalid_response = La risposta deve avere da 20 a 10.000 caratteri.
error-invalid_transition = Nello stato attuale della petizione questa decisione non si applica.
error-empty_selection = Indica un telefono o un intervallo di tempo.
error-invalid_window = L'inizio deve precedere la fine.
error-invalid_title = Il titolo deve avere da 10 a 150 caratteri.
error-invalid_body = Il testo deve avere da 50 a 5.000 caratteri.
error-invalid_text = Il testo contiene caratteri di controllo non ammessi.
error-invalid_duration = La petizione resta aperta da 7 giorni a 12 mesi.
error-invalid_thresholds = Soglie non valide: la risposta prima del dibattito, almeno 10 firme.
error-invalid_cosponsors = Numero non valido: promotori da 1 a 100, meno della soglia di risposta.
error-invalid_anonymisation = Anonimizzazione da 1 a 60 mesi dopo la chiusura.
