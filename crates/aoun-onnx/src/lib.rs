//! onnxruntime, the engine of Aoun's voices (Piper, the Arabic diacritizer) and listening models
//! (the voice detector, the end-of-turn detector), set up in one place:
//!
//! - [`prepare`], first thing in each program's `main` while it has a single thread: onnxruntime
//!   reads its telemetry switch from the environment, which is only sound to change then;
//! - [`init`], which loads the shared library once per process;
//! - [`session`], through which every model opens, so all share one memory policy.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::Session;

/// The environment variable that keeps onnxruntime from sending usage events: the official
/// Linux build (1.29 on) sends them to its vendor and keeps a device identifier on disk unless it
/// is set before the runtime's environment is created (seen as name lookups of the vendor's event
/// host under strace). Aoun sends nothing.
const TELEMETRY_OFF: &str = "ORT_DISABLE_TELEMETRY";

/// The library loaded in this process, once [`init`] has succeeded.
static LOADED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The onnxruntime library could not be loaded; one sentence for a person.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot load the onnxruntime library {path}: {reason}")]
pub struct RuntimeError {
    /// Library path as given.
    pub path: String,
    /// Loader's reason.
    pub reason: String,
}

/// Turns onnxruntime's telemetry off for the whole process. Aoun's programs call it first thing
/// in `main`, while they have a single thread: changing the environment is only sound then.
pub fn prepare() {
    std::env::set_var(TELEMETRY_OFF, "1");
}

/// Loads onnxruntime from `library`, its telemetry off, unless this process already loaded it:
/// the first library loaded stays loaded and later calls only report success. A library that is
/// not there yet is not remembered as a failure, so it loads once a model pack brings it.
pub fn init(library: &Path) -> Result<(), RuntimeError> {
    let mut loaded = LOADED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if loaded.is_some() {
        return Ok(());
    }
    let failed = |reason: String| RuntimeError {
        path: library.display().to_string(),
        reason,
    };
    if !library.is_file() {
        return Err(failed("the file does not exist".into()));
    }
    // Programs other than Aoun's own (tests, fuzzers) may not have called `prepare`.
    if std::env::var_os(TELEMETRY_OFF).is_none() {
        prepare();
    }
    let builder = ort::init_from(library).map_err(|e| failed(e.to_string()))?;
    // `false` only means the runtime's environment was made before; it keeps its settings.
    let _first = builder.with_name("aoun").with_telemetry(false).commit();
    *loaded = Some(library.to_path_buf());
    Ok(())
}

/// Whether [`init`] has succeeded in this process.
pub fn ready() -> bool {
    LOADED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_some()
}

/// Opens an onnx model for inference on the CPU, with `threads` threads per operator (onnxruntime
/// picks when `None`). Every onnx model of Aoun opens through here, so all share one memory
/// policy: onnxruntime's CPU arena is off. The arena never gives memory back and grows in
/// doubling steps whenever its free space is too fragmented for a request, so over a long kiosk
/// day resident memory climbed by a further 64 or 128 MiB at unpredictable turns; without it,
/// each run's buffers are freed when the run ends. [`init`] must have succeeded.
pub fn session(model: &Path, threads: Option<usize>) -> ort::Result<Session> {
    let mut builder = Session::builder()?
        // The CPU provider's default is to allocate without the arena.
        .with_execution_providers([ort::ep::CPU::default().build()])?
        // Memory patterns plan one block per input shape; every sentence has its own shape.
        .with_memory_pattern(false)?;
    if let Some(threads) = threads {
        builder = builder.with_intra_threads(threads)?.with_inter_threads(1)?;
    }
    builder.commit_from_file(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_one_sentence_and_not_remembered() {
        let error = init(Path::new("/nonexistent/libonnxruntime.so")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot load the onnxruntime library /nonexistent/libonnxruntime.so: the file does not exist"
        );
        assert!(!ready());
    }
}
