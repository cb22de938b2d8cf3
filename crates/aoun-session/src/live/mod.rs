//! The live conversation: a microphone in, a loudspeaker out, and the turn state machine between
//! them (idle, listening, transcribing, thinking, speaking).
//!
//! The caller's thread runs the audio loop: it reads microphone frames, finds utterances (push to
//! talk, or voice activity in hands-free mode), plays answer sentences as the pipeline hands
//! them over, and stops playback the moment the person speaks over Aoun. Each turn runs in the
//! [`Pipeline`]'s stages, so the first sentence plays while the rest is still being written and
//! synthesized.
//!
//! A turn starts as soon as someone speaks: while they talk the hearing stage tells their
//! language, and when they pause it transcribes what the pause would end, so that once the
//! trailing silence confirms the end of the utterance the transcript is ready or nearly so.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use aoun_audio::{
    AudioSink, AudioSource, CancelEcho, DeviceError, EchoCanceller, EndpointEvent, Endpointer,
    PlaybackControl, TurnDetector, Vad,
};
use aoun_core::CancelToken;

use crate::pipeline::{Feed, Pipeline, RunningTurn, TurnEvent};
use crate::AnswerSource;

mod echo;
mod events;
mod presence;
mod request;

use echo::EchoGate;
pub use events::{Control, LiveConfig, LiveEvent, State};
use presence::{Attendance, Due};
pub use presence::{IdleWipe, Presence};
pub use request::Request;

/// A turn the audio loop follows: the pipeline's events, and what the loop measures of it.
struct Turn {
    running: RunningTurn,
    /// The utterance's feed, while it is being heard.
    feed: Option<Sender<Feed>>,
    /// The hearing stage was given the speech so far to tell its language.
    language_asked: bool,
    /// The last pause sent to the hearing stage: where its speech ends, and the token that
    /// stops its transcription.
    pause_sent: Option<(Duration, CancelToken)>,
    /// Wall-clock time the person's speech ended (set when the utterance ends).
    speech_end: Instant,
    /// When the transcript reached the audio loop.
    heard_at: Option<Instant>,
    first_audio: Option<Instant>,
    echo: EchoGate,
    /// The pipeline reported the end of the turn.
    done: bool,
}

impl Turn {
    fn new(running: RunningTurn, feed: Option<Sender<Feed>>) -> Self {
        Self {
            running,
            feed,
            language_asked: false,
            pause_sent: None,
            speech_end: Instant::now(),
            heard_at: None,
            first_audio: None,
            echo: EchoGate::default(),
            done: false,
        }
    }

    /// The utterance ended at `speech_end` (`cut` is its end on the stream's clock, when the
    /// endpointer cut it): the pipeline answers it.
    fn end(&mut self, audio: aoun_audio::Audio, cut: Option<Duration>, speech_end: Instant) {
        self.speech_end = speech_end;
        if let Some(feed) = self.feed.take() {
            let _ = feed.send(Feed::End(audio, cut));
        }
    }

    fn cancel(&self) {
        self.running.cancel.cancel();
    }
}

/// What the microphone's sound is for, between answers.
enum Hearing {
    /// Nobody is speaking: hands-free mode listens for speech.
    Waiting,
    /// The talk button is held: everything heard is the question.
    Held(Vec<f32>),
    /// Someone is speaking (hands-free): the utterance's turn hears it as it comes.
    Utterance(Turn),
}

/// A live conversation over an audio source and sink.
pub struct LiveSession<V: Vad> {
    pipeline: Pipeline,
    endpointer: Endpointer<V>,
    config: LiveConfig,
    /// Kiosk mode's idle clock.
    attendance: Option<Attendance>,
}

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
    answering: Option<Turn>,
    hearing: Hearing,
    /// Consecutive frames of speech heard over the answer.
    speech_over_answer: usize,
    /// The last microphone frames as they were heard, before the echo gate: when the person
    /// interrupts, their first words were gated and are read again from here.
    recent: VecDeque<Vec<f32>>,
    /// Sentences handed to the loudspeaker that have not started playing yet, with the number
    /// of clips each queued (none for a sentence without audio).
    unannounced: VecDeque<(LiveEvent, usize)>,
    /// Removes the loudspeaker's sound from the microphone, when on.
    canceller: Option<EchoCanceller>,
    /// Loudspeaker output already given to the canceller (see [`PlaybackControl::output_since`]).
    reference_read: u64,
}

