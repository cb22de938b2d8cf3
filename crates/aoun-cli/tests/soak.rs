//! Two hundred voice turns in a row with the real engines: every question answered, and memory
//! after the first 50 turns (the engines' buffers reach their working size by then) grows by
//! less than the stated bound (5 %).

use std::process::Command;

/// Largest memory growth allowed between turn 50 and turn 200, in percent.
const GROWTH_BOUND_PERCENT: f64 = 5.0;

#[test]
fn two_hundred_turns_do_not_grow_memory() {
    let output = Command::new(env!("CARGO_BIN_EXE_aoun"))
        .args([
            "bench", "soak", "--turns", "200", "--warmup", "50", "--no-llm", "--lang", "en",
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
    assert_eq!(report["answered"], 200, "{report}");
    let growth = report["growth_percent"].as_f64().expect("a memory reading");
    assert!(
        growth < GROWTH_BOUND_PERCENT,
        "memory grew by {growth} %: {report}"
    );
}
