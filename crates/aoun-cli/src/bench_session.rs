//! `aoun bench session`: voice-to-voice latency of the live session, question after question,
//! with the usual Python voice pipeline measured on the same questions in the same run.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use aoun_audio::{AudioSink, Pacing, RoomSpec, Timeline, WavSink, WavSource};
use aoun_guide::Lang;
use aoun_session::{LiveConfig, LiveEvent};
use serde_json::{json, Value};

use crate::bench::median_p95;
use aoun_desk::Setup;

/// Questions as people ask them at the desk (spoken by the English voice for the benchmark).
const QUESTIONS: [&str; 20] = [
    "How much does a passport cost?",
    "What documents do I need to renew my ID card?",
    "Where can I get a residence certificate?",
    "How do I get a copy of my birth certificate?",
    "Where do I apply for a passport?",
    "How long does a residence certificate take?",
    "How do I register with the CNSS?",
    "What is the AMO Tadamon health insurance?",
    "How do I get a criminal record extract?",
    "Where do I legalize my signature?",
    "How do I renew my driving licence?",
    "What papers do I need for a marriage file?",
    "How do I get a family booklet?",
    "How much is the national ID card renewal?",
    "Can I ask for a birth certificate online?",
    "How do I apply for direct social aid?",
    "Where do I get a certificate of life?",
    "What are the steps to get a passport?",
    "How much does the residence certificate cost?",
    "Where do I renew my national identity card?",
];

/// Options of `aoun bench session`.
#[derive(clap::Args, Debug)]
pub struct SessionBench {
    /// Number of questions (at most 20 different ones; more repeat them).
    #[arg(long, default_value_t = 20)]
    turns: usize,
    /// Also measure the Python pipeline with this interpreter (a virtual environment with
    /// faster-whisper, llama-cpp-python and piper-tts; see bench/peers/voice_peer.py). With
    /// `--lang`, faster-whisper is told the language too.
    #[arg(long, value_name = "PYTHON")]
    peer_python: Option<PathBuf>,
    /// faster-whisper model folder for the peer (made by `voice_peer.py prepare-whisper`).
    #[arg(long, value_name = "DIR", requires = "peer_python")]
    peer_whisper: Option<PathBuf>,
    /// GGUF file the peer's llama.cpp loads (default: the one Aoun uses).
    #[arg(long, value_name = "FILE.gguf")]
    peer_gguf: Option<PathBuf>,
    /// Open a pause in the middle of each question, at the quietest point between two words:
    /// 300 to 600 ms, varied from question to question, as people pause while they speak.
    /// The figures then say how many questions the session cut there.
    #[arg(long)]
    mid_pause: bool,
    #[command(flatten)]
    setup: Setup,
}

/// Peak resident memory of this process, in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

/// Runs the benchmark and prints its JSON.
pub fn run(options: SessionBench, models_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let mut desk =
        aoun_desk::load_listening(models_dir, &options.setup, &mut aoun_desk::Quiet)?.whole()?;
    let store = desk.store.clone().context("the model folder is not open")?;
    let questions = (0..options.turns.max(1))
        .map(|i| {
            let question = desk.say(QUESTIONS[i % QUESTIONS.len()], Lang::En)?;
            Ok(match options.mid_pause {
                true => with_pause(&question, mid_pause(i)),
                false => question,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // What each engine really runs on, kept before the desk becomes the live session.
    let devices = desk.devices.clone();
    let config = LiveConfig {
        language: options.setup.lang.clone(),
        ..LiveConfig::default()
    };
    let end_silence = config.endpoint.trailing_silence;
    let mut session = desk.into_live(config)?;
    let mut stages: std::collections::BTreeMap<&'static str, Vec<u64>> = Default::default();
    let mut failures = Vec::new();
    let mut cut = Vec::new();
    for (i, question) in questions.iter().enumerate() {
        // One person, one question: the session answers it and plays the answer to its end.
        session.new_person();
        let timeline = Timeline::new()
            .clip(Duration::from_millis(300), question.clone())
            .noise(-60.0)
            .length(Duration::from_secs_f32(question.duration_secs() + 1.5));
        let mut sink = WavSink::new(22_050, Pacing::RealTime);
        let room = RoomSpec::kiosk("office").context("the office room")?;
        let mut source =
            WavSource::new(&timeline, Pacing::RealTime).with_room(sink.control(), room, &[]);
        let (_controls_tx, controls) = mpsc::channel();
        let (events_tx, events) = mpsc::channel();
        session.run(&mut source, &mut sink, &controls, &events_tx)?;
        drop(events_tx);
        let events: Vec<LiveEvent> = events.iter().collect();
        // Cut: the session took the words before the pause for the whole question.
        let heard = events
            .iter()
            .filter(|e| matches!(e, LiveEvent::Heard { .. }))
            .count();
        if heard > 1 {
            cut.push(QUESTIONS[i % QUESTIONS.len()]);
        }
        let answer = events.iter().find_map(|e| match e {
            LiveEvent::Answer { timings, .. } => Some(timings.clone()),
            _ => None,
        });
        let Some(t) = answer else {
            failures.push(QUESTIONS[i % QUESTIONS.len()]);
            continue;
        };
        // Only the fixed silence says when the end of the question was known.
        let after_end_of_speech = t
            .voice_to_first_audio_ms
            .filter(|_| !options.setup.smart_turn)
            .map(|v| v.saturating_sub(end_silence.as_millis() as u64));
        crate::bench::add_stages(
            &mut stages,
            &t,
            &[
                ("voice_to_first_audio_ms", t.voice_to_first_audio_ms),
                ("after_end_of_speech_detected_ms", after_end_of_speech),
                ("voice_to_transcript_ms", t.voice_to_transcript_ms),
            ],
        );
    }
    let aoun: serde_json::Map<String, Value> = stages
        .into_iter()
        .map(|(name, mut values)| (name.to_string(), median_p95(&mut values)))
        .collect();
    let peer = match &options.peer_python {
        Some(python) => Some(run_peer(&options, python, &store, &questions)?),
        None => None,
    };
    // Speech to text, median over median: the peer is told the language whenever Aoun is.
    let stt_ratio = (|| {
        let ours = aoun.get("stt_ms")?["median"].as_f64()?;
        let theirs = peer.as_ref()?["stages"]["stt_s"]["median"].as_f64()? * 1000.0;
        Some((ours / theirs * 100.0).round() / 100.0)
    })();
    // Median over median, Aoun's figure named by `stage`.
    let ratio = |stage: &str| {
        let ours = aoun.get(stage)?["median"].as_f64()?;
        let theirs = peer.as_ref()?["stages"]["voice_to_voice_s"]["median"].as_f64()? * 1000.0;
        Some((ours / theirs * 100.0).round() / 100.0)
    };
    // Both clocks start once the question is known to be complete: Aoun's when the silence
    // confirmed its end, the peer's with the whole clip in memory.
    let same_start = ratio("after_end_of_speech_detected_ms");
    // Aoun charged with the end-of-speech silence the peer does not wait for.
    let silence_charged = ratio("voice_to_first_audio_ms");
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "session",
            "turns": questions.len(),
            "devices": devices,
            "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "end_of_speech_silence_ms": end_silence.as_millis() as u64,
            // Told to both Aoun and the peer, or detected by both.
            "language": options.setup.lang.as_deref().map_or("detected", |_| "given"),
            "language_given": options.setup.lang,
            "aoun": aoun,
            "unanswered": failures,
            "end_of_turn": if options.setup.smart_turn { "smart-turn" } else { "silence" },
            "mid_pause_ms": options.mid_pause.then_some([MID_PAUSE_MS.0, MID_PAUSE_MS.1]),
            "cut_before_their_end": cut,
            "peak_rss_mib": peak_rss_mib(),
            "peer": peer,
            "aoun_over_peer_stt": stt_ratio,
            "aoun_over_peer_voice_to_voice": same_start,
            "aoun_over_peer_with_aouns_end_silence": silence_charged,
        }))?
    );
    Ok(())
}

