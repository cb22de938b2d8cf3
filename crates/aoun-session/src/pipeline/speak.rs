//! The speaking stage: it owns the voices. Each sentence is synthesized in spoken chunks and
//! handed to the turn's events as soon as a chunk is ready; the turn's end is reported after
//! its last sentence, with the voice's timings.

use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use aoun_core::{sentence, Lang, Sentence};
use aoun_tts::SLOWER_RATE;

use super::{TurnContext, TurnEvent};
use crate::{ms, AnswerReport, Contained, StageTimings, TurnError, Voice};

/// One sentence to say.
pub(super) struct Say {
    /// Its position in the answer.
    pub(super) index: usize,
    pub(super) sentence: Sentence,
    pub(super) lang: Lang,
    /// Say it more slowly than the set speed.
    pub(super) slower: bool,
    pub(super) context: TurnContext,
}

/// Work for the speaking stage.
pub(super) enum Job {
    /// Speak a sentence.
    Say(Say),
    /// The turn's sentences have all been sent: report its end once they are spoken.
    End {
        /// The answer (`None` for a turn with no answer to report), or why there is none.
        outcome: Result<Option<AnswerReport>, TurnError>,
        /// The stages before this one.
        timings: Box<StageTimings>,
        /// When the language model started and stopped writing, when it wrote.
        model: Option<(Instant, Instant)>,
        /// When the question was complete.
        asked: Instant,
        /// When the answering stage took the question.
        answering: Instant,
        context: TurnContext,
    },
    /// The speed of every voice from now on (1.0 = normal).
    Rate(f32),
}

pub(super) fn start(voices: Vec<Voice>) -> Sender<Job> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    let mut mouth = Mouth {
        voices: voices
            .into_iter()
            .map(|voice| Voice {
                languages: voice.languages,
                engine: Box::new(Contained::new(voice.engine)),
            })
            .collect(),
        rate: 1.0,
        turn: Spoken::default(),
    };
    std::thread::Builder::new()
        .name("speaking".into())
        .spawn(move || {
            for job in inbox {
                mouth.work(job);
            }
        })
        .expect("the speaking thread starts");
    jobs
}

struct Mouth {
    voices: Vec<Voice>,
    rate: f32,
    /// What the voice did for the turn under way.
    turn: Spoken,
}

/// What the voice did for one turn.
#[derive(Default)]
struct Spoken {
    /// When each chunk's synthesis started and ended.
    spans: Vec<(Instant, Instant)>,
    first_audio_ms: Option<u64>,
    /// When the first chunk's audio was ready.
    first_audio_at: Option<Instant>,
    /// Why the answer could not be spoken; no more synthesis is tried for the turn.
    unspoken: Option<String>,
}

impl Mouth {
    fn work(&mut self, job: Job) {
        match job {
            Job::Rate(rate) => {
                self.rate = rate;
                for voice in &mut self.voices {
                    voice.engine.set_rate(rate);
                }
            }
            Job::Say(say) => {
                if !say.context.cancel.is_cancelled() {
                    self.say(say);
                }
            }
            Job::End {
                outcome,
                mut timings,
                model,
                asked,
                answering,
                context,
            } => {
                let spoken = std::mem::take(&mut self.turn);
                let event = match outcome.and_then(|answer| context.check().map(|()| answer)) {
                    Ok(answer) => {
                        timings.tts_first_audio_ms = spoken.first_audio_ms;
                        timings.first_audio_ms = spoken
                            .first_audio_at
                            .map(|at| at.saturating_duration_since(asked).as_millis() as u64);
                        let voiced: Duration = spoken.spans.iter().map(|(s, e)| *e - *s).sum();
                        timings.tts_ms =
                            (!spoken.spans.is_empty()).then_some(voiced.as_millis() as u64);
                        timings.llm_tts_overlap_ms = model.map(|m| overlap(m, &spoken.spans));
                        let last = spoken.spans.last().map_or_else(Instant::now, |(_, e)| *e);
                        timings.answer_ms =
                            last.saturating_duration_since(answering).as_millis() as u64;
                        timings.total_ms = ms(asked);
                        TurnEvent::Done {
                            answer,
                            unspoken: spoken.unspoken,
                            timings,
                        }
                    }
                    Err(TurnError::Cancelled) => TurnEvent::Cancelled,
                    Err(e) => TurnEvent::Failed(e),
                };
                context.emit(event);
            }
        }
    }

    /// Synthesizes one sentence, chunk by chunk; a missing or failing voice leaves it (and the
    /// rest of the turn) as text.
    fn say(&mut self, say: Say) {
        let Say {
            index,
            sentence,
            lang,
            slower,
            context,
        } = say;
        // Punctuation alone is not spoken.
        let chunks: Vec<String> = sentence::spoken_chunks(&sentence.text)
            .into_iter()
            .filter(|chunk| chunk.chars().any(char::is_alphanumeric))
            .collect();
        let voice = self.voices.iter_mut().find(|v| v.languages.contains(&lang));
        let Some(voice) = voice.filter(|_| self.turn.unspoken.is_none()) else {
            self.turn
                .unspoken
                .get_or_insert_with(|| format!("no voice is installed for `{lang}`"));
            for chunk in chunks {
                context.emit(TurnEvent::Sentence {
                    index,
                    sentence: sentence.clone(),
                    chunk,
                    audio: None,
                });
            }
            return;
        };
        if slower {
            voice.engine.set_rate(self.rate * SLOWER_RATE);
        }
        for chunk in chunks {
            if context.cancel.is_cancelled() {
                break;
            }
            let started = Instant::now();
            let audio = if self.turn.unspoken.is_some() {
                None
            } else {
                aoun_tts::check_speakable(&chunk)
                    .and_then(|()| voice.engine.synthesize(&chunk))
                    .map_err(|e| {
                        tracing::warn!(error = %e, "a sentence could not be spoken");
                        self.turn.unspoken = Some(e.to_string());
                    })
                    .ok()
            };
            if audio.is_some() {
                self.turn.spans.push((started, Instant::now()));
                self.turn.first_audio_ms.get_or_insert(ms(started));
                self.turn.first_audio_at.get_or_insert_with(Instant::now);
            }
            context.emit(TurnEvent::Sentence {
                index,
                sentence: sentence.clone(),
                chunk,
                audio,
            });
        }
        if slower {
            voice.engine.set_rate(self.rate);
        }
    }
}

/// How long the model's writing and the voice's synthesis ran at the same time.
fn overlap((model_start, model_end): (Instant, Instant), spans: &[(Instant, Instant)]) -> u64 {
    let together: Duration = spans
        .iter()
        .map(|&(start, end)| {
            let (from, to) = (start.max(model_start), end.min(model_end));
            to.saturating_duration_since(from)
        })
        .sum();
    together.as_millis() as u64
}
