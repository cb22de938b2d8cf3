//! The window is granted only what it uses: its capability lists the app's own commands (each
//! one registered in `main.rs` and declared in `build.rs`) and following events, nothing of
//! Tauri's file, shell, dialog, window or network APIs; the content security policy loads
//! nothing from outside the app.

use std::collections::BTreeSet;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{MANIFEST_DIR}/{path}")).expect(path)
}

/// The command names of `main.rs`'s `generate_handler!`.
fn registered_commands() -> BTreeSet<String> {
    let main = read("src/main.rs");
    let start = main
        .find("generate_handler![")
        .expect("the command handler");
    let end = start + main[start..].find(']').expect("the end of the handler");
    main[start..end]
        .split("commands::")
        .skip(1)
        .map(|c| c.trim_end_matches(|ch: char| !ch.is_alphanumeric() && ch != '_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_window_may_call_the_apps_commands_and_nothing_else() {
    let commands = registered_commands();
    assert!(
        commands.contains("status") && commands.len() > 10,
        "{commands:?}"
    );

    // build.rs declares the same commands (a command missing there could not be granted).
    let build = read("build.rs");
    for command in &commands {
        assert!(
            build.contains(&format!("\"{command}\"")),
            "{command} is not in build.rs"
        );
    }

    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names").to_string())
        .collect();
    let mut expected: BTreeSet<String> = commands
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(granted, expected);
}

#[test]
fn the_content_security_policy_loads_nothing_from_outside() {
    let config: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = config["app"]["security"]["csp"]
        .as_str()
        .expect("a content security policy");
    for directive in csp.split(';').map(str::trim) {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap_or_default();
        for source in words {
            // The app's own files, inline images, and the app's command channel only.
            let allowed = ["'self'", "'none'", "data:", "ipc:", "http://ipc.localhost"];
            assert!(
                allowed.contains(&source),
                "{name} allows {source}, which is not the app's own"
            );
        }
    }
    assert!(
        csp.contains("default-src 'self'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
}
