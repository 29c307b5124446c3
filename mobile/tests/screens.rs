//! Every screen rendered to HTML from a real phone store (no window): what
//! the citizen reads comes from the store, in Italian first.
#![cfg(feature = "gui")]

use casa_mobile::app::screens::Shell;
use casa_mobile::app::state::keys;
use casa_mobile::app::{provide_ui, AppOptions, Core, Screen};
use casa_mobile::platform::{Connection, Fix, FixedLocation, FolderPhotos, SystemNetwork};
use casa_shared_model::wire::{
    ComuneOutline, Cursor, ItemOutcome, ItemResult, NearbyQuery, PublicReport, ReportChange, ReportPayload, Routing,
};
use casa_shared_model::{IstatCode, NewReport, ReportId, ReportStatus};
use chrono::Utc;
use dioxus::prelude::*;

#[component]
fn TestRoot(core: Core, screen: Screen) -> Element {
    provide_ui(&core, screen);
    rsx! { Shell {} }
}

/// The app after a sync round that could not reach the server.
#[component]
fn OfflineRoot(core: Core, screen: Screen) -> Element {
    let ui = provide_ui(&core, screen);
    use_hook(move || {
        let mut sync = ui.sync;
        sync.set(casa_mobile::app::state::SyncView {
            last_error: Some(casa_mobile::i18n::Words::new("error-network")),
            ..Default::default()
        });
    });
    rsx! { Shell {} }
}

struct Phone {
    _dir: tempfile::TempDir,
    core: Core,
}

fn phone(onboarded: bool) -> Phone {
    let dir = tempfile::tempdir().expect("tempdir");
    let pictures = dir.path().join("Pictures");
    std::fs::create_dir_all(&pictures).expect("pictures");
    std::fs::write(pictures.join("buca-via-sparano.jpg"), b"not decoded until picked").expect("picture");
    let core = Core::open(AppOptions {
        data_dir: dir.path().join("data"),
        server: "http://127.0.0.1:9".into(),
        location: FixedLocation(Some(Fix { lat: 41.1307, lon: 16.8700, accuracy_m: 8.0 })),
        photos: FolderPhotos { dir: pictures },
        network: SystemNetwork { fixed: Some(Connection::Unmetered) },
    })
    .expect("core");
    if onboarded {
        core.set_setting(keys::COMUNE, "072006").expect("comune");
        core.set_setting(keys::PRIVACY_ACCEPTED, "2026-11-23T10:00:00Z").expect("privacy");
        offer(&core, &["reports", "petitions", "gamification"]);
    }
    Phone { _dir: dir, core }
}

/// Bari, as a sync describes it, with these services on.
fn offer(core: &Core, services: &[&str]) {
    let bari = casa_shared_model::wire::ComuneInfo {
        istat_code: IstatCode::parse("072006").expect("code"),
        name: "Bari".into(),
        services: services.iter().map(|s| s.to_string()).collect(),
        categories: casa_mobile::app::state::default_categories(),
        official_boundary: true,
    };
    core.store.borrow_mut().replace_comuni(1, &[bari]).expect("comuni");
}

