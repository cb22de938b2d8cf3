//! The stop rules every [`crate::LanguageModel`] applies to the text it streams, its sentences
//! counted by [`aoun_core::sentence`].

use std::ops::ControlFlow;

use aoun_core::sentence;

use crate::{GenerateOptions, StopReason, TokenSink};

/// The stop rules of [`GenerateOptions`] applied to streamed text, so that the local model and a
/// server stop alike: the text so far, the sentence limit, the paragraph end and cancellation
/// (the options' token, or the listener's verdict).
pub(crate) struct StreamStops<'o> {
    options: &'o GenerateOptions,
    text: String,
    sentences: sentence::Counter,
}

impl<'o> StreamStops<'o> {
    pub(crate) fn new(options: &'o GenerateOptions) -> Self {
        Self {
            options,
            text: String::new(),
            sentences: sentence::Counter::default(),
        }
    }

    /// Takes a new piece of text, hands it to `on_text`, and tells whether generation must stop.
    pub(crate) fn push(
        &mut self,
        mut piece: String,
        on_text: &mut TokenSink<'_>,
    ) -> Option<StopReason> {
        if self.options.cancel.is_cancelled() {
            return Some(StopReason::Cancelled);
        }
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
        sentence::finish_cleanly(&self.text)
    }
}
