//! Utterance segmentation: turns a detector's per-frame decisions into "speech started" and
//! "speech ended" events carrying the utterance's audio.

use std::collections::VecDeque;
use std::time::Duration;

use crate::{Audio, TurnDetector, Vad, VadError, SPEECH_RATE};

/// How an [`Endpointer`] cuts speech into utterances.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointConfig {
    /// Probability from which a frame counts as speech (default 0.5).
    pub threshold: f32,
    /// Once speaking, frames stay speech down to this probability (default 0.35), so a voice
    /// fading between words does not end the utterance.
    pub release_threshold: f32,
    /// Speech needed before an utterance counts (default 250 ms): shorter sounds (clicks, a
    /// cough) are ignored. "Speech started" is reported once this much was heard.
    pub min_speech: Duration,
    /// Silence that ends an utterance (default 600 ms); with a [`TurnDetector`], the limit
    /// when it says the person has not finished.
    pub trailing_silence: Duration,
    /// With a [`TurnDetector`]: the pause after which it is asked whether the person has
    /// finished (default 200 ms).
    pub turn_pause: Duration,
    /// With a [`TurnDetector`]: the probability from which the turn is taken as finished
    /// (default 0.5).
    pub turn_threshold: f32,
    /// Audio kept before the first speech frame so the first syllable is not cut (default 300 ms).
    pub pre_roll: Duration,
    /// Silence kept after the last speech frame (default 200 ms).
    pub post_roll: Duration,
    /// Longest utterance (default 30 s); a longer one is cut there and reported as truncated.
    pub max_utterance: Duration,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            release_threshold: 0.35,
            min_speech: Duration::from_millis(250),
            trailing_silence: Duration::from_millis(600),
            turn_pause: Duration::from_millis(200),
            turn_threshold: 0.5,
            pre_roll: Duration::from_millis(300),
            post_roll: Duration::from_millis(200),
            max_utterance: Duration::from_secs(30),
        }
    }
}

/// One spoken utterance, with times on the stream's clock (zero at the first sample pushed).
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// The speech with its pre-roll and post-roll, at [`SPEECH_RATE`].
    pub audio: Audio,
    /// Where `audio` begins.
    pub audio_start: Duration,
    /// Start of the first speech frame.
    pub speech_start: Duration,
    /// End of the last speech frame.
    pub speech_end: Duration,
    /// Whether it was cut at [`EndpointConfig::max_utterance`].
    pub truncated: bool,
}

/// What an [`Endpointer`] noticed.
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointEvent {
    /// Someone is speaking; `at` is where the speech began (reported once
    /// [`EndpointConfig::min_speech`] of it was heard).
    SpeechStarted {
        /// Start of the first speech frame.
        at: Duration,
    },
    /// The utterance ended (trailing silence, maximum length, or the end of the stream).
    SpeechEnded(Utterance),
}

/// Where an [`Endpointer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    /// Hearing silence or noise.
    Idle,
    /// Heard speech, not yet enough to report it.
    Onset,
    /// Inside an utterance.
    Speaking,
}

/// A gap in speech longer than this during the onset drops the onset (it was a click).
const ONSET_GAP: Duration = Duration::from_millis(150);

/// Cuts a stream into utterances with a [`Vad`]. Push audio of any length; it is re-cut into the
/// detector's frames.
#[derive(Debug)]
pub struct Endpointer<V: Vad> {
    vad: V,
    config: EndpointConfig,
    frame: Vec<f32>,
    /// Samples given to the detector so far.
    clock: u64,
    state: EndpointState,
    /// Recent audio while idle (the pre-roll), or the utterance so far.
    buffer: VecDeque<f32>,
    /// Stream position of `buffer[0]`.
    buffer_start: u64,
    speech_start: u64,
    speech_end: u64,
    voiced: u64,
    last_probability: f32,
    /// Asked at each pause whether the person has finished.
    turn: Option<Box<dyn TurnDetector>>,
    /// The end of the speech before the pause the detector was last asked about.
    turn_asked_at: Option<u64>,
}

