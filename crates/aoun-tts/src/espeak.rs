//! espeak-ng: the phonemizer behind every Piper voice, and a voice of its own for languages
//! without an installed Piper voice (so Arabic and French are always spoken).
//!
//! espeak-ng is one global C library state. Every call into it, phonemizing or synthesizing, goes
//! through [`ESPEAK`] so two threads never interleave. This is the only module with `unsafe`:
//! the synthesis calls that espeak-rs does not wrap.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_short, c_uint, c_void, CString};
use std::sync::{Mutex, MutexGuard};

use aoun_core::{sentence, Audio};

use crate::{TextToSpeech, TtsError};

/// Serialises every use of the espeak-ng library.
static ESPEAK: Mutex<()> = Mutex::new(());
/// Samples handed over by espeak-ng's synthesis callback.
static SAMPLES: Mutex<Vec<i16>> = Mutex::new(Vec::new());

/// espeak-ng's usual output rate for its own voices (used if the library does not say).
pub const ESPEAK_SAMPLE_RATE: u32 = 22_050;
/// espeak-ng's default speaking rate, in words per minute.
const DEFAULT_WPM: f32 = 175.0;

fn lock() -> MutexGuard<'static, ()> {
    ESPEAK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn espeak_error(e: espeak_rs::ESpeakError) -> TtsError {
    TtsError::Engine(format!("the pronunciation engine failed ({})", e.0))
}

/// Phonemes (IPA) of `text` read by the espeak-ng voice `voice`, one string per sentence,
/// with the clause punctuation kept (`,` `;` `:` `.` `!` `?`, Arabic marks as their Latin
/// forms) as Piper voices were trained: it gives them their pauses and intonation.
/// Initialises espeak-ng on first use from the data folder given to [`crate::SpeechRuntime`].
pub fn phonemize(text: &str, voice: &str) -> Result<Vec<String>, TtsError> {
    if text.contains('\0') {
        return Err(TtsError::Engine("the text holds a NUL character".into()));
    }
    let _guard = lock();
    let mut sentences = Vec::new();
    let mut current = String::new();
    for (clause, mark) in sentence::clauses(text) {
        let phonemes = espeak_rs::text_to_phonemes(clause, voice, None)
            .map_err(espeak_error)?
            .join(" ");
        let phonemes = phonemes.trim_end_matches(['.', ',', '?', '!', ' ']).trim();
        if !current.is_empty() && !current.ends_with(' ') && !phonemes.is_empty() {
            current.push(' ');
        }
        current.push_str(phonemes);
        match mark {
            Some(c @ (',' | ';' | ':')) => {
                current.push(c);
                current.push(' ');
            }
            Some(c) => {
                current.push(c);
                sentences.push(std::mem::take(&mut current).trim().to_string());
            }
            None => {}
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        sentences.push(rest.to_string());
    }
    Ok(sentences)
}

/// A voice of espeak-ng itself: robotic but intelligible, and present for every language.
#[derive(Debug)]
pub struct EspeakVoice {
    voice: String,
    rate: f32,
}

impl EspeakVoice {
    /// The espeak-ng voice named `voice` (`ar`, `fr`, `en-us`...). Fails when espeak-ng's data
    /// has no such voice. [`crate::SpeechRuntime::init`] must have succeeded first.
    pub fn new(voice: &str) -> Result<Self, TtsError> {
        if !crate::piper::runtime_ready() {
            return Err(TtsError::Voice {
                path: format!("espeak-ng {voice}"),
                reason: "the speech runtime is not set up".into(),
            });
        }
        // Loading the voice once checks it exists (and initialises espeak-ng).
        phonemize("a", voice).map_err(|_| TtsError::Voice {
            path: format!("espeak-ng {voice}"),
            reason: "espeak-ng's data has no such voice".into(),
        })?;
        Ok(Self {
            voice: voice.to_string(),
            rate: 1.0,
        })
    }

    /// The espeak-ng voice name.
    pub fn name(&self) -> &str {
        &self.voice
    }
}

/// Receives synthesized samples from espeak-ng.
///
/// SAFETY (for the callers, espeak-ng): `wav` points to `count` valid samples or is null.
unsafe extern "C" fn on_samples(
    wav: *mut c_short,
    count: c_int,
    _events: *mut espeak_rs_sys::espeak_EVENT,
) -> c_int {
    if wav.is_null() || count <= 0 {
        return 0;
    }
    // SAFETY: espeak-ng passes a buffer of `count` samples that lives for this call; it is only
    // read here.
    let samples = unsafe { std::slice::from_raw_parts(wav, count as usize) };
    SAMPLES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .extend_from_slice(samples);
    0
}

impl TextToSpeech for EspeakVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::EmptyText);
        }
        // Initialises espeak-ng (through espeak-rs) if nothing has yet, and checks the voice.
        phonemize("a", &self.voice)?;
        let c_text = CString::new(text)
            .map_err(|_| TtsError::Engine("the text holds a NUL character".into()))?;
        let c_voice = CString::new(self.voice.as_str())
            .map_err(|_| TtsError::Engine("the voice name holds a NUL character".into()))?;
        let wpm = (DEFAULT_WPM * self.rate).round() as c_int;

        let _guard = lock();
        SAMPLES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        // SAFETY: espeak-ng was initialised by `phonemize` above (espeak-rs keeps that state for
        // the process), and the global lock keeps other threads out while its state is changed.
        // `c_text` and `c_voice` outlive the calls; `espeak_Synchronize` returns only when every
        // sample has been handed to `on_samples`, so nothing refers to `c_text` afterwards.
        let status = unsafe {
            espeak_rs_sys::espeak_SetSynthCallback(Some(on_samples));
            let mut status = espeak_rs_sys::espeak_SetVoiceByName(c_voice.as_ptr());
            if status == espeak_rs_sys::espeak_ERROR_EE_OK {
                status = espeak_rs_sys::espeak_SetParameter(
                    espeak_rs_sys::espeak_PARAMETER_espeakRATE,
                    wpm,
                    0,
                );
            }
            if status == espeak_rs_sys::espeak_ERROR_EE_OK {
                status = espeak_rs_sys::espeak_Synth(
                    c_text.as_ptr() as *const c_void,
                    c_text.as_bytes_with_nul().len(),
                    0,
                    espeak_rs_sys::espeak_POSITION_TYPE_POS_CHARACTER,
                    0,
                    espeak_rs_sys::espeakCHARS_UTF8 as c_uint,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                );
            }
            if status == espeak_rs_sys::espeak_ERROR_EE_OK {
                status = espeak_rs_sys::espeak_Synchronize();
            }
            status
        };
        let samples = std::mem::take(
            &mut *SAMPLES
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        if status != espeak_rs_sys::espeak_ERROR_EE_OK {
            return Err(TtsError::Engine(format!(
                "espeak-ng could not speak with the voice `{}` (code {status})",
                self.voice
            )));
        }
        // SAFETY: a plain getter of the initialised library, still under the global lock.
        let rate = unsafe { espeak_rs_sys::espeak_ng_GetSampleRate() };
        Ok(Audio {
            samples: samples.iter().map(|&s| f32::from(s) / 32_768.0).collect(),
            sample_rate: u32::try_from(rate)
                .ok()
                .filter(|r| (8_000..=48_000).contains(r))
                .unwrap_or(ESPEAK_SAMPLE_RATE),
        })
    }

    fn set_rate(&mut self, rate: f32) {
        self.rate = rate.clamp(0.5, 2.0);
    }

    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        phonemize(text, &self.voice)
    }

    fn describe(&self) -> String {
        format!("espeak-ng voice `{}`", self.voice)
    }
}
