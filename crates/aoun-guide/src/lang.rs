//! Which of the four language forms a text is written in.

pub use aoun_core::Lang;

use crate::normalize::{is_arabic_word, normalize, words};

/// Darija words in Arabic script.
const DARIJA_ARABIC: &[&str] = &[
    "بغيت",
    "كيفاش",
    "شحال",
    "بشحال",
    "فين",
    "واش",
    "ديال",
    "ديالي",
    "شنو",
    "اشنو",
    "خاصني",
    "خاص",
    "خصني",
    "باش",
    "دابا",
    "بزاف",
    "كنبغي",
    "نخرج",
    "ندير",
    "نديرو",
    "نجدد",
    "فابور",
    "الباسبور",
    "لاكارط",
    "الوراق",
    "لوراق",
    "كاين",
    "كاينه",
    "واخا",
    "علاش",
    "منين",
    "فوقاش",
    "امتا",
    "امتى",
    "غادي",
    "كيخص",
    "خاصهم",
    "عافاك",
    "نعرف",
    "بلا",
    "مزيان",
    "هادي",
    "هاد",
    "ولا",
    "كتاخد",
    "كياخد",
    "كيطول",
    "نمشي",
    "كنقلب",
    "بغينا",
    "نقدر",
    "ليا",
    "شي",
    "فلوس",
];

/// Darija words in Latin letters (Arabizi).
const DARIJA_LATIN: &[&str] = &[
    "bghit", "bghina", "kifach", "kifash", "kifech", "ch7al", "sh7al", "chhal", "chhal", "b7al",
    "bch7al", "wach", "wash", "dyal", "dial", "dyali", "diali", "chno", "achno", "shno", "khass",
    "khassni", "khasni", "khsni", "bach", "daba", "bzaf", "ndir", "ndiro", "njded", "njadded",
    "nkhrej", "nakhod", "nakhed", "lwra9", "lwraq", "l3a9d", "3afak", "wakha", "kayn", "kayna",
    "kayen", "fin", "fine", "mnin", "imta", "fo9ach", "wla", "hadi", "had", "ghadi", "lkarta",
    "lbitaka", "lbita9a", "lpasspor", "lpaspor", "lbasbor", "ana", "dyalo", "bla", "mzyan",
    "ytwel", "kat7taj", "kaykhass", "kayakhod", "kanbghi", "nbghi", "nmchi", "fabor", "batel",
    "flous", "chi", "ila", "9raya", "l7ala", "lmadania", "tswira", "sowar", "m3a", "3la", "f",
];

/// Darija words in Latin letters that are also French or English words.
const WEAK_DARIJA: &[&str] = &["f", "fin", "fine", "ana", "had", "bla", "ila", "chi"];

const FRENCH: &[&str] = &[
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "un",
    "une",
    "pour",
    "je",
    "est",
    "comment",
    "combien",
    "quels",
    "quelle",
    "quel",
    "faut",
    "il",
    "mon",
    "ma",
    "mes",
    "et",
    "avec",
    "dans",
    "sur",
    "faire",
    "veux",
    "voudrais",
    "obtenir",
    "demande",
    "papiers",
    "prix",
    "ou",
    "ouu",
    "au",
    "aux",
    "en",
    "ligne",
    "renouveler",
    "carte",
    "extrait",
    "acte",
    "naissance",
    "bonjour",
    "svp",
    "vous",
    "nous",
    "on",
    "peut",
    "peux",
    "coute",
    "delai",
    "temps",
    "quand",
    "qui",
    "quoi",
];

const ENGLISH: &[&str] = &[
    "the",
    "a",
    "an",
    "how",
    "what",
    "where",
    "when",
    "is",
    "are",
    "do",
    "does",
    "i",
    "my",
    "to",
    "for",
    "of",
    "get",
    "need",
    "much",
    "cost",
    "can",
    "which",
    "long",
    "take",
    "it",
    "and",
    "renew",
    "card",
    "birth",
    "certificate",
    "hello",
    "please",
    "you",
    "apply",
    "open",
    "papers",
    "documents",
    "online",
    "want",
    "should",
    "there",
    "with",
];

