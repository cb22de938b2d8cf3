//! One voice turn of Aoun: speech in, a grounded answer, speech out, with each stage timed.
//!
//! The [`Assistant`] holds the loaded engines (behind their traits, so any implementation fits)
//! and the service guide; it lives as long as the process. A [`Conversation`] is what one person
//! builds up, and is dropped when they leave.

mod contain;
mod live;
mod phrase;
mod report;
mod stream;

pub use contain::Contained;
pub use live::{Control, LiveConfig, LiveEvent, LiveSession, Request, State};
pub use phrase::Phraser;
pub use report::{AnswerReport, AnswerSource, StageTimings, TurnReport};
pub use stream::{StepSink, TurnStep};

use std::time::Instant;

use aoun_audio::{Audio, SPEECH_RATE};
use aoun_guide::{Dialogue, Guide, Lang, Reply};
use aoun_stt::{SpeechToText, SttError};
use aoun_tts::{TextToSpeech, TtsError};

/// Silence put between two synthesized sentences, in seconds.
const SENTENCE_GAP_SECS: f32 = 0.25;

/// What one person has said so far; dropped (wiped) when they leave.
#[derive(Debug, Default)]
pub struct Conversation {
    dialogue: Dialogue,
    /// The last answer given, to say again.
    last_answer: Option<AnswerReport>,
}

/// A voice for one language.
pub struct Voice {
    /// Languages this voice speaks.
    pub languages: Vec<Lang>,
    /// The engine.
    pub engine: Box<dyn TextToSpeech>,
}

/// The long-lived engines and the guide.
pub struct Assistant {
    stt: Box<dyn SpeechToText>,
    phraser: Option<Phraser>,
    voices: Vec<Voice>,
    guide: Guide,
    /// Speed of every voice (1.0 = normal).
    speech_rate: f32,
}

