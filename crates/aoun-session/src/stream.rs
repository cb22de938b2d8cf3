//! A turn that hands over its answer one spoken sentence at a time, for the live session: the
//! language model's first sentence is checked and spoken while the model goes on writing.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aoun_audio::Audio;
use aoun_guide::{Answer, Lang, Reply};
use aoun_llm::finish_cleanly;
use aoun_stt::Transcript;
use aoun_tts::{split_sentences, whole_sentences};

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

/// Receives each settled sentence of an answer, with the assistant (to speak it) and the turn's
/// timings.
pub(crate) type SentenceSink<'a> =
    dyn FnMut(&mut Assistant, &str, &mut StageTimings) -> Result<(), TurnError> + 'a;

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
        let hint = Lang::from_whisper_code(&transcript.language);
        let (reply, mut report) = self.consult(conversation, &transcript.text, hint, &mut timings);
        let voice_started = Instant::now();
        check(cancel)?;
        let lang = report.lang;
        let mut speak = |assistant: &mut Assistant, sentence: &str, timings: &mut StageTimings| {
            check(cancel)?;
            assistant.speak_sentence(sentence, lang, timings, on_step)
        };
        match &reply {
            Reply::Answer(answer) => {
                self.word_answer(answer, &mut report, &mut timings, cancel, &mut speak)?
            }
            _ => {
                for sentence in whole_sentences(&report.text) {
                    speak(self, &sentence, &mut timings)?;
                }
            }
        }
        timings.tts_ms = Some(ms(voice_started));
        conversation.last_answer = Some(report.clone());
        Ok((report, timings))
    }

    /// Words `answer`, handing each sentence to `on_sentence` as soon as it is settled. The
    /// card's first sentence comes at once: it states what was asked, and nobody waits for the
    /// model to say it. The language model, when it speaks the language, words the rest of the
    /// card's answer as a continuation of that sentence, each of its sentences checked by the
    /// guard while the first one is being said; otherwise, or when it is rejected before it
    /// said anything, the card's own sentences follow.
    pub(crate) fn word_answer(
        &mut self,
        answer: &Answer,
        report: &mut AnswerReport,
        timings: &mut StageTimings,
        cancel: &AtomicBool,
        on_sentence: &mut SentenceSink<'_>,
    ) -> Result<(), TurnError> {
        let sentences = whole_sentences(&answer.text);
        let Some((first, rest)) = sentences.split_first() else {
            return Ok(());
        };
        on_sentence(self, first, timings)?;
        let offer = self.guide.pack().phrases.details_offer.get(answer.lang);
        let mut said = vec![first.clone()];
        // Only the offer of details left: there is nothing for the model to word.
        if rest.iter().any(|sentence| sentence != offer) {
            self.stream_model_rest(
                answer,
                rest,
                report,
                timings,
                &mut said,
                cancel,
                on_sentence,
            )?;
        }
        if said.len() > 1 {
            report.text = said.join(" ");
            report.source = AnswerSource::Model;
        } else {
            for sentence in rest {
                on_sentence(self, sentence, timings)?;
            }
        }
        Ok(())
    }

    /// Streams the language model's continuation of the answer's first sentence (`said[0]`),
    /// handing on each sentence that passes the guard. Its first sentence must carry the facts
    /// of the rest of the card's answer; every sentence must state only what the card states.
    /// A rejected sentence stops the model.
    #[allow(clippy::too_many_arguments)]
    fn stream_model_rest(
        &mut self,
        answer: &Answer,
        rest: &[String],
        report: &mut AnswerReport,
        timings: &mut StageTimings,
        said: &mut Vec<String>,
        cancel: &AtomicBool,
        on_sentence: &mut SentenceSink<'_>,
    ) -> Result<(), TurnError> {
        if !self.phraser.as_ref().is_some_and(|p| p.speaks(answer.lang)) {
            return Ok(());
        }
        let Some(prompt) = self.guide.grounded_prompt(answer) else {
            return Ok(());
        };
        // What the model's sentences must cover: the card's answer after its first sentence.
        let remaining = Answer {
            text: rest.join(" "),
            ..answer.clone()
        };
        // The model is taken out while it runs so that each finished sentence can be spoken
        // from inside its token callback.
        let Some(mut phraser) = self.phraser.take() else {
            return Ok(());
        };
        let stage = Instant::now();
        let begun = said[0].clone();
        let mut pending = String::new();
        let mut failure: Option<TurnError> = None;
        let mut rejected: Option<String> = None;
        // Hands on a sentence that passes the guard; otherwise says why it was rejected.
        let mut accept = |assistant: &mut Assistant,
                          sentence: &str,
                          said: &mut Vec<String>,
                          timings: &mut StageTimings|
         -> Result<Option<String>, TurnError> {
            let verdict = if said.len() == 1 {
                assistant.guide.guard(&remaining, sentence)
            } else {
                assistant.guide.guard_facts(&remaining, sentence)
            };
            if let Err(why) = verdict {
                return Ok(Some(why.to_string()));
            }
            on_sentence(assistant, sentence, timings)?;
            said.push(sentence.to_string());
            Ok(None)
        };
        let result = phraser.phrase_streaming(&prompt, &begun, &mut |piece| {
            if cancel.load(Ordering::SeqCst) {
                failure = Some(TurnError::Cancelled);
                return ControlFlow::Break(());
            }
            timings.llm_first_token_ms.get_or_insert(ms(stage));
            pending.push_str(piece);
            // Every sentence but the last is complete: the last may still grow ("3." of "3.5").
            let mut sentences = whole_sentences(&pending);
            if sentences.len() < 2 {
                return ControlFlow::Continue(());
            }
            let last = sentences.pop().unwrap_or_default();
            for sentence in sentences {
                match accept(self, &sentence, said, timings) {
                    Ok(None) => {}
                    Ok(Some(why)) => {
                        rejected = Some(why);
                        return ControlFlow::Break(());
                    }
                    Err(e) => {
                        failure = Some(e);
                        return ControlFlow::Break(());
                    }
                }
            }
            pending = last;
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
                if rejected.is_none() && !last.is_empty() {
                    rejected = accept(self, &last, said, timings)?;
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
        Ok(())
    }

    /// Synthesizes one sentence and hands it over; the first chunk's synthesis time is
    /// `tts_first_audio_ms`, as in a whole turn.
    fn speak_sentence(
        &mut self,
        sentence: &str,
        lang: Lang,
        timings: &mut StageTimings,
        on_step: &mut StepSink<'_>,
    ) -> Result<(), TurnError> {
        // A long sentence is handed over in spoken chunks, so it starts playing sooner.
        for chunk in split_sentences(sentence) {
            let stage = Instant::now();
            let audio = self.say(&chunk, lang)?;
            timings.tts_first_audio_ms.get_or_insert(ms(stage));
            on_step(TurnStep::Sentence {
                text: &chunk,
                audio: &audio,
            });
        }
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
