//! The words the guide uses to understand a question: stopwords, which say nothing about
//! the procedure meant, and cues, which show the aspect asked.
//!
//! They come from the pack's `words.toml`, so an administration can extend them, and are
//! normalised once, when the pack is loaded.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use crate::normalize::{is_arabic, is_arabic_word, normalize, words};
use crate::pack::{self, Aspect, PackError, Source};

/// The name of the words file in a pack folder.
pub const FILE: &str = "words.toml";

/// The words shipped with Aoun: what a pack without its own words file (one made before packs
/// carried them) understands questions with.
pub const BUILT_IN: &str = include_str!("../../../assets/guide/words.toml");

/// The cues of one aspect, normalised.
#[derive(Debug, Clone, PartialEq)]
struct AspectCues {
    aspect: Aspect,
    weight: f32,
    cues: Vec<String>,
}

/// The words of a loaded pack, normalised: what card matching leaves out, and what shows
/// the aspect a question asks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Words {
    /// Stopwords and single-word cues.
    ignored: HashSet<String>,
    /// The cues of every aspect, in tie-break order.
    aspects: Vec<AspectCues>,
    /// Arabic prefixes that may be glued in front of a cue.
    cue_prefixes: Vec<String>,
    /// Words that name a kind of paper or what one does with it ("carte", "permis",
    /// "register", "تجديد"), not one procedure.
    generic: Vec<String>,
    /// Terms of other administrations ("carte grise", "لاكارط گريز"): the words of one
    /// say nothing about this guide's cards, even a card's own word inside it.
    elsewhere: Vec<String>,
}

impl Words {
    /// True when a normalised word says nothing about which procedure is meant: a
    /// stopword, a single letter, or a word that shows an aspect ("combien", "شحال",
    /// "online").
    pub(crate) fn is_stopword(&self, word: &str) -> bool {
        word.chars().count() < 2 || self.ignored.contains(word)
    }

    /// The generic words, normalised: words that name a kind of paper or what one does
    /// with it, and so never tell alone which procedure is meant.
    pub(crate) fn generic(&self) -> &[String] {
        &self.generic
    }

    /// The terms of other administrations, normalised: words or phrases ("carte grise",
    /// "voiture") whose words, in a question, count as words no card knows.
    pub(crate) fn elsewhere(&self) -> &[String] {
        &self.elsewhere
    }

    /// The aspect a question asks, if any cue shows it.
    pub fn detect_aspect(&self, text: &str) -> Option<Aspect> {
        let norm = normalize(text);
        let ws = words(&norm);
        let mut best: Option<(Aspect, f32)> = None;
        for a in &self.aspects {
            let score: f32 = a
                .cues
                .iter()
                .filter(|cue| self.cue_in(&norm, &ws, cue))
                // Phrases weigh more than single words.
                .map(|cue| {
                    if cue.contains(' ') {
                        a.weight * 2.0
                    } else {
                        a.weight
                    }
                })
                .sum();
            if score > 0.0 && best.is_none_or(|(_, s)| score > s) {
                best = Some((a.aspect, score));
            }
        }
        best.map(|(a, _)| a)
    }

