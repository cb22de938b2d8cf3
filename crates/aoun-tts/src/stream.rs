//! Sentence by sentence: the first sentence is synthesized and handed over while the rest waits,
//! so playback can start early.

use std::collections::VecDeque;
use std::time::Instant;

use aoun_audio::Audio;

use crate::{script, TextToSpeech, TtsError};

/// A sentence longer than this (characters) is cut at a comma.
const LONG_SENTENCE: usize = 160;
/// The first sentence is cut at a comma past this many characters, so the first audio comes
/// soon: playback starts while the rest of the sentence is synthesized.
const FIRST_CHUNK: usize = 30;

/// Splits text into sentences for synthesis, keeping each end mark with its sentence. A line
/// break ends a sentence too; the first sentence is cut after a comma once it is a few words
/// long (for a quick first audio), and any very long sentence after a comma too.
pub fn split_sentences(text: &str) -> Vec<String> {
    split(text, true)
}

/// Splits text into whole sentences (at end marks and line breaks only), each with its mark.
pub fn whole_sentences(text: &str) -> Vec<String> {
    split(text, false)
}

fn split(text: &str, cut_at_commas: bool) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let next_is_space = chars.peek().is_none_or(|n| n.is_whitespace());
        let ends = matches!(c, '.' | '!' | '?' | '؟' | '…' | '۔') && next_is_space
            || c == '\n'
            || cut_at_commas
                && matches!(c, ',' | '،' | ';' | '؛')
                && next_is_space
                && current.chars().count()
                    > if sentences.is_empty() {
                        FIRST_CHUNK
                    } else {
                        LONG_SENTENCE
                    };
        if ends {
            let sentence = current.trim();
            if !sentence.is_empty() {
                sentences.push(sentence.to_string());
            }
            current.clear();
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        sentences.push(rest.to_string());
    }
    sentences
}

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
        let sentences: VecDeque<String> = split_sentences(text)
            .into_iter()
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

/// Speaks `text` sentence by sentence, calling `on_sentence` with each one as soon as it is
/// ready; `on_sentence` returns `false` to stop early (the person interrupted). Returns how
/// many sentences were handed over.
pub fn speak_sentences(
    engine: &mut dyn TextToSpeech,
    text: &str,
    mut on_sentence: impl FnMut(SpokenSentence) -> bool,
) -> Result<usize, TtsError> {
    let mut handed = 0;
    for sentence in SentenceStream::new(engine, text)? {
        handed += 1;
        if !on_sentence(sentence?) {
            break;
        }
    }
    Ok(handed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_sentences_are_not_cut_at_commas() {
        let text = "Bring your current national identity card, a birth certificate and 2 photos. \
                    Do you want the details?";
        assert_eq!(
            whole_sentences(text),
            [
                "Bring your current national identity card, a birth certificate and 2 photos.",
                "Do you want the details?"
            ]
        );
        // Speech chunks cut the long first sentence at its comma, for an early first audio.
        assert_eq!(
            split_sentences(text)[0],
            "Bring your current national identity card,"
        );
    }

    #[test]
    fn splits_sentences_in_latin_and_arabic_punctuation() {
        assert_eq!(
            split_sentences("It costs 500 dirhams. Go to the annex! Details؟ yes"),
            [
                "It costs 500 dirhams.",
                "Go to the annex!",
                "Details؟",
                "yes"
            ]
        );
        assert_eq!(
            split_sentences("Version 3.5 is fine.\nNext line"),
            ["Version 3.5 is fine.", "Next line"]
        );
        assert!(split_sentences("   ").is_empty());
    }

    #[test]
    fn cuts_very_long_sentences_at_a_comma() {
        let long = format!("First. {}, and then the rest.", "word ".repeat(40).trim());
        let parts = split_sentences(&long);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(split_sentences("short, sentence.").len() == 1);
        // The first sentence is cut sooner, for a quick first audio.
        assert_eq!(
            split_sentences(
                "To renew your national identity card, bring the old card. Then wait, please."
            ),
            [
                "To renew your national identity card,",
                "bring the old card.",
                "Then wait, please."
            ]
        );
    }

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

        let mut beeper = Beeper(Vec::new());
        let handed = speak_sentences(&mut beeper, "One. Two. Three.", |s| s.index < 1).unwrap();
        assert_eq!(handed, 2);
        assert_eq!(beeper.0.len(), 2);
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
