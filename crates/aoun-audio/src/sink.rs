//! Playback: the [`AudioSink`] trait, the queue every sink plays from, the stop handle, and
//! [`WavSink`], a loudspeaker simulated in memory.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{write_wav, Audio, AudioError, DeviceError, Pacing, SPEECH_RATE};

/// How much of the recent output a [`PlaybackControl`] remembers, in seconds.
pub const MONITOR_SECONDS: usize = 5;

/// A loudspeaker. Playing queues audio and returns at once; the [`PlaybackControl`] stops it from
/// any thread and tells what is being played, so a listener can tell its own voice from a person's.
pub trait AudioSink: Send {
    /// Queues `audio` (any sample rate) after what is already queued and returns at once.
    /// Fails when the device has failed since the last call, or when `audio` has no sample rate.
    fn play(&mut self, audio: &Audio) -> Result<(), DeviceError>;

    /// A cloneable handle to stop playback and watch it from other threads.
    fn control(&self) -> PlaybackControl;

    /// Samples per second the device plays at.
    fn device_rate(&self) -> u32;
}

/// One `play` call as it was played, with times on the sink's clock (zero when the sink opened).
#[derive(Debug, Clone, PartialEq)]
pub struct PlayedClip {
    /// When its first sample was played.
    pub start: Duration,
    /// When its last sample was played, or when it was stopped.
    pub end: Duration,
    /// Whether it played to the end (false: stopped part-way or before it started).
    pub completed: bool,
}

struct Clip {
    /// Samples at the device rate.
    device: Vec<f32>,
    /// The same audio at [`SPEECH_RATE`], for the monitor.
    speech: Vec<f32>,
    /// Next device sample to play.
    pos: usize,
    /// Device clock when its first sample was played.
    started: Option<u64>,
}

struct QueueState {
    device_rate: u32,
    clips: VecDeque<Clip>,
    /// Device samples pulled since the sink opened.
    clock: u64,
    /// The last [`MONITOR_SECONDS`] of output at [`SPEECH_RATE`] (zeros while idle).
    recent: VecDeque<f32>,
    /// Fraction of a speech-rate sample owed to `recent` while idle.
    idle_carry: f64,
    /// Speech-rate samples of output (silences included) since the sink opened.
    monitored: u64,
    history: Vec<PlayedClip>,
    failure: Option<DeviceError>,
}

/// The queue shared by a sink, its device thread and every [`PlaybackControl`].
pub(crate) struct PlayQueue {
    state: Mutex<QueueState>,
    idle: Condvar,
}

const HISTORY_LIMIT: usize = 1024;

impl PlayQueue {
    pub(crate) fn new(device_rate: u32) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(QueueState {
                device_rate: device_rate.max(1),
                clips: VecDeque::new(),
                clock: 0,
                recent: VecDeque::with_capacity(MONITOR_SECONDS * SPEECH_RATE as usize),
                idle_carry: 0.0,
                monitored: 0,
                history: Vec::new(),
                failure: None,
            }),
            idle: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, audio: &Audio) -> Result<(), DeviceError> {
        if audio.sample_rate == 0 {
            return Err(DeviceError::InvalidAudio {
                reason: "its sample rate is 0 Hz".into(),
            });
        }
        let mut state = self.lock();
        if let Some(failure) = &state.failure {
            return Err(failure.clone());
        }
        if audio.samples.is_empty() {
            return Ok(());
        }
        let device = audio.resampled(state.device_rate).samples;
        let speech = audio.resampled(SPEECH_RATE).samples;
        state.clips.push_back(Clip {
            device,
            speech,
            pos: 0,
            started: None,
        });
        Ok(())
    }

    /// Fills `out` with the next device samples (silence when nothing is queued) and returns how
    /// many were real audio.
    pub(crate) fn pull(&self, out: &mut [f32]) -> usize {
        let mut state = self.lock();
        let mut filled = 0;
        let mut real = 0;
        while filled < out.len() {
            let clock = state.clock + filled as u64;
            let Some(clip) = state.clips.front_mut() else {
                break;
            };
            clip.started.get_or_insert(clock);
            let take = (clip.device.len() - clip.pos).min(out.len() - filled);
            out[filled..filled + take].copy_from_slice(&clip.device[clip.pos..clip.pos + take]);
            let ratio = clip.speech.len() as f64 / clip.device.len().max(1) as f64;
            let speech_from = (clip.pos as f64 * ratio) as usize;
            clip.pos += take;
            let speech_to = ((clip.pos as f64 * ratio) as usize).min(clip.speech.len());
            let played: Vec<f32> = clip.speech[speech_from.min(speech_to)..speech_to].to_vec();
            let finished = clip.pos >= clip.device.len();
            let started = clip.started.unwrap_or(clock);
            filled += take;
            real += take;
            state.remember(&played);
            if finished {
                state.clips.pop_front();
                let end = state.clock + filled as u64;
                state.log(started, end, true);
            }
        }
        out[filled..].fill(0.0);
        let idle = out.len() - filled;
        if idle > 0 {
            let owed =
                idle as f64 * SPEECH_RATE as f64 / state.device_rate as f64 + state.idle_carry;
            let whole = owed.floor();
            state.idle_carry = owed - whole;
            let zeros = vec![0.0; whole as usize];
            state.remember(&zeros);
        }
        state.clock += out.len() as u64;
        let now_idle = state.clips.is_empty();
        drop(state);
        if now_idle {
            self.idle.notify_all();
        }
        real
    }

    pub(crate) fn fail(&self, error: DeviceError) {
        let mut state = self.lock();
        state.failure.get_or_insert(error);
        drop(state);
        self.stop();
    }

    pub(crate) fn is_failed(&self) -> bool {
        self.lock().failure.is_some()
    }

    pub(crate) fn stop(&self) -> bool {
        let mut state = self.lock();
        let clock = state.clock;
        let dropped: Vec<Clip> = state.clips.drain(..).collect();
        let was_playing = !dropped.is_empty();
        for clip in dropped {
            let start = clip.started.unwrap_or(clock);
            state.log(start, clock, false);
        }
        drop(state);
        self.idle.notify_all();
        was_playing
    }

    pub(crate) fn clock(&self) -> (u64, u32) {
        let state = self.lock();
        (state.clock, state.device_rate)
    }

    pub(crate) fn history(&self) -> Vec<PlayedClip> {
        self.lock().history.clone()
    }
}

