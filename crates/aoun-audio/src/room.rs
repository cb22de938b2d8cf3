//! A room for tests and benchmarks: what a kiosk's microphone hears of its own loudspeaker.
//! The sound travels through a shoebox room (its impulse response computed with the image-source
//! method), arrives after the sound card's delay, on a clock that drifts from the loudspeaker's,
//! over background noise (babble of other voices, a fan's hum).

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::source::Noise;
use crate::{Audio, CancelEcho, SPEECH_RATE};

/// Speed of sound in air, metres per second.
const SOUND_SPEED: f32 = 343.0;

/// Background noise of a room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RoomNoise {
    /// No noise.
    Quiet,
    /// Several voices talking at once, unintelligible.
    Babble,
    /// A fan's hum: mains harmonics and low rumble.
    Hum,
}

/// One room: its size and reverberation, where the loudspeaker and the microphone are, the
/// sound card's delay and clock drift, and its noise.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomSpec {
    /// A name for reports and command lines.
    pub name: &'static str,
    /// Width, depth and height in metres.
    pub size: [f32; 3],
    /// Reverberation time (RT60): how long a sound takes to fade by 60 dB, in seconds.
    pub rt60_secs: f32,
    /// Loudspeaker position in metres.
    pub speaker: [f32; 3],
    /// Microphone position in metres.
    pub microphone: [f32; 3],
    /// Delay the sound card adds between the reference and the loudspeaker, in milliseconds.
    pub device_delay_ms: f32,
    /// How much louder the echo is at the microphone than what was played, in dB (negative:
    /// quieter).
    pub echo_gain_db: f32,
    /// How fast the microphone's clock runs against the loudspeaker's, in parts per million.
    pub drift_ppm: f32,
    /// Background noise.
    pub noise: RoomNoise,
    /// Level of the noise, in dBFS.
    pub noise_dbfs: f32,
}

impl RoomSpec {
    /// Kiosk rooms from a small quiet office to a large echoing hall: reverberation 0.2-0.8 s,
    /// delay 5-120 ms, echo louder than a person speaking at the kiosk (about -25 dBFS) when the
    /// answer plays at about -20 dBFS, noise 5-20 dB below the person (babble at 15-20 dB
    /// below: nearer, it keeps the voice detector hearing speech), clocks up to 100 ppm apart.
    pub fn kiosks() -> Vec<RoomSpec> {
        let kiosk =
            |name, size, rt60_secs, device_delay_ms, drift_ppm, noise, noise_dbfs| RoomSpec {
                name,
                size,
                rt60_secs,
                speaker: [1.0, 1.2, 1.1],
                microphone: [1.05, 1.25, 1.2],
                device_delay_ms,
                echo_gain_db: 0.0,
                drift_ppm,
                noise,
                noise_dbfs,
            };
        vec![
            kiosk(
                "office",
                [4.0, 3.5, 2.7],
                0.2,
                5.0,
                0.0,
                RoomNoise::Hum,
                -45.0,
            ),
            kiosk(
                "counter",
                [7.0, 5.0, 3.0],
                0.4,
                40.0,
                30.0,
                RoomNoise::Babble,
                -45.0,
            ),
            kiosk(
                "waiting-room",
                [10.0, 8.0, 3.5],
                0.6,
                80.0,
                -60.0,
                RoomNoise::Babble,
                -40.0,
            ),
            kiosk(
                "hall",
                [16.0, 12.0, 5.0],
                0.8,
                120.0,
                100.0,
                RoomNoise::Hum,
                -30.0,
            ),
        ]
    }

    /// The kiosk room called `name` (see [`RoomSpec::kiosks`]).
    pub fn kiosk(name: &str) -> Option<RoomSpec> {
        Self::kiosks().into_iter().find(|room| room.name == name)
    }

