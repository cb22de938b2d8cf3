//! Capture: the [`AudioSource`] trait and [`WavSource`], a microphone simulated from WAV clips.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{
    read_wav, Audio, AudioError, DeviceError, PlaybackControl, Room, RoomSpec, SPEECH_RATE,
};

/// Samples per frame every source yields unless told otherwise: 512 samples, 32 ms at 16 kHz,
/// the window Silero VAD reads.
pub const FRAME_SAMPLES: usize = 512;

/// A microphone: yields mono frames at [`SPEECH_RATE`] of a fixed length as they arrive.
pub trait AudioSource: Send {
    /// Samples in every frame.
    fn frame_len(&self) -> usize;

    /// Blocks until the next frame has arrived and returns it; `Ok(None)` at the end of a
    /// recording (a live microphone never ends). A device that disappeared or failed is an
    /// error; once a source has failed it keeps returning that error.
    fn next_frame(&mut self) -> Result<Option<Vec<f32>>, DeviceError>;
}

/// How fast a simulated device runs compared with the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// One second of audio per second, like a real device.
    RealTime,
    /// `n` seconds of audio per second (a factor of zero or less, or not finite, means unpaced).
    Speed(f32),
    /// As fast as the consumer reads.
    Unpaced,
}

impl Pacing {
    /// When, measured from the start, the audio at `position` is due; `None` when unpaced.
    pub fn real_time_for(&self, position: Duration) -> Option<Duration> {
        match *self {
            Pacing::RealTime => Some(position),
            Pacing::Speed(factor) if factor.is_finite() && factor > 0.0 => {
                Some(position.div_f64(factor as f64))
            }
            Pacing::Speed(_) | Pacing::Unpaced => None,
        }
    }
}

/// What a simulated microphone hears: clips placed at given times over silence or noise.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    clips: Vec<(Duration, Audio)>,
    noise_dbfs: Option<f32>,
    length: Duration,
}

impl Timeline {
    /// Silence of no length.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `audio` (any rate) starting at `start`; clips that overlap are mixed.
    pub fn clip(mut self, start: Duration, audio: Audio) -> Self {
        self.clips.push((start, audio));
        self
    }

    /// Adds `audio` after `gap` of silence following the end of the latest clip.
    pub fn then(self, gap: Duration, audio: Audio) -> Self {
        let start = self.clips_end() + gap;
        self.clip(start, audio)
    }

    /// Adds steady white noise at `dbfs` (RMS) under everything, the room's background.
    pub fn noise(mut self, dbfs: f32) -> Self {
        self.noise_dbfs = Some(dbfs);
        self
    }

    /// Makes the timeline last at least `length` (silence or noise after the last clip).
    pub fn length(mut self, length: Duration) -> Self {
        self.length = self.length.max(length);
        self
    }

    /// Where the latest clip ends.
    pub fn clips_end(&self) -> Duration {
        self.clips
            .iter()
            .map(|(start, audio)| *start + Duration::from_secs_f32(audio.duration_secs()))
            .max()
            .unwrap_or_default()
    }

    /// The whole timeline as one recording at [`SPEECH_RATE`].
    pub fn render(&self) -> Audio {
        let total = self.clips_end().max(self.length);
        let rate = SPEECH_RATE as f64;
        let len = (total.as_secs_f64() * rate).ceil() as usize;
        let mut samples = vec![0.0f32; len];
        if let Some(dbfs) = self.noise_dbfs {
            let amplitude = 10f32.powf(dbfs / 20.0) * 3f32.sqrt();
            let mut noise = Noise(0x2545_f491_4f6c_dd1d);
            for s in &mut samples {
                *s = noise.next() * amplitude;
            }
        }
        for (start, audio) in &self.clips {
            let audio = audio.resampled(SPEECH_RATE);
            let offset = (start.as_secs_f64() * rate).round() as usize;
            for (slot, s) in samples.iter_mut().skip(offset).zip(&audio.samples) {
                *slot += s;
            }
        }
        Audio {
            samples,
            sample_rate: SPEECH_RATE,
        }
    }
}

/// A small deterministic noise generator (xorshift), uniform in -1..1.
pub(crate) struct Noise(pub(crate) u64);

impl Noise {
    pub(crate) fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
}

/// A microphone simulated from recordings, for tests and benchmarks on machines without a sound
/// card. Frames are released at the pace of a real device (or faster, see [`Pacing`]); optionally
/// the microphone also hears the loudspeaker through a [`Room`].
pub struct WavSource {
    audio: Vec<f32>,
    frame_len: usize,
    pacing: Pacing,
    /// Frames yielded so far.
    frames: usize,
    started: Option<Instant>,
    echo: Option<RoomEcho>,
}

/// The loudspeaker heard through a room.
struct RoomEcho {
    speaker: PlaybackControl,
    room: Room,
    /// Output samples of the loudspeaker already given to the room.
    read: u64,
}

impl std::fmt::Debug for WavSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource")
            .field("seconds", &(self.audio.len() as f32 / SPEECH_RATE as f32))
            .field("frame_len", &self.frame_len)
            .field("pacing", &self.pacing)
            .field("position", &self.position())
            .finish_non_exhaustive()
    }
}

impl WavSource {
    /// A microphone that hears `timeline`, in frames of [`FRAME_SAMPLES`].
    pub fn new(timeline: &Timeline, pacing: Pacing) -> Self {
        Self::from_audio(&timeline.render(), pacing)
    }

    /// A microphone that hears `audio` (any rate) and then ends.
    pub fn from_audio(audio: &Audio, pacing: Pacing) -> Self {
        Self {
            audio: audio.resampled(SPEECH_RATE).samples,
            frame_len: FRAME_SAMPLES,
            pacing,
            frames: 0,
            started: None,
            echo: None,
        }
    }

