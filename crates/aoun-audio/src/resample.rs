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
    let kernel = Kernel::new(from_rate, to_rate);
    let out_len = (input.len() as f64 * kernel.ratio).round() as usize;
    (0..out_len as u64)
        .map(|n| kernel.sample(input, 0, n))
        .collect()
}

/// Most kernel phases precomputed; rarer rate pairs compute their weights on the fly.
const MAX_PHASES: u64 = 4096;

/// The windowed-sinc kernel for one pair of rates. For the usual rates the output positions
/// fall on a few hundred distinct fractions of an input sample, so their weights are computed
/// once (a cosine and a sine per tap are otherwise most of the cost).
#[derive(Debug, Clone)]
struct Kernel {
    ratio: f64,
    cutoff: f64,
    half_width: f64,
    /// Output sample `n` sits at input position `n * step_num / step_den`.
    step_num: u64,
    step_den: u64,
    /// Taps on each side of the nearest input sample.
    reach: i64,
    /// `table[phase * width + (j + reach)]`: weight of input `floor(center) + j`.
    table: Vec<f64>,
}

impl Kernel {
    fn new(from_rate: u32, to_rate: u32) -> Self {
        let ratio = to_rate as f64 / from_rate as f64;
        // Cut-off relative to the input rate, a little under Nyquist to leave room for the window.
        let cutoff = ratio.min(1.0) * 0.94;
        let half_width = HALF_TAPS / cutoff;
        let g = gcd(from_rate as u64, to_rate as u64).max(1);
        let step_num = from_rate as u64 / g;
        let step_den = to_rate as u64 / g;
        let reach = half_width.ceil() as i64 + 1;
        let mut kernel = Self {
            ratio,
            cutoff,
            half_width,
            step_num,
            step_den,
            reach,
            table: Vec::new(),
        };
        if step_den <= MAX_PHASES {
            let width = (2 * reach + 1) as usize;
            let mut table = vec![0.0; step_den as usize * width];
            for phase in 0..step_den {
                let frac = phase as f64 / step_den as f64;
                for j in -reach..=reach {
                    table[phase as usize * width + (j + reach) as usize] =
                        kernel.weight(j as f64 - frac);
                }
            }
            kernel.table = table;
        }
        kernel
    }

    fn weight(&self, t: f64) -> f64 {
        if t.abs() > self.half_width {
            return 0.0;
        }
        let window = 0.5 + 0.5 * (PI * t / self.half_width).cos();
        self.cutoff * sinc(self.cutoff * t) * window
    }

    /// Input position of output sample `n`: (whole input index, phase).
    fn position(&self, n: u64) -> (u64, u64) {
        let num = n as u128 * self.step_num as u128;
        (
            (num / self.step_den as u128) as u64,
            (num % self.step_den as u128) as u64,
        )
    }

    /// Last input index output sample `n` reads.
    fn last_input(&self, n: u64) -> u64 {
        let (whole, _) = self.position(n);
        whole + self.reach as u64
    }

    /// Output sample `n`, reading `input` whose first element is input sample `base`.
    fn sample(&self, input: &[f32], base: u64, n: u64) -> f32 {
        let (whole, phase) = self.position(n);
        let width = (2 * self.reach + 1) as usize;
        let row = (!self.table.is_empty())
            .then(|| &self.table[phase as usize * width..(phase as usize + 1) * width]);
        let frac = phase as f64 / self.step_den as f64;
        let mut acc = 0.0f64;
        let mut weight_sum = 0.0f64;
        for j in -self.reach..=self.reach {
            let k = whole as i64 + j;
            if k < base as i64 {
                continue;
            }
            let Some(sample) = input.get((k - base as i64) as usize) else {
                break;
            };
            let weight = match row {
                Some(row) => row[(j + self.reach) as usize],
                None => self.weight(j as f64 - frac),
            };
            acc += *sample as f64 * weight;
            weight_sum += weight;
        }
        // Normalising by the kernel's sum keeps DC gain at one, also near the edges.
        if weight_sum.abs() > 1e-9 {
            (acc / weight_sum) as f32
        } else {
            0.0
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Resamples a stream that arrives in pieces (a microphone's callbacks) with the same kernel as
/// [`resample`], so piece boundaries leave no clicks: each output sample is computed once the
/// input on both sides of it has arrived, which delays the output by about one millisecond.
#[derive(Debug, Clone)]
pub struct StreamResampler {
    from_rate: u32,
    to_rate: u32,
    kernel: Kernel,
    /// Input not yet consumed; `pending[0]` is input sample number `base`.
    pending: Vec<f32>,
    base: u64,
    /// Index of the next output sample.
    next_out: u64,
}

impl StreamResampler {
    /// A resampler from `from_rate` to `to_rate` samples per second (0 is treated as 1).
    pub fn new(from_rate: u32, to_rate: u32) -> Self {
        let from_rate = from_rate.max(1);
        let to_rate = to_rate.max(1);
        Self {
            from_rate,
            to_rate,
            kernel: Kernel::new(from_rate, to_rate),
            pending: Vec::new(),
            base: 0,
            next_out: 0,
        }
    }

    /// Input rate.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Output rate.
    pub fn to_rate(&self) -> u32 {
        self.to_rate
    }

    /// Feeds `input` and appends every output sample that can now be computed to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if self.from_rate == self.to_rate {
            out.extend_from_slice(input);
            return;
        }
        self.pending.extend_from_slice(input);
        let available_end = self.base + self.pending.len() as u64; // exclusive
        while self.kernel.last_input(self.next_out) < available_end {
            out.push(self.kernel.sample(&self.pending, self.base, self.next_out));
            self.next_out += 1;
        }
        // Drop input no future output sample can reach.
        let (whole, _) = self.kernel.position(self.next_out);
        let first_needed = whole.saturating_sub(self.kernel.reach as u64);
        if first_needed > self.base {
            let drop = ((first_needed - self.base) as usize).min(self.pending.len());
            self.pending.drain(..drop);
            self.base += drop as u64;
        }
    }

    /// Forgets all buffered input and restarts the stream at time zero.
    pub fn reset(&mut self) {
        self.pending.clear();
        self.base = 0;
        self.next_out = 0;
    }
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
    fn streaming_matches_whole_buffer_resampling() {
        for (from, to) in [
            (48_000, 16_000),
            (44_100, 16_000),
            (16_000, 22_050),
            (16_000, 16_000),
        ] {
            let input = tone(300.0, from, 0.5);
            let whole = resample(&input, from, to);
            let mut streaming = StreamResampler::new(from, to);
            let mut out = Vec::new();
            for piece in input.chunks(441) {
                streaming.process(piece, &mut out);
            }
            assert!(
                out.len() <= whole.len() && whole.len() - out.len() < 200,
                "{from}->{to}"
            );
            let max_diff = out[..out.len() - 100]
                .iter()
                .zip(&whole)
                .skip(100)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(max_diff < 1e-4, "{from}->{to}: {max_diff}");
        }
    }

    #[test]
    fn removes_tones_above_the_new_nyquist() {
        let input = tone(12_000.0, 48_000, 1.0);
        let out = resample(&input, 48_000, 16_000);
        assert!(rms(&out[1000..15000]) < 0.01);
    }
}
