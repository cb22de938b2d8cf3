//! `aoun bench echo`: the echo canceller in kiosk rooms, every figure beside the same run with
//! the canceller off. The live figures run the live session as `aoun listen` does, over a
//! microphone simulated from spoken questions that hears the loudspeaker through a room.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use aoun_audio::{
    AudioSink, CancelEcho, EchoCanceller, Pacing, RoomSpec, Timeline, WavSink, WavSource,
    SPEECH_RATE,
};
use aoun_session::{LiveConfig, LiveEvent};
use serde_json::{json, Value};

use aoun_desk::Setup;

/// The question whose answer is long enough to be interrupted (about nine seconds).
const LONG_ANSWER: &str = "en-id-card-documents.wav";
/// The question said over it.
const INTERRUPTING: &str = "en-passport-fee.wav";
/// Questions whose answers play to their end with nobody speaking.
const QUESTIONS: [&str; 4] = [
    "en-passport-fee.wav",
    "en-id-card-documents.wav",
    "en-residence-certificate-place.wav",
    "en-cnss-registration.wav",
];
/// Silence after each question: room for its whole answer.
const ANSWER_ROOM: Duration = Duration::from_secs(14);
/// Seconds the cancellers get to converge before the echo reduction is measured.
const SETTLE_SECS: f32 = 3.0;
/// Longest wait from the person's first word to the answer stopping that counts as heard.
const INTERRUPT_WITHIN: Duration = Duration::from_millis(200);

/// Options of `aoun bench echo`.
#[derive(clap::Args, Debug)]
pub struct EchoBench {
    /// Answers played to their end with nobody speaking, to count false interruptions.
    #[arg(long, default_value_t = 100)]
    answers: usize,
    /// Interruptions tried over an answer.
    #[arg(long, default_value_t = 40)]
    interruptions: usize,
    /// Room of the live figures: office, counter, waiting-room or hall.
    #[arg(long, default_value = "hall")]
    room: String,
    #[command(flatten)]
    setup: Setup,
}

/// What one live run heard and did, each event with when it arrived since the run started.
type Timed = Vec<(Duration, LiveEvent)>;

/// Runs the benchmark and prints its JSON.
pub fn run(options: EchoBench, models_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let room = RoomSpec::kiosk(&options.room).with_context(|| {
        format!(
            "no room is called {}: choose office, counter, waiting-room or hall",
            options.room
        )
    })?;
    let samples = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/samples"));
    let read = |name: &str| -> anyhow::Result<aoun_audio::Audio> {
        Ok(aoun_audio::read_wav(&samples.join(name))?.0)
    };
    let questions = QUESTIONS.map(read);
    let questions: Vec<aoun_audio::Audio> = questions.into_iter().collect::<Result<_, _>>()?;
    let long_answer = read(LONG_ANSWER)?;
    let interrupting = read(INTERRUPTING)?;

    let mut figures = serde_json::Map::new();
    let mut played = Vec::new();
    for cancel in [true, false] {
        let name = if cancel {
            "canceller_on"
        } else {
            "canceller_off"
        };
        // Nobody speaks over the answers: every interruption is Aoun stopping itself.
        let run = |timeline: &Timeline| {
            live_run(
                &models_dir,
                &options.setup,
                cancel,
                timeline,
                &room,
                &questions,
            )
        };
        let (events, recording) = run(&questions_timeline(&questions, options.answers))?;
        if cancel {
            played = recording;
        }
        let answers = count(&events, |e| matches!(e, LiveEvent::Answer { .. }));
        let false_interruptions = count(&events, |e| matches!(e, LiveEvent::Interrupted { .. }));
        let alone = transcripts(&events)
            .into_iter()
            .find(|t| t.to_lowercase().contains("passport"));
        // The passport question said over the long answer, at a different moment each try.
        let (timeline, onsets) =
            interruptions_timeline(&long_answer, &interrupting, options.interruptions);
        let (events, _) = run(&timeline)?;
        let tries = interruption_tries(&events, &onsets);
        let within = tries.iter().filter(|t| t.in_time()).count();
        let added: Vec<usize> = match &alone {
            Some(alone) => tries.iter().map(|t| t.answer_words_added(alone)).collect(),
            None => Vec::new(),
        };
        let word_error =
            |heard: &Option<String>| Some(word_error_rate(alone.as_deref()?, heard.as_deref()?));
        let errors: Vec<f64> = tries.iter().filter_map(|t| word_error(&t.heard)).collect();
        let mean_error =
            (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64);
        figures.insert(
            name.to_string(),
            json!({
                "answers_played": answers,
                "false_interruptions": false_interruptions,
                "interruptions_tried": tries.len(),
                "interrupted_within_200_ms": within,
                "interrupted_within_200_ms_percent": percent(within, tries.len()),
                "stopped_after_ms": tries.iter().map(|t| t.stopped_after_ms).collect::<Vec<_>>(),
                "answer_words_added": added.iter().sum::<usize>(),
                "question_alone": alone,
                "interrupting_transcripts": tries.iter().map(|t| t.heard.clone()).collect::<Vec<_>>(),
                "word_error_rate_percent": mean_error.map(|e| (e * 1000.0).round() / 10.0),
            }),
        );
    }
    // The echo cancellers alone, Aoun's and speexdsp's, on what the loudspeaker really played,
    // in every kiosk room.
    let erle = |room: &RoomSpec, canceller: &mut dyn CancelEcho| {
        aoun_audio::echo_return_loss_enhancement(room, &played, SETTLE_SECS, canceller)
            .map(|db| (db * 10.0).round() / 10.0)
    };
    let rooms: Vec<Value> = RoomSpec::kiosks()
        .iter()
        .map(|room| {
            json!({
                "room": room.name,
                "rt60_s": room.rt60_secs,
                "device_delay_ms": room.device_delay_ms,
                "drift_ppm": room.drift_ppm,
                "erle_db": erle(room, &mut EchoCanceller::new()),
                "speexdsp_erle_db": erle(room, &mut aoun_peers::SpeexCanceller::new()),
            })
        })
        .collect();
    let median = |key: &str| {
        let mut values: Vec<f64> = rooms.iter().filter_map(|r| r[key].as_f64()).collect();
        values.sort_by(f64::total_cmp);
        match values.len() {
            0 => None,
            n if n % 2 == 0 => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
            n => Some(values[n / 2]),
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "echo",
            "room": room.name,
            "room_rt60_s": room.rt60_secs,
            "room_device_delay_ms": room.device_delay_ms,
            "room_drift_ppm": room.drift_ppm,
            "room_noise_dbfs": room.noise_dbfs,
            "echo_return_loss_enhancement": rooms,
            "erle_median_db": median("erle_db"),
            "speexdsp_erle_median_db": median("speexdsp_erle_db"),
            "erle_settle_s": SETTLE_SECS,
            "live": figures,
        }))?
    );
    Ok(())
}

