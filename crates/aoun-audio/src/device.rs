//! Real sound devices through cpal: [`CpalSource`] (the default microphone) and [`CpalSink`]
//! (the default loudspeaker), and the [`DeviceError`] both report.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, SampleFormat, SizedSample, Stream, StreamConfig};

use crate::sink::PlayQueue;
use crate::{Audio, AudioSink, AudioSource, PlaybackControl, StreamResampler, SPEECH_RATE};

/// Which device an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// An input device.
    Microphone,
    /// An output device.
    Speaker,
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceKind::Microphone => "microphone",
            DeviceKind::Speaker => "loudspeaker",
        })
    }
}

/// Errors of sound devices. Each message is one sentence a person can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    /// There is no usable device of this kind.
    #[error("no {device} found ({reason}); connect one or choose another device, then try again")]
    NotFound {
        /// Which device.
        device: DeviceKind,
        /// What the sound system said.
        reason: String,
    },
    /// The device was in use and vanished (unplugged, or the sound server went away).
    #[error("the {device} disappeared while in use; reconnect it and Aoun will listen again")]
    Disconnected {
        /// Which device.
        device: DeviceKind,
    },
    /// The device reported a failure.
    #[error("the {device} failed: {reason}")]
    Failed {
        /// Which device.
        device: DeviceKind,
        /// What the sound system said.
        reason: String,
    },
    /// The device stopped delivering audio without saying why.
    #[error("the {device} stopped delivering sound for {seconds} seconds; check it and try again")]
    Stalled {
        /// Which device.
        device: DeviceKind,
        /// How long it has been silent.
        seconds: u64,
    },
    /// The audio handed to a sink cannot be played.
    #[error("this audio cannot be played: {reason}")]
    InvalidAudio {
        /// Why.
        reason: String,
    },
}

impl DeviceError {
    fn from_cpal(device: DeviceKind, error: &cpal::Error) -> Self {
        match error.kind() {
            ErrorKind::DeviceNotAvailable | ErrorKind::HostUnavailable => DeviceError::NotFound {
                device,
                reason: error.to_string(),
            },
            _ => DeviceError::Failed {
                device,
                reason: error.to_string(),
            },
        }
    }

    /// An error reported by a running stream; `None` for hiccups the stream survives (a buffer
    /// overrun, refused real-time priority, a route change the system handled).
    fn from_stream(device: DeviceKind, error: &cpal::Error) -> Option<Self> {
        match error.kind() {
            ErrorKind::Xrun | ErrorKind::RealtimeDenied | ErrorKind::DeviceChanged => None,
            ErrorKind::DeviceNotAvailable | ErrorKind::StreamInvalidated => {
                Some(DeviceError::Disconnected { device })
            }
            _ => Some(DeviceError::Failed {
                device,
                reason: error.to_string(),
            }),
        }
    }
}

/// How long a microphone may stay mute before [`CpalSource::next_frame`] reports it stalled.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(3);

/// Raw blocks from the input callback (mono, device rate), or the stream's error.
type InputMessage = Result<Vec<f32>, DeviceError>;

/// The default microphone, resampled to 16 kHz mono and cut into frames.
///
/// When the device fails, [`AudioSource::next_frame`] returns the error; call
/// [`CpalSource::reopen`] (or [`CpalSource::open_default`] again) to listen again once it is back.
pub struct CpalSource {
    stream: Option<Stream>,
    blocks: Receiver<InputMessage>,
    resampler: StreamResampler,
    pending: Vec<f32>,
    frame_len: usize,
    failure: Option<DeviceError>,
    description: String,
}

impl std::fmt::Debug for CpalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpalSource")
            .field("device", &self.description)
            .field("device_rate", &self.resampler.from_rate())
            .field("frame_len", &self.frame_len)
            .finish_non_exhaustive()
    }
}

/// While a device is looked up, alsa-lib writes its own diagnostics to the error output (a dozen
/// lines when there is no sound card); on this thread they go to a buffer instead, and the
/// caller's one-sentence error says what matters.
#[cfg(target_os = "linux")]
fn quiet_sound_system() -> Option<impl Sized> {
    alsa::Output::local_error_handler().ok()
}

#[cfg(not(target_os = "linux"))]
fn quiet_sound_system() -> Option<()> {
    None
}

/// Blocks of input kept while the consumer is busy (a few seconds at common callback sizes);
/// older audio is dropped rather than letting memory grow.
const INPUT_QUEUE_BLOCKS: usize = 512;

