//! Streaming order, with scripted engines (tier 1: no models). What is checked is when things
//! happen, which real engines cannot make repeatable: the card's first sentence is handed to the
//! loudspeaker before the model starts, the model's first sentence before it has written its
//! last word, and a cancelled turn must stop at once.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aoun_audio::Audio;
use aoun_guide::{Guide, Lang};
use aoun_llm::{
    ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, Role, StopReason, TokenSink,
};
use aoun_session::{AnswerSource, Assistant, Conversation, Phraser, TurnError, TurnStep, Voice};
use aoun_stt::{SpeechToText, SttError, Transcript};
use aoun_tts::{TextToSpeech, TtsError};

type Log = Arc<Mutex<Vec<String>>>;

/// Hears the same question whatever the audio.
struct ScriptedEars(&'static str);

impl SpeechToText for ScriptedEars {
    fn transcribe(&mut self, _: &[f32], _: Option<&str>) -> Result<Transcript, SttError> {
        Ok(Transcript {
            text: self.0.into(),
            language: "en".into(),
            language_probability: None,
        })
    }
}

/// Continues the answer it is given (the card's first sentence) with the rest of the grounded
/// prompt's reference answer, word by word, and closes with a courtesy sentence.
struct EchoModel {
    log: Log,
}

impl LanguageModel for EchoModel {
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        _: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        let prompt = &messages
            .iter()
            .find(|m| m.role == Role::User)
            .expect("a user message")
            .content;
        let begun = &messages.last().expect("messages").content;
        assert_eq!(messages.last().unwrap().role, Role::Assistant);
        let reference = prompt
            .lines()
            .find_map(|l| l.strip_prefix("Reference answer: "))
            .expect("a reference answer");
        let rest = reference
            .strip_prefix(begun.trim())
            .expect("the answer begun is the reference's first sentence");
        let reference = format!("{} Thank you for asking.", rest.trim());
        let mut generated = 0;
        let mut stop = StopReason::EndOfTurn;
        for (i, word) in reference.split(' ').enumerate() {
            let piece = if i == 0 {
                word.to_string()
            } else {
                format!(" {word}")
            };
            self.log.lock().unwrap().push(format!("token {piece}"));
            generated += 1;
            if on_text(&piece) == ControlFlow::Break(()) {
                stop = StopReason::Cancelled;
                break;
            }
        }
        Ok(Generation {
            text: reference,
            stop,
            prompt_tokens: 1,
            reused_prompt_tokens: 0,
            generated_tokens: generated,
            prompt_ms: 0,
            generate_ms: 0,
        })
    }
}

/// Speaks a second of tone per sentence, and notes what it spoke.
struct ToneVoice {
    log: Log,
}

impl TextToSpeech for ToneVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        self.log.lock().unwrap().push(format!("voice {text}"));
        Ok(Audio {
            samples: (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect(),
            sample_rate: 16_000,
        })
    }

    fn set_rate(&mut self, _: f32) {}
}

fn assistant(log: &Log, question: &'static str) -> Assistant {
    Assistant::new(
        Box::new(ScriptedEars(question)),
        Some(Phraser::new(
            Box::new(EchoModel { log: log.clone() }),
            vec![Lang::En],
        )),
        vec![Voice {
            languages: vec![Lang::En],
            engine: Box::new(ToneVoice { log: log.clone() }),
        }],
        Guide::embedded(),
    )
}

fn speech() -> Audio {
    Audio {
        samples: (0..32_000).map(|i| (i as f32 * 0.03).sin() * 0.2).collect(),
        sample_rate: 16_000,
    }
}

#[test]
fn the_cards_first_sentence_plays_before_the_model_starts_and_the_models_before_it_ends() {
    let log: Log = Arc::default();
    // The card answers in two sentences: the model words the second.
    let mut assistant = assistant(&log, "How do I register with the CNSS?");
    let cancel = AtomicBool::new(false);
    let mut played = Vec::new();
    let (answer, _) = assistant
        .stream_turn(
            &mut Conversation::default(),
            &speech(),
            None,
            &cancel,
            &mut |step| {
                if let TurnStep::Sentence { text, .. } = step {
                    log.lock().unwrap().push(format!("played {text}"));
                    played.push(text.to_string());
                }
            },
        )
        .unwrap();
    assert!(
        played[0].starts_with("The employer first checks"),
        "{played:?}"
    );
    assert_eq!(played.last().unwrap(), "Thank you for asking.");
    assert_eq!(answer.source, AnswerSource::Model, "{}", answer.text);
    assert!(
        answer.text.contains("salary declarations"),
        "{}",
        answer.text
    );
    let log = log.lock().unwrap();
    let first_played = log.iter().position(|l| l.starts_with("played")).unwrap();
    let first_token = log.iter().position(|l| l.starts_with("token")).unwrap();
    let last_token = log.iter().rposition(|l| l.starts_with("token")).unwrap();
    let model_played = log
        .iter()
        .position(|l| l.starts_with("played The employer then"))
        .unwrap();
    assert!(first_played < first_token, "{log:#?}");
    assert!(model_played < last_token, "{log:#?}");
}

#[test]
fn a_one_sentence_answer_is_the_cards_own() {
    let log: Log = Arc::default();
    let mut assistant = assistant(&log, "How much does a passport cost?");
    let (answer, _) = assistant
        .stream_turn(
            &mut Conversation::default(),
            &speech(),
            None,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(answer.text, "The passport stamp costs 500 dirhams.");
    assert_eq!(answer.source, AnswerSource::Template);
    assert!(!log.lock().unwrap().iter().any(|l| l.starts_with("token")));
}

#[test]
fn a_cancelled_turn_stops_at_the_next_token() {
    let log: Log = Arc::default();
    let mut assistant = assistant(&log, "How do I register with the CNSS?");
    let cancel = AtomicBool::new(false);
    let outcome = assistant.stream_turn(
        &mut Conversation::default(),
        &speech(),
        None,
        &cancel,
        &mut |step| {
            if let TurnStep::Heard(_) = step {
                // The person speaks again as soon as the transcript is ready.
                cancel.store(true, Ordering::SeqCst);
            }
        },
    );
    assert!(matches!(outcome, Err(TurnError::Cancelled)), "{outcome:?}");
    let log = log.lock().unwrap();
    assert!(
        log.iter().filter(|l| l.starts_with("token")).count() <= 1,
        "{log:#?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("voice")), "{log:#?}");
}
