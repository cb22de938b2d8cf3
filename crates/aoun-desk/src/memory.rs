//! Giving the engines' freed working memory back to the system.
#![allow(unsafe_code)]

use aoun_audio::Audio;
use aoun_tts::{TextToSpeech, TtsError};

/// A voice that gives the memory its synthesis freed back to the system after each sentence.
///
/// onnxruntime runs without its arena (see `aoun_onnx::session`), so each sentence's
/// tensors come from the C allocator and are freed when the sentence is done. glibc keeps freed
/// blocks in its heaps for reuse, and resident memory wandered by about 10 % from one turn to the
/// next (`aoun bench soak`). Trimming the heaps once per sentence costs 3 to 12 ms and holds it
/// flat (321 to 323 MiB over 300 turns). Giving every large block a mapping of its own (a fixed
/// mmap threshold) held it flat too, but made synthesis 1.7 times slower: each tensor was mapped
/// and zeroed afresh.
pub(crate) struct GivesMemoryBack<T>(pub(crate) T);

impl<T: TextToSpeech> TextToSpeech for GivesMemoryBack<T> {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        let audio = self.0.synthesize(text);
        give_back_freed_memory();
        audio
    }

    fn set_rate(&mut self, rate: f32) {
        self.0.set_rate(rate);
    }

    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        self.0.phonemes(text)
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
