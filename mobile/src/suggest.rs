//! A category suggested from what the citizen wrote, so that most reports
//! need one tap on the category instead of a search through the list.

/// Word stems (Italian first, then English) that point to a category.
/// Matched at the start of a word, so "buca" also finds "buche" via "buc".
const STEMS: &[(&str, &[&str])] = &[
    ("road_damage", &["buc", "asfalt", "strad", "marciapied", "dissest", "voragin", "pothole", "road", "pavement", "sidewalk"]),
    ("public_lighting", &["lampion", "illumina", "luce", "luci", "buio", "lampad", "streetlight", "light", "lamp", "dark"]),
    (
        "waste",
        &[
            "rifiut",
            "spazzatur",
            "immondizi",
            "cassonett",
            "discaric",
            "sporc",
            "sacchett",
            "waste",
            "litter",
            "rubbish",
            "trash",
            "garbage",
            "bin",
        ],
    ),
    ("green_areas", &["alber", "verde", "giardin", "parco", "aiuol", "potatur", "erba", "ramo", "rami", "tree", "park", "grass", "branch"]),
    ("graffiti_vandalism", &["graffit", "scritt", "vandal", "imbratt", "danneggi", "rott", "graffiti", "vandal"]),
    ("water_sewers", &["acqua", "perdit", "tombin", "fogn", "allag", "tubo", "tubatur", "water", "leak", "sewer", "flood", "drain"]),
    ("road_signs", &["cartell", "segnal", "semafor", "strisce", "stop", "sign", "traffic light", "crossing"]),
    ("abandoned_vehicles", &["abbandonat", "carcass", "targa", "auto", "moto", "bici", "veicol", "car", "vehicle", "scooter", "bike"]),
];

/// Categories whose problem the department must see to act (where it is,
/// how big): for these, a report without a photo is often sent back.
const PHOTO_EXPECTED: &[&str] = &["road_damage", "waste", "graffiti_vandalism", "abandoned_vehicles", "green_areas"];

/// What the new-report screen offers before the citizen picks a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion<'a> {
    pub category: &'a str,
    /// No photo is attached and this category needs one to be acted on.
    pub photo_advised: bool,
}

/// The suggestion from the description and the photos attached so far.
pub fn suggest<'a>(description: &str, photo_count: usize, offered: impl IntoIterator<Item = &'a str>) -> Option<Suggestion<'a>> {
    suggest_category(description, offered)
        .map(|category| Suggestion { category, photo_advised: photo_count == 0 && PHOTO_EXPECTED.contains(&category) })
}

/// The category the description most points to, among those offered, or
/// `None` when nothing in it is telling.
pub fn suggest_category<'a>(description: &str, offered: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let text = description.to_lowercase();
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut best: Option<(&'a str, usize)> = None;
    for code in offered {
        let Some((_, stems)) = STEMS.iter().find(|(c, _)| *c == code) else { continue };
        let score = words.iter().filter(|w| stems.iter().any(|s| w.starts_with(s))).count();
        if score > 0 && best.is_none_or(|(_, b)| score > b) {
            best = Some((code, score));
        }
    }
    best.map(|(code, _)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default categories every Comune starts with.
    fn all() -> impl Iterator<Item = &'static str> + Clone {
        casa_shared_model::category::DEFAULT_CATEGORIES.iter().map(|c| c.code)
    }

    #[test]
    fn common_descriptions_suggest_their_category() {
        for (text, want) in [
            ("Una buca profonda in via Sparano", "road_damage"),
            ("Buche sull'asfalto davanti alla scuola", "road_damage"),
            ("Il lampione è spento da una settimana", "public_lighting"),
            ("Rifiuti abbandonati vicino al cassonetto", "waste"),
            ("Perdita d'acqua dal tombino", "water_sewers"),
            ("Streetlight broken, the street is dark", "public_lighting"),
            ("Auto abbandonata senza targa", "abandoned_vehicles"),
        ] {
            assert_eq!(suggest_category(text, all()), Some(want), "{text}");
        }
    }

    #[test]
    fn a_photo_is_advised_only_for_a_category_that_needs_one_and_only_until_one_is_attached() {
        let s = suggest("Una buca enorme", 0, all()).expect("suggestion");
        assert_eq!(s, Suggestion { category: "road_damage", photo_advised: true });
        assert!(!suggest("Una buca enorme", 1, all()).expect("suggestion").photo_advised);
        assert!(!suggest("Il lampione è spento", 0, all()).expect("suggestion").photo_advised);
        assert_eq!(suggest("Per favore intervenite", 3, all()), None);
    }

    #[test]
    fn nothing_is_suggested_from_an_unhelpful_text_or_a_category_the_comune_lacks() {
        assert_eq!(suggest_category("Per favore intervenite", all()), None);
        assert_eq!(suggest_category("", all()), None);
        assert_eq!(suggest_category("Una buca", ["waste", "other"]), None);
    }
}
