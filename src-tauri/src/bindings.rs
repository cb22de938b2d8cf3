//! The window's TypeScript types, generated from the Rust types the app sends it, so the two
//! cannot drift apart. `ui/src/bindings.ts` is committed; this test fails when it is out of
//! date and rewrites it when run with `AOUN_UPDATE_BINDINGS=1`.

use std::path::Path;

use ts_rs::{Config, TS};

/// Every type the window receives, in the order the file lists them.
fn declarations() -> Vec<String> {
    // Counters and milliseconds stay far below 2^53, so a JavaScript number holds them.
    let config = Config::new().with_large_int("number");
    let declare = |decl: String| format!("export {decl}");
    vec![
        declare(aoun_core::Lang::decl(&config)),
        declare(aoun_core::SentenceKind::decl(&config)),
        declare(aoun_core::Sentence::decl(&config)),
        declare(aoun_stt::Transcript::decl(&config)),
        declare(aoun_session::State::decl(&config)),
        declare(aoun_session::Presence::decl(&config)),
        declare(aoun_session::AnswerSource::decl(&config)),
        declare(aoun_session::StageTimings::decl(&config)),
        declare(aoun_session::AnswerReport::decl(&config)),
        declare(aoun_session::LiveEvent::decl(&config)),
        declare(aoun_desk::VoiceInfo::decl(&config)),
        declare(aoun_desk::Engine::decl(&config)),
        declare(crate::session::Phase::decl(&config)),
        declare(crate::session::LoadStep::decl(&config)),
        declare(crate::session::ImportProgress::decl(&config)),
        declare(crate::microphone::DeviceProblem::decl(&config)),
        declare(crate::session::Status::decl(&config)),
        declare(crate::commands::Procedure::decl(&config)),
        declare(crate::commands::ModelRow::decl(&config)),
        declare(crate::commands::DeskInfo::decl(&config)),
        declare(crate::kiosk::Kiosk::decl(&config)),
        declare(crate::settings::Settings::decl(&config)),
    ]
}

fn generated() -> String {
    let mut text = String::from(
        "// Generated from the app's Rust types by `src-tauri/src/bindings.rs`: do not edit by hand.\n\
         // After changing one of those types, run `AOUN_UPDATE_BINDINGS=1 cargo test -p aoun-app bindings`.\n\n",
    );
    for declaration in declarations() {
        text.push_str(&declaration);
        text.push_str("\n\n");
    }
    text.pop();
    text
}

#[test]
fn the_window_types_match_the_app_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let expected = generated();
    if std::env::var_os("AOUN_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write ui/src/bindings.ts");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "ui/src/bindings.ts is out of date: run `AOUN_UPDATE_BINDINGS=1 cargo test -p aoun-app bindings`"
    );
}
