//! The end of a turn: whether a person who has paused has finished speaking. A fixed silence
//! cannot tell "I need a passport … for my son" from "I need a passport.": it either cuts the
//! first or makes the second wait. [`SmartTurn`] (Smart Turn v3, an onnx classifier trained on
//! 23 languages, Arabic and French among them) hears the last 8 seconds of speech and says.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ort::session::Session;
use ort::value::Tensor;
use realfft::{RealFftPlanner, RealToComplex};

use crate::vad::{model_error, open_listening_model};
use crate::{VadError, SPEECH_RATE};

/// Tells whether the speech heard so far is a finished turn.
pub trait TurnDetector: Send + std::fmt::Debug {
    /// The probability (0 to 1) that `speech` (16 kHz mono, the utterance up to the pause) is a
    /// finished turn.
    fn finished_probability(&mut self, speech: &[f32]) -> Result<f32, VadError>;
}

impl<T: TurnDetector + ?Sized> TurnDetector for Box<T> {
    fn finished_probability(&mut self, speech: &[f32]) -> Result<f32, VadError> {
        (**self).finished_probability(speech)
    }
}

/// Seconds of speech the model hears: the end of the utterance.
const WINDOW_SECONDS: usize = 8;
const WINDOW: usize = WINDOW_SECONDS * SPEECH_RATE as usize;
/// Whisper's analysis: 25 ms windows every 10 ms, 80 mel bands.
const FFT_LEN: usize = 400;
const HOP: usize = 160;
const BINS: usize = FFT_LEN / 2 + 1;
const MELS: usize = 80;
/// Frames the model reads: one per hop over the window.
const FRAMES: usize = WINDOW / HOP;

/// Smart Turn v3 over onnxruntime.
pub struct SmartTurn {
    session: Session,
    features: LogMel,
    model: PathBuf,
}

impl std::fmt::Debug for SmartTurn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmartTurn")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl SmartTurn {
    /// Loads `smart-turn-v3.2-cpu.onnx`, first loading onnxruntime from `onnxruntime` unless
    /// another part of the program already did.
    pub fn load(model: &Path, onnxruntime: &Path) -> Result<Self, VadError> {
        let session = open_listening_model(model, onnxruntime)?;
        if !session
            .inputs()
            .iter()
            .any(|i| i.name() == "input_features")
        {
            return Err(model_error(
                model,
                "it has no `input_features` input, so it is not a Smart Turn v3 model".into(),
            ));
        }
        Ok(Self {
            session,
            features: LogMel::new(),
            model: model.to_path_buf(),
        })
    }
}

impl TurnDetector for SmartTurn {
    fn finished_probability(&mut self, speech: &[f32]) -> Result<f32, VadError> {
        let fail = |e: ort::Error| VadError::Inference(e.to_string());
        let features = self.features.of(speech);
        let input = Tensor::from_array(([1usize, MELS, FRAMES], features)).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs!["input_features" => input])
            .map_err(fail)?;
        let probability = outputs
            .values()
            .next()
            .ok_or_else(|| VadError::Inference("the model gave no output".into()))?
            .try_extract_tensor::<f32>()
            .map_err(fail)?
            .1
            .first()
            .copied()
            .ok_or_else(|| VadError::Inference("the model's output is empty".into()))?;
        Ok(probability.clamp(0.0, 1.0))
    }
}

/// Whisper-style log-mel features of the last 8 seconds, as Smart Turn v3 was trained on them:
/// shorter speech is preceded by silence, the window is normalised to zero mean and unit
/// variance, then a centred power spectrogram (periodic Hann window, reflected edges) goes
/// through a Slaney mel filterbank to log10, clamped to 8 below its peak and scaled.
struct LogMel {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// `MELS` rows of `BINS` weights.
    filters: Vec<f32>,
}

impl LogMel {
    fn new() -> Self {
        let window = (0..FFT_LEN)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / FFT_LEN as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        Self {
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LEN),
            window,
            filters: slaney_filterbank(),
        }
    }

    /// The `MELS` × `FRAMES` features (band-major) of the end of `speech`.
    fn of(&self, speech: &[f32]) -> Vec<f32> {
        let tail = &speech[speech.len().saturating_sub(WINDOW)..];
        let mut x = vec![0.0f32; WINDOW - tail.len()];
        x.extend(tail.iter().map(|s| if s.is_finite() { *s } else { 0.0 }));
        let mean = x.iter().map(|&s| f64::from(s)).sum::<f64>() / WINDOW as f64;
        let variance = x
            .iter()
            .map(|&s| (f64::from(s) - mean).powi(2))
            .sum::<f64>()
            / WINDOW as f64;
        let scale = 1.0 / (variance + 1e-7).sqrt();
        let x: Vec<f32> = x
            .iter()
            .map(|&s| ((f64::from(s) - mean) * scale) as f32)
            .collect();

        // Frames are centred on each hop: the signal is reflected at both ends. The reference
        // computes one frame more than the model reads and drops the last.
        let pad = FFT_LEN / 2;
        let at = |i: isize| -> f32 {
            let n = WINDOW as isize;
            let i = if i < 0 {
                -i
            } else if i >= n {
                2 * (n - 1) - i
            } else {
                i
            };
            x[i as usize]
        };
        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut power = vec![0.0f32; BINS];
        let mut log_mel = vec![0.0f32; MELS * FRAMES];
        for t in 0..FRAMES {
            let start = (t * HOP) as isize - pad as isize;
            for (k, value) in frame.iter_mut().enumerate() {
                *value = at(start + k as isize) * self.window[k];
            }
            // Fixed lengths: the transform cannot fail.
            let _ = self.fft.process(&mut frame, &mut spectrum);
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (m, weights) in self.filters.chunks_exact(BINS).enumerate() {
                let energy: f32 = weights.iter().zip(&power).map(|(w, p)| w * p).sum();
                log_mel[m * FRAMES + t] = energy.max(1e-10).log10();
            }
        }
        let peak = log_mel.iter().copied().fold(f32::MIN, f32::max);
        for v in &mut log_mel {
            *v = ((*v).max(peak - 8.0) + 4.0) / 4.0;
        }
        log_mel
    }
}

