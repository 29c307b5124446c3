//! `casa inspector`: an inspector's session, assignments and visits.

use super::*;

pub(super) fn inspector(store: &mut LocalStore, server: &str, command: InspectorCommand) -> anyhow::Result<()> {
    use casa_mobile::inspector::{self, SiteFix};
    use casa_shared_model::inspection::InspectionOutcome;
    let client = Client::for_store(server, store);
    let rt = || tokio::runtime::Builder::new_current_thread().enable_all().build();
    let lang = super::words::lang();
    let fix = |at: &str| -> anyhow::Result<SiteFix> {
        let f = parse_fix(at)?;
        Ok(SiteFix { lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m, at: chrono::Utc::now() })
    };
    let visit = |store: &mut LocalStore, id: &str, outcome, at: &str, photo: Option<PathBuf>, note: Option<&str>, json: bool| {
        let id = parse_report_id(id)?;
        let processed = match &photo {
            Some(path) => {
                let bytes = read_file(path)?;
                let unreadable = |cause| casa_mobile::explain::FileUnreadable { path: path.clone(), cause };
                let taken: chrono::DateTime<chrono::Utc> = std::fs::metadata(path).and_then(|m| m.modified()).map_err(unreadable)?.into();
                Some((casa_mobile::photo::process(&bytes, casa_mobile::photo::DEFAULT_QUALITY)?, taken))
            }
            None => None,
        };
        let checked = inspector::record_visit(store, id, outcome, fix(at)?, processed.as_ref().map(|(p, t)| (p, *t)), note)?
            .map_err(CliError::VisitRefused)?;
        if json {
            println!(
                "{}",
                json!({"id": checked.id, "report_id": id, "outcome": outcome, "distance_m": checked.distance_m, "queued": true})
            );
        } else {
            println!("{}", t_with("cli-inspector-visit-recorded", &[("distance", checked.distance_m.round().into())]));
        }
        anyhow::Ok(())
    };
    match command {
        InspectorCommand::Login { email } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(CliError::CannotReadPassword)?;
            let session = rt()?.block_on(inspector::login(store, &client, &email, password.trim_end_matches(['\r', '\n'])))?;
            let args = [("email", session.email.as_str().into()), ("until", lang.when(session.expires_at).into())];
            println!("{}", t_with("cli-inspector-logged-in", &args));
            Ok(())
        }
        InspectorCommand::Logout => {
            store.clear_inspector_session()?;
            println!("{}", t("cli-inspector-logged-out"));
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
                let args = [("accepted", s.accepted.into()), ("refused", s.refused.into()), ("assignments", s.assignments.into())];
                println!("{}", t_with("cli-inspector-synced", &args));
                for a in store.assignments()? {
                    for i in a.inspections.iter() {
                        if let Some(code) = &i.error_code {
                            println!("  {}: {}", i.report_id, lang.refusal(code));
                        }
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
                println!("{}", t("inspector-nothing-to-inspect"));
            }
            for a in list {
                let x = &a.assignment;
                println!("{}  {}  {} ({:.5}, {:.5})", x.report_id, x.comune_name, x.category, x.lat, x.lon);
                println!("    {}", x.description);
                if let Some(i) = &x.instructions {
                    println!("    {}", t_with("cli-inspector-instructions", &[("text", i.as_str().into())]));
                }
                for v in &a.inspections {
                    let state = match (&v.error_code, v.pending) {
                        (Some(code), _) => t_with("cli-inspector-refused", &[("reason", lang.refusal(code).into())]),
                        (None, true) => t("cli-inspector-waiting"),
                        (None, false) => t("cli-inspector-accepted"),
                    };
                    let outcome = t(&format!("cli-outcome-{}", v.outcome.as_str()));
                    let args = [("outcome", outcome.into()), ("distance", v.distance_m.round().into()), ("state", state.into())];
                    println!("    {}", t_with("cli-inspector-visit", &args));
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
