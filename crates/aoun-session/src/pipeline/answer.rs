//! The answering stage: it owns the guide, the language model and the person's conversation.
//! Each sentence of an answer goes to the speaking stage as soon as it is settled; the model
//! goes on writing the next one meanwhile.

use std::ops::ControlFlow;
use std::sync::mpsc::{self, Sender};
use std::time::Instant;

use aoun_core::sentence::{self, Splitter};
use aoun_core::{Lang, Sentence, SentenceKind};
use aoun_guide::{Answer, Dialogue, Guide, Reply};
use aoun_stt::Transcript;

use super::{speak, TurnContext};
use crate::{ms, AnswerReport, AnswerSource, Phraser, StageTimings};

/// Work for the answering stage.
pub(super) enum Job {
    /// Answer a question, heard (`timings` holds the hearing stages) or typed; `asked` is when
    /// the question was complete.
    Answer {
        transcript: Transcript,
        timings: Box<StageTimings>,
        asked: Instant,
        context: TurnContext,
    },
    /// Say the last answer again.
    Replay { slower: bool, context: TurnContext },
    /// Forget the topic and ask what is needed.
    NotWhatIAsked { context: TurnContext },
    /// Wipe the conversation.
    NewPerson,
}

impl Job {
    /// The turn the job works for, if any.
    pub(super) fn context(self) -> Option<TurnContext> {
        match self {
            Job::Answer { context, .. }
            | Job::Replay { context, .. }
            | Job::NotWhatIAsked { context } => Some(context),
            Job::NewPerson => None,
        }
    }
}

pub(super) fn start(
    guide: Guide,
    phraser: Option<Phraser>,
    speaking: Sender<speak::Job>,
) -> Sender<Job> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    let mut mind = Mind {
        guide,
        phraser,
        dialogue: Dialogue::default(),
        last_answer: None,
    };
    std::thread::Builder::new()
        .name("answering".into())
        .spawn(move || {
            for job in inbox {
                mind.work(job, &speaking);
            }
        })
        .expect("the answering thread starts");
    jobs
}

struct Mind {
    guide: Guide,
    phraser: Option<Phraser>,
    /// What one person has said so far; wiped when they leave.
    dialogue: Dialogue,
    /// The last answer given, to say again.
    last_answer: Option<AnswerReport>,
}

/// The sentences of one answer on their way to the voice, numbered as they go.
struct Said<'a> {
    voice: &'a Sender<speak::Job>,
    context: TurnContext,
    lang: Lang,
    slower: bool,
    sentences: Vec<Sentence>,
    /// When the language model started and stopped writing, when it wrote.
    model: Option<(Instant, Instant)>,
    /// When this stage took the question.
    started: Instant,
}

impl Said<'_> {
    fn say(&mut self, sentence: Sentence) {
        let _ = self.voice.send(speak::Job::Say(speak::Say {
            index: self.sentences.len(),
            sentence: sentence.clone(),
            lang: self.lang,
            slower: self.slower,
            context: self.context.clone(),
        }));
        self.sentences.push(sentence);
    }

    fn say_all(&mut self, sentences: impl IntoIterator<Item = Sentence>) {
        for sentence in sentences {
            self.say(sentence);
        }
    }

    /// Ends the turn after its sentences: the voice reports it once they are spoken.
    fn end(self, answer: Option<AnswerReport>, timings: Box<StageTimings>, asked: Instant) {
        let _ = self.voice.send(speak::Job::End {
            outcome: self.context.check().map(|()| answer),
            timings,
            model: self.model,
            asked,
            answering: self.started,
            context: self.context,
        });
    }
}

impl Mind {
    fn work(&mut self, job: Job, voice: &Sender<speak::Job>) {
        let asked = Instant::now();
        let said = |context, lang, slower| Said {
            voice,
            context,
            lang,
            slower,
            sentences: Vec::new(),
            model: None,
            started: Instant::now(),
        };
        match job {
            Job::Answer {
                transcript,
                mut timings,
                asked,
                context,
            } => {
                let hint = Lang::from_whisper_code(&transcript.language);
                let stage = Instant::now();
                let reply = self
                    .guide
                    .respond(&mut self.dialogue, &transcript.text, hint);
                timings.guide_ms = ms(stage);
                let mut report = AnswerReport::from_reply(&reply);
                let mut said = said(context, report.lang, false);
                match &reply {
                    Reply::Answer(answer) => {
                        self.word(answer, &mut report, &mut timings, &mut said)
                    }
                    _ => said.say_all(reply.sentences()),
                }
                report.sentences = said.sentences.clone();
                report.text = sentence::join(&report.sentences);
                if !said.context.cancel.is_cancelled() {
                    self.last_answer = Some(report.clone());
                }
                said.end(Some(report), timings, asked);
            }
            Job::Replay { slower, context } => {
                // Nothing said yet: nothing to say again.
                let Some(answer) = self.last_answer.clone() else {
                    return said(context, Lang::Ar, false).end(None, Box::default(), asked);
                };
                let mut said = said(context, answer.lang, slower);
                said.say_all(answer.sentences.iter().cloned());
                said.end(Some(answer), Box::default(), asked);
            }
            Job::NotWhatIAsked { context } => {
                let lang = self.last_answer.as_ref().map_or(Lang::Ar, |a| a.lang);
                self.dialogue = Dialogue::default();
                let text = self
                    .guide
                    .pack()
                    .phrases
                    .not_understood
                    .get(lang)
                    .to_string();
                let reply = Reply::NotUnderstood { text, lang };
                let answer = AnswerReport::from_reply(&reply);
                self.last_answer = Some(answer.clone());
                let mut said = said(context, lang, false);
                said.say_all(reply.sentences());
                said.end(Some(answer), Box::default(), asked);
            }
            Job::NewPerson => {
                self.dialogue = Dialogue::default();
                self.last_answer = None;
            }
        }
    }

