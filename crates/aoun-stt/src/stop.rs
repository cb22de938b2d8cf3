//! Stopping a whisper.cpp run from another thread.
//!
//! whisper-rs 0.16's closure-based abort callback hands whisper.cpp a pointer of the wrong type
//! (a boxed trait object read back as the closure itself), so the callback answers with whatever
//! those bytes hold and runs abort at random. The flag is handed over directly instead.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

use whisper_rs::FullParams;

/// whisper.cpp calls this between computations: true stops the run.
unsafe extern "C" fn stop_requested(flag: *mut c_void) -> bool {
    // SAFETY: `flag` is the `AtomicBool` given to `stop_when`, which outlives the run.
    unsafe { (*(flag as *const AtomicBool)).load(Ordering::Relaxed) }
}

/// Makes the run of `params` stop once `flag` is set. `flag` must outlive the run (the
/// `full` call that takes `params`).
pub(crate) fn stop_when(params: &mut FullParams<'_, '_>, flag: &AtomicBool) {
    // SAFETY: the callback only reads the flag through the pointer, as an atomic; the caller
    // keeps the flag alive for the run.
    unsafe {
        params.set_abort_callback(Some(stop_requested));
        params.set_abort_callback_user_data(flag as *const AtomicBool as *mut c_void);
    }
}
