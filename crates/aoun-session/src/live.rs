//! The live conversation: a microphone in, a loudspeaker out, and the turn state machine between
//! them (idle, listening, transcribing, thinking, speaking).
//!
//! The caller's thread runs the audio loop: it reads microphone frames, finds utterances (push to
//! talk, or voice activity in hands-free mode), plays answer sentences as they arrive, and stops
//! playback the moment the person speaks over Aoun. A worker thread runs each turn (speech to
//! text, guide, language model, speech synthesis) and hands over one sentence of audio at a time,
//! so the first sentence plays while the rest is still being written and synthesized.
//!
//! The worker starts as soon as someone speaks: while they talk it tells their language, and
//! when they pause it transcribes what the pause would end, so that once the trailing silence
//! confirms the end of the utterance the transcript is ready or nearly so.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aoun_audio::{
    AudioSink, AudioSource, DeviceError, EndpointConfig, EndpointEvent, Endpointer,
    PlaybackControl, Vad,
};
use aoun_stt::Transcript;

use crate::{ms, AnswerReport, Assistant, Conversation, StageTimings, TurnError};

mod request;
pub use request::Request;

/// Where the conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for someone to speak (or press the button).
    Idle,
    /// Someone is speaking.
    Listening,
    /// Turning the speech into text.
    Transcribing,
    /// Finding and phrasing the answer.
    Thinking,
    /// Playing the answer.
    Speaking,
}

/// What the person (or the app) asks of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// The talk button is held down: start listening (and interrupt an answer).
    Press,
    /// The talk button is released: the utterance is complete.
    Release,
    /// Turn hands-free mode (voice activity ends turns) on or off.
    HandsFree(bool),
    /// A new person: wipe the conversation.
    NewPerson,
    /// Something asked without speaking (a typed question, a picture, replay...).
    Request(Request),
    /// End the session.
    Stop,
}

/// What the session reports.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum LiveEvent {
    /// The state changed.
    State {
        /// The new state.
        state: State,
    },
    /// An utterance ended with no speech in it: no turn was started.
    NoSpeech,
    /// What was heard.
    Heard {
        /// The transcript.
        transcript: Transcript,
    },
    /// A sentence of the answer starts playing (when the sentences before it have been played,
    /// not when it is handed to the loudspeaker).
    Speaking {
        /// The sentence.
        text: String,
    },
    /// The whole answer, once the turn is complete.
    Answer {
        /// The answer.
        answer: AnswerReport,
        /// Per-stage milliseconds, `voice_to_first_audio_ms` included (boxed: the largest
        /// event by far).
        timings: Box<StageTimings>,
    },
    /// The person spoke over the answer: it was stopped and cancelled.
    Interrupted {
        /// How much of their speech had been heard when the answer was stopped (barge-in over
        /// an answer), in milliseconds; `None` when the button was pressed or the turn had
        /// just ended.
        heard_ms: Option<u64>,
    },
    /// The turn failed; the session goes on.
    TurnFailed {
        /// One sentence for the person.
        message: String,
    },
    /// The microphone or loudspeaker failed; the turn ended.
    DeviceLost {
        /// One sentence for the person.
        message: String,
    },
}

/// How a live session behaves.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Voice activity ends turns (true), or only the talk button does (false).
    pub hands_free: bool,
    /// Utterance segmentation (trailing silence that ends a turn, and so on).
    pub endpoint: EndpointConfig,
    /// Let the person interrupt an answer by speaking.
    pub barge_in: bool,
    /// During playback, speech counts as an interruption only when the microphone is this many
    /// decibels louder than Aoun's own voice was heard at the start of the answer (its echo).
    pub echo_margin_db: f32,
    /// Force the spoken language (ISO 639-1) instead of detecting it.
    pub language: Option<String>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            hands_free: true,
            endpoint: EndpointConfig::default(),
            barge_in: true,
            echo_margin_db: 6.0,
            language: None,
        }
    }
}