impl QueueState {
    fn remember(&mut self, samples: &[f32]) {
        self.monitored += samples.len() as u64;
        let cap = MONITOR_SECONDS * SPEECH_RATE as usize;
        let samples = &samples[samples.len().saturating_sub(cap)..];
        let overflow = (self.recent.len() + samples.len()).saturating_sub(cap);
        self.recent.drain(..overflow.min(self.recent.len()));
        self.recent.extend(samples.iter().copied());
    }

    fn log(&mut self, start: u64, end: u64, completed: bool) {
        if self.history.len() >= HISTORY_LIMIT {
            self.history.remove(0);
        }
        let rate = self.device_rate as f64;
        self.history.push(PlayedClip {
            start: Duration::from_secs_f64(start as f64 / rate),
            end: Duration::from_secs_f64(end as f64 / rate),
            completed,
        });
    }
}

/// Stops a sink and watches it from any thread. Clones share the same sink.
#[derive(Clone)]
pub struct PlaybackControl {
    queue: Arc<PlayQueue>,
}

impl std::fmt::Debug for PlaybackControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaybackControl")
            .field("playing", &self.is_playing())
            .finish_non_exhaustive()
    }
}

impl PlaybackControl {
    pub(crate) fn new(queue: Arc<PlayQueue>) -> Self {
        Self { queue }
    }

    /// Silences the sink at once and forgets everything queued. Returns whether anything was
    /// playing or queued.
    pub fn stop(&self) -> bool {
        self.queue.stop()
    }

    /// Whether audio is playing or queued.
    pub fn is_playing(&self) -> bool {
        !self.queue.lock().clips.is_empty()
    }

    /// How many clips (one per `play` call with audio in it) are playing or still queued.
    pub fn queued_clips(&self) -> usize {
        self.queue.lock().clips.len()
    }

    /// How much queued audio is still to be played.
    pub fn remaining(&self) -> Duration {
        let state = self.queue.lock();
        let samples: usize = state.clips.iter().map(|c| c.device.len() - c.pos).sum();
        Duration::from_secs_f64(samples as f64 / state.device_rate as f64)
    }

    /// Time on the sink's clock: how much audio (or silence) the device has played since it
    /// opened.
    pub fn clock(&self) -> Duration {
        let (clock, rate) = self.queue.clock();
        Duration::from_secs_f64(clock as f64 / rate as f64)
    }

    /// The last `window` of what the device played, at [`SPEECH_RATE`], oldest first (zeros where
    /// it played silence; at most [`MONITOR_SECONDS`]). This is the known playback signal a
    /// listener compares its microphone with to recognise its own voice.
    pub fn recent_output(&self, window: Duration) -> Audio {
        let state = self.queue.lock();
        let wanted = (window.as_secs_f64() * SPEECH_RATE as f64) as usize;
        let have = state.recent.len();
        let mut samples = vec![0.0; wanted.saturating_sub(have)];
        samples.extend(state.recent.iter().skip(have.saturating_sub(wanted)));
        Audio {
            samples,
            sample_rate: SPEECH_RATE,
        }
    }