    /// A microphone that hears a WAV file and then `trailing` silence (room for an endpointer to
    /// notice the speaker stopped).
    pub fn from_wav(path: &Path, trailing: Duration, pacing: Pacing) -> Result<Self, AudioError> {
        let (audio, _) = read_wav(path)?;
        let timeline = Timeline::new().clip(Duration::ZERO, audio);
        let length = timeline.clips_end() + trailing;
        Ok(Self::new(&timeline.length(length), pacing))
    }

    /// Uses frames of `samples` samples (at least one).
    pub fn with_frame_len(mut self, samples: usize) -> Self {
        self.frame_len = samples.max(1);
        self
    }

    /// Hears what `speaker` plays through the room `spec` (echo and noise, its babble made from
    /// `voices`) in every frame. Set the frame length first.
    pub fn with_room(mut self, speaker: PlaybackControl, spec: RoomSpec, voices: &[Audio]) -> Self {
        let room = Room::new(spec, self.frame_len, voices);
        let (_, read) = speaker.output_since(u64::MAX);
        self.echo = Some(RoomEcho {
            speaker,
            room,
            read,
        });
        self
    }

    /// How much audio has been yielded so far.
    pub fn position(&self) -> Duration {
        samples_to_duration(self.frames * self.frame_len)
    }

    /// Length of the whole recording.
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.audio.len())
    }
}

fn samples_to_duration(samples: usize) -> Duration {
    Duration::from_secs_f64(samples as f64 / SPEECH_RATE as f64)
}

impl AudioSource for WavSource {
    fn frame_len(&self) -> usize {
        self.frame_len
    }

    fn next_frame(&mut self) -> Result<Option<Vec<f32>>, DeviceError> {
        let from = self.frames * self.frame_len;
        if from >= self.audio.len() {
            return Ok(None);
        }
        let started = *self.started.get_or_insert_with(Instant::now);
        // A frame is available once its last sample has been "recorded".
        let end = samples_to_duration(from + self.frame_len);
        if let Some(due) = self.pacing.real_time_for(end) {
            let elapsed = started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        let mut frame = vec![0.0f32; self.frame_len];
        let to = (from + self.frame_len).min(self.audio.len());
        frame[..to - from].copy_from_slice(&self.audio[from..to]);
        if let Some(echo) = &mut self.echo {
            let (played, read) = echo.speaker.output_since(echo.read);
            echo.read = read;
            echo.room.played(&played);
            for (s, e) in frame.iter_mut().zip(echo.room.next_frame()) {
                *s += e;
            }
        }
        self.frames += 1;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AudioSink, WavSink};

    fn tone(seconds: f32) -> Audio {
        Audio {
            samples: (0..(seconds * 22_050.0) as usize)
                .map(|i| (i as f32 * 0.05).sin() * 0.5)
                .collect(),
            sample_rate: 22_050,
        }
    }

    #[test]
    fn timeline_places_clips_over_noise() {
        let timeline = Timeline::new()
            .clip(Duration::from_millis(500), tone(0.5))
            .then(Duration::from_secs(1), tone(0.25))
            .noise(-60.0)
            .length(Duration::from_secs(3));
        let audio = timeline.render();
        assert_eq!(audio.samples.len(), 48_000);
        let level = |from: f32, to: f32| {
            crate::rms_dbfs(&audio.samples[(from * 16_000.0) as usize..(to * 16_000.0) as usize])
        };
        assert!(
            (level(0.0, 0.45) + 60.0).abs() < 1.0,
            "{}",
            level(0.0, 0.45)
        );
        assert!(level(0.55, 0.95) > -10.0);
        assert!(level(1.05, 1.95) < -55.0);
        assert!(level(2.05, 2.2) > -10.0);
        assert!(level(2.3, 3.0) < -55.0);
    }

    #[test]
    fn yields_fixed_frames_then_ends() {
        let audio = Audio {
            samples: vec![0.25; 1300],
            sample_rate: 16_000,
        };
        let mut source = WavSource::from_audio(&audio, Pacing::Unpaced).with_frame_len(320);
        let mut frames = 0;
        while let Some(frame) = source.next_frame().unwrap() {
            assert_eq!(frame.len(), 320);
            frames += 1;
        }
        assert_eq!(frames, 5);
        assert!(source.next_frame().unwrap().is_none());
    }

    #[test]
    fn paces_frames_like_a_device() {
        let timeline = Timeline::new().length(Duration::from_secs(2));
        let mut source = WavSource::new(&timeline, Pacing::Speed(4.0));
        let started = Instant::now();
        while source.next_frame().unwrap().is_some() {}
        let took = started.elapsed().as_secs_f32();
        assert!((0.45..1.5).contains(&took), "{took}");
    }

    #[test]
    fn hears_the_loudspeaker_through_a_room() {
        let mut sink = WavSink::new(16_000, Pacing::RealTime);
        sink.play(&tone(2.0)).unwrap();
        let timeline = Timeline::new().length(Duration::from_millis(600));
        let room = RoomSpec {
            noise: crate::RoomNoise::Quiet,
            ..RoomSpec::kiosks()[0].clone()
        };
        let mut source =
            WavSource::new(&timeline, Pacing::RealTime).with_room(sink.control(), room, &[]);
        let mut loudest = f32::MIN;
        while let Some(frame) = source.next_frame().unwrap() {
            loudest = loudest.max(crate::rms_dbfs(&frame));
        }
        assert!(loudest > -20.0, "{loudest}");
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = WavSource::from_wav(
            Path::new("no/such/file.wav"),
            Duration::ZERO,
            Pacing::Unpaced,
        )
        .unwrap_err();
        assert!(matches!(err, AudioError::Open { .. }));
    }
}
