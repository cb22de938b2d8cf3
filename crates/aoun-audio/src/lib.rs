//! Audio for Aoun: read any PCM WAV into 16 kHz mono `f32` samples, write WAV answers, and measure
//! loudness. Every engine downstream (Whisper, Piper) works on plain sample slices; this crate is
//! the only place that knows about file formats, sample rates and sound devices.
//!
//! For a live conversation it offers:
//! - [`AudioSource`]: a microphone yielding fixed 16 kHz frames ([`CpalSource`] for the real one,
//!   [`WavSource`] to simulate one from a [`Timeline`] of clips, optionally hearing the
//!   loudspeaker's echo);
//! - [`AudioSink`]: a loudspeaker with a queue and a cloneable [`PlaybackControl`] that stops it
//!   at once and exposes what it is playing ([`CpalSink`], or [`WavSink`] which records);
//! - [`Vad`] ([`SileroVad`], [`EnergyVad`]) and an [`Endpointer`] that cuts speech into
//!   [`Utterance`]s.

mod device;
mod endpoint;
mod resample;
mod sink;
mod source;
mod vad;
mod wav;

pub use device::{CpalSink, CpalSource, DeviceError, DeviceKind, STALL_TIMEOUT};
pub use endpoint::{EndpointConfig, EndpointEvent, EndpointState, Endpointer, Utterance};
pub use resample::{resample, StreamResampler};
pub use sink::{
    AudioSink, PlaybackControl, PlayedClip, WavSink, MONITOR_SECONDS, WAV_SINK_MAX_SECONDS,
};
pub use source::{AudioSource, Pacing, Timeline, WavSource, FRAME_SAMPLES};
pub use vad::{
    disable_onnxruntime_telemetry, init_onnxruntime, onnx_session, EnergyVad, SileroVad, Vad,
    VadError,
};
pub use wav::{read_wav, read_wav_from, write_wav, WavInfo};

/// Sample rate every speech engine in Aoun expects as input.
pub const SPEECH_RATE: u32 = 16_000;

/// Longest question Aoun accepts, in seconds. A spoken question to a help desk lasts seconds; a
/// longer recording is almost always a microphone left open, and would keep the desk busy for
/// minutes, so it is refused with a clear message instead of being transcribed.
pub const MAX_QUESTION_SECONDS: f32 = 120.0;

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

    /// This audio at `rate` samples per second (a copy when the rate already matches).
    pub fn resampled(&self, rate: u32) -> Audio {
        Audio {
            samples: resample(&self.samples, self.sample_rate, rate),
            sample_rate: rate,
        }
    }

    /// Root-mean-square level in dB relative to full scale (-inf dBFS is returned as `f32::MIN`).
    pub fn rms_dbfs(&self) -> f32 {
        rms_dbfs(&self.samples)
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
