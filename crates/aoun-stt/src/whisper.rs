//! whisper.cpp behind [`SpeechToText`].

use std::path::Path;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::{CancelToken, SpeechToText, SttError, Transcript};

/// Whisper's encoder sees 50 audio-context positions per second of audio.
const CONTEXT_PER_SECOND: f32 = 50.0;
/// A full 30 s window.
const FULL_CONTEXT: i32 = 1500;
/// Audio context is rounded up to a multiple of this (friendlier matrix shapes, fewer sizes).
const CONTEXT_STEP: i32 = 64;
/// Extra audio context beyond the clip: too tight a context makes Whisper repeat itself.
const CONTEXT_MARGIN_SECS: f32 = 1.0;
/// Smallest audio context used, so language detection always sees a few seconds.
const MIN_CONTEXT: i32 = 256;

/// How Whisper is run.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    /// CPU threads for the encoder and decoder.
    pub threads: usize,
    /// Languages auto-detection may choose from (ISO 639-1). Restricting the choice matters:
    /// Whisper base often mistakes accented Arabic or French for a neighbouring language.
    pub languages: Vec<String>,
    /// Size the encoder's audio context to the clip instead of a full 30 s window. Whisper pads
    /// every clip to 30 s; encoding only the clip (plus a margin) makes short questions several
    /// times faster.
    pub fit_audio_context: bool,
    /// Run on the GPU this build supports (cargo feature `cuda`, `vulkan` or `metal`); without
    /// such a feature, or without a GPU, whisper.cpp runs on the CPU.
    pub use_gpu: bool,
    /// Which GPU, as numbered by [`crate::gpus`].
    pub gpu_device: i32,
}

impl Default for WhisperOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            languages: ["ar", "fr", "en"].map(String::from).to_vec(),
            fit_audio_context: true,
            use_gpu: false,
            gpu_device: 0,
        }
    }
}

/// A loaded Whisper model with one reusable decoding state.
pub struct WhisperStt {
    // Field order matters: the state uses the context's model and must be dropped first.
    state: WhisperState,
    _context: WhisperContext,
    options: WhisperOptions,
}

impl WhisperStt {
    /// Loads a whisper.cpp ggml model.
    pub fn load(path: &Path, options: WhisperOptions) -> Result<Self, SttError> {
        whisper_rs::install_logging_hooks();
        let load_error = || SttError::Load {
            path: path.display().to_string(),
        };
        for code in &options.languages {
            if whisper_rs::get_lang_id(code).is_none() {
                return Err(SttError::UnknownLanguage(code.clone()));
            }
        }
        if !path.is_file() {
            return Err(load_error());
        }
        let mut params = WhisperContextParameters::default();
        params.use_gpu(options.use_gpu);
        params.gpu_device(options.gpu_device);
        let context = WhisperContext::new_with_params(path, params).map_err(|_| load_error())?;
        let state = context.create_state().map_err(|_| load_error())?;
        let mut stt = Self {
            state,
            _context: context,
            options,
        };
        // whisper.cpp detects the language with the audio context of the previous run; one short
        // run now makes that a small context from the first question on.
        stt.run(&[0.0; 16_000], Some("en"), &CancelToken::new())?;
        Ok(stt)
    }

    /// Audio context for a clip of `samples` at 16 kHz.
    fn audio_context(&self, samples: usize) -> i32 {
        if !self.options.fit_audio_context {
            return FULL_CONTEXT;
        }
        let seconds = samples as f32 / 16_000.0 + CONTEXT_MARGIN_SECS;
        let context = (seconds * CONTEXT_PER_SECOND).ceil() as i32;
        let rounded = (context + CONTEXT_STEP - 1) / CONTEXT_STEP * CONTEXT_STEP;
        rounded.clamp(MIN_CONTEXT, FULL_CONTEXT)
    }

    /// Runs recognition; `language` `None` lets whisper.cpp detect it. Returns the text and the
    /// language used; stops as soon as `cancel` is cancelled.
    fn run(
        &mut self,
        samples: &[f32],
        language: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<(String, String), SttError> {
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.options.threads.max(1) as i32);
        params.set_language(language);
        params.set_audio_ctx(self.audio_context(samples.len()));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        if cancel.is_cancelled() {
            return Err(SttError::Stopped);
        }
        // The token is borrowed for the whole call, so it outlives the run.
        crate::stop::stop_when(&mut params, cancel);
        let outcome = self.state.full(params, samples);
        if cancel.is_cancelled() {
            return Err(SttError::Stopped);
        }
        outcome.map_err(|e| SttError::Engine(e.to_string()))?;
        let mut text = String::new();
        for segment in self.state.as_iter() {
            let piece = segment
                .to_str_lossy()
                .map_err(|e| SttError::Engine(e.to_string()))?;
            text.push_str(&piece);
        }
        let id = self.state.full_lang_id_from_state();
        let used = whisper_rs::get_lang_str(id).unwrap_or("en").to_string();
        Ok((text.trim().to_string(), used))
    }

    /// The most probable allowed language for the clip whose mel the state holds.
    fn best_allowed_language(&mut self) -> Result<(String, f32), SttError> {
        let (_, probabilities) = self
            .state
            .lang_detect(0, self.options.threads.max(1))
            .map_err(|e| SttError::Engine(e.to_string()))?;
        self.options
            .languages
            .iter()
            .filter_map(|code| {
                let id = whisper_rs::get_lang_id(code)?;
                Some((code.clone(), *probabilities.get(id as usize)?))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or_else(|| SttError::Engine("no language to choose from".into()))
    }
}

impl SpeechToText for WhisperStt {
    fn transcribe(
        &mut self,
        samples: &[f32],
        language: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Transcript, SttError> {
        if samples.is_empty() {
            return Err(SttError::NoAudio);
        }
        if let Some(code) = language {
            if whisper_rs::get_lang_id(code).is_none() {
                return Err(SttError::UnknownLanguage(code.to_string()));
            }
            let (text, language) = self.run(samples, Some(code), cancel)?;
            return Ok(Transcript {
                text,
                language,
                language_probability: None,
            });
        }
        // One pass detects and transcribes; only when whisper.cpp picks a language outside the
        // allowed ones is the clip transcribed again, in the best allowed language.
        let (text, detected) = self.run(samples, None, cancel)?;
        if self.options.languages.contains(&detected) {
            return Ok(Transcript {
                text,
                language: detected,
                language_probability: None,
            });
        }
        let (language, probability) = self.best_allowed_language()?;
        tracing::debug!(%detected, %language, "detected language outside the allowed set");
        let (text, language) = self.run(samples, Some(&language), cancel)?;
        Ok(Transcript {
            text,
            language,
            language_probability: Some(probability),
        })
    }

    fn detect_language(&mut self, samples: &[f32]) -> Result<Option<(String, f32)>, SttError> {
        if samples.is_empty() {
            return Err(SttError::NoAudio);
        }
        self.state
            .pcm_to_mel(samples, self.options.threads.max(1))
            .map_err(|e| SttError::Engine(e.to_string()))?;
        self.best_allowed_language().map(Some)
    }
}
