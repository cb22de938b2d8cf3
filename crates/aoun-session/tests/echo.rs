//! Aoun's own voice coming back through a room (tier 1: the real guide and echo canceller, a
//! loudness detector, a voice that plays a recorded sentence, the simulated hall: 0.8 s of
//! reverberation, 120 ms of device delay, clocks 100 ppm apart; no sound card).

use std::sync::mpsc;
use std::time::Duration;

use aoun_audio::{Audio, AudioSink, EnergyVad, Pacing, RoomSpec, Timeline, WavSink, WavSource};
use aoun_guide::{Guide, Lang};
use aoun_session::{Control, LiveConfig, LiveEvent, LiveSession, Pipeline, Request, Voice};
use aoun_tts::{TextToSpeech, TtsError};

mod common;
use common::NoEars;

/// A sample question, as Piper spoke it.
fn sample(name: &str) -> Audio {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name);
    aoun_audio::read_wav(&path).unwrap().0
}

/// Says every sentence with the same recorded voice.
struct RecordedVoice(Audio);

impl TextToSpeech for RecordedVoice {
    fn synthesize(&mut self, _: &str) -> Result<Audio, TtsError> {
        Ok(self.0.clone())
    }

    fn set_rate(&mut self, _: f32) {}
}

/// When the person speaks over the answer in [`typed_question_in_the_hall`].
const OVER_THE_ANSWER: Duration = Duration::from_secs(4);

/// Asks about the passport by typing, in a quiet hall, and returns what the session did while
/// the answer played: with nobody speaking, or with `person` speaking over it (from
/// [`OVER_THE_ANSWER`]).
fn typed_question_in_the_hall(echo_cancel: bool, person: Option<Audio>) -> Vec<LiveEvent> {
    let pipeline = Pipeline::new(
        Box::new(NoEars),
        None,
        vec![Voice {
            languages: Lang::ALL.to_vec(),
            engine: Box::new(RecordedVoice(sample("en-id-card-documents.wav"))),
        }],
        Guide::embedded(),
    );
    let config = LiveConfig {
        echo_cancel,
        ..LiveConfig::default()
    };
    let mut session = LiveSession::new(pipeline, EnergyVad::default(), config);
    // The hall's hum, well under the loudness detector's threshold.
    let hall = RoomSpec {
        noise_dbfs: -60.0,
        ..RoomSpec::kiosk("hall").unwrap()
    };
    let mut sink = WavSink::new(22_050, Pacing::RealTime);
    let mut heard = Timeline::new();
    if let Some(person) = person {
        heard = heard.clip(OVER_THE_ANSWER, person);
    }
    let mut source = WavSource::new(&heard.length(Duration::from_secs(9)), Pacing::RealTime)
        .with_room(sink.control(), hall, &[]);
    let (controls_tx, controls) = mpsc::channel();
    controls_tx
        .send(Control::Request(Request::Ask {
            text: "How do I get a passport?".into(),
            lang: Some(Lang::En),
        }))
        .unwrap();
    let (events_tx, events) = mpsc::channel();
    session
        .run(&mut source, &mut sink, &controls, &events_tx)
        .unwrap();
    drop(events_tx);
    events.iter().collect()
}

fn interruptions(events: &[LiveEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, LiveEvent::Interrupted { .. }))
        .count()
}

/// A person at the kiosk asking about the passport, 6 dB quieter than Aoun's voice arriving at
/// the microphone.
fn person() -> Audio {
    let question = sample("en-passport-fee.wav");
    Audio {
        samples: question.samples.iter().map(|s| s * 0.5).collect(),
        ..question
    }
}

#[test]
fn with_the_canceller_the_answer_plays_to_its_end_over_its_own_echo() {
    let events = typed_question_in_the_hall(true, None);
    assert_eq!(interruptions(&events), 0, "{events:#?}");
    let spoken = events
        .iter()
        .filter(|e| matches!(e, LiveEvent::Speaking { .. }))
        .count();
    assert!(spoken >= 2, "{events:#?}");
    assert!(
        events.iter().any(|e| matches!(e, LiveEvent::Answer { .. })),
        "{events:#?}"
    );
}

#[test]
fn with_the_canceller_a_person_quieter_than_the_echo_stops_the_answer() {
    let events = typed_question_in_the_hall(true, Some(person()));
    let heard_ms = events.iter().find_map(|e| match e {
        LiveEvent::Interrupted { heard_ms } => Some(*heard_ms),
        _ => None,
    });
    // Stopped after about 100 ms of their speech.
    assert!(
        heard_ms.is_some_and(|ms| ms.is_some_and(|ms| ms <= 100)),
        "{events:#?}"
    );
}

#[test]
fn without_the_canceller_the_hall_s_echo_stops_the_answer() {
    // The half-duplex gate alone: the hall's delay and reverberation outlast what it compares.
    let events = typed_question_in_the_hall(false, None);
    assert!(interruptions(&events) >= 1, "{events:#?}");
}