fn render(core: &Core, screen: Screen) -> String {
    let mut dom = VirtualDom::new_with_props(TestRoot, TestRootProps { core: core.clone(), screen });
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

fn capture(core: &Core, category: &str, description: &str) -> ReportId {
    let payload = ReportPayload {
        id: ReportId::new(),
        category: category.into(),
        description: description.into(),
        lat: 41.1307,
        lon: 16.8700,
        accuracy_m: 8.0,
        captured_at: Utc::now(),
        photos: vec![],
    };
    let report = NewReport::parse(&payload, Utc::now()).expect("valid report");
    core.store.borrow_mut().capture(&report).expect("capture");
    report.id
}

fn bari_routing() -> Routing {
    Routing {
        comune: IstatCode::parse("072006").expect("code"),
        comune_name: "Bari".into(),
        department: "lavori_pubblici".into(),
        department_name: "Lavori pubblici".into(),
        method: "inside".into(),
        approximate: false,
    }
}

/// What the server answers for `id`: accepted, routed to Bari, in moderation.
fn server_accepts(core: &Core, id: ReportId) {
    let results = [ItemResult { id: id.as_uuid(), outcome: ItemOutcome::Accepted(bari_routing()) }];
    let changes = [ReportChange { report_id: id, status: ReportStatus::InModeration, note: None, at: Utc::now() }];
    core.store.borrow_mut().apply_response(&results, &changes, Cursor(1)).expect("apply");
}

#[test]
fn a_new_user_first_sees_the_privacy_notice_and_the_comune_chosen_by_location() {
    let p = phone(false);
    let html = render(&p.core, Screen::NewReport);
    assert!(html.contains("Privacy"), "{html}");
    assert!(html.contains("ripulite sul telefono da ogni metadato"), "{html}");
    assert!(html.contains("Accetto e inizio"));
    assert_eq!(html.matches("<option value=\"072").count(), 41, "all 41 Comuni are offered before any sync: {html}");
    assert!(html.contains("Scelto in base alla tua posizione"), "{html}");
    assert!(!html.contains("Invia segnalazione"), "the form waits for the first-run choice");
}

#[test]
fn the_new_report_screen_offers_photos_gps_accuracy_categories_and_a_map() {
    let p = phone(true);
    let html = render(&p.core, Screen::NewReport);
    assert!(html.contains("Nuova segnalazione"), "{html}");
    assert!(html.contains("buca-via-sparano.jpg"), "the pictures folder is offered");
    assert!(html.contains("(0/5)"));
    assert!(html.contains("GPS ±8 m"), "{html}");
    assert!(html.contains("Buche e strade dissestate") && html.contains("Illuminazione pubblica"), "the Comune's categories");
    assert!(html.contains("<svg") && html.contains("Mappa del luogo della segnalazione"));
    assert!(html.contains("Invia segnalazione"));
    assert!(html.contains("Tutto inviato"), "the sync bar is on every screen");
    assert!(html.contains(r#"for="description""#) && html.contains(r#"id="description""#), "the description has its label");
}

#[test]
fn my_reports_show_what_waits_and_what_the_server_said() {
    let p = phone(true);
    let waiting = capture(&p.core, "waste", "Cassonetto rotto in via Sparano");
    let html = render(&p.core, Screen::MyReports);
    assert!(html.contains("Cassonetto rotto in via Sparano") && html.contains("In attesa di invio"), "{html}");
    assert!(html.contains("1 in attesa di invio"), "the sync bar counts it");
    server_accepts(&p.core, waiting);
    let html = render(&p.core, Screen::MyReports);
    assert!(html.contains("In moderazione") && html.contains("Bari"), "{html}");
    assert!(html.contains("Tutto inviato"));
}

#[test]
fn a_report_shows_its_timeline_department_and_a_refusal_with_a_retry() {
    let p = phone(true);
    let id = capture(&p.core, "road_damage", "Buca profonda");
    server_accepts(&p.core, id);
    let html = render(&p.core, Screen::Report(id));
    assert!(html.contains("Cronologia"), "{html}");
    let saved = html.find("Salvata sul telefono").expect("first step");
    let moderation = html.rfind("In moderazione").expect("second step");
    assert!(saved < moderation, "oldest first");
    assert!(html.contains("Lavori pubblici"), "the department in charge");

    let refused = capture(&p.core, "road_damage", "Fuori zona");
    let results = [ItemResult {
        id: refused.as_uuid(),
        outcome: ItemOutcome::Rejected {
            code: "outside_area".into(),
            message: "Il punto è fuori dalla Città Metropolitana di Bari".into(),
        },
    }];
    p.core.store.borrow_mut().apply_response(&results, &[], Cursor(2)).expect("apply");
    let html = render(&p.core, Screen::Report(refused));
    // The refusal's code in the app's words, not the server's message.
    assert!(html.contains("Il punto è fuori dai Comuni serviti") && html.contains("Riprova l&#39;invio"), "{html}");
    assert!(!html.contains("Città Metropolitana di Bari"), "{html}");
    assert!(html.contains("Da rivedere"));
}

#[test]
fn a_resolved_report_can_be_reopened_with_a_reason_that_then_shows_in_its_timeline() {
    let p = phone(true);
    let id = capture(&p.core, "road_damage", "Buca profonda");
    server_accepts(&p.core, id);
    let html = render(&p.core, Screen::Report(id));
    assert!(!html.contains("Riapri la segnalazione"), "only a resolved report offers it: {html}");
    let resolved = [ReportChange { report_id: id, status: ReportStatus::Resolved, note: None, at: Utc::now() }];
    p.core.store.borrow_mut().apply_response(&[], &resolved, Cursor(2)).expect("apply");
    let html = render(&p.core, Screen::Report(id));
    assert!(html.contains("Il problema non è risolto?") && html.contains("Riapri la segnalazione"), "{html}");
    assert!(html.contains(r#"for="reopen-reason""#) && html.contains(r#"id="reopen-reason""#), "the reason has its label");

    p.core.store.borrow_mut().reopen(id, "La buca si è riaperta").expect("store").expect("queued");
    let html = render(&p.core, Screen::Report(id));
    assert!(html.contains("Riaperta da te") && html.contains("La buca si è riaperta"), "{html}");
    assert!(!html.contains("Riapri la segnalazione"), "one request at a time");
    assert!(html.contains("1 in attesa di invio"), "the sync bar counts the request");
}

#[test]
fn nearby_draws_cached_public_reports_on_the_map_and_lists_them_by_distance() {
    let p = phone(true);
    let public = |lat: f64, description: &str, status: ReportStatus| PublicReport {
        id: ReportId::new(),
        comune: IstatCode::parse("072006").expect("code"),
        category: "public_lighting".into(),
        description: description.into(),
        lat,
        lon: 16.8700,
        status,
        updated_at: Utc::now(),
    };
    let reports =
        [public(41.1310, "Lampione spento", ReportStatus::Published), public(41.1340, "Lampione riparato", ReportStatus::Resolved)];
    p.core.store.borrow_mut().replace_nearby(&NearbyQuery { lat: 41.1307, lon: 16.87, radius_m: 1000.0 }, &reports).expect("cache");
    let html = render(&p.core, Screen::Nearby);
    assert!(html.contains("Mappa delle segnalazioni vicine"), "{html}");
    assert_eq!(html.matches("<circle").count(), 3, "two pins and the citizen's accuracy circle: {html}");
    let near = html.find("Lampione spento").expect("near");
    let far = html.find("Lampione riparato").expect("far");
    assert!(near < far, "nearest first");
    assert!(html.contains("33 m"), "{html}");
    assert!(html.contains("Aggiornate"));
    assert!(!html.contains("class=\"boundary\""), "no outline fetched yet");

    // With the Comune's outline in the store, its boundary is drawn offline.
    let bari = IstatCode::parse("072006").expect("code");
    let ring = vec![[16.860, 41.125], [16.880, 41.125], [16.880, 41.140], [16.860, 41.140], [16.860, 41.125]];
    let outline = ComuneOutline { istat_code: bari, rings: vec![ring] };
    p.core.store.borrow_mut().save_outline(&bari, 1, Some(&outline)).expect("outline");
    let html = render(&p.core, Screen::Nearby);
    let boundary = html.find("class=\"boundary\"").expect("the boundary is drawn");
    assert!(html[boundary..].contains(" Z"), "a closed ring: {html}");
}

#[test]
fn the_sync_screen_shows_the_waiting_items_and_the_server() {
    let p = phone(true);
    capture(&p.core, "waste", "Rifiuti");
    capture(&p.core, "waste", "Altri rifiuti");
    p.core.store.borrow_mut().record_sync(Err("rete non raggiungibile / network unreachable")).expect("record");
    let html = render(&p.core, Screen::Sync);
    assert!(html.contains("Sincronizzazione") && html.contains("<dd>2</dd>"), "{html}");
    assert!(html.contains("http://127.0.0.1:9"));
    // The failure is told; its developer's detail is not the citizen's to read.
    assert!(html.contains("Ultimo tentativo non riuscito.") && html.contains("Sincronizza ora"), "{html}");
    assert!(!html.contains("network unreachable"), "{html}");
}

#[test]
fn settings_show_the_server_language_photo_quality_and_maps() {
    let p = phone(true);
    let html = render(&p.core, Screen::Settings);
    assert!(html.contains("Indirizzo del server") && html.contains("http://127.0.0.1:9"), "{html}");
    assert!(html.contains("Qualità delle foto") && html.contains("Wi-Fi"));
    assert!(html.contains("tile.openstreetmap.org"));
}

#[test]
fn the_app_speaks_english_when_the_citizen_chose_it() {
    let p = phone(true);
    p.core.set_setting(keys::LANG, "en").expect("lang");
    let html = render(&p.core, Screen::NewReport);
    assert!(html.contains("New report") && html.contains("Send report") && html.contains("Road damage and potholes"), "{html}");
    assert!(html.contains(r#"lang="en""#));
    assert!(!html.contains("Nuova segnalazione"));
}

#[test]
fn the_inspector_screen_asks_to_log_in_then_lists_the_assigned_reports_with_the_distance() {
    use casa_mobile::inspector::{record_visit, SiteFix};
    use casa_shared_model::inspection::InspectionOutcome;
    use casa_shared_model::wire::{Assignment, InspectorSession};

    let p = phone(true);
    let html = render(&p.core, Screen::Inspector);
    assert!(html.contains("Modalità ispettore") && html.contains(r#"for="insp-email""#) && html.contains("Accedi"), "{html}");
    assert!(html.contains(r#"for="insp-password""#) && html.contains(r#"type="password""#));

    let session = InspectorSession { token: "t".into(), email: "ispettore@comune.bari.it".into(), expires_at: Utc::now() };
    p.core.store.borrow_mut().set_inspector_session(&session).expect("session");
    let report = ReportId::new();
    // 30 m north of the phone's fix.
    let assignment = Assignment {
        report_id: report,
        comune: IstatCode::parse("072006").expect("code"),
        comune_name: "Bari".into(),
        category: "road_damage".into(),
        description: "Buca profonda davanti alla Basilica".into(),
        lat: 41.1307 + 30.0 / 111_195.0,
        lon: 16.8700,
        address: None,
        status: ReportStatus::Published,
        assigned_at: Utc::now(),
        instructions: Some("Misurare la buca".into()),
    };
    p.core.store.borrow_mut().replace_assignments(&[assignment]).expect("assignments");
    let html = render(&p.core, Screen::Inspector);
    assert!(html.contains("Sopralluoghi") && html.contains("ispettore@comune.bari.it"), "{html}");
    assert!(html.contains("Buca profonda davanti alla Basilica") && html.contains("Misurare la buca"));
    assert!(html.contains("Sei a 30 m (±8 m)"), "{html}");
    assert!(html.contains("Conferma sul posto") && html.contains("Non trovata") && html.contains("buca-via-sparano.jpg"));

    // A visit recorded offline shows as waiting; one 400 m away is refused with the reason.
    let far = SiteFix { lat: 41.1307 + 430.0 / 111_195.0, lon: 16.8700, accuracy_m: 8.0, at: Utc::now() };
    let refused = record_visit(&mut p.core.store.borrow_mut(), report, InspectionOutcome::NotFound, far, None, None).expect("store");
    assert_eq!(refused.expect_err("no note").code(), "note_required");
    let near = SiteFix { lat: 41.1307, lon: 16.8700, accuracy_m: 8.0, at: Utc::now() };
    record_visit(&mut p.core.store.borrow_mut(), report, InspectionOutcome::NotFound, near, None, Some("Buca già chiusa"))
        .expect("store")
        .expect("queued");
    let html = render(&p.core, Screen::Inspector);
    assert!(html.contains("sarà inviato alla prossima sincronizzazione"), "{html}");
}

#[test]
fn the_petitions_screen_asks_for_the_identity_code_then_signs_offline_with_the_progress_to_each_threshold() {
    use casa_shared_model::petition::{PetitionStatus, PublicPetition, Threshold, ThresholdKind};
    use casa_shared_model::wire::IdentitySession;
    use casa_shared_model::PetitionId;

    let p = phone(true);
    let bari = IstatCode::parse("072006").expect("code");
    let html = render(&p.core, Screen::Petitions);
    assert!(html.contains("Petizioni") && html.contains(r#"for="identity-code""#) && html.contains("Attiva"), "{html}");
    assert!(html.contains("Nessuna petizione"), "{html}");

    let petition = PublicPetition {
        id: PetitionId::new(),
        comune: bari,
        title: "Una pista ciclabile sul lungomare".into(),
        body: "Chiediamo una pista ciclabile protetta lungo tutto il lungomare.".into(),
        status: PetitionStatus::Open,
        residents_only: true,
        signatures: 123,
        cosponsors_needed: 0,
        thresholds: vec![
            Threshold { kind: ThresholdKind::Response, signatures: 500, reached_at: None },
            Threshold { kind: ThresholdKind::Debate, signatures: 2000, reached_at: None },
        ],
        closes_at: None,
        response: None,
        updated_at: Utc::now(),
        my_signature: None,
    };
    p.core.store.borrow_mut().replace_petitions(&bari, std::slice::from_ref(&petition)).expect("petitions");
    p.core
        .store
        .borrow_mut()
        .set_identity(&IdentitySession { token: "t".into(), residence: bari, residence_name: "Bari".into() })
        .expect("identity");
    let html = render(&p.core, Screen::Petitions);
    assert!(html.contains("residente verificato a") && html.contains("Bari") && !html.contains(r#"for="identity-code""#), "{html}");
    assert!(html.contains("Una pista ciclabile sul lungomare") && html.contains("Riservata ai residenti"), "{html}");
    assert!(html.contains("123 firme su 500 per la risposta del Comune") && html.contains(r#"max="500""#), "{html}");
    assert!(html.contains(">Firma<"), "{html}");

    // Signed without network: the card says it will be sent, and offers to withdraw.
    p.core.store.borrow_mut().sign_petition(&petition.id).expect("store").expect("queued");
    let html = render(&p.core, Screen::Petitions);
    assert!(html.contains("sarà inviata alla prossima sincronizzazione") && html.contains("Ritira la firma"), "{html}");
    assert_eq!(p.core.store.borrow().outbox_len().expect("outbox"), 1);

    // A verified resident may propose one, and co-sponsor another by its code.
    assert!(html.contains("Proponi una petizione") && html.contains(r#"for="proposal-body""#), "{html}");
    assert!(html.contains("Sostieni una proposta con il suo codice") && html.contains(r#"for="support-code""#), "{html}");
    let draft = casa_mobile::store::ProposalDraft {
        title: "Panchine all'ombra a San Girolamo".into(),
        body: "Chiediamo panchine all'ombra e fontanelle lungo il lungomare di San Girolamo, per anziani e famiglie.".into(),
        residents_only: true,
        open_days: 60,
    };
    let short = casa_mobile::store::ProposalDraft { title: "Corto".into(), ..draft.clone() };
    assert!(p.core.store.borrow_mut().propose_petition(&short).expect("store").is_err(), "checked on the phone");
    p.core.store.borrow_mut().propose_petition(&draft).expect("store").expect("queued");
    let html = render(&p.core, Screen::Petitions);
    assert!(html.contains("Panchine all") && html.contains("Bozza") && html.contains("Proposta salvata: sarà inviata"), "{html}");
    assert_eq!(p.core.store.borrow().outbox_len().expect("outbox"), 2);
}

#[test]
fn badges_show_offline_with_the_next_goals_and_a_new_one_is_announced_once() {
    use casa_mobile::app::badges::announcement;
    use casa_mobile::app::i18n::Lang;
    use casa_shared_model::badge::{BadgeAward, BadgeKind};

    let p = phone(true);
    let html = render(&p.core, Screen::Badges);
    assert!(html.contains("I miei badge") && html.contains("Nessun badge ancora"), "{html}");
    assert!(html.contains("Prima segnalazione confermata sul posto"), "the first goal is shown: {html}");

    let award = BadgeAward { badge: BadgeKind::ConfirmedReports, level: 1, awarded_at: Utc::now() };
    p.core.store.borrow_mut().replace_badges(std::slice::from_ref(&award)).expect("badges");
    p.core.store.borrow_mut().set_points(15).expect("points");
    let html = render(&p.core, Screen::Badges);
    assert!(html.contains("<strong>15 </strong>punti"), "{html}");
    assert!(html.contains("badge earned") && html.contains("Prima segnalazione confermata sul posto"), "{html}");
    assert!(html.contains("10 segnalazioni confermate da un ispettore"), "the next level is a goal: {html}");

    // Announced after the sync that brought it, once.
    let new = p.core.store.borrow_mut().take_unannounced_badges().expect("new");
    assert_eq!(announcement(Lang::It, &new).as_deref(), Some("Nuovo badge: Prima segnalazione confermata sul posto"));
    p.core.store.borrow_mut().replace_badges(std::slice::from_ref(&award)).expect("same list again");
    assert!(p.core.store.borrow_mut().take_unannounced_badges().expect("none").is_empty());
    // The Comune turned badges off: the server's list is empty, and so is the phone's.
    p.core.store.borrow_mut().replace_badges(&[]).expect("off");
    assert!(p.core.store.borrow().badges().expect("badges").is_empty());
}

#[test]
fn the_leaderboard_shows_as_last_fetched_with_the_phones_own_row_and_the_opt_in_form() {
    use casa_shared_model::badge::{Leaderboard, LeaderboardEntry};

    let p = phone(true);
    let html = render(&p.core, Screen::Badges);
    assert!(html.contains("Classifica del Comune") && html.contains("Classifica non ancora scaricata"), "{html}");
    assert!(html.contains("Compare solo chi sceglie di partecipare") && html.contains(r#"for="nickname""#), "{html}");
    let entry = |rank, nickname: &str, results, me| LeaderboardEntry { rank, nickname: nickname.into(), results, me };
    let board = Leaderboard {
        comune: IstatCode::parse("072006").expect("code"),
        comune_name: "Bari".into(),
        entries: vec![entry(1, "Nicola", 7, false), entry(2, "Maria B", 3, true)],
        joined_as: Some("Maria B".into()),
    };
    p.core.store.borrow_mut().keep_leaderboard(&board).expect("keep");
    let html = render(&p.core, Screen::Badges);
    assert!(html.contains("Classifica del Comune · Bari") && html.contains("Nicola") && html.contains("(tu)"), "{html}");
    assert!(html.contains("Partecipi come «Maria B»") && html.contains("Esci dalla classifica"), "{html}");
}

#[test]
fn a_service_the_comune_has_not_turned_on_has_no_tab_and_says_so_plainly() {
    let p = phone(true);
    let html = render(&p.core, Screen::Settings);
    assert!(html.contains(">Petizioni</button>") && html.contains("I miei badge"), "all three on in Bari: {html}");

    offer(&p.core, &["reports"]);
    let html = render(&p.core, Screen::Settings);
    assert!(!html.contains(">Petizioni</button>") && !html.contains("I miei badge"), "{html}");
    assert!(html.contains(">Segnala</button>"), "reports stay: {html}");
    let html = render(&p.core, Screen::Petitions);
    assert!(html.contains("Il Comune di Bari non offre ancora questo servizio"), "{html}");
    assert!(!html.contains(r#"for="identity-code""#), "no petitions screen: {html}");
    let html = render(&p.core, Screen::Badges);
    assert!(html.contains("Il Comune di Bari non offre ancora questo servizio"), "{html}");
}

#[test]
fn offline_with_nothing_waiting_the_sync_bar_does_not_say_all_sent() {
    let p = phone(true);
    let mut dom = VirtualDom::new_with_props(OfflineRoot, OfflineRootProps { core: p.core.clone(), screen: Screen::MyReports });
    dom.rebuild_in_place();
    let html = dioxus_ssr::render(&dom);
    let bar = &html[html.find("syncbar").expect("the sync bar")..];
    let bar = &bar[..bar.find("</button>").expect("closed")];
    assert!(bar.contains("syncbar offline") && bar.contains("Niente da inviare") && bar.contains("senza rete"), "{bar}");
    assert!(!bar.contains("Tutto inviato"), "{bar}");
    // Online, the same phone has sent everything.
    let html = render(&p.core, Screen::MyReports);
    assert!(html.contains("Tutto inviato"), "{html}");
}
