//! Sentence boundaries in streamed text (the end marks of [`aoun_core::sentence`]), and the stop
//! rules every [`crate::LanguageModel`] applies to the text it streams.

use std::ops::ControlFlow;

use aoun_core::sentence::is_end;

use crate::{GenerateOptions, StopReason, TokenSink};

/// Counts sentences completed in streamed text.
#[derive(Debug, Default, Clone)]
pub struct SentenceCounter {
    pending_end: bool,
    complete: usize,
}

impl SentenceCounter {
    /// Feeds new text; returns the number of sentences completed so far. A sentence counts as
    /// complete when its end mark is followed by white space, so "3.5" or "e.g." mid-token do not.
    pub fn push(&mut self, text: &str) -> usize {
        for c in text.chars() {
            if self.pending_end && c.is_whitespace() {
                self.complete += 1;
                self.pending_end = false;
            } else {
                self.pending_end = is_end(c);
            }
        }
        self.complete
    }

    /// Sentences completed, counting a final end mark that no white space has followed yet.
    pub fn complete_at_end(&self) -> usize {
        self.complete + usize::from(self.pending_end)
    }
}

/// The stop rules of [`GenerateOptions`] applied to streamed text, so that the local model and a
/// server stop alike: the text so far, the sentence limit, the paragraph end and cancellation.
pub(crate) struct StreamStops<'o> {
    options: &'o GenerateOptions,
    text: String,
    sentences: SentenceCounter,
}

impl<'o> StreamStops<'o> {
    pub(crate) fn new(options: &'o GenerateOptions) -> Self {
        Self {
            options,
            text: String::new(),
            sentences: SentenceCounter::default(),
        }
    }

    /// Takes a new piece of text, hands it to `on_text`, and tells whether generation must stop.
    pub(crate) fn push(
        &mut self,
        mut piece: String,
        on_text: &mut TokenSink<'_>,
    ) -> Option<StopReason> {
        let text = &self.text;
        let paragraph_end = self.options.single_paragraph
            && piece
                .find('\n')
                .filter(|at| !text.trim().is_empty() || !piece[..*at].trim().is_empty())
                .map(|at| piece.truncate(at))
                .is_some();
        self.text.push_str(&piece);
        if paragraph_end {
            if !piece.is_empty() {
                // The listener still hears the end of the last line; its verdict no longer
                // matters since generation stops here anyway.
                let _ = on_text(&piece);
            }
            return Some(StopReason::ParagraphEnd);
        }
        if on_text(&piece) == ControlFlow::Break(()) {
            return Some(StopReason::Cancelled);
        }
        (self.sentences.push(&piece) >= self.options.max_sentences)
            .then_some(StopReason::SentenceLimit)
    }

    /// Whether any text has been handed on.
    pub(crate) fn started(&self) -> bool {
        !self.text.is_empty()
    }

    /// The text so far, ending on a complete sentence.
    pub(crate) fn finish(&self) -> String {
        finish_cleanly(&self.text)
    }
}

/// Trims generated text so it ends on a complete sentence: cut after the last sentence end when
/// there is one, otherwise close the single fragment with a full stop.
pub fn finish_cleanly(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(is_end) {
        return text.to_string();
    }
    match text.rfind(is_end) {
        Some(end) => {
            let cut = end + text[end..].chars().next().map_or(1, char::len_utf8);
            text[..cut].trim().to_string()
        }
        None => format!("{}.", text.trim_end_matches([',', ';', ':', '-', '،'])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sentences_across_pieces() {
        let mut counter = SentenceCounter::default();
        assert_eq!(counter.push("Bring your birth"), 0);
        assert_eq!(counter.push(" certificate. It costs 75"), 1);
        assert_eq!(counter.push(".5 dirhams! Where"), 2);
        assert_eq!(counter.push("? Here؟ "), 4);
    }

    #[test]
    fn finishes_on_a_sentence() {
        assert_eq!(finish_cleanly("One. Two and a half"), "One.");
        assert_eq!(finish_cleanly("  Just a fragment, "), "Just a fragment.");
        assert_eq!(finish_cleanly("شحال؟ جواب"), "شحال؟");
        assert_eq!(finish_cleanly("Done!"), "Done!");
        assert_eq!(finish_cleanly(""), "");
    }
}
