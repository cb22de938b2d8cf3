//! The Debian package, built by `scripts/build-deb.sh` with Tauri's bundler, installed with dpkg
//! into an empty root (a fresh dpkg database, as on a machine that never had Aoun) and used from
//! there by a user with empty folders: `aoun doctor`, a spoken question answered, the desktop app
//! starting. apt checks on this Debian that the package's dependencies can be installed.
//!
//! The two packages (with and without models) are written to the same path, so the tests take
//! turns.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{models_root, sample};

static BUNDLER: Mutex<()> = Mutex::new(());

/// Runs `scripts/build-deb.sh args` and returns the package it wrote.
fn build_deb(args: &[&str]) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let models = models_root();
    let out = Command::new(repo.join("scripts/build-deb.sh"))
        .args(args)
        .arg("--models-dir")
        .arg(&models)
        .output()
        .expect("run scripts/build-deb.sh");
    assert!(
        out.status.success(),
        "build-deb.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let deb = PathBuf::from(stdout.lines().last().expect("the package's path").trim());
    assert!(deb.is_file(), "{} missing", deb.display());
    deb
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run the command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Installs `deb` with dpkg into a new root with an empty package database. Dependencies are
/// checked separately by apt (they are the host's, not the empty root's).
fn install(deb: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let admin = root.path().join("var/lib/dpkg");
    for dir in ["info", "updates"] {
        std::fs::create_dir_all(admin.join(dir)).unwrap();
    }
    for file in ["status", "available"] {
        std::fs::write(admin.join(file), "").unwrap();
    }
    let out = run(Command::new("dpkg")
        .arg(format!("--root={}", root.path().display()))
        .args(["--force-depends", "--force-not-root", "-i"])
        .arg(deb));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Setting up aoun"), "{said}");
    root
}

/// Runs an installed program as a user whose home and data folders are empty.
fn installed(root: &Path, program: &str, args: &[&str]) -> Output {
    let home = root.join("home/person");
    std::fs::create_dir_all(&home).unwrap();
    Command::new(root.join("usr/bin").join(program))
        .args(args)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("AOUN_MODELS_DIR")
        .env_remove("AOUN_GUIDE_DIR")
        .output()
        .expect("run the installed program")
}

/// `aoun doctor --json`'s checks, by name: (state, detail).
fn doctor(root: &Path) -> (bool, Vec<(String, String, String)>) {
    let out = installed(root, "aoun", &["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doctor's JSON");
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("what"), text("state"), text("detail"))
        })
        .collect();
    (out.status.success(), checks)
}

fn check<'a>(checks: &'a [(String, String, String)], what: &str) -> &'a (String, String, String) {
    checks
        .iter()
        .find(|c| c.0 == what)
        .unwrap_or_else(|| panic!("no check {what:?} in {checks:?}"))
}

