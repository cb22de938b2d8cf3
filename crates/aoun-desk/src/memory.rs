//! The C allocator's policy for the engines' large working buffers.
#![allow(unsafe_code)]

/// Blocks from this size up get a memory mapping of their own, given back when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_MAPPING_FROM: libc::c_int = 1 << 20;

/// Keeps the engines' per-turn buffers (whisper.cpp's spectrogram and compute buffers,
/// onnxruntime's tensors) from settling in the heap. glibc raises the size from which a block
/// gets its own mapping each time such a block is freed, up to 32 MiB; past that, these
/// buffers are carved from heaps that keep the freed memory, and resident memory wandered by
/// about 10 % from one turn to the next. A fixed threshold turns that adjustment off: measured
/// with `aoun bench soak`, memory then stays within 2 % over hundreds of turns.
pub(crate) fn give_back_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it may be called at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM);
    }
}