/// What the audio loop tells a turn's worker about the utterance.
enum Feed {
    /// The speech so far, long enough to tell its language.
    Early(aoun_audio::Audio),
    /// The utterance as it would end now, while the person pauses, and where its speech ends.
    Pause(aoun_audio::Audio, Duration),
    /// The utterance ended: answer it. With the end of its speech on the stream's clock, when
    /// the endpointer cut it (a pause's transcript is of the same speech).
    End(aoun_audio::Audio, Option<Duration>),
}

/// From the worker to the audio loop.
enum WorkerMessage {
    State(State),
    Heard(Transcript),
    Sentence {
        text: String,
        audio: aoun_audio::Audio,
    },
    Done {
        answer: AnswerReport,
        timings: Box<StageTimings>,
    },
    Failed(String),
    /// The work is done and there is no answer to report (a control's name was spoken).
    Ended,
}

/// A turn under way on the worker thread.
struct Turn {
    cancel: Arc<AtomicBool>,
    feed: Sender<Feed>,
    messages: Receiver<WorkerMessage>,
    /// Dropping it detaches the worker: a cancelled turn ends on its own.
    worker: JoinHandle<()>,
    /// The worker was asked the language of the speech so far.
    language_asked: bool,
    /// End of the speech of the last pause sent to the worker.
    pause_sent: Option<Duration>,
    /// Wall-clock time the person's speech ended (set when the utterance ends).
    speech_end: Instant,
    /// When the transcript reached the audio loop.
    heard_at: Option<Instant>,
    first_audio: Option<Instant>,
    /// How much quieter Aoun's own voice arrives at the microphone than it is played (dB).
    echo_gap_db: Option<f32>,
    /// The worker reported the end of the turn.
    done: bool,
}

/// A live conversation over an audio source and sink.
pub struct LiveSession<V: Vad> {
    assistant: Arc<Mutex<Assistant>>,
    conversation: Arc<Mutex<Conversation>>,
    endpointer: Endpointer<V>,
    config: LiveConfig,
    /// Stops a transcription of a pause that speech has since made useless.
    stop_hearing: Option<Arc<AtomicBool>>,
}

/// How long after an answer starts playing its echo level is measured.
const ECHO_PROBE: Duration = Duration::from_millis(300);
/// Consecutive speech frames (32 ms each) over an answer that stop it: about 100 ms of speech,
/// well before the utterance is long enough to count as a question.
const BARGE_IN_FRAMES: usize = 3;
/// Microphone frames kept before the echo gate (about 640 ms): enough for the endpointer's
/// pre-roll and the first syllables said over an answer.
const RECENT_FRAMES: usize = 20;
/// Silence after which the utterance under way is transcribed, in case it is over: short, so
/// the transcript is ready soon after the trailing silence confirms the end, yet longer than
/// the gaps between most words.
const PAUSE: Duration = Duration::from_millis(100);
/// Speech heard before its language is asked: about what Whisper needs to tell it reliably.
const LANGUAGE_AFTER: Duration = Duration::from_millis(1200);
/// Longest wait for the last answer to finish playing when the microphone stream ends.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// What one call of [`LiveSession::run`] works with.
struct Loop<'a> {
    sink: &'a mut dyn AudioSink,
    playback: PlaybackControl,
    events: &'a Sender<LiveEvent>,
    state: State,
    /// The turn being answered.
    turn: Option<Turn>,
    /// The turn whose utterance is still being heard (hands-free).
    next: Option<Turn>,
    push_to_talk: Option<Vec<f32>>,
    /// Consecutive frames of speech heard over the answer.
    speech_over_answer: usize,
    /// The last microphone frames as they were heard, before the echo gate: when the person
    /// interrupts, their first words were gated and are read again from here.
    recent: VecDeque<Vec<f32>>,
    /// Sentences handed to the loudspeaker that have not started playing yet, with the number
    /// of clips each queued (none for a sentence without audio).
    unannounced: VecDeque<(String, usize)>,
}