#[test]
fn the_package_with_models_installs_with_dpkg_and_answers_a_spoken_question() {
    let _turn = BUNDLER.lock().unwrap_or_else(|e| e.into_inner());
    let deb = build_deb(&[]);

    let depends = run(Command::new("dpkg-deb")
        .args(["-f"])
        .arg(&deb)
        .arg("Depends"));
    let depends = String::from_utf8_lossy(&depends.stdout);
    for needed in ["libasound2", "libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(depends.contains(needed), "Depends: {depends}");
    }
    // apt can install it on this Debian: every dependency exists in its archive or is installed.
    let simulated = run(Command::new("apt-get")
        .args(["--simulate", "install"])
        .arg(&deb));
    assert!(String::from_utf8_lossy(&simulated.stdout).contains("Inst aoun"));

    let root = install(&deb);
    let root = root.path();
    let models = root.join("usr/lib/aoun/models");
    assert!(root.join("usr/share/applications/Aoun.desktop").is_file());
    // The kiosk session (packaging/linux) comes with it, to be enabled by the office.
    assert!(root
        .join("usr/lib/systemd/system/aoun-kiosk.service")
        .is_file());
    assert!(root.join("etc/pam.d/aoun-kiosk").is_file());
    assert!(root.join("usr/lib/aoun/aoun-usb-update").is_file());
    assert!(root
        .join("usr/lib/udev/rules.d/90-aoun-usb-update.rules")
        .is_file());
    assert!(models.join("espeak-ng-data/espeak-ng-data").is_dir());
    assert!(std::fs::read_dir(models.join("onnxruntime"))
        .unwrap()
        .any(|f| f
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("libonnxruntime.so")));

    // The doctor finds the package's models, runtime and voices for a user who has none.
    let (fine, checks) = doctor(root);
    assert!(fine, "{checks:?}");
    let bundled = check(&checks, "models installed with Aoun");
    assert_eq!(
        (bundled.1.as_str(), Path::new(&bundled.2)),
        ("ok", models.as_path())
    );
    for what in [
        "model whisper-base",
        "onnxruntime library",
        "espeak-ng data",
        "voice ar",
        "voice fr",
        "voice en",
    ] {
        assert_eq!(check(&checks, what).1, "ok", "{what}: {checks:?}");
    }
    // Devices are reported in words, whether or not this machine has them.
    for what in ["microphone", "loudspeaker"] {
        let device = check(&checks, what);
        assert!(
            device.1 == "ok" || device.2.split(' ').count() >= 3,
            "{device:?}"
        );
    }

    // A spoken question in, a spoken answer out, from the installed command.
    let answer = root.join("answer.wav");
    let wav = sample("en-passport-fee.wav");
    let out = installed(
        root,
        "aoun",
        &[
            "converse",
            "--wav",
            &wav,
            "--out",
            answer.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let turn: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let heard = turn["transcript"]["text"].as_str().unwrap().to_lowercase();
    assert!(heard.contains("passport"), "{turn}");
    assert!(
        turn["answer"]["text"].as_str().unwrap().contains("500"),
        "{turn}"
    );
    let spoken = hound::WavReader::open(&answer).unwrap();
    assert!(
        spoken.duration() > spoken.spec().sample_rate,
        "under a second"
    );

    // The desktop app starts: its libraries (WebKit, GTK) load.
    let app = installed(root, "aoun-app", &["--help"]);
    assert!(
        app.status.success(),
        "{}",
        String::from_utf8_lossy(&app.stderr)
    );
    assert!(String::from_utf8_lossy(&app.stdout).contains("--kiosk"));
}

#[test]
fn the_package_without_models_carries_the_runtime_and_the_doctor_says_what_is_missing() {
    let _turn = BUNDLER.lock().unwrap_or_else(|e| e.into_inner());
    let deb = build_deb(&["--without-models"]);
    let root = install(&deb);
    let root = root.path();
    let models = root.join("usr/lib/aoun/models");
    assert!(models.join("espeak-ng-data").is_dir());
    assert!(models.join("onnxruntime").is_dir());
    assert!(!models.join("whisper-base").exists());

    let (fine, checks) = doctor(root);
    assert!(!fine, "answering needs the speech model: {checks:?}");
    assert_eq!(check(&checks, "onnxruntime library").1, "ok");
    assert_eq!(check(&checks, "espeak-ng data").1, "ok");
    let stt = check(&checks, "model whisper-base");
    assert_ne!(stt.1, "ok");
    assert!(stt.2.contains("not installed"), "{stt:?}");

    // The models come on a USB stick (without the runtime, which the package has): installed in
    // the user's folder, they work with the package's runtime.
    let stick = root.join("stick");
    let (models, stick_arg) = (models_root(), stick.display().to_string());
    let mut export = vec![
        "--models-dir",
        models.to_str().unwrap(),
        "models",
        "export",
        &stick_arg,
    ];
    for id in [
        "whisper-base",
        "smollm2-135m-instruct",
        "piper-en_US-joe-medium",
        "tashkeel",
        "silero-vad",
        "smart-turn",
    ] {
        export.extend(["--only", id]);
    }
    let out = common::aoun(&export);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stick.join("onnxruntime").exists());
    let out = installed(
        root,
        "aoun",
        &["models", "fetch", "--from", stick.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (fine, checks) = doctor(root);
    assert!(fine, "{checks:?}");
    let user = root.join("home/person/.local/share/aoun/models");
    assert!(user.join("whisper-base").is_dir());
    assert!(
        !user.join("onnxruntime").exists(),
        "the package's runtime is not copied"
    );
    assert_eq!(check(&checks, "voice en").2, "piper piper-en_US-joe-medium");

    // This kiosk can hand the whole pack on: exported from both folders.
    let handed_on = root.join("stick-2");
    let out = installed(
        root,
        "aoun",
        &["models", "export", handed_on.to_str().unwrap(), "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in ["whisper-base", "onnxruntime", "espeak-ng-data"] {
        assert!(handed_on.join(id).is_dir(), "{id} exported");
    }
}
