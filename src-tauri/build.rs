//! Embeds the Tauri configuration and the built UI (`ui/dist`) into the binary, and declares the
//! app's commands so that the window may call only those its capability lists
//! (`capabilities/default.json`).

/// Every command of `main.rs`'s handler; each becomes an `allow-…` permission.
const COMMANDS: &[&str] = &[
    "status",
    "press",
    "release",
    "hands_free",
    "new_person",
    "someone_here",
    "ask",
    "replay",
    "slower",
    "not_what_i_asked",
    "speak_label",
    "settings_set",
    "procedures",
    "settings_get",
    "set_language",
    "settings_info",
    "import_models",
    "removable_folders",
    "kiosk",
    "invite",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("the Tauri build step");
}
