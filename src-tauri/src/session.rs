//! The one live session of the app: a thread that checks the models, loads the engines, opens
//! the sound devices and runs [`LiveSession`], fed by a channel of controls. What it does reaches
//! the window as two events: `status` (the app's [`Status`]) and `live` (each [`LiveEvent`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aoun_desk::Engine;
use aoun_models::{InstallState, ModelStore, Pack};
use aoun_session::{Control, IdleWipe, LiveConfig, LiveEvent, Request};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

use crate::kiosk::{Kiosk, VolumeSink};
use crate::microphone::{DeviceProblem, Devices};
use crate::settings::Settings;

/// Where the app is, as the window shows it.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Checking that the models are installed.
    Checking,
    /// Models are missing: the window offers to import a pack.
    ModelsMissing,
    /// Loading the engines.
    Loading,
    /// Listening and answering.
    Ready,
    /// The engines could not be loaded.
    Failed,
}

/// One loading step.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct LoadStep {
    /// What is loaded.
    pub engine: Engine,
    /// Finished (successfully or not).
    pub done: bool,
    /// Whether it worked, once done.
    pub ok: bool,
    /// Milliseconds it took, once done.
    pub ms: u64,
}

/// Progress of a model pack import.
#[derive(Debug, Clone, Serialize, PartialEq, Default, ts_rs::TS)]
pub struct ImportProgress {
    /// The file being installed.
    pub label: String,
    /// Bytes done.
    pub done: u64,
    /// Bytes in all, when known.
    pub total: Option<u64>,
    /// Still running.
    pub running: bool,
    /// Why it failed, in one sentence.
    pub error: Option<String>,
}

/// Everything the window needs to draw the app's state.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct Status {
    /// Where the app is.
    pub phase: Phase,
    /// Models of the registry pack that are missing or damaged.
    pub missing: Vec<String>,
    /// Where models are looked for.
    pub models_dir: String,
    /// Loading steps so far.
    pub steps: Vec<LoadStep>,
    /// A model pack import, when one was started.
    pub import: Option<ImportProgress>,
    /// Sound devices that are missing.
    pub problems: Vec<DeviceProblem>,
    /// Why loading failed, in one sentence.
    pub failure: Option<String>,
    /// The microphone is simulated from WAV files.
    pub simulated: bool,
    /// Milliseconds from the start of the app to ready.
    pub ready_ms: Option<u64>,
    /// What speaks each language, once loaded.
    pub voices: Vec<aoun_desk::VoiceInfo>,
    /// Parts that could not be loaded, each one sentence saying what works instead (for the
    /// person looking after the desk; the others go on answering).
    pub degraded: Vec<String>,
}

/// The session as the commands see it: a channel in, a shared status out.
pub struct Session {
    controls: Mutex<Sender<Control>>,
    retry: Mutex<Sender<()>>,
    status: Arc<Mutex<Status>>,
    armed: Arc<AtomicBool>,
    /// Loudness of what is played, in percent: lowered for the kiosk's spoken invitation.
    volume: Arc<AtomicU8>,
    /// Loudness of the kiosk's spoken invitation, in percent, as the office set it.
    invitation_volume: u8,
    app: AppHandle,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// Starts the session thread.
    pub fn start(
        app: AppHandle,
        devices: Devices,
        models_dir: Option<PathBuf>,
        settings: Settings,
        kiosk: &Kiosk,
    ) -> Session {
        let (controls_tx, controls) = mpsc::channel();
        // The saved voice speed applies from the first answer on.
        let _ = controls_tx.send(Control::Request(Request::SpeechRate(
            settings.speech_rate_percent,
        )));
        let (retry_tx, retry) = mpsc::channel();
        let status = Arc::new(Mutex::new(Status {
            phase: Phase::Checking,
            missing: Vec::new(),
            models_dir: String::new(),
            steps: Vec::new(),
            import: None,
            problems: Vec::new(),
            degraded: Vec::new(),
            failure: None,
            simulated: devices.simulated(),
            ready_ms: None,
            voices: Vec::new(),
        }));
        let idle_wipe = kiosk.idle_wipe(!devices.simulated());
        let armed = Arc::new(AtomicBool::new(false));
        let volume = Arc::new(AtomicU8::new(100));
        let worker = Worker {
            app: app.clone(),
            status: Arc::clone(&status),
            armed: Arc::clone(&armed),
            volume: Arc::clone(&volume),
            started: Instant::now(),
        };
        std::thread::Builder::new()
            .name("session".into())
            .spawn(move || worker.run(devices, models_dir, settings, idle_wipe, controls, retry))
            .expect("the session thread starts");
        Session {
            controls: Mutex::new(controls_tx),
            retry: Mutex::new(retry_tx),
            status,
            armed,
            volume,
            invitation_volume: kiosk.invitation_volume_percent,
            app,
        }
    }

