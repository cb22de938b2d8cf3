//! The device the engines run on: the default build is CPU-only, the GPU features reach the
//! engines, and a GPU this build lacks falls back to the CPU with one sentence.

use std::process::{Command, Output};

mod common;
use common::{aoun, sample};

/// The lines `aoun` said on standard error (its own sentences, not the log).
fn said(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("aoun:"))
        .map(String::from)
        .collect()
}

/// Each engine crate of `package` (built with `features`) and the cargo features it gets.
fn engine_features(package: &str, features: &[&str]) -> Vec<(String, String)> {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "-p", package, "--prefix", "none", "-f", "{p} {f}"]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let output = command.output().expect("run cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let engines = [
        "whisper-rs",
        "whisper-rs-sys",
        "candle-core",
        "candle-nn",
        "candle-transformers",
    ];
    let tree = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut found: Vec<(String, String)> = tree
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next()?;
            let _version = parts.next()?;
            let features = parts.next().unwrap_or("").trim_end_matches("(*)");
            engines
                .contains(&name)
                .then(|| (name.to_string(), features.to_string()))
        })
        .collect();
    found.sort();
    found.dedup();
    assert!(
        engines.iter().all(|e| found.iter().any(|(n, _)| n == e)),
        "every engine crate is in the tree: {tree}"
    );
    found
}

fn has(found: &[(String, String)], package: &str, feature: &str) -> bool {
    found
        .iter()
        .any(|(n, f)| n == package && f.split(',').any(|x| x == feature))
}

#[test]
fn the_default_builds_are_cpu_only() {
    for package in ["aoun-cli", "aoun-app"] {
        for (name, features) in engine_features(package, &[]) {
            for gpu in ["cuda", "metal", "vulkan", "_gpu"] {
                assert!(
                    !features.split(',').any(|f| f == gpu),
                    "{package} builds {name} with `{gpu}` by default ({features})"
                );
            }
        }
    }
}

#[test]
fn the_gpu_features_reach_the_engines() {
    for package in ["aoun-cli", "aoun-app"] {
        for gpu in ["cuda", "metal"] {
            let found = engine_features(package, &[gpu]);
            for engine in [
                "whisper-rs",
                "candle-core",
                "candle-nn",
                "candle-transformers",
            ] {
                assert!(has(&found, engine, gpu), "{package} {gpu}: {found:?}");
            }
        }
        let vulkan = engine_features(package, &["vulkan"]);
        assert!(has(&vulkan, "whisper-rs", "vulkan"), "{vulkan:?}");
        // candle has no Vulkan backend: the language model stays on the CPU.
        assert!(!has(&vulkan, "candle-core", "cuda") && !has(&vulkan, "candle-core", "metal"));
    }
}

#[cfg(not(feature = "cuda"))]
#[test]
fn a_gpu_this_build_lacks_falls_back_to_the_cpu_and_still_answers() {
    // A question the pack's model phrases (the facts stay the card's).
    let output = aoun(&[
        "ask",
        "--json",
        "--device",
        "cuda",
        "How long does it take to get a passport?",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let said = said(&output);
    assert_eq!(
        said,
        [
            "aoun: the language model runs on the CPU: this build has no CUDA support \
          (cargo feature `cuda`)"
        ],
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["devices"]["language_model"], "cpu", "{report}");
    let answer = &report["answer"];
    assert!(!answer["text"].as_str().unwrap().is_empty(), "{report}");
    assert!(
        answer["generated_tokens"].as_u64().is_some_and(|n| n > 0),
        "the language model ran: {report}"
    );
}

#[cfg(not(any(feature = "cuda", feature = "metal", feature = "vulkan")))]
#[test]
fn auto_on_a_cpu_only_build_is_the_cpu_without_a_word() {
    let output = aoun(&["ask", "--json", "How much does a passport cost?"]);
    assert!(output.status.success());
    assert!(said(&output).is_empty(), "{:?}", said(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["devices"]["language_model"], "cpu", "{report}");
    assert!(report["answer"]["text"].as_str().unwrap().contains("500"));
}

#[cfg(not(feature = "metal"))]
#[test]
fn a_spoken_question_on_an_absent_gpu_is_heard_and_answered_on_the_cpu() {
    let out = tempfile::tempdir().unwrap();
    let wav = out.path().join("answer.wav");
    let output = aoun(&[
        "converse",
        "--json",
        "--device",
        "metal",
        "--wav",
        &sample("en-passport-fee.wav"),
        "--out",
        wav.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let said = said(&output);
    assert_eq!(
        said,
        [
            "aoun: speech recognition runs on the CPU: this build has no Metal support \
             (cargo feature `metal`)",
            "aoun: the language model runs on the CPU: this build has no Metal support \
             (cargo feature `metal`)",
        ],
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["devices"]["speech_recognition"], "cpu", "{report}");
    assert_eq!(report["devices"]["language_model"], "cpu", "{report}");
    assert!(report["answer"]["text"].as_str().unwrap().contains("500"));
    assert!(wav.is_file());
}

/// The CUDA build, when there is one (`scripts/cuda-toolkit.sh`, then the build the README
/// gives, into `target/cuda`), on a machine without an NVIDIA driver: with the toolkit's
/// libraries and its stand-in for the driver, it starts; `auto` is the CPU without a word,
/// `cuda` falls back with its one sentence, and both answer with the language model. Where
/// there is no CUDA build, or a driver is present (`scripts/gpu-check.sh` measures that
/// machine), there is nothing to check.
#[test]
fn the_cuda_build_answers_on_the_cpu_of_a_machine_without_a_driver() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let binary = workspace.join("target/cuda/release/aoun");
    let toolkit = std::env::var_os("CUDA_ROOT")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| std::path::Path::new(&home).join(".local/share/aoun/cuda-13.0"))
        });
    let Some(toolkit) = toolkit.filter(|t| t.join("no-driver/libcuda.so.1").is_file()) else {
        eprintln!("no CUDA toolkit from scripts/cuda-toolkit.sh: nothing to check");
        return;
    };
    if !binary.is_file() || std::path::Path::new("/dev/nvidiactl").exists() {
        eprintln!("no CUDA build in target/cuda, or an NVIDIA driver is present: nothing to check");
        return;
    }
    let libraries = format!(
        "{}:{}",
        toolkit.join("no-driver").display(),
        toolkit.join("lib64").display()
    );
    let ask = |device: &str| {
        Command::new(&binary)
            .args(["ask", "--json", "--device", device])
            .arg("How long does it take to get a passport?")
            .env("LD_LIBRARY_PATH", &libraries)
            .output()
            .expect("run the CUDA build")
    };
    for (device, sentences) in [("auto", 0), ("cuda", 1)] {
        let output = ask(device);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{device}: {stderr}");
        // One sentence, without the backtrace candle's error may carry.
        assert!(!stderr.contains("candle_core::"), "{device}: {stderr}");
        let said = said(&output);
        assert_eq!(said.len(), sentences, "{device}: {said:?}");
        if let Some(sentence) = said.first() {
            assert!(
                sentence.starts_with("aoun: the language model runs on the CPU: no CUDA GPU"),
                "{sentence}"
            );
        }
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["devices"]["language_model"], "cpu", "{report}");
        assert!(
            report["answer"]["generated_tokens"]
                .as_u64()
                .is_some_and(|n| n > 0),
            "the language model ran: {report}"
        );
    }
}