    /// Everything the device played after output sample `from` (counted at [`SPEECH_RATE`] since
    /// the sink opened, silences included), and the count it reaches: reading again from that
    /// count gives the output without a gap or a repeat. Output older than [`MONITOR_SECONDS`]
    /// is gone and skipped. This is the reference an echo canceller subtracts.
    pub fn output_since(&self, from: u64) -> (Vec<f32>, u64) {
        let state = self.queue.lock();
        let held_from = state.monitored - state.recent.len() as u64;
        let skip = from.clamp(held_from, state.monitored) - held_from;
        let samples = state.recent.iter().skip(skip as usize).copied().collect();
        (samples, state.monitored)
    }

    /// Level of the last `window` of output in dBFS (`f32::MIN` for silence).
    pub fn output_dbfs(&self, window: Duration) -> f32 {
        self.recent_output(window).rms_dbfs()
    }

    /// Blocks until everything queued has played or was stopped, or until `timeout` passes.
    /// Returns whether the sink is idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.queue.lock();
        while !state.clips.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = match self.queue.idle.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// The device failure that ended playback, if any.
    pub fn failure(&self) -> Option<DeviceError> {
        self.queue.lock().failure.clone()
    }

    /// Every clip played so far (at most the last 1,024), with its times on the sink's clock.
    pub fn history(&self) -> Vec<PlayedClip> {
        self.queue.history()
    }
}

/// Longest recording a [`WavSink`] keeps, in seconds; later output is played but not recorded.
pub const WAV_SINK_MAX_SECONDS: usize = 600;

/// A loudspeaker simulated in memory: plays in real time (or faster, see [`Pacing`]) on its own
/// thread and records everything it played, silences included, from the moment it opened.
pub struct WavSink {
    queue: Arc<PlayQueue>,
    recording: Arc<Mutex<Vec<f32>>>,
    quit: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink")
            .field("device_rate", &self.device_rate())
            .finish_non_exhaustive()
    }
}

/// Block the simulated device pulls at a time, in milliseconds of audio.
const WAV_SINK_BLOCK_MS: u32 = 10;

impl WavSink {
    /// Opens a simulated loudspeaker playing at `device_rate` samples per second.
    pub fn new(device_rate: u32, pacing: Pacing) -> Self {
        let device_rate = device_rate.max(1);
        let queue = PlayQueue::new(device_rate);
        let recording = Arc::new(Mutex::new(Vec::new()));
        let quit = Arc::new(AtomicBool::new(false));
        let worker = {
            let queue = Arc::clone(&queue);
            let recording = Arc::clone(&recording);
            let quit = Arc::clone(&quit);
            std::thread::Builder::new()
                .name("aoun-wav-sink".into())
                .spawn(move || run_wav_sink(&queue, &recording, &quit, device_rate, pacing))
                .ok()
        };
        if worker.is_none() {
            queue.fail(DeviceError::Failed {
                device: crate::DeviceKind::Speaker,
                reason: "its playback thread could not start".into(),
            });
        }
        Self {
            queue,
            recording,
            quit,
            worker,
        }
    }

    /// Everything played since the sink opened, at the device rate, silences included.
    pub fn recording(&self) -> Audio {
        Audio {
            samples: self
                .recording
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            sample_rate: self.device_rate(),
        }
    }

    /// Writes [`WavSink::recording`] to a 16-bit WAV file.
    pub fn write_wav(&self, path: &Path) -> Result<(), AudioError> {
        write_wav(path, &self.recording())
    }

    /// Every clip played so far with its times (same as [`PlaybackControl::history`]).
    pub fn history(&self) -> Vec<PlayedClip> {
        self.queue.history()
    }
}

