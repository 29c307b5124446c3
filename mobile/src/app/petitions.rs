//! The petitions screen: the Comune's petitions with their progress to each
//! threshold, signing and withdrawing (kept on the phone until the next sync,
//! so it works offline), and the activation of the citizen's identity with
//! the code a clerk gave them.

use casa_shared_model::petition::PublicPetition;
use casa_shared_model::PetitionId;
use dioxus::prelude::*;

use super::i18n::Lang;
use super::state::{Core, Ui};
use crate::store::{LocalPetition, MySignature};
use crate::Client;

#[component]
pub fn PetitionsScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let identity = core.store.borrow().identity().ok().flatten();
    let petitions = core.store.borrow().petitions().unwrap_or_default();
    rsx! {
        section { class: "petitions",
            h2 { {lang.t("Petizioni", "Petitions")} }
            match identity {
                Some(i) => rsx! {
                    p { class: "hint",
                        {lang.t("Firmi come residente verificato a", "You sign as a verified resident of")} " {i.residence_name}."
                    }
                },
                None => rsx! { Activate {} },
            }
            if petitions.is_empty() {
                p {
                    {lang.t(
                        "Nessuna petizione: sincronizza, oppure il tuo Comune non raccoglie petizioni online.",
                        "No petitions: sync, or your Comune does not take petitions online.",
                    )}
                }
            }
            ul { class: "cards",
                for p in petitions {
                    PetitionCard { key: "{p.petition.id}", petition: p }
                }
            }
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
            let client = Client::new(&core.server_url());
            let device = core.device_id();
            let result = client.activate_identity(code.peek().trim(), device).await;
            busy.set(false);
            match result {
                Ok(session) => match core.store.borrow_mut().set_identity(&session) {
                    Ok(()) => {
                        error.set(None);
                        ui.changed();
                    }
                    Err(e) => error.set(Some(e.to_string())),
                },
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    rsx! {
        div { class: "identity",
            p {
                {lang.t(
                    "Per firmare serve un'identità verificata: allo sportello del Comune, con un documento, ricevi un codice da inserire qui (una volta sola).",
                    "Signing needs a verified identity: at the Comune's desk, with an ID document, you get a code to enter here (once).",
                )}
            }
            label { r#for: "identity-code", {lang.t("Codice di attivazione", "Activation code")} }
            input { id: "identity-code", autocomplete: "one-time-code", placeholder: "ABCD-EFGH-JKLM", oninput: move |e| code.set(e.value()) }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            button { class: "primary", disabled: busy(), onclick: activate, {lang.t("Attiva", "Activate")} }
        }
    }
}

/// "123 firme su 500 per la risposta del Comune", or where it stands after the last threshold.
fn progress_text(lang: Lang, p: &PublicPetition) -> String {
    match p.thresholds.iter().find(|t| t.reached_at.is_none()) {
        Some(t) => match lang {
            Lang::It => format!("{} firme su {} per la {}", p.signatures, t.signatures, t.kind.label_it()),
            Lang::En => format!("{} of {} signatures for a {}", p.signatures, t.signatures, t.kind.as_str()),
        },
        None => match lang {
            Lang::It => format!("{} firme: tutte le soglie raggiunte", p.signatures),
            Lang::En => format!("{} signatures: every threshold reached", p.signatures),
        },
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
    let next = p.thresholds.iter().find(|t| t.reached_at.is_none()).map(|t| t.signatures).unwrap_or(p.signatures.max(1));
    let status = match lang {
        Lang::It => p.status.label_it(),
        Lang::En => p.status.label_en(),
    };
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
                Ok(Err(e)) => refusal.set(Some(e.to_string())),
                Err(e) => refusal.set(Some(e.to_string())),
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
        MySignature::Pending => {
            Some(lang.t("Firmata: sarà inviata alla prossima sincronizzazione", "Signed: it will be sent at the next sync").to_owned())
        }
        MySignature::Counted => Some(lang.t("Hai firmato: la tua firma è contata", "You signed: your signature counts").to_owned()),
        MySignature::WithdrawalPending => Some(
            lang.t("Ritiro della firma: sarà inviato alla prossima sincronizzazione", "Withdrawal: it will be sent at the next sync")
                .to_owned(),
        ),
        MySignature::Withdrawn => Some(lang.t("Firma ritirata", "Signature withdrawn").to_owned()),
        MySignature::Refused { message, .. } => Some(format!("{} {message}", lang.t("Non accettata:", "Not accepted:"))),
    };
    let progress_label = progress_text(lang, p);
    rsx! {
        li { class: "card petition",
            h3 { "{p.title}" }
            p { class: "status", "{status}" }
            if p.residents_only {
                p { class: "hint", {lang.t("Riservata ai residenti del Comune", "Residents of the Comune only")} }
            }
            p { "{p.body}" }
            progress { max: "{next}", value: "{p.signatures.min(next)}", "aria-label": "{progress_label}" }
            p { "{progress_label}" }
            if let Some(r) = &p.response {
                p { class: "note", {lang.t("Risposta del Comune:", "The Comune's answer:")} " «{r}»" }
            }
            if let Some(m) = mine {
                p { class: if matches!(petition.mine, MySignature::Refused { .. }) { "error" } else { "status" }, "{m}" }
            }
            if let Some(r) = refusal() {
                p { class: "error", role: "alert", "{r}" }
            }
            if p.status.is_signable() {
                if signed {
                    button { class: "link", onclick: withdraw, {lang.t("Ritira la firma", "Withdraw my signature")} }
                } else {
                    button { class: "primary", onclick: sign, {lang.t("Firma", "Sign")} }
                }
            }
        }
    }
}
