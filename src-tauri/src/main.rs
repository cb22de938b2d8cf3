//! The Aoun desktop app: one window, one live conversation, icons and voice.
//!
//! `aoun-app [--models-dir DIR] [--microphone-wav Q.wav]...`; `AOUN_MICROPHONE_WAV` (files
//! separated by `:`) does what `--microphone-wav` does, for test drivers that cannot pass
//! arguments. `--kiosk` (or `AOUN_KIOSK=1`, or `"kiosk": true` in the settings file) locks the
//! window down for a public office; `--idle-seconds` (`AOUN_IDLE_SECONDS`) sets how long it
//! waits for nobody before wiping the conversation.

#[cfg(test)]
mod bindings;
mod commands;
mod kiosk;
mod microphone;
mod models;
mod session;
mod settings;

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use aoun_guide::Guide;
use clap::Parser;
use tauri::Manager;

use crate::kiosk::Kiosk;
use crate::microphone::Devices;
use crate::session::Session;
use crate::settings::Settings;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(version, about = "Aoun, the voice help desk for public services")]
struct Options {
    /// Models folder (else `$AOUN_MODELS_DIR`, else the user data folder).
    #[arg(long, value_name = "DIR")]
    models_dir: Option<PathBuf>,
    /// Simulate the microphone with these spoken questions (no sound card needed); the
    /// loudspeaker then plays into nothing.
    #[arg(
        long = "microphone-wav",
        value_name = "Q.wav",
        env = "AOUN_MICROPHONE_WAV",
        value_delimiter = ':'
    )]
    microphone_wavs: Vec<PathBuf>,
    /// Kiosk mode for a public office: full screen, no decorations, menus, developer tools or
    /// files; an attract screen; everything wiped between two people.
    #[arg(long, env = "AOUN_KIOSK", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    kiosk: bool,
    /// Kiosk: seconds without anyone before the conversation is wiped (else the settings file's
    /// `idle_seconds`, 60 by default).
    #[arg(long, value_name = "SECONDS", env = "AOUN_IDLE_SECONDS")]
    idle_seconds: Option<u64>,
}

/// What the commands share besides the session.
pub struct App {
    /// The content pack, for the procedure icons.
    pub guide: Guide,
    /// The models folder given on the command line.
    pub models_dir: Option<PathBuf>,
    /// Kiosk mode and its times.
    pub kiosk: Kiosk,
    settings_file: PathBuf,
    settings: Mutex<Settings>,
}

impl App {
    /// The settings now.
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the settings and saves them; a kiosk keeps nobody's choices (such as their
    /// language) past the running app.
    pub fn change_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<(), String> {
        let mut settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut changed = settings.clone();
        change(&mut changed);
        *settings = changed.clamped();
        if self.kiosk.on {
            return Ok(());
        }
        settings
            .save(&self.settings_file)
            .map_err(|e| format!("the settings could not be saved: {e}"))
    }
}

/// Opens the main window as the configuration describes it; a kiosk's covers the screen, with
/// no decorations and no developer tools.
fn open_window(app: &tauri::App, kiosk: bool) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    let window = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .devtools(cfg!(debug_assertions) && !kiosk)
        .decorations(!kiosk)
        .fullscreen(kiosk)
        .build()?;
    if kiosk {
        // Without a window manager (a kiosk compositor may be the only one) full screen is
        // only asked for: the window also takes the monitor's place and size itself.
        if let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) {
            window.set_position(*monitor.position())?;
            window.set_size(*monitor.size())?;
        }
        window.set_always_on_top(true)?;
    }
    Ok(())
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = Options::parse();
    // Before any thread starts: it changes the environment.
    aoun_desk::prepare_process(options.models_dir.clone());
    let devices = match Devices::from_wavs(&options.microphone_wavs) {
        Ok(devices) => devices,
        Err(e) => {
            eprintln!("aoun-app: {e}");
            std::process::exit(2);
        }
    };
    let outcome = tauri::Builder::default()
        .setup(move |app| {
            let settings_file = Settings::file(&app.path().app_config_dir()?);
            let settings = Settings::load(&settings_file);
            let kiosk = Kiosk::new(&settings, options.kiosk, options.idle_seconds);
            open_window(app, kiosk.on)?;
            let session = Session::start(
                app.handle().clone(),
                devices,
                options.models_dir.clone(),
                settings.clone(),
                &kiosk,
            );
            app.manage(session);
            app.manage(App {
                // The pictures list the procedures of the pack that answers.
                guide: aoun_desk::installed_guide().unwrap_or_else(Guide::embedded),
                models_dir: options.models_dir.clone(),
                kiosk,
                settings_file,
                settings: Mutex::new(settings),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::press,
            commands::release,
            commands::hands_free,
            commands::new_person,
            commands::someone_here,
            commands::ask,
            commands::replay,
            commands::slower,
            commands::not_what_i_asked,
            commands::speak_label,
            commands::settings_set,
            commands::procedures,
            commands::settings_get,
            commands::set_language,
            commands::settings_info,
            commands::import_models,
            commands::removable_folders,
            commands::kiosk,
            commands::invite,
        ])
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    // The turn under way stops in every stage before the process ends.
                    app.state::<Session>().stop();
                }
            })
        });
    if let Err(e) = outcome {
        eprintln!("aoun-app: the window could not be opened: {e}");
        std::process::exit(1);
    }
}