/// Shortest and longest pause opened in a question with `--mid-pause`, in milliseconds.
const MID_PAUSE_MS: (u64, u64) = (300, 600);

/// The pause opened in question `i`: spread over the range, question after question.
fn mid_pause(i: usize) -> Duration {
    let (shortest, longest) = MID_PAUSE_MS;
    Duration::from_millis(shortest + (i as u64 * 110) % (longest - shortest + 1))
}

/// `question` with `pause` of silence opened at its quietest 30 ms between 30% and 70% of its
/// length: a gap between two words.
fn with_pause(question: &aoun_audio::Audio, pause: Duration) -> aoun_audio::Audio {
    let rate = question.sample_rate as usize;
    let (window, hop) = (rate * 30 / 1000, rate / 100);
    let len = question.samples.len();
    let quietest = (len * 3 / 10..(len * 7 / 10).saturating_sub(window))
        .step_by(hop.max(1))
        .min_by(|&a, &b| {
            let level = |at: usize| aoun_audio::rms_dbfs(&question.samples[at..at + window]);
            level(a).total_cmp(&level(b))
        })
        .map_or(len / 2, |at| at + window / 2);
    let silence = (pause.as_secs_f64() * rate as f64) as usize;
    let mut samples = question.samples[..quietest].to_vec();
    samples.extend(std::iter::repeat_n(0.0, silence));
    samples.extend_from_slice(&question.samples[quietest..]);
    aoun_audio::Audio {
        samples,
        sample_rate: question.sample_rate,
    }
}

/// Whisper's code for a language Aoun is told (`ary`, Darija, is Arabic to Whisper).
fn whisper_language(lang: &str) -> &str {
    match Lang::from_whisper_code(lang) {
        Some(Lang::Ary) => Lang::Ar.code(),
        Some(known) => known.code(),
        None => lang,
    }
}

/// Runs bench/peers/voice_peer.py on the same questions and returns its JSON.
fn run_peer(
    options: &SessionBench,
    python: &std::path::Path,
    store: &aoun_models::ModelStore,
    questions: &[aoun_audio::Audio],
) -> anyhow::Result<Value> {
    let whisper = options
        .peer_whisper
        .clone()
        .context("give the peer's faster-whisper model folder with --peer-whisper")?;
    let gguf = match &options.peer_gguf {
        Some(path) => path.clone(),
        None => store.verified_path("smollm2-135m-instruct")?,
    };
    let voice = store.verified_path("piper-en_US-joe-medium")?;
    let dir = tempfile::tempdir()?;
    let mut wavs = Vec::new();
    for (i, question) in questions.iter().enumerate() {
        let path = dir.path().join(format!("q{i:02}.wav"));
        aoun_audio::write_wav(&path, question)?;
        wavs.push(path);
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/peers/voice_peer.py"
    );
    let mut peer = std::process::Command::new(python);
    peer.arg(script)
        .arg("run")
        .arg("--whisper")
        .arg(&whisper)
        .arg("--gguf")
        .arg(&gguf)
        .arg("--voice")
        .arg(&voice)
        .args(["--repeats", "1"]);
    // A fair comparison: when Aoun is told the language, so is faster-whisper.
    if let Some(language) = options.setup.lang.as_deref() {
        peer.args(["--language", whisper_language(language)]);
    }
    let output = peer
        .args(&wavs)
        .output()
        .context("cannot start the peer's Python")?;
    if !output.status.success() {
        anyhow::bail!(
            "the peer pipeline failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}
