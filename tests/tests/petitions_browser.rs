//! The petitions pages of the staff dashboard in a real browser: Debian's
//! Chromium, headless, driven by Playwright from `tests/js/petitions.mjs`,
//! with axe-core checking the pages. Screenshots go to
//! `target/screenshots/petizioni-<database>/`.

use casa_e2e::db::{add_staff, server_with_boundaries, TestDb};
use casa_e2e::web::{assert_axe_clean, assert_no_csp_violations, assert_screenshots};
use casa_e2e::{on_both_databases, workspace_root};
use casa_mobile::Client;
use casa_shared_model::petition::{PetitionRules, PetitionStatus, ProposalPayload, SignaturePayload};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{ItemOutcome, PushItem};
use casa_shared_model::{DeviceId, IstatCode, PetitionId, Service};
use casa_sync_server::components::identity::{issue_activation, FiscalCode};
use chrono::Utc;
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";

fn fiscal_code(n: u32) -> FiscalCode {
    let stem = format!("VRDGLI70B41A{:03}", n % 1000);
    ('A'..='Z').find_map(|c| FiscalCode::parse(&format!("{stem}{c}")).ok()).expect("a control letter fits")
}

async fn a_bari_moderator_opens_a_proposal_and_invalidates_a_shared_phones_signatures_in_chromium(db: &TestDb) {
    let js = workspace_root().join("tests/js");
    assert!(
        js.join("node_modules/playwright-core").exists() && js.join("node_modules/axe-core").exists(),
        "playwright-core and axe-core are not installed: run `npm ci` in tests/js (make test does)"
    );
    assert!(std::path::Path::new(CHROMIUM).exists(), "Chromium is not installed: `make test` installs the Debian package");
    let server = server_with_boundaries(db).await;
    let bari = IstatCode::parse("072006").expect("code");
    let store = server.state.store();
    store.set_service(&bari, Service::Petitions, true).await.expect("enable");
    store.set_petition_rules(&bari, &PetitionRules::parse(2, 50, 200, 6).expect("rules")).await.expect("rules");
    server.state.reload_if_changed().await.expect("reload");
    let (email, password) = add_staff(&server, "moderatore@comune.bari.it", "moderator", &["072006"]).await;

    // A resident's proposal, co-sponsored by two people from one shared phone.
    let client = Client::new(&server.url);
    let mut tokens = Vec::new();
    let shared = DeviceId::new();
    for (n, device) in [(1, DeviceId::new()), (2, shared), (3, shared)] {
        let (_, code, _) =
            issue_activation(store, server.state.person_keyer(), &fiscal_code(n), bari, "staff:urp@comune.bari.it", Utc::now())
                .await
                .expect("issue");
        let session = casa_e2e::as_phone(&client, device).activate_identity(&code, device).await.expect("activate");
        tokens.push((device, session.token));
    }
    let proposal = ProposalPayload {
        id: PetitionId::new(),
        comune: bari,
        title: "Fontanelle d'acqua nei giardini di Bari".into(),
        body: "Chiediamo fontanelle d'acqua potabile in tutti i giardini pubblici del quartiere Libertà, per l'estate.".into(),
        residents_only: true,
        open_days: 90,
        created_at: Utc::now(),
    };
    let sync =
        |device, items| SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor: None, items, nearby: None, petitions: None };
    let (author_phone, author) = &tokens[0];
    casa_e2e::sync_as_phone(&client, &sync(*author_phone, vec![PushItem::Proposal(proposal.clone())]), Some(author))
        .await
        .expect("propose");
    for (device, token) in &tokens[1..] {
        let sign = PushItem::Signature(SignaturePayload { id: uuid::Uuid::now_v7(), petition_id: proposal.id, signed_at: Utc::now() });
        let r = casa_e2e::sync_as_phone(&client, &sync(*device, vec![sign]), Some(token)).await.expect("co-sponsor");
        assert!(matches!(r.results[0].outcome, ItemOutcome::Counted(_)), "{:?}", r.results);
    }

    let backend = match db {
        TestDb::Sqlite { .. } => "sqlite",
        TestDb::Postgres { .. } => "postgres",
    };
    let shots = workspace_root().join("target/screenshots").join(format!("petizioni-{backend}"));
    let out = tokio::process::Command::new("node")
        .arg("petitions.mjs")
        .current_dir(&js)
        .env("CASA_URL", &server.url)
        .env("CASA_PETITION_ID", proposal.id.to_string())
        .env("CASA_EMAIL", &email)
        .env("CASA_PASSWORD", &password)
        .env("CASA_SCREENSHOTS", &shots)
        .env("CASA_CHROMIUM", CHROMIUM)
        .output()
        .await
        .expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run: Value = serde_json::from_slice(&out.stdout).expect("JSON from the script");
    assert!(run.get("error").is_none(), "the browser run failed after {}: {}", run["steps"], run["error"]);

    assert_eq!(run["list_status"], "1 proposta attende la moderazione.", "{run}");
    let first = run["first_row"].as_str().unwrap_or_default();
    assert!(first.contains("Fontanelle") && first.contains("In moderazione") && first.contains("2 di 2 promotori"), "{run}");
    assert_eq!(run["opened_notice"], "Petizione aperta alle firme.", "{run}");
    assert_eq!(run["status_after_open"], "Aperta alle firme", "{run}");
    assert_eq!(run["shared_devices"], 1, "{run}");
    assert_eq!(run["preview_count"], "2 firme valide corrispondono.", "{run}");
    assert!(run["after_invalidation"].as_str().unwrap_or_default().starts_with("1 firma"), "{run}");
    let stored = store.petition(&proposal.id).await.expect("read").expect("petition");
    assert_eq!((stored.status, stored.signatures), (PetitionStatus::Open, 1));

    assert_no_csp_violations(&run);
    assert_axe_clean(&run, &["list", "proposal", "open", "preview", "invalidated"]);
    assert_screenshots(
        &shots,
        &[
            "petizioni-01-elenco.png",
            "petizioni-02-proposta.png",
            "petizioni-03-aperta.png",
            "petizioni-04-anteprima-annullamento.png",
            "petizioni-05-firme-annullate.png",
        ],
    );
    server.stop().await;
}

on_both_databases!(
    a_bari_moderator_opens_a_proposal_and_invalidates_a_shared_phones_signatures_in_chromium,
    super::a_bari_moderator_opens_a_proposal_and_invalidates_a_shared_phones_signatures_in_chromium
);
