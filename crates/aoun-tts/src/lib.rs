//! Speech synthesis for Aoun.
//!
//! [`TextToSpeech`] is the one interface the rest of Aoun knows. Its implementations:
//! * [`PiperVoice`]: a Piper VITS voice run by onnxruntime (loaded at run time from the model
//!   pack) and phonemized by espeak-ng;
//! * [`EspeakVoice`]: espeak-ng's own voice, present for every language;
//! * [`LanguageVoice`]: what a language sounds like: numbers, amounts, dates and times in words
//!   ([`verbalize`]), Arabic diacritized ([`Diacritizer`]), Latin words inside Arabic read by the
//!   French voice ([`split_runs`]), every sentence at one loudness ([`Loudness`]).
//!
//! [`choose_voices`] and [`VoiceSet`] pick and load a voice per language from the installed
//! ones; [`SentenceStream`] hands audio over one spoken chunk at a time.

mod choice;
mod espeak;
mod language;
mod loudness;
mod numbers;
mod piper;
mod script;
mod stream;
mod tashkeel;
mod verbalize;

pub use choice::{
    choose_voices, espeak_voice_for, VoiceCandidate, VoiceChoice, VoiceSet, VoiceSource,
};
pub use espeak::{phonemize, EspeakVoice, ESPEAK_SAMPLE_RATE};
pub use language::{share, LanguageVoice, PreparedRun, SharedDiacritizer, SharedEngine};
pub use loudness::{speech_level_dbfs, Loudness};
pub use numbers::{cardinal, digits, MAX_SPOKEN};
pub use piper::{voice_config, PiperVoice, SpeechRuntime};
pub use script::{split_runs, unsupported_letter, Run, Script};
pub use stream::{check_speakable, SentenceStream, SpokenSentence};
pub use tashkeel::Diacritizer;
pub use verbalize::{amount, say_date, say_time, verbalize};

use aoun_core::Audio;

/// Speaks text.
pub trait TextToSpeech: Send {
    /// Synthesizes `text` (one or a few sentences) as mono audio.
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError>;

    /// Sets the speaking rate: 1.0 is the voice's own pace, 0.8 is 20 % slower.
    fn set_rate(&mut self, rate: f32);

    /// The phonemes (IPA, one string per sentence) this voice reads for `text`, for checks.
    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        let _ = text;
        Err(TtsError::Engine(
            "this voice does not tell its phonemes".into(),
        ))
    }

    /// A short description for people (`Piper voice en_US-joe-medium`).
    fn describe(&self) -> String {
        "a voice".into()
    }
}

/// The speaking rate of the "slower" setting, for people who need time to follow.
pub const SLOWER_RATE: f32 = 0.8;

/// Speech-synthesis failures, each one sentence for a person.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    /// The onnxruntime library could not be loaded.
    #[error("the speech engine library {path} could not be loaded ({reason}); run `aoun models fetch` to install it")]
    Runtime {
        /// Library path.
        path: String,
        /// Loader's reason.
        reason: String,
    },
    /// espeak-ng's data folder is missing.
    #[error(
        "the pronunciation data folder {path} is missing; run `aoun models fetch` to install it"
    )]
    PhonemizerData {
        /// Folder that should hold `espeak-ng-data`.
        path: String,
    },
    /// A voice's files are missing or inconsistent.
    #[error("the voice {path} cannot be used: {reason}")]
    Voice {
        /// Voice model path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The Arabic diacritizer's files are missing or inconsistent.
    #[error("the Arabic diacritizer in {path} cannot be used: {reason}")]
    Diacritizer {
        /// Its folder.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Nothing to say.
    #[error("there is no text to speak")]
    EmptyText,
    /// The text is written in a script no voice reads.
    #[error("the text is written in a script Aoun cannot read aloud (it contains `{letter}`); only Arabic and Latin letters are spoken")]
    UnsupportedScript {
        /// The first unreadable letter.
        letter: char,
    },
    /// The engine failed on this text.
    #[error("speech synthesis failed: {0}")]
    Engine(String),
}