    /// The impulse response from the reference to the microphone at [`SPEECH_RATE`]: the sound
    /// card's delay, then the direct sound and every reflection off the six walls up to the
    /// reverberation time, scaled to [`RoomSpec::echo_gain_db`].
    pub fn impulse_response(&self) -> Vec<f32> {
        let [width, depth, height] = self.size;
        let volume = width * depth * height;
        let surface = 2.0 * (width * depth + depth * height + width * height);
        let rt60 = self.rt60_secs.max(0.05);
        // Sabine's formula gives the walls' absorption for the reverberation time; the decay
        // that the reflections really give is read back once and the walls corrected for it.
        let absorption = (0.161 * volume / (surface * rt60)).clamp(0.01, 0.99);
        let sabine = (1.0 - absorption).sqrt();
        let first = self.reflections(sabine);
        let reflection = match decay_time(&first) {
            Some(measured) => sabine.powf(measured / rt60).clamp(0.01, 0.999),
            None => sabine,
        };
        let mut response = self.reflections(reflection);
        let energy: f32 = response.iter().map(|h| h * h).sum();
        let gain = 10f32.powf(self.echo_gain_db / 20.0) / energy.sqrt().max(f32::MIN_POSITIVE);
        response.iter_mut().for_each(|h| *h *= gain);
        response
    }

    /// The sound card's delay, then the direct sound and every reflection (each wall keeping
    /// `reflection` of the amplitude) up to the reverberation time.
    fn reflections(&self, reflection: f32) -> Vec<f32> {
        let rate = SPEECH_RATE as f32;
        let [width, depth, height] = self.size;
        let delay = (self.device_delay_ms.max(0.0) / 1000.0 * rate) as usize;
        let longest = SOUND_SPEED * self.rt60_secs;
        let mut response = vec![0.0f32; delay + (self.rt60_secs * rate) as usize + 1];
        // Images along one axis: mirrored (p = 1) or not, shifted by m room lengths; the
        // reflection count is |m - p| + |m|.
        let images = |length: f32, source: f32, receiver: f32| {
            let reach = (longest / (2.0 * length)).ceil() as i32 + 1;
            let mut found = Vec::new();
            for m in -reach..=reach {
                for p in 0..=1 {
                    let position = (1 - 2 * p) as f32 * source + 2.0 * m as f32 * length;
                    let reflections = (m - p).abs() + m.abs();
                    found.push((position - receiver, reflections));
                }
            }
            found
        };
        let xs = images(width, self.speaker[0], self.microphone[0]);
        let ys = images(depth, self.speaker[1], self.microphone[1]);
        let zs = images(height, self.speaker[2], self.microphone[2]);
        for &(dx, rx) in &xs {
            for &(dy, ry) in &ys {
                let planar = dx * dx + dy * dy;
                if planar > longest * longest {
                    continue;
                }
                for &(dz, rz) in &zs {
                    let distance = (planar + dz * dz).sqrt().max(0.01);
                    if distance > longest {
                        continue;
                    }
                    let tap = delay + (distance / SOUND_SPEED * rate).round() as usize;
                    if let Some(slot) = response.get_mut(tap) {
                        *slot += reflection.powi(rx + ry + rz) / distance;
                    }
                }
            }
        }
        response
    }
}

/// The reverberation time of an impulse response, in seconds: the decay of its reflections
/// (Schroeder's backward integral after the direct sound, from -5 to -25 dB) extrapolated to
/// 60 dB. `None` for a response too short to tell.
fn decay_time(response: &[f32]) -> Option<f32> {
    // The direct sound is the first tap; its own 2 ms are left out.
    let first = response.iter().position(|h| h.abs() > 0.0)?;
    let reflections = response.get(first + 32..)?;
    let mut remaining: Vec<f32> = reflections
        .iter()
        .rev()
        .scan(0.0, |sum, h| {
            *sum += h * h;
            Some(*sum)
        })
        .collect();
    remaining.reverse();
    let total = *remaining.first()?;
    let at = |db: f32| {
        let level = total * 10f32.powf(db / 10.0);
        remaining.iter().position(|&r| r <= level)
    };
    let span = at(-25.0)? - at(-5.0)?;
    Some(span as f32 * 3.0 / SPEECH_RATE as f32)
}

