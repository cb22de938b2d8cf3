//! Sentence by sentence: the first spoken chunk is synthesized and handed over while the rest
//! waits, so playback can start early.

use std::collections::VecDeque;
use std::time::Instant;

use aoun_core::sentence;
use aoun_core::Audio;

use crate::{script, TextToSpeech, TtsError};

/// Checks that `text` can be spoken at all: not empty, and only in scripts Aoun's voices read.
pub fn check_speakable(text: &str) -> Result<(), TtsError> {
    if !text.chars().any(char::is_alphanumeric) {
        return Err(TtsError::EmptyText);
    }
    if let Some(letter) = script::unsupported_letter(text) {
        return Err(TtsError::UnsupportedScript { letter });
    }
    Ok(())
}

/// One synthesized sentence.
#[derive(Debug, Clone)]
pub struct SpokenSentence {
    /// Position of the sentence in the text, from 0.
    pub index: usize,
    /// The sentence as written.
    pub text: String,
    /// Its audio.
    pub audio: Audio,
    /// Milliseconds spent synthesizing it.
    pub synth_ms: u64,
}

/// Synthesizes a text one sentence at a time, in order; see [`SentenceStream::new`].
pub struct SentenceStream<'a> {
    engine: &'a mut dyn TextToSpeech,
    sentences: VecDeque<String>,
    index: usize,
    failed: bool,
}

impl<'a> SentenceStream<'a> {
    /// Prepares to speak `text` with `engine`. Fails at once (before any synthesis) when the
    /// text is empty or holds letters no voice reads; each sentence is then synthesized when the
    /// iterator is advanced, so the caller can play sentence 1 while sentence 2 is produced.
    /// After an error the stream ends.
    pub fn new(engine: &'a mut dyn TextToSpeech, text: &str) -> Result<Self, TtsError> {
        check_speakable(text)?;
        let sentences: VecDeque<String> = sentence::sentences(text)
            .iter()
            .flat_map(|whole| sentence::spoken_chunks(whole))
            .filter(|s| s.chars().any(char::is_alphanumeric))
            .collect();
        Ok(Self {
            engine,
            sentences,
            index: 0,
            failed: false,
        })
    }

    /// Sentences not yet synthesized.
    pub fn remaining(&self) -> usize {
        self.sentences.len()
    }
}

impl Iterator for SentenceStream<'_> {
    type Item = Result<SpokenSentence, TtsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let text = self.sentences.pop_front()?;
        let started = Instant::now();
        let result = self.engine.synthesize(&text).map(|audio| SpokenSentence {
            index: self.index,
            text,
            audio,
            synth_ms: started.elapsed().as_millis() as u64,
        });
        self.index += 1;
        self.failed = result.is_err();
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Beeper(Vec<String>);

    impl TextToSpeech for Beeper {
        fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
            if text.contains("fail") {
                return Err(TtsError::Engine("asked to fail".into()));
            }
            self.0.push(text.to_string());
            Ok(Audio {
                samples: vec![0.1; 100],
                sample_rate: 16_000,
            })
        }
        fn set_rate(&mut self, _: f32) {}
    }

    #[test]
    fn hands_over_sentences_one_at_a_time() {
        let mut beeper = Beeper(Vec::new());
        let mut stream = SentenceStream::new(&mut beeper, "One. Two. Three.").unwrap();
        let first = stream.next().unwrap().unwrap();
        assert_eq!((first.index, first.text.as_str()), (0, "One."));
        assert_eq!(stream.remaining(), 2);
        assert_eq!(stream.count(), 2);
        assert_eq!(beeper.0, ["One.", "Two.", "Three."]);

        // A long first sentence is spoken in two chunks, for an early first audio.
        let mut beeper = Beeper(Vec::new());
        let text = "To renew your national identity card, bring the old card. Then wait.";
        assert_eq!(SentenceStream::new(&mut beeper, text).unwrap().count(), 3);
        assert_eq!(beeper.0[0], "To renew your national identity card,");
    }

    #[test]
    fn rejects_empty_and_unreadable_text_and_stops_after_an_error() {
        let mut beeper = Beeper(Vec::new());
        assert!(matches!(
            SentenceStream::new(&mut beeper, " .. "),
            Err(TtsError::EmptyText)
        ));
        assert!(matches!(
            SentenceStream::new(&mut beeper, "你好。"),
            Err(TtsError::UnsupportedScript { letter: '你' })
        ));
        let results: Vec<_> = SentenceStream::new(&mut beeper, "fail now. never said.")
            .unwrap()
            .collect();
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}
