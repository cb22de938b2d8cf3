//! The grounding guard: a candidate answer may only name numbers, amounts, dates,
//! documents, offices and websites that its card states.
//!
//! The guard is deliberately strict. When it refuses a text written by a language model,
//! the caller speaks the card's own template instead, which always passes (the pack
//! checker runs the guard on every template).

use std::collections::BTreeSet;

use crate::lang::Lang;
use crate::normalize::{is_arabic_word, normalize, words};
use crate::pack::{card_templates, Card, Lexicon, MAX_DETAILS_CHARS};

/// Why a candidate answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardViolation {
    /// The answer names a card the guide does not have.
    #[error("the answer refers to the card '{0}', which is not in the pack")]
    UnknownCard(String),
    /// The candidate text is empty.
    #[error("the candidate answer is empty")]
    Empty,
    /// The candidate text is too long to be a short spoken answer.
    #[error("the candidate answer has {0} characters, more than a spoken answer may have")]
    TooLong(usize),
    /// A number (digits or words) that no fact of the card states.
    #[error("the number {0} is not stated by any fact of the card")]
    Number(String),
    /// The text says the procedure is free, which no fact of the card states.
    #[error("the word '{0}' says it is free, which no fact of the card states")]
    FreeClaim(String),
    /// A document the card does not list.
    #[error("the document '{0}' is not named by the card")]
    Document(String),
    /// An office the card does not list.
    #[error("the office '{0}' is not named by the card")]
    Office(String),
    /// A website the card does not cite.
    #[error("the website '{0}' is not cited by the card")]
    Website(String),
    /// The text names another procedure than the card's.
    #[error("the answer names '{0}', another procedure than the card's")]
    OtherProcedure(String),
    /// The text leaves out what the reference answer says (a number, or most of its words).
    #[error("the answer leaves out '{0}', which the reference answer states")]
    Omits(String),
}

/// Share of the reference answer's content words a rephrasing must keep.
pub const MIN_COVERAGE: f32 = 0.5;

/// Checks that a rephrasing keeps the substance of the reference answer: every number it
/// states, and at least [`MIN_COVERAGE`] of its content words (four letters or more). A model
/// that answers beside the point ("The answer is: ...") names nothing false, so only this
/// check catches it.
pub fn check_coverage(reference: &str, candidate: &str) -> Result<(), GuardViolation> {
    let kept = numbers_in(candidate);
    if let Some(n) = numbers_in(reference)
        .into_iter()
        .find(|n| !kept.contains(n))
    {
        return Err(GuardViolation::Omits(n.to_string()));
    }
    let candidate = normalize(candidate);
    let candidate_words: BTreeSet<&str> = words(&candidate).into_iter().collect();
    let reference = normalize(reference);
    let content: Vec<&str> = words(&reference)
        .into_iter()
        .filter(|w| w.chars().count() >= 4)
        .collect();
    let missing: Vec<&str> = content
        .iter()
        .copied()
        .filter(|w| !candidate_words.contains(w))
        .collect();
    if content.is_empty()
        || (content.len() - missing.len()) as f32 >= MIN_COVERAGE * content.len() as f32
    {
        return Ok(());
    }
    Err(GuardViolation::Omits(missing.join(" ")))
}

/// Words that claim a procedure costs nothing.
const FREE_WORDS: &[&str] = &[
    "free",
    "gratuit",
    "gratuite",
    "gratuits",
    "gratuites",
    "gratuitement",
    "fabor",
    "faboor",
    "batel",
    "mjjana",
    "مجاني",
    "مجانيه",
    "مجانا",
    "بالمجان",
    "فابور",
    "باطل",
];

