//! whisper.cpp behind [`SpeechToText`].

use std::path::Path;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::{SpeechToText, SttError, Transcript};

/// How Whisper is run.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    /// CPU threads for the encoder and decoder.
    pub threads: usize,
    /// Languages auto-detection may choose from (ISO 639-1). Restricting the choice matters:
    /// Whisper base often mistakes accented Arabic or French for a neighbouring language.
    pub languages: Vec<String>,
}

impl Default for WhisperOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            languages: ["ar", "fr", "en"].map(String::from).to_vec(),
        }
    }
}

/// A loaded Whisper model with one reusable decoding state.
pub struct WhisperStt {
    // Field order matters: the state borrows the context's model and must be dropped first.
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
        if !path.is_file() {
            return Err(load_error());
        }
        let context = WhisperContext::new_with_params(path, WhisperContextParameters::default())
            .map_err(|_| load_error())?;
        let state = context.create_state().map_err(|_| load_error())?;
        for code in &options.languages {
            if whisper_rs::get_lang_id(code).is_none() {
                return Err(SttError::UnknownLanguage(code.clone()));
            }
        }
        Ok(Self {
            state,
            _context: context,
            options,
        })
    }

    /// Picks the most probable of the allowed languages for the audio already in the state.
    fn detect_language(&mut self, samples: &[f32]) -> Result<(String, f32), SttError> {
        let threads = self.options.threads.max(1);
        self.state
            .pcm_to_mel(samples, threads)
            .map_err(|e| SttError::Engine(e.to_string()))?;
        let (_, probabilities) = self
            .state
            .lang_detect(0, threads)
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
    fn transcribe(&mut self, samples: &[f32], language: Option<&str>) -> Result<Transcript, SttError> {
        if samples.is_empty() {
            return Err(SttError::NoAudio);
        }
        let (language, language_probability) = match language {
            Some(code) => {
                if whisper_rs::get_lang_id(code).is_none() {
                    return Err(SttError::UnknownLanguage(code.to_string()));
                }
                (code.to_string(), None)
            }
            None => {
                let (code, p) = self.detect_language(samples)?;
                (code, Some(p))
            }
        };
        tracing::debug!(%language, ?language_probability, "whisper language");

        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.options.threads.max(1) as i32);
        params.set_language(Some(&language));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_single_segment(false);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        self.state
            .full(params, samples)
            .map_err(|e| SttError::Engine(e.to_string()))?;

        let mut text = String::new();
        for segment in self.state.as_iter() {
            let piece = segment
                .to_str_lossy()
                .map_err(|e| SttError::Engine(e.to_string()))?;
            text.push_str(&piece);
        }
        Ok(Transcript {
            text: text.trim().to_string(),
            language,
            language_probability,
        })
    }
}