fn samples(d: Duration) -> u64 {
    (d.as_secs_f64() * SPEECH_RATE as f64).round() as u64
}

fn time(samples: u64) -> Duration {
    Duration::from_secs_f64(samples as f64 / SPEECH_RATE as f64)
}

impl<V: Vad> Endpointer<V> {
    /// An endpointer deciding with `vad`.
    pub fn new(vad: V, config: EndpointConfig) -> Self {
        let frame_len = vad.frame_len();
        Self {
            vad,
            config,
            frame: Vec::with_capacity(frame_len),
            clock: 0,
            state: EndpointState::Idle,
            buffer: VecDeque::new(),
            buffer_start: 0,
            speech_start: 0,
            speech_end: 0,
            voiced: 0,
            last_probability: 0.0,
            turn: None,
            turn_asked_at: None,
        }
    }

    /// Ends an utterance as soon as `turn` says, at a pause, that the person has finished;
    /// the trailing silence stays the limit.
    pub fn with_turn_detector(mut self, turn: Box<dyn TurnDetector>) -> Self {
        self.turn = Some(turn);
        self
    }

    /// The settings in use.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Changes the silence that ends an utterance, from the next frame on.
    pub fn set_trailing_silence(&mut self, silence: Duration) {
        self.config.trailing_silence = silence;
    }

    /// Where it is.
    pub fn state(&self) -> EndpointState {
        self.state
    }

    /// The detector's speech probability for the latest frame.
    pub fn last_probability(&self) -> f32 {
        self.last_probability
    }

    /// Stream time: how much audio the detector has read.
    pub fn position(&self) -> Duration {
        time(self.clock)
    }

    /// The detector, to inspect or adjust it.
    pub fn vad_mut(&mut self) -> &mut V {
        &mut self.vad
    }

    /// Forgets the utterance in progress and the detector's memory; the clock keeps running.
    /// Call it when the listener's situation changes (for example after its own playback).
    pub fn reset(&mut self) {
        self.vad.reset();
        self.frame.clear();
        self.state = EndpointState::Idle;
        self.buffer.clear();
        self.buffer_start = self.clock;
        self.voiced = 0;
        self.last_probability = 0.0;
    }

    /// Reads `audio` (16 kHz mono, any length) and returns what happened in it, in order.
    pub fn push(&mut self, audio: &[f32]) -> Result<Vec<EndpointEvent>, VadError> {
        let frame_len = self.vad.frame_len().max(1);
        let mut events = Vec::new();
        let mut rest = audio;
        while !rest.is_empty() {
            let take = (frame_len - self.frame.len()).min(rest.len());
            self.frame.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.frame.len() == frame_len {
                let frame = std::mem::take(&mut self.frame);
                let result = self.step(&frame, &mut events);
                self.frame = frame;
                self.frame.clear();
                result?;
            }
        }
        Ok(events)
    }

    /// Ends the stream: an utterance in progress ends here (a partial last frame is dropped).
    pub fn finish(&mut self) -> Option<Utterance> {
        let utterance = match self.state {
            EndpointState::Speaking => Some(self.cut(false)),
            EndpointState::Idle | EndpointState::Onset => None,
        };
        self.reset();
        utterance
    }