/// Number words, with their values. 100 and 1000 multiply.
const NUMBER_WORDS: &[(&str, u64)] = &[
    ("zero", 0),
    ("zéro", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("hundred", 100),
    ("thousand", 1000),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("sept", 7),
    ("huit", 8),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("seize", 16),
    ("vingt", 20),
    ("vingts", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
    ("soixante", 60),
    ("cent", 100),
    ("cents", 100),
    ("mille", 1000),
    ("صفر", 0),
    ("واحد", 1),
    ("اثنان", 2),
    ("اثنين", 2),
    ("جوج", 2),
    ("زوج", 2),
    ("ثلاث", 3),
    ("ثلاثه", 3),
    ("تلاته", 3),
    ("تلت", 3),
    ("اربع", 4),
    ("اربعه", 4),
    ("ربعه", 4),
    ("خمس", 5),
    ("خمسه", 5),
    ("ست", 6),
    ("سته", 6),
    ("سبع", 7),
    ("سبعه", 7),
    ("ثمان", 8),
    ("ثمانيه", 8),
    ("تمنيه", 8),
    ("تسع", 9),
    ("تسعه", 9),
    ("عشر", 10),
    ("عشره", 10),
    ("عشرين", 20),
    ("عشرون", 20),
    ("ثلاثين", 30),
    ("ثلاثون", 30),
    ("تلاتين", 30),
    ("اربعين", 40),
    ("ربعين", 40),
    ("خمسين", 50),
    ("خمسون", 50),
    ("ستين", 60),
    ("سبعين", 70),
    ("ثمانين", 80),
    ("تمانين", 80),
    ("تسعين", 90),
    ("مائه", 100),
    ("مايه", 100),
    ("ميه", 100),
    ("مئه", 100),
    ("مئتان", 200),
    ("مئتين", 200),
    ("ميتين", 200),
    ("ثلاثمائه", 300),
    ("ثلاثمايه", 300),
    ("اربعمائه", 400),
    ("خمسمائه", 500),
    ("خمسمايه", 500),
    ("خمسميه", 500),
    ("ستمائه", 600),
    ("الف", 1000),
    ("الاف", 1000),
    ("ثلاثمائة", 300),
];

fn number_word(word: &str) -> Option<u64> {
    let lookup = |w: &str| NUMBER_WORDS.iter().find(|(n, _)| *n == w).map(|(_, v)| *v);
    lookup(word).or_else(|| {
        // Arabic "and" glued to a number: وخمسين.
        word.strip_prefix('و')
            .filter(|r| r.chars().count() >= 3)
            .and_then(lookup)
    })
}

/// Every number a text states: digit sequences, and runs of number words (values of one
/// are skipped: in French and English they are mostly articles).
pub fn numbers_in(text: &str) -> BTreeSet<u64> {
    let norm = normalize(text);
    let mut out = BTreeSet::new();
    // Digit sequences, inside words too ("8h30").
    let mut digits = String::new();
    for c in norm.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            let value = if trimmed.is_empty() {
                Some(0)
            } else {
                trimmed.get(..18).unwrap_or(trimmed).parse::<u64>().ok()
            };
            if let Some(v) = value {
                out.insert(v);
            }
            digits.clear();
        }
    }
    // Number words.
    let ws = words(&norm);
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut in_run = false;
    let mut prev: Option<u64> = None;
    let flush = |total: &mut u64, current: &mut u64, in_run: &mut bool, out: &mut BTreeSet<u64>| {
        if *in_run {
            let v = total.saturating_add(*current);
            if v != 1 {
                out.insert(v);
            }
        }
        *total = 0;
        *current = 0;
        *in_run = false;
    };
    for w in ws {
        match number_word(w) {
            Some(v) => {
                in_run = true;
                if v == 100 {
                    current = current.max(1).saturating_mul(100);
                } else if v == 1000 {
                    total = total.saturating_add(current.max(1).saturating_mul(1000));
                    current = 0;
                } else if v == 20 && prev == Some(4) {
                    // quatre-vingt(s)
                    current = current.saturating_sub(4).saturating_add(80);
                } else {
                    current = current.saturating_add(v);
                }
                prev = Some(v);
            }
            None if in_run && matches!(w, "و" | "and" | "et") => {}
            None => {
                flush(&mut total, &mut current, &mut in_run, &mut out);
                prev = None;
            }
        }
    }
    flush(&mut total, &mut current, &mut in_run, &mut out);
    out
}

/// Websites named in a text, lower case (`passeport.ma`, `www.cnss.ma`).
pub fn websites_in(text: &str) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut out = BTreeSet::new();
    for raw in lower.split(|c: char| {
        !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '/' || c == ':')
    }) {
        let w = raw.trim_matches(|c: char| c == '.' || c == '/' || c == ':' || c == '-');
        let w = w
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let host = w.split('/').next().unwrap_or("");
        let host = host.trim_start_matches("www.");
        let Some((_, tld)) = host.rsplit_once('.') else {
            continue;
        };
        if tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_lowercase())
            && host.chars().any(|c| c.is_ascii_alphabetic())
            && !host.starts_with('.')
        {
            out.insert(host.to_string());
        }
    }
    out
}

/// True when a normalised term occurs in normalised text: whole words for Latin terms,
/// anywhere for Arabic terms (Arabic glues articles and prepositions to words).
pub fn term_in(norm_text: &str, term: &str) -> bool {
    let t = normalize(term);
    if t.is_empty() {
        return false;
    }
    if is_arabic_word(&t) {
        // The article may be replaced by a preposition: المحكمة → للمحكمة, بالمحكمة.
        let stem = t.strip_prefix("ال").filter(|s| s.chars().count() >= 3);
        norm_text.contains(&t) || stem.is_some_and(|s| norm_text.contains(s))
    } else {
        format!(" {norm_text} ").contains(&format!(" {t} "))
    }
}

