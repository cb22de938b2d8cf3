//! Which GPUs whisper.cpp can use in this build.

use std::ffi::CStr;

use whisper_rs::whisper_rs_sys as sys;

/// A GPU whisper.cpp's ggml sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpu {
    /// The ggml backend that drives it: `CUDA`, `Vulkan` or `Metal`.
    pub backend: String,
    /// The device's own description, such as the card's name.
    pub name: String,
    /// Its index among the GPUs, as [`crate::WhisperOptions::gpu_device`] wants it.
    pub index: i32,
}

/// The GPU backends this build of whisper.cpp was compiled with (cargo features `cuda`,
/// `vulkan`, `metal`); empty for the default CPU-only build.
pub fn gpu_backends() -> Vec<&'static str> {
    let mut backends = Vec::new();
    if cfg!(feature = "cuda") {
        backends.push("cuda");
    }
    if cfg!(feature = "vulkan") {
        backends.push("vulkan");
    }
    if cfg!(feature = "metal") {
        backends.push("metal");
    }
    backends
}

/// The GPUs present, in the order whisper.cpp numbers them; always empty in a CPU-only build.
pub fn gpus() -> Vec<Gpu> {
    let mut gpus = Vec::new();
    if gpu_backends().is_empty() {
        return gpus;
    }
    // SAFETY: ggml's device registry is initialised on first use and lives for the whole process;
    // the returned names are static NUL-terminated strings owned by ggml.
    #[allow(unsafe_code)]
    unsafe {
        for i in 0..sys::ggml_backend_dev_count() {
            let device = sys::ggml_backend_dev_get(i);
            if device.is_null() {
                continue;
            }
            let kind = sys::ggml_backend_dev_type(device);
            if kind != sys::ggml_backend_dev_type_GGML_BACKEND_DEVICE_TYPE_GPU
                && kind != sys::ggml_backend_dev_type_GGML_BACKEND_DEVICE_TYPE_IGPU
            {
                continue;
            }
            let text = |p: *const std::os::raw::c_char| {
                if p.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(p).to_string_lossy().into_owned()
                }
            };
            let backend = text(sys::ggml_backend_reg_name(
                sys::ggml_backend_dev_backend_reg(device),
            ));
            gpus.push(Gpu {
                backend,
                name: text(sys::ggml_backend_dev_description(device)),
                index: gpus.len() as i32,
            });
        }
    }
    gpus
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cpu_only_build_sees_no_gpu() {
        if gpu_backends().is_empty() {
            assert!(gpus().is_empty());
        }
    }
}
