//! What a window asks of a live session besides the talk button: a question typed or chosen as
//! a picture, the last answer again (slower), "that is not what I asked", a control's spoken
//! name, and the settings that can change while it runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aoun_audio::Vad;
use aoun_guide::{Dialogue, Lang, Reply};
use aoun_stt::Transcript;

use super::{lock, LiveEvent, LiveSession, Loop, State, WorkerMessage};
use crate::{AnswerReport, Assistant, Conversation, StageTimings, TurnError};

/// How much slower "slower" speaks than the voice's set speed.
const SLOWER: f32 = 0.75;

/// Something asked without speaking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Answer this text as if it had been heard (a typed question, or a procedure's name when
    /// its picture is chosen), in `lang` when given, else in the language it is written in.
    Ask {
        /// The question.
        text: String,
        /// The language to answer in.
        lang: Option<Lang>,
    },
    /// Speak the last answer again; `slower` speaks it more slowly.
    Replay {
        /// Speak it more slowly than the set speed.
        slower: bool,
    },
    /// The last answer was not what was asked: forget the topic and ask what is needed.
    NotWhatIAsked,
    /// Speak a short text, such as a control's name, in `lang`.
    Say {
        /// The text.
        text: String,
        /// Its language.
        lang: Lang,
    },
    /// Speed of every voice, in percent of normal.
    SpeechRate(u16),
    /// Silence that ends an utterance in hands-free mode.
    EndSilence(Duration),
}

/// The work of a request's turn, on its worker thread.
type Job =
    Box<dyn FnOnce(&mut Assistant, &mut Conversation, &AtomicBool, &Sender<WorkerMessage>) + Send>;

impl<V: Vad> LiveSession<V> {
    /// Carries out a request; one that speaks interrupts the answer under way.
    pub(super) fn request(&mut self, live: &mut Loop<'_>, request: Request) {
        let job: Job = match request {
            Request::SpeechRate(percent) => {
                // Not on the audio loop: a turn may hold the engines for a while.
                let assistant = Arc::clone(&self.assistant);
                std::thread::spawn(move || {
                    lock(&assistant).set_speech_rate(percent as f32 / 100.0)
                });
                return;
            }
            Request::EndSilence(silence) => {
                self.config.endpoint.trailing_silence = silence;
                self.endpointer.set_trailing_silence(silence);
                return;
            }
            Request::Ask { text, lang } => Box::new(move |assistant, conversation, cancel, out| {
                ask(assistant, conversation, &text, lang, cancel, out)
            }),
            Request::Replay { slower } => Box::new(move |assistant, conversation, cancel, out| {
                let Some(answer) = conversation.last_answer.clone() else {
                    return send(out, WorkerMessage::Ended);
                };
                let rate = assistant.speech_rate;
                if slower {
                    assistant.set_speech_rate(rate * SLOWER);
                }
                let spoken = speak(assistant, &answer.text, answer.lang, cancel, out);
                assistant.set_speech_rate(rate);
                finish(spoken.map(|()| (answer, StageTimings::default())), out);
            }),
            Request::NotWhatIAsked => Box::new(|assistant, conversation, cancel, out| {
                let lang = conversation
                    .last_answer
                    .as_ref()
                    .map_or(Lang::Ar, |a| a.lang);
                conversation.dialogue = Dialogue::default();
                let text = assistant
                    .guide
                    .pack()
                    .phrases
                    .not_understood
                    .get(lang)
                    .to_string();
                let answer = AnswerReport::from_reply(&Reply::NotUnderstood { text, lang });
                conversation.last_answer = Some(answer.clone());
                let spoken = speak(assistant, &answer.text, lang, cancel, out);
                finish(spoken.map(|()| (answer, StageTimings::default())), out);
            }),
            Request::Say { text, lang } => Box::new(move |assistant, _, cancel, out| {
                match speak(assistant, &text, lang, cancel, out) {
                    Err(TurnError::Cancelled) | Ok(()) => send(out, WorkerMessage::Ended),
                    Err(e) => send(out, WorkerMessage::Failed(e.to_string())),
                }
            }),
        };
        live.drop_next();
        live.push_to_talk = None;
        if live.interrupt() {
            live.emit(LiveEvent::Interrupted { heard_ms: None });
        }
        let (feed, _) = mpsc::channel();
        let assistant = Arc::clone(&self.assistant);
        let conversation = Arc::clone(&self.conversation);
        live.turn = Some(self.spawn(feed, move |cancel, out| {
            job(&mut lock(&assistant), &mut lock(&conversation), cancel, out)
        }));
        self.endpointer.reset();
    }
}

fn send(out: &Sender<WorkerMessage>, message: WorkerMessage) {
    let _ = out.send(message);
}

/// Answers `text` as a heard question, sentence by sentence.
fn ask(
    assistant: &mut Assistant,
    conversation: &mut Conversation,
    text: &str,
    lang: Option<Lang>,
    cancel: &AtomicBool,
    out: &Sender<WorkerMessage>,
) {
    let started = Instant::now();
    let transcript = Transcript {
        text: text.to_string(),
        language: lang.map(|l| l.code().to_string()).unwrap_or_default(),
        language_probability: None,
    };
    send(out, WorkerMessage::Heard(transcript.clone()));
    send(out, WorkerMessage::State(State::Thinking));
    let outcome = assistant.stream_answer(
        conversation,
        &transcript,
        StageTimings::default(),
        cancel,
        &mut |step| {
            if let crate::TurnStep::Sentence { text, audio } = step {
                send(
                    out,
                    WorkerMessage::Sentence {
                        text: text.to_string(),
                        audio: audio.clone(),
                    },
                );
            }
        },
    );
    finish(
        outcome.map(|(answer, mut timings)| {
            timings.total_ms = started.elapsed().as_millis() as u64;
            (answer, timings)
        }),
        out,
    );
}

/// Speaks `text` sentence by sentence.
fn speak(
    assistant: &mut Assistant,
    text: &str,
    lang: Lang,
    cancel: &AtomicBool,
    out: &Sender<WorkerMessage>,
) -> Result<(), TurnError> {
    for sentence in aoun_tts::split_sentences(text) {
        if cancel.load(Ordering::SeqCst) {
            return Err(TurnError::Cancelled);
        }
        let audio = assistant.say(&sentence, lang)?;
        send(
            out,
            WorkerMessage::Sentence {
                text: sentence,
                audio,
            },
        );
    }
    Ok(())
}

/// Reports how a request's turn ended.
fn finish(outcome: Result<(AnswerReport, StageTimings), TurnError>, out: &Sender<WorkerMessage>) {
    match outcome {
        Ok((answer, timings)) => send(
            out,
            WorkerMessage::Done {
                answer,
                timings: Box::new(timings),
            },
        ),
        Err(TurnError::Cancelled) => {}
        Err(e) => send(out, WorkerMessage::Failed(e.to_string())),
    }
}

impl Assistant {
    /// Sets the speed of every voice (1.0 = normal).
    pub fn set_speech_rate(&mut self, rate: f32) {
        self.speech_rate = rate;
        for voice in &mut self.voices {
            voice.engine.set_rate(rate);
        }
    }
}
