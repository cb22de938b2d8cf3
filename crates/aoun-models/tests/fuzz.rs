//! Fuzzes every parser of outside data (the WAV reader, the model manifest, the content pack,
//! GGUF models, Piper voice configs, the Whisper conversion inputs, transcripts and the signature
//! files of signed updates) by running `scripts/fuzz.sh`, which builds the cargo-fuzz targets of
//! `fuzz/`. In CI (`CI` set, as CI
//! runners do) each target runs for the script's full time, a minute by default; elsewhere for
//! five seconds unless `FUZZ_SECONDS` says otherwise, so `cargo test --workspace` still builds
//! every target and replays its seeds.

use std::path::Path;
use std::process::Command;

#[test]
fn every_parser_of_outside_data_survives_fuzzing() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fuzz.sh");
    let mut command = Command::new(&script);
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    if !in_ci && std::env::var_os("FUZZ_SECONDS").is_none() {
        command.env("FUZZ_SECONDS", "5");
    }
    // The script writes to the terminal directly, not through the test's captured output, so
    // each target's executions show in the CI log.
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        status.success(),
        "a fuzz target found a crash, a panic or a hang: its report is above and the input is in fuzz/artifacts/"
    );
}
