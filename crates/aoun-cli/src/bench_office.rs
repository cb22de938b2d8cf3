//! `aoun bench office`: simulated kiosks sharing one office language server on loopback, each
//! a thread with its own desk asking the sample questions one after another for a while.

use std::path::PathBuf;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use aoun_desk::Setup;

use crate::bench::median_p95;

/// Error messages kept per kiosk (the rest are only counted).
const KEPT_ERRORS: usize = 3;

/// Options of the office load test.
#[derive(clap::Args)]
pub struct OfficeBench {
    /// Simulated kiosks, each a thread with its own speech recognition, language model and voices.
    #[arg(long, default_value_t = 8)]
    kiosks: usize,
    /// Minutes of questions.
    #[arg(long, default_value_t = 10, conflicts_with = "seconds")]
    minutes: u64,
    /// Seconds of questions, for short runs (instead of `--minutes`).
    #[arg(long)]
    seconds: Option<u64>,
    /// Start the llama.cpp server of llama-cpp-python (installed by scripts/setup.sh) on a free
    /// loopback port with the registry's language model, and stop it at the end.
    #[arg(long, conflicts_with = "llm_server")]
    start_server: bool,
    #[command(flatten)]
    setup: Setup,
}

/// What one kiosk measured.
#[derive(Debug, Default, Clone)]
pub struct KioskResult {
    /// Turns that ended with a spoken answer.
    pub answers: usize,
    /// Turns that failed.
    pub errors: usize,
    /// The first few error messages.
    pub first_errors: Vec<String>,
    /// From the end of each question to the first sample of its answer.
    pub voice_to_first_audio_ms: Vec<u64>,
    /// From the start of the language model's stage to its first words (the server's, or after
    /// a missed deadline the kiosk's own model's), for the turns where a model ran.
    pub llm_first_token_ms: Vec<u64>,
    /// Where each answer's words came from (`model`, `template`, ...).
    pub sources: std::collections::BTreeMap<String, usize>,
    /// Answers whose model wording the guard rejected (the card's own words were said instead).
    pub rejected_by_guard: usize,
    /// Language model generations given by the server, the kiosk's own model, neither.
    pub server: u64,
    /// See `server`.
    pub local_fallback: u64,
    /// See `server`.
    pub neither: u64,
    /// Milliseconds from the common start to the end of the kiosk's last turn.
    pub elapsed_ms: u64,
}

fn per_minute(count: usize, ms: u64) -> f64 {
    if ms == 0 {
        return 0.0;
    }
    (count as f64 * 60_000.0 / ms as f64 * 10.0).round() / 10.0
}

/// The report: each kiosk's figures and the totals over all of them.
pub fn summary(kiosks: &[KioskResult], wall_ms: u64) -> serde_json::Value {
    let per_kiosk: Vec<serde_json::Value> = kiosks
        .iter()
        .enumerate()
        .map(|(i, k)| {
            json!({
                "kiosk": i + 1,
                "answers": k.answers,
                "answers_per_minute": per_minute(k.answers, k.elapsed_ms),
                "voice_to_first_audio_ms": median_p95(&mut k.voice_to_first_audio_ms.clone()),
                "llm_first_token_ms": median_p95(&mut k.llm_first_token_ms.clone()),
                "answer_sources": k.sources,
                "rejected_by_guard": k.rejected_by_guard,
                "llm": { "server": k.server, "local_fallback": k.local_fallback, "neither": k.neither },
                "errors": k.errors,
            })
        })
        .collect();
    let answers: usize = kiosks.iter().map(|k| k.answers).sum();
    let mut latencies: Vec<u64> = kiosks
        .iter()
        .flat_map(|k| k.voice_to_first_audio_ms.iter().copied())
        .collect();
    let mut first_tokens: Vec<u64> = kiosks
        .iter()
        .flat_map(|k| k.llm_first_token_ms.iter().copied())
        .collect();
    let mut sources = std::collections::BTreeMap::<String, usize>::new();
    for k in kiosks {
        for (source, n) in &k.sources {
            *sources.entry(source.clone()).or_default() += n;
        }
    }
    let first_errors: Vec<&String> = kiosks
        .iter()
        .flat_map(|k| &k.first_errors)
        .take(KEPT_ERRORS)
        .collect();
    json!({
        "kiosks": per_kiosk,
        "totals": {
            "answers": answers,
            "answers_per_minute": per_minute(answers, wall_ms),
            "voice_to_first_audio_ms": median_p95(&mut latencies),
            "llm_first_token_ms": median_p95(&mut first_tokens),
            "answer_sources": sources,
            "rejected_by_guard": kiosks.iter().map(|k| k.rejected_by_guard).sum::<usize>(),
            "llm": {
                "server": kiosks.iter().map(|k| k.server).sum::<u64>(),
                "local_fallback": kiosks.iter().map(|k| k.local_fallback).sum::<u64>(),
                "neither": kiosks.iter().map(|k| k.neither).sum::<u64>(),
            },
            "errors": kiosks.iter().map(|k| k.errors).sum::<usize>(),
            "first_errors": first_errors,
            "wall_ms": wall_ms,
        },
    })
}

