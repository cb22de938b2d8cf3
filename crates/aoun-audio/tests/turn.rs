//! Smart Turn v3 on real speech (needs `aoun models fetch` first: the Smart Turn model and
//! onnxruntime of the registry pack; AOUN_MODELS_DIR points at another store). The speech is
//! the English voice's sample questions. Its features were checked against the model's own
//! Python feature extractor on a sample (largest difference 1e-5).

use std::path::{Path, PathBuf};

use aoun_audio::{read_wav, SmartTurn, TurnDetector, SPEECH_RATE};

mod common;
use common::{models_dir, onnxruntime};

fn smart_turn() -> SmartTurn {
    let dir = models_dir();
    SmartTurn::load(
        &dir.join("smart-turn/smart-turn-v3.2-cpu.onnx"),
        &onnxruntime(&dir),
    )
    .expect("load Smart Turn")
}

/// Each sample question's speech, at 16 kHz, without the silence around it.
fn questions() -> Vec<(String, Vec<f32>)> {
    let dir = std::env::var_os("PROBE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("sample folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let (audio, _) = read_wav(path).expect("a sample");
            let audio = audio.resampled(SPEECH_RATE);
            let loud = |s: &&f32| s.abs() > 0.01;
            let start = audio.samples.iter().position(|s| loud(&s)).unwrap_or(0);
            let end = audio.samples.iter().rposition(|s| loud(&s)).unwrap_or(0);
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, audio.samples[start..=end].to_vec())
        })
        .collect()
}

#[test]
fn each_sample_question_followed_by_a_short_pause_is_a_finished_turn() {
    let mut turn = smart_turn();
    // What the endpointer gives it: the speech, and the 200 ms pause after which it asks.
    let pause = vec![0.0; SPEECH_RATE as usize / 5];
    for (name, speech) in questions() {
        let finished = turn
            .finished_probability(&[speech, pause.clone()].concat())
            .expect("a probability");
        assert!(finished > 0.5, "{name}: {finished}");
    }
}

#[test]
fn a_file_that_is_not_the_model_is_refused_in_one_sentence() {
    let dir = models_dir();
    let not_it = dir.join("silero-vad/silero_vad.onnx");
    let error = SmartTurn::load(&not_it, &onnxruntime(&dir)).expect_err("Silero is no turn model");
    let text = error.to_string();
    assert!(text.contains("not a Smart Turn v3 model"), "{text}");
    let missing =
        SmartTurn::load(&dir.join("nothing.onnx"), &onnxruntime(&dir)).expect_err("no file");
    assert!(missing.to_string().contains("does not exist"), "{missing}");
}
