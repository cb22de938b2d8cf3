//! `aoun doctor`: is everything an office needs here? One line per check, in plain words, each
//! saying what to do when it is not ok. The exit code is 1 when something needed to answer is
//! missing; a missing microphone or loudspeaker is only a warning (pictures and text still work).

use std::path::{Path, PathBuf};

use aoun_audio::{CpalSink, CpalSource, DeviceError, RoomSpec, FRAME_SAMPLES};
use aoun_models::{InstallState, ModelStatus, ModelStore, Pack};
use serde::Serialize;

/// The state of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum State {
    Ok,
    Missing,
    Problem,
}

/// One line of the report.
#[derive(Debug, Serialize)]
struct Check {
    /// What was checked, in a few words.
    what: String,
    state: State,
    /// Whether Aoun cannot answer without it (else a missing one is a warning).
    needed: bool,
    /// What was found.
    detail: String,
    /// What to do about it, when it is not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn ok(what: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            what: what.into(),
            state: State::Ok,
            needed: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn bad(
        what: impl Into<String>,
        state: State,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            what: what.into(),
            state,
            needed: true,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn warning(mut self) -> Check {
        self.needed = false;
        self
    }

    fn blocks(&self) -> bool {
        self.needed && self.state != State::Ok
    }
}

/// How to install a missing or damaged model.
const MODEL_FIX: &str = "run `aoun models fetch`, or without network copy a model pack from a USB \
stick with `aoun models fetch --from <folder>` (made elsewhere by `aoun models export`)";

/// Runs every check and prints the report; `Ok(false)` when something needed is missing.
pub fn run(models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<bool> {
    let checks = checks(models_dir);
    let ready = !checks.iter().any(Check::blocks);
    if json {
        println!(
            "{}",
            serde_json::json!({ "ready": ready, "checks": checks })
        );
    } else {
        for check in &checks {
            print_line(check);
        }
        if ready {
            println!("Everything needed to answer is here.");
        } else {
            println!("Something needed to answer is missing: follow the lines marked missing or problem.");
        }
    }
    Ok(ready)
}

fn print_line(check: &Check) {
    let state = match (check.state, check.needed) {
        (State::Ok, _) => "ok",
        (State::Missing, true) => "missing",
        (State::Problem, true) => "problem",
        (State::Missing, false) => "missing (warning)",
        (State::Problem, false) => "problem (warning)",
    };
    let mut line = format!("{state:<18} {:<34} {}", check.what, check.detail);
    if let Some(fix) = &check.fix {
        line.push_str(" -> ");
        line.push_str(fix);
    }
    println!("{line}");
}

fn checks(models_dir: Option<PathBuf>) -> Vec<Check> {
    let mut checks = Vec::new();
    let store = match ModelStore::open(models_dir) {
        Ok(store) => Some(store),
        Err(e) => {
            checks.push(Check::bad(
                "models folder",
                State::Problem,
                e.to_string(),
                "give the folder with `--models-dir` or the AOUN_MODELS_DIR setting",
            ));
            None
        }
    };
    if let Some(store) = &store {
        // Each model is hashed once (a read-only pack keeps no stamp of an earlier check).
        let status = store.status();
        checks.extend(model_checks(store, &status));
        checks.push(runtime_check(
            store,
            &status,
            "onnxruntime",
            "onnxruntime library",
        ));
        checks.push(runtime_check(
            store,
            &status,
            "espeak-ng-data",
            "espeak-ng data",
        ));
        checks.extend(voice_checks(store));
    }
    checks.push(content_check());
    checks.extend(audio_checks());
    checks.extend(display_checks());
    checks
}

fn model_checks(store: &ModelStore, status: &[ModelStatus]) -> Vec<Check> {
    let root = store.root();
    let mut checks = vec![match (root.is_dir(), store.bundled()) {
        (true, _) => Check::ok("models folder", root.display().to_string()),
        (false, Some(_)) => Check::ok(
            "models folder",
            format!(
                "{} (not made yet: nothing added to the pack that came with Aoun)",
                root.display()
            ),
        ),
        (false, None) => Check::bad(
            "models folder",
            State::Missing,
            format!("{} does not exist", root.display()),
            MODEL_FIX,
        ),
    }];
    if let Some(bundled) = store.bundled() {
        checks.push(Check::ok(
            "models installed with Aoun",
            bundled.display().to_string(),
        ));
    }
    let mut optional = (0, 0);
    for status in status {
        if status.pack != Pack::Registry {
            optional.1 += 1;
            if matches!(
                status.state,
                InstallState::Installed | InstallState::Unverified
            ) {
                optional.0 += 1;
            }
            continue;
        }
        let what = format!("model {}", status.id);
        checks.push(match &status.state {
            InstallState::Installed => Check::ok(what, "installed and verified"),
            InstallState::Unverified => Check::ok(what, "installed (nothing to verify it against)"),
            InstallState::Missing => Check::bad(what, State::Missing, "not installed", MODEL_FIX),
            InstallState::Corrupt(why) => Check::bad(
                what,
                State::Problem,
                format!("damaged: {why}"),
                format!("delete it and install it again: {MODEL_FIX}"),
            ),
        });
    }
    checks.push(Check::ok(
        "larger standard models",
        format!(
            "{} of {} installed (optional: better voices and answers; \
             `aoun models fetch --pack standard`)",
            optional.0, optional.1
        ),
    ));
    checks
}

/// Where a runtime part of the pack is, from the state its model check found.
fn runtime_check(store: &ModelStore, status: &[ModelStatus], id: &str, what: &str) -> Check {
    let state = status.iter().find(|s| s.id == id).map(|s| &s.state);
    match (state, store.path(id)) {
        (Some(InstallState::Corrupt(why)), _) => {
            Check::bad(what, State::Missing, why.as_str(), MODEL_FIX)
        }
        (_, Ok(path)) => Check::ok(what, path.display().to_string()),
        (_, Err(e)) => Check::bad(what, State::Missing, e.to_string(), MODEL_FIX),
    }
}

/// The voices as `aoun voices` shows them, one line per language.
fn voice_checks(store: &ModelStore) -> Vec<Check> {
    match aoun_desk::load_voice_set(store) {
        Ok(set) => {
            let mut checks: Vec<Check> = aoun_desk::voice_infos(&set)
                .into_iter()
                .map(|v| {
                    Check::ok(
                        format!("voice {}", v.lang),
                        format!("{} {}", v.engine, v.voice),
                    )
                })
                .collect();
            checks.push(match &set.diacritizer {
                Ok(()) => Check::ok("Arabic diacritization", "ready"),
                Err(why) => Check::bad(
                    "Arabic diacritization",
                    State::Missing,
                    format!("Arabic is read without it: {why}"),
                    MODEL_FIX,
                )
                .warning(),
            });
            checks
        }
        Err(e) => vec![Check::bad(
            "voices",
            State::Problem,
            format!("no voice can speak: {e}"),
            MODEL_FIX,
        )],
    }
}

fn content_check() -> Check {
    let what = "content pack";
    let dir = aoun_desk::installed_guide_dir().ok();
    let has_pack = dir
        .as_deref()
        .is_some_and(|d: &Path| d.join("pack.toml").is_file());
    match aoun_desk::installed_guide() {
        Some(guide) => Check::ok(
            what,
            format!(
                "{} {} installed in {}",
                guide.pack().name,
                guide.pack().version,
                dir.map(|d| d.display().to_string()).unwrap_or_default()
            ),
        ),
        None if has_pack => Check::bad(
            what,
            State::Problem,
            "the installed pack was changed since it was installed, is not signed with a key the office trusts, or does not load, so the built-in one answers",
            "install the office's signed pack again with `aoun pack install <folder>`",
        )
        .warning(),
        None => {
            let guide = aoun_guide::Guide::embedded();
            Check::ok(
                what,
                format!(
                    "built-in {} {} (no office pack installed; `aoun pack install <folder>` adds one)",
                    guide.pack().name,
                    guide.pack().version
                ),
            )
        }
    }
}

fn audio_checks() -> Vec<Check> {
    vec![
        device_check(
            "microphone",
            CpalSource::open_default(FRAME_SAMPLES).map(|s| s.description().to_string()),
            "connect a microphone; until then people can tap the pictures or type",
        ),
        device_check(
            "loudspeaker",
            CpalSink::open_default().map(|s| s.description().to_string()),
            "connect speakers or headphones; until then answers are only shown",
        ),
        echo_check(),
    ]
}

/// Least echo reduction the canceller must reach on the simulated office, in dB.
const ECHO_CHECK_DB: f32 = 20.0;

/// The echo canceller, tried on this machine: four seconds of a speech-like signal played
/// through a simulated office must come back at least [`ECHO_CHECK_DB`] quieter.
fn echo_check() -> Check {
    let what = "echo cancellation";
    let played = aoun_audio::speech_like_noise(4.0, 0x2545_f491_4f6c_dd1d);
    let room = RoomSpec::kiosk("office");
    let reduction = room.and_then(|room| {
        let mut canceller = aoun_audio::EchoCanceller::new();
        aoun_audio::echo_return_loss_enhancement(&room, &played, 2.0, &mut canceller)
    });
    let headset = "on by default; for a headset turn it off (`aoun listen --no-echo-cancel`, \
        or \"echo_cancel\": false in the app's settings)";
    match reduction {
        Some(db) if db >= ECHO_CHECK_DB => Check::ok(
            what,
            format!("AEC3: the echo of a simulated office comes back {db:.0} dB quieter; {headset}"),
        ),
        other => Check::bad(
            what,
            State::Problem,
            format!(
                "the echo of a simulated office comes back only {:.0} dB quieter",
                other.unwrap_or(0.0)
            ),
            "use a headset, or set the loudspeaker further from the microphone: Aoun may hear itself",
        )
        .warning(),
    }
}

/// A sound device that opened (its name), or a warning saying it did not.
fn device_check(what: &str, opened: Result<String, DeviceError>, fix: &str) -> Check {
    match opened {
        Ok(name) => Check::ok(what, name),
        Err(e) => Check::bad(what, State::Missing, device_problem(&e), fix).warning(),
    }
}

/// What went wrong with a sound device, without the device error's own advice.
fn device_problem(error: &DeviceError) -> String {
    match error {
        DeviceError::NotFound { device, .. } => format!("no {device} found"),
        other => other.to_string(),
    }
}

/// A screen for the desktop app and, on Linux, the kiosk compositor.
fn display_checks() -> Vec<Check> {
    let mut checks = Vec::new();
    let display = ["WAYLAND_DISPLAY", "DISPLAY"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    checks.push(match display {
        Some(name) => Check::ok("screen", format!("display {name}")),
        None if cfg!(windows) => Check::ok("screen", "Windows desktop"),
        None => Check::bad(
            "screen",
            State::Missing,
            "this session has no graphical display",
            "the desktop app needs one; the kiosk service starts its own with cage",
        )
        .warning(),
    });
    if cfg!(target_os = "linux") {
        checks.push(match on_path("cage") {
            Some(path) => Check::ok("kiosk compositor (cage)", path.display().to_string()),
            None => Check::bad(
                "kiosk compositor (cage)",
                State::Missing,
                "not installed",
                "only for a kiosk: install the `cage` package (see packaging/linux)",
            )
            .warning(),
        });
    }
    checks
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
