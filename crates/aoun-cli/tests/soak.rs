//! A thousand voice turns in a row with the real engines (speech recognition, the content
//! pack's answers, a Piper voice), each for a new person: every question is answered, and
//! after the first fifty turns resident memory grows by less than the stated bound while
//! threads and open files do not grow at all.

use std::process::Command;

/// Turns in the run.
const TURNS: u64 = 1000;
/// Turns before the first reading.
const WARMUP: u64 = 50;
/// Largest memory growth allowed from the end of the warm-up to the last turn, in percent.
const GROWTH_BOUND_PERCENT: f64 = 5.0;

#[test]
fn a_thousand_turns_hold_memory_threads_and_open_files() {
    let output = Command::new(env!("CARGO_BIN_EXE_aoun"))
        .args(["bench", "soak", "--no-llm", "--lang", "en"])
        .args([
            "--turns",
            &TURNS.to_string(),
            "--warmup",
            &WARMUP.to_string(),
        ])
        .output()
        .expect("run aoun bench soak");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    println!("{report}");
    assert_eq!(report["answered"], TURNS, "{report}");
    let growth = report["rss_growth_percent"]
        .as_f64()
        .expect("a memory reading");
    assert!(
        growth < GROWTH_BOUND_PERCENT,
        "memory grew by {growth} %: {report}"
    );
    for held in ["threads", "open_files"] {
        let reading = |at: &str| report[at][held].as_u64().expect("a reading");
        let (before, after) = (reading("after_warmup"), reading("end"));
        assert!(
            after <= before,
            "{held} grew from {before} to {after}: {report}"
        );
    }
}