/// What the microphone of a [`RoomSpec`] hears of the loudspeaker, frame by frame.
pub struct Room {
    spec: RoomSpec,
    convolver: Convolver,
    /// Played samples not yet heard.
    pending: VecDeque<f32>,
    /// Whether enough was played to start hearing it at a steady delay.
    primed: bool,
    /// Position of the next microphone sample between `pending[0]` and `pending[1]`.
    phase: f64,
    noise: Vec<f32>,
    noise_at: usize,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

/// Played audio buffered before the microphone starts hearing it, in samples (20 ms): the
/// loudspeaker's device thread delivers in blocks, the microphone in frames.
const JITTER_MARGIN: usize = SPEECH_RATE as usize / 50;

impl Room {
    /// A room heard in frames of `frame_len` samples. `voices` (any rate) make its babble.
    pub fn new(spec: RoomSpec, frame_len: usize, voices: &[Audio]) -> Self {
        let convolver = Convolver::new(&spec.impulse_response(), frame_len.max(1));
        let noise = make_noise(spec.noise, spec.noise_dbfs, voices);
        Self {
            spec,
            convolver,
            pending: VecDeque::new(),
            primed: false,
            phase: 0.0,
            noise,
            noise_at: 0,
        }
    }

    /// The room's description.
    pub fn spec(&self) -> &RoomSpec {
        &self.spec
    }

    /// Tells the room what the loudspeaker played (at [`SPEECH_RATE`]).
    pub fn played(&mut self, samples: &[f32]) {
        self.pending.extend(samples.iter().copied());
    }

