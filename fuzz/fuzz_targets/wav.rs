//! WAV files as a person might hand them to `aoun converse --wav`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((audio, info)) = aoun_audio::read_wav_from(data, "fuzz input") {
        assert!(!audio.samples.is_empty());
        assert!(info.seconds <= aoun_audio::MAX_QUESTION_SECONDS);
        assert_eq!(audio.sample_rate, info.sample_rate);
    }
});
