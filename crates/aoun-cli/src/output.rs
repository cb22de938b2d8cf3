//! Printing results and errors, as text for people or as one JSON object for programs.

use std::path::Path;

use aoun_audio::Audio;
use aoun_session::{AnswerReport, TurnReport};
use serde_json::json;

use aoun_desk::{Devices, Engine, LoadProgress, LoadTimings};

/// Reports each loading step on standard error ("loading voices… 0.4 s"), unless quiet.
pub struct Loading {
    /// Print nothing (JSON output).
    pub quiet: bool,
}

impl LoadProgress for Loading {
    fn started(&mut self, engine: Engine) {
        if !self.quiet {
            eprint!("loading {}… ", engine.label());
        }
    }

    fn finished(&mut self, _: Engine, ms: u64, ok: bool) {
        if self.quiet {
            return;
        }
        if ok {
            eprintln!("{:.1} s", ms as f64 / 1000.0);
        } else {
            eprintln!("failed");
        }
    }

    fn degraded(&mut self, problem: &str) {
        // Said even with JSON output (on stderr): the answers that follow are not the usual ones.
        eprintln!("aoun: {problem}");
    }
}

/// Replaces Rust's panic report with one sentence: a person never sees a backtrace.
pub fn install_panic_message() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("aoun: internal error{place}; nothing was changed, please report it");
    }));
}

/// Prints an error as one sentence (its causes joined), or as `{"error": ...}`.
pub fn print_error(error: &anyhow::Error, json: bool) {
    let message = format!("{error:#}");
    if json {
        println!("{}", json!({ "error": message }));
    } else {
        eprintln!("aoun: {message}");
    }
}

fn audio_summary(path: &Path, audio: &Audio) -> serde_json::Value {
    json!({
        "path": path,
        "seconds": (f64::from(audio.duration_secs()) * 1000.0).round() / 1000.0,
        "sample_rate": audio.sample_rate,
        "rms_dbfs": (f64::from(audio.rms_dbfs()) * 10.0).round() / 10.0,
    })
}

/// Prints a voice turn.
pub fn print_turn(
    report: &TurnReport,
    written: Option<&Path>,
    load: &LoadTimings,
    devices: &Devices,
    json: bool,
) -> anyhow::Result<()> {
    let audio = written
        .zip(report.audio.as_ref())
        .map(|(path, audio)| audio_summary(path, audio));
    if json {
        println!(
            "{}",
            json!({
                "transcript": report.transcript,
                "answer": report.answer,
                "audio": audio,
                "unspoken": report.unspoken,
                "timings_ms": report.timings,
                "load_ms": load,
                "devices": devices,
            })
        );
        return Ok(());
    }
    let t = &report.timings;
    println!(
        "heard ({}): {}",
        report.transcript.language, report.transcript.text
    );
    print_answer_text(&report.answer);
    match (&audio, &report.unspoken) {
        (Some(a), _) => println!(
            "spoken answer: {} ({} s)",
            a["path"].as_str().unwrap_or_default(),
            a["seconds"]
        ),
        (None, Some(reason)) => println!("{reason}: the answer is shown as text only"),
        (None, None) => {}
    }
    let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    println!(
        "timings (ms): speech-to-text {} | guide {} | model first token {} | model {} | first audio {} | speech {} | total {}",
        t.stt_ms,
        t.guide_ms,
        opt(t.llm_first_token_ms),
        opt(t.llm_ms),
        opt(t.tts_first_audio_ms),
        opt(t.tts_ms),
        t.total_ms
    );
    Ok(())
}

fn print_answer_text(answer: &AnswerReport) {
    println!(
        "answer ({}, {:?}): {}",
        answer.lang, answer.source, answer.text
    );
    if let Some(why) = &answer.rejected {
        println!("  (the model's wording was not used: {why})");
    }
}

/// Prints the answer to a typed question.
pub fn print_answer(answer: &AnswerReport, devices: &Devices, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", json!({ "answer": answer, "devices": devices }));
    } else {
        print_answer_text(answer);
    }
    Ok(())
}

/// Prints what `aoun say` wrote.
pub fn print_said(path: &Path, audio: &Audio, json: bool) -> anyhow::Result<()> {
    let summary = audio_summary(path, audio);
    if json {
        println!("{}", json!({ "audio": summary }));
    } else {
        println!("wrote {} ({} s)", path.display(), summary["seconds"]);
    }
    Ok(())
}

/// `aoun guide check DIR`.
pub fn check_guide(dir: &Path, json: bool) -> anyhow::Result<()> {
    match aoun_guide::check_pack(dir) {
        Ok(summary) => {
            if json {
                println!(
                    "{}",
                    json!({
                        "ok": true,
                        "name": summary.name,
                        "version": summary.version,
                        "cards": summary.cards,
                        "facts": summary.facts,
                        "oldest_check": summary.oldest_check,
                        "sources": summary.sources.len(),
                        "by_kind": summary
                            .by_kind
                            .iter()
                            .map(|(kind, n)| (kind.name().to_string(), json!(n)))
                            .collect::<serde_json::Map<_, _>>(),
                    })
                );
            } else {
                println!(
                    "{} is a valid content pack: {} {}, {} procedures, {} sourced facts from {} sources ({}; oldest check {})",
                    dir.display(),
                    summary.name,
                    summary.version,
                    summary.cards.len(),
                    summary.facts,
                    summary.sources.len(),
                    summary.kind_shares(),
                    summary.oldest_check.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            anyhow::bail!("{} has {} problem(s)", dir.display(), errors.len())
        }
    }
}
