//! Speech synthesis for Aoun.
//!
//! [`TextToSpeech`] is the one interface the rest of Aoun knows; [`PiperVoice`] implements it with
//! a Piper VITS voice run by onnxruntime (loaded at run time from the model pack) and phonemised
//! by espeak-ng.

mod piper;

pub use piper::{PiperVoice, SpeechRuntime};

use aoun_audio::Audio;

/// Speaks text.
pub trait TextToSpeech: Send {
    /// Synthesizes `text` (one or a few sentences) as mono audio.
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError>;

    /// Sets the speaking rate: 1.0 is the voice's own pace, 0.8 is 20 % slower.
    fn set_rate(&mut self, rate: f32);
}

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
    /// Nothing to say.
    #[error("there is no text to speak")]
    EmptyText,
    /// The engine failed on this text.
    #[error("speech synthesis failed: {0}")]
    Engine(String),
}
