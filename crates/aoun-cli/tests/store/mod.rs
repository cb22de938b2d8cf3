//! Model folders for the tests: the installed store, and a copy of it with some models left out.

use std::path::PathBuf;

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