    fn step(&mut self, frame: &[f32], events: &mut Vec<EndpointEvent>) -> Result<(), VadError> {
        let probability = self.vad.speech_probability(frame)?;
        self.last_probability = probability;
        let frame_start = self.clock;
        self.clock += frame.len() as u64;
        self.buffer.extend(frame.iter().copied());
        match self.state {
            EndpointState::Idle => {
                if probability >= self.config.threshold {
                    self.state = EndpointState::Onset;
                    self.speech_start = frame_start;
                    self.speech_end = self.clock;
                    self.voiced = frame.len() as u64;
                    self.announce_if_long_enough(events);
                } else {
                    self.trim_to_pre_roll();
                }
            }
            EndpointState::Onset | EndpointState::Speaking => {
                if probability >= self.config.release_threshold {
                    self.speech_end = self.clock;
                    if probability >= self.config.threshold || self.state == EndpointState::Speaking
                    {
                        self.voiced += frame.len() as u64;
                    }
                }
                let silence = self.clock - self.speech_end;
                if self.state == EndpointState::Onset {
                    if silence > samples(ONSET_GAP) {
                        self.state = EndpointState::Idle;
                        self.trim_to_pre_roll();
                    } else {
                        self.announce_if_long_enough(events);
                    }
                } else if silence >= samples(self.config.trailing_silence)
                    || self.finished(silence)?
                {
                    let utterance = self.cut(false);
                    events.push(EndpointEvent::SpeechEnded(utterance));
                } else if self.clock - self.speech_start >= samples(self.config.max_utterance) {
                    let utterance = self.cut(true);
                    events.push(EndpointEvent::SpeechEnded(utterance));
                }
            }
        }
        Ok(())
    }

    /// Whether the turn detector, asked once per pause of at least
    /// [`EndpointConfig::turn_pause`], says the person has finished.
    fn finished(&mut self, silence: u64) -> Result<bool, VadError> {
        if silence < samples(self.config.turn_pause) || self.turn_asked_at == Some(self.speech_end)
        {
            return Ok(false);
        }
        let Some(turn) = self.turn.as_mut() else {
            return Ok(false);
        };
        self.turn_asked_at = Some(self.speech_end);
        let from = self.speech_start.saturating_sub(self.buffer_start) as usize;
        let heard: Vec<f32> = self.buffer.iter().skip(from).copied().collect();
        Ok(turn.finished_probability(&heard)? >= self.config.turn_threshold)
    }

    fn announce_if_long_enough(&mut self, events: &mut Vec<EndpointEvent>) {
        if self.voiced >= samples(self.config.min_speech) {
            self.state = EndpointState::Speaking;
            events.push(EndpointEvent::SpeechStarted {
                at: time(self.speech_start),
            });
        }
    }

    fn trim_to_pre_roll(&mut self) {
        let keep = samples(self.config.pre_roll) as usize;
        let excess = self.buffer.len().saturating_sub(keep);
        self.buffer.drain(..excess);
        self.buffer_start += excess as u64;
    }

    /// The utterance under way as it would end now, while the speaker has been silent for at
    /// least `pause`: its speech is complete unless the person goes on, so it can be
    /// transcribed before the trailing silence confirms the end. The audio runs to the post-roll,
    /// or to now when less silence has been heard. `None` unless inside an utterance and
    /// paused that long.
    pub fn pending(&self, pause: Duration) -> Option<Utterance> {
        let paused = self.clock - self.speech_end >= samples(pause);
        (self.state == EndpointState::Speaking && paused).then(|| self.snapshot(false))
    }

    /// The audio of the utterance under way, from its pre-roll to now; `None` outside one.
    pub fn heard_so_far(&self) -> Option<Audio> {
        (self.state == EndpointState::Speaking).then(|| self.snapshot(true).audio)
    }

    /// Takes the utterance out of the buffer and goes back to idle.
    fn cut(&mut self, truncated: bool) -> Utterance {
        let utterance = self.snapshot(truncated);
        self.state = EndpointState::Idle;
        self.voiced = 0;
        self.trim_to_pre_roll();
        utterance
    }

