use super::*;
use casa_shared_model::wire::ReportPayload;
use casa_shared_model::wire::{ComuneOutline, NearbyQuery, PublicReport};
use casa_shared_model::{IstatCode, NewReport, ReportId, ReportStatus};

fn report() -> NewReport {
    let p = ReportPayload {
        id: ReportId::new(),
        category: "waste".into(),
        description: "Rifiuti".into(),
        lat: 41.1,
        lon: 16.8,
        accuracy_m: 5.0,
        captured_at: Utc::now(),
        photos: vec![],
    };
    NewReport::parse(&p, Utc::now()).expect("valid")
}

#[test]
fn the_device_keeps_its_identity_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = LocalStore::open(dir.path()).expect("open").device_id();
    assert_eq!(LocalStore::open(dir.path()).expect("reopen").device_id(), first);
}

#[test]
fn a_capture_is_queued_with_its_report_and_a_duplicate_id_is_refused_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let r = report();
    store.capture(&r).expect("capture");
    assert!(store.capture(&r).is_err(), "the same id twice");
    assert_eq!(store.outbox_len().expect("outbox"), 1);
    assert_eq!(store.reports().expect("reports").len(), 1);
    let queued = store.outbox_batch(10).expect("batch");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].id(), r.id.as_uuid());
    let local = &store.reports().expect("reports")[0];
    assert!(local.pending);
    assert_eq!(local.status, ReportStatus::Submitted);
}

fn accepted(id: ReportId) -> ItemResult {
    ItemResult {
        id: id.as_uuid(),
        outcome: ItemOutcome::Accepted(casa_shared_model::wire::Routing {
            comune: casa_shared_model::IstatCode::parse("072006").expect("code"),
            comune_name: "Bari".into(),
            department: "ambiente".into(),
            department_name: "Ambiente".into(),
            method: "inside".into(),
            approximate: false,
        }),
    }
}

#[test]
fn a_status_change_received_twice_is_one_step_of_the_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let r = report();
    store.capture(&r).expect("capture");
    let change = ReportChange { report_id: r.id, status: ReportStatus::InModeration, note: None, at: Utc::now() };
    store.apply_response(&[accepted(r.id)], std::slice::from_ref(&change), Cursor(1)).expect("apply");
    store.apply_response(&[], std::slice::from_ref(&change), Cursor(1)).expect("apply again");
    let steps: Vec<_> = store.report_events(r.id).expect("events").into_iter().map(|e| e.step).collect();
    assert_eq!(steps, [Step::Status(ReportStatus::Submitted), Step::Status(ReportStatus::InModeration)]);
    let other = ReportChange { report_id: ReportId::new(), status: ReportStatus::Published, note: None, at: Utc::now() };
    store.apply_response(&[], std::slice::from_ref(&other), Cursor(2)).expect("a change of a report not on this phone");
    assert!(store.report_events(other.report_id).expect("events").is_empty());
}

#[test]
fn only_a_resolved_report_can_be_reopened_once_at_a_time_and_the_answer_lands_in_its_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let r = report();
    store.capture(&r).expect("capture");
    assert_eq!(store.reopen(r.id, "ancora rotta").expect("reopen"), Err(ReopenRefused::NotResolved));
    assert_eq!(store.reopen(ReportId::new(), "ancora rotta").expect("reopen"), Err(ReopenRefused::NotFound));
    let resolved = ReportChange { report_id: r.id, status: ReportStatus::Resolved, note: None, at: Utc::now() };
    store.apply_response(&[accepted(r.id)], &[resolved], Cursor(1)).expect("apply");
    assert!(matches!(store.reopen(r.id, " x ").expect("reopen"), Err(ReopenRefused::Invalid(_))));
    let request = store.reopen(r.id, "La buca si è riaperta").expect("reopen").expect("queued");
    assert_eq!(store.reopen(r.id, "di nuovo").expect("reopen"), Err(ReopenRefused::AlreadyPending));
    assert!(store.report(r.id).expect("report").expect("there").reopen_pending);
    match store.outbox_batch(10).expect("outbox").as_slice() {
        [PushItem::Reopen(p)] => assert_eq!((p.id, p.report_id, p.reason.as_str()), (request, r.id, "La buca si è riaperta")),
        other => panic!("expected the reopen alone in the outbox: {other:?}"),
    }
    let refused = ItemResult {
        id: request,
        outcome: ItemOutcome::Rejected { code: "not_resolved".into(), message: "già ripresa in carico".into() },
    };
    store.apply_response(&[refused], &[], Cursor(2)).expect("apply");
    let last = store.report_events(r.id).expect("events").pop().expect("an event");
    assert_eq!(last.step, Step::Reopened { reason: "La buca si è riaperta".into(), pending: false, refused: Some("not_resolved".into()) });
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    // The refused reopen does not mark the report as failed: it was delivered.
    assert!(store.report(r.id).expect("report").expect("there").error.is_none());
}

