//! Silero VAD and the endpointer on real speech (needs `aoun models fetch` first: the Silero
//! model and onnxruntime of the registry pack; AOUN_MODELS_DIR points at another store).
//! The speech is the English Piper voice's sample questions, placed over silence and noise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aoun_audio::{
    read_wav, rms_dbfs, AudioSource, EndpointConfig, EndpointEvent, Endpointer, Pacing, SileroVad,
    Timeline, Utterance, Vad, VadError, WavSource, SPEECH_RATE,
};

mod common;
use common::{models_dir, onnxruntime};

fn silero() -> SileroVad {
    let dir = models_dir();
    SileroVad::load(&dir.join("silero-vad/silero_vad.onnx"), &onnxruntime(&dir))
        .expect("load Silero VAD")
}

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("sample folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 3, "{paths:?}");
    paths
}

/// One sample question by name.
fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name)
}

/// Where the voice in a clean clip starts and ends (first and last 10 ms above -45 dBFS).
fn voiced_span(path: &Path) -> (f32, f32) {
    let (audio, _) = read_wav(path).expect("read sample");
    let audio = audio.resampled(SPEECH_RATE);
    let window = SPEECH_RATE as usize / 100;
    let loud: Vec<usize> = audio
        .samples
        .chunks(window)
        .enumerate()
        .filter(|(_, w)| rms_dbfs(w) > -45.0)
        .map(|(i, _)| i)
        .collect();
    let first = *loud.first().expect("voiced");
    let last = *loud.last().expect("voiced");
    (first as f32 * 0.01, (last + 1) as f32 * 0.01)
}

fn utterances(timeline: &Timeline) -> Vec<Utterance> {
    let mut source = WavSource::new(timeline, Pacing::Unpaced);
    let mut endpointer = Endpointer::new(silero(), EndpointConfig::default());
    let mut found = Vec::new();
    let mut started = 0;
    while let Some(frame) = source.next_frame().expect("frame") {
        for event in endpointer.push(&frame).expect("vad") {
            match event {
                EndpointEvent::SpeechStarted { .. } => started += 1,
                EndpointEvent::SpeechEnded(u) => found.push(u),
            }
        }
    }
    found.extend(endpointer.finish());
    assert_eq!(started, found.len(), "every utterance is announced once");
    found
}

#[test]
fn model_reads_speech_and_silence() {
    let mut vad = silero();
    assert_eq!(vad.frame_len(), 512);
    let (audio, _) = read_wav(&samples()[0]).unwrap();
    let audio = audio.resampled(SPEECH_RATE);
    let probabilities: Vec<f32> = audio
        .samples
        .chunks_exact(512)
        .map(|f| vad.speech_probability(f).unwrap())
        .collect();
    let speechy = probabilities.iter().filter(|p| **p > 0.5).count();
    assert!(speechy * 2 > probabilities.len(), "{probabilities:?}");
    vad.reset();
    for _ in 0..30 {
        assert!(vad.speech_probability(&[0.0; 512]).unwrap() < 0.1);
    }
    assert!(matches!(
        vad.speech_probability(&[0.0; 480]),
        Err(VadError::FrameLength {
            expected: 512,
            got: 480
        })
    ));
    // Non-finite input is read as silence, not a crash.
    assert!(vad.speech_probability(&[f32::NAN; 512]).is_ok());
}

#[test]
fn one_utterance_per_spoken_clip_with_close_boundaries() {
    for path in samples() {
        let (clip, _) = read_wav(&path).unwrap();
        let (on, off) = voiced_span(&path);
        let lead = 1.5;
        let timeline = Timeline::new()
            .clip(Duration::from_secs_f32(lead), clip)
            .noise(-60.0)
            .length(Duration::from_secs(6));
        let found = utterances(&timeline);
        assert_eq!(found.len(), 1, "{path:?}: {found:?}");
        let u = &found[0];
        let start = u.speech_start.as_secs_f32() - lead;
        let end = u.speech_end.as_secs_f32() - lead;
        eprintln!(
            "{}: voice {on:.2}-{off:.2} s, detected {start:.2}-{end:.2} s",
            path.file_name().unwrap().to_string_lossy()
        );
        assert!((start - on).abs() <= 0.2, "{path:?} start {start} vs {on}");
        assert!((end - off).abs() <= 0.2, "{path:?} end {end} vs {off}");
        assert!(!u.truncated);
        // The pre-roll keeps the first syllable: the audio begins before the voice.
        assert!(u.audio_start < u.speech_start);
    }
}

