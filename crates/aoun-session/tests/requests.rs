//! Requests a window makes of a live session without speaking (tier 1: the real guide, a voice
//! that notes what it says and at which speed, no sound card: silence in, a loudspeaker that
//! plays into nothing).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aoun_audio::{Audio, AudioSink, EnergyVad, Pacing, WavSink, WavSource};
use aoun_guide::{Guide, Lang};
use aoun_session::{
    AnswerSource, Control, IdleWipe, LiveConfig, LiveEvent, LiveSession, Pipeline, Request, Voice,
};
use aoun_tts::{TextToSpeech, TtsError};

mod common;
use common::NoEars;

type Log = Arc<Mutex<Vec<String>>>;

/// Speaks a short tone per sentence, and notes what it spoke at which speed.
struct NotingVoice {
    log: Log,
    rate: f32,
}

impl TextToSpeech for NotingVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("{text} @{:.2}", self.rate));
        Ok(Audio {
            samples: (0..1600).map(|i| (i as f32 * 0.05).sin() * 0.3).collect(),
            sample_rate: 16_000,
        })
    }

    fn set_rate(&mut self, rate: f32) {
        self.rate = rate;
    }
}

fn session(log: &Log) -> LiveSession<EnergyVad> {
    session_with(log, LiveConfig::default())
}

fn session_with(log: &Log, config: LiveConfig) -> LiveSession<EnergyVad> {
    let pipeline = Pipeline::new(
        Box::new(NoEars),
        None,
        vec![Voice {
            languages: Lang::ALL.to_vec(),
            engine: Box::new(NotingVoice {
                log: log.clone(),
                rate: 1.0,
            }),
        }],
        Guide::embedded(),
    );
    LiveSession::new(pipeline, EnergyVad::default(), config)
}

/// Runs the session over half a second of silence with these requests, until their turn has
/// been played; returns the events.
fn run(session: &mut LiveSession<EnergyVad>, requests: Vec<Request>) -> Vec<LiveEvent> {
    let controls = requests.into_iter().map(Control::Request).collect();
    run_for(session, controls, 0.5, Pacing::Unpaced)
}

/// Runs the session over `seconds` of silence read at `pacing`, with these controls, until the
/// last turn has been played; returns the events.
fn run_for(
    session: &mut LiveSession<EnergyVad>,
    controls: Vec<Control>,
    seconds: f32,
    pacing: Pacing,
) -> Vec<LiveEvent> {
    let silence = Audio {
        samples: vec![0.0; (seconds * 16_000.0) as usize],
        sample_rate: 16_000,
    };
    let mut source = WavSource::from_audio(&silence, pacing);
    let mut sink = WavSink::new(16_000, Pacing::Unpaced);
    let (controls_tx, controls_rx) = mpsc::channel();
    for control in controls {
        controls_tx.send(control).unwrap();
    }
    let controls = controls_rx;
    let (events_tx, events) = mpsc::channel();
    session
        .run(&mut source, &mut sink, &controls, &events_tx)
        .unwrap();
    drop(events_tx);
    events.iter().collect()
}

