//! The one way Aoun cuts text into sentences, in Latin and Arabic punctuation: for the content
//! pack's checks, the language model's streamed words, and the voice's spoken chunks.
//!
//! A sentence ends at an end mark followed by white space (or the end of the text), so "3.5"
//! and "7.30" stay whole, and at a line break.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a sentence of an answer is, so that a window shows and a listener hears each for what
/// it is without reading its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SentenceKind {
    /// What the answer is about, said first when the answer does not name its procedure
    /// itself ("For the passport:"), so that a listener hears a misunderstanding at once.
    Topic,
    /// The content pack card's own words.
    Card,
    /// The language model's wording of the card, checked by the guard.
    Model,
    /// The offer of details after an answer ("Do you want the details?").
    Offer,
    /// A question back: which procedure is meant, or to say it again.
    QuestionBack,
    /// A control's spoken name, or another short text that is no answer.
    Label,
}

/// One sentence to say, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Sentence {
    /// Its words, with the end mark.
    pub text: String,
    /// What it is.
    pub kind: SentenceKind,
}

impl Sentence {
    /// Each whole sentence of `text`, all of one kind.
    pub fn all(text: &str, kind: SentenceKind) -> Vec<Sentence> {
        sentences(text)
            .into_iter()
            .map(|text| Sentence { text, kind })
            .collect()
    }
}

/// The sentences' words as one text.
pub fn join(said: &[Sentence]) -> String {
    let words: Vec<&str> = said.iter().map(|s| s.text.as_str()).collect();
    words.join(" ")
}

/// A sentence longer than this (characters) is spoken in chunks cut at a comma.
const LONG_SENTENCE: usize = 160;
/// A sentence's first chunk is cut at a comma past this many characters, so that its first
/// audio comes after a few words' synthesis.
const FIRST_CHUNK: usize = 30;

/// True for a mark that ends a sentence: `. ! ? … ۔` and the Arabic question mark.
pub fn is_end(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '…' | '۔')
}

/// Where the first sentence of streamed `text` ends (just after its end mark or line break),
/// once the character after it has come.
pub fn first_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if chars
            .peek()
            .is_some_and(|&(_, next)| ends_sentence(c, Some(next)))
        {
            return Some(at + c.len_utf8());
        }
    }
    None
}

/// True for a mark where a long sentence may be cut for speech: commas and semicolons.
fn is_pause(c: char) -> bool {
    matches!(c, ',' | '،' | ';' | '؛')
}

/// True where a sentence ends: at an end mark followed by white space (`next`, `None` at the
/// end of the text), or at a line break.
fn ends_sentence(c: char, next: Option<char>) -> bool {
    is_end(c) && next.is_none_or(char::is_whitespace) || c == '\n'
}

/// The Latin form of a mark that ends a clause (end marks and pauses in both scripts, and the
/// colon), as a phonemizer reads it.
fn clause_mark(c: char) -> Option<char> {
    match c {
        '?' | '؟' => Some('?'),
        '!' => Some('!'),
        c if is_end(c) => Some('.'),
        ',' | '،' => Some(','),
        ';' | '؛' => Some(';'),
        ':' => Some(':'),
        _ => None,
    }
}

/// The clauses of `text`, each with the Latin form of the mark that ends it (`None` for a last
/// clause without one): a mark counts when white space or the end of the text follows it, so
/// "3.5" and "8:30" stay whole. A voice reads each clause with its mark's pause and intonation.
pub fn clauses(text: &str) -> Vec<(&str, Option<char>)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let Some(mark) = clause_mark(c) else {
            continue;
        };
        if chars.peek().is_some_and(|(_, next)| !next.is_whitespace()) {
            continue;
        }
        out.push((&text[start..at], Some(mark)));
        start = at + c.len_utf8();
    }
    if start < text.len() {
        out.push((&text[start..], None));
    }
    out.retain(|(clause, mark)| !clause.trim().is_empty() || mark.is_some());
    out
}