impl Loop<'_> {
    fn emit(&self, event: LiveEvent) {
        let _ = self.events.send(event);
    }

    fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(LiveEvent::State { state });
        }
    }

    /// Stops and cancels the turn under way, if any; true when there was one.
    fn interrupt(&mut self) -> bool {
        match self.turn.take() {
            Some(turn) => {
                // The worker stops at its next token or sentence; it is not waited for, so the
                // microphone keeps being read (the next turn waits for the engines instead).
                turn.cancel.store(true, Ordering::SeqCst);
                self.playback.stop();
                self.unannounced.clear();
                // What was heard is still reported; what was about to be said is dropped.
                for message in turn.messages.try_iter() {
                    if let WorkerMessage::Heard(transcript) = message {
                        self.emit(LiveEvent::Heard { transcript });
                    }
                }
                true
            }
            None => false,
        }
    }

    /// Reports each sentence whose audio has started playing: once every clip queued before
    /// it has been played, the loudspeaker holds no more clips than the unannounced sentences.
    fn announce(&mut self) {
        let mut pending: usize = self.unannounced.iter().map(|(_, clips)| clips).sum();
        while !self.unannounced.is_empty() && self.playback.queued_clips() <= pending {
            let Some((text, clips)) = self.unannounced.pop_front() else {
                break;
            };
            pending -= clips;
            self.set_state(State::Speaking);
            self.emit(LiveEvent::Speaking { text });
        }
    }

    /// Drops the turn whose utterance was being heard: its speech will not be answered.
    fn drop_next(&mut self) {
        if let Some(next) = self.next.take() {
            next.cancel.store(true, Ordering::SeqCst);
        }
    }

    /// Handles what the worker sent; true once the turn is over and its answer has been played.
    fn pump(&mut self) -> Result<bool, DeviceError> {
        let Some(turn) = self.turn.as_mut() else {
            return Ok(false);
        };
        let mut messages = Vec::new();
        while let Ok(message) = turn.messages.try_recv() {
            messages.push(message);
        }
        for message in messages {
            match message {
                WorkerMessage::State(state) => self.set_state(state),
                WorkerMessage::Heard(transcript) => {
                    if let Some(turn) = self.turn.as_mut() {
                        turn.heard_at = Some(Instant::now());
                    }
                    self.emit(LiveEvent::Heard { transcript });
                }
                WorkerMessage::Sentence { text, audio } => {
                    if let Err(e) = self.sink.play(&audio) {
                        self.interrupt();
                        self.emit(LiveEvent::DeviceLost {
                            message: e.to_string(),
                        });
                        self.set_state(State::Idle);
                        return Err(e);
                    }
                    if let Some(turn) = self.turn.as_mut() {
                        turn.first_audio.get_or_insert_with(Instant::now);
                    }
                    let clips = usize::from(!audio.samples.is_empty());
                    self.unannounced.push_back((text, clips));
                }
                WorkerMessage::Done {
                    answer,
                    mut timings,
                } => {
                    if let Some(turn) = self.turn.as_mut() {
                        let since_speech = |at: Instant| {
                            at.saturating_duration_since(turn.speech_end).as_millis() as u64
                        };
                        timings.voice_to_first_audio_ms = turn.first_audio.map(since_speech);
                        timings.voice_to_transcript_ms = turn.heard_at.map(since_speech);
                        turn.done = true;
                    }
                    self.emit(LiveEvent::Answer { answer, timings });
                }
                WorkerMessage::Failed(message) => {
                    if let Some(turn) = self.turn.as_mut() {
                        turn.done = true;
                    }
                    self.emit(LiveEvent::TurnFailed { message });
                }
                WorkerMessage::Ended => {
                    if let Some(turn) = self.turn.as_mut() {
                        turn.done = true;
                    }
                }
            }
        }
        self.announce();
        let over = self
            .turn
            .as_ref()
            .is_some_and(|t| t.done && !self.playback.is_playing());
        if over {
            if let Some(turn) = self.turn.take() {
                let _ = turn.worker.join();
            }
            self.set_state(State::Idle);
        }
        Ok(over)
    }
}

