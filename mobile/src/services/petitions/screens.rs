//! The petitions screen: the Comune's petitions with their progress to each
//! threshold, signing and withdrawing (kept on the phone until the next sync,
//! so it works offline), the citizen's own proposals (written offline too,
//! then co-sponsored by people they share its code with), and the activation
//! of the citizen's identity with the code a clerk gave them.

use casa_shared_model::petition::PublicPetition;
use casa_shared_model::PetitionId;
use dioxus::prelude::*;

use crate::app::i18n::Lang;
use crate::app::state::{Core, Ui};
use crate::store::{LocalPetition, MySignature, ProposalDraft};
use crate::Client;

#[component]
pub fn PetitionsScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let identity = core.store.borrow().identity().ok().flatten();
    let petitions = core.store.borrow().petitions().unwrap_or_default();
    let verified = identity.is_some();
    rsx! {
        section { class: "petitions",
            h2 { {lang.tr("petitions-petitions")} }
            match identity {
                Some(i) => rsx! {
                    p { class: "hint",
                        {lang.tr("petitions-you-sign-as-a-verified-resident")} " {i.residence_name}."
                    }
                },
                None => rsx! { Activate {} },
            }
            if petitions.is_empty() {
                p {
                    {lang.tr("petitions-no-petitions-sync-or-your-comune")}
                }
            }
            ul { class: "cards",
                for p in petitions {
                    PetitionCard { key: "{p.petition.id}", petition: p }
                }
            }
            if verified {
                Support {}
                Propose {}
            }
        }
    }
}

