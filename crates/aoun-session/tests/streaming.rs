//! Streaming order through the pipeline, with scripted engines (tier 1: no models). What is
//! checked is when things happen, which real engines cannot make repeatable: the card's first
//! sentence reaches the loudspeaker without waiting for the model, the model's first sentence
//! before it has written its last word, and a cancelled turn stops at the next token.
//!
//! The scripted model waits, before its first word and after each sentence, until the sentences
//! so far have been played (or ten seconds have passed, which it notes and the tests reject):
//! an answer that waited for the model's whole text would make it time out.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aoun_audio::Audio;
use aoun_core::SentenceKind;
use aoun_guide::{Guide, Lang};
use aoun_llm::{
    ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, Role, StopReason, TokenSink,
};
use aoun_session::{
    AnswerSource, Phraser, Pipeline, Question, RunningTurn, TurnError, TurnEvent, TurnReport, Voice,
};
use aoun_stt::{CancelToken, SpeechToText, SttError, Transcript};
use aoun_tts::{TextToSpeech, TtsError};

type Log = Arc<Mutex<Vec<String>>>;

/// Hears the same question whatever the audio.
struct ScriptedEars(&'static str);

impl SpeechToText for ScriptedEars {
    fn transcribe(
        &mut self,
        _: &[f32],
        _: Option<&str>,
        _: &CancelToken,
    ) -> Result<Transcript, SttError> {
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
    /// Sentences the pipeline says before the model's: the topic and the card's first.
    said_before: usize,
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
        // Sentences the pipeline has been given in full: those said before ours, then each of
        // ours once the word after its end has come.
        let mut given = self.said_before;
        wait_until_played(&self.log, given);
        let words: Vec<&str> = reference.split(' ').collect();
        for (i, word) in words.iter().enumerate() {
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
            if i > 0 && words[i - 1].ends_with('.') {
                given += 1;
                wait_until_played(&self.log, given);
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

/// Waits until `sentences` sentences have been played (the tests note each as it plays).
fn wait_until_played(log: &Log, sentences: usize) {
    let since = Instant::now();
    while played(&log.lock().unwrap()) < sentences {
        if since.elapsed() > Duration::from_secs(10) {
            log.lock().unwrap().push("timed out".into());
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn played(log: &[String]) -> usize {
    log.iter().filter(|l| l.starts_with("played")).count()
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

fn pipeline(log: &Log, question: &'static str) -> Pipeline {
    Pipeline::new(
        Box::new(ScriptedEars(question)),
        Some(Phraser::new(
            Box::new(EchoModel {
                log: log.clone(),
                // The CNSS card's first sentence does not name it, so its topic is said first.
                said_before: 2,
            }),
            vec![Lang::En],
        )),
        vec![Voice {
            languages: vec![Lang::En],
            engine: Box::new(ToneVoice { log: log.clone() }),
        }],
        Guide::embedded(),
    )
}

fn speech() -> Question {
    Question::Spoken {
        audio: Audio {
            samples: (0..32_000).map(|i| (i as f32 * 0.03).sin() * 0.2).collect(),
            sample_rate: 16_000,
        },
        language: None,
    }
}

/// Runs a turn, noting each sentence as it is played; returns its report and the sentences
/// played with their kinds.
fn play(log: &Log, pipeline: &Pipeline) -> (TurnReport, Vec<(String, SentenceKind)>) {
    let mut played: Vec<(String, SentenceKind)> = Vec::new();
    let report = pipeline
        .turn(speech(), &mut |event| {
            if let TurnEvent::Sentence {
                index, sentence, ..
            } = event
            {
                if played.len() == *index {
                    played.push((sentence.text.clone(), sentence.kind));
                    log.lock()
                        .unwrap()
                        .push(format!("played {}", sentence.text));
                }
            }
        })
        .unwrap();
    (report, played)
}

/// What the guide itself says to `question`, in English: the topic, the card's sentences and
/// what closes the answer.
fn guide_says(question: &str) -> aoun_guide::Spoken {
    match Guide::embedded().respond(
        &mut aoun_guide::Dialogue::default(),
        question,
        Some(Lang::En),
    ) {
        aoun_guide::Reply::Answer(answer) => answer.spoken(),
        other => panic!("the guide does not answer {question:?}: {other:?}"),
    }
}

#[test]
fn the_cards_first_sentence_plays_before_the_model_starts_and_the_models_before_it_ends() {
    let log: Log = Arc::default();
    let question = "How do I register with the CNSS?";
    // The card answers in several sentences: the model words all but the first.
    let card = guide_says(question);
    assert!(card.card.len() >= 2, "{card:?}");
    let pipeline = pipeline(&log, question);
    let (report, played) = play(&log, &pipeline);
    let answer = report.answer;
    // The card's sentence does not name the procedure: its topic comes first, then the card's
    // first sentence as written.
    let topic = card.topic.clone().expect("a topic");
    assert_eq!(played[0], (topic.text, SentenceKind::Topic));
    assert_eq!(played[1], (card.card[0].text.clone(), SentenceKind::Card));
    // The model's last sentence, then what closes the card's answer, said as written.
    let closing: Vec<(String, SentenceKind)> = card
        .closing
        .iter()
        .map(|s| (s.text.clone(), s.kind))
        .collect();
    let n = played.len();
    assert_eq!(
        played[n - 1 - closing.len()],
        ("Thank you for asking.".to_string(), SentenceKind::Model)
    );
    assert_eq!(played[n - closing.len()..], closing[..]);
    assert_eq!(answer.source, AnswerSource::Model, "{}", answer.text);
    // The scripted model words the rest of the card as the card says it.
    let second = &card.card[1].text;
    assert!(answer.text.contains(second.as_str()), "{}", answer.text);
    let kinds: Vec<SentenceKind> = answer.sentences.iter().map(|s| s.kind).collect();
    let played_kinds: Vec<SentenceKind> = played.iter().map(|p| p.1).collect();
    assert_eq!(kinds, played_kinds);
    let log = log.lock().unwrap();
    assert!(!log.iter().any(|l| l == "timed out"), "{log:#?}");
    let first_played = log.iter().position(|l| l.starts_with("played")).unwrap();
    let first_token = log.iter().position(|l| l.starts_with("token")).unwrap();
    let last_token = log.iter().rposition(|l| l.starts_with("token")).unwrap();
    let model_played = log
        .iter()
        .position(|l| *l == format!("played {second}"))
        .unwrap();
    assert!(first_played < first_token, "{log:#?}");
    assert!(model_played < last_token, "{log:#?}");
    assert!(
        report.timings.llm_tts_overlap_ms.is_some(),
        "{:?}",
        report.timings
    );
}

#[test]
fn a_one_sentence_answer_is_the_cards_own() {
    let log: Log = Arc::default();
    let pipeline = pipeline(&log, "How much does a passport cost?");
    let (report, played) = play(&log, &pipeline);
    // The fee's source is a newspaper, so the counter check follows, as written.
    assert_eq!(
        report.answer.text,
        "The passport stamp costs 500 dirhams. Please check this at the counter."
    );
    assert_eq!(report.answer.source, AnswerSource::Template);
    assert_eq!(played[0].1, SentenceKind::Card);
    assert!(!log.lock().unwrap().iter().any(|l| l.starts_with("token")));
}

/// Starts a turn whose answer the model words, and calls `stop` as its first sentence starts
/// playing; checks that the turn ends cancelled, that the model wrote at most one token more and
/// that the voice synthesized at most the chunk it had in hand.
fn stops_as_the_answer_starts_playing(stop: impl FnOnce(&mut Option<Pipeline>, &RunningTurn)) {
    let log: Log = Arc::default();
    let mut pipeline = Some(pipeline(&log, "How do I register with the CNSS?"));
    let turn = pipeline.as_ref().unwrap().start(speech());
    let mut stop = Some(stop);
    let mut voiced_at_stop = 0;
    let mut outcome = None;
    for event in turn.events.iter() {
        let playing = matches!(event, TurnEvent::Sentence { .. });
        if let Some(stop) = stop.take_if(|_| playing) {
            stop(&mut pipeline, &turn);
            let mut log = log.lock().unwrap();
            voiced_at_stop = log.iter().filter(|l| l.starts_with("voice")).count();
            log.push("played (then stopped)".into());
        }
        if event.ends_turn() {
            outcome = Some(event);
            break;
        }
    }
    assert!(turn.cancel.is_cancelled());
    assert!(
        matches!(
            outcome,
            Some(TurnEvent::Cancelled | TurnEvent::Failed(TurnError::Cancelled))
        ),
        "{outcome:?}"
    );
    let log = log.lock().unwrap();
    assert!(
        log.iter().filter(|l| l.starts_with("token")).count() <= 1,
        "{log:#?}"
    );
    let voiced = log.iter().filter(|l| l.starts_with("voice")).count();
    assert!(voiced <= voiced_at_stop + 1, "{log:#?}");
}

#[test]
fn a_turn_cancelled_while_its_first_sentence_plays_stops_at_the_next_token() {
    // The person speaks again as the answer starts playing.
    stops_as_the_answer_starts_playing(|_, turn| turn.cancel.cancel());
}

#[test]
fn shutting_down_cancels_the_turn_under_way() {
    // The program closes as the answer starts playing: nobody cancels the turn itself.
    stops_as_the_answer_starts_playing(|pipeline, _| drop(pipeline.take()));
}