impl<V: Vad> LiveSession<V> {
    /// A session over loaded engines, with a voice activity detector.
    pub fn new(assistant: Assistant, vad: V, config: LiveConfig) -> Self {
        Self {
            stop_hearing: assistant.stt_stop_handle(),
            assistant: Arc::new(Mutex::new(assistant)),
            conversation: Arc::new(Mutex::new(Conversation::default())),
            endpointer: Endpointer::new(vad, config.endpoint.clone()),
            config,
        }
    }

    /// Forgets the current person's conversation.
    pub fn new_person(&mut self) {
        *lock(&self.conversation) = Conversation::default();
    }

    /// Runs until the source ends (the last answer is then played to its end) or until
    /// [`Control::Stop`]; every event goes to `events`. A failed device ends the turn under way,
    /// is reported as [`LiveEvent::DeviceLost`] and returned: call `run` again with a reopened
    /// device to go on with the same conversation.
    pub fn run(
        &mut self,
        source: &mut dyn AudioSource,
        sink: &mut dyn AudioSink,
        controls: &Receiver<Control>,
        events: &Sender<LiveEvent>,
    ) -> Result<(), DeviceError> {
        let mut live = Loop {
            playback: sink.control(),
            sink,
            events,
            state: State::Idle,
            turn: None,
            next: None,
            push_to_talk: None,
            speech_over_answer: 0,
            recent: VecDeque::with_capacity(RECENT_FRAMES + 1),
            unannounced: VecDeque::new(),
        };
        self.endpointer.reset();
        loop {
            while let Ok(control) = controls.try_recv() {
                if !self.control(&mut live, control) {
                    live.interrupt();
                    return Ok(());
                }
            }
            if live.pump()? {
                self.endpointer.reset();
            }
            let frame = match source.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return self.drain(&mut live),
                Err(e) => {
                    live.interrupt();
                    live.emit(LiveEvent::DeviceLost {
                        message: e.to_string(),
                    });
                    live.set_state(State::Idle);
                    return Err(e);
                }
            };
            self.hear(&mut live, &frame);
        }
    }

    /// Applies one control; false to stop the session.
    fn control(&mut self, live: &mut Loop<'_>, control: Control) -> bool {
        match control {
            Control::Press => {
                live.drop_next();
                if live.interrupt() {
                    live.emit(LiveEvent::Interrupted { heard_ms: None });
                }
                live.push_to_talk = Some(Vec::new());
                live.set_state(State::Listening);
            }
            Control::Release => {
                if let Some(samples) = live.push_to_talk.take() {
                    let audio = aoun_audio::Audio {
                        samples,
                        sample_rate: aoun_audio::SPEECH_RATE,
                    };
                    // Whisper never hears silence: no speech, no turn.
                    if self.holds_speech(&audio) {
                        let mut turn = self.start_turn();
                        turn.end(audio, Instant::now());
                        live.turn = Some(turn);
                    } else {
                        live.emit(LiveEvent::NoSpeech);
                        live.set_state(State::Idle);
                    }
                }
            }
            Control::HandsFree(on) => {
                live.drop_next();
                self.config.hands_free = on;
                self.endpointer.reset();
            }
            Control::NewPerson => {
                live.drop_next();
                live.interrupt();
                live.push_to_talk = None;
                // The microphone's last frames may hold the last person's voice.
                live.recent.clear();
                self.new_person();
                self.endpointer.reset();
                live.set_state(State::Idle);
            }
            Control::Request(request) => self.request(live, request),
            Control::Stop => return false,
        }
        true
    }

    /// Feeds one microphone frame to the push-to-talk buffer or to the endpointer.
    fn hear(&mut self, live: &mut Loop<'_>, frame: &[f32]) {
        if let Some(buffer) = live.push_to_talk.as_mut() {
            buffer.extend_from_slice(frame);
            return;
        }
        live.recent.push_back(frame.to_vec());
        if live.recent.len() > RECENT_FRAMES {
            live.recent.pop_front();
        }
        let answering = live.turn.is_some();
        if (!answering && !self.config.hands_free) || (answering && !self.config.barge_in) {
            return;
        }
        // While Aoun talks, its own voice reaches the microphone: only speech clearly louder
        // than that echo may interrupt.
        let (heard, passed) = match live.turn.as_mut() {
            Some(turn) => echo_gate(turn, frame, &live.playback, self.config.echo_margin_db),
            None => (frame.to_vec(), true),
        };
        let mut found = match self.endpointer.push(&heard) {
            Ok(found) => found,
            Err(e) => {
                live.emit(LiveEvent::TurnFailed {
                    message: e.to_string(),
                });
                return;
            }
        };
        // Stop the answer as soon as the person clearly speaks over it; the endpointer keeps
        // collecting their words for the next turn.
        // Only frames that passed the echo gate count: the detector's memory of earlier speech
        // must not carry a muted frame over the threshold.
        let speech = passed && self.endpointer.last_probability() >= self.config.endpoint.threshold;
        if live.turn.is_some() && speech {
            live.speech_over_answer += 1;
            if live.speech_over_answer >= BARGE_IN_FRAMES && live.interrupt() {
                let heard = frame.len() * live.speech_over_answer;
                let heard_ms = (heard as u64 * 1000) / aoun_audio::SPEECH_RATE as u64;
                live.emit(LiveEvent::Interrupted {
                    heard_ms: Some(heard_ms),
                });
                live.set_state(State::Listening);
                // The gate muted the person's first words: read them again, as heard.
                self.endpointer.reset();
                found.clear();
                for recent in &live.recent {
                    found.extend(self.endpointer.push(recent).unwrap_or_default());
                }
            }
        } else {
            live.speech_over_answer = 0;
        }
        for event in found {
            match event {
                EndpointEvent::SpeechStarted { .. } => {
                    if live.interrupt() {
                        live.emit(LiveEvent::Interrupted { heard_ms: None });
                    }
                    live.set_state(State::Listening);
                    live.drop_next();
                    live.next = Some(self.start_turn());
                }
                EndpointEvent::SpeechEnded(utterance) => {
                    // The speech ended this long before the frame just read.
                    let since_end = self
                        .endpointer
                        .position()
                        .saturating_sub(utterance.speech_end);
                    let speech_end = Instant::now()
                        .checked_sub(since_end)
                        .unwrap_or_else(Instant::now);
                    let mut turn = live.next.take().unwrap_or_else(|| self.start_turn());
                    turn.end_utterance(utterance, speech_end);
                    live.turn = Some(turn);
                }
            }
        }
        if let Some(next) = live.next.as_mut() {
            self.feed(next);
        }
    }

    /// Tells the worker of the utterance under way what it can already work on: the speech so
    /// far once it is long enough to tell its language, and the utterance a pause would end.
    fn feed(&self, next: &mut Turn) {
        if !next.language_asked && self.config.language.is_none() {
            if let Some(audio) = self.endpointer.heard_so_far() {
                if audio.duration_secs() >= LANGUAGE_AFTER.as_secs_f32() {
                    next.language_asked = true;
                    let _ = next.feed.send(Feed::Early(audio));
                }
            }
        }
        match self.endpointer.pending(PAUSE) {
            Some(pending) => {
                if next.pause_sent != Some(pending.speech_end) {
                    next.pause_sent = Some(pending.speech_end);
                    let _ = next
                        .feed
                        .send(Feed::Pause(pending.audio, pending.speech_end));
                }
            }
            None => {
                // The person spoke again after a pause: its transcript is of no use any more.
                if next.pause_sent.take().is_some() {
                    if let Some(stop) = &self.stop_hearing {
                        stop.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
    }

    /// At the end of the stream: the last utterance is answered and played to its end.
    fn drain(&mut self, live: &mut Loop<'_>) -> Result<(), DeviceError> {
        if live.push_to_talk.is_none() && live.turn.is_none() && self.config.hands_free {
            if let Some(utterance) = self.endpointer.finish() {
                let mut turn = live.next.take().unwrap_or_else(|| self.start_turn());
                turn.end_utterance(utterance, Instant::now());
                live.turn = Some(turn);
            }
        }
        live.drop_next();
        let started = Instant::now();
        while live.turn.is_some() && started.elapsed() < DRAIN_TIMEOUT {
            live.pump()?;
            std::thread::sleep(Duration::from_millis(10));
        }
        live.interrupt();
        live.set_state(State::Idle);
        Ok(())
    }

    /// True when the voice activity detector hears speech anywhere in `audio`.
    fn holds_speech(&mut self, audio: &aoun_audio::Audio) -> bool {
        let vad = self.endpointer.vad_mut();
        vad.reset();
        let frame_len = vad.frame_len();
        let heard = audio
            .samples
            .chunks_exact(frame_len)
            .any(|frame| vad.is_speech(frame).unwrap_or(false));
        vad.reset();
        heard
    }

    /// Starts a turn's worker; it hears what [`Turn::end`] (and, before it, [`Self::feed`])
    /// gives it.
    fn start_turn(&self) -> Turn {
        let (feed, fed) = mpsc::channel();
        let assistant = Arc::clone(&self.assistant);
        let conversation = Arc::clone(&self.conversation);
        let language = self.config.language.clone();
        self.spawn(feed, move |stop, tx| {
            run_turn(&assistant, &conversation, language, &fed, stop, tx);
        })
    }

    /// Runs `work` as a turn on its own thread; `feed` carries the utterance to it.
    fn spawn(
        &self,
        feed: Sender<Feed>,
        work: impl FnOnce(&AtomicBool, &Sender<WorkerMessage>) + Send + 'static,
    ) -> Turn {
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, messages) = mpsc::channel();
        let stop = Arc::clone(&cancel);
        let worker = std::thread::spawn(move || work(&stop, &tx));
        Turn {
            cancel,
            feed,
            messages,
            worker,
            language_asked: false,
            pause_sent: None,
            speech_end: Instant::now(),
            heard_at: None,
            first_audio: None,
            echo_gap_db: None,
            done: false,
        }
    }
}

impl Turn {
    /// The utterance ended at `speech_end`: the worker answers it.
    fn end(&mut self, audio: aoun_audio::Audio, speech_end: Instant) {
        self.speech_end = speech_end;
        let _ = self.feed.send(Feed::End(audio, None));
    }

    /// The endpointer cut `utterance`, whose speech ended at `speech_end`.
    fn end_utterance(&mut self, utterance: aoun_audio::Utterance, speech_end: Instant) {
        self.speech_end = speech_end;
        let _ = self
            .feed
            .send(Feed::End(utterance.audio, Some(utterance.speech_end)));
    }
}

/// How far back the loudest played frame is looked for: the echo reaches the microphone after
/// the loudspeaker's and the room's delays.
const ECHO_WINDOW: Duration = Duration::from_millis(100);

/// The frame the detector may hear while an answer plays, and whether it passed the gate:
/// silence unless the microphone is clearly louder than Aoun's own voice arriving at it.
fn echo_gate(
    turn: &mut Turn,
    frame: &[f32],
    playback: &PlaybackControl,
    margin_db: f32,
) -> (Vec<f32>, bool) {
    if !playback.is_playing() {
        return (frame.to_vec(), true);
    }
    // The loudest frame played lately: the echo now heard may come from any of them.
    let played = playback
        .recent_output(ECHO_WINDOW)
        .samples
        .chunks(frame.len().max(1))
        .map(aoun_audio::rms_dbfs)
        .fold(f32::MIN, f32::max);
    let heard = aoun_audio::rms_dbfs(frame);
    let started = turn.first_audio.map_or(Duration::ZERO, |at| at.elapsed());
    if started < ECHO_PROBE {
        // The person usually listens at first: learn how much quieter the echo is. The smallest
        // gap seen is kept, so the gate errs on the side of not hearing itself.
        let gap = played - heard;
        turn.echo_gap_db = Some(turn.echo_gap_db.map_or(gap, |g: f32| g.min(gap)));
        return (vec![0.0; frame.len()], false);
    }
    let echo_level = played - turn.echo_gap_db.unwrap_or(0.0).max(0.0);
    if heard > echo_level + margin_db {
        (frame.to_vec(), true)
    } else {
        (vec![0.0; frame.len()], false)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One turn on the worker thread. Until the utterance ends it works ahead on what the audio
/// loop feeds it (the language, a transcript of the utterance so far); then it answers. Every
/// step checks `cancel` so an interruption stops it fast; the engines are locked only while
/// they work.
fn run_turn(
    assistant: &Mutex<Assistant>,
    conversation: &Mutex<Conversation>,
    mut language: Option<String>,
    feed: &Receiver<Feed>,
    cancel: &AtomicBool,
    out: &Sender<WorkerMessage>,
) {
    let send = |m: WorkerMessage| {
        let _ = out.send(m);
    };
    let mut draft = None;
    let (audio, speech_end) = loop {
        // A closed feed means the utterance was dropped.
        let Ok(first) = feed.recv() else { return };
        // Only the newest of what piled up while the engines worked is still worth doing: the
        // end, else the last pause (after the language, asked once).
        let mut early = None;
        let mut pause = None;
        let mut end = None;
        for message in std::iter::once(first).chain(feed.try_iter()) {
            match message {
                Feed::Early(audio) => early = Some(audio),
                Feed::Pause(audio, speech_end) => pause = Some((audio, speech_end)),
                Feed::End(audio, speech_end) => end = Some((audio, speech_end)),
            }
        }
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        if let Some(ended) = end {
            break ended;
        }
        if let Some(audio) = early.filter(|_| language.is_none()) {
            language = lock(assistant).detect_language(&audio);
        }
        if let Some((audio, speech_end)) = pause {
            let mut timings = StageTimings::default();
            let heard = lock(assistant).hear(&audio, language.as_deref(), &mut timings);
            // A stopped draft is no transcript: the end is heard again.
            let stopped = matches!(heard, Err(TurnError::Stt(aoun_stt::SttError::Stopped)));
            draft = (!stopped).then_some((speech_end, heard, timings));
        }
    };
    let ended = Instant::now();
    send(WorkerMessage::State(State::Transcribing));
    // The transcript of the pause is the utterance's when no speech came after it (only some
    // of the trailing silence differs).
    let (heard, timings) = match draft {
        Some((drafted, heard, timings)) if speech_end == Some(drafted) => (heard, timings),
        _ => {
            let mut timings = StageTimings::default();
            let heard = lock(assistant).hear(&audio, language.as_deref(), &mut timings);
            (heard, timings)
        }
    };
    let outcome = heard.and_then(|transcript| {
        if cancel.load(Ordering::SeqCst) {
            return Err(TurnError::Cancelled);
        }
        send(WorkerMessage::Heard(transcript.clone()));
        send(WorkerMessage::State(State::Thinking));
        let mut assistant = lock(assistant);
        let mut conversation = lock(conversation);
        assistant.stream_answer(
            &mut conversation,
            &transcript,
            timings,
            cancel,
            &mut |step| match step {
                crate::TurnStep::Heard(_) => {}
                crate::TurnStep::Sentence { text, audio } => send(WorkerMessage::Sentence {
                    text: text.to_string(),
                    audio: audio.clone(),
                }),
            },
        )
    });
    match outcome {
        Ok((answer, mut timings)) => {
            timings.total_ms = ms(ended);
            send(WorkerMessage::Done {
                answer,
                timings: Box::new(timings),
            })
        }
        Err(TurnError::Cancelled) => {}
        Err(e) => send(WorkerMessage::Failed(e.to_string())),
    }
}