    /// The app's state now.
    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    /// Turns the echo canceller on or off, as the settings say; a simulated microphone hears
    /// nothing of the loudspeaker, so it has no echo to cancel.
    pub fn set_echo_cancel(&self, on: bool) -> Result<(), String> {
        let on = on && !self.status().simulated;
        self.send(Control::Request(Request::EchoCancel(on)))
    }

    /// Hands a control to the live session; refused until it runs. What it says is played at
    /// full loudness.
    pub fn send(&self, control: Control) -> Result<(), String> {
        self.volume.store(100, Ordering::SeqCst);
        self.hand(control)
    }

    /// Loudness of the kiosk's spoken invitation, in percent.
    pub fn invitation_volume(&self) -> u8 {
        self.invitation_volume
    }

    /// Says `text` at `percent` of the answers' loudness (the kiosk's invitation), until the
    /// next control.
    pub fn say_at(&self, text: String, lang: aoun_guide::Lang, percent: u8) -> Result<(), String> {
        self.volume.store(percent.min(100), Ordering::SeqCst);
        self.hand(Control::Request(aoun_session::Request::Say { text, lang }))
    }

    /// Ends the live session: the app is closing. Its pipeline then cancels the turn under way.
    pub fn stop(&self) {
        let _ = lock(&self.controls).send(Control::Stop);
    }

    fn hand(&self, control: Control) -> Result<(), String> {
        if lock(&self.status).phase != Phase::Ready {
            return Err("Aoun is not ready yet".into());
        }
        if matches!(
            control,
            Control::Press | Control::HandsFree(true) | Control::SomeoneHere
        ) {
            // A simulated person starts speaking once the button or the screen is used.
            self.armed.store(true, Ordering::SeqCst);
        }
        lock(&self.controls)
            .send(control)
            .map_err(|_| "the conversation has stopped; restart Aoun".to_string())
    }

    /// Changes the status and tells the window.
    pub fn update(&self, change: impl FnOnce(&mut Status)) {
        update(&self.app, &self.status, change);
    }

    /// Checks the models and loads again (after an import).
    pub fn retry(&self) {
        let _ = lock(&self.retry).send(());
    }
}

fn update(app: &AppHandle, status: &Mutex<Status>, change: impl FnOnce(&mut Status)) {
    let now = {
        let mut status = lock(status);
        change(&mut status);
        status.clone()
    };
    let _ = app.emit("status", now);
}

/// The session thread.
struct Worker {
    app: AppHandle,
    status: Arc<Mutex<Status>>,
    armed: Arc<AtomicBool>,
    volume: Arc<AtomicU8>,
    started: Instant,
}

impl Worker {
    fn update(&self, change: impl FnOnce(&mut Status)) {
        update(&self.app, &self.status, change);
    }

