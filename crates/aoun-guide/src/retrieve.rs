//! Retrieval: which card a question is about, and which aspect it asks.
//!
//! Cards are indexed by the words of their names and of the ways people ask for them.
//! Arabic words are compared by skeleton (no article, no long vowels inside), Latin words
//! exactly or with a small spelling distance, and Arabizi words also through their
//! Arabic transliteration. Rare words weigh more (inverse document frequency).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::lang::{is_arabizi_word, Lang};
use crate::normalize::{arabic_skeletons, arabizi_to_arabic, is_arabic_word, normalize, words};
use crate::pack::{Aspect, Card};

/// A word of the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Latin(String),
    Arabic(String),
}

/// A card and how well a question matches it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the card in the pack.
    pub card: usize,
    /// Match score; higher is better. Scores above about 3 are confident.
    pub score: f32,
}

/// The retrieval index of a pack.
#[derive(Debug, Clone, Default)]
pub struct Index {
    cards: Vec<HashMap<Key, f32>>,
    idf: HashMap<Key, f32>,
}

const NAME_WEIGHT: f32 = 2.0;
const ASK_WEIGHT: f32 = 1.0;

/// Words that say nothing about which procedure is meant.
const STOPWORDS: &[&str] = &[
    // French
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
    "j",
    "est",
    "et",
    "a",
    "au",
    "aux",
    "en",
    "dans",
    "sur",
    "avec",
    "mon",
    "ma",
    "mes",
    "ton",
    "ta",
    "son",
    "sa",
    "ses",
    "il",
    "elle",
    "on",
    "nous",
    "vous",
    "ce",
    "cet",
    "cette",
    "ca",
    "qui",
    "que",
    "quoi",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "faut",
    "veux",
    "voudrais",
    "voudrai",
    "peux",
    "peut",
    "faire",
    "fait",
    "obtenir",
    "avoir",
    "ai",
    "suis",
    "etre",
    "bonjour",
    "salut",
    "svp",
    "merci",
    "stp",
    "s",
    "plait",
    "ou",
    "ouu",
    "comment",
    "combien",
    "moi",
    "pas",
    "ne",
    "y",
    "me",
    "se",
    "mais",
    "donc",
    "besoin",
    "demande",
    "demander",
    "nouveau",
    "nouvelle",
    "est-ce",
    "si",
    "par",
    // English
    "the",
    "an",
    "i",
    "my",
    "me",
    "to",
    "for",
    "of",
    "is",
    "are",
    "do",
    "does",
    "how",
    "what",
    "where",
    "when",
    "which",
    "can",
    "could",
    "would",
    "want",
    "need",
    "get",
    "please",
    "hello",
    "hi",
    "it",
    "and",
    "or",
    "in",
    "on",
    "at",
    "with",
    "much",
    "many",
    "there",
    "should",
    "you",
    "your",
    "from",
    "this",
    "that",
    "be",
    "have",
    "has",
    "am",
    "will",
    "new",
    "about",
    "tell",
    // Darija in Latin letters
    "bghit",
    "bghina",
    "kifach",
    "kifash",
    "kifech",
    "wach",
    "wash",
    "dyal",
    "dial",
    "dyali",
    "diali",
    "chno",
    "achno",
    "shno",
    "khass",
    "khassni",
    "khasni",
    "khsni",
    "bach",
    "daba",
    "ana",
    "f",
    "fin",
    "fine",
    "had",
    "hadi",
    "3afak",
    "salam",
    "slm",
    "wla",
    "ila",
    "chi",
    "m3a",
    "3la",
    "ndir",
    "ndiro",
    "n",
    "l",
    "ch7al",
    "chhal",
    "sh7al",
    "kayn",
    "kayna",
    "wakha",
    "mn",
    "li",
    "w",
    "o",
    "b",
    "bla",
    "nta",
    "ntiya",
    "lah",
    "afak",
    "merci",
    "ah",
    // Arabic and Darija in Arabic script
    "في",
    "من",
    "على",
    "الى",
    "الي",
    "عن",
    "ما",
    "ماذا",
    "هل",
    "كيف",
    "اين",
    "متى",
    "كم",
    "اريد",
    "اود",
    "انا",
    "لي",
    "هو",
    "هي",
    "ان",
    "او",
    "و",
    "يا",
    "بغيت",
    "كيفاش",
    "شحال",
    "فين",
    "واش",
    "ديال",
    "ديالي",
    "شنو",
    "اشنو",
    "خاصني",
    "خاص",
    "باش",
    "دابا",
    "هاد",
    "هادي",
    "عافاك",
    "السلام",
    "عليكم",
    "شي",
    "بلا",
    "ولا",
    "مع",
    "ليا",
    "نعرف",
    "اعرف",
    "الذي",
    "التي",
    "هذا",
    "هذه",
    "ذلك",
    "يجب",
    "علي",
    "نحتاج",
    "احتاج",
    "ممكن",
    "بغينا",
    "شكرا",
    "مرحبا",
    "كاين",
];

