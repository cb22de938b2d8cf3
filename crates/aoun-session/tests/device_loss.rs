//! A microphone that disappears mid-turn (tier 1: scripted engines, and a simulated microphone
//! that fails on cue, since these machines have no sound card): the turn ends with one sentence,
//! `run` returns the error, and running again on the reconnected device goes on with the same
//! conversation.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::Duration;

use aoun_audio::{
    Audio, AudioSource, DeviceError, DeviceKind, EnergyVad, Pacing, Timeline, WavSink, WavSource,
};
use aoun_guide::{Guide, Lang};
use aoun_session::{LiveConfig, LiveEvent, LiveSession, Pipeline, Voice};
use aoun_stt::{CancelToken, SpeechToText, SttError, Transcript};
use aoun_tts::{TextToSpeech, TtsError};

/// Hears the next question of its script, whatever the audio.
struct ScriptedEars(VecDeque<&'static str>);

impl SpeechToText for ScriptedEars {
    fn transcribe(
        &mut self,
        _: &[f32],
        _: Option<&str>,
        _: &CancelToken,
    ) -> Result<Transcript, SttError> {
        let text = self.0.pop_front().ok_or(SttError::NoAudio)?;
        Ok(Transcript {
            text: text.into(),
            language: "en".into(),
            language_probability: None,
        })
    }
}

/// Speaks two seconds of tone per sentence.
struct ToneVoice;

impl TextToSpeech for ToneVoice {
    fn synthesize(&mut self, _: &str) -> Result<Audio, TtsError> {
        Ok(tone(2.0))
    }

    fn set_rate(&mut self, _: f32) {}
}

fn tone(seconds: f32) -> Audio {
    Audio {
        samples: (0..(seconds * 16_000.0) as usize)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect(),
        sample_rate: 16_000,
    }
}

/// A microphone unplugged after `frames` frames.
struct Unplugged {
    inner: WavSource,
    frames: usize,
}

impl AudioSource for Unplugged {
    fn frame_len(&self) -> usize {
        self.inner.frame_len()
    }

    fn next_frame(&mut self) -> Result<Option<Vec<f32>>, DeviceError> {
        if self.frames == 0 {
            return Err(DeviceError::Disconnected {
                device: DeviceKind::Microphone,
            });
        }
        self.frames -= 1;
        self.inner.next_frame()
    }
}

/// One spoken question (a second of tone) and some silence, four times faster than real time.
fn microphone() -> WavSource {
    let timeline = Timeline::new()
        .clip(Duration::from_millis(300), tone(1.0))
        .length(Duration::from_secs(6));
    WavSource::new(&timeline, Pacing::Speed(4.0))
}

fn events_of(
    session: &mut LiveSession<EnergyVad>,
    source: &mut dyn AudioSource,
) -> (Result<(), DeviceError>, Vec<LiveEvent>) {
    let mut sink = WavSink::new(16_000, Pacing::Speed(4.0));
    let (_controls_tx, controls) = mpsc::channel();
    let (events_tx, events) = mpsc::channel();
    let outcome = session.run(source, &mut sink, &controls, &events_tx);
    drop(events_tx);
    (outcome, events.iter().collect())
}

#[test]
fn a_microphone_lost_mid_turn_ends_the_turn_and_the_session_goes_on_when_it_returns() {
    let pipeline = Pipeline::new(
        Box::new(ScriptedEars(VecDeque::from([
            "How much does a passport cost?",
            "And where do I apply?",
        ]))),
        None,
        vec![Voice {
            languages: vec![Lang::En],
            engine: Box::new(ToneVoice),
        }],
        Guide::embedded(),
    );
    let config = LiveConfig {
        language: Some("en".into()),
        ..LiveConfig::default()
    };
    let mut session = LiveSession::new(pipeline, EnergyVad::default(), config);

    // Unplugged 2.4 s into the stream: after the question's end was detected (1.3 s of audio
    // plus 0.6 s of silence), while the answer is under way.
    let mut unplugged = Unplugged {
        inner: microphone(),
        frames: 75,
    };
    let (outcome, events) = events_of(&mut session, &mut unplugged);
    assert!(
        matches!(outcome, Err(DeviceError::Disconnected { .. })),
        "{outcome:?}"
    );
    let lost = events.iter().find_map(|e| match e {
        LiveEvent::DeviceLost { message } => Some(message.clone()),
        _ => None,
    });
    let lost = lost.unwrap_or_else(|| panic!("no device-lost event: {events:#?}"));
    assert!(lost.contains("microphone disappeared"), "{lost}");
    assert!(
        events.iter().any(|e| matches!(e, LiveEvent::Heard { .. })),
        "the turn had begun: {events:#?}"
    );

    // The microphone is back: the same conversation goes on, the follow-up is understood.
    let (outcome, events) = events_of(&mut session, &mut microphone());
    assert!(outcome.is_ok(), "{outcome:?}");
    let answer = events.iter().find_map(|e| match e {
        LiveEvent::Answer { answer, .. } => Some(answer.clone()),
        _ => None,
    });
    let answer = answer.unwrap_or_else(|| panic!("no answer after reconnecting: {events:#?}"));
    assert_eq!(answer.card.as_deref(), Some("passport"), "{answer:?}");
    assert_eq!(answer.aspect.as_deref(), Some("place"), "{answer:?}");
}