/// `answers` questions, each followed by room for its whole answer.
fn questions_timeline(questions: &[aoun_audio::Audio], answers: usize) -> Timeline {
    let mut timeline = Timeline::new();
    let mut at = Duration::from_millis(500);
    for i in 0..answers.max(1) {
        let question = &questions[i % questions.len()];
        timeline = timeline.clip(at, question.clone());
        at += Duration::from_secs_f32(question.duration_secs()) + ANSWER_ROOM;
    }
    timeline.length(at)
}

/// `tries` times: the long answer's question, then `interrupting` said over its answer, 5 to
/// 8 s later, varied from try to try. Also returns when each interrupting question's first
/// word is heard.
fn interruptions_timeline(
    long_answer: &aoun_audio::Audio,
    interrupting: &aoun_audio::Audio,
    tries: usize,
) -> (Timeline, Vec<Duration>) {
    let first_word = first_word(interrupting);
    let mut timeline = Timeline::new();
    let mut onsets = Vec::new();
    let mut at = Duration::from_millis(500);
    for i in 0..tries.max(1) {
        timeline = timeline.clip(at, long_answer.clone());
        let over = at + Duration::from_millis(5_000 + (i as u64 * 370) % 3_000);
        timeline = timeline.clip(over, interrupting.clone());
        onsets.push(over + first_word);
        at = over + Duration::from_secs_f32(interrupting.duration_secs()) + ANSWER_ROOM;
    }
    (timeline.length(at), onsets)
}

/// Where the first 20 ms louder than -40 dBFS starts.
fn first_word(audio: &aoun_audio::Audio) -> Duration {
    let speech = audio.resampled(SPEECH_RATE);
    let window = SPEECH_RATE as usize / 50;
    let at = speech
        .samples
        .chunks(window)
        .position(|w| aoun_audio::rms_dbfs(w) > -40.0)
        .unwrap_or(0);
    Duration::from_secs_f64((at * window) as f64 / SPEECH_RATE as f64)
}