impl CpalSource {
    /// Opens the system's default microphone, yielding frames of `frame_len` samples (at least
    /// one; [`FRAME_SAMPLES`] suits Silero VAD).
    pub fn open_default(frame_len: usize) -> Result<Self, DeviceError> {
        let device_kind = DeviceKind::Microphone;
        let _quiet = quiet_sound_system();
        let host = cpal::default_host();
        let device = host.default_input_device().ok_or(DeviceError::NotFound {
            device: device_kind,
            reason: "the sound system reports no input device".into(),
        })?;
        let supported = device
            .default_input_config()
            .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        let description = device
            .description()
            .map(|d| d.to_string())
            .unwrap_or_else(|_| "default input".into());
        let config: StreamConfig = supported.config();
        let channels = config.channels.max(1) as usize;
        let (sender, blocks) = mpsc::sync_channel::<InputMessage>(INPUT_QUEUE_BLOCKS);
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build_input::<f32>(&device, &config, channels, sender),
            SampleFormat::I16 => build_input::<i16>(&device, &config, channels, sender),
            SampleFormat::U16 => build_input::<u16>(&device, &config, channels, sender),
            SampleFormat::I32 => build_input::<i32>(&device, &config, channels, sender),
            SampleFormat::U8 => build_input::<u8>(&device, &config, channels, sender),
            SampleFormat::I8 => build_input::<i8>(&device, &config, channels, sender),
            SampleFormat::F64 => build_input::<f64>(&device, &config, channels, sender),
            other => {
                return Err(DeviceError::Failed {
                    device: device_kind,
                    reason: format!("it only offers {other} samples, which Aoun does not read"),
                })
            }
        }
        .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        stream
            .play()
            .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        Ok(Self {
            stream: Some(stream),
            blocks,
            resampler: StreamResampler::new(config.sample_rate, SPEECH_RATE),
            pending: Vec::new(),
            frame_len: frame_len.max(1),
            failure: None,
            description,
        })
    }

    /// Closes the device and opens the default microphone again (after a failure, or when the
    /// user plugged in another one). On error the old stream stays closed.
    pub fn reopen(&mut self) -> Result<(), DeviceError> {
        self.stream = None;
        *self = Self::open_default(self.frame_len)?;
        Ok(())
    }

    /// The device's name as the sound system gives it.
    pub fn description(&self) -> &str {
        &self.description
    }
}

fn build_input<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    channels: usize,
    sender: SyncSender<InputMessage>,
) -> Result<Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let errors = sender.clone();
    device.build_input_stream::<T, _, _>(
        *config,
        move |data: &[T], _| {
            let mono: Vec<f32> = data
                .chunks(channels)
                .map(|frame| {
                    frame.iter().map(|s| f32::from_sample_(*s)).sum::<f32>() / frame.len() as f32
                })
                .collect();
            // A full queue means the reader fell behind: drop this block rather than block
            // the audio thread.
            if let Err(TrySendError::Disconnected(_)) = sender.try_send(Ok(mono)) {
                // The source was dropped; the stream is about to be closed too.
            }
        },
        move |error| {
            if let Some(error) = DeviceError::from_stream(DeviceKind::Microphone, &error) {
                let _ = errors.try_send(Err(error));
            }
        },
        None,
    )
}

impl AudioSource for CpalSource {
    fn frame_len(&self) -> usize {
        self.frame_len
    }

    fn next_frame(&mut self) -> Result<Option<Vec<f32>>, DeviceError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        while self.pending.len() < self.frame_len {
            let message = match self.blocks.recv_timeout(STALL_TIMEOUT) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => Err(DeviceError::Stalled {
                    device: DeviceKind::Microphone,
                    seconds: STALL_TIMEOUT.as_secs(),
                }),
                Err(RecvTimeoutError::Disconnected) => Err(DeviceError::Disconnected {
                    device: DeviceKind::Microphone,
                }),
            };
            match message {
                Ok(block) => self.resampler.process(&block, &mut self.pending),
                Err(error) => {
                    self.stream = None;
                    self.failure = Some(error.clone());
                    return Err(error);
                }
            }
        }
        let rest = self.pending.split_off(self.frame_len);
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }
}

/// The default loudspeaker. Audio is resampled to the device's rate when queued.
///
/// When the device fails, [`AudioSink::play`] and [`PlaybackControl::failure`] report it; call
/// [`CpalSink::reopen`] to play again once it is back (queued audio is dropped).
pub struct CpalSink {
    stream: Option<Stream>,
    queue: Arc<PlayQueue>,
    description: String,
}

impl std::fmt::Debug for CpalSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpalSink")
            .field("device", &self.description)
            .field("device_rate", &self.device_rate())
            .finish_non_exhaustive()
    }
}

