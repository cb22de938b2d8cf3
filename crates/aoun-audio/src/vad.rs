//! Voice activity detection: the [`Vad`] trait, Silero VAD through onnxruntime, and a plain
//! loudness detector for tests and as a fallback.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;

use crate::{rms_dbfs, SPEECH_RATE};

/// Errors of a voice activity detector. Each message is one sentence a person can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VadError {
    /// The onnxruntime library could not be loaded.
    #[error("cannot load the onnxruntime library {path}: {reason}")]
    Runtime {
        /// Library path as given.
        path: String,
        /// Loader's reason.
        reason: String,
    },
    /// The model file is missing or is not the expected Silero VAD model.
    #[error("cannot load the voice activity model {path}: {reason}")]
    Model {
        /// Model path as given.
        path: String,
        /// Reason.
        reason: String,
    },
    /// A frame of the wrong length was given.
    #[error("the voice activity detector reads frames of {expected} samples but got {got}")]
    FrameLength {
        /// Samples it reads.
        expected: usize,
        /// Samples given.
        got: usize,
    },
    /// The model failed while running.
    #[error("the voice activity model failed: {0}")]
    Inference(String),
}

/// Tells speech from silence and noise, one frame of 16 kHz mono audio at a time.
pub trait Vad: Send {
    /// Samples per frame it reads, at [`SPEECH_RATE`].
    fn frame_len(&self) -> usize;

    /// Probability (0 to 1) that `frame` holds speech. Detectors may keep state across frames:
    /// feed consecutive frames of one stream and call [`Vad::reset`] between streams.
    fn speech_probability(&mut self, frame: &[f32]) -> Result<f32, VadError>;

    /// Forgets everything heard so far.
    fn reset(&mut self);

    /// Whether `frame` holds speech (probability of one half or more).
    fn is_speech(&mut self, frame: &[f32]) -> Result<bool, VadError> {
        Ok(self.speech_probability(frame)? >= 0.5)
    }
}

impl<V: Vad + ?Sized> Vad for Box<V> {
    fn frame_len(&self) -> usize {
        (**self).frame_len()
    }
    fn speech_probability(&mut self, frame: &[f32]) -> Result<f32, VadError> {
        (**self).speech_probability(frame)
    }
    fn reset(&mut self) {
        (**self).reset()
    }
}

/// The error of the listening model `model`, in one sentence.
pub(crate) fn model_error(model: &Path, reason: String) -> VadError {
    VadError::Model {
        path: model.display().to_string(),
        reason,
    }
}

/// Opens a small listening model (the voice or end-of-turn detector) on one thread, first
/// loading onnxruntime from `onnxruntime` unless another part of the program already did.
pub(crate) fn open_listening_model(model: &Path, onnxruntime: &Path) -> Result<Session, VadError> {
    aoun_onnx::init(onnxruntime).map_err(|e| VadError::Runtime {
        path: e.path,
        reason: e.reason,
    })?;
    if !model.is_file() {
        return Err(model_error(model, "the file does not exist".into()));
    }
    aoun_onnx::session(model, Some(1)).map_err(|e| model_error(model, e.to_string()))
}

/// Silero VAD (version 5 or 6 onnx model) at 16 kHz: 512-sample frames (32 ms), each read with
/// the 64 samples before it; the model carries a recurrent state from frame to frame.
pub struct SileroVad {
    session: Session,
    state: Vec<f32>,
    context: Vec<f32>,
    model: PathBuf,
}

impl std::fmt::Debug for SileroVad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SileroVad")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

const SILERO_FRAME: usize = 512;
const SILERO_CONTEXT: usize = 64;
const SILERO_STATE: usize = 2 * 128;

impl SileroVad {
    /// Loads `silero_vad.onnx`, first loading onnxruntime from `onnxruntime` unless another part
    /// of the program already did (see [`aoun_onnx::init`]).
    pub fn load(model: &Path, onnxruntime: &Path) -> Result<Self, VadError> {
        let session = open_listening_model(model, onnxruntime)?;
        let model_err = |reason: String| model_error(model, reason);
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
        for name in ["input", "state", "sr"] {
            if !inputs.contains(&name) {
                return Err(model_err(format!(
                    "it has no `{name}` input (inputs: {}), so it is not a Silero VAD v5/v6 model",
                    inputs.join(", ")
                )));
            }
        }
        for name in ["output", "stateN"] {
            if !outputs.contains(&name) {
                return Err(model_err(format!(
                    "it has no `{name}` output (outputs: {}), so it is not a Silero VAD v5/v6 model",
                    outputs.join(", ")
                )));
            }
        }
        let mut vad = Self {
            session,
            state: Vec::new(),
            context: Vec::new(),
            model: model.to_path_buf(),
        };
        vad.reset();
        Ok(vad)
    }
}

