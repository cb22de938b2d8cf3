//! What a turn reports: transcript, answer, audio and per-stage milliseconds.

use aoun_audio::Audio;
use aoun_guide::{Reply, Sentence};
use aoun_stt::Transcript;
use serde::Serialize;
use ts_rs::TS;

/// Milliseconds spent in each stage of a turn (`None` when the stage did not run).
#[derive(Debug, Clone, Default, Serialize, PartialEq, TS)]
pub struct StageTimings {
    /// Converting the input to 16 kHz mono.
    pub resample_ms: u64,
    /// Speech recognition, language detection included.
    pub stt_ms: u64,
    /// Finding the procedure and aspect in the guide.
    pub guide_ms: u64,
    /// Language model: reading the prompt, up to the first generated token.
    pub llm_first_token_ms: Option<u64>,
    /// Language model: the whole phrasing.
    pub llm_ms: Option<u64>,
    /// Speech synthesis of the first sentence.
    pub tts_first_audio_ms: Option<u64>,
    /// Speech synthesis of the whole answer (the voice's own working time).
    pub tts_ms: Option<u64>,
    /// How long the language model and the voice worked at the same time: the model writes
    /// its next sentence while the voice synthesizes the one before.
    pub llm_tts_overlap_ms: Option<u64>,
    /// From the start of the turn to the first audio synthesized (a spoken question's
    /// recognition included): how long a person waits before the answer starts.
    pub first_audio_ms: Option<u64>,
    /// From the question (its transcript, or the typed text) to the last sentence synthesized.
    pub answer_ms: u64,
    /// The whole turn (in a live session: from the end of the utterance; its speech may have
    /// been recognised before, during the person's pause).
    pub total_ms: u64,
    /// Live sessions: from the end of the person's speech to the transcript.
    pub voice_to_transcript_ms: Option<u64>,
    /// Live sessions: from the end of the person's speech to the first sample of the answer
    /// handed to the loudspeaker (the end-of-speech silence the detector waits for included).
    pub voice_to_first_audio_ms: Option<u64>,
}

/// Where the answer's words come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// The card's own template.
    Template,
    /// The language model, checked by the guard.
    Model,
    /// A question back, because the procedure was unclear.
    Clarify,
    /// Nothing was understood.
    NotUnderstood,
    /// No answer: a control's spoken name, or another text said on request.
    Label,
}

/// The answer of a turn.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
pub struct AnswerReport {
    /// The words spoken, as one text.
    pub text: String,
    /// The sentences spoken, each with what it is (card, model, offer, question back).
    pub sentences: Vec<Sentence>,
    /// Language of the answer (serialized as its code: `ar`, `ary` for Darija, `fr`, `en`).
    pub lang: aoun_guide::Lang,
    /// Where the words come from.
    pub source: AnswerSource,
    /// The procedure answered, if any.
    pub card: Option<String>,
    /// The aspect answered (documents, fee, place...), if any.
    pub aspect: Option<String>,
    /// Procedures offered by a question back.
    pub options: Vec<String>,
    /// Why the model's wording was not used, when it was tried and rejected.
    pub rejected: Option<String>,
    /// Tokens the model generated, when it ran.
    pub generated_tokens: Option<usize>,
}

impl AnswerReport {
    /// The report of a text said on request, which answers nothing.
    pub fn label(text: &str, lang: aoun_guide::Lang) -> Self {
        let sentences = Sentence::all(text, aoun_guide::SentenceKind::Label);
        AnswerReport {
            text: aoun_core::sentence::join(&sentences),
            sentences,
            lang,
            source: AnswerSource::Label,
            card: None,
            aspect: None,
            options: Vec::new(),
            rejected: None,
            generated_tokens: None,
        }
    }

    /// The report of a guide reply, before any model phrasing.
    pub fn from_reply(reply: &Reply) -> Self {
        let base = |text: &str, lang, source| AnswerReport {
            text: text.to_string(),
            sentences: reply.sentences(),
            lang,
            source,
            card: None,
            aspect: None,
            options: Vec::new(),
            rejected: None,
            generated_tokens: None,
        };
        match reply {
            Reply::Answer(a) => AnswerReport {
                card: Some(a.card_id.clone()),
                aspect: Some(a.aspect.name().to_string()),
                ..base(&reply.text(), a.lang, AnswerSource::Template)
            },
            Reply::Clarify {
                question,
                options,
                lang,
            } => AnswerReport {
                options: options.clone(),
                ..base(question, *lang, AnswerSource::Clarify)
            },
            Reply::NotUnderstood { text, lang } => base(text, *lang, AnswerSource::NotUnderstood),
        }
    }
}

/// Everything a turn produced.
#[derive(Debug, Clone, Serialize)]
pub struct TurnReport {
    /// What was heard.
    pub transcript: Transcript,
    /// What was answered.
    pub answer: AnswerReport,
    /// The spoken answer; `None` when no voice speaks the answer's language.
    #[serde(skip)]
    pub audio: Option<Audio>,
    /// Why the answer could not be spoken (one sentence: no voice for its language, or the
    /// voice failed); the answer is then shown as text only.
    pub unspoken: Option<String>,
    /// Per-stage milliseconds.
    pub timings: StageTimings,
}
