//! One story, told to each storage backend: whatever the app relies on must
//! hold on SQLite and on PostgreSQL alike.

mod common;

use common::on_both_databases;

use casa_shared_model::report::Reopen;
use casa_shared_model::wire::{Cursor, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, NewReport, ReportId, ReportStatus, Service};
use casa_sync_server::store::{ReopenApplied, ReportFilter, ReportSource, RoutedReport, StaffUserRecord, StoreError};
use chrono::{Duration, Utc};
use common::TestDb;

fn bari() -> IstatCode {
    IstatCode::parse("072006").expect("code")
}

fn routed(device: DeviceId, description: &str) -> RoutedReport {
    let payload = ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: description.into(),
        lat: 41.1306,
        lon: 16.8697,
        accuracy_m: 5.0,
        captured_at: Utc::now() - Duration::minutes(3),
        photos: vec!["a".repeat(64)],
    };
    RoutedReport {
        report: NewReport::parse(&payload, Utc::now()).expect("valid"),
        device_id: Some(device),
        source: ReportSource::App,
        api_key_id: None,
        comune: bari(),
        department: "lavori_pubblici".into(),
        routing_method: "inside",
        routing_distance_m: None,
        address: None,
        media_url: None,
        received_at: Utc::now(),
    }
}

async fn the_store_keeps_comuni_reports_history_and_credentials(db: &TestDb) {
    let store = db.store().await;

    // Seeding is idempotent and gives every Comune its defaults.
    let seeds = casa_sync_server::platform::seed::bari_comuni();
    assert_eq!(store.seed_comuni(&seeds).await.expect("seed"), 41);
    assert_eq!(store.seed_comuni(&seeds).await.expect("seed again"), 0);
    let configs = store.comune_configs().await.expect("configs");
    assert_eq!(configs.len(), 41);
    let bari_cfg = configs.iter().find(|c| c.istat_code == bari()).expect("Bari");
    assert_eq!(bari_cfg.categories.len(), 9);
    assert_eq!(bari_cfg.categories[0].code, "road_damage", "categories keep their display order");
    assert!(bari_cfg.services.contains(&(Service::Reports, true)));
    assert!(bari_cfg.services.contains(&(Service::Petitions, false)));
    assert!(bari_cfg.boundary.is_none());

    // Configuration changes bump the version other servers watch.
    let v0 = store.config_version().await.expect("version");
    assert!(store.set_service(&bari(), Service::Petitions, true).await.expect("enable"));
    assert!(store.config_version().await.expect("version") > v0);

    // Boundary import replaces known Comuni, skips unknown ones unless asked.
    let mut boundaries = common::bari_boundaries();
    let foreign = casa_sync_server::store::BoundaryImport {
        istat_code: IstatCode::parse("110009").expect("code"),
        name: "Trani".into(),
        geometry_json: boundaries[0].geometry_json.clone(),
    };
    boundaries.push(foreign.clone());
    let summary = store.import_boundaries(&boundaries, false).await.expect("import");
    assert_eq!((summary.updated, summary.added, summary.skipped.len()), (41, 0, 1));
    let summary = store.import_boundaries(std::slice::from_ref(&foreign), true).await.expect("import new");
    assert_eq!((summary.updated, summary.added), (0, 1));
    assert_eq!(store.comune_configs().await.expect("configs").len(), 42);

    // Ingest is idempotent: a re-send answers what is stored.
    let device = DeviceId::new();
    let first = routed(device, "Buca in via Sparano");
    let second = routed(device, "Lampione spento");
    let out = store.ingest(&[first.clone(), second.clone()]).await.expect("ingest");
    assert!(out.iter().all(|i| i.created));
    let mut moved = first.clone();
    moved.comune = IstatCode::parse("072030").expect("code");
    let again = store.ingest(&[moved, first.clone()]).await.expect("re-ingest");
    assert!(again.iter().all(|i| !i.created));
    assert_eq!(again[0].comune, bari(), "the stored routing wins over a re-send");
    assert_eq!(again[0].fingerprint, first.report.fingerprint());

    let (total, queue) = store.moderation_queue(&bari(), 10, 0).await.expect("queue");
    assert_eq!(total, 2);
    assert_eq!(queue[0].id, first.report.id, "oldest first");
    assert_eq!(queue[0].photos, vec!["a".repeat(64)]);
    assert_eq!(queue[0].status, ReportStatus::InModeration);

    // Status changes are compare-and-set and recorded for the device.
    let id = first.report.id;
    let changed =
        store.change_status(&id, &ReportStatus::InModeration, &ReportStatus::Published, "staff:m", Utc::now()).await.expect("publish");
    assert!(changed);
    let stale =
        store.change_status(&id, &ReportStatus::InModeration, &ReportStatus::Rejected { reason: "x".into() }, "staff:n", Utc::now()).await;
    assert!(!stale.expect("stale"), "a change from an outdated status is refused");
    let assigned = ReportStatus::AssignedToDepartment { department: "ambiente".into() };
    assert!(store.change_status(&id, &ReportStatus::Published, &assigned, "staff:m", Utc::now()).await.expect("assign"));
    let stored = store.report(&id).await.expect("get").expect("exists");
    assert_eq!(stored.status, assigned);
    assert_eq!(stored.department, "ambiente");

    let changes = store.device_changes(&device, Cursor::default(), 100).await.expect("changes");
    let statuses: Vec<&str> = changes.iter().map(|(_, c)| c.status.code()).collect();
    assert_eq!(statuses, ["in_moderation", "in_moderation", "published", "assigned_to_department"]);
    assert!(changes.windows(2).all(|w| w[0].0 < w[1].0), "cursors increase");
    let after = store.device_changes(&device, changes[1].0, 100).await.expect("changes since");
    assert_eq!(after.len(), 2);
    assert!(store.device_changes(&DeviceId::new(), Cursor::default(), 100).await.expect("other device").is_empty());

    // A citizen reopens the resolved report: once per request id, only their own.
    assert!(store.change_status(&id, &assigned, &ReportStatus::Resolved, "staff:m", Utc::now()).await.expect("resolve"));
    let reopen = Reopen { id: uuid::Uuid::now_v7(), report_id: id, reason: "Ancora rotto".into(), at: Utc::now() };
    assert_eq!(store.reopen(&reopen, &DeviceId::new(), "ambiente").await.expect("stranger"), ReopenApplied::NotResolved);
    let reopen = Reopen { id: uuid::Uuid::now_v7(), ..reopen };
    assert_eq!(store.reopen(&reopen, &device, "ambiente").await.expect("reopen"), ReopenApplied::Applied);
    assert_eq!(store.reopen(&reopen, &device, "ambiente").await.expect("again"), ReopenApplied::AlreadyApplied);
    assert_eq!(store.report(&id).await.expect("get").expect("exists").status, assigned);
    let reasons = store.reopens(&id).await.expect("reopens");
    let kept: Vec<_> = reasons.iter().map(|r| (r.id, r.report_id, r.reason.as_str())).collect();
    assert_eq!(kept, [(reopen.id, id, "Ancora rotto")], "a refused request leaves nothing behind");
    let last = store.device_changes(&device, Cursor::default(), 100).await.expect("changes").pop().expect("one");
    assert_eq!(last.1.status, assigned);

    // Search filters.
    let public = ReportFilter { statuses: Some(vec!["published", "assigned_to_department"]), limit: 10, ..ReportFilter::default() };
    assert_eq!(store.search_reports(&public).await.expect("search").len(), 1);
    let by_id = ReportFilter { ids: Some(vec![second.report.id]), limit: 10, ..ReportFilter::default() };
    assert_eq!(store.search_reports(&by_id).await.expect("search")[0].description, "Lampione spento");
    let boxed = ReportFilter { bbox: Some((41.0, 16.0, 41.1, 16.5)), limit: 10, ..ReportFilter::default() };
    assert!(store.search_reports(&boxed).await.expect("search").is_empty());
    let future = ReportFilter { received_from: Some(Utc::now() + Duration::hours(1)), limit: 10, ..ReportFilter::default() };
    assert!(store.search_reports(&future).await.expect("search").is_empty());
    let cats =
        ReportFilter { categories: Some(vec!["road_damage".into()]), comune: Some(bari()), limit: 1, offset: 1, ..ReportFilter::default() };
    assert_eq!(store.search_reports(&cats).await.expect("search").len(), 1);

    // Credentials.
    use casa_sync_server::platform::api_keys::{KeyScope, Permission, Permissions};
    let scope = KeyScope::new(bari(), Some("lavori_pubblici"), Permissions::of(&[Permission::UpdateStatus]));
    let record = casa_sync_server::store::ApiKeyRecord {
        id: uuid::Uuid::now_v7(),
        name: "Open311 test".into(),
        scope: scope.clone(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    store.insert_api_key(&record, "hash-1").await.expect("key");
    let key = store.api_key_by_hash("hash-1").await.expect("lookup").expect("found");
    assert_eq!((key.id, &key.name, &key.scope, key.revoked_at), (record.id, &record.name, &scope, None));
    assert!(store.api_key_by_hash("nope").await.expect("lookup").is_none());
    assert!(store.revoke_api_key(record.id, Utc::now()).await.expect("revoke"));
    assert!(!store.revoke_api_key(record.id, Utc::now()).await.expect("revoke"), "revoked once");
    let listed = store.api_keys().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());

    let user = StaffUserRecord {
        id: uuid::Uuid::now_v7(),
        email: "mod@comune.bari.it".into(),
        role: "moderator".into(),
        password_hash: "$argon2id$...".into(),
        comuni: vec![bari(), IstatCode::parse("072030").expect("code")],
        department: None,
    };
    store.insert_staff_user(&user, Utc::now()).await.expect("user");
    let found = store.staff_user_by_email("mod@comune.bari.it").await.expect("lookup").expect("found");
    assert_eq!(found, user);
    let operator = StaffUserRecord {
        id: uuid::Uuid::now_v7(),
        email: "lavori@comune.bari.it".into(),
        role: "operator".into(),
        department: Some("lavori_pubblici".into()),
        comuni: vec![bari()],
        ..user.clone()
    };
    store.insert_staff_user(&operator, Utc::now()).await.expect("operator");
    assert_eq!(store.staff_user_by_id(operator.id).await.expect("lookup"), Some(operator));
    let dup = StaffUserRecord { id: uuid::Uuid::now_v7(), ..user };
    assert!(matches!(store.insert_staff_user(&dup, Utc::now()).await, Err(StoreError::Conflict(_))));
    store.ping().await.expect("ping");
}

on_both_databases!(the_store_keeps_comuni_reports_history_and_credentials, super::the_store_keeps_comuni_reports_history_and_credentials);

async fn the_store_keeps_one_person_one_signature_and_each_threshold_crossed_once(db: &TestDb) {
    use casa_shared_model::petition::{NewPetition, PetitionStatus, ThresholdKind};
    use casa_shared_model::PetitionId;
    use casa_sync_server::store::{CitizenRecord, SignOutcome, SignatureRecord, WithdrawOutcome};

    let store = db.store().await;
    store.seed_comuni(&casa_sync_server::platform::seed::bari_comuni()).await.expect("seed");
    let person = |key: &str| CitizenRecord {
        id: uuid::Uuid::now_v7(),
        person_key: key.into(),
        residence: bari(),
        provider: "staff:urp@comune.bari.it".into(),
        verified_at: Utc::now(),
    };
    let maria = store.upsert_citizen(&person("maria")).await.expect("citizen");
    let again = store.upsert_citizen(&person("maria")).await.expect("citizen again");
    assert_eq!(again.id, maria.id, "the same person verified twice is one citizen");
    assert_eq!(store.rekey_legacy_citizens(&|k| format!("x{k}")).await.expect("rekey"), 0, "new citizens are keyed already");
    let luca = store.upsert_citizen(&person("luca")).await.expect("citizen");

    // An activation code works once and before it expires.
    let device = DeviceId::new();
    store.insert_activation("code-1", maria.id, Utc::now() + Duration::days(1)).await.expect("code");
    store.insert_activation("code-old", maria.id, Utc::now() - Duration::days(1)).await.expect("old code");
    assert_eq!(store.activate("code-1", "token-1", &device, Utc::now()).await.expect("activate").map(|c| c.id), Some(maria.id));
    assert!(store.activate("code-1", "token-2", &device, Utc::now()).await.expect("again").is_none());
    assert!(store.activate("code-old", "token-3", &device, Utc::now()).await.expect("expired").is_none());
    assert_eq!(store.citizen_by_token("token-1").await.expect("lookup").map(|(c, d)| (c.id, d)), Some((maria.id, device)));
    assert!(store.citizen_by_token("token-2").await.expect("lookup").is_none());

    let p = NewPetition {
        id: PetitionId::new(),
        comune: bari(),
        title: "Più alberi in via Sparano".into(),
        body: "Un testo abbastanza lungo".into(),
        residents_only: true,
        open_days: 30,
        closes_at: Some(Utc::now() + Duration::days(30)),
        cosponsors: 0,
        response_threshold: 2,
        debate_threshold: 3,
    };
    assert!(store.insert_petition(&p, &PetitionStatus::Open, "staff:mod@comune.bari.it", None, Utc::now()).await.expect("petition"));
    assert!(!store.insert_petition(&p, &PetitionStatus::Open, "staff:mod@comune.bari.it", None, Utc::now()).await.expect("re-send"));
    let sig = |citizen: uuid::Uuid| SignatureRecord {
        id: uuid::Uuid::now_v7(),
        petition_id: p.id,
        citizen_id: citizen,
        device_id: DeviceId::new(),
        signed_at: Utc::now(),
        received_at: Utc::now(),
        rate_limit: None,
    };
    let first = sig(maria.id);
    assert_eq!(store.sign(&first).await.expect("sign"), SignOutcome::Counted { signatures: 1, crossed: vec![], moved_to: None });
    assert_eq!(store.sign(&first).await.expect("re-send"), SignOutcome::AlreadyCounted { signatures: 1 });
    assert_eq!(store.sign(&sig(maria.id)).await.expect("other phone"), SignOutcome::AlreadySigned);
    assert_eq!(store.sign(&SignatureRecord { citizen_id: luca.id, ..first.clone() }).await.expect("stolen id"), SignOutcome::IdConflict);
    assert_eq!(
        store.sign(&sig(luca.id)).await.expect("luca"),
        SignOutcome::Counted { signatures: 2, crossed: vec![ThresholdKind::Response], moved_to: Some(PetitionStatus::AwaitingResponse) }
    );
    let stored = store.petition(&p.id).await.expect("read").expect("petition");
    assert_eq!((stored.signatures, stored.status), (2, PetitionStatus::AwaitingResponse));

    // Withdrawn (once, whatever the re-sends), signed again: the threshold stays crossed, once.
    let withdrawal = uuid::Uuid::now_v7();
    assert_eq!(
        store.withdraw(withdrawal, &p.id, luca.id, Utc::now()).await.expect("withdraw"),
        WithdrawOutcome::Withdrawn { signatures: 1 }
    );
    assert_eq!(
        store.withdraw(withdrawal, &p.id, luca.id, Utc::now()).await.expect("re-send"),
        WithdrawOutcome::AlreadyWithdrawn { signatures: 1 }
    );
    assert_eq!(store.withdraw(uuid::Uuid::now_v7(), &p.id, luca.id, Utc::now()).await.expect("twice"), WithdrawOutcome::NotSigned);
    let luca_again = sig(luca.id);
    assert_eq!(store.sign(&luca_again).await.expect("again"), SignOutcome::Counted { signatures: 2, crossed: vec![], moved_to: None });
    // Re-sends of the old withdrawal and of the new signature (a lost answer)
    // change nothing: the withdrawal does not take the new signature away.
    assert_eq!(
        store.withdraw(withdrawal, &p.id, luca.id, Utc::now()).await.expect("late re-send"),
        WithdrawOutcome::AlreadyWithdrawn { signatures: 2 }
    );
    assert_eq!(store.sign(&luca_again).await.expect("re-send"), SignOutcome::AlreadyCounted { signatures: 2 });
    let events = store.petition_events(&p.id).await.expect("events");
    assert_eq!(events.iter().filter(|e| e.event == "threshold_reached").count(), 1);
    assert_eq!(store.petitions(&bari(), &["awaiting_response"], 10).await.expect("list").len(), 1);
    assert!(store.petitions(&bari(), &["open"], 10).await.expect("list").is_empty());
    assert_eq!(
        store.sign(&SignatureRecord { petition_id: PetitionId::new(), ..sig(maria.id) }).await.expect("none"),
        SignOutcome::NotFound
    );
}
on_both_databases!(
    the_store_keeps_one_person_one_signature_and_each_threshold_crossed_once,
    super::the_store_keeps_one_person_one_signature_and_each_threshold_crossed_once
);

async fn a_proposal_gathers_its_co_sponsors_opens_is_policed_closes_and_forgets_its_signers(db: &TestDb) {
    use casa_shared_model::petition::{NewPetition, PetitionRules, PetitionStatus};
    use casa_shared_model::PetitionId;
    use casa_sync_server::store::{
        CitizenRecord, PetitionTransition, RateLimit, SignOutcome, SignatureRecord, SignatureSelection, WithdrawOutcome,
    };

    let store = db.store().await;
    store.seed_comuni(&casa_sync_server::platform::seed::bari_comuni()).await.expect("seed");
    // The Comune's rules are configuration: every server reads them with the rest.
    let rules = PetitionRules::parse(2, 10, 20, 1).expect("rules");
    assert!(store.set_petition_rules(&bari(), &rules).await.expect("rules"));
    let configs = store.comune_configs().await.expect("configs");
    assert_eq!(configs.iter().find(|c| c.istat_code == bari()).map(|c| c.petition_rules), Some(rules));
    assert_eq!(configs.iter().find(|c| c.istat_code != bari()).map(|c| c.petition_rules), Some(PetitionRules::default()));

    let mut people = Vec::new();
    for n in 0..6 {
        let c = CitizenRecord {
            id: uuid::Uuid::now_v7(),
            person_key: format!("person-{n}"),
            residence: bari(),
            provider: "staff:urp@comune.bari.it".into(),
            verified_at: Utc::now(),
        };
        people.push(store.upsert_citizen(&c).await.expect("citizen").id);
    }
    let (author, phone) = (people[0], DeviceId::new());
    let p = NewPetition {
        id: PetitionId::new(),
        comune: bari(),
        title: "Una biblioteca aperta la sera".into(),
        body: "Un testo abbastanza lungo".into(),
        residents_only: true,
        open_days: 30,
        closes_at: None,
        cosponsors: rules.cosponsors,
        response_threshold: rules.response_threshold,
        debate_threshold: rules.debate_threshold,
    };
    let by = format!("citizen:{author}");
    assert!(store.insert_petition(&p, &PetitionStatus::Submitted, &by, Some((author, phone)), Utc::now()).await.expect("proposal"));
    let sig = |citizen: uuid::Uuid, device: DeviceId| SignatureRecord {
        id: uuid::Uuid::now_v7(),
        petition_id: p.id,
        citizen_id: citizen,
        device_id: device,
        signed_at: Utc::now(),
        received_at: Utc::now(),
        rate_limit: None,
    };
    let own = SignatureRecord { id: p.id.as_uuid(), ..sig(author, phone) };
    assert_eq!(store.sign(&own).await.expect("author"), SignOutcome::Counted { signatures: 1, crossed: vec![], moved_to: None });
    assert_eq!(store.citizen_petitions(author).await.expect("own").len(), 1, "the author sees their proposal");
    assert!(store.citizen_petitions(people[1]).await.expect("other").is_empty());
    assert!(store.petitions(&bari(), &["open"], 10).await.expect("public").is_empty(), "not public before moderation");

    // Co-sponsors sign it; the second one sends it to moderation, once.
    let shared = DeviceId::new();
    let cosponsor = sig(people[1], shared);
    assert_eq!(store.sign(&cosponsor).await.expect("co-sponsor").signatures(), Some(2));
    assert_eq!(store.citizen_petitions(people[1]).await.expect("co-sponsored").len(), 1);
    assert_eq!(
        store.sign(&sig(people[2], shared)).await.expect("second co-sponsor"),
        SignOutcome::Counted { signatures: 3, crossed: vec![], moved_to: Some(PetitionStatus::InModeration) }
    );
    assert_eq!(store.sign(&sig(people[3], DeviceId::new())).await.expect("during moderation"), SignOutcome::NotSignable);

    // A moderator opens it, once; thresholds count from its co-sponsors.
    let open = |from: Vec<&'static str>| PetitionTransition {
        id: p.id,
        from,
        to: PetitionStatus::Open,
        closes_at: Some(Utc::now() + Duration::days(30)),
        response: None,
        actor: "staff:mod@comune.bari.it".into(),
        at: Utc::now(),
    };
    assert!(store.set_petition_status(&open(vec!["in_moderation"])).await.expect("open"));
    assert!(!store.set_petition_status(&open(vec!["in_moderation"])).await.expect("twice"), "two moderators: one wins");
    let opened = store.petition(&p.id).await.expect("read").expect("petition");
    assert_eq!((opened.status, opened.signatures, opened.closes_at.is_some()), (PetitionStatus::Open, 3, true));

    // Rate limits count what this phone and this person sent lately.
    let limited = |citizen, device| SignatureRecord {
        rate_limit: Some(RateLimit { since: Utc::now() - Duration::hours(1), per_device: 2, per_citizen: 5 }),
        ..sig(citizen, device)
    };
    assert_eq!(store.sign(&limited(people[3], shared)).await.expect("limited"), SignOutcome::RateLimited, "two from this phone already");
    let counted = limited(people[3], DeviceId::new());
    assert_eq!(store.sign(&counted).await.expect("other phone").signatures(), Some(4));
    assert_eq!(store.sign(&counted).await.expect("re-send"), SignOutcome::AlreadyCounted { signatures: 4 }, "a re-send is never limited");

    // The moderators' view: the shared phone, the timeline; a preview changes nothing.
    let devices = store.shared_devices(&p.id).await.expect("devices");
    assert_eq!(devices.iter().map(|d| (d.device, d.signatures)).collect::<Vec<_>>(), [(shared, 2)]);
    let timeline = store.signature_timeline(&p.id, 600).await.expect("timeline");
    assert_eq!(timeline.iter().map(|(_, n)| n).sum::<u32>(), 4);
    let selection = SignatureSelection { device: Some(shared), ..Default::default() };
    assert_eq!(store.invalidate_signatures(&p.id, &selection, false, "staff:mod", Utc::now()).await.expect("preview"), 2);
    assert_eq!(store.petition(&p.id).await.expect("read").expect("petition").signatures, 4, "the preview changes nothing");
    assert_eq!(store.invalidate_signatures(&p.id, &selection, true, "staff:mod", Utc::now()).await.expect("apply"), 2);
    assert_eq!(store.petition(&p.id).await.expect("read").expect("petition").signatures, 2);
    assert_eq!(store.invalidate_signatures(&p.id, &selection, true, "staff:mod", Utc::now()).await.expect("again"), 0);
    let window = SignatureSelection { from: Some(Utc::now() + Duration::hours(1)), ..Default::default() };
    assert_eq!(store.invalidate_signatures(&p.id, &window, false, "staff:mod", Utc::now()).await.expect("empty window"), 0);
    let invalidated = store.petition_events(&p.id).await.expect("events");
    assert!(invalidated.iter().any(|e| e.event == "signatures_invalidated" && e.signatures == 2));
    // An invalidated signature sent again is told so, and signing anew does not undo it.
    assert_eq!(store.sign(&cosponsor).await.expect("re-send"), SignOutcome::Invalidated);
    assert_eq!(store.sign(&sig(people[1], DeviceId::new())).await.expect("sign anew"), SignOutcome::Invalidated);
    // Someone who signed from another phone hears that first, whatever the limits.
    let tight = RateLimit { since: Utc::now() - Duration::hours(1), per_device: 0, per_citizen: 0 };
    assert_eq!(
        store.sign(&SignatureRecord { rate_limit: Some(tight), ..sig(people[3], DeviceId::new()) }).await.expect("again"),
        SignOutcome::AlreadySigned
    );
    assert_eq!(
        store.withdraw(uuid::Uuid::now_v7(), &p.id, people[3], Utc::now()).await.expect("withdraw"),
        WithdrawOutcome::Withdrawn { signatures: 1 }
    );
    assert_eq!(store.sign(&sig(people[3], DeviceId::new())).await.expect("sign again").signatures(), Some(2));

    // Counts per Comune and status, for the open data.
    let counts = store.petition_counts().await.expect("counts");
    assert!(counts.iter().any(|c| c.comune == bari() && c.status == "open" && c.petitions == 1 && c.signatures == 2));

    // At its date it closes, once; its signers' data go after the Comune's delay.
    // Whole microseconds: what both databases keep.
    let later = chrono::DateTime::from_timestamp_micros((Utc::now() + Duration::days(31)).timestamp_micros()).expect("time");
    assert_eq!(store.close_due_petitions(later).await.expect("close"), [p.id]);
    assert!(store.close_due_petitions(later).await.expect("again").is_empty());
    let closed = store.petition(&p.id).await.expect("read").expect("petition");
    assert_eq!((closed.status, closed.ended_at), (PetitionStatus::Closed, Some(later)));
    assert_eq!(store.anonymise_due_petitions(later + Duration::days(29)).await.expect("too early"), 0);
    assert_eq!(store.anonymise_due_petitions(later + Duration::days(31)).await.expect("anonymise"), 1);
    let gone = store.petition(&p.id).await.expect("read").expect("petition");
    assert_eq!((gone.signatures, gone.author_citizen, gone.author.as_str()), (2, None, "citizen"), "counts stay, people go");
    assert!(gone.anonymised_at.is_some());
    assert!(store.shared_devices(&p.id).await.expect("devices").is_empty());
    assert!(store.signature_timeline(&p.id, 600).await.expect("timeline").is_empty());
    assert_eq!(store.anonymise_due_petitions(later + Duration::days(62)).await.expect("once"), 0);

    // An answer comes later still; a rejected proposal ends too.
    let answer = PetitionTransition {
        id: p.id,
        from: vec!["closed"],
        to: PetitionStatus::Answered,
        closes_at: None,
        response: Some("Il Comune apre la biblioteca il martedì sera.".into()),
        actor: "staff:mod@comune.bari.it".into(),
        at: Utc::now(),
    };
    assert!(store.set_petition_status(&answer).await.expect("answer"));
    let answered = store.petition(&p.id).await.expect("read").expect("petition");
    assert_eq!((answered.status, answered.response.as_deref()), (PetitionStatus::Answered, answer.response.as_deref()));
    assert_eq!(answered.ended_at, Some(later), "the first end starts the anonymisation clock");
    let history = store.petition_events(&p.id).await.expect("events");
    assert!(history.iter().all(|e| !e.detail.as_deref().unwrap_or("").contains(&author.to_string())), "never names its author");

    // A proposal that never finds its co-sponsors expires, and so ends.
    let lonely = NewPetition { id: PetitionId::new(), ..p.clone() };
    store.insert_petition(&lonely, &PetitionStatus::Submitted, &by, Some((author, phone)), Utc::now()).await.expect("proposal");
    assert!(store.close_due_petitions(Utc::now() + Duration::days(59)).await.expect("not yet").is_empty());
    assert_eq!(store.close_due_petitions(Utc::now() + Duration::days(61)).await.expect("expire"), [lonely.id]);
    let expired = store.petition(&lonely.id).await.expect("read").expect("petition");
    assert!(matches!(expired.status, PetitionStatus::Rejected { .. }) && expired.ended_at.is_some(), "{:?}", expired.status);
}
on_both_databases!(
    a_proposal_gathers_its_co_sponsors_opens_is_policed_closes_and_forgets_its_signers,
    super::a_proposal_gathers_its_co_sponsors_opens_is_policed_closes_and_forgets_its_signers
);
