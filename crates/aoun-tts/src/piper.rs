//! Piper voices through piper-rs and onnxruntime.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aoun_core::Audio;
use piper_rs::{ModelConfig, Piper};

use crate::{TextToSpeech, TtsError};

/// The native pieces every Piper voice needs, set up once per process.
#[derive(Debug, Clone)]
pub struct SpeechRuntime {
    /// Path of `libonnxruntime.so`.
    pub onnxruntime: PathBuf,
    /// Folder that contains the `espeak-ng-data` folder.
    pub espeak_data: PathBuf,
}

static RUNTIME: OnceLock<Result<SpeechRuntime, String>> = OnceLock::new();

/// Where espeak-ng (through piper-rs) reads the folder holding its data: the environment only.
const ESPEAK_DATA_VARIABLE: &str = "PIPER_ESPEAKNG_DATA_DIRECTORY";

impl SpeechRuntime {
    /// Sets what the speech engines read from the process environment: onnxruntime's telemetry
    /// off and espeak-ng's data folder. Call it first thing in `main`, while the program has a
    /// single thread: changing the environment is only sound then. The folders need not exist
    /// yet (a first start, before a model pack is imported).
    pub fn prepare(&self) {
        aoun_onnx::prepare();
        std::env::set_var(ESPEAK_DATA_VARIABLE, &self.espeak_data);
    }

    /// Loads onnxruntime, once per process; [`SpeechRuntime::prepare`] must have been called
    /// with the same folders. A library that is not there yet is not remembered as a failure,
    /// so it loads once a pack brings it.
    pub fn init(self) -> Result<(), TtsError> {
        if !self.espeak_data.join("espeak-ng-data").is_dir() {
            return Err(TtsError::PhonemizerData {
                path: self.espeak_data.display().to_string(),
            });
        }
        let runtime_error = |reason: &str| TtsError::Runtime {
            path: self.onnxruntime.display().to_string(),
            reason: reason.to_string(),
        };
        if std::env::var_os(ESPEAK_DATA_VARIABLE).as_deref() != Some(self.espeak_data.as_os_str()) {
            return Err(runtime_error(
                "the program did not prepare its environment for the voices at start-up",
            ));
        }
        if !self.onnxruntime.is_file() {
            return Err(runtime_error("the file does not exist"));
        }
        let outcome = RUNTIME.get_or_init(|| match aoun_onnx::init(&self.onnxruntime) {
            Ok(()) => Ok(self.clone()),
            Err(e) => Err(e.reason),
        });
        match outcome {
            Ok(_) => Ok(()),
            Err(reason) => Err(runtime_error(reason)),
        }
    }
}

/// Whether [`SpeechRuntime::init`] has succeeded in this process.
pub(crate) fn runtime_ready() -> bool {
    RUNTIME.get().is_some_and(|r| r.is_ok())
}

/// A Piper voice ready to speak.
pub struct PiperVoice {
    piper: Piper,
    rate: f32,
    /// The espeak-ng voice that phonemizes for it (`ar`, `fr`, `en-us`...).
    espeak_voice: String,
    /// The model file, for messages.
    model: PathBuf,
}

impl std::fmt::Debug for PiperVoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperVoice")
            .field("model", &self.model)
            .field("espeak_voice", &self.espeak_voice)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl PiperVoice {
    /// Loads a voice from its `.onnx` model; its config is the `.onnx.json` beside it.
    /// [`SpeechRuntime::init`] must have succeeded first.
    pub fn load(model: &Path) -> Result<Self, TtsError> {
        let voice_error = |reason: String| TtsError::Voice {
            path: model.display().to_string(),
            reason,
        };
        if !runtime_ready() {
            return Err(voice_error(
                "the speech engine library is not loaded".into(),
            ));
        }
        if !model.is_file() {
            return Err(voice_error("the model file does not exist".into()));
        }
        let config = config_path(model);
        let text = std::fs::read_to_string(&config).map_err(|e| {
            voice_error(format!(
                "its config {} cannot be read ({e})",
                config.display()
            ))
        })?;
        let espeak_voice = voice_config(&text).map_err(voice_error)?;
        let settings: ModelConfig = serde_json::from_str(&text).map_err(|e| {
            voice_error(format!("its config does not describe a Piper voice ({e})"))
        })?;
        let session = aoun_onnx::session(model, None).map_err(|e| {
            let detail = e.to_string();
            let first_line = detail.lines().next().unwrap_or_default().to_string();
            voice_error(format!(
                "onnxruntime cannot load its model, which is damaged or not a Piper voice ({first_line})"
            ))
        })?;
        Ok(Self {
            piper: Piper::from_session(session, settings),
            rate: 1.0,
            espeak_voice,
            model: model.to_path_buf(),
        })
    }

    /// The espeak-ng voice this Piper voice phonemizes with (`ar` for Arabic voices).
    pub fn espeak_voice(&self) -> &str {
        &self.espeak_voice
    }

    /// The voice's model file.
    pub fn model(&self) -> &Path {
        &self.model
    }
}