/// Everything a card states, in all its languages: the allowed numbers, websites and
/// lexicon ids.
struct Allowed {
    numbers: BTreeSet<u64>,
    websites: BTreeSet<String>,
    refs: BTreeSet<String>,
    free: bool,
}

fn allowed(card: &Card) -> Allowed {
    let mut numbers = BTreeSet::new();
    let mut websites = BTreeSet::new();
    let mut refs: BTreeSet<String> = card.refs.iter().cloned().collect();
    let mut free = false;
    for f in &card.facts {
        let mut texts: Vec<&str> = f.say.all().into_iter().map(|(_, t)| t).collect();
        if let Some(d) = &f.details {
            texts.extend(d.all().into_iter().map(|(_, t)| t));
        }
        for t in texts {
            numbers.extend(numbers_in(t));
            websites.extend(websites_in(t));
            let norm = normalize(t);
            if words(&norm).iter().any(|w| FREE_WORDS.contains(w)) {
                free = true;
            }
        }
        websites.extend(websites_in(&f.source));
        if let Some(a) = f.amount_dh {
            numbers.insert(u64::from(a));
            if a == 0 {
                free = true;
            }
        }
        refs.extend(f.refs.iter().cloned());
    }
    Allowed {
        numbers,
        websites,
        refs,
        free,
    }
}

/// The first name of another card's procedure that `text` holds, unless `card` names that
/// procedure too or states it in its own texts (the social aid's card names the register it
/// needs). A rewording that names another procedure answers another question.
pub fn other_procedure<'a>(card: &Card, cards: &'a [Card], text: &str) -> Option<&'a str> {
    let norm = normalize(text);
    let mut named = cards
        .iter()
        .filter(|other| other.id != card.id)
        .flat_map(|other| other.names.all())
        .filter(|name| term_in(&norm, name))
        .peekable();
    // Most sentences name no other procedure: the card's own texts are read only for one
    // that does, since this runs on every sentence a model writes.
    named.peek()?;
    let own: Vec<String> = card_templates(card)
        .into_iter()
        .map(|(_, t)| normalize(t))
        .collect();
    named
        .find(|name| {
            !Lang::ALL.into_iter().any(|lang| card.named_in(name, lang))
                && !own.iter().any(|t| term_in(t, name))
        })
        .map(String::as_str)
}

/// Checks a candidate text against a card: see the module documentation.
pub fn check_text(card: &Card, lexicon: &Lexicon, text: &str) -> Result<(), GuardViolation> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return Err(GuardViolation::Empty);
    }
    if chars > MAX_DETAILS_CHARS + 100 {
        return Err(GuardViolation::TooLong(chars));
    }
    let ok = allowed(card);
    for n in numbers_in(text) {
        if !ok.numbers.contains(&n) {
            return Err(GuardViolation::Number(n.to_string()));
        }
    }
    let norm = normalize(text);
    if !ok.free {
        if let Some(w) = words(&norm).into_iter().find(|w| FREE_WORDS.contains(w)) {
            return Err(GuardViolation::FreeClaim(w.to_string()));
        }
    }
    for (id, terms) in &lexicon.documents {
        if let Some(term) = terms.iter().find(|t| term_in(&norm, t)) {
            if !ok.refs.contains(id) {
                return Err(GuardViolation::Document(term.clone()));
            }
        }
    }
    for (id, terms) in &lexicon.offices {
        if let Some(term) = terms.iter().find(|t| term_in(&norm, t)) {
            if !ok.refs.contains(id) {
                return Err(GuardViolation::Office(term.clone()));
            }
        }
    }
    for site in websites_in(text) {
        if !ok.websites.iter().any(|w| {
            w == &site || w.ends_with(&format!(".{site}")) || site.ends_with(&format!(".{w}"))
        }) {
            return Err(GuardViolation::Website(site));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_digits_and_words() {
        let n = numbers_in("Le timbre coûte 500 dirhams, délai 8h30.");
        assert!(n.contains(&500) && n.contains(&8) && n.contains(&30));
        assert!(numbers_in("cinq cents dirhams").contains(&500));
        assert!(numbers_in("five hundred dirhams").contains(&500));
        assert!(numbers_in("خمسمائة درهم").contains(&500));
        assert!(numbers_in("خمس مية درهم").contains(&500));
        assert!(numbers_in("quatre-vingt-dix jours").contains(&90));
        assert!(numbers_in("٧٥ درهم").contains(&75));
        assert!(numbers_in("une photo et un formulaire").is_empty());
    }

    #[test]
    fn websites_are_found() {
        let w = websites_in("Allez sur www.passeport.ma ou https://watiqa.ma/fr.");
        assert!(w.contains("passeport.ma") && w.contains("watiqa.ma"));
        assert!(websites_in("Il coûte 7.5 dirhams.").is_empty());
    }
}