/// Failures of a turn, each one sentence for a person.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// Nothing but silence was heard: no turn starts, and nothing is invented.
    #[error("no speech was heard in the recording")]
    Silence,
    /// Speech recognition failed.
    #[error(transparent)]
    Stt(#[from] SttError),
    /// Speech synthesis failed.
    #[error(transparent)]
    Tts(#[from] TtsError),
    /// The turn was cancelled (the person interrupted, or a new person came).
    #[error("the answer was interrupted")]
    Cancelled,
}

impl Assistant {
    /// Puts together loaded engines, each behind a [`Contained`] boundary. `phraser` is
    /// optional: without it the guide's templates answer.
    pub fn new(
        stt: Box<dyn SpeechToText>,
        phraser: Option<Phraser>,
        voices: Vec<Voice>,
        guide: Guide,
    ) -> Self {
        let voices = voices
            .into_iter()
            .map(|voice| Voice {
                languages: voice.languages,
                engine: Box::new(Contained::new(voice.engine)),
            })
            .collect();
        Self {
            stt: Box::new(Contained::new(stt)),
            phraser,
            voices,
            guide,
            speech_rate: 1.0,
        }
    }

    /// One voice turn: transcribe `audio` (any rate), answer from the guide, and speak the answer.
    ///
    /// `language` forces the spoken language (ISO 639-1); `None` detects it.
    pub fn turn(
        &mut self,
        conversation: &mut Conversation,
        audio: &Audio,
        language: Option<&str>,
    ) -> Result<TurnReport, TurnError> {
        let started = Instant::now();
        let mut timings = StageTimings::default();

        let transcript = self.hear(audio, language, &mut timings)?;

        let hint = Lang::from_whisper_code(&transcript.language);
        let answer = self.answer_text(conversation, &transcript.text, hint, &mut timings);

        // A voice that is missing or fails leaves the answer as text: it is still the answer.
        let (audio, unspoken) = match self.speak(&answer.text, answer.lang, &mut timings) {
            Ok(audio) => (Some(audio), None),
            Err(SpeakError::NoVoice(lang)) => {
                (None, Some(format!("no voice is installed for `{lang}`")))
            }
            Err(SpeakError::Tts(e)) => {
                tracing::warn!(error = %e, "the answer could not be spoken");
                (None, Some(e.to_string()))
            }
        };
        timings.total_ms = ms(started);
        Ok(TurnReport {
            transcript,
            answer,
            audio,
            unspoken,
            timings,
        })
    }

    /// Transcribes `audio` (any rate) into `timings`' hearing stages: silence, or speech that
    /// yields no words, starts no turn.
    pub fn hear(
        &mut self,
        audio: &Audio,
        language: Option<&str>,
        timings: &mut StageTimings,
    ) -> Result<aoun_stt::Transcript, TurnError> {
        let stage = Instant::now();
        let speech = audio.resampled(SPEECH_RATE);
        timings.resample_ms = ms(stage);
        if aoun_audio::is_silent(&speech) {
            return Err(TurnError::Silence);
        }
        let stage = Instant::now();
        let transcript = self.stt.transcribe(&speech.samples, language)?;
        timings.stt_ms = ms(stage);
        // Logs carry no words of what people say: lengths and timings only.
        tracing::info!(
            language = %transcript.language,
            chars = transcript.text.chars().count(),
            stt_ms = timings.stt_ms,
            "heard"
        );
        if transcript.text.trim().is_empty() {
            return Err(TurnError::Silence);
        }
        Ok(transcript)
    }

    /// A flag that stops the speech recognition under way, when the recogniser has one.
    pub fn stt_stop_handle(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        self.stt.stop_handle()
    }

    /// The language spoken in `audio` (16 kHz), when the recogniser can tell it without
    /// transcribing; `None` otherwise or when it fails (the transcription then detects it).
    pub fn detect_language(&mut self, audio: &Audio) -> Option<String> {
        match self.stt.detect_language(&audio.samples) {
            Ok(found) => found.map(|(language, _)| language),
            Err(e) => {
                tracing::debug!(error = %e, "early language detection failed");
                None
            }
        }
    }

    /// Answers typed or transcribed text, phrasing it with the language model when one speaks
    /// the answer's language and its text passes the guard.
    pub fn answer(
        &mut self,
        conversation: &mut Conversation,
        text: &str,
        lang_hint: Option<Lang>,
    ) -> AnswerReport {
        self.answer_text(conversation, text, lang_hint, &mut StageTimings::default())
    }

    /// Asks the guide about `text` in the conversation so far: its reply, and the report of
    /// the answer in the card's own words.
    fn consult(
        &mut self,
        conversation: &mut Conversation,
        text: &str,
        lang_hint: Option<Lang>,
        timings: &mut StageTimings,
    ) -> (Reply, AnswerReport) {
        let stage = Instant::now();
        let reply = self
            .guide
            .respond(&mut conversation.dialogue, text, lang_hint);
        timings.guide_ms = ms(stage);
        let report = AnswerReport::from_reply(&reply);
        (reply, report)
    }

    fn answer_text(
        &mut self,
        conversation: &mut Conversation,
        text: &str,
        lang_hint: Option<Lang>,
        timings: &mut StageTimings,
    ) -> AnswerReport {
        let (reply, mut report) = self.consult(conversation, text, lang_hint, timings);
        if let Reply::Answer(answer) = &reply {
            // Nothing is spoken and nothing cancels a typed answer: the sentences are collected.
            let never = std::sync::atomic::AtomicBool::new(false);
            let collect = &mut |_: &mut Assistant, _: &str, _: &mut StageTimings| Ok(());
            if let Err(e) = self.word_answer(answer, &mut report, timings, &never, collect) {
                tracing::warn!(error = %e, "wording failed; the card's words answer");
            }
        }
        report
    }

    /// Speaks `text` in `lang` with the first voice for that language, sentence by sentence.
    pub fn say(&mut self, text: &str, lang: Lang) -> Result<Audio, TurnError> {
        match self.speak(text, lang, &mut StageTimings::default()) {
            Ok(audio) => Ok(audio),
            Err(SpeakError::NoVoice(lang)) => Err(TurnError::Tts(TtsError::Voice {
                path: lang.clone(),
                reason: format!("no voice is installed for the language `{lang}`"),
            })),
            Err(SpeakError::Tts(e)) => Err(e.into()),
        }
    }

    fn speak(
        &mut self,
        text: &str,
        lang: Lang,
        timings: &mut StageTimings,
    ) -> Result<Audio, SpeakError> {
        let voice = self
            .voices
            .iter_mut()
            .find(|v| v.languages.contains(&lang))
            .ok_or_else(|| SpeakError::NoVoice(lang.code().to_string()))?;
        let stage = Instant::now();
        let mut out: Option<Audio> = None;
        // Sentence by sentence: the first one is ready (and could be played) while the rest is
        // still being synthesized.
        let sentences =
            aoun_tts::SentenceStream::new(voice.engine.as_mut(), text).map_err(SpeakError::Tts)?;
        for sentence in sentences {
            let piece = sentence.map_err(SpeakError::Tts)?.audio;
            match out.as_mut() {
                None => {
                    timings.tts_first_audio_ms = Some(ms(stage));
                    out = Some(piece);
                }
                Some(all) => {
                    let gap = (all.sample_rate as f32 * SENTENCE_GAP_SECS) as usize;
                    all.samples.extend(std::iter::repeat_n(0.0, gap));
                    all.samples.extend(piece.resampled(all.sample_rate).samples);
                }
            }
        }
        timings.tts_ms = Some(ms(stage));
        out.ok_or(SpeakError::Tts(TtsError::EmptyText))
    }
}

enum SpeakError {
    NoVoice(String),
    Tts(TtsError),
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