/// Runs a live session (canceller on or off) over `timeline` heard through `room`, with the
/// questions' reversed voices as its babble; returns its events and what the loudspeaker
/// played (at [`SPEECH_RATE`]).
fn live_run(
    models_dir: &Option<PathBuf>,
    setup: &Setup,
    cancel: bool,
    timeline: &Timeline,
    room: &RoomSpec,
    voices: &[aoun_audio::Audio],
) -> anyhow::Result<(Timed, Vec<f32>)> {
    let desk =
        aoun_desk::load_listening(models_dir.clone(), setup, &mut aoun_desk::Quiet)?.whole()?;
    let config = LiveConfig {
        language: setup.lang.clone(),
        echo_cancel: cancel,
        ..LiveConfig::default()
    };
    let mut session = desk.into_live(config)?;
    let mut sink = WavSink::new(22_050, Pacing::RealTime);
    let mut source =
        WavSource::new(timeline, Pacing::RealTime).with_room(sink.control(), room.clone(), voices);
    let (_controls_tx, controls) = mpsc::channel();
    let (events_tx, events) = mpsc::channel();
    let started = Instant::now();
    let collector = std::thread::spawn(move || {
        events
            .iter()
            .map(|event| (started.elapsed(), event))
            .collect::<Timed>()
    });
    session.run(&mut source, &mut sink, &controls, &events_tx)?;
    drop(events_tx);
    let events = collector
        .join()
        .map_err(|_| anyhow::anyhow!("the event collector stopped"))?;
    Ok((events, sink.recording().resampled(SPEECH_RATE).samples))
}

fn count(events: &Timed, what: impl Fn(&LiveEvent) -> bool) -> usize {
    events.iter().filter(|(_, e)| what(e)).count()
}

fn transcripts(events: &Timed) -> Vec<String> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            LiveEvent::Heard { transcript, .. } => Some(transcript.text.clone()),
            _ => None,
        })
        .collect()
}

/// One interruption tried: when the answer stopped against the person's first word (in
/// milliseconds, negative when it stopped before they spoke), what was heard of their question,
/// and what the answer had said until then.
struct Try {
    stopped_after_ms: Option<i64>,
    heard: Option<String>,
    said: String,
}

impl Try {
    /// Whether the answer stopped within [`INTERRUPT_WITHIN`] of the person's first word.
    fn in_time(&self) -> bool {
        self.stopped_after_ms
            .is_some_and(|ms| (0..=INTERRUPT_WITHIN.as_millis() as i64).contains(&ms))
    }

    /// Words of the transcript that the question alone did not have but the answer said: the
    /// answer heard as part of the question.
    fn answer_words_added(&self, alone: &str) -> usize {
        let words = |text: &str| -> std::collections::HashSet<String> {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        let (alone, said) = (words(alone), words(&self.said));
        self.heard.as_deref().map_or(0, |heard| {
            words(heard)
                .iter()
                .filter(|w| !alone.contains(*w) && said.contains(*w))
                .count()
        })
    }
}

/// For each onset: the first interruption near it (before the next try), the transcript that
/// follows, and what was said before.
fn interruption_tries(events: &Timed, onsets: &[Duration]) -> Vec<Try> {
    onsets
        .iter()
        .enumerate()
        .map(|(i, &onset)| {
            let from = i.checked_sub(1).map_or(Duration::ZERO, |p| onsets[p]);
            let until = onsets.get(i + 1).copied().unwrap_or(Duration::MAX);
            let near = || {
                events.iter().filter(move |(at, _)| {
                    *at >= onset.saturating_sub(INTERRUPT_WITHIN) && *at < until
                })
            };
            let stopped_after_ms = near()
                .find(|(_, e)| matches!(e, LiveEvent::Interrupted { .. }))
                .map(|(at, _)| at.as_millis() as i64 - onset.as_millis() as i64);
            let heard = near().find_map(|(_, e)| match e {
                LiveEvent::Heard { transcript, .. } => Some(transcript.text.clone()),
                _ => None,
            });
            let said = events
                .iter()
                .filter(|(at, _)| *at > from && *at < onset)
                .filter_map(|(_, e)| match e {
                    LiveEvent::Speaking { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(" ");
            Try {
                stopped_after_ms,
                heard,
                said,
            }
        })
        .collect()
}

/// Word error rate of `heard` against `reference`.
fn word_error_rate(reference: &str, heard: &str) -> f64 {
    let (errors, words) = aoun_stt::word_errors(reference, heard);
    errors as f64 / words.max(1) as f64
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tried(stopped_after_ms: Option<i64>, heard: &str) -> Try {
        Try {
            stopped_after_ms,
            heard: Some(heard.into()),
            said: "Bring your current card and 2 recent ID photos.".into(),
        }
    }

    #[test]
    fn an_interruption_counts_within_200_ms_of_the_first_word_and_not_before_it() {
        assert!(tried(Some(96), "").in_time());
        assert!(!tried(Some(260), "").in_time());
        assert!(!tried(Some(-40), "").in_time());
        assert!(!tried(None, "").in_time());
    }

    #[test]
    fn the_answers_words_heard_in_the_question_are_counted() {
        let alone = "How much does a passport cost?";
        assert_eq!(tried(None, alone).answer_words_added(alone), 0);
        let leaked = tried(None, "ID photos. How much does a passport cost?");
        assert_eq!(leaked.answer_words_added(alone), 2);
        // A word neither said nor in the question is a recognition error, not a leak.
        assert_eq!(
            tried(None, "How much does a passport cost now?").answer_words_added(alone),
            0
        );
    }
}
