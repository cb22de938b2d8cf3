//! What the session's tests share.

use aoun_stt::{CancelToken, SpeechToText, SttError, Transcript};

/// Speech recognition for sessions that are only typed to: it never hears anything.
pub struct NoEars;

impl SpeechToText for NoEars {
    fn transcribe(
        &mut self,
        _: &[f32],
        _: Option<&str>,
        _: &CancelToken,
    ) -> Result<Transcript, SttError> {
        Err(SttError::NoAudio)
    }
}
