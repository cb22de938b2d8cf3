//! The window's commands: each one checks its input and hands it to the session or the
//! settings; the session decides, and its events report.

use std::path::PathBuf;

use aoun_guide::{Guide, Lang};
use aoun_models::ModelStore;
use std::time::Duration;

use aoun_session::{Control, Request};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::kiosk::Kiosk;
use crate::session::{Session, Status};
use crate::settings::Settings;
use crate::App;

/// A procedure of the guide, as an icon shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct Procedure {
    /// The card's id, which picks its icon.
    pub id: String,
    /// Its name in the window's language.
    pub name: String,
}

fn window_lang(code: &str) -> Result<Lang, String> {
    match Lang::from_whisper_code(code) {
        Some(lang) => Ok(lang),
        None => Err(format!("`{code}` is not a language of the window")),
    }
}

/// The procedures of the guide, named in `lang`.
pub fn procedures_of(guide: &Guide, lang: Lang) -> Vec<Procedure> {
    guide
        .pack()
        .cards
        .iter()
        .map(|card| Procedure {
            id: card.id.clone(),
            name: card.name(lang).to_string(),
        })
        .collect()
}

/// The app's state now (the window asks once, then follows `status` events).
#[tauri::command]
pub fn status(session: State<'_, Session>) -> Status {
    session.status()
}

/// The talk button is held down.
#[tauri::command]
pub fn press(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::Press)
}

/// The talk button is let go.
#[tauri::command]
pub fn release(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::Release)
}

/// Hands-free listening on or off (a tap on the talk button).
#[tauri::command]
pub fn hands_free(session: State<'_, Session>, on: bool) -> Result<(), String> {
    session.send(Control::HandsFree(on))
}

/// A new person: the conversation is wiped.
#[tauri::command]
pub fn new_person(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::NewPerson)
}

/// Someone touched the screen (in kiosk mode, it holds the idle clock).
#[tauri::command]
pub fn someone_here(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::SomeoneHere)
}

/// Answers a typed question, or the procedure whose picture was chosen, as if it were heard.
#[tauri::command]
pub fn ask(
    app: State<'_, App>,
    session: State<'_, Session>,
    text: Option<String>,
    procedure: Option<String>,
    lang: String,
) -> Result<(), String> {
    let lang = window_lang(&lang)?;
    let text = match (text, procedure) {
        (Some(text), _) if !text.trim().is_empty() => text,
        (_, Some(id)) => app
            .guide
            .card(&id)
            .map(|card| card.name(lang).to_string())
            .ok_or_else(|| format!("there is no procedure `{id}`"))?,
        _ => return Err("nothing was asked".into()),
    };
    session.send(Control::Request(Request::Ask {
        text,
        lang: Some(lang),
    }))
}

/// Says the last answer again.
#[tauri::command]
pub fn replay(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::Request(Request::Replay { slower: false }))
}

/// Says the last answer again, more slowly.
#[tauri::command]
pub fn slower(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::Request(Request::Replay { slower: true }))
}

/// "That is not what I asked": the topic is dropped and the question asked again.
#[tauri::command]
pub fn not_what_i_asked(session: State<'_, Session>) -> Result<(), String> {
    session.send(Control::Request(Request::NotWhatIAsked))
}

/// Speaks a control's name (or an error sentence) with the session's voice for `lang`.
#[tauri::command]
pub fn speak_label(session: State<'_, Session>, text: String, lang: String) -> Result<(), String> {
    say(&session, text, &lang, 100)
}

/// Says `text` in the window language `lang` at `percent` of the answers' loudness.
fn say(session: &Session, text: String, lang: &str, percent: u8) -> Result<(), String> {
    session.say_at(text, window_lang(lang)?, percent)
}

/// Saves the voice speed, the hands-free silence and the echo canceller (off for a headset),
/// and applies them at once.
#[tauri::command]
pub fn settings_set(
    app: State<'_, App>,
    session: State<'_, Session>,
    speech_rate_percent: u16,
    end_silence_ms: u64,
    echo_cancel: bool,
) -> Result<(), String> {
    if app.kiosk.on {
        return Err("a kiosk's settings are the office's, in its settings file".into());
    }
    app.change_settings(|s| {
        s.speech_rate_percent = speech_rate_percent;
        s.end_silence_ms = end_silence_ms;
        s.echo_cancel = echo_cancel;
    })?;
    let saved = app.settings();
    session.send(Control::Request(Request::SpeechRate(
        saved.speech_rate_percent,
    )))?;
    session.send(Control::Request(Request::EndSilence(
        Duration::from_millis(saved.end_silence_ms),
    )))?;
    session.set_echo_cancel(saved.echo_cancel)
}