/// `text` ending on a complete sentence: its last unfinished sentence is dropped, or, when it
/// is the only one, closed with a full stop (a model stopped in mid-sentence).
pub fn finish_cleanly(text: &str) -> String {
    let mut parts = sentences(text);
    let unfinished = parts.last().is_some_and(|last| !last.ends_with(is_end));
    if unfinished && parts.len() > 1 {
        parts.pop();
    } else if let Some(last) = parts.last_mut().filter(|_| unfinished) {
        *last = format!("{}.", last.trim_end_matches([',', ';', ':', '-', '،']));
    }
    parts.join(" ")
}

/// The whole sentences of `text`, each with its end mark, trimmed.
pub fn sentences(text: &str) -> Vec<String> {
    split(text, false)
}

/// How many sentences `text` holds (a last one without its end mark counts).
pub fn count(text: &str) -> usize {
    sentences(text).len()
}

/// `sentence` cut for speech: after a comma once its first chunk is a few words long, so the
/// first audio comes early, and after a comma in any very long stretch.
pub fn spoken_chunks(sentence: &str) -> Vec<String> {
    split(sentence, true)
}

fn split(text: &str, cut_at_pauses: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let next = chars.peek().copied();
        let limit = if parts.is_empty() {
            FIRST_CHUNK
        } else {
            LONG_SENTENCE
        };
        let ends = ends_sentence(c, next)
            || cut_at_pauses
                && is_pause(c)
                && next.is_none_or(char::is_whitespace)
                && current.chars().count() > limit;
        if ends {
            push_trimmed(&mut parts, &current);
            current.clear();
        }
    }
    push_trimmed(&mut parts, &current);
    parts
}

fn push_trimmed(parts: &mut Vec<String>, part: &str) {
    let part = part.trim();
    if !part.is_empty() {
        parts.push(part.to_string());
    }
}

/// Cuts streamed text into sentences as it arrives: a sentence is given out once the white
/// space after its end mark has come, so a number still being written ("3." of "3.5") is not
/// taken for an end.
#[derive(Debug, Default, Clone)]
pub struct Splitter {
    pending: String,
}

impl Splitter {
    /// A splitter that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next piece of text; returns the sentences it completed.
    pub fn push(&mut self, piece: &str) -> Vec<String> {
        self.pending.push_str(piece);
        let mut done = Vec::new();
        let mut start = 0;
        let mut chars = self.pending.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            // At the end of what has come, an end mark may still be "3." of "3.5".
            let Some(&(next_at, next)) = chars.peek() else {
                break;
            };
            if ends_sentence(c, Some(next)) {
                push_trimmed(&mut done, &self.pending[start..next_at]);
                start = next_at;
            }
        }
        self.pending.drain(..start);
        done
    }

    /// The text after the last complete sentence, trimmed: the end of the stream's last
    /// sentence, or `None` when nothing is left.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_string())
    }
}

/// Counts the sentences of streamed text as they complete, by the same rule as [`Splitter`],
/// without keeping the text: the language model's sentence limit.
#[derive(Debug, Default, Clone)]
pub struct Counter {
    /// The last character seen, when it may end a sentence.
    pending_end: Option<char>,
    /// Whether the sentence under way has words (white space alone is no sentence).
    has_words: bool,
    complete: usize,
}

