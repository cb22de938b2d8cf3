//! onnxruntime, the engine of Aoun's voices (Piper, the Arabic diacritizer) and listening models
//! (the voice detector, the end-of-turn detector), set up in one place:
//!
//! - [`prepare`], first thing in each program's `main` while it has a single thread: onnxruntime
//!   reads its telemetry switch from the environment, which is only sound to change then;
//! - [`init`], which loads the shared library once per process;
//! - [`session`], through which every model opens, so all share one memory policy ([`Memory`]).

#![allow(unsafe_code)] // the shared arena is only reachable through onnxruntime's C API

use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
use ort::session::Session;
use ort::AsPointer;

/// The environment variable that keeps onnxruntime from sending usage events: the official
/// Linux build (1.29 on) sends them to its vendor and keeps a device identifier on disk unless it
/// is set before the runtime's environment is created (seen as name lookups of the vendor's event
/// host under strace). Aoun sends nothing.
const TELEMETRY_OFF: &str = "ORT_DISABLE_TELEMETRY";

/// The library loaded in this process, once [`init`] has succeeded.
static LOADED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The environment variable that names the [`Memory`] policy when [`set_memory`] was not called.
const MEMORY_VARIABLE: &str = "AOUN_ONNX_MEMORY";

/// The policy [`set_memory`] chose, if it was called.
static MEMORY: Mutex<Option<Memory>> = Mutex::new(None);

/// Whether this process registered a shared arena on onnxruntime's environment: the first
/// shared policy a session asks for decides its settings for the life of the process.
static SHARED: Mutex<bool> = Mutex::new(false);

/// How onnxruntime finds the working memory of a model's runs (the tensors between its
/// operators). Every session takes the policy in force when it opens: [`set_memory`], else
/// `AOUN_ONNX_MEMORY` (`direct`, `arena`, `shared-exact` or `shared-presized`), else
/// [`Memory::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// No arena: each tensor comes from the C allocator and is freed when its run ends.
    Direct,
    /// The session's own arena, onnxruntime's default: it grows in doubling steps whenever its
    /// free space is too fragmented for a request and never gives memory back.
    Arena,
    /// One arena for every session of the process, registered on onnxruntime's environment,
    /// that grows by exactly what a request lacks (`kSameAsRequested`), up to [`ARENA_BOUND`].
    SharedExact,
    /// One arena for every session of the process, its first block pre-sized to
    /// [`ARENA_FIRST_BLOCK`], then grown in doubling steps of at most that much, up to
    /// [`ARENA_BOUND`].
    SharedPresized,
}

/// The most a shared arena holds; a run that would need more fails.
pub const ARENA_BOUND: usize = 512 << 20;
/// The first block of [`Memory::SharedPresized`], and its largest step after that.
pub const ARENA_FIRST_BLOCK: usize = 64 << 20;

impl Memory {
    /// The policy of Aoun's programs.
    pub const DEFAULT: Memory = Memory::Direct;
    /// Every policy, by name.
    pub const ALL: [Memory; 4] = [
        Memory::Direct,
        Memory::Arena,
        Memory::SharedExact,
        Memory::SharedPresized,
    ];

    /// Its name in `AOUN_ONNX_MEMORY` and in the benchmarks' reports.
    pub fn name(self) -> &'static str {
        match self {
            Memory::Direct => "direct",
            Memory::Arena => "arena",
            Memory::SharedExact => "shared-exact",
            Memory::SharedPresized => "shared-presized",
        }
    }

    /// The policy named `name`.
    pub fn from_name(name: &str) -> Option<Memory> {
        Memory::ALL.into_iter().find(|m| m.name() == name.trim())
    }

    fn shared(self) -> bool {
        matches!(self, Memory::SharedExact | Memory::SharedPresized)
    }
}

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
    let mut loaded = lock(&LOADED);
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
    lock(&LOADED).is_some()
}

/// Sets the [`Memory`] policy of the sessions opened from now on in this process.
pub fn set_memory(memory: Memory) {
    *lock(&MEMORY) = Some(memory);
}