#[test]
fn outlines_are_wanted_for_the_home_comune_and_the_reports_own_until_fetched_for_this_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let bari = IstatCode::parse("072006").expect("code");
    let monopoli = IstatCode::parse("072030").expect("code");
    assert!(store.outlines_wanted(1).expect("wanted").is_empty());
    let info = |istat_code: IstatCode, name: &str| ComuneInfo {
        istat_code,
        name: name.into(),
        services: vec!["reports".into()],
        categories: vec![],
        official_boundary: true,
    };
    store.replace_comuni(1, &[info(bari, "Bari"), info(monopoli, "Monopoli")]).expect("directory");
    store.set_setting(HOME_COMUNE_SETTING, "072006").expect("setting");
    let r = report();
    store.capture(&r).expect("capture");
    let mut routed = accepted(r.id);
    if let ItemOutcome::Accepted(routing) = &mut routed.outcome {
        routing.comune = monopoli;
    }
    store.apply_response(&[routed], &[], Cursor(1)).expect("apply");
    assert_eq!(store.outlines_wanted(1).expect("wanted"), [bari, monopoli]);
    let ring = vec![[16.8, 41.1], [16.9, 41.1], [16.9, 41.2], [16.8, 41.1]];
    store.save_outline(&bari, 1, Some(&ComuneOutline { istat_code: bari, rings: vec![ring.clone()] })).expect("save");
    store.save_outline(&monopoli, 1, None).expect("save none");
    assert!(store.outlines_wanted(1).expect("wanted").is_empty());
    assert_eq!(store.outlines().expect("outlines"), [ComuneOutline { istat_code: bari, rings: vec![ring] }]);
    assert_eq!(store.outlines_wanted(2).expect("wanted").len(), 2, "a new directory version asks again");
}

#[test]
fn a_refused_report_can_be_queued_again_once_and_a_sent_one_cannot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let (sent, refused) = (report(), report());
    store.capture(&sent).expect("capture");
    store.capture(&refused).expect("capture");
    let no = ItemResult {
        id: refused.id.as_uuid(),
        outcome: ItemOutcome::Rejected { code: "service_disabled".into(), message: "Servizio non attivo".into() },
    };
    store.apply_response(&[accepted(sent.id), no], &[], Cursor(1)).expect("apply");
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    assert!(!store.retry_refused(sent.id).expect("retry"), "accepted: nothing to retry");
    assert!(store.retry_refused(refused.id).expect("retry"));
    assert!(!store.retry_refused(refused.id).expect("retry"), "already queued");
    assert_eq!(store.outbox_len().expect("outbox"), 1);
    assert!(store.report(refused.id).expect("report").expect("exists").error.is_none());
}

#[test]
fn only_open_reports_of_the_same_category_nearby_count_as_possible_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let public = |lat: f64, category: &str, status: ReportStatus| PublicReport {
        id: ReportId::new(),
        comune: casa_shared_model::IstatCode::parse("072006").expect("code"),
        category: category.into(),
        description: "x".into(),
        lat,
        lon: 16.87,
        status,
        updated_at: Utc::now(),
    };
    let near = public(41.13020, "waste", ReportStatus::Published);
    let reports = [
        near.clone(),
        public(41.13010, "public_lighting", ReportStatus::Published),
        public(41.13015, "waste", ReportStatus::Resolved),
        public(41.13200, "waste", ReportStatus::Published),
    ];
    store.replace_nearby(&NearbyQuery { lat: 41.13, lon: 16.87, radius_m: 1000.0 }, &reports).expect("cache");
    let found = store.possible_duplicates("waste", 41.13, 16.87, 50.0).expect("duplicates");
    assert_eq!(found, std::slice::from_ref(&near));
    store.follow(&near).expect("follow");
    store.follow(&near).expect("follow twice");
    assert_eq!(store.followed().expect("followed"), [near]);
}

#[test]
fn settings_are_kept_and_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    assert_eq!(store.setting("lang").expect("read"), None);
    store.set_setting("lang", "en").expect("set");
    store.set_setting("lang", "it").expect("replace");
    drop(store);
    assert_eq!(LocalStore::open(dir.path()).expect("reopen").setting("lang").expect("read").as_deref(), Some("it"));
}

#[test]
fn finding_photos_to_upload_starts_from_the_outbox_not_from_every_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalStore::open(dir.path()).expect("open");
    let mut stmt = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {PHOTOS_TO_UPLOAD}")).expect("plan");
    let steps: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(3)).expect("plan").map(|s| s.expect("step")).collect();
    assert!(steps[0].starts_with("SCAN o"), "{steps:?}");
    assert!(!steps.iter().any(|s| s.starts_with("SCAN r") || s.starts_with("SCAN p")), "{steps:?}");
}