/// Stopwords and single words that show an aspect ("combien", "شحال", "online") say
/// nothing about the procedure: they are left out of card matching.
fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w) || w.chars().count() < 2 || is_cue_word(w)
}

fn is_cue_word(w: &str) -> bool {
    normalized_cues().iter().any(|(_, _, c)| c == w)
}

/// The cues, normalised once: (aspect, weight, normalised cue).
fn normalized_cues() -> &'static [(Aspect, f32, String)] {
    static CACHE: OnceLock<Vec<(Aspect, f32, String)>> = OnceLock::new();
    CACHE.get_or_init(|| {
        CUES.iter()
            .flat_map(|(a, w, cues)| cues.iter().map(move |c| (*a, *w, normalize(c))))
            .collect()
    })
}

fn latin_word_keys(w: &str, arabizi: bool) -> Vec<Key> {
    let mut keys = vec![Key::Latin(w.to_string())];
    if arabizi {
        if let Some(ar) = arabizi_to_arabic(w) {
            keys.extend(arabic_skeletons(&ar).into_iter().map(Key::Arabic));
        }
    }
    keys
}

fn word_keys(w: &str, arabizi: bool) -> Vec<Key> {
    if is_arabic_word(w) {
        arabic_skeletons(w)
            .into_iter()
            .filter(|s| s.chars().count() >= 2)
            .map(Key::Arabic)
            .collect()
    } else {
        latin_word_keys(w, arabizi)
    }
}

impl Index {
    /// Builds the index of a pack's cards.
    pub fn build(cards: &[Card]) -> Index {
        let mut per_card: Vec<HashMap<Key, f32>> = Vec::with_capacity(cards.len());
        for card in cards {
            let mut keys: HashMap<Key, f32> = HashMap::new();
            let mut add = |phrase: &str, weight: f32, arabizi: bool| {
                let norm = normalize(phrase);
                for w in words(&norm) {
                    if is_stopword(w) {
                        continue;
                    }
                    for k in word_keys(w, arabizi) {
                        let e = keys.entry(k).or_insert(0.0);
                        *e = e.max(weight);
                    }
                }
            };
            let n = &card.names;
            for p in n.ar.iter().chain(&n.ary).chain(&n.fr).chain(&n.en) {
                add(p, NAME_WEIGHT, false);
            }
            for p in &n.arabizi {
                add(p, NAME_WEIGHT, true);
            }
            let a = &card.asks;
            for p in a.ar.iter().chain(&a.ary).chain(&a.fr).chain(&a.en) {
                add(p, ASK_WEIGHT, false);
            }
            for p in &a.arabizi {
                add(p, ASK_WEIGHT, true);
            }
            per_card.push(keys);
        }
        let mut df: HashMap<Key, usize> = HashMap::new();
        for keys in &per_card {
            for k in keys.keys() {
                *df.entry(k.clone()).or_insert(0) += 1;
            }
        }
        let n = per_card.len().max(1) as f32;
        let idf = df
            .into_iter()
            .map(|(k, d)| (k, (1.0 + n / d as f32).ln()))
            .collect();
        Index {
            cards: per_card,
            idf,
        }
    }

    /// Scores every card for a question, best first. Cards that match nothing are left out.
    pub fn search(&self, text: &str, lang: Lang) -> Vec<Hit> {
        let norm = normalize(text);
        let query: Vec<Vec<Key>> = words(&norm)
            .into_iter()
            .filter(|w| !is_stopword(w))
            .take(60)
            .map(|w| word_keys(w, lang == Lang::Ary || is_arabizi_word(w)))
            .collect();
        let mut hits: Vec<Hit> = Vec::new();
        for (i, keys) in self.cards.iter().enumerate() {
            let mut score = 0.0;
            for qkeys in &query {
                let mut best: f32 = 0.0;
                for qk in qkeys {
                    for (ck, weight) in keys {
                        let quality = match_quality(qk, ck);
                        if quality > 0.0 {
                            let idf = self.idf.get(ck).copied().unwrap_or(0.0);
                            best = best.max(quality * weight * idf);
                        }
                    }
                }
                score += best;
            }
            if score > 0.0 {
                hits.push(Hit { card: i, score });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.card.cmp(&b.card)));
        hits
    }
}

/// How well a question word matches a card word: 1 for the same word, less for a near
/// spelling, 0 for no match.
fn match_quality(q: &Key, c: &Key) -> f32 {
    match (q, c) {
        (Key::Arabic(a), Key::Arabic(b)) if a == b => 1.0,
        (Key::Latin(a), Key::Latin(b)) => latin_quality(a, b),
        _ => 0.0,
    }
}

