//! Aoun's former resampler, a Hann-windowed sinc kernel of 16 zero crossings a side, kept as
//! the peer rubato's FFT resampler is measured against (`aoun bench resample`): rubato replaced it
//! because it measured faster and cleaner.

use std::f64::consts::PI;

/// Zero crossings of the sinc kernel on each side of a sample.
const HALF_TAPS: f64 = 16.0;

/// Resamples `input` from `from_rate` to `to_rate` samples per second.
pub fn sinc_resample(input: &[f32], from_rate: u32, to_rate: u32) -> Vec<f32> {
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

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        (PI * x).sin() / (PI * x)
    }
}