impl Counter {
    /// Takes the next piece of text; returns how many sentences have completed so far.
    pub fn push(&mut self, piece: &str) -> usize {
        for c in piece.chars() {
            if let Some(end) = self.pending_end.take() {
                if ends_sentence(end, Some(c)) {
                    self.complete += usize::from(self.has_words);
                    self.has_words = false;
                }
            }
            self.has_words |= !c.is_whitespace();
            if is_end(c) || c == '\n' {
                self.pending_end = Some(c);
            }
        }
        self.complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_where_the_first_streamed_sentence_ends() {
        assert_eq!(first_end("It costs 75.5 dirhams. Then"), Some(22));
        assert_eq!(first_end("شحال؟ جواب"), Some("شحال؟".len()));
        assert_eq!(first_end("No end yet."), None);
    }

    #[test]
    fn whole_sentences_keep_numbers_and_are_not_cut_at_commas() {
        let text = "Bring your current national identity card, a birth certificate and 2 photos. \
                    It costs 75.5 dirhams!\nDo you want the details؟ yes";
        assert_eq!(
            sentences(text),
            [
                "Bring your current national identity card, a birth certificate and 2 photos.",
                "It costs 75.5 dirhams!",
                "Do you want the details؟",
                "yes"
            ]
        );
        assert_eq!(count(text), 4);
        assert_eq!(count("   "), 0);
        assert_eq!(count("شحال؟ جواب"), 2);
    }

    #[test]
    fn spoken_chunks_cut_early_then_only_very_long_stretches() {
        assert_eq!(
            spoken_chunks("To renew your national identity card, bring the old card."),
            [
                "To renew your national identity card,",
                "bring the old card."
            ]
        );
        assert_eq!(spoken_chunks("short, sentence."), ["short, sentence."]);
        let long = format!(
            "{}, and then the rest, to the end.",
            "word ".repeat(40).trim()
        );
        assert_eq!(spoken_chunks(&long).len(), 2, "{:?}", spoken_chunks(&long));
    }

    #[test]
    fn counts_streamed_sentences_as_the_splitter_cuts_them() {
        let pieces = [
            "Bring your birth",
            " certificate. It costs 75",
            ".5 dirhams! Where",
            "? Here؟ ",
            "Line\nend",
        ];
        let (mut counter, mut splitter) = (Counter::default(), Splitter::new());
        let mut split = 0;
        for piece in pieces {
            split += splitter.push(piece).len();
            assert_eq!(counter.push(piece), split, "after {piece:?}");
        }
        assert_eq!(split, 5);
    }

    #[test]
    fn clauses_carry_their_latin_mark() {
        assert_eq!(
            clauses("Bring 75.5 DH, at 8:30: then wait؛ done؟ yes"),
            [
                ("Bring 75.5 DH", Some(',')),
                (" at 8:30", Some(':')),
                (" then wait", Some(';')),
                (" done", Some('?')),
                (" yes", None)
            ]
        );
        assert_eq!(
            clauses("واش؟ نعم…"),
            [("واش", Some('?')), (" نعم", Some('.'))]
        );
        assert_eq!(
            clauses("Bonjour, où est l'annexe ? Merci"),
            [
                ("Bonjour", Some(',')),
                (" où est l'annexe ", Some('?')),
                (" Merci", None)
            ]
        );
        assert_eq!(
            clauses("السلام عليكم، مرحبا؟"),
            [("السلام عليكم", Some(',')), (" مرحبا", Some('?'))]
        );
        assert!(clauses("").is_empty());
    }

    #[test]
    fn finishes_on_a_complete_sentence() {
        assert_eq!(finish_cleanly("One. Two and a half"), "One.");
        assert_eq!(finish_cleanly("  Just a fragment, "), "Just a fragment.");
        assert_eq!(finish_cleanly("شحال؟ جواب"), "شحال؟");
        assert_eq!(
            finish_cleanly("It costs 3.5 dirhams! Done"),
            "It costs 3.5 dirhams!"
        );
        assert_eq!(finish_cleanly("Done!"), "Done!");
        assert_eq!(finish_cleanly(""), "");
    }

    #[test]
    fn a_stream_gives_each_sentence_once_its_end_is_certain() {
        let mut splitter = Splitter::new();
        assert!(splitter.push("Bring your birth").is_empty());
        assert_eq!(
            splitter.push(" certificate. It costs 75"),
            ["Bring your birth certificate."]
        );
        assert!(splitter.push(".").is_empty(), "75. may be 75.5");
        assert_eq!(
            splitter.push("5 dirhams! Where? "),
            ["It costs 75.5 dirhams!", "Where?"]
        );
        assert_eq!(splitter.push("هنا؟ جواب"), ["هنا؟"]);
        assert_eq!(splitter.finish().as_deref(), Some("جواب"));
        assert_eq!(splitter.finish(), None);
    }
}