    /// The next microphone frame of the room (echo and noise), as long as the room's frames.
    pub fn next_frame(&mut self) -> Vec<f32> {
        let frame_len = self.convolver.block;
        if !self.primed && self.pending.len() >= frame_len + JITTER_MARGIN {
            self.primed = true;
        }
        // The microphone's clock reads the loudspeaker's samples a little faster or slower.
        let step = 1.0 + self.spec.drift_ppm as f64 * 1e-6;
        let mut drifted = vec![0.0f32; frame_len];
        if self.primed {
            for sample in drifted.iter_mut() {
                let whole = self.phase.floor() as usize;
                let fraction = (self.phase - whole as f64) as f32;
                let (Some(&a), Some(&b)) = (self.pending.get(whole), self.pending.get(whole + 1))
                else {
                    // The loudspeaker fell behind: wait for a steady delay again.
                    self.primed = false;
                    break;
                };
                *sample = a + (b - a) * fraction;
                self.phase += step;
            }
            let used = (self.phase.floor() as usize).min(self.pending.len());
            self.pending.drain(..used);
            self.phase -= used as f64;
        }
        let mut frame = self.convolver.push(&drifted);
        if !self.noise.is_empty() {
            for sample in frame.iter_mut() {
                *sample += self.noise[self.noise_at];
                self.noise_at = (self.noise_at + 1) % self.noise.len();
            }
        }
        frame
    }
}

/// `seconds` of a speech-like test signal at [`SPEECH_RATE`]: white noise shaped by four
/// syllables a second, at about -16 dBFS; the same for the same `seed`.
pub fn speech_like_noise(seconds: f32, seed: u64) -> Vec<f32> {
    let mut noise = Noise(seed | 1);
    let rate = SPEECH_RATE as f32;
    (0..(seconds * rate) as usize)
        .map(|i| {
            let noise = noise.next();
            let syllables = (i as f32 * std::f32::consts::PI * 4.0 / rate).sin().abs();
            noise * syllables * 0.3
        })
        .collect()
}

/// Echo return loss enhancement: how much quieter the echo of `played` (at [`SPEECH_RATE`])
/// through the room `spec` is after `canceller` than before, in dB, over what comes after the
/// first `settle` seconds (the canceller converging). The room's noise is left out, so the
/// figure is the echo's alone; `None` when nothing is left to measure.
pub fn echo_return_loss_enhancement(
    spec: &RoomSpec,
    played: &[f32],
    settle: f32,
    canceller: &mut dyn CancelEcho,
) -> Option<f32> {
    let frame = crate::FRAME_SAMPLES;
    let quiet = RoomSpec {
        noise: RoomNoise::Quiet,
        ..spec.clone()
    };
    let mut room = Room::new(quiet, frame, &[]);
    let from = (settle.max(0.0) * SPEECH_RATE as f32) as usize;
    let (mut heard, mut left) = (0.0f64, 0.0f64);
    for (n, block) in played.chunks(frame).enumerate() {
        room.played(block);
        let microphone = room.next_frame();
        canceller.played(block);
        let cancelled = canceller.cancel(&microphone);
        if n * frame >= from {
            heard += microphone.iter().map(|s| (s * s) as f64).sum::<f64>();
            left += cancelled.iter().map(|s| (s * s) as f64).sum::<f64>();
        }
    }
    (heard > 0.0).then(|| (10.0 * (heard / left.max(f64::MIN_POSITIVE)).log10()) as f32)
}

/// Twenty seconds of a room's background noise at `dbfs`.
fn make_noise(kind: RoomNoise, dbfs: f32, voices: &[Audio]) -> Vec<f32> {
    let rate = SPEECH_RATE as usize;
    let length = 20 * rate;
    let mut noise = match kind {
        RoomNoise::Quiet => return Vec::new(),
        RoomNoise::Babble => {
            // Each voice reversed (so no word can be understood), looped from its own offset.
            let mut mix = vec![0.0f32; length];
            let voices: Vec<Vec<f32>> = voices
                .iter()
                .map(|v| v.resampled(SPEECH_RATE).samples.into_iter().rev().collect())
                .filter(|v: &Vec<f32>| !v.is_empty())
                .collect();
            for (n, voice) in voices.iter().enumerate() {
                let offset = n * voice.len() / voices.len().max(1);
                for (i, slot) in mix.iter_mut().enumerate() {
                    *slot += voice[(i + offset) % voice.len()];
                }
            }
            mix
        }
        RoomNoise::Hum => {
            let mut white = Noise(0x9e37_79b9_7f4a_7c15);
            let mut rumble = 0.0f32;
            (0..length)
                .map(|i| {
                    let t = i as f32 / rate as f32;
                    let mains: f32 = [50.0, 100.0, 150.0]
                        .iter()
                        .zip([1.0, 0.5, 0.25])
                        .map(|(f, a)| a * (2.0 * std::f32::consts::PI * f * t).sin())
                        .sum();
                    let white = white.next();
                    rumble = 0.98 * rumble + 0.02 * white;
                    mains + 20.0 * rumble
                })
                .collect()
        }
    };
    let rms = (noise.iter().map(|s| s * s).sum::<f32>() / length as f32).sqrt();
    if rms > 0.0 {
        let gain = 10f32.powf(dbfs / 20.0) / rms;
        noise.iter_mut().for_each(|s| *s *= gain);
    }
    noise
}

/// Convolution of a stream with a long impulse response, a block at a time: the response is cut
/// into blocks, each multiplied with the spectra of the last inputs (uniformly partitioned
/// overlap-save), so a block costs two FFTs whatever the response's length.
struct Convolver {
    block: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    /// Spectra of the response's blocks.
    partitions: Vec<Vec<Complex<f32>>>,
    /// Spectra of the last inputs, newest first.
    history: VecDeque<Vec<Complex<f32>>>,
    /// The previous input block and the current one.
    window: Vec<f32>,
}

impl Convolver {
    fn new(response: &[f32], block: usize) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(2 * block);
        let inverse = planner.plan_fft_inverse(2 * block);
        let partitions: Vec<Vec<Complex<f32>>> = response
            .chunks(block)
            .map(|part| {
                let mut padded = vec![0.0f32; 2 * block];
                padded[..part.len()].copy_from_slice(part);
                let mut spectrum = forward.make_output_vec();
                let _ = forward.process(&mut padded, &mut spectrum);
                spectrum
            })
            .collect();
        let bins = forward.make_output_vec().len();
        let history = (0..partitions.len())
            .map(|_| vec![Complex::default(); bins])
            .collect();
        Self {
            block,
            forward,
            inverse,
            partitions,
            history,
            window: vec![0.0; 2 * block],
        }
    }

