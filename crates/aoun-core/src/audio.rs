//! Sound as every stage passes it on: mono samples at a known rate.

use crate::resample::resample;

/// Mono audio at a known sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples in -1.0..=1.0.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Audio {
    /// Length in seconds.
    pub fn duration_secs(&self) -> f32 {
        self.samples.len() as f32 / self.sample_rate.max(1) as f32
    }

    /// Root-mean-square level in dB relative to full scale (-inf dBFS is returned as `f32::MIN`).
    pub fn rms_dbfs(&self) -> f32 {
        rms_dbfs(&self.samples)
    }

    /// This audio at `rate` samples per second (a copy when the rate already matches).
    pub fn resampled(&self, rate: u32) -> Audio {
        Audio {
            samples: resample(&self.samples, self.sample_rate, rate),
            sample_rate: rate,
        }
    }

    /// Appends `piece` after `gap_secs` of silence, brought to this audio's rate (two voices of
    /// one answer may speak at different rates).
    pub fn join(&mut self, piece: &Audio, gap_secs: f32) {
        let gap = (self.sample_rate as f32 * gap_secs) as usize;
        self.samples.extend(std::iter::repeat_n(0.0, gap));
        self.samples.extend(resample(
            &piece.samples,
            piece.sample_rate,
            self.sample_rate,
        ));
    }
}

/// Root-mean-square level of `samples` in dBFS; `f32::MIN` for empty or all-zero input.
pub fn rms_dbfs(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return f32::MIN;
    }
    let mean_square =
        samples.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / samples.len() as f64;
    if mean_square <= 0.0 {
        return f32::MIN;
    }
    (10.0 * mean_square.log10()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_square_wave_is_zero_dbfs_and_silence_has_no_level() {
        let square = Audio {
            samples: (0..1600)
                .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
                .collect(),
            sample_rate: 16_000,
        };
        assert!(square.rms_dbfs().abs() < 1e-4);
        assert!((square.duration_secs() - 0.1).abs() < 1e-6);
        assert_eq!(rms_dbfs(&[0.0; 10]), f32::MIN);
        assert_eq!(rms_dbfs(&[]), f32::MIN);
    }
}
