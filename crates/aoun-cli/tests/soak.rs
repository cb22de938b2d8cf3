//! A thousand voice turns in a row with the real engines (speech recognition, the content
//! pack's answers, a Piper voice), each for a new person: every question is answered; after
//! the first fifty turns the highest memory reading of the run's second half exceeds that of
//! its first half by less than the stated bound (a leak grows from half to half; a heap that
//! settles once at a larger size does not), and threads and open files do not grow at all.

use std::process::Command;

/// Turns in the run.
const TURNS: u64 = 1000;
/// Turns before the first reading.
const WARMUP: u64 = 50;
/// Largest memory growth allowed from the first half's peak to the second half's, in percent.
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