/// The [`Memory`] policy the next session opens with: the one [`set_memory`] set, else the one
/// `AOUN_ONNX_MEMORY` names, else [`Memory::DEFAULT`].
pub fn memory() -> Memory {
    lock(&MEMORY).unwrap_or_else(|| {
        std::env::var(MEMORY_VARIABLE)
            .ok()
            .and_then(|name| Memory::from_name(&name))
            .unwrap_or(Memory::DEFAULT)
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens an onnx model for inference on the CPU, with `threads` threads per operator (onnxruntime
/// picks when `None`). Every onnx model of Aoun opens through here, so all share one memory
/// policy, [`memory`]. Without an arena (the default), each run's buffers are freed when the run
/// ends. onnxruntime's own arena never gives memory back and grows in doubling steps whenever its
/// free space is too fragmented for a request, so over a long kiosk day resident memory climbed by
/// a further 64 or 128 MiB at unpredictable turns. [`init`] must have succeeded.
pub fn session(model: &Path, threads: Option<usize>) -> ort::Result<Session> {
    let memory = memory();
    let mut builder = Session::builder()?
        .with_execution_providers([ort::ep::CPU::default()
            .with_arena_allocator(memory == Memory::Arena)
            .build()])?
        // Memory patterns plan one block per input shape; every sentence has its own shape.
        .with_memory_pattern(false)?;
    if memory.shared() {
        register_shared_arena(memory)?;
        builder = builder.with_env_allocators()?;
    }
    if let Some(threads) = threads {
        builder = builder.with_intra_threads(threads)?.with_inter_threads(1)?;
    }
    builder.commit_from_file(model)
}

/// Registers the arena that `memory` describes on onnxruntime's environment, unless this process
/// did already.
fn register_shared_arena(memory: Memory) -> ort::Result<()> {
    let mut shared = lock(&SHARED);
    if *shared {
        return Ok(());
    }
    // onnxruntime's arena settings (OrtArenaCfg); its extension strategy 1 is kSameAsRequested.
    let settings: &[(&CStr, usize)] = match memory {
        Memory::SharedExact => &[(c"max_mem", ARENA_BOUND), (c"arena_extend_strategy", 1)],
        _ => &[
            (c"max_mem", ARENA_BOUND),
            (c"arena_extend_strategy", 0),
            (c"initial_chunk_size_bytes", ARENA_FIRST_BLOCK),
            (c"max_power_of_two_extend_bytes", ARENA_FIRST_BLOCK),
        ],
    };
    let keys: Vec<*const c_char> = settings.iter().map(|(k, _)| k.as_ptr()).collect();
    let values: Vec<usize> = settings.iter().map(|(_, v)| *v).collect();
    // The CPU memory the arena serves, as sessions look it up.
    let info = MemoryInfo::new(
        AllocationDevice::CPU,
        0,
        AllocatorType::Arena,
        MemoryType::Default,
    )?;
    let environment = ort::environment::current()?;
    let api = ort::api();
    let mut config = std::ptr::null_mut();
    // SAFETY: the keys are NUL-terminated and live, as many as the values; `config` receives a
    // new arena configuration, released below once the environment has copied it.
    let status =
        unsafe { (api.CreateArenaCfgV2)(keys.as_ptr(), values.as_ptr(), keys.len(), &mut config) };
    // SAFETY: a status just returned by onnxruntime, owned from here on.
    unsafe { ort::Error::result_from_status(status) }?;
    // SAFETY: the environment and the memory description are alive; the environment copies
    // the configuration.
    let status = unsafe {
        (api.CreateAndRegisterAllocator)(environment.ptr().cast_mut(), info.ptr(), config)
    };
    // SAFETY: `config` came from CreateArenaCfgV2 and is released once.
    unsafe { (api.ReleaseArenaCfg)(config) };
    // SAFETY: as above.
    unsafe { ort::Error::result_from_status(status) }?;
    *shared = true;
    Ok(())
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

    #[test]
    fn every_memory_policy_is_named_once() {
        for memory in Memory::ALL {
            assert_eq!(Memory::from_name(memory.name()), Some(memory));
        }
        assert_eq!(Memory::from_name("no such policy"), None);
    }
}
