//! The vocabulary every part of Aoun shares, so that the engine crates depend on it rather than
//! on each other: the language forms spoken at the desk ([`Lang`]), sound as the stages pass it
//! on ([`Audio`], brought to another rate by [`resample`]), how text is cut into sentences
//! ([`sentence`]), and the token that cancels one turn in every stage at once ([`CancelToken`]).

mod audio;
mod cancel;
mod lang;
pub mod resample;
pub mod sentence;

pub use audio::{rms_dbfs, Audio};
pub use cancel::CancelToken;
pub use lang::Lang;
pub use sentence::{Sentence, SentenceKind};
