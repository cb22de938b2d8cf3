//! Piper speaks, Whisper listens: the registry pack's English voice and Whisper base must agree
//! (needs `aoun models fetch`).

use aoun_models::ModelStore;
use aoun_stt::{word_errors, CancelToken, SpeechToText, WhisperOptions, WhisperStt};
use aoun_tts::{PiperVoice, SpeechRuntime, TextToSpeech};

/// Six sentences (60 words): Piper draws fresh noise for every synthesis, and now and then one
/// sentence comes out slurred; over six, one such sentence does not decide the rate, a voice or
/// a recognizer that is wrong does.
const SENTENCES: [&str; 6] = [
    "I would like to renew my national identity card.",
    "How much does a passport cost for an adult?",
    "Where can I get a copy of my birth certificate?",
    "Which documents do I need to register with the social security fund?",
    "The office opens at half past eight in the morning.",
    "Please bring two photos and the old card with you.",
];

#[test]
fn word_error_rate_of_the_english_voice_is_at_most_ten_percent() {
    let store = ModelStore::open(None).unwrap();
    let runtime = SpeechRuntime {
        onnxruntime: store.verified_path("onnxruntime").unwrap(),
        espeak_data: store
            .verified_path("espeak-ng-data")
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf(),
    };
    // A test program has threads already; none of them reads the environment.
    runtime.prepare();
    runtime.init().unwrap();
    let mut voice =
        PiperVoice::load(&store.verified_path("piper-en_US-joe-medium").unwrap()).unwrap();
    let mut stt = WhisperStt::load(
        &store.verified_path("whisper-base").unwrap(),
        WhisperOptions::default(),
    )
    .unwrap();

    let (mut errors, mut total) = (0, 0);
    for sentence in SENTENCES {
        let speech = voice.synthesize(sentence).unwrap().resampled(16_000);
        assert!(
            speech.duration_secs() > 1.0,
            "{sentence}: {} s",
            speech.duration_secs()
        );
        // The language is told from the first second, as a live session asks it while the
        // person is still talking.
        let first_second = &speech.samples[..16_000];
        let (language, probability) = stt.detect_language(first_second).unwrap().unwrap();
        assert_eq!(language, "en", "{sentence}");
        assert!(probability > 0.5, "{sentence}: {probability}");
        let transcript = stt
            .transcribe(&speech.samples, None, &CancelToken::new())
            .unwrap();
        assert_eq!(transcript.language, "en", "{sentence}");
        let (sentence_errors, words) = word_errors(sentence, &transcript.text);
        println!(
            "{sentence} -> {} ({sentence_errors} errors)",
            transcript.text
        );
        errors += sentence_errors;
        total += words;
    }
    let wer = errors as f64 / total as f64;
    println!("word error rate {:.1}% over {total} words", wer * 100.0);
    assert!(wer <= 0.10, "word error rate {:.1}%", wer * 100.0);
}
