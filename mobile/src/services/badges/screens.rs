//! The citizen's badges, offline: what they earned with results the Comune
//! verified, and how far the next level is.

use casa_shared_model::badge::{BadgeAward, BadgeKind};
use dioxus::prelude::*;

use crate::app::i18n::Lang;
use crate::app::state::{Core, Screen, Ui};
use crate::Client;

fn name(lang: Lang, kind: BadgeKind, level: u32) -> String {
    lang.tr_with(&format!("badges-name-{}", kind.as_str()), &[("level", level.into())])
}

/// The notice after a sync that brought new badges.
pub fn announcement(lang: Lang, new: &[BadgeAward]) -> Option<String> {
    let names: Vec<String> = new.iter().map(|b| name(lang, b.badge, b.level)).collect();
    match names.len() {
        0 => None,
        1 => Some(format!("{} {}", lang.tr("badges-new-badge"), names[0])),
        _ => Some(format!("{} {}", lang.tr("badges-new-badges"), names.join(", "))),
    }
}

#[component]
pub fn BadgesScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let badges = core.store.borrow().badges().unwrap_or_default();
    let points = core.store.borrow().points().unwrap_or(0);
    let next: Vec<(BadgeKind, u32)> = BadgeKind::ALL
        .into_iter()
        .filter_map(|k| k.levels().iter().find(|l| !badges.iter().any(|b| b.badge == k && b.level == **l)).map(|l| (k, *l)))
        .collect();
    rsx! {
        section { class: "badges",
            button { class: "link back", onclick: move |_| ui.go(Screen::Settings), {lang.tr("badges-settings")} }
            h2 { {lang.tr("badges-my-badges")} }
            p { class: "points", id: "points",
                strong { "{points} " } {lang.tr("badges-points")}
            }
            p { class: "hint",
                {lang.tr("badges-points-for-verified-results-5-for")}
            }
            p { class: "hint",
                {lang.tr("badges-earned-with-verified-results-a-report")}
            }
            if badges.is_empty() {
                p { {lang.tr("badges-no-badges-yet")} }
            }
            ul { class: "cards",
                for b in badges {
                    li { key: "{b.badge.as_str()}-{b.level}", class: "card badge earned",
                        span { class: "medal", "aria-hidden": "true", "★" }
                        strong { {name(lang, b.badge, b.level)} }
                        p { class: "hint", {lang.tr("badges-earned-on")} " {b.awarded_at.format(\"%d/%m/%Y\")}" }
                    }
                }
            }
            if !next.is_empty() {
                h3 { {lang.tr("badges-next-goals")} }
                ul {
                    for (k, l) in next {
                        li { key: "{k.as_str()}-{l}", {name(lang, k, l)} }
                    }
                }
            }
            LeaderboardSection {}
        }
    }
}

/// The home Comune's opt-in leaderboard: shown as last fetched (offline
/// too); joining, leaving and refreshing need the network.
#[component]
fn LeaderboardSection() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let board = core.store.borrow().leaderboard().ok().flatten();
    let mut nickname = use_signal(|| board.as_ref().and_then(|b| b.joined_as.clone()).unwrap_or_default());
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // 0 refresh, 1 join, 2 leave
    let act = move |what: u8| {
        let core = core.clone();
        let home = core.store.borrow().setting(crate::store::HOME_COMUNE_SETTING).ok().flatten();
        let Some(comune) = home.and_then(|c| casa_shared_model::IstatCode::parse(&c).ok()) else {
            error.set(Some(lang.tr("badges-choose-your-comune-in-the-settings").to_owned()));
            return;
        };
        busy.set(true);
        spawn(async move {
            let client = Client::for_store(&core.server_url(), &core.store.borrow());
            let device = core.device_id();
            let result = match what {
                1 => client.join_leaderboard(&comune, device, nickname.peek().trim()).await,
                2 => client.leave_leaderboard(&comune, device).await,
                _ => client.leaderboard(&comune, device).await,
            };
            busy.set(false);
            match result
                .map_err(|e| lang.explain(&e))
                .and_then(|b| core.store.borrow_mut().keep_leaderboard(&b).map_err(|e| lang.explain(&e)))
            {
                Ok(()) => {
                    error.set(None);
                    ui.changed();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let refresh = {
        let act = act.clone();
        move |_| act.clone()(0)
    };
    let join = {
        let act = act.clone();
        move |_| act.clone()(1)
    };
    let leave = move |_| act.clone()(2);
    rsx! {
        section { class: "leaderboard", "aria-labelledby": "leaderboard-title",
            h3 { id: "leaderboard-title",
                {lang.tr("badges-the-comune-s-leaderboard")}
                if let Some(b) = &board { " · {b.comune_name}" }
            }
            p { class: "hint",
                {lang.tr("badges-only-those-who-join-appear-under")}
            }
            match &board {
                None => rsx! { p { {lang.tr("badges-leaderboard-not-fetched-yet")} } },
                Some(b) if b.entries.is_empty() => rsx! { p { {lang.tr("badges-nobody-on-it-yet")} } },
                Some(b) => rsx! {
                    ol { class: "ranking",
                        for e in b.entries.clone() {
                            li { key: "{e.rank}", class: if e.me { "me" } else { "" },
                                strong { "{e.nickname}" }
                                " · {e.results} "
                                {lang.tr("badges-results")}
                                if e.me { " " {lang.tr("badges-you")} }
                            }
                        }
                    }
                },
            }
            if let Some(n) = board.as_ref().and_then(|b| b.joined_as.clone()) {
                p { class: "status", {lang.tr("badges-you-take-part-as")} " «{n}»." }
            }
            label { r#for: "nickname", {lang.tr("badges-nickname-3-to-24-characters")} }
            input { id: "nickname", value: "{nickname}", maxlength: "24", oninput: move |e| nickname.set(e.value()) }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            div { class: "actions",
                button { class: "primary", disabled: busy(), onclick: join, {lang.tr("badges-join")} }
                if board.as_ref().is_some_and(|b| b.joined_as.is_some()) {
                    button { class: "link", disabled: busy(), onclick: leave, {lang.tr("badges-leave")} }
                }
                button { class: "link", disabled: busy(), onclick: refresh, {lang.tr("badges-refresh-needs-the-network")} }
            }
        }
    }
}