#[test]
fn questions_in_a_row_are_separate_utterances() {
    let mut timeline = Timeline::new().noise(-55.0);
    let mut count = 0;
    for path in samples() {
        let (clip, _) = read_wav(&path).unwrap();
        timeline = timeline.then(Duration::from_millis(1200), clip);
        count += 1;
    }
    let timeline = timeline.length(Duration::from_secs(12));
    let found = utterances(&timeline);
    assert_eq!(found.len(), count, "{found:?}");
}

#[test]
fn silence_and_low_noise_make_no_utterance() {
    for noise in [-70.0, -50.0, -40.0] {
        let timeline = Timeline::new().noise(noise).length(Duration::from_secs(8));
        let found = utterances(&timeline);
        assert!(found.is_empty(), "noise at {noise} dBFS: {found:?}");
    }
    assert!(utterances(&Timeline::new().length(Duration::from_secs(3))).is_empty());
}

#[test]
fn runtime_setup_may_happen_any_number_of_times() {
    let dir = models_dir();
    let runtime = dir.join("onnxruntime/libonnxruntime.so.1.32.0");
    aoun_onnx::init(&runtime).unwrap();
    aoun_onnx::init(&runtime).unwrap();
    let mut a = silero();
    let mut b = silero();
    let frame = vec![0.0f32; 512];
    assert!(a.speech_probability(&frame).is_ok() && b.speech_probability(&frame).is_ok());
    let err = SileroVad::load(&dir.join("silero-vad/missing.onnx"), &runtime).unwrap_err();
    assert!(matches!(err, VadError::Model { .. }), "{err}");
    // A model that is not Silero is refused with the reason.
    let other = dir.join("tashkeel/model.onnx");
    if other.is_file() {
        let err = SileroVad::load(&other, &runtime).unwrap_err();
        assert!(err.to_string().contains("not a Silero VAD"), "{err}");
    }
}

/// A person interrupts the answer being played: the endpointer hears them, the listener stops the
/// loudspeaker at once, and the sink's history shows the answer cut at that moment.
#[test]
fn barge_in_stops_playback_where_the_person_spoke() {
    use aoun_audio::{AudioSink, WavSink};
    let (answer, _) = read_wav(&sample("en-id-card-documents.wav")).unwrap();
    let (question, _) = read_wav(&sample("en-passport-fee.wav")).unwrap();
    let speed = Pacing::Speed(2.0);
    let mut endpointer = Endpointer::new(silero(), EndpointConfig::default());
    let mut sink = WavSink::new(22_050, speed);
    let control = sink.control();
    let interrupt_at = 1.0;
    // A headset: the microphone hears the person and not the loudspeaker.
    let timeline = Timeline::new()
        .clip(Duration::from_secs_f32(interrupt_at), question)
        .noise(-60.0)
        .length(Duration::from_secs(4));
    let mut source = WavSource::new(&timeline, speed);
    sink.play(&answer).unwrap();
    sink.play(&answer).unwrap();
    let mut heard_at = None;
    let mut ended = 0;
    let mut source_start_on_sink = None;
    while let Some(frame) = source.next_frame().unwrap() {
        // Where the microphone's clock starts on the loudspeaker's clock (queuing takes time).
        source_start_on_sink.get_or_insert_with(|| {
            control.clock().saturating_sub(Duration::from_secs_f32(
                frame.len() as f32 / SPEECH_RATE as f32,
            ))
        });
        for event in endpointer.push(&frame).unwrap() {
            match event {
                EndpointEvent::SpeechStarted { at } => {
                    assert!(control.stop(), "the answer was still playing");
                    heard_at = Some((at, control.clock()));
                }
                EndpointEvent::SpeechEnded(_) => ended += 1,
            }
        }
    }
    assert_eq!(ended, 1);
    let (at, stopped_at) = heard_at.expect("the interruption was heard");
    assert!((at.as_secs_f32() - interrupt_at).abs() < 0.2, "{at:?}");
    let history = sink.history();
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(!history[0].completed && !history[1].completed);
    // The cut comes after the person started; how long after depends on the machine's load
    // (min_speech plus scheduling), which tests do not assert: `aoun bench` measures it.
    let mic_zero = source_start_on_sink.unwrap_or_default();
    let cut = stopped_at.saturating_sub(mic_zero).as_secs_f32();
    eprintln!("interruption at {interrupt_at} s, heard from {at:?}, answer stopped at {cut:.2} s");
    assert!(
        cut > interrupt_at,
        "{history:?} {stopped_at:?} {mic_zero:?}"
    );
    assert_eq!(
        history[1].start, history[1].end,
        "the second answer never played"
    );
    assert!(!control.is_playing());
}
