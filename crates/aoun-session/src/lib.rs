//! One turn of Aoun: speech (or text) in, a grounded answer, speech out, with each stage timed.
//!
//! The [`Pipeline`] holds the loaded engines, each owned by the worker of its stage (hearing,
//! answering, speaking), and the person's conversation; it lives as long as the process. Every
//! way of asking Aoun runs it: the commands and benchmarks through [`Pipeline::turn`], the live
//! conversation ([`LiveSession`]) through its streamed events.

mod contain;
mod live;
mod phrase;
mod pipeline;
mod report;

pub use contain::Contained;
pub use live::{Control, IdleWipe, LiveConfig, LiveEvent, LiveSession, Presence, Request, State};
pub use phrase::Phraser;
pub use pipeline::{Pipeline, Question, RunningTurn, TurnEvent};
pub use report::{AnswerReport, AnswerSource, StageTimings, TurnReport};

use std::time::Instant;

use aoun_guide::Lang;
use aoun_stt::SttError;
use aoun_tts::{TextToSpeech, TtsError};

/// A voice for one language.
pub struct Voice {
    /// Languages this voice speaks.
    pub languages: Vec<Lang>,
    /// The engine.
    pub engine: Box<dyn TextToSpeech>,
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
    /// "Say it again" before anything was said.
    #[error("there is no answer to say again yet")]
    NothingToRepeat,
    /// A stage's worker is gone (only a bug can do that).
    #[error("Aoun stopped answering; restart it")]
    Stopped,
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