fn latin_quality(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let shorter = la.min(lb);
    if shorter < 4 {
        return 0.0;
    }
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    if prefix >= 6 && prefix * 10 >= shorter * 7 {
        return 0.8;
    }
    if shorter >= 5 && la.abs_diff(lb) <= 2 {
        let d = levenshtein(a, b);
        if d <= 1 || (shorter >= 8 && d <= 2) {
            return 0.8;
        }
    }
    0.0
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Words and phrases that show which aspect is asked, with their weight.
const CUES: &[(Aspect, f32, &[&str])] = &[
    (
        Aspect::Documents,
        1.0,
        &[
            "papiers",
            "papier",
            "documents",
            "document",
            "pieces",
            "piece",
            "dossier",
            "fournir",
            "apporter",
            "justificatifs",
            "ramener",
            "papers",
            "bring",
            "requirements",
            "required",
            "need to bring",
            "what do i need",
            "lwra9",
            "lwraq",
            "wra9",
            "wraq",
            "lwara9",
            "l wra9",
            "lpapier",
            "lpapiers",
            "khassni",
            "chno khass",
            "achno khass",
            "شنو خاص",
            "اش خاص",
            "خاصني",
            "الوثائق",
            "وثائق",
            "الاوراق",
            "اوراق",
            "الوراق",
            "لوراق",
            "المستندات",
            "مستندات",
            "الملف",
            "المطلوبه",
            "المطلوبة",
            "اللازمة",
            "ماذا احتاج",
            "نجيب معايا",
            "njib m3aya",
            "ndi m3aya",
            "خاصو",
            "خاصها",
            "khasso",
            "khassha",
            "khasha",
            "خاصين",
            "pieces a fournir",
        ],
    ),
    (
        Aspect::Fee,
        1.0,
        &[
            "combien",
            "prix",
            "cout",
            "coute",
            "coutent",
            "tarif",
            "frais",
            "payer",
            "paye",
            "montant",
            "gratuit",
            "gratuite",
            "argent",
            "how much",
            "cost",
            "costs",
            "price",
            "fee",
            "fees",
            "pay",
            "free",
            "money",
            "charge",
            "ch7al",
            "chhal",
            "sh7al",
            "bch7al",
            "b9ach",
            "flous",
            "fabor",
            "kayswa",
            "kaysswa",
            "taman",
            "tamane",
            "thaman",
            "ntkhalas",
            "nkhlas",
            "شحال",
            "بشحال",
            "كم",
            "ثمن",
            "الثمن",
            "تمن",
            "تكلفه",
            "التكلفه",
            "رسوم",
            "الرسوم",
            "سعر",
            "فلوس",
            "مجاني",
            "مجانا",
            "فابور",
            "يكلف",
            "تكلف",
            "المبلغ",
            "كيسوا",
            "نخلص",
            "الواجب",
            "نؤدي",
            "ادفع",
            "اخلص",
            "بكم",
        ],
    ),
    (
        Aspect::Place,
        1.0,
        &[
            "ouu",
            "adresse",
            "bureau",
            "endroit",
            "lieu",
            "deposer",
            "guichet",
            "aller",
            "where",
            "address",
            "office",
            "location",
            "place",
            "fin",
            "fine",
            "fain",
            "mnin",
            "nmchi",
            "فين",
            "اين",
            "وين",
            "المكان",
            "مكان",
            "العنوان",
            "نمشي",
            "اذهب",
            "اتوجه",
            "يودع",
            "اودع",
            "ندفع",
            "ندفعو",
            "اي مكتب",
            "اي اداره",
            "deposit",
            "submit",
        ],
    ),
    (
        Aspect::Hours,
        1.2,
        &[
            "heure",
            "heures",
            "horaire",
            "horaires",
            "ouvert",
            "ouverte",
            "ouvre",
            "ferme",
            "fermeture",
            "ouverture",
            "hours",
            "open",
            "opening",
            "closes",
            "closing",
            "what time",
            "sa3a",
            "sa3at",
            "m7lol",
            "m7loul",
            "kay7lo",
            "kaysdo",
            "kayhlo",
            "ساعات",
            "الساعه",
            "مفتوح",
            "محلول",
            "يفتح",
            "تفتح",
            "يغلق",
            "تغلق",
            "الاوقات",
            "اوقات",
            "كيحلو",
            "كيسدو",
        ],
    ),
    (
        Aspect::Delay,
        1.5,
        &[
            "delai",
            "delais",
            "combien de temps",
            "temps",
            "duree",
            "jours",
            "semaines",
            "pret",
            "prete",
            "attendre",
            "ca prend",
            "how long",
            "long",
            "delay",
            "days",
            "weeks",
            "time",
            "ready",
            "wait",
            "takes",
            "lwa9t",
            "wa9t",
            "l9t",
            "ytwel",
            "kaytwel",
            "kayakhod",
            "kataxod",
            "katakhod",
            "ykon wajed",
            "wajed",
            "iyam",
            "nhar",
            "nhara",
            "ayam",
            "chhal mn nhar",
            "المده",
            "مده",
            "كم يوم",
            "ايام",
            "يوم",
            "متى",
            "امتى",
            "امتا",
            "الاجل",
            "اجل",
            "يستغرق",
            "تستغرق",
            "كتاخد",
            "كياخد",
            "كيطول",
            "غيطول",
            "جاهز",
            "جاهزه",
            "واجد",
            "واجده",
            "الوقت",
            "وقت",
            "imta",
            "fo9ach",
            "فوقاش",
            "كتطول",
            "تطول",
            "katwel",
            "kattwel",
            "نفس النهار",
            "النهار",
            "كتخرج",
        ],
    ),
    (
        Aspect::Steps,
        0.5,
        &[
            "comment",
            "etapes",
            "etape",
            "procedure",
            "demarche",
            "demarches",
            "how",
            "steps",
            "procedure",
            "process",
            "apply",
            "obtain",
            "kifach",
            "kifash",
            "kifech",
            "كيف",
            "كيفاش",
            "خطوات",
            "الخطوات",
            "الاجراءات",
            "اجراءات",
            "المسطره",
            "مسطره",
            "ندير",
            "نعمل",
            "احصل",
            "الحصول",
            "نخرج",
            "nkhrej",
            "nakhod",
            "ndir",
        ],
    ),
    (
        Aspect::Online,
        1.3,
        &[
            "internet",
            "en ligne",
            "ligne",
            "site",
            "web",
            "portail",
            "application",
            "distance",
            "online",
            "website",
            "app",
            "portal",
            "lantirnet",
            "lanternet",
            "anlayn",
            "onlayn",
            "الانترنت",
            "انترنت",
            "الانترانيت",
            "موقع",
            "الموقع",
            "الكتروني",
            "الكترونيا",
            "عن بعد",
            "اونلاين",
            "بوابه",
            "البوابه",
            "تطبيق",
            "لانترنيت",
            "الانترنيت",
        ],
    ),
];

/// Order used to break ties between aspects.
const PRIORITY: [Aspect; 7] = [
    Aspect::Online,
    Aspect::Fee,
    Aspect::Delay,
    Aspect::Documents,
    Aspect::Hours,
    Aspect::Place,
    Aspect::Steps,
];

fn cue_in(norm: &str, ws: &[&str], c: &str) -> bool {
    if c.contains(' ') {
        return format!(" {norm} ").contains(&format!(" {c} "));
    }
    ws.iter().any(|w| {
        if *w == c {
            return true;
        }
        // Arabic clitics glued to the cue: والوثائق, بشحال, فالانترنت.
        if is_arabic_word(w) && c.chars().count() >= 3 {
            for p in ["و", "ب", "ف", "ل", "وال", "بال", "فال", "ال"] {
                if w.strip_prefix(p) == Some(c) {
                    return true;
                }
            }
        }
        false
    })
}

/// The aspect a question asks, if any cue shows it.
pub fn detect_aspect(text: &str) -> Option<Aspect> {
    let norm = normalize(text);
    let ws = words(&norm);
    let mut best: Option<(Aspect, f32)> = None;
    for aspect in PRIORITY {
        let mut score = 0.0;
        for (a, weight, cue) in normalized_cues() {
            if *a == aspect && cue_in(&norm, &ws, cue) {
                // Phrases weigh more than single words.
                score += if cue.contains(' ') {
                    weight * 2.0
                } else {
                    *weight
                };
            }
        }
        if score > 0.0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((aspect, score));
        }
    }
    best.map(|(a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspects_are_detected() {
        assert_eq!(
            detect_aspect("combien coûte le passeport"),
            Some(Aspect::Fee)
        );
        assert_eq!(
            detect_aspect("combien de temps pour le passeport"),
            Some(Aspect::Delay)
        );
        assert_eq!(detect_aspect("w ch7al?"), Some(Aspect::Fee));
        assert_eq!(detect_aspect("شنو خاصني من وراق"), Some(Aspect::Documents));
        assert_eq!(detect_aspect("où déposer le dossier"), Some(Aspect::Place));
        assert_eq!(detect_aspect("passeport"), None);
        assert_eq!(detect_aspect("واش كاين فالانترنت"), Some(Aspect::Online));
    }

    #[test]
    fn spelling_distance() {
        assert!(latin_quality("pasport", "passport") > 0.0);
        assert!(latin_quality("renouvellement", "renouveler") > 0.0);
        assert_eq!(latin_quality("carte", "casier"), 0.0);
    }
}
