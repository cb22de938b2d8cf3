//! Nothing leaves the machine: a whole voice turn and a live session run inside a network
//! namespace with no interface but a down loopback (`unshare -n`), under `strace`, and the
//! trace must show no internet socket at all (IPv4 or IPv6), let alone a connection.
//!
//! It also runs with an empty home folder, which must stay empty: no device identifier or cache
//! of a library (onnxruntime keeps one unless told not to) and nothing of the person.
//!
//! Needs `unshare` (util-linux), `strace` and the right to make a namespace (root, as in CI).
//! Under `CI` a missing tool fails the test; elsewhere the test says why it did not run.

use std::path::Path;
use std::process::Command;

mod common;
use common::{models_root, sample};

/// Whether this machine can run the check; the reason when it cannot.
fn can_trace_offline() -> Result<(), String> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !works("strace", &["-V"]) {
        return Err("strace is not installed".into());
    }
    if !works("unshare", &["-n", "true"]) {
        return Err("unshare -n cannot make a network namespace here".into());
    }
    Ok(())
}

/// Runs `aoun args` without a network and with `home` as its home, traced, and returns the
/// trace's socket lines.
fn network_calls_of(args: &[&str], home: &Path, trace: &Path) -> Vec<String> {
    let models = models_root();
    let output = Command::new("unshare")
        .args(["-n", "strace", "-f", "-qq", "-e", "trace=%network", "-o"])
        .arg(trace)
        .arg(env!("CARGO_BIN_EXE_aoun"))
        .arg("--models-dir")
        .arg(models)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .expect("run aoun without a network");
    assert!(
        output.status.success(),
        "aoun {args:?} failed without a network: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(trace)
        .expect("the trace")
        .lines()
        .map(str::to_string)
        .collect()
}

fn internet_calls(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
        .collect()
}

#[test]
fn a_voice_turn_and_a_live_session_open_no_internet_socket() {
    if let Err(why) = can_trace_offline() {
        assert!(std::env::var_os("CI").is_none(), "offline check: {why}");
        eprintln!("offline check not run: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let answer = dir.path().join("answer.wav");
    let (cnss, passport) = (
        sample("en-cnss-registration.wav"),
        sample("en-passport-fee.wav"),
    );
    let runs: [Vec<&str>; 2] = [
        vec![
            "converse",
            "--wav",
            &cnss,
            "--out",
            answer.to_str().unwrap(),
        ],
        vec!["--json", "listen", "--wav", &passport, "--tail", "4"],
    ];
    for (i, args) in runs.iter().enumerate() {
        let trace = dir.path().join(format!("trace-{i}.txt"));
        let calls = network_calls_of(args, &home, &trace);
        let internet = internet_calls(&calls);
        assert!(
            internet.is_empty(),
            "aoun {args:?} used the internet: {internet:#?}"
        );
        println!(
            "aoun {args:?}: {} network calls, none to the internet",
            calls.len()
        );
    }
    assert!(answer.is_file(), "the offline turn wrote its answer");
    let left: Vec<_> = walk(&home);
    assert!(left.is_empty(), "written in the home folder: {left:#?}");
}

/// Every file and folder below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}
