//! The citizen's badges, offline: what they earned with results the Comune
//! verified, and how far the next level is.

use casa_shared_model::badge::{BadgeAward, BadgeKind};
use dioxus::prelude::*;

use super::i18n::Lang;
use super::state::{Core, Screen, Ui};

fn name(lang: Lang, kind: BadgeKind, level: u32) -> String {
    match lang {
        Lang::It => kind.name_it(level),
        Lang::En => kind.name_en(level),
    }
}

/// The notice after a sync that brought new badges.
pub fn announcement(lang: Lang, new: &[BadgeAward]) -> Option<String> {
    let names: Vec<String> = new.iter().map(|b| name(lang, b.badge, b.level)).collect();
    match names.len() {
        0 => None,
        1 => Some(format!("{} {}", lang.t("Nuovo badge:", "New badge:"), names[0])),
        _ => Some(format!("{} {}", lang.t("Nuovi badge:", "New badges:"), names.join(", "))),
    }
}

#[component]
pub fn BadgesScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let badges = core.store.borrow().badges().unwrap_or_default();
    let next: Vec<(BadgeKind, u32)> = BadgeKind::ALL
        .into_iter()
        .filter_map(|k| k.levels().iter().find(|l| !badges.iter().any(|b| b.badge == k && b.level == **l)).map(|l| (k, *l)))
        .collect();
    rsx! {
        section { class: "badges",
            button { class: "link back", onclick: move |_| ui.go(Screen::Settings), {lang.t("← Impostazioni", "← Settings")} }
            h2 { {lang.t("I miei badge", "My badges")} }
            p { class: "hint",
                {lang.t(
                    "Si guadagnano con risultati verificati: una segnalazione confermata da un ispettore o risolta dal Comune, una firma contata. Non dicono dove hai segnalato.",
                    "Earned with verified results: a report confirmed by an inspector or resolved by the Comune, a counted signature. They never say where you reported.",
                )}
            }
            if badges.is_empty() {
                p { {lang.t("Nessun badge ancora.", "No badges yet.")} }
            }
            ul { class: "cards",
                for b in badges {
                    li { key: "{b.badge.as_str()}-{b.level}", class: "card badge earned",
                        span { class: "medal", "aria-hidden": "true", "★" }
                        strong { {name(lang, b.badge, b.level)} }
                        p { class: "hint", {lang.t("Ottenuto il", "Earned on")} " {b.awarded_at.format(\"%d/%m/%Y\")}" }
                    }
                }
            }
            if !next.is_empty() {
                h3 { {lang.t("Prossimi traguardi", "Next goals")} }
                ul {
                    for (k, l) in next {
                        li { key: "{k.as_str()}-{l}", {name(lang, k, l)} }
                    }
                }
            }
        }
    }
}