/// `voice.onnx` -> `voice.onnx.json`.
fn config_path(model: &Path) -> PathBuf {
    let mut name = model.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

/// Checks the text of a Piper voice config (the `.onnx.json` beside the model) for the fields
/// Piper relies on, so a broken config is named before onnxruntime starts; returns the
/// espeak-ng voice it phonemizes with. The error is a short reason.
pub fn voice_config(text: &str) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("its config is not valid JSON ({e})"))?;
    let rate = json["audio"]["sample_rate"].as_u64().unwrap_or(0);
    if !(8_000..=48_000).contains(&rate) {
        return Err(format!(
            "its config gives no usable audio.sample_rate (found {rate})"
        ));
    }
    let Some(voice) = json["espeak"]["voice"].as_str().filter(|v| !v.is_empty()) else {
        return Err("its config names no espeak.voice".into());
    };
    let Some(map) = json["phoneme_id_map"].as_object().filter(|m| !m.is_empty()) else {
        return Err("its config has no phoneme_id_map".into());
    };
    for (phoneme, ids) in map {
        let one_char = phoneme.chars().count() == 1;
        let ids_ok = ids.as_array().is_some_and(|a| {
            !a.is_empty() && a.iter().all(|id| id.as_i64().is_some_and(|i| i >= 0))
        });
        if !one_char || !ids_ok {
            return Err(format!(
                "its config's phoneme_id_map entry {phoneme:?} is not one character mapped to ids"
            ));
        }
    }
    for needed in ['^', '$', '_'] {
        if !map.contains_key(needed.to_string().as_str()) {
            return Err(format!(
                "its config's phoneme_id_map lacks the marker {needed:?}"
            ));
        }
    }
    for field in ["noise_scale", "length_scale", "noise_w"] {
        if !json["inference"][field].is_number() {
            return Err(format!("its config gives no inference.{field}"));
        }
    }
    let speakers = json["num_speakers"].as_u64().unwrap_or(0);
    if speakers == 0 || !json["speaker_id_map"].is_object() {
        return Err("its config gives no num_speakers or speaker_id_map".into());
    }
    Ok(voice.to_string())
}

impl TextToSpeech for PiperVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::EmptyText);
        }
        let phonemes = self.phonemes(text)?.join(" ");
        if phonemes.trim().is_empty() {
            return Err(TtsError::EmptyText);
        }
        // Piper's length scale is the inverse of the rate: larger is slower.
        let length_scale = 1.0 / self.rate;
        let (samples, sample_rate) = self
            .piper
            .create(&phonemes, true, None, Some(length_scale), None, None)
            .map_err(|e| TtsError::Engine(e.to_string()))?;
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return Err(TtsError::Engine(format!(
                "the voice {} produced no usable audio",
                self.model.display()
            )));
        }
        Ok(Audio {
            samples,
            sample_rate,
        })
    }

    fn set_rate(&mut self, rate: f32) {
        self.rate = rate.clamp(0.5, 2.0);
    }

    /// Phonemes as Piper reads them: espeak-ng IPA, decomposed (NFD) so that accents and
    /// nasal marks are separate symbols, as Piper voices were trained.
    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        use unicode_normalization::UnicodeNormalization;
        Ok(crate::espeak::phonemize(text, &self.espeak_voice)?
            .into_iter()
            .map(|s| s.nfd().collect())
            .collect())
    }

    fn describe(&self) -> String {
        let name = self
            .model
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("Piper voice `{name}`")
    }
}
