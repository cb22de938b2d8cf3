//! A turn that hands over its answer one spoken sentence at a time, for the live session: the
//! language model's first sentence is checked and spoken while the model goes on writing.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aoun_audio::Audio;
use aoun_guide::{Answer, Lang, Reply};
use aoun_llm::finish_cleanly;
use aoun_stt::Transcript;
use aoun_tts::split_sentences;

use crate::{ms, AnswerReport, AnswerSource, Assistant, Conversation, StageTimings, TurnError};

/// A step of a streamed turn.
#[derive(Debug)]
pub enum TurnStep<'a> {
    /// The transcript is ready.
    Heard(&'a Transcript),
    /// One sentence of the answer is synthesized and can be played.
    Sentence {
        /// Its words.
        text: &'a str,
        /// Its audio.
        audio: &'a Audio,
    },
}

/// Receives the steps of a streamed turn.
pub type StepSink<'a> = dyn FnMut(TurnStep<'_>) + 'a;

impl Assistant {
    /// One voice turn whose answer is handed to `on_step` sentence by sentence as soon as each is
    /// ready. Setting `cancel` stops it at the next token or sentence with
    /// [`TurnError::Cancelled`].
    pub fn stream_turn(
        &mut self,
        conversation: &mut Conversation,
        audio: &Audio,
        language: Option<&str>,
        cancel: &AtomicBool,
        on_step: &mut StepSink<'_>,
    ) -> Result<(AnswerReport, StageTimings), TurnError> {
        let started = Instant::now();
        let mut timings = StageTimings::default();
        let transcript = self.hear(audio, language, &mut timings)?;
        check(cancel)?;
        on_step(TurnStep::Heard(&transcript));
        let (report, mut timings) =
            self.stream_answer(conversation, &transcript, timings, cancel, on_step)?;
        timings.total_ms = ms(started);
        Ok((report, timings))
    }

    /// The answer part of [`Assistant::stream_turn`], for a transcript made beforehand (a live
    /// session transcribes while the person pauses). `timings` carries the hearing stages;
    /// `total_ms` is left for the caller, who knows when the turn began.
    pub fn stream_answer(
        &mut self,
        conversation: &mut Conversation,
        transcript: &Transcript,
        mut timings: StageTimings,
        cancel: &AtomicBool,
        on_step: &mut StepSink<'_>,
    ) -> Result<(AnswerReport, StageTimings), TurnError> {
        let stage = Instant::now();
        let hint = Lang::from_whisper_code(&transcript.language);
        let reply = self
            .guide
            .respond(&mut conversation.dialogue, &transcript.text, hint);
        timings.guide_ms = ms(stage);
        let mut report = AnswerReport::from_reply(&reply);
        let voice_started = Instant::now();
        let mut spoken: Vec<String> = Vec::new();
        check(cancel)?;
        if let Reply::Answer(answer) = &reply {
            self.stream_model_answer(
                answer,
                &mut report,
                &mut timings,
                &mut spoken,
                cancel,
                on_step,
            )?;
        }
        if spoken.is_empty() {
            // The template answers: no model, a language it does not speak, or a rejected first
            // sentence.
            for sentence in split_sentences(&report.text) {
                check(cancel)?;
                self.speak_sentence(&sentence, report.lang, &mut spoken, &mut timings, on_step)?;
            }
        } else {
            report.text = spoken.join(" ");
            report.source = AnswerSource::Model;
        }
        timings.tts_ms = Some(ms(voice_started));
        Ok((report, timings))
    }

    /// Streams the language model's wording of `answer`, speaking each sentence that passes the
    /// guard. The first sentence must carry the answer's facts; every sentence must state only
    /// what the card states. A rejected sentence stops the model.
    fn stream_model_answer(
        &mut self,
        answer: &Answer,
        report: &mut AnswerReport,
        timings: &mut StageTimings,
        spoken: &mut Vec<String>,
        cancel: &AtomicBool,
        on_step: &mut StepSink<'_>,
    ) -> Result<(), TurnError> {
        let Some(prompt) = self.guide.grounded_prompt(answer) else {
            return Ok(());
        };
        // The model is taken out while it runs so that each finished sentence can be spoken
        // from inside its token callback.
        let Some(mut phraser) = self.phraser.take().filter(|p| p.speaks(answer.lang)) else {
            return Ok(());
        };
        let stage = Instant::now();
        let mut pending = String::new();
        let mut failure: Option<TurnError> = None;
        let result = phraser.phrase_streaming(&prompt, &mut |piece| {
            if cancel.load(Ordering::SeqCst) {
                failure = Some(TurnError::Cancelled);
                return ControlFlow::Break(());
            }
            timings.llm_first_token_ms.get_or_insert(ms(stage));
            pending.push_str(piece);
            // Every sentence but the last is complete: the last may still grow ("3." of "3.5").
            let mut sentences = split_sentences(&pending);
            if sentences.len() < 2 {
                return ControlFlow::Continue(());
            }
            let rest = sentences.pop().unwrap_or_default();
            for sentence in sentences {
                if let Err(why) = self.accept_model_sentence(answer, &sentence, spoken.is_empty()) {
                    report.rejected = Some(why);
                    return ControlFlow::Break(());
                }
                if let Err(e) =
                    self.speak_sentence(&sentence, answer.lang, spoken, timings, on_step)
                {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
            }
            pending = rest;
            ControlFlow::Continue(())
        });
        timings.llm_ms = Some(ms(stage));
        self.phraser = Some(phraser);
        if let Some(e) = failure {
            return Err(e);
        }
        match result {
            Ok(generation) => {
                report.generated_tokens = Some(generation.generated_tokens);
                let last = finish_cleanly(&pending);
                if report.rejected.is_none() && !last.is_empty() {
                    match self.accept_model_sentence(answer, &last, spoken.is_empty()) {
                        Ok(()) => {
                            self.speak_sentence(&last, answer.lang, spoken, timings, on_step)?
                        }
                        Err(why) => report.rejected = Some(why),
                    }
                }
            }
            Err(e) => report.rejected = Some(e.to_string()),
        }
        Ok(())
    }

    /// The guard for a streamed sentence: the first must carry the facts, all must be true.
    fn accept_model_sentence(
        &self,
        answer: &Answer,
        sentence: &str,
        first: bool,
    ) -> Result<(), String> {
        let verdict = if first {
            self.guide.guard(answer, sentence)
        } else {
            self.guide.guard_facts(answer, sentence)
        };
        verdict.map_err(|v| v.to_string())
    }

    /// Synthesizes one sentence and hands it over; the first one's synthesis time is
    /// `tts_first_audio_ms`, as in a whole turn.
    fn speak_sentence(
        &mut self,
        sentence: &str,
        lang: Lang,
        spoken: &mut Vec<String>,
        timings: &mut StageTimings,
        on_step: &mut StepSink<'_>,
    ) -> Result<(), TurnError> {
        let stage = Instant::now();
        let audio = self.say(sentence, lang)?;
        timings.tts_first_audio_ms.get_or_insert(ms(stage));
        on_step(TurnStep::Sentence {
            text: sentence,
            audio: &audio,
        });
        spoken.push(sentence.to_string());
        Ok(())
    }
}

fn check(cancel: &AtomicBool) -> Result<(), TurnError> {
    if cancel.load(Ordering::SeqCst) {
        Err(TurnError::Cancelled)
    } else {
        Ok(())
    }
}
