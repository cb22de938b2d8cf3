//! Where the session hears and speaks: the default sound devices, or a simulated microphone.
//!
//! On a machine without a sound card (tests, CI), `--microphone-wav FILE` (or
//! `AOUN_MICROPHONE_WAV`, several files separated by `:`) replaces the microphone with those
//! spoken questions read in real time, and the loudspeaker with one that plays into nothing. The
//! questions start when the talk button is first used, as a person would start speaking.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aoun_audio::{
    AudioSink, AudioSource, CpalSink, CpalSource, DeviceError, Pacing, WavSink, FRAME_SAMPLES,
    SPEECH_RATE,
};
use serde::Serialize;

/// Silence before a simulated question and between two of them.
const QUESTION_GAP: Duration = Duration::from_millis(600);

/// A sound device that could not be opened; the app goes on without it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct DeviceProblem {
    /// `microphone` or `loudspeaker`.
    #[ts(type = "\"microphone\" | \"loudspeaker\"")]
    pub kind: &'static str,
    /// One sentence from the sound system.
    pub message: String,
}

/// The devices the session runs on.
pub enum Devices {
    /// The default microphone and loudspeaker.
    Sound,
    /// Spoken questions read from WAV files in real time.
    Simulated {
        /// The questions, at 16 kHz, one after the other.
        speech: Arc<Vec<f32>>,
    },
}

/// What [`Devices::open`] gives the session.
pub struct Opened {
    /// The microphone.
    pub source: Box<dyn AudioSource>,
    /// The loudspeaker.
    pub sink: Box<dyn AudioSink>,
    /// Devices that are missing: replaced by silence and by a loudspeaker playing into nothing,
    /// so the icons and typed questions keep working.
    pub problems: Vec<DeviceProblem>,
}

impl Devices {
    /// Reads the simulated questions, if any were given.
    pub fn from_wavs(wavs: &[PathBuf]) -> anyhow::Result<Devices> {
        if wavs.is_empty() {
            return Ok(Devices::Sound);
        }
        let gap = vec![0.0; (QUESTION_GAP.as_secs_f32() * SPEECH_RATE as f32) as usize];
        let mut speech = Vec::new();
        for path in wavs {
            let (audio, _) = aoun_audio::read_wav(path)?;
            speech.extend_from_slice(&gap);
            speech.extend(audio.resampled(SPEECH_RATE).samples);
        }
        Ok(Devices::Simulated {
            speech: Arc::new(speech),
        })
    }

    /// True for the simulated microphone.
    pub fn simulated(&self) -> bool {
        matches!(self, Devices::Simulated { .. })
    }

    /// Opens the devices; `armed` starts the simulated questions.
    pub fn open(&self, armed: &Arc<AtomicBool>) -> Opened {
        match self {
            Devices::Simulated { speech } => Opened {
                source: Box::new(SimulatedMicrophone::new(
                    Arc::clone(speech),
                    Arc::clone(armed),
                )),
                sink: Box::new(WavSink::new(22_050, Pacing::RealTime)),
                problems: Vec::new(),
            },
            Devices::Sound => {
                let mut problems = Vec::new();
                let sink: Box<dyn AudioSink> = match CpalSink::open_default() {
                    Ok(sink) => Box::new(sink),
                    Err(e) => {
                        problems.push(problem("loudspeaker", &e));
                        Box::new(WavSink::new(22_050, Pacing::RealTime))
                    }
                };
                let source: Box<dyn AudioSource> = match CpalSource::open_default(FRAME_SAMPLES) {
                    Ok(source) => Box::new(source),
                    Err(e) => {
                        problems.push(problem("microphone", &e));
                        Box::new(SimulatedMicrophone::new(
                            Arc::new(Vec::new()),
                            Arc::new(AtomicBool::new(false)),
                        ))
                    }
                };
                Opened {
                    source,
                    sink,
                    problems,
                }
            }
        }
    }
}

fn problem(kind: &'static str, error: &DeviceError) -> DeviceProblem {
    DeviceProblem {
        kind,
        message: error.to_string(),
    }
}

/// A microphone that hears silence, then (once armed) the questions, then silence again; it
/// never ends, like a real one, and delivers frames at the wall clock's pace.
struct SimulatedMicrophone {
    speech: Arc<Vec<f32>>,
    armed: Arc<AtomicBool>,
    position: usize,
    started: Option<Instant>,
    frames: u32,
}

impl SimulatedMicrophone {
    fn new(speech: Arc<Vec<f32>>, armed: Arc<AtomicBool>) -> Self {
        Self {
            speech,
            armed,
            position: 0,
            started: None,
            frames: 0,
        }
    }
}

impl AudioSource for SimulatedMicrophone {
    fn frame_len(&self) -> usize {
        FRAME_SAMPLES
    }

    fn next_frame(&mut self) -> Result<Option<Vec<f32>>, DeviceError> {
        let started = *self.started.get_or_insert_with(Instant::now);
        let frame_time = Duration::from_secs_f64(FRAME_SAMPLES as f64 / SPEECH_RATE as f64);
        let due = started + frame_time * self.frames;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        self.frames += 1;
        let mut frame = vec![0.0; FRAME_SAMPLES];
        if self.armed.load(Ordering::SeqCst) && self.position < self.speech.len() {
            let end = (self.position + FRAME_SAMPLES).min(self.speech.len());
            frame[..end - self.position].copy_from_slice(&self.speech[self.position..end]);
            self.position = end;
        }
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_start_only_once_armed_and_silence_follows() {
        let speech = Arc::new(vec![0.5; FRAME_SAMPLES + 10]);
        let armed = Arc::new(AtomicBool::new(false));
        let mut mic = SimulatedMicrophone::new(speech, Arc::clone(&armed));
        let loud = |frame: Vec<f32>| frame.iter().filter(|s| **s != 0.0).count();
        assert_eq!(loud(mic.next_frame().unwrap().unwrap()), 0);
        armed.store(true, Ordering::SeqCst);
        assert_eq!(loud(mic.next_frame().unwrap().unwrap()), FRAME_SAMPLES);
        assert_eq!(loud(mic.next_frame().unwrap().unwrap()), 10);
        assert_eq!(loud(mic.next_frame().unwrap().unwrap()), 0);
    }

    #[test]
    fn frames_come_at_the_wall_clock_pace() {
        let mut mic =
            SimulatedMicrophone::new(Arc::new(Vec::new()), Arc::new(AtomicBool::new(true)));
        let started = Instant::now();
        for _ in 0..11 {
            mic.next_frame().unwrap();
        }
        // Ten frame periods of 32 ms after the first frame.
        assert!(started.elapsed() >= Duration::from_millis(310));
    }
}