/// Reads a proposal by the code its author shared, to co-sponsor it.
#[component]
fn Support() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut code = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let fetch = move |_| {
        let core = core.clone();
        let id = match PetitionId::parse(code.peek().trim()) {
            Ok(id) => id,
            Err(_) => {
                error.set(Some(lang.tr("petitions-invalid-code-copy-it-whole").to_owned()));
                return;
            }
        };
        busy.set(true);
        spawn(async move {
            let result = Client::new(&core.server_url()).petition(&id).await;
            busy.set(false);
            match result.map_err(|e| lang.explain(&e)).and_then(|p| core.store.borrow_mut().keep_petition(&p).map_err(|e| lang.explain(&e)))
            {
                Ok(()) => {
                    error.set(None);
                    code.set(String::new());
                    ui.changed();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    rsx! {
        details { class: "support",
            summary { {lang.tr("petitions-co-sponsor-a-proposal-by-its")} }
            label { r#for: "support-code", {lang.tr("petitions-proposal-code")} }
            input { id: "support-code", value: "{code}", oninput: move |e| code.set(e.value()) }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            button { disabled: busy(), onclick: fetch, {lang.tr("petitions-look-up-needs-the-network")} }
        }
    }
}

/// A new proposal: saved on the phone, sent at the next sync with the
/// author's signature; it then needs the Comune's number of co-sponsors.
#[component]
fn Propose() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut title = use_signal(String::new);
    let mut body = use_signal(String::new);
    let mut days = use_signal(|| "90".to_owned());
    let mut residents_only = use_signal(|| true);
    let mut error = use_signal(|| None::<String>);
    let mut done = use_signal(|| false);
    let propose = move |_| {
        let Ok(open_days) = days.peek().trim().parse::<u32>() else {
            error.set(Some(lang.tr("petitions-duration-7-to-365-days").to_owned()));
            return;
        };
        let draft = ProposalDraft { title: title.peek().clone(), body: body.peek().clone(), residents_only: residents_only(), open_days };
        let result = core.store.borrow_mut().propose_petition(&draft);
        match result {
            Ok(Ok(_)) => {
                error.set(None);
                done.set(true);
                title.set(String::new());
                body.set(String::new());
                ui.changed();
            }
            Ok(Err(e)) => error.set(Some(lang.explain(&e))),
            Err(e) => error.set(Some(lang.explain(&e))),
        }
    };
    rsx! {
        details { class: "propose",
            summary { {lang.tr("petitions-propose-a-petition")} }
            p { class: "hint",
                {lang.tr("petitions-once-sent-it-looks-for-co")}
            }
            label { r#for: "proposal-title", {lang.tr("petitions-title-10-to-150-characters")} }
            input { id: "proposal-title", value: "{title}", maxlength: "150", oninput: move |e| title.set(e.value()) }
            label { r#for: "proposal-body", {lang.tr("petitions-what-you-ask-and-why-50")} }
            textarea { id: "proposal-body", rows: 6, maxlength: "5000", value: "{body}", oninput: move |e| body.set(e.value()) }
            label { r#for: "proposal-days", {lang.tr("petitions-days-to-gather-signatures")} }
            input { id: "proposal-days", r#type: "number", min: "7", max: "365", value: "{days}", oninput: move |e| days.set(e.value()) }
            label { class: "check",
                input { r#type: "checkbox", checked: residents_only(), onchange: move |e| residents_only.set(e.checked()) }
                " " {lang.tr("petitions-residents-only-may-sign")}
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            if done() {
                p { class: "status", role: "status", {lang.tr("petitions-proposal-saved-it-will-be-sent")} }
            }
            button { class: "primary", onclick: propose, {lang.tr("petitions-save-the-proposal")} }
        }
    }
}

/// The code a clerk issued after checking the citizen's ID document.
#[component]
fn Activate() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut code = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let activate = move |_| {
        let core = core.clone();
        busy.set(true);
        spawn(async move {
            let client = Client::for_store(&core.server_url(), &core.store.borrow());
            let device = core.device_id();
            let result = client.activate_identity(code.peek().trim(), device).await;
            busy.set(false);
            match result {
                Ok(session) => match core.store.borrow_mut().set_identity(&session) {
                    Ok(()) => {
                        error.set(None);
                        ui.changed();
                    }
                    Err(e) => error.set(Some(lang.explain(&e))),
                },
                Err(e) => error.set(Some(lang.explain(&e))),
            }
        });
    };
    rsx! {
        div { class: "identity",
            p {
                {lang.tr("petitions-signing-needs-a-verified-identity-at")}
            }
            label { r#for: "identity-code", {lang.tr("petitions-activation-code")} }
            input { id: "identity-code", autocomplete: "one-time-code", placeholder: "ABCD-EFGH-JKLM", oninput: move |e| code.set(e.value()) }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            button { class: "primary", disabled: busy(), onclick: activate, {lang.tr("petitions-activate")} }
        }
    }
}

/// "123 firme su 500 per la risposta del Comune", or where it stands after
/// the last threshold; for a proposal, its co-sponsors.
fn progress_text(lang: Lang, p: &PublicPetition) -> String {
    if p.status.before_opening() {
        let have = casa_shared_model::petition::cosponsors_found(p.signatures, p.cosponsors_needed);
        return lang.tr_with("petitions-cosponsors-progress", &[("have", have.into()), ("needed", p.cosponsors_needed.into())]);
    }
    match p.thresholds.iter().find(|t| t.reached_at.is_none()) {
        Some(t) => lang.tr_with(
            "petitions-signatures-for-threshold",
            &[("signatures", p.signatures.into()), ("needed", t.signatures.into()), ("threshold", lang.tr(threshold_key(t.kind)).into())],
        ),
        None => lang.tr_with("petitions-every-threshold-reached", &[("signatures", p.signatures.into())]),
    }
}

#[component]
fn PetitionCard(petition: LocalPetition) -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut refusal = use_signal(|| None::<String>);
    let p = &petition.petition;
    let id: PetitionId = p.id;
    let (value, next) = if p.status.before_opening() {
        (casa_shared_model::petition::cosponsors_found(p.signatures, p.cosponsors_needed), p.cosponsors_needed.max(1))
    } else {
        (p.signatures, p.thresholds.iter().find(|t| t.reached_at.is_none()).map(|t| t.signatures).unwrap_or(p.signatures.max(1)))
    };
    let mine_proposal = core.store.borrow().is_my_proposal(&id).unwrap_or(false);
    let status = lang.tr(&format!("petitions-status-{}", p.status.code()));
    let signed = matches!(petition.mine, MySignature::Pending | MySignature::Counted);
    let act = {
        let core = core.clone();
        move |sign: bool| {
            let mut store = core.store.borrow_mut();
            let done = if sign { store.sign_petition(&id) } else { store.withdraw_signature(&id) };
            drop(store);
            match done {
                Ok(Ok(_)) => {
                    refusal.set(None);
                    ui.changed();
                }
                Ok(Err(e)) => refusal.set(Some(lang.explain(&e))),
                Err(e) => refusal.set(Some(lang.explain(&e))),
            }
        }
    };
    let sign = {
        let act = act.clone();
        move |_| act.clone()(true)
    };
    let withdraw = move |_| act.clone()(false);
    let mine = match &petition.mine {
        MySignature::NotSigned => None,
        MySignature::Pending if mine_proposal => Some(lang.tr("petitions-proposal-saved-it-will-be-sent-2").to_owned()),
        MySignature::Pending => Some(lang.tr("petitions-signed-it-will-be-sent-at").to_owned()),
        MySignature::Counted => Some(lang.tr("petitions-you-signed-your-signature-counts").to_owned()),
        MySignature::WithdrawalPending => Some(lang.tr("petitions-withdrawal-it-will-be-sent-at").to_owned()),
        MySignature::Withdrawn => Some(lang.tr("petitions-signature-withdrawn").to_owned()),
        MySignature::Refused { code, .. } => {
            Some(format!("{} {}", lang.tr("petitions-not-accepted"), lang.words(&super::server_refusal(code))))
        }
    };
    let progress_label = progress_text(lang, p);
    rsx! {
        li { class: "card petition",
            h3 { "{p.title}" }
            p { class: "status", "{status}" }
            if p.residents_only {
                p { class: "hint", {lang.tr("petitions-residents-of-the-comune-only")} }
            }
            p { "{p.body}" }
            if let Some(reason) = p.status.detail() {
                p { class: "error", {lang.tr("petitions-reason")} " {reason}" }
            }
            if p.status != casa_shared_model::petition::PetitionStatus::Draft && !matches!(p.status, casa_shared_model::petition::PetitionStatus::Rejected { .. }) {
                progress { max: "{next}", value: "{value.min(next)}", "aria-label": "{progress_label}" }
                p { "{progress_label}" }
            }
            if mine_proposal && p.status.takes_cosponsors() {
                p { class: "hint",
                    {lang.tr("petitions-share-this-code-with-co-sponsors")}
                    " "
                    code { class: "share-code", "{id}" }
                }
            }
            if let Some(r) = &p.response {
                p { class: "note", {lang.tr("petitions-the-comune-s-answer")} " «{r}»" }
            }
            if let Some(m) = mine {
                p { class: if matches!(petition.mine, MySignature::Refused { .. }) { "error" } else { "status" }, "{m}" }
            }
            if let Some(r) = refusal() {
                p { class: "error", role: "alert", "{r}" }
            }
            if p.status.takes_signatures() && !mine_proposal {
                if signed {
                    button { class: "link", onclick: withdraw, {lang.tr("petitions-withdraw-my-signature")} }
                } else {
                    button { class: "primary", onclick: sign,
                        if p.status.takes_cosponsors() { {lang.tr("petitions-co-sponsor")} } else { {lang.tr("petitions-sign")} }
                    }
                }
            }
        }
    }
}

/// The Fluent key of a threshold's name ("the Comune's answer").
fn threshold_key(kind: casa_shared_model::petition::ThresholdKind) -> &'static str {
    match kind {
        casa_shared_model::petition::ThresholdKind::Response => "petitions-threshold-response",
        casa_shared_model::petition::ThresholdKind::Debate => "petitions-threshold-debate",
    }
}
