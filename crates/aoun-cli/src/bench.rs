//! `aoun bench`: speed measured over repeated runs, printed as JSON.

use std::path::PathBuf;

use serde_json::json;

use aoun_desk::Setup;

/// What to measure.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Whole voice turns from WAV questions: per-stage median and p95.
    Turn {
        /// Spoken questions (default: the samples in assets/samples).
        #[arg(long = "wav", value_name = "IN.wav")]
        wavs: Vec<PathBuf>,
        /// Number of turns; the questions are taken in turn.
        #[arg(long, default_value_t = 10)]
        turns: usize,
        #[command(flatten)]
        setup: Setup,
    },
    /// Speech synthesis: time to first audio and real-time factor per text length, optionally
    /// side by side with the piper-tts Python package.
    Tts(crate::bench_tts::TtsBench),
    /// The language model alone: prompt and generation tokens per second, with llama.cpp
    /// (llama-cpp-python, through bench/peers/llama_tokens.py) on the same GGUF side by side.
    Llm {
        /// Prompt length in tokens (about).
        #[arg(long, default_value_t = 200)]
        prompt_tokens: usize,
        /// Tokens to generate.
        #[arg(long, default_value_t = 64)]
        gen_tokens: usize,
        /// Runs.
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        /// Python with llama-cpp-python installed, for the peer.
        #[arg(long, value_name = "PYTHON")]
        peer_python: Option<PathBuf>,
        /// Where the model runs, as for the desk: a GPU that is absent, or that this build
        /// lacks, falls back to the CPU with one sentence.
        #[arg(long, value_enum, value_name = "DEVICE", default_value_t = aoun_desk::DeviceChoice::Auto)]
        device: aoun_desk::DeviceChoice,
    },
    /// Many turns in a row: resident memory after a warm-up and at the end, as JSON.
    Soak {
        /// Number of turns.
        #[arg(long, default_value_t = 200)]
        turns: usize,
        /// Turns before the first reading of memory, threads and open files.
        #[arg(long, default_value_t = 50)]
        warmup: usize,
        #[command(flatten)]
        setup: Setup,
    },
    /// The live session: voice-to-voice latency over spoken questions, stage by stage, side by
    /// side with the usual Python pipeline when `--peer-python` is given.
    Session(crate::bench_session::SessionBench),
    /// The echo canceller in simulated kiosk rooms, beside the same runs with it off: echo
    /// return loss enhancement, false interruptions over whole answers with nobody speaking,
    /// interruptions heard within 200 ms, and the interrupting question's word error rate.
    Echo(crate::bench_echo::EchoBench),
    /// Resampling: Aoun's resampler (rubato's FFT resampler) beside its former windowed-sinc
    /// one, speed and quality, on the rate pairs Aoun meets.
    Resample(crate::bench_resample::ResampleBench),
    /// Simulated kiosks sharing one office language server: answers per minute, latency and
    /// where the answers came from, per kiosk and in total.
    Office(crate::bench_office::OfficeBench),
}

/// Median and 95th percentile (nearest rank) of `values`.
pub fn median_p95(values: &mut [u64]) -> serde_json::Value {
    if values.is_empty() {
        return serde_json::Value::Null;
    }
    values.sort_unstable();
    let rank =
        |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    json!({ "median": rank(0.5), "p95": rank(0.95), "n": values.len() })
}

fn default_samples() -> anyhow::Result<Vec<PathBuf>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/samples"));
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| anyhow::anyhow!("cannot read the sample questions in {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    Ok(wavs)
}

/// The sample questions of assets/samples, read.
pub(crate) fn sample_questions() -> anyhow::Result<Vec<aoun_audio::Audio>> {
    read_questions(&default_samples()?)
}

