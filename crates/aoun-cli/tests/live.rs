//! The live conversation end to end: a microphone simulated from spoken questions (this machine
//! has no sound card), real Silero VAD, Whisper, guide and Piper, a loudspeaker simulated in
//! memory that the microphone hears through a small office (reverberation, the sound card's
//! delay, a fan's hum), and the echo canceller between them.

use std::process::Command;

use serde_json::Value;

mod common;
use common::sample;

/// Runs `aoun --json listen ARGS` and returns its events.
fn listen(args: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_aoun"))
        .args(["--json", "listen"])
        .args(args)
        .output()
        .expect("run aoun listen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn position(events: &[Value], kind: &str) -> Option<usize> {
    events.iter().position(|e| e["event"] == kind)
}

fn two_questions_get_two_answers_in_order_without_hearing_itself() {
    let events = listen(&[
        "--no-llm",
        "--wav",
        &sample("en-passport-fee.wav"),
        "--wav",
        &sample("en-id-card-documents.wav"),
        "--gap",
        "14",
    ]);
    let answers = of_kind(&events, "answer");
    assert_eq!(answers.len(), 2, "{events:#?}");
    assert_eq!(answers[0]["answer"]["card"], "passport");
    assert_eq!(answers[0]["answer"]["aspect"], "fee");
    assert_eq!(answers[1]["answer"]["card"], "cnie_renewal");
    assert_eq!(answers[1]["answer"]["aspect"], "documents");
    // Aoun's own voice came back through the microphone, and did not interrupt it.
    assert!(of_kind(&events, "interrupted").is_empty(), "{events:#?}");
    for answer in answers {
        assert!(
            answer["timings"]["voice_to_first_audio_ms"].is_u64(),
            "{answer}"
        );
    }
    // The states follow the turn: listening, transcribing, thinking, speaking, idle.
    let states: Vec<&str> = of_kind(&events, "state")
        .iter()
        .filter_map(|e| e["state"].as_str())
        .collect();
    let first_turn: Vec<&str> = states.iter().copied().take(5).collect();
    assert_eq!(
        first_turn,
        ["listening", "transcribing", "thinking", "speaking", "idle"]
    );
}

fn speaking_over_the_answer_stops_it_and_the_new_question_is_answered() {
    // The ID-card answer lasts about nine seconds; the passport question comes in the middle.
    let events = listen(&[
        "--no-llm",
        "--wav",
        &sample("en-id-card-documents.wav"),
        "--at",
        "0.5",
        "--wav",
        &sample("en-passport-fee.wav"),
        "--at",
        "8",
        "--tail",
        "10",
    ]);
    let interrupted = position(&events, "interrupted").expect("an interruption");
    // Over a playing answer, about 100 ms of speech stops it (three 32 ms frames).
    if let Some(heard) = events[interrupted]["heard_ms"].as_u64() {
        assert!(heard <= 100, "{}", events[interrupted]);
    }
    let last_answer = events
        .iter()
        .rposition(|e| e["event"] == "answer")
        .expect("an answer");
    assert!(last_answer > interrupted, "{events:#?}");
    assert_eq!(
        events[last_answer]["answer"]["card"], "passport",
        "{events:#?}"
    );
    // Nothing of the first answer is spoken after the interruption.
    let spoken_after: Vec<&Value> = events[interrupted..]
        .iter()
        .filter(|e| e["event"] == "speaking")
        .collect();
    assert!(
        spoken_after
            .iter()
            .all(|e| !e["text"].as_str().unwrap_or_default().contains("photo")),
        "{spoken_after:#?}"
    );
}

fn silence_and_noise_start_no_turn() {
    let dir = tempfile::tempdir().unwrap();
    let silence = dir.path().join("silence.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&silence, spec).unwrap();
    // Five seconds of faint hiss.
    let mut seed = 12_345u32;
    for _ in 0..16_000 * 5 {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        writer.write_sample(((seed >> 16) as i16) / 512).unwrap();
    }
    writer.finalize().unwrap();
    let events = listen(&[
        "--no-llm",
        "--wav",
        silence.to_str().unwrap(),
        "--tail",
        "1",
    ]);
    assert!(of_kind(&events, "heard").is_empty(), "{events:#?}");
    assert!(of_kind(&events, "answer").is_empty(), "{events:#?}");
}

fn push_to_talk_answers_what_was_said_while_the_button_was_held() {
    let events = listen(&[
        "--no-llm",
        "--push-to-talk",
        "--wav",
        &sample("en-residence-certificate-place.wav"),
        "--tail",
        "6",
    ]);
    let answers = of_kind(&events, "answer");
    assert_eq!(answers.len(), 1, "{events:#?}");
    assert_eq!(answers[0]["answer"]["card"], "residence_certificate");
}

/// The card's topic and first sentence are spoken at once; the language model words the rest.
fn with_the_language_model_the_card_speaks_first_and_the_model_goes_on() {
    let events = listen(&["--wav", &sample("en-cnss-registration.wav"), "--tail", "16"]);
    let answer = position(&events, "answer").expect("an answer");
    let spoken: Vec<&str> = events[..answer]
        .iter()
        .filter(|e| e["event"] == "speaking")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    // What the guide answers to what was heard: the card's sentence does not name the
    // procedure, so its topic leads, then the card's first sentence as written.
    let heard = of_kind(&events, "heard")[0]["transcript"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let card = match aoun_guide::Guide::embedded().respond(
        &mut aoun_guide::Dialogue::default(),
        &heard,
        Some(aoun_guide::Lang::En),
    ) {
        aoun_guide::Reply::Answer(answer) => answer.spoken(),
        other => panic!("{heard:?}: {other:?}"),
    };
    assert!(spoken.len() >= 2, "{events:#?}");
    assert_eq!(spoken[0], card.topic.expect("a topic").text);
    assert_eq!(spoken[1], card.card[0].text, "{spoken:?}");
    assert_eq!(events[answer]["answer"]["card"], "cnss_registration");
    assert!(events[answer]["timings"]["llm_first_token_ms"].is_u64());
}

/// The scenarios run one after the other: each is a real-time conversation, and running them
/// side by side on a small machine would measure the machine, not the session.
#[test]
fn live_session() {
    two_questions_get_two_answers_in_order_without_hearing_itself();
    speaking_over_the_answer_stops_it_and_the_new_question_is_answered();
    silence_and_noise_start_no_turn();
    push_to_talk_answers_what_was_said_while_the_button_was_held();
    with_the_language_model_the_card_speaks_first_and_the_model_goes_on();
}
