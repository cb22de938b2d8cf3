//! speexdsp's echo canceller (through the `aec-rs` crate), the other maintained canceller Rust
//! can use, measured beside Aoun's AEC3 by `aoun bench echo`.

use std::collections::VecDeque;

use aec_rs::{Aec, AecConfig};
use aoun_audio::{CancelEcho, SPEECH_RATE};

/// Samples in one 10 ms frame.
const FRAME: usize = SPEECH_RATE as usize / 100;
/// Echo tail its filter covers: 500 ms, enough for the kiosk rooms' device delay and most of
/// their reverberation.
const FILTER: i32 = SPEECH_RATE as i32 / 2;

/// speexdsp's canceller with its preprocessor (residual echo and noise suppression). It has no
/// delay estimation: the reference frame given with each microphone frame must hold the echo's
/// start within its filter.
pub struct SpeexCanceller {
    aec: Aec,
    reference: VecDeque<f32>,
    microphone: Vec<f32>,
    cancelled: VecDeque<f32>,
}

impl Default for SpeexCanceller {
    fn default() -> Self {
        Self::new()
    }
}

impl SpeexCanceller {
    /// A canceller for 16 kHz mono audio.
    pub fn new() -> Self {
        let aec = Aec::new(&AecConfig {
            frame_size: FRAME,
            filter_length: FILTER,
            sample_rate: SPEECH_RATE,
            enable_preprocess: true,
        });
        Self {
            aec,
            reference: VecDeque::new(),
            microphone: Vec::with_capacity(FRAME),
            cancelled: std::iter::repeat_n(0.0, FRAME).collect(),
        }
    }
}

fn to_i16(samples: impl Iterator<Item = f32>) -> Vec<i16> {
    samples
        .map(|s| (s.clamp(-1.0, 1.0) * i16::MAX as f32) as i16)
        .collect()
}

impl CancelEcho for SpeexCanceller {
    fn played(&mut self, samples: &[f32]) {
        self.reference.extend(samples);
    }

    fn cancel(&mut self, frame: &[f32]) -> Vec<f32> {
        for &sample in frame {
            self.microphone.push(sample);
            if self.microphone.len() == FRAME {
                let take = FRAME.min(self.reference.len());
                let mut reference = to_i16(self.reference.drain(..take));
                reference.resize(FRAME, 0);
                let microphone = to_i16(self.microphone.drain(..));
                let mut out = vec![0i16; FRAME];
                self.aec.cancel_echo(&microphone, &reference, &mut out);
                self.cancelled
                    .extend(out.iter().map(|&s| s as f32 / i16::MAX as f32));
            }
        }
        let take = frame.len().min(self.cancelled.len());
        self.cancelled.drain(..take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aoun_audio::RoomSpec;

    #[test]
    fn the_echo_of_a_small_office_is_reduced() {
        let room = RoomSpec::kiosk("office").unwrap();
        let played = aoun_audio::speech_like_noise(6.0, 11);
        let mut canceller = SpeexCanceller::new();
        let reduction =
            aoun_audio::echo_return_loss_enhancement(&room, &played, 3.0, &mut canceller).unwrap();
        println!("speexdsp in the office: {reduction:.1} dB");
        assert!(reduction >= 6.0, "{reduction:.1} dB");
    }
}
