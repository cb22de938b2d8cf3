//! Acoustic echo cancellation: the loudspeaker's sound reaches the microphone a few centimetres
//! away through the room, and would be heard as a person speaking. The canceller learns the
//! path from what was sent to the loudspeaker (the reference) to what the microphone hears, and
//! subtracts it, before voice detection and speech recognition.
//!
//! The engine is WebRTC's AEC3 in pure Rust (the `sonora` crate): it estimates the device and
//! room delay itself, follows clocks that drift apart, and suppresses what its linear filter
//! leaves, so it needs no knowledge of the sound card.

use std::collections::VecDeque;

use sonora::config::EchoCanceller as Aec3Config;
use sonora::{AudioProcessing, Config, StreamConfig};

use crate::SPEECH_RATE;

/// Samples in one 10 ms chunk, the unit AEC3 works in.
const CHUNK: usize = SPEECH_RATE as usize / 100;
/// Chunks over which the canceller's own reduction of the echo is measured (2 s).
const REDUCTION_WINDOW: usize = 200;
/// Chunks with the loudspeaker playing needed before that measure counts (1 s).
const REDUCTION_MIN_CHUNKS: usize = 100;
/// Echo reduction from which the canceller has converged, in dB.
const CONVERGED_DB: f32 = 12.0;
/// Spread of the cancelled microphone's level while the loudspeaker plays (median over the
/// quietest tenth), in dB, under which what is left is steady noise, not echo.
const STEADY_SPREAD_DB: f32 = 6.0;
/// Loudspeaker level above which a chunk counts in the measure, in dBFS.
const PLAYING_DBFS: f32 = -50.0;
/// How long the loudspeaker's sound may take to reach the microphone, in chunks (the longest
/// device and room delay measured for: 300 ms).
const ECHO_REACH: usize = 30;

/// An echo canceller: told everything the loudspeaker plays, it takes its echo out of each
/// microphone frame. Calls come in the order things happen: what was played up to now, then
/// the frame just heard.
pub trait CancelEcho {
    /// What the loudspeaker has just played, at [`SPEECH_RATE`] (silences included, so the
    /// canceller's clock follows the device's).
    fn played(&mut self, samples: &[f32]);

    /// The microphone `frame` without the loudspeaker's echo, as long as `frame`.
    fn cancel(&mut self, frame: &[f32]) -> Vec<f32>;
}

/// Aoun's echo canceller, WebRTC's AEC3 (see the module's documentation).
pub struct EchoCanceller {
    engine: AudioProcessing,
    /// Reference samples not yet making a whole chunk.
    reference: Vec<f32>,
    /// Microphone samples not yet making a whole chunk.
    microphone: Vec<f32>,
    /// Cancelled samples ready to be returned, one chunk behind the microphone.
    cancelled: VecDeque<f32>,
    /// Chunks since the reference was last louder than [`PLAYING_DBFS`].
    since_played: usize,
    /// Microphone and cancelled energy of the last chunks heard while the loudspeaker played.
    reduction: VecDeque<(f32, f32)>,
}

impl std::fmt::Debug for EchoCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoCanceller")
            .field("engine", &"AEC3")
            .finish_non_exhaustive()
    }
}

impl Default for EchoCanceller {
    fn default() -> Self {
        Self::new()
    }
}

impl EchoCanceller {
    /// A canceller for 16 kHz mono audio that has learnt nothing yet.
    pub fn new() -> Self {
        let stream = StreamConfig::new(SPEECH_RATE, 1);
        let engine = AudioProcessing::builder()
            .config(Config {
                echo_canceller: Some(Aec3Config::default()),
                ..Default::default()
            })
            .capture_config(stream)
            .render_config(stream)
            .build();
        Self {
            engine,
            reference: Vec::with_capacity(CHUNK),
            microphone: Vec::with_capacity(CHUNK),
            // One chunk of latency lets every frame come back whole, whatever its length.
            cancelled: std::iter::repeat_n(0.0, CHUNK).collect(),
            since_played: usize::MAX,
            reduction: VecDeque::with_capacity(REDUCTION_WINDOW + 1),
        }
    }

    /// How much quieter the microphone is after cancelling than before, in dB: the median over
    /// the 10 ms chunks of the last two seconds heard while the loudspeaker played; `None` until
    /// a second of it was heard. A canceller that has not converged (or has lost the echo path)
    /// shows a few dB, one that has, 20 or more; a person speaking over the answer for less
    /// than a second does not move the median.
    fn reduction_db(&self) -> Option<f32> {
        let db = |energy: f32| 10.0 * energy.max(f32::MIN_POSITIVE).log10();
        self.percentile(|&(heard, left)| db(heard) - db(left), 0.5)
    }

    /// Whether the canceller has converged: it takes away most of the echo (a reduction of
    /// 12 dB or more), or what it leaves while the loudspeaker plays is the room's steady noise
    /// (its level varies by less than 6 dB, where speech varies by 15 or more). The second
    /// holds in a noisy hall, where the noise bounds the reduction that can be measured.
    pub fn converged(&self) -> bool {
        let db = |energy: f32| 10.0 * energy.max(f32::MIN_POSITIVE).log10();
        let reduced = self.reduction_db().is_some_and(|r| r >= CONVERGED_DB);
        let spread = self
            .percentile(|&(_, left)| db(left), 0.5)
            .zip(self.percentile(|&(_, left)| db(left), 0.1))
            .map(|(median, quiet)| median - quiet);
        reduced || spread.is_some_and(|s| s <= STEADY_SPREAD_DB)
    }