    /// The utterance from its pre-roll to the post-roll after the last speech frame, or to now
    /// when `truncated`.
    fn snapshot(&self, truncated: bool) -> Utterance {
        let audio_start = self.buffer_start.max(
            self.speech_start
                .saturating_sub(samples(self.config.pre_roll)),
        );
        let audio_end = if truncated {
            self.clock
        } else {
            (self.speech_end + samples(self.config.post_roll)).min(self.clock)
        };
        let from = (audio_start - self.buffer_start) as usize;
        let to = ((audio_end - self.buffer_start) as usize).min(self.buffer.len());
        let audio: Vec<f32> = self
            .buffer
            .iter()
            .skip(from)
            .take(to.saturating_sub(from))
            .copied()
            .collect();
        Utterance {
            audio: Audio {
                samples: audio,
                sample_rate: SPEECH_RATE,
            },
            audio_start: time(audio_start),
            speech_start: time(self.speech_start),
            speech_end: time(if truncated {
                self.clock
            } else {
                self.speech_end
            }),
            truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnergyVad;

    fn tone(seconds: f32) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| (i as f32 * 0.07).sin() * 0.3)
            .collect()
    }

    fn silence(seconds: f32) -> Vec<f32> {
        vec![0.0; (seconds * 16_000.0) as usize]
    }

    fn run(stream: &[f32], config: EndpointConfig) -> Vec<EndpointEvent> {
        let mut ep = Endpointer::new(EnergyVad::default(), config);
        let mut events = Vec::new();
        for piece in stream.chunks(333) {
            events.extend(ep.push(piece).unwrap());
        }
        events.extend(ep.finish().map(EndpointEvent::SpeechEnded));
        events
    }

    #[test]
    fn one_utterance_with_pre_and_post_roll() {
        let stream = [silence(1.0), tone(1.5), silence(1.0)].concat();
        let events = run(&stream, EndpointConfig::default());
        assert_eq!(events.len(), 2, "{events:?}");
        let EndpointEvent::SpeechStarted { at } = events[0] else {
            panic!("{events:?}")
        };
        assert!((at.as_secs_f32() - 1.0).abs() < 0.04, "{at:?}");
        let EndpointEvent::SpeechEnded(u) = &events[1] else {
            panic!("{events:?}")
        };
        assert!((u.speech_end.as_secs_f32() - 2.5).abs() < 0.04, "{u:?}");
        assert!(!u.truncated);
        assert!((u.audio_start.as_secs_f32() - 0.7).abs() < 0.04);
        assert!((u.audio.duration_secs() - (0.3 + 1.5 + 0.2)).abs() < 0.07);
    }

    #[test]
    fn a_pause_shows_the_utterance_that_the_trailing_silence_then_confirms() {
        let mut ep = Endpointer::new(EnergyVad::default(), EndpointConfig::default());
        assert!(ep.push(&silence(0.5)).unwrap().is_empty());
        assert_eq!(ep.heard_so_far(), None);
        ep.push(&tone(1.0)).unwrap();
        let so_far = ep.heard_so_far().expect("inside an utterance");
        assert!(so_far.duration_secs() > 1.0, "pre-roll and speech so far");
        let pause = Duration::from_millis(100);
        assert_eq!(ep.pending(pause), None, "no pause yet");
        ep.push(&silence(0.16)).unwrap();
        let early = ep.pending(pause).expect("paused");
        ep.push(&silence(0.1)).unwrap();
        let pending = ep.pending(pause).expect("paused past the post-roll");
        assert_eq!(early.speech_end, pending.speech_end);
        assert!(early.audio.samples.len() < pending.audio.samples.len());
        let events = ep.push(&silence(0.5)).unwrap();
        match events.as_slice() {
            [EndpointEvent::SpeechEnded(utterance)] => assert_eq!(utterance, &pending),
            other => panic!("expected the end of the utterance, got {other:?}"),
        }
        assert_eq!(ep.pending(pause), None);
    }

    #[test]
    fn clicks_and_silence_make_no_utterance() {
        let mut stream = silence(0.5);
        for _ in 0..5 {
            stream.extend(tone(0.05));
            stream.extend(silence(0.4));
        }
        assert!(run(&stream, EndpointConfig::default()).is_empty());
        assert!(run(&silence(3.0), EndpointConfig::default()).is_empty());
    }