    fn run(
        self,
        devices: Devices,
        models_dir: Option<PathBuf>,
        settings: Settings,
        idle_wipe: Option<IdleWipe>,
        controls: Receiver<Control>,
        retry: Receiver<()>,
    ) {
        let Some(desk) = self.load(models_dir, &retry) else {
            return;
        };
        let degraded: Vec<String> = desk
            .fallbacks
            .iter()
            .chain(&desk.problems)
            .cloned()
            .collect();
        let voices = desk.voices.clone();
        self.update(|s| {
            s.voices = voices;
            s.degraded = degraded;
        });
        let config = LiveConfig {
            hands_free: false,
            endpoint: aoun_audio::EndpointConfig {
                trailing_silence: Duration::from_millis(settings.end_silence_ms),
                ..Default::default()
            },
            // A simulated microphone hears nothing of the loudspeaker: no echo to cancel.
            echo_cancel: settings.echo_cancel && !devices.simulated(),
            idle_wipe,
            ..LiveConfig::default()
        };
        let mut session = match desk.into_live(config) {
            Ok(session) => session,
            Err(e) => return self.fail(format!("{e:#}")),
        };
        let (events_tx, events) = mpsc::channel::<LiveEvent>();
        let app = self.app.clone();
        std::thread::spawn(move || {
            for event in events {
                let _ = app.emit("live", &event);
            }
        });
        loop {
            let mut opened = devices.open(&self.armed);
            let problems = std::mem::take(&mut opened.problems);
            let ready_ms = self.started.elapsed().as_millis() as u64;
            self.update(|s| {
                s.phase = Phase::Ready;
                s.problems = problems;
                s.ready_ms.get_or_insert(ready_ms);
            });
            let mut sink = VolumeSink::new(opened.sink, Arc::clone(&self.volume));
            match session.run(opened.source.as_mut(), &mut sink, &controls, &events_tx) {
                // Stopped: the app is closing.
                Ok(()) => return,
                // The device was lost (reported as an event): open it again.
                Err(e) => {
                    tracing::warn!(error = %e, "sound device lost");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }

    /// Waits until the models are there, then loads them with progress; `None` when the app
    /// is closing.
    fn load(&self, models_dir: Option<PathBuf>, retry: &Receiver<()>) -> Option<aoun_desk::Desk> {
        loop {
            self.update(|s| {
                s.phase = Phase::Checking;
                s.steps.clear();
                s.failure = None;
            });
            match missing_models(models_dir.clone()) {
                Ok((dir, missing)) if !missing.is_empty() => {
                    self.update(|s| {
                        s.phase = Phase::ModelsMissing;
                        s.missing = missing;
                        s.models_dir = dir;
                    });
                }
                Ok((dir, _)) => {
                    self.update(|s| {
                        s.phase = Phase::Loading;
                        s.missing.clear();
                        s.models_dir = dir;
                    });
                    let mut progress = Progress { worker: self };
                    match aoun_desk::load_listening(
                        models_dir.clone(),
                        &aoun_desk::Setup::default(),
                        &mut progress,
                    ) {
                        Ok(desk) => return Some(desk),
                        Err(e) => self.fail(e.to_string()),
                    }
                }
                Err(e) => self.fail(e.to_string()),
            }
            // Wait for an import (or a retry) before looking again.
            retry.recv().ok()?;
        }
    }

    fn fail(&self, message: String) {
        tracing::error!(%message, "loading failed");
        self.update(|s| {
            s.phase = Phase::Failed;
            s.failure = Some(message);
        });
    }
}

/// The models folder and the registry pack's models that are missing or damaged there.
pub fn missing_models(models_dir: Option<PathBuf>) -> anyhow::Result<(String, Vec<String>)> {
    let store = ModelStore::open(models_dir)?;
    let missing = store
        .status()
        .into_iter()
        .filter(|m| m.pack == Pack::Registry)
        .filter(|m| !matches!(m.state, InstallState::Installed | InstallState::Unverified))
        .map(|m| m.id)
        .collect();
    Ok((store.root().display().to_string(), missing))
}

/// Loading steps as status updates.
struct Progress<'a> {
    worker: &'a Worker,
}

impl aoun_desk::LoadProgress for Progress<'_> {
    fn started(&mut self, engine: Engine) {
        self.worker.update(|s| {
            s.steps.push(LoadStep {
                engine,
                done: false,
                ok: false,
                ms: 0,
            })
        });
    }

    fn finished(&mut self, engine: Engine, ms: u64, ok: bool) {
        self.worker.update(|s| {
            if let Some(step) = s.steps.iter_mut().rev().find(|step| step.engine == engine) {
                step.done = true;
                step.ok = ok;
                step.ms = ms;
            }
        });
    }
}