/// Detects the language form of a text from its script and vocabulary.
///
/// The main language decides: a text whose Arabic-script words are at least as many as its
/// Latin ones, or that holds a Darija word in Arabic script, is Arabic, so "خاصني extrait de
/// naissance فين نمشي" (Darija with a French term) is Darija. Arabic-script text gives Darija
/// when Darija words are present, else Modern Standard Arabic. A hint from speech
/// recognition wins otherwise, except that an Arabic hint becomes Darija when the text holds
/// Darija words. Latin letters give Darija when Arabizi digits (3, 7, 9 inside words) or
/// Darija words are present, else French or English by their common words (French when
/// undecided).
pub fn detect(text: &str, hint: Option<Lang>) -> Lang {
    let norm = normalize(text);
    let ws = words(&norm);
    let darija_ar = ws.iter().filter(|w| DARIJA_ARABIC.contains(w)).count();
    let darija_lat = ws
        .iter()
        .filter(|w| DARIJA_LATIN.contains(w) || is_arabizi_word(w))
        .count();
    let arabic_words = ws.iter().filter(|w| is_arabic_word(w)).count();
    let latin_words = ws
        .iter()
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .count();
    let arabic_main = arabic_words > 0 && (arabic_words >= latin_words || darija_ar > 0);
    match hint {
        Some(Lang::Ar) => {
            return if darija_ar + darija_lat > 0 {
                Lang::Ary
            } else {
                Lang::Ar
            }
        }
        Some(other) if !arabic_main => return other,
        _ => {}
    }
    if arabic_main {
        return if darija_ar > 0 { Lang::Ary } else { Lang::Ar };
    }
    let fr = ws.iter().filter(|w| FRENCH.contains(w)).count();
    let en = ws.iter().filter(|w| ENGLISH.contains(w)).count();
    // Some Darija words are also French or English words ("fin", "fine", "had"): they
    // only count when nothing else decides. Any other Darija word decides.
    let strong_darija = ws
        .iter()
        .filter(|w| (DARIJA_LATIN.contains(w) && !WEAK_DARIJA.contains(w)) || is_arabizi_word(w))
        .count();
    if strong_darija > 0 {
        return Lang::Ary;
    }
    if darija_lat > fr.max(en) {
        return Lang::Ary;
    }
    if en > fr {
        Lang::En
    } else {
        Lang::Fr
    }
}

/// True for a Latin word that uses Arabizi digits between letters, such as `ch7al`,
/// `3afak` or `lwra9`.
pub fn is_arabizi_word(word: &str) -> bool {
    let has_letter = word.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = word
        .chars()
        .any(|c| matches!(c, '2' | '3' | '5' | '7' | '9'));
    has_letter && has_digit && word.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_four_forms() {
        assert_eq!(detect("كيف أحصل على جواز السفر؟", None), Lang::Ar);
        assert_eq!(detect("بغيت نجدد لاكارط", None), Lang::Ary);
        assert_eq!(detect("ch7al kayswa lpasspor?", None), Lang::Ary);
        assert_eq!(detect("Combien coûte le passeport ?", None), Lang::Fr);
        assert_eq!(detect("How much is the passport?", None), Lang::En);
        assert_eq!(
            detect("bghit n renouveler la carte nationale", None),
            Lang::Ary
        );
    }

    #[test]
    fn the_main_language_decides_over_a_french_term() {
        let darija = "خاصني extrait de naissance فين نمشي";
        assert_eq!(detect(darija, None), Lang::Ary);
        assert_eq!(detect(darija, Some(Lang::Fr)), Lang::Ary);
        assert_eq!(detect("أريد extrait de naissance من فضلك", None), Lang::Ar);
        assert_eq!(
            detect(
                "Comment obtenir l'extrait d'acte de naissance بالرباط ?",
                None
            ),
            Lang::Fr
        );
        assert_eq!(detect("How do I renew my CNIE في الرباط?", None), Lang::En);
    }

    #[test]
    fn hint_wins_but_arabic_hint_can_become_darija() {
        assert_eq!(detect("passport", Some(Lang::Fr)), Lang::Fr);
        assert_eq!(detect("شحال كيسوا الباسبور", Some(Lang::Ar)), Lang::Ary);
        assert_eq!(Lang::from_whisper_code("fr"), Some(Lang::Fr));
        assert_eq!(Lang::from_whisper_code("xx"), None);
    }
}