/// Slaney's mel scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    if hz < 1000.0 {
        3.0 * hz / 200.0
    } else {
        15.0 + (hz / 1000.0).ln() * 27.0 / 6.4f64.ln()
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel < 15.0 {
        200.0 * mel / 3.0
    } else {
        1000.0 * ((mel - 15.0) * 6.4f64.ln() / 27.0).exp()
    }
}

/// `MELS` triangular filters over `BINS` frequency bins from 0 to 8 kHz, each normalised to
/// unit area (Slaney), as Whisper's feature extractor builds them.
fn slaney_filterbank() -> Vec<f32> {
    let nyquist = f64::from(SPEECH_RATE) / 2.0;
    let top = hz_to_mel(nyquist);
    let edges: Vec<f64> = (0..MELS + 2)
        .map(|i| mel_to_hz(top * i as f64 / (MELS + 1) as f64))
        .collect();
    let mut filters = Vec::with_capacity(MELS * BINS);
    for m in 0..MELS {
        let (low, centre, high) = (edges[m], edges[m + 1], edges[m + 2]);
        let area = 2.0 / (high - low);
        for bin in 0..BINS {
            let hz = nyquist * bin as f64 / (BINS - 1) as f64;
            let rising = (hz - low) / (centre - low);
            let falling = (high - hz) / (high - centre);
            filters.push((rising.min(falling).max(0.0) * area) as f32);
        }
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filterbank_covers_the_spectrum_with_unit_area_triangles() {
        let filters = slaney_filterbank();
        assert_eq!(filters.len(), MELS * BINS);
        // Each filter peaks at its centre and is zero far from it.
        for weights in filters.chunks_exact(BINS) {
            assert!(weights.iter().any(|&w| w > 0.0));
            assert!(weights.iter().all(|&w| w >= 0.0));
        }
        // The first filter starts at 0 Hz: bin 0 has no weight, and the top bin is reached.
        assert_eq!(filters[0], 0.0);
        assert!(filters[(MELS - 1) * BINS..].iter().any(|&w| w > 0.0));
        assert!((hz_to_mel(mel_to_hz(27.3)) - 27.3).abs() < 1e-9);
        assert!((mel_to_hz(hz_to_mel(440.0)) - 440.0).abs() < 1e-9);
    }

    #[test]
    fn features_are_scaled_into_the_model_s_range_and_silence_is_flat() {
        let features = LogMel::new();
        let tone: Vec<f32> = (0..SPEECH_RATE as usize * 2)
            .map(|i| (i as f32 * 2.0 * std::f32::consts::PI * 440.0 / 16_000.0).sin() * 0.3)
            .collect();
        let of_tone = features.of(&tone);
        assert_eq!(of_tone.len(), MELS * FRAMES);
        let peak = of_tone.iter().copied().fold(f32::MIN, f32::max);
        let floor = of_tone.iter().copied().fold(f32::MAX, f32::min);
        // log10 clamped to 8 below its peak, then (x + 4) / 4: a span of exactly 2.
        assert!((peak - floor - 2.0).abs() < 1e-4, "{peak} {floor}");
        // The tone is at the end of the window, in the band of 440 Hz.
        let band = (0..MELS)
            .max_by(|&a, &b| {
                of_tone[a * FRAMES + FRAMES - 10].total_cmp(&of_tone[b * FRAMES + FRAMES - 10])
            })
            .unwrap();
        let centre_hz = mel_to_hz(hz_to_mel(8000.0) * (band + 1) as f64 / (MELS + 1) as f64);
        assert!(
            (centre_hz - 440.0).abs() < 60.0,
            "band {band} at {centre_hz} Hz"
        );
        // Its start is silence (padding): flat at the floor.
        assert!(of_tone[..FRAMES / 2]
            .iter()
            .all(|&v| (v - floor).abs() < 1e-4));
    }
}
