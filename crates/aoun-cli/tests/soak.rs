//! Two hundred voice turns in a row with the real engines: every question answered, and memory
//! over the last hundred turns grows by less than the stated bound (5 %). Resident memory takes
//! one step of about 80 MiB somewhere in the first sixty turns (when depends on thread timing:
//! an allocator arena or an engine's working buffer), then stays flat; the warm-up covers it.

use std::process::Command;

/// Largest memory growth allowed between turn 100 and turn 200, in percent.
const GROWTH_BOUND_PERCENT: f64 = 5.0;

#[test]
fn two_hundred_turns_do_not_grow_memory() {
    let output = Command::new(env!("CARGO_BIN_EXE_aoun"))
        .args([
            "bench", "soak", "--turns", "200", "--warmup", "100", "--no-llm", "--lang", "en",
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
