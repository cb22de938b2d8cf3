//! The one turn pipeline: every question, spoken or typed, from every front end (the commands,
//! the benchmarks, the live session of the desktop app and the kiosk) goes through it.
//!
//! Three stages run side by side, each a worker thread that owns its engine, joined by
//! channels so that data flows one way:
//!
//! ```text
//! hearing (Whisper) ──► answering (guide, model, guard) ──► speaking (voices) ──► the turn's events
//! ```
//!
//! Each stage hands on its work as soon as a piece is ready: the answering stage passes each
//! sentence to the voice the moment the guard accepts it and goes on writing the next one while
//! the voice synthesizes it. One [`CancelToken`] per turn reaches all three (whisper's abort,
//! the model's loop, the voice between chunks). A whole turn is the streamed turn with a sink
//! that collects it ([`Pipeline::turn`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Instant;

use aoun_audio::Audio;
use aoun_core::{CancelToken, Lang, Sentence};
use aoun_guide::Guide;
use aoun_stt::{SpeechToText, Transcript};
use aoun_tts::TtsError;

use crate::{AnswerReport, Phraser, StageTimings, TurnError, TurnReport, Voice};

mod answer;
mod hear;
mod speak;

pub(crate) use hear::Feed;

/// Silence put between two synthesized chunks in a collected answer, in seconds.
const SENTENCE_GAP_SECS: f32 = 0.25;

/// What a turn reports, in order: `Heard` (spoken and typed questions), then each `Sentence` as its
/// audio is ready, then one of `Done`, `Failed` or `Cancelled`, which ends the turn.
#[derive(Debug)]
pub enum TurnEvent {
    /// The question was heard.
    Heard {
        /// The transcript.
        transcript: Transcript,
    },
    /// A spoken chunk of a sentence of the answer is synthesized and can be played.
    Sentence {
        /// The sentence's position in the answer, from 0.
        index: usize,
        /// The whole sentence and what it is.
        sentence: Sentence,
        /// The words of this chunk (a long sentence is spoken in chunks, for an early first
        /// audio).
        chunk: String,
        /// Its audio; `None` when no voice could speak it (see `Done`'s `unspoken`).
        audio: Option<Audio>,
    },
    /// The turn is over.
    Done {
        /// The answer (a label's is of source [`crate::AnswerSource::Label`]); `None` when
        /// there was nothing to say again.
        answer: Option<AnswerReport>,
        /// Why the answer was not spoken, when no voice could speak it.
        unspoken: Option<String>,
        /// Each stage's milliseconds.
        timings: Box<StageTimings>,
    },
    /// The turn failed (its error is one sentence for the person).
    Failed(TurnError),
    /// The turn was cancelled.
    Cancelled,
}

impl TurnEvent {
    /// True for the event that ends a turn.
    pub fn ends_turn(&self) -> bool {
        matches!(
            self,
            TurnEvent::Done { .. } | TurnEvent::Failed(_) | TurnEvent::Cancelled
        )
    }
}

/// What a turn is asked.
#[derive(Debug, Clone)]
pub enum Question {
    /// Speech, at any sample rate; `language` forces the spoken language (ISO 639-1).
    Spoken {
        /// The recording.
        audio: Audio,
        /// The language spoken, when known.
        language: Option<String>,
    },
    /// Text typed or chosen as a picture, answered as if it had been heard, in `lang` when
    /// given, else in the language it is written in.
    Typed {
        /// The question.
        text: String,
        /// The language to answer in.
        lang: Option<Lang>,
    },
    /// The last answer again; `slower` speaks it more slowly than the set speed.
    Replay {
        /// Speak it more slowly.
        slower: bool,
    },
    /// The last answer was not what was asked: the topic is forgotten and Aoun asks again.
    NotWhatIAsked,
    /// A short text that is no answer (a control's spoken name), in `lang`.
    Label {
        /// The text.
        text: String,
        /// Its language.
        lang: Lang,
    },
}

/// A turn under way: its events, and the token that cancels it.
pub struct RunningTurn {
    /// Which turn this is (numbered from 1 in each pipeline).
    pub id: u64,
    /// Cancels every stage of the turn.
    pub cancel: CancelToken,
    /// The turn's events, ending with one for which [`TurnEvent::ends_turn`] holds.
    pub events: Receiver<TurnEvent>,
}

