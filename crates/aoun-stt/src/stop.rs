//! Stopping a whisper.cpp run from another thread.
//!
//! whisper-rs 0.16's closure-based abort callback hands whisper.cpp a pointer of the wrong type
//! (a boxed trait object read back as the closure itself), so the callback answers with whatever
//! those bytes hold and runs abort at random. The token is handed over directly instead.
#![allow(unsafe_code)]

use std::ffi::c_void;

use aoun_core::CancelToken;
use whisper_rs::FullParams;

/// whisper.cpp calls this between computations: true stops the run.
unsafe extern "C" fn stop_requested(token: *mut c_void) -> bool {
    // SAFETY: `token` is the `CancelToken` given to `stop_when`, which outlives the run.
    unsafe { (*(token as *const CancelToken)).is_cancelled() }
}

/// Makes the run of `params` stop once `token` is cancelled. `token` must outlive the run (the
/// `full` call that takes `params`).
pub(crate) fn stop_when(params: &mut FullParams<'_, '_>, token: &CancelToken) {
    // SAFETY: the callback only reads the token through the pointer (atomics inside); the
    // caller keeps the token alive for the run.
    unsafe {
        params.set_abort_callback(Some(stop_requested));
        params.set_abort_callback_user_data(token as *const CancelToken as *mut c_void);
    }
}
