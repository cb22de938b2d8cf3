//! What the model tests share: where the installed models are.

use std::path::PathBuf;

/// The models folder (`AOUN_MODELS_DIR`, else the user's data folder).
pub fn models_dir() -> PathBuf {
    std::env::var_os("AOUN_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "aoun").map(|d| d.data_dir().join("models"))
        })
        .expect("no models directory: set AOUN_MODELS_DIR or run `aoun models fetch`")
}

/// The registry pack's onnxruntime library in `dir`.
pub fn onnxruntime(dir: &std::path::Path) -> PathBuf {
    dir.join("onnxruntime/libonnxruntime.so.1.32.0")
}