/// What a stage needs to know of the turn it works for.
#[derive(Clone)]
pub(crate) struct TurnContext {
    pub(crate) cancel: CancelToken,
    pub(crate) events: Sender<TurnEvent>,
}

impl TurnContext {
    pub(crate) fn emit(&self, event: TurnEvent) {
        // A turn nobody follows any more (its receiver dropped) still runs to its end.
        let _ = self.events.send(event);
    }

    pub(crate) fn check(&self) -> Result<(), TurnError> {
        if self.cancel.is_cancelled() {
            Err(TurnError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The three stages' workers. Dropping the pipeline (the program shutting down) cancels every
/// turn under way and closes the stages' channels; each worker then ends.
pub struct Pipeline {
    hearing: Sender<hear::Job>,
    answering: Sender<answer::Job>,
    speaking: Sender<speak::Job>,
    turns: AtomicU64,
    /// The parent of every turn's token: shutting down cancels them all.
    shutdown: CancelToken,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Pipeline {
    /// Starts the stages over loaded engines, each behind a [`crate::Contained`] boundary.
    /// `phraser` is optional: without it the content pack's own words answer.
    pub fn new(
        stt: Box<dyn SpeechToText>,
        phraser: Option<Phraser>,
        voices: Vec<Voice>,
        guide: Guide,
    ) -> Self {
        let speaking = speak::start(voices);
        let answering = answer::start(guide, phraser, speaking.clone());
        let hearing = hear::start(stt, answering.clone());
        Self {
            hearing,
            answering,
            speaking,
            turns: AtomicU64::new(0),
            shutdown: CancelToken::new(),
        }
    }

    /// Starts a turn; its events arrive on the returned turn's channel.
    pub fn start(&self, question: Question) -> RunningTurn {
        let (turn, context) = self.new_turn();
        match question {
            Question::Spoken { audio, language } => {
                let (feed, fed) = mpsc::channel();
                let _ = feed.send(Feed::End(audio, None));
                self.hear(fed, language, context);
            }
            Question::Typed { text, lang } => {
                let transcript = Transcript {
                    text,
                    language: lang.map(|l| l.code().to_string()).unwrap_or_default(),
                    language_probability: None,
                };
                // Shown as if it had been heard.
                context.emit(TurnEvent::Heard {
                    transcript: transcript.clone(),
                });
                self.send_answering(answer::Job::Answer {
                    transcript,
                    timings: Box::default(),
                    asked: Instant::now(),
                    context,
                });
            }
            Question::Replay { slower } => {
                self.send_answering(answer::Job::Replay { slower, context })
            }
            Question::NotWhatIAsked => self.send_answering(answer::Job::NotWhatIAsked { context }),
            Question::Label { text, lang } => {
                let label = AnswerReport::label(&text, lang);
                for (index, sentence) in label.sentences.iter().cloned().enumerate() {
                    self.send_speaking(speak::Job::Say(speak::Say {
                        index,
                        sentence,
                        lang,
                        slower: false,
                        context: context.clone(),
                    }));
                }
                self.send_speaking(speak::Job::End {
                    outcome: Ok(Some(label)),
                    timings: Box::default(),
                    model: None,
                    asked: Instant::now(),
                    answering: Instant::now(),
                    context,
                });
            }
        }
        turn
    }

    /// Starts a turn on an utterance still being spoken: what `feed` carries (the speech so
    /// far, the utterance a pause would end, then its end) is worked on as it comes.
    pub(crate) fn start_utterance(&self, language: Option<String>) -> (Sender<Feed>, RunningTurn) {
        let (turn, context) = self.new_turn();
        let (feed, fed) = mpsc::channel();
        self.hear(fed, language, context);
        (feed, turn)
    }

    /// One whole turn, handed to `sink` step by step; returns its report, the answer's audio
    /// collected with a short gap between sentences.
    pub fn turn(
        &self,
        question: Question,
        sink: &mut dyn FnMut(&TurnEvent),
    ) -> Result<TurnReport, TurnError> {
        let started = Instant::now();
        let turn = self.start(question);
        let mut report = CollectedTurn::default();
        for event in turn.events.iter() {
            sink(&event);
            if let Some(outcome) = report.take(event) {
                return outcome.map(|mut report| {
                    report.timings.total_ms = started.elapsed().as_millis() as u64;
                    report
                });
            }
        }
        Err(TurnError::Stopped)
    }

    /// Speaks `text` in `lang`, collected into one recording.
    pub fn say(&self, text: &str, lang: Lang) -> Result<Audio, TurnError> {
        let report = self.turn(
            Question::Label {
                text: text.to_string(),
                lang,
            },
            &mut |_| {},
        )?;
        match (report.audio, report.unspoken) {
            (Some(audio), _) => Ok(audio),
            (None, reason) => Err(TurnError::Tts(TtsError::Voice {
                path: lang.code().to_string(),
                reason: reason.unwrap_or_else(|| "nothing to say".into()),
            })),
        }
    }

    /// Forgets the current person's conversation (after the turn under way, which the caller
    /// cancels first).
    pub fn new_person(&self) {
        let _ = self.answering.send(answer::Job::NewPerson);
    }

    /// Sets the speed of every voice (1.0 = normal) from the next sentence on.
    pub fn set_speech_rate(&self, rate: f32) {
        let _ = self.speaking.send(speak::Job::Rate(rate));
    }

    /// Hands an utterance's feed to the hearing stage.
    fn hear(&self, feed: Receiver<Feed>, language: Option<String>, context: TurnContext) {
        let job = hear::Job {
            feed,
            language,
            context,
        };
        if let Err(mpsc::SendError(job)) = self.hearing.send(job) {
            job.context.emit(TurnEvent::Failed(TurnError::Stopped));
        }
    }

    fn send_answering(&self, job: answer::Job) {
        if let Err(mpsc::SendError(job)) = self.answering.send(job) {
            if let Some(context) = job.context() {
                context.emit(TurnEvent::Failed(TurnError::Stopped));
            }
        }
    }

    fn send_speaking(&self, job: speak::Job) {
        if let Err(mpsc::SendError(speak::Job::End { context, .. })) = self.speaking.send(job) {
            context.emit(TurnEvent::Failed(TurnError::Stopped));
        }
    }

    fn new_turn(&self) -> (RunningTurn, TurnContext) {
        let id = self.turns.fetch_add(1, Ordering::SeqCst) + 1;
        let cancel = self.shutdown.child();
        let (events_tx, events) = mpsc::channel();
        let context = TurnContext {
            cancel: cancel.clone(),
            events: events_tx,
        };
        (RunningTurn { id, cancel, events }, context)
    }
}

/// A turn's events gathered into its report.
#[derive(Default)]
struct CollectedTurn {
    transcript: Option<Transcript>,
    audio: Option<Audio>,
}

impl CollectedTurn {
    /// Takes one event; the turn's outcome once it is over.
    fn take(&mut self, event: TurnEvent) -> Option<Result<TurnReport, TurnError>> {
        match event {
            TurnEvent::Heard { transcript } => self.transcript = Some(transcript),
            TurnEvent::Sentence {
                audio: Some(piece), ..
            } => match self.audio.as_mut() {
                None => self.audio = Some(piece),
                Some(all) => all.join(&piece, SENTENCE_GAP_SECS),
            },
            TurnEvent::Sentence { audio: None, .. } => {}
            TurnEvent::Done {
                answer,
                unspoken,
                timings,
            } => {
                let Some(answer) = answer else {
                    return Some(Err(TurnError::NothingToRepeat));
                };
                let transcript = self.transcript.take().unwrap_or_else(|| Transcript {
                    text: String::new(),
                    language: answer.lang.code().to_string(),
                    language_probability: None,
                });
                return Some(Ok(TurnReport {
                    transcript,
                    answer,
                    audio: self.audio.take(),
                    unspoken,
                    timings: *timings,
                }));
            }
            TurnEvent::Failed(error) => return Some(Err(error)),
            TurnEvent::Cancelled => return Some(Err(TurnError::Cancelled)),
        }
        None
    }
}
