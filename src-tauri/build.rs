//! Embeds the Tauri configuration and the built UI (`ui/dist`) into the binary.

fn main() {
    tauri_build::build();
}
