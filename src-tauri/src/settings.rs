//! The person's choices, kept in the app's configuration folder between runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Slowest and fastest voice speed offered, in percent of normal.
pub const RATE_RANGE: (u16, u16) = (50, 150);
/// Shortest and longest silence that ends a hands-free question, in milliseconds.
pub const SILENCE_RANGE: (u64, u64) = (300, 3000);
/// Shortest and longest idle time before a kiosk wipes the conversation, in seconds.
pub const IDLE_RANGE: (u64, u64) = (5, 3600);
/// Shortest and longest pause between two spoken invitations of the attract screen, in seconds.
pub const INVITATION_RANGE: (u64, u64) = (10, 3600);

/// What the person chose.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    /// Language of the window and of answers to the icons: `ar`, `ary` (Darija), `fr` or `en`.
    pub language: String,
    /// Voice speed in percent of normal.
    pub speech_rate_percent: u16,
    /// Silence that ends a question in hands-free mode, in milliseconds.
    pub end_silence_ms: u64,
    /// Remove the loudspeaker's echo from the microphone (turn off for a headset).
    pub echo_cancel: bool,
    /// Kiosk mode for a public office (as `--kiosk`): full screen, locked down, wiped between
    /// two people.
    pub kiosk: bool,
    /// Kiosk: seconds without anyone before the conversation is wiped.
    pub idle_seconds: u64,
    /// Kiosk: seconds between two spoken invitations on the attract screen.
    pub invitation_interval_seconds: u64,
    /// Kiosk: loudness of the spoken invitation, in percent of the answers' loudness.
    pub invitation_volume_percent: u8,
    /// Kiosk: the office's languages, in which the attract screen invites people to speak.
    pub office_languages: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: "ar".into(),
            speech_rate_percent: 100,
            end_silence_ms: 600,
            echo_cancel: true,
            kiosk: false,
            idle_seconds: 60,
            invitation_interval_seconds: 30,
            invitation_volume_percent: 60,
            office_languages: vec!["ar".into(), "ary".into(), "fr".into(), "en".into()],
        }
    }
}

impl Settings {
    /// The settings file in `config_dir`.
    pub fn file(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// Reads the settings; a missing or unreadable file gives the defaults.
    pub fn load(file: &Path) -> Settings {
        std::fs::read(file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Settings>(&bytes).ok())
            .map(Settings::clamped)
            .unwrap_or_default()
    }

    /// Writes the settings.
    pub fn save(&self, file: &Path) -> std::io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(file, serde_json::to_vec_pretty(self)?)
    }

    /// The settings with every value brought into its range.
    pub fn clamped(mut self) -> Settings {
        if !window_language(&self.language) {
            self.language = Settings::default().language;
        }
        self.office_languages.retain(|l| window_language(l));
        if self.office_languages.is_empty() {
            self.office_languages = Settings::default().office_languages;
        }
        self.idle_seconds = self.idle_seconds.clamp(IDLE_RANGE.0, IDLE_RANGE.1);
        self.invitation_interval_seconds = self
            .invitation_interval_seconds
            .clamp(INVITATION_RANGE.0, INVITATION_RANGE.1);
        self.invitation_volume_percent = self.invitation_volume_percent.min(100);
        self.speech_rate_percent = self.speech_rate_percent.clamp(RATE_RANGE.0, RATE_RANGE.1);
        self.end_silence_ms = self.end_silence_ms.clamp(SILENCE_RANGE.0, SILENCE_RANGE.1);
        self
    }
}

/// Whether `code` is exactly one of the window's language codes.
fn window_language(code: &str) -> bool {
    aoun_guide::Lang::ALL.iter().any(|lang| lang.code() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_restart_and_bad_values_are_brought_into_range() {
        let dir = std::env::temp_dir().join(format!("aoun-settings-{}", std::process::id()));
        let file = Settings::file(&dir);
        assert_eq!(Settings::load(&file), Settings::default());
        let chosen = Settings {
            language: "fr".into(),
            speech_rate_percent: 80,
            end_silence_ms: 900,
            ..Settings::default()
        };
        chosen.save(&file).unwrap();
        assert_eq!(Settings::load(&file), chosen);
        std::fs::write(
            &file,
            r#"{"language":"xx","speech_rate_percent":5,"end_silence_ms":99999,"kiosk":true,"idle_seconds":1,"invitation_volume_percent":250,"office_languages":["de"]}"#,
        )
        .unwrap();
        let loaded = Settings::load(&file);
        assert_eq!(loaded.language, "ar");
        let darija = Settings {
            language: "ary".into(),
            ..Settings::default()
        };
        assert_eq!(darija.clamped().language, "ary");
        assert_eq!(loaded.speech_rate_percent, RATE_RANGE.0);
        assert_eq!(loaded.end_silence_ms, SILENCE_RANGE.1);
        assert!(loaded.kiosk);
        assert_eq!(loaded.idle_seconds, IDLE_RANGE.0);
        assert_eq!(loaded.invitation_volume_percent, 100);
        assert_eq!(
            loaded.office_languages,
            Settings::default().office_languages
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