/// Whether `url` names this machine's loopback address.
fn on_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Asks `questions` one after another from `start` until `duration` has passed.
fn kiosk(
    desk: &mut aoun_desk::Desk,
    questions: &[aoun_audio::Audio],
    lang: Option<&str>,
    start: Instant,
    duration: Duration,
) -> KioskResult {
    let mut result = KioskResult::default();
    let mut i = 0;
    while start.elapsed() < duration {
        // Each turn is a new person: follow-ups must not carry over between questions.
        desk.new_person();
        match desk.turn(&questions[i % questions.len()], lang) {
            Ok(report) => {
                // The clip is whole in memory: from its start to the first audio.
                result
                    .voice_to_first_audio_ms
                    .extend(report.timings.first_audio_ms);
                result
                    .llm_first_token_ms
                    .extend(report.timings.llm_first_token_ms);
                if report.audio.is_some() && !report.answer.text.is_empty() {
                    result.answers += 1;
                } else {
                    result.errors += 1;
                    if result.first_errors.len() < KEPT_ERRORS {
                        let why = report.unspoken.clone().unwrap_or("no answer".into());
                        result.first_errors.push(why);
                    }
                }
                let source = serde_json::to_value(report.answer.source)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                *result.sources.entry(source).or_default() += 1;
                result.rejected_by_guard += usize::from(report.answer.rejected.is_some());
            }
            Err(e) => {
                result.errors += 1;
                if result.first_errors.len() < KEPT_ERRORS {
                    result.first_errors.push(format!("{e:#}"));
                }
                // A failing kiosk must not spin and starve the others.
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        i += 1;
    }
    if let Some(counts) = &desk.server_answers {
        (result.server, result.local_fallback, result.neither) =
            (counts.primary(), counts.fallback(), counts.failed());
    }
    result.elapsed_ms = start.elapsed().as_millis() as u64;
    result
}

/// Runs the load test and prints its JSON.
pub fn run(options: OfficeBench, models_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let OfficeBench {
        kiosks,
        minutes,
        seconds,
        start_server,
        mut setup,
    } = options;
    let duration = Duration::from_secs(seconds.unwrap_or(minutes * 60));
    if kiosks == 0 || duration.is_zero() {
        anyhow::bail!("give at least one kiosk (--kiosks) and some time (--minutes or --seconds)");
    }
    let questions = crate::bench::sample_questions()?;
    if questions.is_empty() {
        anyhow::bail!("no sample questions in assets/samples");
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = if start_server {
        let store = aoun_models::ModelStore::open(models_dir.clone())?;
        let gguf = store.verified_path("smollm2-135m-instruct")?;
        let python = aoun_peers::llama_server_python()
            .ok_or_else(|| anyhow::anyhow!("no home folder for the llama.cpp server"))?;
        let server = aoun_peers::LlamaServer::start(
            &python,
            &gguf,
            aoun_peers::free_loopback_port()?,
            threads,
        )
        .map_err(anyhow::Error::msg)?;
        setup.llm_server = Some(server.url().to_string());
        Some(server)
    } else {
        None
    };
    let Some(url) = setup.llm_server.clone() else {
        anyhow::bail!("give the office server (--llm-server URL) or --start-server");
    };
    if !on_loopback(&url) {
        anyhow::bail!("the load test runs on this machine only: give a loopback address (127.0.0.1, localhost or [::1]), not {url}");
    }
    let loaded = Instant::now();
    // Every kiosk loads first; the clock starts when all of them are ready.
    let ready = Arc::new(Barrier::new(kiosks + 1));
    let start = Arc::new(Mutex::new(None::<Instant>));
    let handles: Vec<_> = (0..kiosks)
        .map(|_| {
            let (ready, start, questions) = (ready.clone(), start.clone(), questions.clone());
            let (setup, models_dir) = (setup.clone(), models_dir.clone());
            std::thread::spawn(move || -> anyhow::Result<KioskResult> {
                let desk = aoun_desk::load(models_dir, &setup, &mut aoun_desk::Quiet)
                    .and_then(aoun_desk::Desk::whole);
                ready.wait();
                let mut desk = desk?;
                ready.wait();
                let start = start.lock().expect("the start time").expect("set");
                Ok(kiosk(
                    &mut desk,
                    &questions,
                    setup.lang.as_deref(),
                    start,
                    duration,
                ))
            })
        })
        .collect();
    ready.wait();
    let load_ms = loaded.elapsed().as_millis() as u64;
    *start.lock().expect("the start time") = Some(Instant::now());
    ready.wait();
    let began = Instant::now();
    let results = handles
        .into_iter()
        .map(|h| {
            h.join()
                .map_err(|_| anyhow::anyhow!("a kiosk thread panicked"))?
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let wall_ms = began.elapsed().as_millis() as u64;
    drop(server);
    let mut report = summary(&results, wall_ms);
    let extra = json!({
        "bench": "office",
        "server": if start_server { "llama.cpp server of llama-cpp-python, started on loopback".to_string() } else { url },
        "seconds": duration.as_secs(),
        "deadline_ms": setup.llm_deadline_ms.unwrap_or_else(|| {
            aoun_llm::ServerOptions::default().first_token_deadline.as_millis() as u64
        }),
        "questions": questions.len(),
        "threads": threads,
        "load_ms": load_ms,
    });
    if let (Some(report), serde_json::Value::Object(extra)) = (report.as_object_mut(), extra) {
        for (key, value) in extra.into_iter().rev() {
            report.insert(key, value);
        }
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers_are_loaded() {
        assert!(on_loopback("http://127.0.0.1:8080"));
        assert!(on_loopback("http://localhost:8080/v1"));
        assert!(on_loopback("http://[::1]:8080"));
        assert!(!on_loopback("http://10.0.0.5:8080"));
        assert!(!on_loopback("http://127.0.0.1.example:8080"));
    }

    #[test]
    fn totals_add_up_the_kiosks() {
        let kiosk = |answers, latencies: &[u64], server, fallback| KioskResult {
            answers,
            voice_to_first_audio_ms: latencies.to_vec(),
            sources: [("model".to_string(), answers)].into_iter().collect(),
            server,
            local_fallback: fallback,
            elapsed_ms: 60_000,
            ..KioskResult::default()
        };
        let mut failing = kiosk(1, &[900], 0, 1);
        failing.errors = 5;
        failing.first_errors = vec!["a".into(), "b".into(), "c".into()];
        let mut first = kiosk(4, &[100, 200, 300, 400], 3, 1);
        first.llm_first_token_ms = vec![1200, 1700];
        let kiosks = [first, failing];
        let report = summary(&kiosks, 120_000);
        assert_eq!(report["kiosks"][0]["answers_per_minute"], 4.0);
        assert_eq!(
            report["kiosks"][0]["voice_to_first_audio_ms"]["median"],
            200
        );
        assert_eq!(report["kiosks"][1]["errors"], 5);
        let totals = &report["totals"];
        assert_eq!(totals["answers"], 5);
        assert_eq!(totals["answers_per_minute"], 2.5);
        assert_eq!(totals["voice_to_first_audio_ms"]["p95"], 900);
        assert_eq!(totals["voice_to_first_audio_ms"]["n"], 5);
        assert_eq!(totals["llm_first_token_ms"]["p95"], 1700);
        assert_eq!(
            report["kiosks"][1]["llm_first_token_ms"],
            serde_json::Value::Null
        );
        assert_eq!(totals["answer_sources"]["model"], 5);
        assert_eq!(totals["llm"]["server"], 3);
        assert_eq!(totals["llm"]["local_fallback"], 2);
        assert_eq!(totals["errors"], 5);
        assert_eq!(totals["first_errors"].as_array().map(Vec::len), Some(3));
    }
}
