//! What the command's tests share: running `aoun`, the sample questions, the installed models
//! folder and a copy of it with some models left out. Each test file uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `aoun args` and waits for it.
pub fn aoun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aoun"))
        .args(args)
        .output()
        .expect("run aoun")
}

/// The path of a sample question in `assets/samples`.
pub fn sample(name: &str) -> String {
    format!("{}/../../assets/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The installed models folder.
pub fn models_root() -> PathBuf {
    aoun_models::resolve_root(None).expect("a models folder")
}

/// A models folder that links to the installed models, except those in `skip`.
pub fn linked_store(skip: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(models_root()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !skip.contains(&name.to_str().unwrap()) {
            std::os::unix::fs::symlink(entry.path(), dir.path().join(&name)).unwrap();
        }
    }
    dir
}
