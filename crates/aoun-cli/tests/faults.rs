//! The fault suite, with the real engines of the registry pack: an engine that cannot be
//! loaded is named in one sentence, and the others keep answering. Without the language model
//! the content pack's own words answer; without a voice (no onnxruntime library, no espeak-ng
//! data) the answer is shown as text; without speech recognition typed questions still answer.
//! A model file damaged after it was verified is caught when it is next loaded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{linked_store, models_root, sample};

const LLM: &str = "smollm2-135m-instruct";
const LLM_FILE: &str = "SmolLM2-135M-Instruct.Q8_0.gguf";

fn aoun(store: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aoun"))
        .arg("--models-dir")
        .arg(store)
        .args(args)
        .output()
        .expect("run aoun")
}

/// A voice turn on the passport question, its answer written to `out`.
fn converse(store: &Path, out: &Path) -> Output {
    let wav = sample("en-passport-fee.wav");
    aoun(
        store,
        &[
            "converse",
            "--lang",
            "en",
            "--wav",
            &wav,
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

/// The turn succeeded, its answer holds the fee, and standard error says in one sentence
/// that `stage` cannot be used, naming `cause`.
fn assert_answered_without(output: &Output, stage: &str, cause: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("500"), "the fee is answered: {stdout}");
    let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with("aoun:")).collect();
    assert_eq!(problems.len(), 1, "one sentence about {stage}: {stderr}");
    assert!(
        problems[0].contains(&format!("{stage} cannot be used")) && problems[0].contains(cause),
        "expected {stage} and `{cause}` in: {}",
        problems[0]
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

#[test]
fn a_language_model_damaged_after_verification_leaves_the_cards_own_words() {
    let store = linked_store(&[LLM]);
    let model = store.path().join(LLM).join(LLM_FILE);
    std::fs::create_dir(model.parent().unwrap()).unwrap();
    std::fs::copy(models_root().join(LLM).join(LLM_FILE), &model).unwrap();
    let out = store.path().join("answer.wav");

    // Verified and loaded without a word of complaint.
    let first = converse(store.path(), &out);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(!stderr.contains("aoun:"), "{stderr}");

    // One byte changed in place after that verification.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&model)
        .unwrap();
    let middle = file.metadata().unwrap().len() / 2;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(middle)).unwrap();
    file.write_all(&[0x5a]).unwrap();
    drop(file);
    let stdout = assert_answered_without(
        &converse(store.path(), &out),
        "the language model",
        "corrupt",
    );
    assert!(stdout.contains("answer (en, Template)"), "{stdout}");
    assert!(out.is_file(), "the answer is still spoken");

    // Cut short, as an interrupted copy leaves it.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&model)
        .unwrap();
    file.set_len(middle).unwrap();
    drop(file);
    let stdout = assert_answered_without(
        &converse(store.path(), &out),
        "the language model",
        "incomplete",
    );
    assert!(stdout.contains("answer (en, Template)"), "{stdout}");
}

/// Without a voice the answer is printed with the reason, and no sound file is written.
fn assert_shown_as_text(skip: &str, replace: Option<(&str, &Path)>, cause: &str) {
    let store = linked_store(&[skip]);
    if let Some((name, with)) = replace {
        let dir = store.path().join(skip);
        std::fs::create_dir(&dir).unwrap();
        std::fs::copy(with, dir.join(name)).unwrap();
    }
    let out = store.path().join("answer.wav");
    let stdout = assert_answered_without(&converse(store.path(), &out), "the voices", cause);
    assert!(stdout.contains("shown as text only"), "{stdout}");
    assert!(!out.exists(), "no sound file without a voice");
}

#[test]
fn without_the_onnxruntime_library_the_answer_is_shown_as_text() {
    assert_shown_as_text("onnxruntime", None, "onnxruntime");
}

#[test]
fn a_wrong_onnxruntime_library_is_refused_and_the_answer_is_shown_as_text() {
    // Another real shared library where onnxruntime's belongs, as a wrong version would be.
    let other = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"]
        .iter()
        .flat_map(|root| walk_for(Path::new(root), "libm.so.6", 2))
        .next()
        .expect("the C maths library");
    assert_shown_as_text(
        "onnxruntime",
        Some(("libonnxruntime.so.1.32.0", &other)),
        "onnxruntime",
    );
}

#[test]
fn without_espeak_ng_data_the_answer_is_shown_as_text() {
    assert_shown_as_text("espeak-ng-data", None, "espeak-ng-data");
}

#[test]
fn without_speech_recognition_typed_questions_still_answer() {
    let store = linked_store(&["whisper-base"]);
    let out = store.path().join("answer.wav");
    let heard = converse(store.path(), &out);
    let stderr = String::from_utf8_lossy(&heard.stderr);
    assert_eq!(heard.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("speech recognition failed") && stderr.contains("whisper-base"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let typed = aoun(
        store.path(),
        &["ask", "--no-llm", "how much does a passport cost?"],
    );
    let stdout = String::from_utf8_lossy(&typed.stdout);
    assert!(typed.status.success() && stdout.contains("500"), "{stdout}");
}

#[test]
fn a_model_the_operator_names_must_load() {
    // A GGUF of an architecture Aoun does not run, given explicitly: an error, not a fallback.
    let store = linked_store(&[]);
    let gemma = store.path().join("gemma.gguf");
    let mut file = std::fs::File::create(&gemma).unwrap();
    let arch = candle_core::quantized::gguf_file::Value::String("gemma3".into());
    candle_core::quantized::gguf_file::write(&mut file, &[("general.architecture", &arch)], &[])
        .unwrap();
    drop(file);
    let out = store.path().join("answer.wav");
    let wav = sample("en-passport-fee.wav");
    let output = aoun(
        store.path(),
        &[
            "converse",
            "--llm",
            gemma.to_str().unwrap(),
            "--wav",
            &wav,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`gemma3` model, which Aoun cannot run"),
        "{stderr}"
    );
}

/// The first file called `name` under `root`, at most `depth` folders down.
fn walk_for(root: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let entries = std::fs::read_dir(root).ok()?;
    let mut folders = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name() == name {
            return Some(std::fs::canonicalize(&path).unwrap_or(path));
        }
        if depth > 0 && entry.file_type().is_ok_and(|t| t.is_dir()) {
            folders.push(path);
        }
    }
    folders
        .into_iter()
        .find_map(|f| walk_for(&f, name, depth - 1))
}

/// The state `aoun models status` gives each registry model of `store`.
fn registry_states(store: &Path) -> Vec<(String, String)> {
    let output = aoun(store, &["models", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    status["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["pack"] == "registry")
        .map(|m| (m["id"].to_string(), m["state"].to_string()))
        .collect()
}

#[test]
fn a_disk_that_fills_up_during_an_import_leaves_nothing_half_installed() {
    // The installed pack, exported as an office copies it to a USB stick.
    let stick = tempfile::tempdir().unwrap();
    let exported = aoun(
        &models_root(),
        &["models", "export", stick.path().to_str().unwrap()],
    );
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let store = tempfile::tempdir().unwrap();
    let import = |limit: Option<&str>| {
        // A file-size limit makes writes past 20 MB fail (EFBIG) as a full disk makes them fail
        // (ENOSPC); the signal that would otherwise end the program is ignored, as it is for a
        // program that meets a full disk.
        let mut shell = std::process::Command::new("sh");
        shell.arg("-c").arg(match limit {
            Some(blocks) => format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""),
            None => "exec \"$0\" \"$@\"".to_string(),
        });
        shell
            .arg(env!("CARGO_BIN_EXE_aoun"))
            .arg("--models-dir")
            .arg(store.path())
            .args(["models", "fetch", "--from"])
            .arg(stick.path())
            .output()
            .unwrap()
    };

    let full = import(Some("40960"));
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("aoun:")).collect();
    assert_eq!(errors.len(), 1, "one sentence: {stderr}");
    assert!(errors[0].contains("too large"), "{}", errors[0]);
    // Models that did not fit are missing, never installed half-written.
    let states = registry_states(store.path());
    assert!(
        states.iter().any(|(_, state)| state.contains("Missing")),
        "{states:?}"
    );
    assert!(
        states
            .iter()
            .all(|(_, state)| state.contains("Missing") || state.contains("Installed")),
        "{states:?}"
    );

    // With room again, the same import completes.
    let again = import(None);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let states = registry_states(store.path());
    assert!(
        states.iter().all(|(_, state)| state.contains("Installed")),
        "{states:?}"
    );
}
