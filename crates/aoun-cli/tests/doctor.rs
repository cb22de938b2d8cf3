//! `aoun doctor` with the real installed models: every needed check is ok on the installed
//! store; a store missing one model names it with the fix and exits with 1; no sound card is a
//! warning ("no microphone found"), never a failure.

use std::path::Path;
use std::process::Output;

mod common;
use common::{linked_store, models_root};

fn doctor(store: &Path, json: bool) -> Output {
    doctor_with(store, json, &[])
}

fn doctor_with(store: &Path, json: bool, env: &[(&str, &Path)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_aoun"));
    command.envs(env.iter().copied());
    command.arg("--models-dir").arg(store).arg("doctor");
    if json {
        command.arg("--json");
    }
    command.output().expect("run aoun doctor")
}

fn report(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON object ({e}): {stdout}"))
}

fn no_panic(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn installed_store_is_ready() {
    let output = doctor(&models_root(), true);
    no_panic(&output);
    let report = report(&output);
    assert!(output.status.success(), "{report:#}");
    assert_eq!(report["ready"], true);
    let checks = report["checks"].as_array().unwrap();
    for check in checks.iter().filter(|c| c["needed"] == true) {
        assert_eq!(check["state"], "ok", "{check}");
    }
    for want in [
        "models folder",
        "model whisper-base",
        "onnxruntime library",
        "espeak-ng data",
        "voice ar",
        "voice ary",
        "voice fr",
        "voice en",
        "content pack",
        "microphone",
        "loudspeaker",
        "echo cancellation",
    ] {
        assert!(
            checks.iter().any(|c| c["what"] == want),
            "{want} is checked: {report:#}"
        );
    }
}

#[test]
fn text_report_has_one_line_per_check() {
    let output = doctor(&models_root(), false);
    no_panic(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("Everything needed to answer is here."),
        "{stdout}"
    );
    let microphone = stdout
        .lines()
        .find(|l| l.contains("microphone"))
        .expect("a microphone line");
    // This machine may or may not have a sound card: either way the line is plain.
    assert!(
        microphone.starts_with("ok") || microphone.contains("no microphone found"),
        "{microphone}"
    );
    // The sound system's own diagnostics (alsa-lib's, without a sound card) stay off the screen.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("ALSA lib"), "{stderr}");
}

#[test]
fn missing_model_is_named_with_the_fix() {
    let store = linked_store(&["smollm2-135m-instruct"]);
    let output = doctor(store.path(), true);
    no_panic(&output);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["ready"], false);
    let checks = report["checks"].as_array().unwrap();
    let failing: Vec<_> = checks
        .iter()
        .filter(|c| c["needed"] == true && c["state"] != "ok")
        .collect();
    assert_eq!(failing.len(), 1, "only the removed model: {report:#}");
    let check = failing[0];
    assert_eq!(check["what"], "model smollm2-135m-instruct");
    assert_eq!(check["state"], "missing");
    let fix = check["fix"].as_str().unwrap();
    assert!(fix.contains("aoun models fetch"), "{fix}");
    assert!(fix.contains("--from"), "the offline import is named: {fix}");

    let text = doctor(store.path(), false);
    no_panic(&text);
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("smollm2-135m-instruct"))
        .expect("the model's line");
    assert!(line.starts_with("missing "), "{line}");
    assert!(line.contains("aoun models fetch"), "{line}");
}

#[test]
fn empty_store_fails_plainly() {
    let store = tempfile::tempdir().unwrap();
    let output = doctor(&store.path().join("nothing-here"), true);
    no_panic(&output);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let checks = report["checks"].as_array().unwrap();
    assert!(checks
        .iter()
        .any(|c| c["what"] == "models folder" && c["state"] == "missing"));
    assert!(checks
        .iter()
        .any(|c| c["what"] == "voices" && c["state"] == "problem"));
}

#[test]
fn broken_content_pack_is_a_warning() {
    let guide = tempfile::tempdir().unwrap();
    std::fs::write(guide.path().join("pack.toml"), "this is not a pack").unwrap();
    let output = doctor_with(
        &models_root(),
        true,
        &[(aoun_desk::GUIDE_DIR_ENV, guide.path())],
    );
    no_panic(&output);
    let report = report(&output);
    assert!(
        output.status.success(),
        "the built-in pack answers: {report:#}"
    );
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "content pack")
        .expect("the content pack is checked")
        .clone();
    assert_eq!(check["state"], "problem", "{check}");
    assert_eq!(check["needed"], false, "{check}");
    assert!(check["fix"].as_str().unwrap().contains("aoun pack install"));
}
