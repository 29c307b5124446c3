# The dashboard's frame, sign-in and errors (the platform's part).

dash-brand = Casa del Cittadino
dash-skip-to-content = Vai al contenuto principale
dash-tagline = Pannello del personale
dash-logout = Esci
dash-back-home = Torna al pannello
dash-nav-sections = Sezioni del Comune

dash-role-admin = amministratore metropolitano
dash-role-moderator = moderatore
dash-role-inspector = ispettore
dash-role-operator = operatore di ufficio

dash-login-title = Accesso
dash-login-heading = Accesso del personale
dash-login-intro = Per moderatori, ispettori e uffici dei Comuni.
dash-login-email = Email
dash-login-password = Password
dash-login-submit = Accedi
dash-login-note = Dopo alcuni tentativi falliti bisogna attendere qualche istante prima di riprovare. L'accesso con SPID o CIE arriverà qui.
dash-login-wrong = Accesso non riuscito: email o password non corretti.
dash-login-throttled = Ci sono stati troppi tentativi di accesso: riprova tra qualche minuto.

dash-no-comuni-title = Nessun Comune
dash-no-comuni-heading = Nessun Comune assegnato
dash-no-comuni-text = Il tuo account non ha ancora un Comune: chiedi all'amministratore metropolitano di assegnartelo.

dash-error-not-found-title = Pagina non trovata
dash-error-not-found = La pagina o la segnalazione non esiste.
dash-error-forbidden-title = Accesso non consentito
dash-error-forbidden = Questa pagina appartiene a un Comune o a un ufficio per cui non hai un ruolo.
dash-error-bad-request-title = Richiesta non valida
dash-error-conflict-title = Azione non più possibile
dash-error-csrf-title = Modulo scaduto
dash-error-csrf = Il modulo è scaduto o non viene da questa pagina: ricarica e riprova.
dash-error-internal-title = Errore interno
dash-error-internal = Qualcosa non ha funzionato dalla nostra parte: riprova tra poco.
dash-error-invalid-transition = Questa azione non è possibile nello stato attuale: ricarica la pagina.
dash-error-stale-status = Lo stato è cambiato nel frattempo: ricarica la pagina.
dash-error-control-characters = Il testo contiene caratteri di controllo non ammessi.
dash-error-invalid-form = Modulo non valido: ricarica la pagina e riprova.
dash-error-unknown-language = Lingua non disponibile: scegli italiano o inglese.
