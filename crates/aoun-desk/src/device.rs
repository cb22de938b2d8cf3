//! Which device each engine runs on: chosen at start with `--device`, falling back to the CPU
//! with one sentence when the GPU asked for is absent or this build lacks it.

use serde::Serialize;

use crate::LoadProgress;

/// The device asked for at start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DeviceChoice {
    /// The GPU this build supports when one is present, else the CPU.
    #[default]
    Auto,
    /// The CPU only.
    Cpu,
    /// An NVIDIA GPU through CUDA (speech recognition and the language model).
    Cuda,
    /// An Apple GPU through Metal (speech recognition and the language model).
    Metal,
    /// A GPU through Vulkan (speech recognition; the language model stays on the CPU).
    Vulkan,
}

impl DeviceChoice {
    fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::Metal => "metal",
            Self::Vulkan => "vulkan",
        }
    }

    /// Why this GPU cannot be used: this build lacks it, or `absent` says it is not there.
    fn unusable(self, built: bool, absent: String) -> String {
        if built {
            absent
        } else {
            format!(
                "this build has no {} support (cargo feature `{}`)",
                self.display(),
                self.name()
            )
        }
    }

    fn display(self) -> &'static str {
        match self {
            Self::Auto => "a GPU",
            Self::Cpu => "the CPU",
            Self::Cuda => "CUDA",
            Self::Metal => "Metal",
            Self::Vulkan => "Vulkan",
        }
    }
}

/// What each engine runs on (`cpu`, or the GPU backend and device); `None` when not loaded.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Devices {
    /// Speech recognition (whisper.cpp).
    pub speech_recognition: Option<String>,
    /// The local language model (candle).
    pub language_model: Option<String>,
}

/// How whisper.cpp is to run for `choice`: `(use_gpu, gpu index, device shown, fallback sentence)`.
pub(crate) fn for_speech(choice: DeviceChoice) -> (bool, i32, String, Option<String>) {
    let cpu = |why: Option<String>| (false, 0, "cpu".to_string(), why);
    if choice == DeviceChoice::Cpu {
        return cpu(None);
    }
    let built = aoun_stt::gpu_backends();
    let gpus = aoun_stt::gpus();
    let wanted = |backend: &str| match choice {
        DeviceChoice::Auto => true,
        other => backend.eq_ignore_ascii_case(other.name()),
    };
    if let Some(gpu) = gpus.iter().find(|g| wanted(&g.backend)) {
        let shown = format!("{} ({})", gpu.backend.to_ascii_lowercase(), gpu.name);
        return (true, gpu.index, shown, None);
    }
    if choice == DeviceChoice::Auto {
        return cpu(None);
    }
    let why = choice.unusable(
        built.contains(&choice.name()),
        format!("no {} GPU was found", choice.display()),
    );
    cpu(Some(format!("speech recognition runs on the CPU: {why}")))
}

/// The candle device for `choice`, what it is called, and the fallback sentence if any.
pub fn for_language_model(choice: DeviceChoice) -> (candle_core::Device, String, Option<String>) {
    let cpu = |why: Option<String>| (candle_core::Device::Cpu, "cpu".to_string(), why);
    let cuda = || candle_core::Device::new_cuda(0);
    let metal = || candle_core::Device::new_metal(0);
    let (opened, feature_built) = match choice {
        DeviceChoice::Cpu => return cpu(None),
        // candle has no Vulkan backend: the language model runs on the CPU, as documented.
        DeviceChoice::Vulkan => return cpu(None),
        DeviceChoice::Auto => {
            if candle_core::utils::cuda_is_available() {
                if let Ok(device) = cuda() {
                    return (device, "cuda:0".to_string(), None);
                }
            }
            if candle_core::utils::metal_is_available() {
                if let Ok(device) = metal() {
                    return (device, "metal:0".to_string(), None);
                }
            }
            return cpu(None);
        }
        DeviceChoice::Cuda => (cuda(), candle_core::utils::cuda_is_available()),
        DeviceChoice::Metal => (metal(), candle_core::utils::metal_is_available()),
    };
    match opened {
        Ok(device) => (device, format!("{}:0", choice.name()), None),
        Err(e) => {
            // candle's error may carry a backtrace on the lines after its message.
            let e = e.to_string();
            let e = e.lines().next().unwrap_or_default().trim();
            let why = choice.unusable(
                feature_built,
                format!("no {} GPU could be opened ({e})", choice.display()),
            );
            cpu(Some(format!("the language model runs on the CPU: {why}")))
        }
    }
}

/// Says a fallback to the CPU (one sentence) where load problems are said, and notes it.
pub(crate) fn tell_fallback(
    sentence: Option<String>,
    fallbacks: &mut Vec<String>,
    progress: &mut dyn LoadProgress,
) {
    if let Some(sentence) = sentence {
        tracing::warn!(%sentence, "device");
        progress.degraded(&sentence);
        fallbacks.push(sentence);
    }
}
