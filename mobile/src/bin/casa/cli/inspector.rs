//! `casa inspector`: an inspector's session, assignments and visits.

use super::*;

pub(super) fn inspector(store: &mut LocalStore, server: &str, command: InspectorCommand) -> anyhow::Result<()> {
    use casa_mobile::inspector::{self, SiteFix};
    use casa_shared_model::inspection::InspectionOutcome;
    let client = Client::for_store(server, store);
    let rt = || tokio::runtime::Builder::new_current_thread().enable_all().build();
    let fix = |at: &str| -> anyhow::Result<SiteFix> {
        let f = casa_mobile::platform::Fix::parse(at).map_err(anyhow::Error::msg)?;
        Ok(SiteFix { lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m, at: chrono::Utc::now() })
    };
    let visit = |store: &mut LocalStore, id: &str, outcome, at: &str, photo: Option<PathBuf>, note: Option<&str>, json: bool| {
        let id = parse_report_id(id)?;
        let processed = match &photo {
            Some(path) => {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                let taken: chrono::DateTime<chrono::Utc> =
                    std::fs::metadata(path).and_then(|m| m.modified()).with_context(|| path.display().to_string())?.into();
                let p =
                    casa_mobile::photo::process(&bytes, casa_mobile::photo::DEFAULT_QUALITY).with_context(|| path.display().to_string())?;
                Some((p, taken))
            }
            None => None,
        };
        let checked = inspector::record_visit(store, id, outcome, fix(at)?, processed.as_ref().map(|(p, t)| (p, *t)), note)?
            .map_err(|e| anyhow::anyhow!("sopralluogo rifiutato / visit refused: {e}"))?;
        if json {
            println!(
                "{}",
                json!({"id": checked.id, "report_id": id, "outcome": outcome, "distance_m": checked.distance_m, "queued": true})
            );
        } else {
            println!(
                "Sopralluogo registrato a {:.0} m dalla segnalazione: sarà inviato alla prossima sincronizzazione / Visit recorded {:.0} m from the report: it is sent at the next sync",
                checked.distance_m, checked.distance_m
            );
        }
        anyhow::Ok(())
    };
    match command {
        InspectorCommand::Login { email } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("cannot read the password from standard input")?;
            let session = rt()?.block_on(inspector::login(store, &client, &email, password.trim_end_matches(['\r', '\n'])))?;
            println!(
                "Accesso come ispettore / logged in as an inspector: {} (fino a / until {})",
                session.email,
                session.expires_at.format("%d/%m/%Y %H:%M UTC")
            );
            Ok(())
        }
        InspectorCommand::Logout => {
            store.clear_inspector_session()?;
            println!("Sessione chiusa / logged out");
            Ok(())
        }
        InspectorCommand::Sync { json } => {
            let s = rt()?.block_on(inspector::sync(store, &client))?;
            if json {
                println!(
                    "{}",
                    json!({"accepted": s.accepted, "refused": s.refused, "assignments": s.assignments, "photos_uploaded": s.photos_uploaded})
                );
            } else {
                println!(
                    "Sincronizzato / synced: {} sopralluoghi accettati, {} rifiutati; {} segnalazioni da verificare",
                    s.accepted, s.refused, s.assignments
                );
                for a in store.assignments()? {
                    for i in a.inspections.iter().filter(|i| i.error_message.is_some()) {
                        println!("  {}: {}", i.report_id, i.error_message.as_deref().unwrap_or_default());
                    }
                }
            }
            Ok(())
        }
        InspectorCommand::List { json } => {
            let list = store.assignments()?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("Nessuna segnalazione da verificare / nothing to inspect");
            }
            for a in list {
                let x = &a.assignment;
                println!("{}  {}  {} ({:.5}, {:.5})", x.report_id, x.comune_name, x.category, x.lat, x.lon);
                println!("    {}", x.description);
                if let Some(i) = &x.instructions {
                    println!("    Indicazioni / instructions: {i}");
                }
                for v in &a.inspections {
                    let state = match (&v.error_message, v.pending) {
                        (Some(e), _) => format!("rifiutato / refused: {e}"),
                        (None, true) => "in attesa di invio / waiting to be sent".to_owned(),
                        (None, false) => "accettato / accepted".to_owned(),
                    };
                    println!("    {} a {:.0} m: {state}", v.outcome.label_it(), v.distance_m);
                }
            }
            Ok(())
        }
        InspectorCommand::Confirm { id, at, photo, note, json } => {
            visit(store, &id, InspectionOutcome::Confirmed, &at, Some(photo), note.as_deref(), json)
        }
        InspectorCommand::NotFound { id, at, note, json } => visit(store, &id, InspectionOutcome::NotFound, &at, None, Some(&note), json),
    }
}
