//! Petitions signed offline through the `casa` command line, on both
//! databases: the same person signs on two phones while out of coverage;
//! after the syncs one signature counts and the second phone says why; a
//! resident of another Comune is refused with the reason.

use std::path::Path;
use std::process::Output;

use casa_e2e::db::{add_staff, server_with_boundaries, TestDb};
use casa_e2e::on_both_databases;
use casa_shared_model::petition::PetitionDraft;
use casa_shared_model::{IstatCode, PetitionId, Service};
use casa_sync_server::components::identity::{issue_activation, FiscalCode};
use casa_sync_server::platform::staff::Staff;
use serde_json::Value;

/// Nothing listens there: the phone is out of coverage.
const NO_NETWORK: &str = "http://127.0.0.1:9";

fn run(dir: &Path, server: &str, args: &[&str]) -> Output {
    casa_e2e::casa_at(dir, server).args(args).output().expect("run casa")
}

fn ok(dir: &Path, server: &str, args: &[&str]) -> String {
    let out = run(dir, server, args);
    assert!(out.status.success(), "casa {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// This phone's view of the petition.
fn mine(dir: &Path, id: PetitionId) -> Value {
    let list: Value = serde_json::from_str(&ok(dir, NO_NETWORK, &["petitions", "list", "--json"])).expect("json");
    list.as_array()
        .expect("list")
        .iter()
        .find(|p| p["id"] == id.to_string())
        .cloned()
        .unwrap_or_else(|| panic!("{id} not on the phone: {list}"))
}

fn fiscal_code(stem: &str) -> FiscalCode {
    ('A'..='Z').find_map(|c| FiscalCode::parse(&format!("{stem}{c}")).ok()).expect("a control letter fits")
}

async fn one_person_signing_offline_on_two_phones_counts_once_and_a_non_resident_is_refused(db: &TestDb) {
    let server = server_with_boundaries(db).await;
    let url = server.url.clone();
    let bari = IstatCode::parse("072006").expect("code");
    let monopoli = IstatCode::parse("072030").expect("code");
    server.state.store().set_service(&bari, Service::Petitions, true).await.expect("enable");
    server.state.reload_if_changed().await.expect("reload");
    let (email, _) = add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let user = server.state.store().staff_user_by_email(&email).await.expect("read").expect("user");
    let staff =
        Staff { id: user.id, email, role: casa_sync_server::platform::auth::Role::Moderator, comuni: user.comuni, department: None };
    let draft = PetitionDraft {
        id: PetitionId::new(),
        title: "Una pista ciclabile sul lungomare di Bari".into(),
        body: "Chiediamo una pista ciclabile protetta lungo tutto il lungomare, da Pane e Pomodoro a Torre Quetta, con illuminazione."
            .into(),
        residents_only: true,
        open_days: 90,
        response_threshold: Some(500),
        debate_threshold: Some(2000),
    };
    let petition =
        casa_sync_server::components::petitions::service::open_petition(&server.state, &staff, &bari, &draft).await.expect("open").id;

    // A clerk verified Maria twice (two phones) and Luca, who lives in Monopoli.
    let store = server.state.store();
    let now = chrono::Utc::now();
    let maria = fiscal_code("BNCMRA85M41A662");
    let (_, code_a, _) =
        issue_activation(store, server.state.person_keyer(), &maria, bari, "staff:urp@comune.bari.it", now).await.expect("issue");
    let (_, code_b, _) =
        issue_activation(store, server.state.person_keyer(), &maria, bari, "staff:urp@comune.bari.it", now).await.expect("issue");
    let (_, code_c, _) =
        issue_activation(store, server.state.person_keyer(), &fiscal_code("VRDLCU90A01F376"), monopoli, "staff:urp@comune.bari.it", now)
            .await
            .expect("issue");
    let (a, b, c) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    for (dir, code) in [(a.path(), &code_a), (b.path(), &code_b), (c.path(), &code_c)] {
        assert!(ok(dir, &url, &["identity", "activate", code]).contains("Identità attivata"));
        ok(dir, &url, &["sync", "--json", "--petitions-of", "072006"]);
    }
    assert!(ok(a.path(), &url, &["identity", "show"]).contains("residente a Bari"));
    let bad = run(a.path(), &url, &["identity", "activate", &code_c]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("già usato"), "a code works once");

    // Out of coverage: both of Maria's phones and Luca's sign; nothing goes out.
    for dir in [a.path(), b.path(), c.path()] {
        assert!(ok(dir, NO_NETWORK, &["petitions", "sign", &petition.to_string()]).contains("sarà inviata"));
        let offline = run(dir, NO_NETWORK, &["sync", "--json", "--max-attempts", "1", "--retry-base-ms", "10"]);
        assert!(!offline.status.success(), "no network, no sync");
        assert_eq!(mine(dir, petition)["mine"]["state"], "pending");
    }
    let again = run(a.path(), NO_NETWORK, &["petitions", "sign", &petition.to_string()]);
    assert!(!again.status.success(), "signing twice on one phone is refused at once");

    // Back in coverage: phone A first, then B, then Luca's.
    for dir in [a.path(), b.path(), c.path()] {
        ok(dir, &url, &["sync", "--json", "--petitions-of", "072006"]);
    }
    let on_a = mine(a.path(), petition);
    assert_eq!((on_a["mine"]["state"].as_str(), on_a["signatures"].as_u64()), (Some("counted"), Some(1)), "{on_a}");
    let on_b = mine(b.path(), petition);
    assert_eq!(on_b["mine"]["state"], "refused", "{on_b}");
    assert_eq!(on_b["mine"]["code"], "already_signed");
    assert!(on_b["mine"]["message"].as_str().unwrap_or_default().contains("un altro telefono"), "{on_b}");
    let on_c = mine(c.path(), petition);
    assert_eq!(on_c["mine"]["code"], "not_resident", "{on_c}");
    assert!(on_c["mine"]["message"].as_str().unwrap_or_default().contains("residenti del Comune di Bari"), "{on_c}");
    let listed = ok(b.path(), NO_NETWORK, &["petitions", "list"]);
    assert!(listed.contains("Non accettata: Hai già firmato"), "{listed}");

    let stored = server.state.store().petition(&petition).await.expect("read").expect("petition");
    assert_eq!(stored.signatures, 1, "one person, one signature");

    // Maria withdraws from phone B (it is hers too), offline, then syncs.
    ok(b.path(), NO_NETWORK, &["petitions", "withdraw", &petition.to_string()]);
    ok(b.path(), &url, &["sync", "--json", "--petitions-of", "072006"]);
    assert_eq!(mine(b.path(), petition)["mine"]["state"], "withdrawn");
    assert_eq!(server.state.store().petition(&petition).await.expect("read").expect("petition").signatures, 0);
    // Phone A counted her signature; after its next sync it knows she took it back on B.
    assert_eq!(mine(a.path(), petition)["mine"]["state"], "counted");
    ok(a.path(), &url, &["sync", "--json", "--petitions-of", "072006"]);
    assert_eq!(mine(a.path(), petition)["mine"]["state"], "withdrawn", "the server's count says where she stands");
    // And she may sign again from A.
    assert!(ok(a.path(), NO_NETWORK, &["petitions", "sign", &petition.to_string()]).contains("sarà inviata"));
    server.stop().await;
}
on_both_databases!(
    one_person_signing_offline_on_two_phones_counts_once_and_a_non_resident_is_refused,
    super::one_person_signing_offline_on_two_phones_counts_once_and_a_non_resident_is_refused
);

async fn a_proposal_written_offline_reaches_moderation_with_the_co_sponsors_it_shared_its_code_with(db: &TestDb) {
    use casa_shared_model::petition::PetitionRules;

    let server = server_with_boundaries(db).await;
    let url = server.url.clone();
    let bari = IstatCode::parse("072006").expect("code");
    let store = server.state.store();
    store.set_service(&bari, Service::Petitions, true).await.expect("enable");
    store.set_petition_rules(&bari, &PetitionRules::parse(2, 50, 200, 6).expect("rules")).await.expect("rules");
    server.state.reload_if_changed().await.expect("reload");
    let now = chrono::Utc::now();
    let mut phones = Vec::new();
    for stem in ["BNCMRA85M41A662", "VRDLCU90A01F376", "RSSGNN75C12A662"] {
        let (_, code, _) = issue_activation(store, server.state.person_keyer(), &fiscal_code(stem), bari, "staff:urp@comune.bari.it", now)
            .await
            .expect("issue");
        let dir = tempfile::tempdir().expect("tmp");
        ok(dir.path(), &url, &["identity", "activate", &code]);
        phones.push(dir);
    }
    let (author, first, second) = (phones[0].path(), phones[1].path(), phones[2].path());

    // Written out of coverage: the phone keeps it as a draft, and refuses a bad one at once.
    let short = run(author, NO_NETWORK, &["petitions", "propose", "--title", "Corto", "--body", "troppo breve"]);
    assert!(!short.status.success() && String::from_utf8_lossy(&short.stderr).contains("titolo"), "refused on the phone");
    let body = "Chiediamo panchine all'ombra e fontanelle lungo il lungomare di San Girolamo, per anziani e famiglie.";
    let out =
        ok(author, NO_NETWORK, &["petitions", "propose", "--title", "Panchine all'ombra a San Girolamo", "--body", body, "--days", "60"]);
    assert!(out.contains("sarà inviata"), "{out}");
    let id = PetitionId::parse(out.lines().next().expect("id")).expect("the proposal's code");
    let draft = mine(author, id);
    assert_eq!((draft["status"].as_str(), draft["mine"]["state"].as_str()), (Some("draft"), Some("pending")), "{draft}");

    // In coverage: sent with the author's signature, gathering co-sponsors.
    ok(author, &url, &["sync", "--json"]);
    let sent = mine(author, id);
    assert_eq!(
        (sent["status"].as_str(), sent["cosponsors_needed"].as_u64(), sent["signatures"].as_u64()),
        (Some("submitted"), Some(2), Some(1)),
        "{sent}"
    );
    assert!(ok(author, NO_NETWORK, &["petitions", "list"]).contains("0 promotori su 2"));

    // The code travels by message; each co-sponsor reads it, signs (offline), syncs.
    for dir in [first, second] {
        assert!(ok(dir, &url, &["petitions", "fetch", &id.to_string()]).contains("In cerca di promotori"));
        assert!(ok(dir, NO_NETWORK, &["petitions", "sign", &id.to_string()]).contains("sarà inviata"));
        ok(dir, &url, &["sync", "--json"]);
        assert_eq!(mine(dir, id)["mine"]["state"], "counted");
    }
    ok(author, &url, &["sync", "--json"]);
    let waiting = mine(author, id);
    assert_eq!((waiting["status"].as_str(), waiting["signatures"].as_u64()), (Some("in_moderation"), Some(3)), "{waiting}");
    let stored = store.petition(&id).await.expect("read").expect("petition");
    assert_eq!((stored.open_days, stored.author_device.is_some()), (60, true));
    server.stop().await;
}
on_both_databases!(
    a_proposal_written_offline_reaches_moderation_with_the_co_sponsors_it_shared_its_code_with,
    super::a_proposal_written_offline_reaches_moderation_with_the_co_sponsors_it_shared_its_code_with
);