    /// The next `block` output samples for `block` new input samples.
    fn push(&mut self, input: &[f32]) -> Vec<f32> {
        let block = self.block;
        self.window.copy_within(block.., 0);
        self.window[block..].fill(0.0);
        self.window[block..block + input.len().min(block)]
            .copy_from_slice(&input[..input.len().min(block)]);
        let mut scratch = self.window.clone();
        let mut spectrum = self.forward.make_output_vec();
        let _ = self.forward.process(&mut scratch, &mut spectrum);
        self.history.pop_back();
        self.history.push_front(spectrum);
        let mut sum = self.forward.make_output_vec();
        for (input, part) in self.history.iter().zip(&self.partitions) {
            for ((s, x), h) in sum.iter_mut().zip(input).zip(part) {
                *s += x * h;
            }
        }
        let mut out = self.inverse.make_output_vec();
        let _ = self.inverse.process(&mut sum, &mut out);
        let scale = 1.0 / (2 * block) as f32;
        out[block..].iter().map(|s| s * scale).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(rt60_secs: f32) -> RoomSpec {
        RoomSpec {
            noise: RoomNoise::Quiet,
            rt60_secs,
            ..RoomSpec::kiosks()[1].clone()
        }
    }

    #[test]
    fn the_response_starts_after_the_delay_and_fades_with_the_reverberation() {
        for rt60 in [0.2, 0.8] {
            let room = spec(rt60);
            let response = room.impulse_response();
            let delay = (room.device_delay_ms / 1000.0 * SPEECH_RATE as f32) as usize;
            let first = response.iter().position(|h| h.abs() > 0.0).unwrap();
            assert!((delay..delay + 16).contains(&first), "{first}");
            let energy: f32 = response.iter().map(|h| h * h).sum();
            assert!((energy.log10() * 10.0 - room.echo_gain_db).abs() < 0.1);
            // The reverberation time read back from the decay is about the room's.
            let measured = decay_time(&response).unwrap();
            assert!(
                (rt60 * 0.8..rt60 * 1.2).contains(&measured),
                "rt60 {rt60}: {measured:.2} s"
            );
        }
    }

    #[test]
    fn the_convolver_matches_a_direct_convolution() {
        let response: Vec<f32> = (0..700)
            .map(|i| ((i * 7919) % 23) as f32 / 23.0 - 0.5)
            .collect();
        let input: Vec<f32> = (0..2048)
            .map(|i| ((i * 104_729) % 31) as f32 / 31.0 - 0.5)
            .collect();
        let mut convolver = Convolver::new(&response, 256);
        let fast: Vec<f32> = input.chunks(256).flat_map(|b| convolver.push(b)).collect();
        for (n, got) in fast.iter().enumerate() {
            let want: f32 = (0..=n.min(response.len() - 1))
                .map(|k| response[k] * input[n - k])
                .sum();
            assert!((got - want).abs() < 1e-3, "{n}: {got} {want}");
        }
    }

    #[test]
    fn the_microphone_hears_the_loudspeaker_later_and_drifting() {
        let mut room = Room::new(spec(0.2), 512, &[]);
        let mut heard = Vec::new();
        let click_at = 4_000;
        let mut played = vec![0.0f32; 16_000];
        played[click_at] = 1.0;
        for block in played.chunks(512) {
            room.played(block);
            heard.extend(room.next_frame());
        }
        let loudest = heard
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        // The sound card's 40 ms, a frame's wait for the first played block, the direct path.
        let delay = loudest - click_at;
        assert!((640 + 512..640 + 512 + 16).contains(&delay), "{delay}");
    }
}