    #[test]
    fn short_pauses_stay_in_one_utterance_and_long_ones_split() {
        let stream = [
            silence(0.5),
            tone(0.8),
            silence(0.3),
            tone(0.8),
            silence(1.0),
            tone(0.8),
            silence(1.0),
        ]
        .concat();
        let ended = run(&stream, EndpointConfig::default())
            .into_iter()
            .filter(|e| matches!(e, EndpointEvent::SpeechEnded(_)))
            .count();
        assert_eq!(ended, 2);
    }

    #[test]
    fn long_speech_is_cut_at_the_maximum() {
        let config = EndpointConfig {
            max_utterance: Duration::from_secs(2),
            ..EndpointConfig::default()
        };
        let events = run(&[silence(0.2), tone(5.0), silence(1.0)].concat(), config);
        let utterances: Vec<&Utterance> = events
            .iter()
            .filter_map(|e| match e {
                EndpointEvent::SpeechEnded(u) => Some(u),
                _ => None,
            })
            .collect();
        assert!(utterances.len() >= 2, "{events:?}");
        assert!(utterances[0].truncated);
        assert!(utterances.iter().all(|u| u.audio.duration_secs() < 2.5));
    }

    #[test]
    fn stream_ending_mid_speech_flushes_the_utterance() {
        let mut ep = Endpointer::new(EnergyVad::default(), EndpointConfig::default());
        let events = ep.push(&[silence(0.5), tone(1.0)].concat()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(ep.state(), EndpointState::Speaking);
        let u = ep.finish().unwrap();
        assert!(u.audio.duration_secs() > 1.0);
        assert_eq!(ep.state(), EndpointState::Idle);
    }

    /// Says the turn is finished with a fixed probability, and counts how often it was asked.
    #[derive(Debug)]
    struct FixedTurn(f32, std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl TurnDetector for FixedTurn {
        fn finished_probability(&mut self, speech: &[f32]) -> Result<f32, VadError> {
            assert!(!speech.is_empty());
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(self.0)
        }
    }

    /// Where the one utterance of `stream` ends when the turn detector says `probability`,
    /// and how often it was asked.
    fn end_with_turn(stream: &[f32], probability: f32) -> (Duration, usize) {
        let asked = std::sync::Arc::default();
        let turn = FixedTurn(probability, std::sync::Arc::clone(&asked));
        let mut ep = Endpointer::new(EnergyVad::default(), EndpointConfig::default())
            .with_turn_detector(Box::new(turn));
        for piece in stream.chunks(512) {
            let events = ep.push(piece).unwrap();
            if events
                .iter()
                .any(|e| matches!(e, EndpointEvent::SpeechEnded(_)))
            {
                return (
                    ep.position(),
                    asked.load(std::sync::atomic::Ordering::SeqCst),
                );
            }
        }
        panic!("the utterance did not end")
    }

    #[test]
    fn a_finished_turn_ends_at_the_first_short_pause_and_an_unfinished_one_at_the_silence_limit() {
        // Speech, a 400 ms pause, more speech, then silence.
        let stream = [tone(1.0), silence(0.4), tone(0.5), silence(1.5)].concat();
        // Finished: the first pause of 200 ms ends it, in the middle.
        let (end, asked) = end_with_turn(&stream, 0.9);
        assert!((end.as_secs_f32() - 1.2).abs() < 0.05, "{end:?}");
        assert_eq!(asked, 1);
        // Not finished: the speech goes on, and the 600 ms limit ends it after the second part;
        // the detector was asked once at each pause.
        let (end, asked) = end_with_turn(&stream, 0.1);
        assert!((end.as_secs_f32() - 2.5).abs() < 0.06, "{end:?}");
        assert_eq!(asked, 2);
    }
}
