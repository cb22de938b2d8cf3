//! What a live session is told (controls) and what it reports (events), and how it behaves.

use aoun_audio::EndpointConfig;
use aoun_core::SentenceKind;
use aoun_stt::Transcript;

use super::{IdleWipe, Presence, Request};
use crate::{AnswerReport, StageTimings};

/// Where the conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(rename = "LiveState")]
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
    /// Someone touched the screen: in kiosk mode, they are there.
    SomeoneHere,
    /// Something asked without speaking (a typed question, a picture, replay...).
    Request(Request),
    /// End the session.
    Stop,
}

/// What the session reports.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum LiveEvent {
    /// The state changed.
    State {
        /// The new state.
        state: State,
    },
    /// Hands-free mode (voice activity ends turns) was turned on or off.
    HandsFree {
        /// Whether it is on.
        on: bool,
    },
    /// Kiosk mode: whether someone is at the desk changed (the idle clock counts down, or the
    /// conversation was wiped and nobody is there).
    Presence {
        /// Who is there now.
        presence: Presence,
    },
    /// An utterance ended with no speech in it: no turn was started.
    NoSpeech,
    /// What was heard.
    Heard {
        /// The turn it starts.
        turn: u64,
        /// The transcript.
        transcript: Transcript,
    },
    /// A sentence of a turn starts playing (when the sentences before it have been played, not
    /// when it is handed to the loudspeaker); a long sentence, spoken in chunks, is reported at
    /// each chunk.
    Speaking {
        /// The turn it belongs to.
        turn: u64,
        /// Its position in the turn's answer, from 0.
        index: usize,
        /// What it is (a card's words, the model's, an offer, a question back, a label).
        kind: SentenceKind,
        /// The whole sentence.
        text: String,
    },
    /// The whole answer, once the turn is complete (turns that only say a label have none).
    Answer {
        /// The turn it answers.
        turn: u64,
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
    /// Remove the loudspeaker's echo from the microphone before anything listens to it (off
    /// for a headset, where no echo comes back).
    pub echo_cancel: bool,
    /// During playback, speech counts as an interruption only when the microphone (after the
    /// echo canceller) is this many decibels louder than Aoun's own voice was heard at the start
    /// of the answer: the fallback where the canceller leaves echo behind.
    pub echo_margin_db: f32,
    /// Force the spoken language (ISO 639-1) instead of detecting it.
    pub language: Option<String>,
    /// Kiosk mode: wipe the conversation when nobody has been there for a while.
    pub idle_wipe: Option<IdleWipe>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            hands_free: true,
            endpoint: EndpointConfig::default(),
            barge_in: true,
            echo_cancel: true,
            echo_margin_db: 6.0,
            language: None,
            idle_wipe: None,
        }
    }
}
