//! The `.onnx.json` config of a Piper voice installed beside its model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(voice) = aoun_tts::voice_config(text) {
        assert!(!voice.is_empty());
    }
});