/// The procedures to show as icons, named in `lang`.
#[tauri::command]
pub fn procedures(app: State<'_, App>, lang: String) -> Result<Vec<Procedure>, String> {
    Ok(procedures_of(&app.guide, window_lang(&lang)?))
}

/// The saved settings.
#[tauri::command]
pub fn settings_get(app: State<'_, App>) -> Settings {
    app.settings()
}

/// The window's language changed.
#[tauri::command]
pub fn set_language(app: State<'_, App>, lang: String) -> Result<(), String> {
    window_lang(&lang)?;
    app.change_settings(|s| s.language = lang)
}

/// A model of the store and its state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct ModelRow {
    /// Manifest id.
    pub id: String,
    /// `installed`, `unverified`, `missing` or `corrupt`.
    pub state: String,
}

/// What the settings panel shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DeskInfo {
    /// The saved settings.
    pub settings: Settings,
    /// What speaks each language.
    pub voices: Vec<aoun_desk::VoiceInfo>,
    /// The registry pack's models and their state.
    pub models: Vec<ModelRow>,
}

/// The settings, the voices and the models in use.
#[tauri::command]
pub fn settings_info(app: State<'_, App>, session: State<'_, Session>) -> Result<DeskInfo, String> {
    let store = ModelStore::open(app.models_dir.clone()).map_err(|e| e.to_string())?;
    let models = store
        .status()
        .into_iter()
        .filter(|m| {
            m.state != aoun_models::InstallState::Missing || m.pack == aoun_models::Pack::Registry
        })
        .map(|m| ModelRow {
            id: m.id,
            state: match m.state {
                aoun_models::InstallState::Installed => "installed".into(),
                aoun_models::InstallState::Unverified => "unverified".into(),
                aoun_models::InstallState::Missing => "missing".into(),
                aoun_models::InstallState::Corrupt(why) => format!("corrupt: {why}"),
            },
        })
        .collect();
    Ok(DeskInfo {
        settings: app.settings(),
        voices: session.status().voices,
        models,
    })
}

/// Imports the model pack from a folder (a USB stick); progress arrives as `status` events.
#[tauri::command]
pub fn import_models(handle: AppHandle, app: State<'_, App>, folder: String) -> Result<(), String> {
    if app.kiosk.on {
        return Err("a kiosk does not open folders".into());
    }
    let folder = PathBuf::from(folder.trim());
    if !folder.is_dir() {
        return Err(format!("{} is not a folder", folder.display()));
    }
    crate::models::import(handle, app.models_dir.clone(), folder);
    Ok(())
}

/// Folders where USB sticks are mounted.
#[tauri::command]
pub fn removable_folders(app: State<'_, App>) -> Vec<String> {
    if app.kiosk.on {
        return Vec::new();
    }
    crate::models::removable_folders()
}

/// Kiosk mode and its times.
#[tauri::command]
pub fn kiosk(app: State<'_, App>) -> Kiosk {
    app.kiosk.clone()
}

/// The attract screen's spoken invitation, in `lang`, at the office's volume.
#[tauri::command]
pub fn invite(session: State<'_, Session>, text: String, lang: String) -> Result<(), String> {
    say(&session, text, &lang, session.invitation_volume())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_procedure_has_a_name_in_each_window_language() {
        let guide = Guide::embedded();
        assert_eq!(guide.pack().cards.len(), 20);
        for lang in Lang::ALL {
            let list = procedures_of(&guide, lang);
            assert_eq!(list.len(), guide.pack().cards.len());
            assert!(list.iter().all(|p| !p.name.is_empty()));
            let arabic = |name: &str| name.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c));
            assert_eq!(
                list.iter().all(|p| arabic(&p.name)),
                matches!(lang, Lang::Ar | Lang::Ary)
            );
        }
        // Darija names the passport as people say it.
        let darija = procedures_of(&guide, Lang::Ary);
        assert!(darija.iter().any(|p| p.name == "الباسبور"));
        assert_eq!(window_lang("ary"), Ok(Lang::Ary));
        assert!(window_lang("de").is_err());
    }
}