impl Vad for SileroVad {
    fn frame_len(&self) -> usize {
        SILERO_FRAME
    }

    fn speech_probability(&mut self, frame: &[f32]) -> Result<f32, VadError> {
        if frame.len() != SILERO_FRAME {
            return Err(VadError::FrameLength {
                expected: SILERO_FRAME,
                got: frame.len(),
            });
        }
        let fail = |e: ort::Error| VadError::Inference(e.to_string());
        let mut input = Vec::with_capacity(SILERO_CONTEXT + SILERO_FRAME);
        input.extend_from_slice(&self.context);
        input.extend(frame.iter().map(|s| if s.is_finite() { *s } else { 0.0 }));
        let next_context = input[input.len() - SILERO_CONTEXT..].to_vec();
        let input =
            Tensor::from_array(([1usize, SILERO_CONTEXT + SILERO_FRAME], input)).map_err(fail)?;
        let state = Tensor::from_array(([2usize, 1, 128], self.state.clone())).map_err(fail)?;
        let rate = Tensor::from_array(([1usize], vec![SPEECH_RATE as i64])).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => input, "state" => state, "sr" => rate])
            .map_err(fail)?;
        let probability = outputs
            .get("output")
            .ok_or_else(|| VadError::Inference("the model gave no `output`".into()))?
            .try_extract_tensor::<f32>()
            .map_err(fail)?
            .1
            .first()
            .copied()
            .ok_or_else(|| VadError::Inference("the model's `output` is empty".into()))?;
        let (_, new_state) = outputs
            .get("stateN")
            .ok_or_else(|| VadError::Inference("the model gave no `stateN`".into()))?
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        if new_state.len() != SILERO_STATE {
            return Err(VadError::Inference(format!(
                "the model's state has {} values instead of {SILERO_STATE}",
                new_state.len()
            )));
        }
        self.state.copy_from_slice(new_state);
        self.context = next_context;
        Ok(probability.clamp(0.0, 1.0))
    }

    fn reset(&mut self) {
        self.state = vec![0.0; SILERO_STATE];
        self.context = vec![0.0; SILERO_CONTEXT];
    }
}

/// A loudness detector: speech is anything louder than a threshold. Good for tests, fakes and
/// quiet rooms; it cannot tell a voice from a door slam, which [`SileroVad`] can.
#[derive(Debug, Clone)]
pub struct EnergyVad {
    frame_len: usize,
    threshold_dbfs: f32,
}

impl EnergyVad {
    /// Frames of `frame_len` samples; probability 0.5 at `threshold_dbfs`, rising to near 1
    /// about 10 dB above it.
    pub fn new(frame_len: usize, threshold_dbfs: f32) -> Self {
        Self {
            frame_len: frame_len.max(1),
            threshold_dbfs,
        }
    }
}

impl Default for EnergyVad {
    /// 512-sample frames, threshold -40 dBFS.
    fn default() -> Self {
        Self::new(SILERO_FRAME, -40.0)
    }
}

impl Vad for EnergyVad {
    fn frame_len(&self) -> usize {
        self.frame_len
    }

    fn speech_probability(&mut self, frame: &[f32]) -> Result<f32, VadError> {
        if frame.len() != self.frame_len {
            return Err(VadError::FrameLength {
                expected: self.frame_len,
                got: frame.len(),
            });
        }
        let level = rms_dbfs(frame).max(-200.0);
        let z = (level - self.threshold_dbfs) / 3.0;
        Ok(1.0 / (1.0 + (-z).exp()))
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_vad_hears_loud_frames_only() {
        let mut vad = EnergyVad::default();
        let quiet = vec![0.001f32; 512];
        let loud: Vec<f32> = (0..512).map(|i| (i as f32 * 0.1).sin() * 0.3).collect();
        assert!(!vad.is_speech(&quiet).unwrap());
        assert!(vad.is_speech(&loud).unwrap());
        assert!(vad.is_speech(&vec![0.0; 512]).is_ok());
        assert!(matches!(
            vad.speech_probability(&[0.0; 10]),
            Err(VadError::FrameLength { .. })
        ));
    }

    #[test]
    fn missing_runtime_and_model_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = SileroVad::load(&dir.path().join("vad.onnx"), &dir.path().join("libort.so"))
            .unwrap_err();
        assert!(matches!(err, VadError::Runtime { .. }), "{err}");
    }
}
