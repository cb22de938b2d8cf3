//! Loudness normalization: Piper voices and espeak-ng differ by several decibels, and a citizen
//! should not have to reach for the volume when the answer switches voice mid-sentence.

/// Target level and peak limit applied to every synthesized sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Level of the speech itself (RMS over the frames above the gate), in dBFS.
    pub target_dbfs: f32,
    /// No sample goes above this level, in dBFS.
    pub peak_dbfs: f32,
    /// Largest gain applied, in dB, so near-silence is not blown up into noise.
    pub max_gain_db: f32,
}

impl Default for Loudness {
    /// Speech at -20 dBFS RMS with peaks at most -1 dBFS.
    fn default() -> Self {
        Self {
            target_dbfs: -20.0,
            peak_dbfs: -1.0,
            max_gain_db: 24.0,
        }
    }
}

/// Frames quieter than this (dBFS) are pauses and do not count towards the level.
const GATE_DBFS: f32 = -50.0;
/// 20 ms at 22,050 Hz; the exact length hardly matters.
const FRAME: usize = 441;

fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// RMS level of the frames above the gate, in dBFS; `None` for silence.
pub fn speech_level_dbfs(samples: &[f32]) -> Option<f32> {
    let gate = db_to_gain(GATE_DBFS);
    let (mut energy, mut count) = (0.0f64, 0usize);
    for frame in samples.chunks(FRAME) {
        let frame_energy: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
        let rms = (frame_energy / frame.len() as f64).sqrt() as f32;
        if rms > gate {
            energy += frame_energy;
            count += frame.len();
        }
    }
    (count > 0).then(|| 10.0 * (energy / count as f64).log10() as f32)
}

impl Loudness {
    /// Brings `samples` to the target level and keeps every peak under the limit with a soft
    /// knee (no hard clipping). Non-finite samples become silence.
    pub fn apply(&self, samples: &mut [f32]) {
        for s in samples.iter_mut() {
            if !s.is_finite() {
                *s = 0.0;
            }
        }
        let Some(level) = speech_level_dbfs(samples) else {
            return;
        };
        let gain = db_to_gain((self.target_dbfs - level).min(self.max_gain_db));
        let limit = db_to_gain(self.peak_dbfs);
        let knee = limit * 0.8;
        for s in samples.iter_mut() {
            let x = *s * gain;
            let a = x.abs();
            *s = if a <= knee {
                x
            } else {
                let over = (a - knee) / (limit - knee);
                x.signum() * (knee + (limit - knee) * over.tanh())
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(amplitude: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amplitude * (i as f32 * 0.07).sin())
            .collect()
    }

    #[test]
    fn quiet_and_loud_voices_end_at_the_same_level() {
        let loudness = Loudness::default();
        let mut quiet = tone(0.02, 22_050);
        let mut loud = tone(0.6, 22_050);
        loudness.apply(&mut quiet);
        loudness.apply(&mut loud);
        let (q, l) = (
            speech_level_dbfs(&quiet).unwrap(),
            speech_level_dbfs(&loud).unwrap(),
        );
        assert!((q - l).abs() < 1.0, "{q} vs {l}");
        assert!((q + 20.0).abs() < 1.5, "{q}");
    }

    #[test]
    fn peaks_stay_under_the_limit() {
        let mut spiky = tone(0.05, 22_050);
        spiky[100] = 1.0;
        spiky[200] = -3.0;
        spiky[300] = f32::NAN;
        Loudness::default().apply(&mut spiky);
        let limit = db_to_gain(-1.0);
        assert!(spiky.iter().all(|s| s.is_finite() && s.abs() <= limit));
    }

    #[test]
    fn silence_stays_silent() {
        let mut silence = vec![0.0; 1000];
        Loudness::default().apply(&mut silence);
        assert!(silence.iter().all(|&s| s == 0.0));
        Loudness::default().apply(&mut []);
    }
}