fn read_questions(wavs: &[PathBuf]) -> anyhow::Result<Vec<aoun_audio::Audio>> {
    Ok(wavs
        .iter()
        .map(|p| aoun_audio::read_wav(p).map(|(a, _)| a))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Adds a turn's stage timings, and the benchmark's own `extra` figures, to its series: one
/// value per stage that ran.
pub(crate) fn add_stages(
    stages: &mut std::collections::BTreeMap<&'static str, Vec<u64>>,
    t: &aoun_session::StageTimings,
    extra: &[(&'static str, Option<u64>)],
) {
    let common = [
        ("stt_ms", Some(t.stt_ms)),
        ("guide_ms", Some(t.guide_ms)),
        ("llm_first_token_ms", t.llm_first_token_ms),
        ("llm_ms", t.llm_ms),
        ("tts_first_audio_ms", t.tts_first_audio_ms),
        ("tts_ms", t.tts_ms),
        // How long the model wrote while the voice synthesized: the stages side by side.
        ("llm_tts_overlap_ms", t.llm_tts_overlap_ms),
        ("first_audio_ms", t.first_audio_ms),
        ("answer_ms", Some(t.answer_ms)),
        ("total_ms", Some(t.total_ms)),
    ];
    for (name, value) in common.iter().chain(extra) {
        if let Some(v) = value {
            stages.entry(name).or_default().push(*v);
        }
    }
}

/// Runs a benchmark and prints its JSON.
pub fn run(command: BenchCommand, models_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let (wavs, turns, setup) = match command {
        BenchCommand::Turn { wavs, turns, setup } => (wavs, turns, setup),
        BenchCommand::Tts(options) => return crate::bench_tts::run(options, models_dir),
        BenchCommand::Session(options) => return crate::bench_session::run(options, models_dir),
        BenchCommand::Echo(options) => return crate::bench_echo::run(options, models_dir),
        BenchCommand::Resample(options) => return crate::bench_resample::run(options),
        BenchCommand::Office(options) => return crate::bench_office::run(options, models_dir),
        BenchCommand::Llm {
            prompt_tokens,
            gen_tokens,
            repeats,
            peer_python,
            device,
        } => {
            return llm(
                prompt_tokens,
                gen_tokens,
                repeats,
                device,
                peer_python,
                models_dir,
            )
        }
        BenchCommand::Soak {
            turns,
            warmup,
            setup,
        } => return soak(turns, warmup, &setup, models_dir),
    };
    let wavs = if wavs.is_empty() {
        default_samples()?
    } else {
        wavs
    };
    if wavs.is_empty() || turns == 0 {
        anyhow::bail!("give at least one question (--wav) and one turn (--turns)");
    }
    let questions = read_questions(&wavs)?;
    let mut desk = aoun_desk::load(models_dir, &setup, &mut aoun_desk::Quiet)?.whole()?;
    let mut stages: std::collections::BTreeMap<&str, Vec<u64>> = Default::default();
    let mut sources: std::collections::BTreeMap<String, usize> = Default::default();
    for i in 0..turns {
        // Each turn is a new person: follow-ups must not carry over between questions.
        desk.new_person();
        let report = desk.turn(&questions[i % questions.len()], setup.lang.as_deref())?;
        add_stages(&mut stages, &report.timings, &[]);
        *sources
            .entry(format!("{:?}", report.answer.source))
            .or_default() += 1;
    }
    let stages: serde_json::Map<String, serde_json::Value> = stages
        .into_iter()
        .map(|(name, mut values)| (name.to_string(), median_p95(&mut values)))
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "turn",
            "turns": turns,
            "questions": wavs,
            "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "load_ms": desk.load_ms,
            "devices": desk.devices,
            "stages": stages,
            "answer_sources": sources,
        }))?
    );
    Ok(())
}

/// Tokens per second of Aoun's language model on `device`, and of llama.cpp when a peer
/// Python is given.
fn llm(
    prompt_tokens: usize,
    gen_tokens: usize,
    repeats: usize,
    device: aoun_desk::DeviceChoice,
    peer_python: Option<PathBuf>,
    models_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    use aoun_llm::{ChatMessage, GenerateOptions, LanguageModel, Role};
    let store = aoun_models::ModelStore::open(models_dir)?;
    let gguf = store.verified_path("smollm2-135m-instruct")?;
    let (device, device_name, fallback) = aoun_desk::for_language_model(device);
    if let Some(sentence) = fallback {
        eprintln!("aoun: {sentence}");
    }
    let mut model = aoun_llm::GgufModel::load(&gguf, device)?;
    let filler = "The office opens in the morning and closes in the afternoon. ";
    let words = filler.repeat(prompt_tokens / 10 + 1);
    let options = GenerateOptions {
        max_tokens: gen_tokens,
        max_sentences: usize::MAX,
        temperature: None,
        single_paragraph: false,
        repeat_penalty: 1.0,
        seed: 1,
        ..GenerateOptions::default()
    };
    let (mut prompt_rates, mut gen_rates) = (Vec::new(), Vec::new());
    for run in 0..repeats.max(1) {
        // A different first word every run, so no cached prefix is reused.
        let ids = model.encode(&format!("Run {run}. {words}"))?;
        let text = model.decode(&ids[..prompt_tokens.min(ids.len())])?;
        let messages = [ChatMessage::new(Role::User, text)];
        let g = model.generate(&messages, &options, &mut |_| {
            std::ops::ControlFlow::Continue(())
        })?;
        let computed = g.prompt_tokens - g.reused_prompt_tokens;
        prompt_rates.push((computed as f64 / (g.prompt_ms.max(1) as f64 / 1000.0)) as u64);
        if g.generated_tokens > 1 {
            gen_rates.push(
                ((g.generated_tokens - 1) as f64 / (g.generate_ms.max(1) as f64 / 1000.0)) as u64,
            );
        }
    }
    let peer = match peer_python {
        Some(python) => {
            let script = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../bench/peers/llama_tokens.py"
            );
            let output = std::process::Command::new(python)
                .arg(script)
                .arg(&gguf)
                .args(["--prompt-tokens", &prompt_tokens.to_string()])
                .args(["--gen-tokens", &gen_tokens.to_string()])
                .args(["--repeats", &repeats.to_string()])
                .output()?;
            if !output.status.success() {
                anyhow::bail!(
                    "llama.cpp failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .last()
                        .unwrap_or_default()
                );
            }
            Some(serde_json::from_slice::<serde_json::Value>(&output.stdout)?)
        }
        None => None,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "llm",
            "model": gguf,
            "device": device_name,
            "prompt_tokens": prompt_tokens,
            "aoun_candle": {
                "prompt_tok_s": median_p95(&mut prompt_rates),
                "gen_tok_s": median_p95(&mut gen_rates),
            },
            "llama_cpp": peer,
        }))?
    );
    Ok(())
}

