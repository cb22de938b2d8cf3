//! Band-limited resampling with a Hann-windowed sinc kernel.
//!
//! Speech needs nothing fancier: the kernel's cut-off sits just under the lower of the two Nyquist
//! frequencies, so downsampling 48 kHz to 16 kHz does not fold high frequencies into the band
//! Whisper listens to.

use std::f64::consts::PI;

/// Zero crossings of the sinc kernel on each side of a sample.
const HALF_TAPS: f64 = 16.0;

/// Resamples `input` from `from_rate` to `to_rate` samples per second.
pub fn resample(input: &[f32], from_rate: u32, to_rate: u32) -> Vec<f32> {
    if from_rate == to_rate || input.is_empty() || from_rate == 0 || to_rate == 0 {
        return input.to_vec();
    }
    let ratio = to_rate as f64 / from_rate as f64;
    // Cut-off relative to the input rate, a little under Nyquist to leave room for the window.
    let cutoff = ratio.min(1.0) * 0.94;
    let half_width = HALF_TAPS / cutoff;
    let out_len = (input.len() as f64 * ratio).round() as usize;
    (0..out_len)
        .map(|n| {
            let center = n as f64 / ratio;
            let first = (center - half_width).ceil().max(0.0) as usize;
            let last = ((center + half_width).floor() as usize).min(input.len() - 1);
            let mut acc = 0.0f64;
            let mut weight_sum = 0.0f64;
            for (k, sample) in input.iter().enumerate().take(last + 1).skip(first) {
                let t = k as f64 - center;
                let window = 0.5 + 0.5 * (PI * t / half_width).cos();
                let weight = cutoff * sinc(cutoff * t) * window;
                acc += *sample as f64 * weight;
                weight_sum += weight;
            }
            // Normalising by the kernel's sum keeps DC gain at one, also near the edges.
            if weight_sum.abs() > 1e-9 {
                (acc / weight_sum) as f32
            } else {
                0.0
            }
        })
        .collect()
}

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        (PI * x).sin() / (PI * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(rate as f64 * seconds) as usize)
            .map(|i| (2.0 * PI * freq * i as f64 / rate as f64).sin() as f32 * 0.5)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn keeps_length_and_in_band_tones() {
        for from in [8_000, 22_050, 44_100, 48_000] {
            let input = tone(440.0, from, 1.0);
            let out = resample(&input, from, 16_000);
            assert!(
                (out.len() as i64 - 16_000).abs() <= 1,
                "{from}: {}",
                out.len()
            );
            let level = rms(&out[1000..15000]);
            assert!((level - 0.3535).abs() < 0.01, "{from}: rms {level}");
        }
    }

    #[test]
    fn removes_tones_above_the_new_nyquist() {
        let input = tone(12_000.0, 48_000, 1.0);
        let out = resample(&input, 48_000, 16_000);
        assert!(rms(&out[1000..15000]) < 0.01);
    }
}
