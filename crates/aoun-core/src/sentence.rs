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

/// Where the first sentence of streamed `text` ends (just after its end mark), once the white
/// space after that mark has come.
pub fn first_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if is_end(c) && chars.peek().is_some_and(|(_, next)| next.is_whitespace()) {
            return Some(at + c.len_utf8());
        }
    }
    None
}

/// True for a mark where a long sentence may be cut for speech: commas and semicolons.
fn is_pause(c: char) -> bool {
    matches!(c, ',' | '،' | ';' | '؛')
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
        let next_is_space = chars.peek().is_none_or(|n| n.is_whitespace());
        let limit = if parts.is_empty() {
            FIRST_CHUNK
        } else {
            LONG_SENTENCE
        };
        let ends = is_end(c) && next_is_space
            || c == '\n'
            || cut_at_pauses && is_pause(c) && next_is_space && current.chars().count() > limit;
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
            let Some(&(next_at, next)) = chars.peek() else {
                break;
            };
            if (is_end(c) && next.is_whitespace()) || c == '\n' {
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
