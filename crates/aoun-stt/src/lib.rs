//! Speech to text for Aoun.
//!
//! [`SpeechToText`] is the one interface the rest of Aoun knows; [`WhisperStt`] implements it with
//! whisper.cpp (through whisper-rs) on a ggml model file.

pub use aoun_core::CancelToken;

mod accuracy;
mod gpu;
mod stop;
mod whisper;

pub use accuracy::word_errors;
pub use gpu::{gpu_backends, gpus, Gpu};
pub use whisper::{WhisperOptions, WhisperStt};

/// What was heard.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Transcript {
    /// The words, trimmed.
    pub text: String,
    /// ISO 639-1 code of the spoken language (Darija is reported as `ar`).
    pub language: String,
    /// Probability the recogniser gave that language, when it detected it.
    pub language_probability: Option<f32>,
}

/// Turns 16 kHz mono speech into text.
pub trait SpeechToText: Send {
    /// Transcribes one utterance of 16 kHz mono samples.
    ///
    /// `language` forces a language (ISO 639-1); `None` detects it among the languages the
    /// implementation was configured for. Once `cancel` is cancelled (from any thread, before or
    /// during the run) the run stops with [`SttError::Stopped`].
    fn transcribe(
        &mut self,
        samples: &[f32],
        language: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Transcript, SttError>;

    /// The most probable language of the speech (ISO 639-1, among the configured ones) and its
    /// probability, without transcribing; `None` when the implementation cannot tell it apart
    /// from transcribing. A live session asks this while the person is still talking, so the
    /// transcription that follows need not detect the language again.
    fn detect_language(&mut self, samples: &[f32]) -> Result<Option<(String, f32)>, SttError> {
        let _ = samples;
        Ok(None)
    }
}

/// Speech-to-text failures, each one sentence for a person.
#[derive(Debug, thiserror::Error)]
pub enum SttError {
    /// The model file is missing, damaged or not a Whisper ggml model.
    #[error("the speech recognition model {path} could not be loaded: it is missing, damaged or not a Whisper ggml file")]
    Load {
        /// Model path.
        path: String,
    },
    /// No audio was given.
    #[error("there is no audio to transcribe")]
    NoAudio,
    /// A language code Whisper does not know.
    #[error("`{0}` is not a language the speech recogniser knows")]
    UnknownLanguage(String),
    /// whisper.cpp failed while running.
    #[error("speech recognition failed: {0}")]
    Engine(String),
    /// The recognition was cancelled through its [`CancelToken`].
    #[error("speech recognition was stopped")]
    Stopped,
}
