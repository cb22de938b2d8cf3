//! `aoun bench resample`: Aoun's resampler (rubato's FFT resampler) beside its former windowed
//! sinc resampler, on the rate pairs Aoun meets: speed, and quality (a tone's signal-to-noise
//! ratio, and what is left of a tone the new rate cannot hold).

use std::f64::consts::PI;
use std::time::Instant;

use serde_json::{json, Value};

/// Rate pairs: microphones at 48 and 44.1 kHz, Piper's 22.05 kHz voices, both ways.
const PAIRS: [(u32, u32); 4] = [
    (48_000, 16_000),
    (44_100, 16_000),
    (22_050, 16_000),
    (16_000, 22_050),
];
/// Seconds of audio resampled per run.
const SECONDS: f64 = 10.0;

/// Options of `aoun bench resample`.
#[derive(clap::Args, Debug)]
pub struct ResampleBench {
    /// Runs per rate pair and resampler (the median is reported).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
}

fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
    (0..(rate as f64 * seconds) as usize)
        .map(|i| ((2.0 * PI * freq * i as f64 / rate as f64).sin() * 0.5) as f32)
        .collect()
}

/// Signal-to-noise ratio of `out` against the best-fitting sine of `freq`, in dB, over its
/// middle 80 %.
fn tone_snr_db(out: &[f32], freq: f64, rate: u32) -> f64 {
    let (from, to) = (out.len() / 10, out.len() * 9 / 10);
    let phase = |i: usize| 2.0 * PI * freq * i as f64 / rate as f64;
    let (mut sine, mut cosine) = (0.0, 0.0);
    for (i, &s) in out.iter().enumerate().take(to).skip(from) {
        sine += s as f64 * phase(i).sin();
        cosine += s as f64 * phase(i).cos();
    }
    let scale = 2.0 / (to - from) as f64;
    let (sine, cosine) = (sine * scale, cosine * scale);
    let (mut signal, mut noise) = (0.0, 0.0);
    for (i, &s) in out.iter().enumerate().take(to).skip(from) {
        let fit = sine * phase(i).sin() + cosine * phase(i).cos();
        signal += fit * fit;
        noise += (s as f64 - fit).powi(2);
    }
    10.0 * (signal / noise.max(f64::MIN_POSITIVE)).log10()
}

/// Level of `out` against the tone it was made from (0.5 peak), in dB.
fn level_db(out: &[f32]) -> f64 {
    let middle = &out[out.len() / 10..out.len() * 9 / 10];
    let rms =
        (middle.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / middle.len() as f64).sqrt();
    20.0 * (rms.max(1e-12) / (0.5 / 2f64.sqrt())).log10()
}

/// Median milliseconds of `repeats` runs of `resample`, and its last output.
fn timed(repeats: usize, resample: impl Fn() -> Vec<f32>) -> (f64, Vec<f32>) {
    let mut times = Vec::new();
    let mut out = Vec::new();
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        out = resample();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    ((times[times.len() / 2] * 100.0).round() / 100.0, out)
}

/// Runs the benchmark and prints its JSON.
pub fn run(options: ResampleBench) -> anyhow::Result<()> {
    let round = |db: f64| (db * 10.0).round() / 10.0;
    let pairs: Vec<Value> = PAIRS
        .iter()
        .map(|&(from, to)| {
            let speech = tone(1_000.0, from, SECONDS);
            // A tone above what the lower rate holds must vanish (downsampling); upsampling
            // must keep one near the top of the input's band.
            let (high, kept) = match to < from {
                true => (to as f64 * 0.6, false),
                false => (from as f64 * 0.45, true),
            };
            let above = tone(high, from, 2.0);
            let measure = |resample: &dyn Fn(&[f32]) -> Vec<f32>| {
                resample(&speech[..1024]);
                let (ms, out) = timed(options.repeats, || resample(&speech));
                json!({
                    "ms_per_10_s": ms,
                    "output_samples": out.len(),
                    "tone_snr_db": round(tone_snr_db(&out, 1_000.0, to)),
                    "high_tone_db": round(level_db(&resample(&above))),
                })
            };
            let aoun = measure(&|x| aoun_audio::resample(x, from, to));
            let peer = measure(&|x| aoun_peers::sinc_resample(x, from, to));
            let speedup = peer["ms_per_10_s"].as_f64().unwrap_or(0.0)
                / aoun["ms_per_10_s"].as_f64().unwrap_or(f64::MAX).max(1e-6);
            json!({
                "from_hz": from,
                "to_hz": to,
                "high_tone_hz": high,
                "high_tone_should_be": if kept { "kept (0 dB)" } else { "removed" },
                "aoun_rubato_fft": aoun,
                "former_windowed_sinc": peer,
                "aoun_times_faster": (speedup * 10.0).round() / 10.0,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "resample",
            "seconds_per_run": SECONDS,
            "repeats": options.repeats,
            "pairs": pairs,
        }))?
    );
    Ok(())
}