fn run_wav_sink(
    queue: &PlayQueue,
    recording: &Mutex<Vec<f32>>,
    quit: &AtomicBool,
    device_rate: u32,
    pacing: Pacing,
) {
    let block = (device_rate * WAV_SINK_BLOCK_MS / 1000).max(1) as usize;
    let block_time = Duration::from_secs_f64(block as f64 / device_rate as f64);
    let limit = WAV_SINK_MAX_SECONDS * device_rate as usize;
    let started = Instant::now();
    let mut buffer = vec![0.0f32; block];
    let mut blocks: u32 = 0;
    while !quit.load(Ordering::Acquire) {
        // Wait until this block's time on the (possibly sped-up) clock.
        if let Some(due) = pacing.real_time_for(block_time * blocks) {
            let elapsed = started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        queue.pull(&mut buffer);
        let mut rec = recording.lock().unwrap_or_else(|p| p.into_inner());
        if rec.len() < limit {
            rec.extend_from_slice(&buffer);
        }
        drop(rec);
        blocks = blocks.saturating_add(1);
        if matches!(pacing, Pacing::Unpaced) && !queue_busy(queue) {
            // Nothing to play and no clock to keep: wait for work instead of spinning.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn queue_busy(queue: &PlayQueue) -> bool {
    !queue.lock().clips.is_empty()
}

impl AudioSink for WavSink {
    fn play(&mut self, audio: &Audio) -> Result<(), DeviceError> {
        self.queue.push(audio)
    }

    fn control(&self) -> PlaybackControl {
        PlaybackControl::new(Arc::clone(&self.queue))
    }

    fn device_rate(&self) -> u32 {
        self.queue.clock().1
    }
}

impl Drop for WavSink {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::Release);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f32, rate: u32) -> Audio {
        Audio {
            samples: (0..(seconds * rate as f32) as usize)
                .map(|i| (i as f32 * 0.06).sin() * 0.5)
                .collect(),
            sample_rate: rate,
        }
    }

    #[test]
    fn plays_in_order_and_records_with_times() {
        let mut sink = WavSink::new(16_000, Pacing::Speed(10.0));
        let control = sink.control();
        sink.play(&tone(0.5, 22_050)).unwrap();
        sink.play(&tone(0.3, 16_000)).unwrap();
        assert!(control.is_playing());
        assert!(control.wait_idle(Duration::from_secs(5)));
        assert!(!control.is_playing());
        let history = sink.history();
        assert_eq!(history.len(), 2);
        assert!(history.iter().all(|c| c.completed));
        let first = history[0].end - history[0].start;
        assert!((first.as_secs_f32() - 0.5).abs() < 0.02, "{first:?}");
        assert!(history[1].start >= history[0].end);
        let rec = sink.recording();
        assert!(rec.duration_secs() >= 0.8);
        assert!(rec.rms_dbfs() > -20.0);
    }

    #[test]
    fn stop_cuts_playback_and_keeps_what_was_played() {
        let mut sink = WavSink::new(16_000, Pacing::RealTime);
        let control = sink.control();
        sink.play(&tone(3.0, 16_000)).unwrap();
        sink.play(&tone(3.0, 16_000)).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        assert!(control.output_dbfs(Duration::from_millis(100)) > -20.0);
        let other = control.clone();
        let stopper = std::thread::spawn(move || other.stop());
        assert!(stopper.join().unwrap());
        assert!(!control.is_playing());
        let history = sink.history();
        assert_eq!(history.len(), 2);
        assert!(!history[0].completed && !history[1].completed);
        let played = (history[0].end - history[0].start).as_secs_f32();
        assert!((0.2..1.5).contains(&played), "{played}");
        std::thread::sleep(Duration::from_millis(200));
        // After the stop only silence comes out, and the monitor says so.
        assert_eq!(control.output_dbfs(Duration::from_millis(100)), f32::MIN);
        let rec = sink.recording();
        let voiced = rec.samples.iter().filter(|s| s.abs() > 1e-4).count();
        assert!(voiced < 16_000 * 3 / 2, "{voiced}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("played.wav");
        sink.write_wav(&path).unwrap();
        assert!(crate::read_wav(&path).is_ok());
    }

    #[test]
    fn output_read_since_a_count_has_no_gap_and_no_repeat() {
        let mut sink = WavSink::new(22_050, Pacing::Speed(10.0));
        let control = sink.control();
        sink.play(&tone(0.5, 16_000)).unwrap();
        let mut read = Vec::new();
        let mut position = 0;
        loop {
            let done = !control.is_playing();
            let (samples, next) = control.output_since(position);
            assert_eq!(next - position, samples.len() as u64);
            read.extend(samples);
            position = next;
            if done {
                break;
            }
            std::thread::sleep(Duration::from_millis(3));
        }
        let played = tone(0.5, 16_000).samples;
        // The tone's first sample is zero: it starts one before the first sound.
        let start = read.iter().position(|s| s.abs() > 0.0).expect("the tone") - 1;
        let heard = &read[start..(start + played.len()).min(read.len())];
        assert_eq!(heard.len(), played.len());
        let worst = heard
            .iter()
            .zip(&played)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.05, "{worst}");
    }

    #[test]
    fn refuses_audio_without_a_rate_and_ignores_empty_audio() {
        let mut sink = WavSink::new(16_000, Pacing::Unpaced);
        let err = sink
            .play(&Audio {
                samples: vec![0.1; 10],
                sample_rate: 0,
            })
            .unwrap_err();
        assert!(matches!(err, DeviceError::InvalidAudio { .. }), "{err}");
        sink.play(&Audio {
            samples: vec![],
            sample_rate: 16_000,
        })
        .unwrap();
        assert!(!sink.control().is_playing());
    }
}