    /// True when the normalised text (`norm`, split into `ws`) holds the cue: a phrase as
    /// whole words, a word alone or, in Arabic, behind a glued prefix (والوثائق, بشحال).
    fn cue_in(&self, norm: &str, ws: &[&str], cue: &str) -> bool {
        if cue.contains(' ') {
            return format!(" {norm} ").contains(&format!(" {cue} "));
        }
        let prefixed = |w: &str| {
            is_arabic_word(w)
                && cue.chars().count() >= 3
                && self
                    .cue_prefixes
                    .iter()
                    .any(|p| w.strip_prefix(p.as_str()) == Some(cue))
        };
        ws.iter().any(|w| *w == cue || prefixed(w))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWords {
    cue_prefixes: Vec<Spanned<String>>,
    stopwords: RawStopwords,
    /// Packs made before generic words were known have none.
    #[serde(default)]
    generic: Vec<Spanned<String>>,
    /// Packs made before other administrations' terms were known have none.
    #[serde(default)]
    elsewhere: Vec<Spanned<String>>,
    aspect: Vec<Spanned<RawAspect>>,
}

/// Stopwords by language form; the lists are only grouped for the editor's sake.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStopwords {
    #[serde(default)]
    ar: Vec<Spanned<String>>,
    #[serde(default)]
    arabizi: Vec<Spanned<String>>,
    #[serde(default)]
    fr: Vec<Spanned<String>>,
    #[serde(default)]
    en: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAspect {
    aspect: Spanned<String>,
    weight: Spanned<f32>,
    cues: Vec<Spanned<String>>,
}

/// Parses and checks a pack's words file. Every problem found is added to `errors`; the
/// words are returned only when there is none.
pub(crate) fn check(src: &Source, errors: &mut Vec<PackError>) -> Option<Words> {
    let raw = match pack::parse::<RawWords>(src) {
        Ok(raw) => raw,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let before = errors.len();
    let line = |offset: usize| pack::line_of(&src.text, offset);

    let cue_prefixes = normalized_list(src, "cue_prefixes", &raw.cue_prefixes, true, errors);
    for p in &raw.cue_prefixes {
        let norm = normalize(p.get_ref());
        if !norm.is_empty() && !norm.chars().all(is_arabic) {
            errors.push(PackError::invalid(
                &src.name,
                line(p.span().start),
                format!(
                    "the cue prefix '{}' is not only Arabic letters, and only Arabic words are stripped of a prefix",
                    p.get_ref()
                ),
            ));
        }
    }

    let s = &raw.stopwords;
    let mut ignored: HashSet<String> = HashSet::new();
    for (lang, list) in [
        ("ar", &s.ar),
        ("arabizi", &s.arabizi),
        ("fr", &s.fr),
        ("en", &s.en),
    ] {
        let what = format!("stopwords in {lang}");
        ignored.extend(normalized_list(src, &what, list, false, errors));
    }

    let generic = normalized_list(src, "generic words", &raw.generic, false, errors);
    let elsewhere = normalized_list(
        src,
        "terms of other administrations",
        &raw.elsewhere,
        true,
        errors,
    );

    let mut aspects: Vec<AspectCues> = Vec::new();
    for table in &raw.aspect {
        let a = table.get_ref();
        let aspect = match pack::fact_aspect(src, &a.aspect) {
            Ok(aspect) => aspect,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if aspects.iter().any(|seen| seen.aspect == aspect) {
            errors.push(PackError::invalid(
                &src.name,
                line(table.span().start),
                format!("the aspect '{aspect}' has a second [[aspect]] table"),
            ));
            continue;
        }
        let weight = *a.weight.get_ref();
        if !(weight.is_finite() && weight > 0.0) {
            errors.push(PackError::invalid(
                &src.name,
                line(a.weight.span().start),
                format!(
                    "the weight of the aspect '{aspect}' must be a positive number, not {weight}"
                ),
            ));
        }
        if a.cues.is_empty() {
            errors.push(PackError::invalid(
                &src.name,
                line(table.span().start),
                format!("the aspect '{aspect}' has no cue"),
            ));
        }
        let what = format!("cues of the aspect '{aspect}'");
        let cues = normalized_list(src, &what, &a.cues, true, errors);
        ignored.extend(cues.iter().filter(|c| !c.contains(' ')).cloned());
        aspects.push(AspectCues {
            aspect,
            weight,
            cues,
        });
    }
    for aspect in Aspect::FACTS {
        if aspects.iter().any(|a| a.aspect == aspect) {
            continue;
        }
        // A words file made before an aspect existed understands it with the shipped cues.
        match shipped_cues(aspect) {
            Some(shipped) => {
                ignored.extend(shipped.cues.iter().filter(|c| !c.contains(' ')).cloned());
                aspects.push(shipped);
            }
            None => errors.push(PackError::invalid(
                &src.name,
                1,
                format!("the aspect '{aspect}' has no [[aspect]] table, and every aspect needs its cues"),
            )),
        }
    }

    // A term made only of words that matching leaves out would never be found.
    for entry in &raw.elsewhere {
        let term = normalize(entry.get_ref());
        if term.is_empty() {
            continue;
        }
        let says_nothing = words(&term)
            .iter()
            .all(|w| w.chars().count() < 2 || ignored.contains(*w));
        if says_nothing {
            errors.push(PackError::invalid(
                &src.name,
                line(entry.span().start),
                format!(
                    "the term of another administration '{}' holds only stopwords or cues, which questions are matched without",
                    entry.get_ref()
                ),
            ));
        }
    }

    (errors.len() == before).then_some(Words {
        ignored,
        aspects,
        cue_prefixes,
        generic,
        elsewhere,
    })
}

/// The cues shipped with Aoun for one aspect, if its words file has them.
fn shipped_cues(aspect: Aspect) -> Option<AspectCues> {
    let src = Source {
        name: FILE.into(),
        text: BUILT_IN.into(),
    };
    let raw = pack::parse::<RawWords>(&src).ok()?;
    let table = raw
        .aspect
        .iter()
        .map(Spanned::get_ref)
        .find(|a| a.aspect.get_ref() == aspect.name())?;
    let mut errors = Vec::new();
    let cues = normalized_list(&src, "cues", &table.cues, true, &mut errors);
    Some(AspectCues {
        aspect,
        weight: *table.weight.get_ref(),
        cues,
    })
}

/// Normalises a list of the words file, reporting every entry that normalises to nothing,
/// that repeats an earlier one once normalised or, unless `phrases`, that holds more than
/// one word. Returns the normalised entries that have no problem.
fn normalized_list(
    src: &Source,
    what: &str,
    list: &[Spanned<String>],
    phrases: bool,
    errors: &mut Vec<PackError>,
) -> Vec<String> {
    let mut first: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let raw = entry.get_ref().as_str();
        let norm = normalize(raw);
        let problem = if norm.is_empty() {
            Some(format!(
                "the {what} hold '{raw}', which has no letter or digit"
            ))
        } else if !phrases && norm.contains(' ') {
            Some(format!(
                "the {what} hold '{raw}', which is more than one word"
            ))
        } else {
            first.get(&norm).map(|earlier| {
                if *earlier == raw {
                    format!("the {what} list '{raw}' twice")
                } else {
                    format!("the {what} list '{raw}' and '{earlier}', which are the same word once normalised")
                }
            })
        };
        match problem {
            Some(message) => errors.push(PackError::invalid(
                &src.name,
                pack::line_of(&src.text, entry.span().start),
                message,
            )),
            None => {
                first.insert(norm.clone(), raw);
                out.push(norm);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Source {
        crate::embedded_sources()
            .into_iter()
            .find(|s| s.name == FILE)
            .expect("the shipped pack has a words file")
    }

    fn shipped_words() -> Words {
        let mut errors = Vec::new();
        let words = check(&shipped(), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        words.expect("the shipped words file is valid")
    }

    /// The errors of the shipped words file with `from` replaced by `to`; each names the
    /// file and is one sentence.
    fn errors_with(from: &str, to: &str) -> Vec<String> {
        let mut src = shipped();
        assert!(src.text.contains(from), "{from}");
        src.text = src.text.replacen(from, to, 1);
        let mut errors = Vec::new();
        assert!(check(&src, &mut errors).is_none(), "{from} -> {to}");
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for e in &text {
            assert!(
                e.starts_with("In the guide pack file words.toml at line "),
                "{e}"
            );
            assert!(e.ends_with('.') && e.matches(". ").count() == 0, "{e}");
        }
        text
    }

    fn assert_error(errors: &[String], expected: &str) {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected}: {errors:?}"
        );
    }

    #[test]
    fn aspects_are_detected() {
        let words = shipped_words();
        let detect = |text: &str| words.detect_aspect(text);
        assert_eq!(detect("combien coûte le passeport"), Some(Aspect::Fee));
        assert_eq!(
            detect("combien de temps pour le passeport"),
            Some(Aspect::Delay)
        );
        assert_eq!(detect("w ch7al?"), Some(Aspect::Fee));
        assert_eq!(detect("شنو خاصني من وراق"), Some(Aspect::Documents));
        assert_eq!(detect("où déposer le dossier"), Some(Aspect::Place));
        assert_eq!(detect("passeport"), None);
        assert_eq!(detect("واش كاين فالانترنت"), Some(Aspect::Online));
    }

    #[test]
    fn stopwords_and_cues_are_left_out_of_matching() {
        let words = shipped_words();
        for w in ["le", "bghit", "ديال", "combien", "شحال", "x"] {
            assert!(words.is_stopword(w), "{w}");
        }
        assert!(!words.is_stopword("passeport"));
    }

    #[test]
    fn an_unknown_aspect_is_an_error() {
        let errors = errors_with("aspect = \"online\"", "aspect = \"onlin\"");
        assert_error(&errors, "the aspect 'onlin' is not one of documents, fee,");
        // The overview is no aspect a cue can show.
        let errors = errors_with("aspect = \"online\"", "aspect = \"overview\"");
        assert_error(&errors, "the aspect 'overview' is not one of");
    }

    #[test]
    fn a_repeated_aspect_is_an_error() {
        let errors = errors_with("aspect = \"online\"", "aspect = \"fee\"");
        assert_error(&errors, "the aspect 'fee' has a second [[aspect]] table");
    }

    #[test]
    fn an_aspect_left_out_is_understood_with_the_shipped_cues() {
        let mut src = shipped();
        let table = src.text.find("[[aspect]]\naspect = \"validity\"").unwrap();
        let end = src.text[table + 1..]
            .find("[[aspect]]")
            .map_or(src.text.len(), |i| table + 1 + i);
        src.text.replace_range(table..end, "");
        assert!(!src.text.contains("aspect = \"validity\""));
        let mut errors = Vec::new();
        let words = check(&src, &mut errors).expect("a words file without one aspect");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            words.detect_aspect("combien d'années le passeport est valable"),
            Some(Aspect::Validity)
        );
    }

    #[test]
    fn an_empty_cue_is_an_error() {
        let errors = errors_with("\"internet\",", "\"internet\", \"\",");
        assert_error(
            &errors,
            "the cues of the aspect 'online' hold '', which has no letter",
        );
        let errors = errors_with("\"internet\",", "\"internet\", \" ?! \",");
        assert_error(&errors, "hold ' ?! ', which has no letter or digit");
        let errors = errors_with("\"prix\",", "\"prix\", \"\",");
        let text = shipped().text;
        let line = text[..text.find("\"prix\",").expect("prix")]
            .matches('\n')
            .count()
            + 1;
        assert!(
            errors[0].contains(&format!(" at line {line}: ")),
            "{errors:?}"
        );
    }

    #[test]
    fn an_aspect_without_cues_is_an_error() {
        let mut src = shipped();
        let start = src.text.find("aspect = \"steps\"").expect("steps");
        src.text.truncate(start);
        src.text
            .push_str("aspect = \"steps\"\nweight = 0.5\ncues = []\n");
        let mut errors = Vec::new();
        assert!(check(&src, &mut errors).is_none());
        assert_error(
            &errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "the aspect 'steps' has no cue",
        );
    }

    #[test]
    fn a_weight_must_be_positive_and_finite() {
        for bad in ["0", "-1.3", "nan", "inf", "0.0"] {
            let errors = errors_with("weight = 1.3", &format!("weight = {bad}"));
            assert_error(
                &errors,
                "the weight of the aspect 'online' must be a positive number",
            );
        }
        let errors = errors_with("weight = 1.3", "weight = \"high\"");
        assert_error(&errors, "words.toml at line ");
    }

    #[test]
    fn a_repeated_word_is_an_error() {
        let errors = errors_with("\"prix\",", "\"prix\", \"prix\",");
        assert_error(&errors, "the cues of the aspect 'fee' list 'prix' twice");
        // Words are compared once normalised: accents and letter forms do not count.
        let errors = errors_with("\"prix\",", "\"prix\", \"Prix\",");
        assert_error(
            &errors,
            "list 'Prix' and 'prix', which are the same word once normalised",
        );
        let errors = errors_with("\"المطلوبة\"", "\"المطلوبة\", \"المطلوبه\"");
        assert_error(&errors, "list 'المطلوبه' and 'المطلوبة'");
        let errors = errors_with("\"bghit\",", "\"bghit\", \"bghit\",");
        assert_error(&errors, "the stopwords in arabizi list 'bghit' twice");
        let errors = errors_with("\"وال\"", "\"وال\", \"و\"");
        assert_error(&errors, "the cue_prefixes list 'و' twice");
        // The same word may be a stopword in two languages.
        assert_eq!(shipped().text.matches("\"merci\"").count(), 2);
    }

    #[test]
    fn a_stopword_is_one_word_and_a_prefix_arabic_letters() {
        let errors = errors_with("\"pour\",", "\"pour\", \"est-ce\",");
        assert_error(
            &errors,
            "the stopwords in fr hold 'est-ce', which is more than one word",
        );
        let errors = errors_with("\"وال\"", "\"و ال\"");
        assert_error(&errors, "the cue prefix 'و ال' is not only Arabic letters");
        let errors = errors_with("\"وال\"", "\"w\"");
        assert_error(&errors, "the cue prefix 'w' is not only Arabic letters");
    }

    #[test]
    fn generic_words_are_single_words_and_optional() {
        let errors = errors_with("\"cartes\", \"permis\",", "\"cartes\", \"permis de\",");
        assert_error(
            &errors,
            "the generic words hold 'permis de', which is more than one word",
        );
        let errors = errors_with("\"book\",", "\"book\", \"Book\",");
        assert_error(&errors, "the generic words list 'Book' and 'book'");
        // A words file made before generic words were known still loads.
        let mut src = shipped();
        let start = src.text.find("generic = [").expect("generic");
        let end = start + src.text[start..].find(']').expect("end of the list") + 1;
        src.text.replace_range(start..end, "");
        let mut errors = Vec::new();
        let words = check(&src, &mut errors).expect("valid without generic words");
        assert!(words.generic().is_empty() && errors.is_empty());
        assert!(shipped_words().generic().contains(&"permis".to_string()));
    }

    #[test]
    fn other_administrations_terms_are_phrases_and_optional() {
        // A term holds several words; one made only of stopwords would never be found.
        let errors = errors_with("\"carte grise\",", "\"carte grise\", \"de la\",");
        assert_error(
            &errors,
            "the term of another administration 'de la' holds only stopwords or cues",
        );
        let errors = errors_with("\"voiture\",", "\"voiture\", \"Voiture\",");
        assert_error(
            &errors,
            "the terms of other administrations list 'Voiture' and 'voiture'",
        );
        // A words file made before such terms were known still loads.
        let mut src = shipped();
        let start = src.text.find("elsewhere = [").expect("elsewhere");
        let end = start + src.text[start..].find(']').expect("end of the list") + 1;
        src.text.replace_range(start..end, "");
        let mut errors = Vec::new();
        let words = check(&src, &mut errors).expect("valid without other administrations' terms");
        assert!(words.elsewhere().is_empty() && errors.is_empty());
        assert!(shipped_words()
            .elsewhere()
            .contains(&"carte grise".to_string()));
    }

    #[test]
    fn unknown_fields_and_missing_lists_are_errors() {
        let errors = errors_with("[stopwords]\n", "[stopwords]\nde = [\"der\"]\n");
        assert_error(&errors, "unknown field `de`");
        let errors = errors_with("weight = 1.3", "wieght = 1.3");
        assert_error(&errors, "wieght");
        let errors = errors_with("cue_prefixes = ", "prefixes = ");
        assert_error(&errors, "prefixes");
    }
}