impl Loop<'_> {
    /// The microphone `frame` without the loudspeaker's echo: the canceller first learns what
    /// was played since the last frame.
    fn cancel_echo(&mut self, frame: Vec<f32>) -> Vec<f32> {
        let Some(canceller) = self.canceller.as_mut() else {
            return frame;
        };
        let (played, read) = self.playback.output_since(self.reference_read);
        self.reference_read = read;
        canceller.played(&played);
        canceller.cancel(&frame)
    }

    /// Turns the echo canceller on (learning the room from nothing) or off.
    fn set_echo_cancel(&mut self, on: bool) {
        if on == self.canceller.is_some() {
            return;
        }
        self.canceller = on.then(EchoCanceller::new);
        self.reference_read = self.playback.output_since(u64::MAX).1;
    }

    /// Whether the echo canceller has converged: it takes away most of the loudspeaker's sound,
    /// so the half-duplex gate is not needed.
    fn echo_cancelled(&self) -> bool {
        self.canceller
            .as_ref()
            .is_some_and(EchoCanceller::converged)
    }

    fn emit(&self, event: LiveEvent) {
        let _ = self.events.send(event);
    }

    fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(LiveEvent::State { state });
        }
    }

    /// Stops and cancels the turn being answered, if any; true when there was one.
    fn interrupt(&mut self) -> bool {
        match self.answering.take() {
            Some(turn) => {
                // The stages stop at their next step; they are not waited for, so the
                // microphone keeps being read.
                turn.cancel();
                self.playback.stop();
                self.unannounced.clear();
                // What was heard is still reported; what was about to be said is dropped.
                for event in turn.running.events.try_iter() {
                    if let TurnEvent::Heard { transcript } = event {
                        self.emit(LiveEvent::Heard {
                            turn: turn.running.id,
                            transcript,
                        });
                    }
                }
                true
            }
            None => false,
        }
    }

    /// Stops and cancels the turn under way, reported as an interruption of the answer.
    fn interrupt_answer(&mut self) {
        if self.interrupt() {
            self.emit(LiveEvent::Interrupted { heard_ms: None });
        }
    }

    /// Reports each sentence whose audio has started playing: once every clip queued before
    /// it has been played, the loudspeaker holds no more clips than the unannounced sentences.
    fn announce(&mut self) {
        let mut pending: usize = self.unannounced.iter().map(|(_, clips)| clips).sum();
        while !self.unannounced.is_empty() && self.playback.queued_clips() <= pending {
            let Some((event, clips)) = self.unannounced.pop_front() else {
                break;
            };
            pending -= clips;
            self.set_state(State::Speaking);
            self.emit(event);
        }
    }

    /// Drops the utterance being heard (or the button's recording): it will not be answered.
    fn stop_hearing(&mut self) {
        if let Hearing::Utterance(turn) = std::mem::replace(&mut self.hearing, Hearing::Waiting) {
            turn.cancel();
        }
    }

    /// Handles what the pipeline reported; true once the turn is over and its answer has been
    /// played.
    fn pump(&mut self) -> Result<bool, DeviceError> {
        let Some(turn) = self.answering.as_mut() else {
            return Ok(false);
        };
        let id = turn.running.id;
        let events: Vec<TurnEvent> = turn.running.events.try_iter().collect();
        for event in events {
            self.take(id, event)?;
        }
        self.announce();
        let over = self
            .answering
            .as_ref()
            .is_some_and(|t| t.done && !self.playback.is_playing());
        if over {
            self.answering = None;
            self.set_state(State::Idle);
        }
        Ok(over)
    }

    /// Takes one event of the turn `id` being answered.
    fn take(&mut self, id: u64, event: TurnEvent) -> Result<(), DeviceError> {
        match event {
            TurnEvent::Heard { transcript } => {
                if let Some(turn) = self.answering.as_mut() {
                    turn.heard_at = Some(Instant::now());
                }
                self.emit(LiveEvent::Heard {
                    turn: id,
                    transcript,
                });
                self.set_state(State::Thinking);
            }
            TurnEvent::Sentence {
                index,
                sentence,
                audio,
                ..
            } => {
                let mut clips = 0;
                if let Some(audio) = audio.filter(|a| !a.samples.is_empty()) {
                    if let Err(e) = self.sink.play(&audio) {
                        self.interrupt();
                        self.emit(LiveEvent::DeviceLost {
                            message: e.to_string(),
                        });
                        self.set_state(State::Idle);
                        return Err(e);
                    }
                    if let Some(turn) = self.answering.as_mut() {
                        turn.first_audio.get_or_insert_with(Instant::now);
                    }
                    clips = 1;
                }
                let speaking = LiveEvent::Speaking {
                    turn: id,
                    index,
                    kind: sentence.kind,
                    text: sentence.text,
                };
                self.unannounced.push_back((speaking, clips));
            }
            TurnEvent::Done {
                answer, timings, ..
            } => {
                let Some(turn) = self.answering.as_mut() else {
                    return Ok(());
                };
                turn.done = true;
                let mut timings = timings;
                let since_speech =
                    |at: Instant| at.saturating_duration_since(turn.speech_end).as_millis() as u64;
                timings.voice_to_first_audio_ms = turn.first_audio.map(since_speech);
                timings.voice_to_transcript_ms = turn.heard_at.map(since_speech);
                // A label is no answer.
                if let Some(answer) = answer.filter(|a| a.source != AnswerSource::Label) {
                    self.emit(LiveEvent::Answer {
                        turn: id,
                        answer,
                        timings,
                    });
                }
            }
            TurnEvent::Failed(error) => {
                if let Some(turn) = self.answering.as_mut() {
                    turn.done = true;
                }
                self.emit(LiveEvent::TurnFailed {
                    message: error.to_string(),
                });
            }
            TurnEvent::Cancelled => {
                if let Some(turn) = self.answering.as_mut() {
                    turn.done = true;
                }
            }
        }
        Ok(())
    }
}