    /// Words `answer`, after its topic when it has one. The card's first sentence goes at once: it states what was asked, and
    /// nobody waits for the model to say it. The language model, when it speaks the language,
    /// words the rest of the card's answer as a continuation of that sentence, each of its
    /// sentences checked by the guard while the ones before are being said; otherwise, or when
    /// it is rejected before it said anything, the card's own sentences follow. The "check at
    /// the office" after a fact without an official source is said as written, and the offer
    /// of details comes last.
    fn word(
        &mut self,
        answer: &Answer,
        report: &mut AnswerReport,
        timings: &mut StageTimings,
        said: &mut Said<'_>,
    ) {
        let spoken = answer.spoken();
        said.say_all(spoken.topic);
        if let Some((first, rest)) = spoken.card.split_first() {
            said.say(first.clone());
            let worded =
                !rest.is_empty() && self.model_rest(answer, first, rest, report, timings, said);
            if worded {
                report.source = AnswerSource::Model;
            } else {
                said.say_all(rest.iter().cloned());
            }
        }
        said.say_all(spoken.closing);
    }

    /// Streams the language model's continuation of the answer's first sentence, handing on
    /// each sentence that passes the guard; true when it said at least one. Its first sentence
    /// must carry the facts of the rest of the card's answer; every sentence must state only
    /// what the card states. A rejected sentence stops the model.
    fn model_rest(
        &mut self,
        answer: &Answer,
        first: &Sentence,
        rest: &[Sentence],
        report: &mut AnswerReport,
        timings: &mut StageTimings,
        said: &mut Said<'_>,
    ) -> bool {
        let Some(phraser) = self.phraser.as_mut().filter(|p| p.speaks(answer.lang)) else {
            return false;
        };
        let Some(prompt) = self.guide.grounded_prompt(answer) else {
            return false;
        };
        // What the model's sentences must cover: the card's answer after its first sentence.
        let remaining = Answer {
            text: sentence::join(rest),
            offer: None,
            ..answer.clone()
        };
        let guide = &self.guide;
        let cancel = said.context.cancel.clone();
        let mut worded = 0;
        let mut rejected: Option<String> = None;
        let mut accept = |text: String| -> Result<(), String> {
            let verdict = if worded == 0 {
                guide.guard(&remaining, &text)
            } else {
                guide.guard_facts(&remaining, &text)
            };
            verdict.map_err(|why| why.to_string())?;
            said.say(Sentence {
                text,
                kind: SentenceKind::Model,
            });
            worded += 1;
            Ok(())
        };
        let stage = Instant::now();
        let mut splitter = Splitter::new();
        let result = phraser.phrase_streaming(&prompt, &first.text, &cancel, &mut |piece| {
            for sentence in splitter.push(piece) {
                if let Err(why) = accept(sentence) {
                    rejected = Some(why);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        timings.llm_ms = Some(ms(stage));
        let model_span = (stage, Instant::now());
        match result {
            Ok(generation) => {
                // The model's own clock: the phraser holds its first words back a while.
                timings.llm_first_token_ms = Some(generation.prompt_ms);
                report.generated_tokens = Some(generation.generated_tokens);
                // The last sentence, closed cleanly when the model stopped mid-way.
                let last = splitter
                    .finish()
                    .map(|rest| sentence::finish_cleanly(&rest));
                if let Some(last) = last.filter(|l| rejected.is_none() && !l.is_empty()) {
                    if !cancel.is_cancelled() {
                        rejected = accept(last).err();
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "language model failed; the card's words answer");
                rejected = Some(e.to_string());
            }
        }
        if let Some(why) = rejected {
            tracing::info!(%why, "model sentence rejected by the guard");
            report.rejected = Some(why);
        }
        said.model = Some(model_span);
        worded > 0
    }
}
