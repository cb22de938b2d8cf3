//! Audio for Aoun: read any PCM WAV into 16 kHz mono `f32` samples, write WAV answers, and measure
//! loudness. Every engine downstream (Whisper, Piper) works on plain sample slices; this crate is
//! the only place that knows about file formats, sample rates and sound devices.
//!
//! For a live conversation it offers:
//! - [`AudioSource`]: a microphone yielding fixed 16 kHz frames ([`CpalSource`] for the real one,
//!   [`WavSource`] to simulate one from a [`Timeline`] of clips, optionally hearing the
//!   loudspeaker through a simulated [`Room`]);
//! - [`EchoCanceller`]: removes the loudspeaker's echo from the microphone;
//! - [`AudioSink`]: a loudspeaker with a queue and a cloneable [`PlaybackControl`] that stops it
//!   at once and exposes what it is playing ([`CpalSink`], or [`WavSink`] which records);
//! - [`Vad`] ([`SileroVad`], [`EnergyVad`]) and an [`Endpointer`] that cuts speech into
//!   [`Utterance`]s.

mod device;
mod echo;
mod endpoint;
mod room;
mod sink;
mod source;
mod turn;
mod vad;
mod wav;

pub use device::{CpalSink, CpalSource, DeviceError, DeviceKind, STALL_TIMEOUT};
pub use echo::{CancelEcho, EchoCanceller};
pub use endpoint::{EndpointConfig, EndpointEvent, EndpointState, Endpointer, Utterance};
pub use room::{echo_return_loss_enhancement, speech_like_noise, Room, RoomNoise, RoomSpec};
pub use sink::{
    AudioSink, PlaybackControl, PlayedClip, WavSink, MONITOR_SECONDS, WAV_SINK_MAX_SECONDS,
};
pub use source::{AudioSource, Pacing, Timeline, WavSource, FRAME_SAMPLES};
pub use turn::{SmartTurn, TurnDetector};
pub use vad::{EnergyVad, SileroVad, Vad, VadError};
pub use wav::{read_wav, read_wav_from, write_wav, WavInfo};

pub use aoun_core::resample::{resample, StreamResampler};
pub use aoun_core::{rms_dbfs, Audio};

/// Sample rate every speech engine in Aoun expects as input.
pub const SPEECH_RATE: u32 = 16_000;

/// Longest question Aoun accepts, in seconds. A spoken question to a help desk lasts seconds; a
/// longer recording is almost always a microphone left open, and would keep the desk busy for
/// minutes, so it is refused with a clear message instead of being transcribed.
pub const MAX_QUESTION_SECONDS: f32 = 120.0;

/// Level under which a recording is treated as silence: Whisper invents text when fed silence,
/// so no turn starts below it.
pub const SILENCE_DBFS: f32 = -55.0;

/// True when the loudest 100 ms window of `audio` stays below [`SILENCE_DBFS`].
pub fn is_silent(audio: &Audio) -> bool {
    let window = (audio.sample_rate as usize / 10).max(1);
    audio
        .samples
        .chunks(window)
        .map(rms_dbfs)
        .fold(f32::MIN, f32::max)
        < SILENCE_DBFS
}

/// Errors reading or writing audio. Each message is one sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file does not exist or cannot be opened.
    #[error("cannot open the audio file {path}: {reason}")]
    Open {
        /// File path as given.
        path: String,
        /// Operating system's reason.
        reason: String,
    },
    /// The file is not a RIFF/WAVE file or its header is damaged.
    #[error("{path} is not a readable WAV file ({reason})")]
    NotWav {
        /// File path as given.
        path: String,
        /// Decoder's reason.
        reason: String,
    },
    /// The header promises more audio than the file holds.
    #[error("{path} is truncated: the file ends before the audio its header announces")]
    Truncated {
        /// File path as given.
        path: String,
    },
    /// A WAV encoding Aoun does not read (for example 24-bit float or A-law).
    #[error(
        "{path} uses an unsupported WAV encoding: {detail}; use 8/16/24/32-bit PCM or 32-bit float"
    )]
    Unsupported {
        /// File path as given.
        path: String,
        /// What was found.
        detail: String,
    },
    /// Sample rate outside 8 to 48 kHz.
    #[error("{path} has a sample rate of {rate} Hz; Aoun reads 8,000 to 48,000 Hz")]
    SampleRate {
        /// File path as given.
        path: String,
        /// Rate found in the header.
        rate: u32,
    },
    /// The file holds no samples.
    #[error("{path} contains no audio samples")]
    Empty {
        /// File path as given.
        path: String,
    },
    /// The recording is longer than a question can be.
    #[error("{path} lasts {seconds:.0} seconds; a question may last at most {max:.0} seconds, please record a shorter one")]
    TooLong {
        /// File path as given.
        path: String,
        /// Its length.
        seconds: f32,
        /// The limit.
        max: f32,
    },
    /// Writing an output file failed.
    #[error("cannot write the audio file {path}: {reason}")]
    Write {
        /// File path as given.
        path: String,
        /// Reason.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_is_joined_after_its_gap_at_the_first_audio_s_rate() {
        let mut all = Audio {
            samples: vec![0.5; 1600],
            sample_rate: 16_000,
        };
        let piece = Audio {
            samples: vec![0.5; 800],
            sample_rate: 8_000,
        };
        all.join(&piece, 0.25);
        assert_eq!(all.sample_rate, 16_000);
        assert!(
            (all.duration_secs() - 0.45).abs() < 0.002,
            "{}",
            all.duration_secs()
        );
        // The gap is silent, the piece is there.
        assert!(all.samples[1700..5500].iter().all(|&s| s == 0.0));
        assert!(all.samples[6500..7000]
            .iter()
            .all(|&s| (s - 0.5).abs() < 0.05));
    }
}
