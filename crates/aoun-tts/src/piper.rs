//! Piper voices through piper-rs and onnxruntime.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aoun_audio::Audio;
use piper_rs::Piper;

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

impl SpeechRuntime {
    /// Loads onnxruntime and points espeak-ng at its data. Call it once, early in `main`, before
    /// other threads start: espeak-ng reads its data location from the environment.
    pub fn init(self) -> Result<(), TtsError> {
        if !self.espeak_data.join("espeak-ng-data").is_dir() {
            return Err(TtsError::PhonemizerData {
                path: self.espeak_data.display().to_string(),
            });
        }
        let outcome = RUNTIME.get_or_init(|| {
            std::env::set_var("PIPER_ESPEAKNG_DATA_DIRECTORY", &self.espeak_data);
            if !self.onnxruntime.is_file() {
                return Err("the file does not exist".to_string());
            }
            ort::init_from(&self.onnxruntime)
                .map(|builder| {
                    builder.with_name("aoun").commit();
                    self.clone()
                })
                .map_err(|e| e.to_string())
        });
        match outcome {
            Ok(_) => Ok(()),
            Err(reason) => Err(TtsError::Runtime {
                path: self.onnxruntime.display().to_string(),
                reason: reason.clone(),
            }),
        }
    }
}

/// A Piper voice ready to speak.
pub struct PiperVoice {
    piper: Piper,
    rate: f32,
}

impl PiperVoice {
    /// Loads a voice from its `.onnx` model; its config is the `.onnx.json` beside it.
    /// [`SpeechRuntime::init`] must have succeeded first.
    pub fn load(model: &Path) -> Result<Self, TtsError> {
        let voice_error = |reason: String| TtsError::Voice {
            path: model.display().to_string(),
            reason,
        };
        if RUNTIME.get().is_none_or(|r| r.is_err()) {
            return Err(voice_error(
                "the speech engine library is not loaded".into(),
            ));
        }
        if !model.is_file() {
            return Err(voice_error("the model file does not exist".into()));
        }
        let config = config_path(model);
        check_config(&config).map_err(voice_error)?;
        let piper = Piper::new(model, &config).map_err(|e| voice_error(e.to_string()))?;
        Ok(Self { piper, rate: 1.0 })
    }
}

/// `voice.onnx` -> `voice.onnx.json`.
fn config_path(model: &Path) -> PathBuf {
    let mut name = model.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

/// Checks the fields Piper relies on, so a broken config is named before onnxruntime starts.
fn check_config(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("its config {} cannot be read ({e})", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("its config {} is not valid JSON ({e})", path.display()))?;
    let rate = json["audio"]["sample_rate"].as_u64().unwrap_or(0);
    if !(8_000..=48_000).contains(&rate) {
        return Err(format!(
            "its config gives no usable audio.sample_rate (found {rate})"
        ));
    }
    if json["espeak"]["voice"].as_str().is_none_or(str::is_empty) {
        return Err("its config names no espeak.voice".into());
    }
    if json["phoneme_id_map"]
        .as_object()
        .is_none_or(|m| m.is_empty())
    {
        return Err("its config has no phoneme_id_map".into());
    }
    Ok(())
}

impl TextToSpeech for PiperVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::EmptyText);
        }
        // Piper's length scale is the inverse of the rate: larger is slower.
        let length_scale = 1.0 / self.rate;
        let (samples, sample_rate) = self
            .piper
            .create(text, false, None, Some(length_scale), None, None)
            .map_err(|e| TtsError::Engine(e.to_string()))?;
        Ok(Audio {
            samples,
            sample_rate,
        })
    }

    fn set_rate(&mut self, rate: f32) {
        self.rate = rate.clamp(0.5, 2.0);
    }
}
