//! The half-duplex echo gate: while Aoun speaks, its own voice reaches the microphone, so the
//! voice detector only hears the microphone when it is clearly louder than that echo.

use std::time::Duration;

use aoun_audio::PlaybackControl;

/// How long after an answer starts playing its echo level is measured.
const ECHO_PROBE: Duration = Duration::from_millis(300);
/// How far back the loudest played frame is looked for: the echo reaches the microphone after
/// the loudspeaker's and the room's delays.
const ECHO_WINDOW: Duration = Duration::from_millis(100);

/// What one answer's echo gate has learnt.
#[derive(Debug, Default)]
pub(super) struct EchoGate {
    /// How much quieter Aoun's own voice arrives at the microphone than it is played (dB).
    gap_db: Option<f32>,
}

impl EchoGate {
    /// The frame the detector may hear while an answer plays, and whether it passed the gate:
    /// silence unless the microphone is `margin_db` louder than Aoun's own voice arriving at
    /// it. `playing_for` is how long the answer has been playing.
    pub(super) fn pass(
        &mut self,
        frame: &[f32],
        playback: &PlaybackControl,
        playing_for: Duration,
        margin_db: f32,
    ) -> (Vec<f32>, bool) {
        if !playback.is_playing() {
            return (frame.to_vec(), true);
        }
        // The loudest frame played lately: the echo now heard may come from any of them.
        let played = playback
            .recent_output(ECHO_WINDOW)
            .samples
            .chunks(frame.len().max(1))
            .map(aoun_audio::rms_dbfs)
            .fold(f32::MIN, f32::max);
        let heard = aoun_audio::rms_dbfs(frame);
        if playing_for < ECHO_PROBE {
            // The person usually listens at first: learn how much quieter the echo is. The
            // smallest gap seen is kept, so the gate errs on the side of not hearing itself.
            let gap = played - heard;
            self.gap_db = Some(self.gap_db.map_or(gap, |g| g.min(gap)));
            return (vec![0.0; frame.len()], false);
        }
        let echo_level = played - self.gap_db.unwrap_or(0.0).max(0.0);
        if heard > echo_level + margin_db {
            (frame.to_vec(), true)
        } else {
            (vec![0.0; frame.len()], false)
        }
    }
}
