//! The window's type check (`tsc`, against the types generated from the app's Rust types in
//! `ui/src/bindings.ts`) and unit tests (Vitest: i18n completeness, right-to-left, sentence
//! highlighting, the event reducer), run with the Rust tests so that `cargo test --workspace`
//! covers them.
//! Outside CI they are skipped, with the reason printed, when `ui/node_modules` is missing
//! (`scripts/setup.sh` installs it); under `CI=true` that fails.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

#[test]
fn the_window_logic_type_checks_and_passes_its_unit_tests() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let vitest = ui.join("node_modules/.bin/vitest");
    if !vitest.is_file() {
        let reason = "ui/node_modules is not installed (run `npm ci` in ui/)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{reason}");
        }
        // Straight to stderr: the test harness would hide an eprintln of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipping the window's unit tests: {reason}"
        );
        return;
    }
    let run = |tool: &str, args: &[&str]| {
        let output = Command::new(ui.join("node_modules/.bin").join(tool))
            .args(args)
            .current_dir(&ui)
            .output()
            .unwrap_or_else(|e| panic!("{tool} runs: {e}"));
        assert!(
            output.status.success(),
            "{tool} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run("tsc", &["--noEmit"]);
    run("vitest", &["run", "--reporter=dot"]);
}