    /// The `fraction` percentile of `measure` over the chunks heard while the loudspeaker
    /// played; `None` until a second of them was heard.
    fn percentile(&self, measure: impl Fn(&(f32, f32)) -> f32, fraction: f32) -> Option<f32> {
        if self.reduction.len() < REDUCTION_MIN_CHUNKS {
            return None;
        }
        let mut values: Vec<f32> = self.reduction.iter().map(measure).collect();
        values.sort_by(f32::total_cmp);
        let at = ((values.len() - 1) as f32 * fraction.clamp(0.0, 1.0)) as usize;
        Some(values[at])
    }
}

impl CancelEcho for EchoCanceller {
    fn played(&mut self, samples: &[f32]) {
        for &sample in samples {
            self.reference.push(sample);
            if self.reference.len() == CHUNK {
                self.since_played = match crate::rms_dbfs(&self.reference) > PLAYING_DBFS {
                    true => 0,
                    false => self.since_played.saturating_add(1),
                };
                let mut unused = [0.0f32; CHUNK];
                // Only a chunk of the wrong size fails, and every chunk here is whole.
                let _ = self
                    .engine
                    .process_render_f32(&[&self.reference], &mut [&mut unused]);
                self.reference.clear();
            }
        }
    }

    /// Comes back 10 ms late: AEC3 works on whole 10 ms chunks.
    fn cancel(&mut self, frame: &[f32]) -> Vec<f32> {
        for &sample in frame {
            self.microphone.push(sample);
            if self.microphone.len() == CHUNK {
                let mut out = [0.0f32; CHUNK];
                match self
                    .engine
                    .process_capture_f32(&[&self.microphone], &mut [&mut out])
                {
                    Ok(()) => {
                        if self.since_played <= ECHO_REACH {
                            let energy = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>();
                            self.reduction
                                .push_back((energy(&self.microphone), energy(&out)));
                            if self.reduction.len() > REDUCTION_WINDOW {
                                self.reduction.pop_front();
                            }
                        }
                        self.cancelled.extend(out);
                    }
                    Err(_) => self.cancelled.extend(self.microphone.iter().copied()),
                }
                self.microphone.clear();
            }
        }
        let take = frame.len().min(self.cancelled.len());
        self.cancelled.drain(..take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(samples: &[f32]) -> f32 {
        samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32
    }

    #[test]
    fn a_delayed_echo_is_cancelled_and_frames_keep_their_length() {
        let played = crate::speech_like_noise(6.0, 7);
        // The microphone hears the loudspeaker 40 ms later, at half its level, through a
        // short decaying path.
        let delay = 640;
        let mut heard = vec![0.0f32; played.len()];
        for (i, sample) in played.iter().enumerate() {
            for (tap, gain) in [(0, 0.5), (37, 0.2), (91, -0.1)] {
                if let Some(h) = heard.get_mut(i + delay + tap) {
                    *h += sample * gain;
                }
            }
        }
        let mut canceller = EchoCanceller::new();
        let mut out = Vec::new();
        for (reference, microphone) in played.chunks(512).zip(heard.chunks(512)) {
            canceller.played(reference);
            let cancelled = canceller.cancel(microphone);
            assert_eq!(cancelled.len(), microphone.len());
            out.extend(cancelled);
        }
        // After three seconds to converge, the echo is at least 20 dB quieter.
        let from = 3 * SPEECH_RATE as usize;
        let reduction = 10.0 * (energy(&heard[from..]) / energy(&out[from..])).log10();
        assert!(reduction >= 20.0, "{reduction:.1} dB");
        // Its own measure agrees.
        let measured = canceller.reduction_db().expect("a second of echo heard");
        assert!(
            (measured - reduction).abs() < 6.0,
            "{measured:.1} {reduction:.1}"
        );
    }

    /// Speech-like echo of `played` 40 ms later at half its level, over steady noise at
    /// `noise_dbfs`, through a canceller told it was played.
    fn cancel_through(played: &[f32], noise_dbfs: f32) -> EchoCanceller {
        // Uniform noise in -1..1 has an RMS of 1/sqrt(3).
        let steady = 10f32.powf(noise_dbfs / 20.0) * 3f32.sqrt();
        let mut canceller = EchoCanceller::new();
        let mut state = 1u32;
        for (n, block) in played.chunks(512).enumerate() {
            let microphone: Vec<f32> = (0..block.len())
                .map(|i| {
                    let k = n * 512 + i;
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let hiss = ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 2.0;
                    let echo = k.checked_sub(640).map_or(0.0, |j| played[j] * 0.5);
                    echo + hiss * steady
                })
                .collect();
            canceller.played(block);
            canceller.cancel(&microphone);
        }
        canceller
    }

    #[test]
    fn in_loud_steady_noise_the_canceller_is_known_to_have_converged() {
        let played = crate::speech_like_noise(6.0, 5);
        // Noise 10 dB under the echo: the reduction measured cannot pass 10 dB, yet what is
        // left while the loudspeaker plays is the noise alone.
        let noisy = cancel_through(&played, -32.0);
        assert!(noisy.converged());
    }
}