impl CpalSink {
    /// Opens the system's default loudspeaker.
    pub fn open_default() -> Result<Self, DeviceError> {
        let device_kind = DeviceKind::Speaker;
        let _quiet = quiet_sound_system();
        let host = cpal::default_host();
        let device = host.default_output_device().ok_or(DeviceError::NotFound {
            device: device_kind,
            reason: "the sound system reports no output device".into(),
        })?;
        let supported = device
            .default_output_config()
            .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        let description = device
            .description()
            .map(|d| d.to_string())
            .unwrap_or_else(|_| "default output".into());
        let config: StreamConfig = supported.config();
        let channels = config.channels.max(1) as usize;
        let queue = PlayQueue::new(config.sample_rate);
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build_output::<f32>(&device, &config, channels, &queue),
            SampleFormat::I16 => build_output::<i16>(&device, &config, channels, &queue),
            SampleFormat::U16 => build_output::<u16>(&device, &config, channels, &queue),
            SampleFormat::I32 => build_output::<i32>(&device, &config, channels, &queue),
            SampleFormat::U8 => build_output::<u8>(&device, &config, channels, &queue),
            SampleFormat::I8 => build_output::<i8>(&device, &config, channels, &queue),
            SampleFormat::F64 => build_output::<f64>(&device, &config, channels, &queue),
            other => {
                return Err(DeviceError::Failed {
                    device: device_kind,
                    reason: format!("it only accepts {other} samples, which Aoun does not write"),
                })
            }
        }
        .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        stream
            .play()
            .map_err(|e| DeviceError::from_cpal(device_kind, &e))?;
        Ok(Self {
            stream: Some(stream),
            queue,
            description,
        })
    }

    /// Closes the device and opens the default loudspeaker again. Controls taken before keep
    /// watching the old, closed device: take a new [`AudioSink::control`] afterwards.
    pub fn reopen(&mut self) -> Result<(), DeviceError> {
        self.queue.stop();
        self.stream = None;
        *self = Self::open_default()?;
        Ok(())
    }

    /// The device's name as the sound system gives it.
    pub fn description(&self) -> &str {
        &self.description
    }
}

fn build_output<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    channels: usize,
    queue: &Arc<PlayQueue>,
) -> Result<Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let feed = Arc::clone(queue);
    let errors = Arc::clone(queue);
    let mut mono = Vec::new();
    device.build_output_stream::<T, _, _>(
        *config,
        move |data: &mut [T], _| {
            mono.resize(data.len() / channels, 0.0);
            feed.pull(&mut mono);
            for (frame, sample) in data.chunks_mut(channels).zip(&mono) {
                frame.fill(T::from_sample_(*sample));
            }
        },
        move |error| {
            if let Some(error) = DeviceError::from_stream(DeviceKind::Speaker, &error) {
                errors.fail(error);
            }
        },
        None,
    )
}

impl AudioSink for CpalSink {
    fn play(&mut self, audio: &Audio) -> Result<(), DeviceError> {
        let result = self.queue.push(audio);
        if result.is_err() && self.queue.is_failed() {
            // Release the dead device now; `reopen` opens a new one.
            self.stream = None;
        }
        result
    }

    fn control(&self) -> PlaybackControl {
        PlaybackControl::new(Arc::clone(&self.queue))
    }

    fn device_rate(&self) -> u32 {
        self.queue.clock().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FRAME_SAMPLES;

    #[test]
    fn a_machine_without_a_microphone_gets_a_clear_error() {
        // Machines with a sound card open it; the error path is what CI machines exercise.
        match CpalSource::open_default(FRAME_SAMPLES) {
            Ok(mut source) => {
                let _ = source.next_frame();
            }
            Err(err) => {
                eprintln!("{err}");
                assert!(
                    matches!(
                        err,
                        DeviceError::NotFound {
                            device: DeviceKind::Microphone,
                            ..
                        } | DeviceError::Failed { .. }
                    ),
                    "{err:?}"
                );
                assert!(err.to_string().contains("microphone"), "{err}");
            }
        }
    }

    #[test]
    fn a_machine_without_a_speaker_gets_a_clear_error() {
        match CpalSink::open_default() {
            Ok(sink) => assert!(sink.device_rate() > 0),
            Err(err) => assert!(err.to_string().contains("loudspeaker"), "{err}"),
        }
    }

    #[test]
    fn stream_errors_map_to_disconnected_or_failed() {
        let gone = cpal::Error::new(ErrorKind::DeviceNotAvailable);
        assert_eq!(
            DeviceError::from_stream(DeviceKind::Microphone, &gone),
            Some(DeviceError::Disconnected {
                device: DeviceKind::Microphone
            })
        );
        let xrun = cpal::Error::new(ErrorKind::Xrun);
        assert_eq!(DeviceError::from_stream(DeviceKind::Speaker, &xrun), None);
        let backend = cpal::Error::new(ErrorKind::BackendError);
        assert!(matches!(
            DeviceError::from_stream(DeviceKind::Speaker, &backend),
            Some(DeviceError::Failed { .. })
        ));
        let none = cpal::Error::new(ErrorKind::DeviceNotAvailable);
        let err = DeviceError::from_cpal(DeviceKind::Microphone, &none);
        assert!(err.to_string().starts_with("no microphone found"), "{err}");
    }
}
