//! Kiosk mode for a public office: what the window needs to know to lock itself down, invite
//! people and wipe the conversation between two of them, and the loudspeaker's volume for the
//! spoken invitation.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aoun_audio::{Audio, AudioSink, DeviceError, PlaybackControl};
use aoun_session::IdleWipe;
use serde::Serialize;

use crate::settings::Settings;

/// Seconds of the visible and spoken countdown before an idle wipe, at most.
pub const COUNTDOWN_SECONDS: u64 = 10;

/// The kiosk as the window sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct Kiosk {
    /// Kiosk mode is on.
    pub on: bool,
    /// Seconds without anyone before the conversation is wiped.
    pub idle_seconds: u64,
    /// Seconds of countdown shown and spoken before the wipe (the end of the idle time).
    pub countdown_seconds: u64,
    /// Seconds between two spoken invitations on the attract screen.
    pub invitation_interval_seconds: u64,
    /// Loudness of the invitation, in percent.
    pub invitation_volume_percent: u8,
    /// The office's languages, in which the attract screen invites people.
    pub languages: Vec<String>,
}

impl Kiosk {
    /// The kiosk from the settings, `--kiosk` and `--idle-seconds`.
    pub fn new(settings: &Settings, flag: bool, idle_seconds: Option<u64>) -> Kiosk {
        let idle = Settings {
            idle_seconds: idle_seconds.unwrap_or(settings.idle_seconds),
            ..settings.clone()
        }
        .clamped()
        .idle_seconds;
        Kiosk {
            on: flag || settings.kiosk,
            idle_seconds: idle,
            // Half the idle time at most, so a short idle time still has a time of quiet.
            countdown_seconds: COUNTDOWN_SECONDS.min(idle / 2),
            invitation_interval_seconds: settings.invitation_interval_seconds,
            invitation_volume_percent: settings.invitation_volume_percent,
            languages: settings.office_languages.clone(),
        }
    }

    /// When the live session wipes the conversation of someone who left (kiosk mode only);
    /// `listen_while_away` when the microphone is real, so that speaking to the attract screen
    /// starts a conversation.
    pub fn idle_wipe(&self, listen_while_away: bool) -> Option<IdleWipe> {
        self.on.then(|| IdleWipe {
            after: Duration::from_secs(self.idle_seconds),
            countdown: Duration::from_secs(self.countdown_seconds),
            listen_while_away,
        })
    }
}

/// A loudspeaker whose loudness follows a shared percentage.
pub struct VolumeSink {
    inner: Box<dyn AudioSink>,
    percent: Arc<AtomicU8>,
}

impl VolumeSink {
    /// Wraps `inner`; `percent` may change at any time and applies from the next clip.
    pub fn new(inner: Box<dyn AudioSink>, percent: Arc<AtomicU8>) -> VolumeSink {
        VolumeSink { inner, percent }
    }
}

/// `audio` at `percent` of its loudness; `None` when that is all of it.
fn at_volume(audio: &Audio, percent: u8) -> Option<Audio> {
    if percent >= 100 {
        return None;
    }
    let gain = f32::from(percent) / 100.0;
    Some(Audio {
        samples: audio.samples.iter().map(|s| s * gain).collect(),
        sample_rate: audio.sample_rate,
    })
}

impl AudioSink for VolumeSink {
    fn play(&mut self, audio: &Audio) -> Result<(), DeviceError> {
        match at_volume(audio, self.percent.load(Ordering::SeqCst)) {
            Some(quieter) => self.inner.play(&quieter),
            None => self.inner.play(audio),
        }
    }

    fn control(&self) -> PlaybackControl {
        self.inner.control()
    }

    fn device_rate(&self) -> u32 {
        self.inner.device_rate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_time_comes_from_the_flag_or_the_settings_and_the_countdown_fits_in_it() {
        let settings = Settings::default();
        let kiosk = Kiosk::new(&settings, false, None);
        assert!(!kiosk.on);
        assert_eq!((kiosk.idle_seconds, kiosk.countdown_seconds), (60, 10));
        let kiosk = Kiosk::new(&settings, true, Some(8));
        assert!(kiosk.on);
        assert_eq!((kiosk.idle_seconds, kiosk.countdown_seconds), (8, 4));
        let set = Settings {
            kiosk: true,
            idle_seconds: 1,
            ..Settings::default()
        };
        let kiosk = Kiosk::new(&set, false, None);
        assert!(kiosk.on);
        assert_eq!(kiosk.idle_seconds, crate::settings::IDLE_RANGE.0);
    }

    #[test]
    fn the_volume_scales_what_is_played() {
        let audio = Audio {
            samples: vec![0.5; 160],
            sample_rate: 16_000,
        };
        let quieter = at_volume(&audio, 50).expect("scaled");
        assert!(quieter.samples.iter().all(|&s| (s - 0.25).abs() < 1e-6));
        assert_eq!(quieter.sample_rate, 16_000);
        assert!(at_volume(&audio, 100).is_none());
    }
}