fn spoken(events: &[LiveEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Speaking { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// A follow-up that names no procedure ("how much does it cost?") is not taken as being about
/// the passport, once the conversation that was about it is forgotten.
fn assert_the_follow_up_is_not_about_the_passport(session: &mut LiveSession<EnergyVad>) {
    let events = run(
        session,
        vec![Request::Ask {
            text: "how much does it cost?".into(),
            lang: Some(Lang::En),
        }],
    );
    assert_ne!(
        answer(&events).expect("an answer").card.as_deref(),
        Some("passport")
    );
}

fn answer(events: &[LiveEvent]) -> Option<aoun_session::AnswerReport> {
    events.iter().find_map(|e| match e {
        LiveEvent::Answer { answer, .. } => Some(answer.clone()),
        _ => None,
    })
}

#[test]
fn a_question_asked_without_speaking_is_answered_replayed_slower_and_taken_back() {
    let log: Log = Arc::default();
    let mut session = session(&log);

    // A picture or a typed question: answered and spoken as if it had been heard.
    let events = run(
        &mut session,
        vec![Request::Ask {
            text: "passport".into(),
            lang: Some(Lang::En),
        }],
    );
    let heard = events.iter().find_map(|e| match e {
        LiveEvent::Heard { transcript, .. } => Some(transcript.text.clone()),
        _ => None,
    });
    assert_eq!(heard.as_deref(), Some("passport"));
    let first = answer(&events).expect("an answer");
    assert_eq!(first.card.as_deref(), Some("passport"));
    assert_eq!(first.lang, Lang::En);
    assert!(!spoken(&events).is_empty());

    // Replay says the same sentences again; slower says them more slowly, then the voice
    // goes back to its speed.
    let events = run(&mut session, vec![Request::Replay { slower: false }]);
    assert_eq!(answer(&events).expect("the answer again").text, first.text);
    log.lock().unwrap().clear();
    let events = run(&mut session, vec![Request::Replay { slower: true }]);
    assert_eq!(answer(&events).expect("the answer again").text, first.text);
    let said = log.lock().unwrap().clone();
    let slower = format!("@{:.2}", aoun_tts::SLOWER_RATE);
    assert!(said.iter().all(|s| s.ends_with(&slower)), "{said:?}");

    // A control's name is spoken, and it is not an answer.
    log.lock().unwrap().clear();
    let events = run(
        &mut session,
        vec![Request::Say {
            text: "Say it again".into(),
            lang: Lang::En,
        }],
    );
    assert_eq!(spoken(&events), ["Say it again"]);
    assert!(answer(&events).is_none());
    assert_eq!(log.lock().unwrap().as_slice(), ["Say it again @1.00"]);

    // "That is not what I asked": the topic is forgotten and the question asked again, so a
    // follow-up no longer means the passport.
    let events = run(&mut session, vec![Request::NotWhatIAsked]);
    let back = answer(&events).expect("a question back");
    assert_eq!(back.source, AnswerSource::NotUnderstood);
    assert_eq!(
        back.text,
        "I did not understand. Which document or procedure do you need?"
    );
    assert_the_follow_up_is_not_about_the_passport(&mut session);
}

#[test]
fn a_kiosk_wipes_the_conversation_of_someone_who_left_after_a_countdown() {
    let log: Log = Arc::default();
    let config = LiveConfig {
        idle_wipe: Some(IdleWipe {
            after: Duration::from_millis(1500),
            countdown: Duration::from_millis(1000),
            listen_while_away: false,
        }),
        ..LiveConfig::default()
    };
    let mut session = session_with(&log, config);
    // Someone touches the screen and asks about the passport, then walks away.
    let controls = vec![
        Control::SomeoneHere,
        Control::Request(Request::Ask {
            text: "passport".into(),
            lang: Some(Lang::En),
        }),
    ];
    let events = run_for(&mut session, controls, 3.0, Pacing::RealTime);
    let told: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Presence { presence } => Some(format!("{presence:?}")),
            LiveEvent::HandsFree { on } => Some(format!("hands-free {on}")),
            LiveEvent::Answer { .. } => Some("answer".into()),
            _ => None,
        })
        .collect();
    assert_eq!(
        told,
        [
            // Nobody there, and a simulated microphone waits for a touch.
            "hands-free false",
            "Away",
            // The touch: someone is there and is listened to.
            "Here",
            "hands-free true",
            "answer",
            // Nobody speaks or touches: the last second is counted, then all is wiped.
            "Leaving { seconds: 1 }",
            "Away",
            "hands-free false",
        ],
        "{events:?}"
    );
    assert_eq!(
        answer(&events).and_then(|a| a.card).as_deref(),
        Some("passport")
    );

    // The next person's follow-up does not mean the last person's passport.
    assert_the_follow_up_is_not_about_the_passport(&mut session);
}

#[test]
fn the_voice_speed_applies_to_every_later_answer() {
    let log: Log = Arc::default();
    let mut session = session(&log);
    run(
        &mut session,
        vec![
            Request::SpeechRate(80),
            Request::EndSilence(Duration::from_millis(900)),
        ],
    );
    // The speed is set off the audio loop: give it a moment.
    std::thread::sleep(Duration::from_millis(200));
    run(
        &mut session,
        vec![Request::Ask {
            text: "passport".into(),
            lang: Some(Lang::En),
        }],
    );
    let said = log.lock().unwrap().clone();
    assert!(
        !said.is_empty() && said.iter().all(|s| s.ends_with("@0.80")),
        "{said:?}"
    );
}

#[test]
fn each_sentence_is_announced_when_it_starts_playing_not_when_it_is_queued() {
    let log: Log = Arc::default();
    let mut session = session(&log);
    let silence = Audio {
        samples: vec![0.0; 8000],
        sample_rate: 16_000,
    };
    let mut source = WavSource::from_audio(&silence, Pacing::Unpaced);
    // Each sentence is 0.1 s of audio, played at 20 times real time: the voice queues all three
    // long before the first has been played.
    let mut sink = WavSink::new(16_000, Pacing::Speed(20.0));
    let playback = sink.control();
    let (controls_tx, controls) = mpsc::channel();
    controls_tx
        .send(Control::Request(Request::Say {
            text: "One. Two. Three.".into(),
            lang: Lang::En,
        }))
        .unwrap();
    let (events_tx, events) = mpsc::channel();
    // How many clips had been played to their end when each sentence was announced.
    let watcher = std::thread::spawn(move || {
        events
            .iter()
            .filter_map(|event| match event {
                LiveEvent::Speaking { text, .. } => {
                    let played = playback.history().iter().filter(|c| c.completed).count();
                    Some((text, played))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    session
        .run(&mut source, &mut sink, &controls, &events_tx)
        .unwrap();
    drop(events_tx);
    let announced = watcher.join().unwrap();
    let texts: Vec<&str> = announced.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, ["One.", "Two.", "Three."]);
    for (i, (text, played)) in announced.iter().enumerate() {
        assert!(*played >= i, "`{text}` was announced after {played} clips");
    }
}
