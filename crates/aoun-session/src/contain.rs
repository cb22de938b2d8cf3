//! Each engine runs behind a boundary. A panic inside one (a bug in a binding to a native
//! library, or in Aoun) ends that call with the stage's own error instead of ending the session:
//! the turn then goes on as it does when that stage fails (the card's words answer when the
//! language model fails, the answer is shown as text when the voice fails). The engine is not
//! called again, since a panic may have left its state half-updated; the next person gets
//! the same degraded but working desk until the program restarts. An abort inside native code
//! cannot be caught in the process; the desktop app's service restarts it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use aoun_audio::Audio;
use aoun_llm::{ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, TokenSink};
use aoun_stt::{CancelToken, SpeechToText, SttError, Transcript};
use aoun_tts::{TextToSpeech, TtsError};

/// An engine of kind `E` that is no longer called once it has panicked.
pub struct Contained<E: ?Sized> {
    engine: Box<E>,
    broken: bool,
}

impl<E: ?Sized> Contained<E> {
    /// Puts `engine` behind the boundary.
    pub fn new(engine: Box<E>) -> Self {
        Self {
            engine,
            broken: false,
        }
    }

    /// Runs `work` on the engine; a panic becomes `Err` with one sentence, now and for every
    /// later call.
    fn call<T>(&mut self, work: impl FnOnce(&mut E) -> T) -> Result<T, String> {
        if self.broken {
            return Err("it stopped working earlier and is left off until Aoun restarts".into());
        }
        match catch_unwind(AssertUnwindSafe(|| work(&mut self.engine))) {
            Ok(value) => Ok(value),
            Err(_) => {
                self.broken = true;
                tracing::error!("an engine panicked; it is left off until Aoun restarts");
                Err("it stopped on an internal error and is left off until Aoun restarts".into())
            }
        }
    }
}

impl SpeechToText for Contained<dyn SpeechToText> {
    fn transcribe(
        &mut self,
        samples: &[f32],
        language: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Transcript, SttError> {
        self.call(|e| e.transcribe(samples, language, cancel))
            .unwrap_or_else(|reason| Err(SttError::Engine(reason)))
    }

    fn detect_language(&mut self, samples: &[f32]) -> Result<Option<(String, f32)>, SttError> {
        self.call(|e| e.detect_language(samples))
            .unwrap_or_else(|reason| Err(SttError::Engine(reason)))
    }
}

impl TextToSpeech for Contained<dyn TextToSpeech> {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        self.call(|e| e.synthesize(text))
            .unwrap_or_else(|reason| Err(TtsError::Engine(reason)))
    }

    fn set_rate(&mut self, rate: f32) {
        // A broken voice has no rate to set.
        let _ = self.call(|e| e.set_rate(rate));
    }

    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        self.call(|e| e.phonemes(text))
            .unwrap_or_else(|reason| Err(TtsError::Engine(reason)))
    }

    fn describe(&self) -> String {
        self.engine.describe()
    }
}

impl LanguageModel for Contained<dyn LanguageModel> {
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        self.call(|e| e.generate(messages, options, on_text))
            .unwrap_or_else(|reason| Err(LlmError::Engine(reason)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A voice that panics on its first sentence: what a bug in a native binding looks like
    /// from Rust. (The real engines are put behind the boundary in the fault tests.)
    struct PanickingVoice;

    impl TextToSpeech for PanickingVoice {
        fn synthesize(&mut self, _: &str) -> Result<Audio, TtsError> {
            panic!("index out of bounds in a binding");
        }
        fn set_rate(&mut self, _: f32) {}
    }

    #[test]
    fn a_panic_becomes_the_stages_error_and_the_engine_stays_off() {
        let mut voice = Contained::<dyn TextToSpeech>::new(Box::new(PanickingVoice));
        let first = voice
            .synthesize("Bonjour.")
            .expect_err("the panic is an error");
        assert!(first.to_string().contains("internal error"), "{first}");
        let second = voice.synthesize("Bonjour.").expect_err("left off");
        assert!(second.to_string().contains("left off"), "{second}");
    }
}