/// What this process holds at one moment: resident memory, threads and open files.
#[derive(Debug, Clone, Copy)]
struct Footprint {
    rss_kib: u64,
    threads: usize,
    open_files: usize,
}

impl Footprint {
    /// Reads `/proc/self`; `None` where there is no such folder.
    fn now() -> Option<Footprint> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let count = |dir: &str| std::fs::read_dir(dir).map(|d| d.count()).ok();
        Some(Footprint {
            rss_kib: line.split_whitespace().nth(1)?.parse().ok()?,
            threads: count("/proc/self/task")?,
            open_files: count("/proc/self/fd")?,
        })
    }

    fn json(self) -> serde_json::Value {
        json!({
            "rss_mib": self.rss_kib / 1024,
            "threads": self.threads,
            "open_files": self.open_files,
        })
    }
}

/// Runs `turns` voice turns on the sample questions, each for a new person, and reports how
/// memory, threads and open files changed after `warmup` turns.
fn soak(
    turns: usize,
    warmup: usize,
    setup: &Setup,
    models_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let questions = sample_questions()?;
    if questions.is_empty() || warmup == 0 || warmup >= turns {
        anyhow::bail!("give more turns (--turns) than warm-up turns (--warmup), and at least one warm-up turn");
    }
    let mut desk = aoun_desk::load(models_dir, setup, &mut aoun_desk::Quiet)?.whole()?;
    let mut answered = 0;
    let mut after_warmup = None;
    let mut rss_series = Vec::new();
    let every = (turns / 20).max(1);
    for i in 0..turns {
        desk.new_person();
        let report = desk.turn(&questions[i % questions.len()], setup.lang.as_deref())?;
        if report.audio.is_some() && !report.answer.text.is_empty() {
            answered += 1;
        }
        if i + 1 == warmup {
            after_warmup = Footprint::now();
        }
        if (i + 1) % every == 0 {
            rss_series.push(Footprint::now().map(|f| f.rss_kib / 1024));
        }
    }
    let end = Footprint::now();
    let growth = steady_growth_percent(&rss_series[(warmup / every).min(rss_series.len())..]);
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "soak",
            "turns": turns,
            "warmup_turns": warmup,
            "answered": answered,
            "after_warmup": after_warmup.map(Footprint::json),
            "end": end.map(Footprint::json),
            "rss_growth_percent": growth,
            "rss_mib_every": every,
            "rss_mib_series": rss_series,
        }))?
    );
    Ok(())
}

/// How much the highest memory reading of the second half of a run exceeds the highest of its
/// first half, in percent. A leak grows from one half to the next; an allocator that settles
/// on a larger heap once (a step, then flat) does not, so peaks are compared, not the first
/// and last readings.
fn steady_growth_percent(readings: &[Option<u64>]) -> Option<f64> {
    let readings: Option<Vec<u64>> = readings.iter().copied().collect();
    let readings = readings?;
    if readings.len() < 2 {
        return None;
    }
    let (first, second) = readings.split_at(readings.len() / 2);
    let (first, second) = (*first.iter().max()?, *second.iter().max()?);
    Some(((second as f64 - first as f64) / first as f64 * 1000.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_growth_compares_the_peaks_of_the_two_halves() {
        let step_then_flat = [325, 333, 385, 386, 383, 385, 376, 388, 387, 362].map(Some);
        assert_eq!(steady_growth_percent(&step_then_flat), Some(0.5));
        let leak = [300, 310, 320, 330, 340, 350].map(Some);
        assert_eq!(steady_growth_percent(&leak), Some(9.4));
        assert_eq!(steady_growth_percent(&[Some(300)]), None);
        assert_eq!(steady_growth_percent(&[Some(300), None]), None);
    }

    #[test]
    fn median_and_p95_use_nearest_rank() {
        let mut values: Vec<u64> = (1..=20).rev().collect();
        let stats = median_p95(&mut values);
        assert_eq!(stats["median"], 10);
        assert_eq!(stats["p95"], 19);
        assert_eq!(median_p95(&mut []), serde_json::Value::Null);
    }
}