impl<V: Vad> LiveSession<V> {
    /// A session over a pipeline, with a voice activity detector.
    pub fn new(pipeline: Pipeline, vad: V, mut config: LiveConfig) -> Self {
        let attendance = config.idle_wipe.map(Attendance::new);
        if let Some(attendance) = &attendance {
            config.hands_free = attendance.listens();
        }
        Self {
            pipeline,
            endpointer: Endpointer::new(vad, config.endpoint.clone()),
            config,
            attendance,
        }
    }

    /// Ends an utterance as soon as `turn` says, at a short pause, that the person has
    /// finished (the end-of-speech silence stays the limit).
    pub fn with_turn_detector(mut self, turn: Box<dyn TurnDetector>) -> Self {
        self.endpointer = self.endpointer.with_turn_detector(turn);
        self
    }

    /// Forgets the current person's conversation.
    pub fn new_person(&mut self) {
        self.pipeline.new_person();
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
            answering: None,
            hearing: Hearing::Waiting,
            speech_over_answer: 0,
            recent: VecDeque::with_capacity(RECENT_FRAMES + 1),
            unannounced: VecDeque::new(),
            canceller: None,
            reference_read: 0,
        };
        live.set_echo_cancel(self.config.echo_cancel);
        self.endpointer.reset();
        // The window learns where a new or reopened session stands.
        live.emit(LiveEvent::HandsFree {
            on: self.config.hands_free,
        });
        if let Some(attendance) = &self.attendance {
            live.emit(LiveEvent::Presence {
                presence: attendance.presence(),
            });
        }
        loop {
            while let Ok(control) = controls.try_recv() {
                if !self.control(&mut live, control) {
                    live.stop_hearing();
                    live.interrupt();
                    return Ok(());
                }
            }
            if live.pump()? {
                self.endpointer.reset();
            }
            self.watch_idle(&mut live);
            let frame = match source.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return self.drain(&mut live),
                Err(e) => {
                    live.stop_hearing();
                    live.interrupt();
                    live.emit(LiveEvent::DeviceLost {
                        message: e.to_string(),
                    });
                    live.set_state(State::Idle);
                    return Err(e);
                }
            };
            let frame = live.cancel_echo(frame);
            self.hear(&mut live, &frame);
        }
    }

    /// Applies one control; false to stop the session.
    fn control(&mut self, live: &mut Loop<'_>, control: Control) -> bool {
        match control {
            Control::Press => {
                live.stop_hearing();
                live.interrupt_answer();
                live.hearing = Hearing::Held(Vec::new());
                live.set_state(State::Listening);
            }
            Control::Release => {
                if let Hearing::Held(samples) =
                    std::mem::replace(&mut live.hearing, Hearing::Waiting)
                {
                    let audio = aoun_audio::Audio {
                        samples,
                        sample_rate: aoun_audio::SPEECH_RATE,
                    };
                    // Whisper never hears silence: no speech, no turn.
                    if self.holds_speech(&audio) {
                        let mut turn = self.start_turn();
                        turn.end(audio, None, Instant::now());
                        live.answering = Some(turn);
                        live.set_state(State::Transcribing);
                    } else {
                        live.emit(LiveEvent::NoSpeech);
                        live.set_state(State::Idle);
                    }
                }
            }
            Control::HandsFree(on) => self.set_hands_free(live, on),
            Control::NewPerson => self.wipe(live),
            Control::SomeoneHere => self.attend(live, |a| a.sign(Instant::now())),
            Control::Request(request) => self.request(live, request),
            Control::Stop => return false,
        }
        true
    }

    fn set_hands_free(&mut self, live: &mut Loop<'_>, on: bool) {
        live.stop_hearing();
        self.config.hands_free = on;
        self.endpointer.reset();
        live.emit(LiveEvent::HandsFree { on });
    }

    /// Forgets the conversation and what the microphone last heard; in kiosk mode, nobody is
    /// there any more.
    fn wipe(&mut self, live: &mut Loop<'_>) {
        live.stop_hearing();
        live.interrupt();
        // The microphone's last frames may hold the last person's voice.
        live.recent.clear();
        self.pipeline.new_person();
        self.endpointer.reset();
        live.set_state(State::Idle);
        self.attend(live, Attendance::gone);
    }

    /// Kiosk mode: applies `change` to the idle clock, and tells the window when the presence
    /// changes. Someone arriving turns hands-free listening on; nobody there leaves it as the
    /// microphone allows.
    fn attend(
        &mut self,
        live: &mut Loop<'_>,
        change: impl FnOnce(&mut Attendance) -> Option<Presence>,
    ) {
        let Some(attendance) = self.attendance.as_mut() else {
            return;
        };
        let was_away = attendance.presence() == Presence::Away;
        let Some(presence) = change(attendance) else {
            return;
        };
        let listens = attendance.listens();
        live.emit(LiveEvent::Presence { presence });
        let arrived_or_left = was_away || presence == Presence::Away;
        if arrived_or_left && self.config.hands_free != listens {
            self.set_hands_free(live, listens);
        }
    }

    /// Kiosk mode: moves the idle clock on, and wipes the conversation when its time is over.
    fn watch_idle(&mut self, live: &mut Loop<'_>) {
        let state = live.state;
        let mut wipe_due = false;
        self.attend(live, |attendance| {
            match attendance.tick(Instant::now(), state)? {
                Due::Tell(presence) => Some(presence),
                Due::Wipe => {
                    wipe_due = true;
                    None
                }
            }
        });
        if wipe_due {
            self.wipe(live);
        }
    }

    /// Feeds one microphone frame to the button's recording or to the endpointer.
    fn hear(&mut self, live: &mut Loop<'_>, frame: &[f32]) {
        if let Hearing::Held(buffer) = &mut live.hearing {
            buffer.extend_from_slice(frame);
            return;
        }
        live.recent.push_back(frame.to_vec());
        if live.recent.len() > RECENT_FRAMES {
            live.recent.pop_front();
        }
        let answering = live.answering.is_some();
        if (!answering && !self.config.hands_free) || (answering && !self.config.barge_in) {
            return;
        }
        // While Aoun talks, its own voice reaches the microphone: unless the canceller has
        // taken it away, only speech clearly louder than that echo may interrupt.
        let echo_cancelled = live.echo_cancelled();
        let (heard, passed) = match live.answering.as_mut() {
            Some(turn) if !echo_cancelled => {
                let playing_for = turn.first_audio.map_or(Duration::ZERO, |at| at.elapsed());
                let margin = self.config.echo_margin_db;
                turn.echo.pass(frame, &live.playback, playing_for, margin)
            }
            _ => (frame.to_vec(), true),
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
        // collecting their words for the next turn. Only frames that passed the echo gate
        // count: the detector's memory of earlier speech must not carry a muted frame over the
        // threshold.
        let speech = passed && self.endpointer.last_probability() >= self.config.endpoint.threshold;
        if live.answering.is_some() && speech {
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
                    live.interrupt_answer();
                    live.set_state(State::Listening);
                    live.stop_hearing();
                    live.hearing = Hearing::Utterance(self.start_turn());
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
                    let mut turn = match std::mem::replace(&mut live.hearing, Hearing::Waiting) {
                        Hearing::Utterance(turn) => turn,
                        _ => self.start_turn(),
                    };
                    turn.end(utterance.audio, Some(utterance.speech_end), speech_end);
                    live.answering = Some(turn);
                    live.set_state(State::Transcribing);
                }
            }
        }
        if let Hearing::Utterance(turn) = &mut live.hearing {
            self.feed(turn);
        }
    }

    /// Tells the hearing stage what it can already work on: the speech so far once it is long
    /// enough to tell its language, and the utterance a pause would end.
    fn feed(&self, turn: &mut Turn) {
        let Some(feed) = turn.feed.as_ref() else {
            return;
        };
        if !turn.language_asked && self.config.language.is_none() {
            if let Some(audio) = self.endpointer.heard_so_far() {
                if audio.duration_secs() >= LANGUAGE_AFTER.as_secs_f32() {
                    turn.language_asked = true;
                    let _ = feed.send(Feed::Early(audio));
                }
            }
        }
        match self.endpointer.pending(PAUSE) {
            Some(pending) => {
                if turn.pause_sent.as_ref().map(|(end, _)| *end) != Some(pending.speech_end) {
                    let stop = turn.running.cancel.child();
                    let _ = feed.send(Feed::Pause(pending.audio, pending.speech_end, stop.clone()));
                    turn.pause_sent = Some((pending.speech_end, stop));
                }
            }
            None => {
                // The person spoke again after a pause: its transcript is of no use any more.
                if let Some((_, stop)) = turn.pause_sent.take() {
                    stop.cancel();
                }
            }
        }
    }

    /// At the end of the stream: the last utterance is answered and played to its end.
    fn drain(&mut self, live: &mut Loop<'_>) -> Result<(), DeviceError> {
        let held = matches!(live.hearing, Hearing::Held(_));
        if !held && live.answering.is_none() && self.config.hands_free {
            if let Some(utterance) = self.endpointer.finish() {
                let mut turn = match std::mem::replace(&mut live.hearing, Hearing::Waiting) {
                    Hearing::Utterance(turn) => turn,
                    _ => self.start_turn(),
                };
                turn.end(utterance.audio, Some(utterance.speech_end), Instant::now());
                live.answering = Some(turn);
            }
        }
        live.stop_hearing();
        let started = Instant::now();
        while live.answering.is_some() && started.elapsed() < DRAIN_TIMEOUT {
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

    /// Starts a turn on an utterance; it hears what [`Turn::end`] (and, before it,
    /// [`Self::feed`]) gives it.
    fn start_turn(&self) -> Turn {
        let (feed, running) = self.pipeline.start_utterance(self.config.language.clone());
        Turn::new(running, Some(feed))
    }
}
