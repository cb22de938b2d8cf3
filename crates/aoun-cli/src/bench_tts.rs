//! `aoun bench tts`: time to first audio and real-time factor of Aoun's Piper path, side by side
//! with the piper-tts Python package speaking the same texts with the same voice; with
//! `--memory`, the same voice loaded once per onnxruntime memory policy, measured in turns.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use aoun_guide::Lang;
use aoun_models::ModelStore;
use aoun_onnx::Memory;
use aoun_tts::{
    LanguageVoice, SentenceStream, TextToSpeech, VoiceCandidate, VoiceSet, VoiceSource,
};
use serde_json::{json, Value};

/// The texts spoken, by length (English: the registry pack's Piper voice is English).
const TEXTS: [(&str, &str); 3] = [
    ("short", "Where is the nearest office?"),
    (
        "medium",
        "To renew your national identity card, bring the old card and one recent photo to the police station.",
    ),
    (
        "long",
        "To renew your national identity card, bring the old card and one recent photo to the police station. \
         The fee is seventy five dirhams, paid with a stamp. \
         The new card is usually ready within two weeks, and you will receive a text message when you can collect it.",
    ),
];

/// Options of `aoun bench tts`.
#[derive(clap::Args, Debug)]
pub struct TtsBench {
    /// Piper voice to measure (manifest id).
    #[arg(long, default_value = "piper-en_US-joe-medium")]
    pub voice: String,
    /// Timed runs per text.
    #[arg(long, default_value_t = 10)]
    pub repeats: usize,
    /// Python interpreter with piper-tts and onnxruntime installed: also measures that peer.
    #[arg(long, value_name = "PATH")]
    pub peer_python: Option<PathBuf>,
    /// onnxruntime memory policies to measure, each with its own copy of the voice, in turns
    /// (comma-separated: direct, arena, shared-exact, shared-presized; at most one shared one,
    /// since a process has one shared arena). Default: the programs' own policy.
    #[arg(long, value_delimiter = ',', value_parser = parse_memory)]
    pub memory: Vec<aoun_onnx::Memory>,
}

fn parse_memory(name: &str) -> Result<aoun_onnx::Memory, String> {
    aoun_onnx::Memory::from_name(name).ok_or_else(|| {
        let names: Vec<_> = aoun_onnx::Memory::ALL.iter().map(|m| m.name()).collect();
        format!("not a memory policy (one of {})", names.join(", "))
    })
}

/// Median and 95th percentile (nearest rank).
fn stats(values: &[f64]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    json!({ "median": round(rank(0.5)), "p95": round(rank(0.95)), "n": v.len() })
}

fn lang_of(langs: &[String]) -> Lang {
    langs
        .iter()
        .find_map(|c| Lang::from_whisper_code(c))
        .unwrap_or(Lang::En)
}

/// Runs the benchmark and prints its JSON.
pub fn run(options: TtsBench, models_dir: Option<PathBuf>) -> anyhow::Result<()> {
    if options.repeats == 0 {
        bail!("give at least one timed run (--repeats)");
    }
    let store = ModelStore::open(models_dir)?;
    let model = store.verified_path(&options.voice)?;
    let lang = lang_of(&store.entry(&options.voice)?.languages);
    aoun_desk::init_speech_runtime(&store)?;

    let mut policies = options.memory.clone();
    if policies.is_empty() {
        policies.push(aoun_onnx::memory());
    }
    policies.dedup();
    let shared = policies
        .iter()
        .filter(|m| matches!(m, Memory::SharedExact | Memory::SharedPresized))
        .count();
    if shared > 1 {
        bail!("measure one shared arena at a time: a process has only one");
    }
    let tashkeel = store
        .verified_path("tashkeel")
        .ok()
        .and_then(|m| m.parent().map(Path::to_path_buf));
    let mut sets = Vec::new();
    let mut load_ms = Vec::new();
    for &memory in &policies {
        aoun_onnx::set_memory(memory);
        let started = Instant::now();
        let set = VoiceSet::load(
            &[VoiceCandidate {
                id: options.voice.clone(),
                languages: vec![lang],
                model: model.clone(),
            }],
            tashkeel.as_deref(),
        )?;
        load_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        if let Some(choice) = set
            .choices
            .iter()
            .find(|c| c.lang == lang && !matches!(c.source, VoiceSource::Piper { .. }))
        {
            bail!("{}", choice.reason);
        }
        sets.push(set);
    }
    let mut voices = sets
        .iter_mut()
        .map(|set| {
            set.voice_mut(lang)
                .context("the benchmarked voice was not loaded")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut peer = match &options.peer_python {
        Some(python) => Some(Peer::start(python, &model)?),
        None => None,
    };
    let (measured, peer_measured) = measure(&mut voices, peer.as_mut(), options.repeats)?;
    let aoun = &measured[0];

    let mut by_length = serde_json::Map::new();
    let mut ratios = serde_json::Map::new();
    for (name, text) in TEXTS {
        let (first, rtf) = &aoun[name];
        let mut entry = json!({
            "chars": text.chars().count(),
            "words": text.split_whitespace().count(),
            "aoun": { "first_audio_ms": stats(first), "rtf": stats(rtf) },
        });
        if policies.len() > 1 {
            entry["aoun_by_memory"] = policies
                .iter()
                .zip(&measured)
                .map(|(memory, m)| {
                    let (first, rtf) = &m[name];
                    let figures = json!({ "first_audio_ms": stats(first), "rtf": stats(rtf) });
                    (memory.name().to_string(), figures)
                })
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        if let Some(peer_measured) = &peer_measured {
            let (first, rtf) = &peer_measured[name];
            let (pf, pr) = (stats(first), stats(rtf));
            let ratio = |peer: &Value, ours: &Value| match (
                peer["median"].as_f64(),
                ours["median"].as_f64(),
            ) {
                (Some(p), Some(o)) if o > 0.0 => json!((p / o * 100.0).round() / 100.0),
                _ => Value::Null,
            };
            ratios.insert(
                name.to_string(),
                json!({
                    "first_audio_peer_over_aoun": ratio(&pf, &entry["aoun"]["first_audio_ms"]),
                    "rtf_peer_over_aoun": ratio(&pr, &entry["aoun"]["rtf"]),
                }),
            );
            entry["peer"] = json!({ "first_audio_ms": pf, "rtf": pr });
        }
        by_length.insert(name.to_string(), entry);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bench": "tts",
            "voice": options.voice,
            "repeats": options.repeats,
            "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "aoun_load_ms": load_ms[0].round(),
            "memory": policies.iter().map(|m| m.name()).collect::<Vec<_>>(),
            "peer": peer.as_ref().map(|p| json!({
                "engine": p.about["engine"],
                "onnxruntime": p.about["onnxruntime"],
                "load_ms": p.about["load_ms"].as_f64().map(f64::round),
                "taking_turns_with_aoun": true,
            })),
            "by_length": by_length,
            "ratio": if peer.is_some() { Value::Object(ratios) } else { Value::Null },
        }))?
    );
    Ok(())
}

type Measures = std::collections::HashMap<&'static str, (Vec<f64>, Vec<f64>)>;

/// First-audio times (ms) and real-time factors of Aoun's sentence stream for each voice, and
/// of the peer's when there is one: all take turns, text after text, so a busy moment of the
/// machine falls on every one of them.
fn measure(
    voices: &mut [&mut LanguageVoice],
    mut peer: Option<&mut Peer>,
    repeats: usize,
) -> anyhow::Result<(Vec<Measures>, Option<Measures>)> {
    let mut out: Vec<Measures> = voices.iter().map(|_| Measures::new()).collect();
    let mut peer_out = peer.as_ref().map(|_| Measures::new());
    // One untimed run so every side starts warm (the peer warmed up as it loaded).
    for voice in voices.iter_mut() {
        voice.synthesize("Warm up.")?;
    }
    for _ in 0..repeats {
        for (name, text) in TEXTS {
            for (voice, out) in voices.iter_mut().zip(&mut out) {
                let began = Instant::now();
                let mut first = None;
                let mut seconds = 0.0f64;
                for sentence in SentenceStream::new(&mut **voice, text)? {
                    let sentence = sentence?;
                    first.get_or_insert_with(|| began.elapsed().as_secs_f64() * 1000.0);
                    seconds += f64::from(sentence.audio.duration_secs());
                }
                let total = began.elapsed().as_secs_f64();
                let (first_ms, rtf) = out.entry(name).or_default();
                first_ms.push(first.unwrap_or(total * 1000.0));
                rtf.push(total / seconds.max(1e-9));
            }
            if let (Some(peer), Some(peer_out)) = (peer.as_deref_mut(), peer_out.as_mut()) {
                let spoken = peer.speak(text)?;
                let figure = |key: &str| {
                    spoken[key]
                        .as_f64()
                        .with_context(|| format!("the peer gave no {key}"))
                };
                let (first_ms, rtf) = peer_out.entry(name).or_default();
                first_ms.push(figure("first_audio_ms")?);
                rtf.push(figure("rtf")?);
            }
        }
    }
    Ok((out, peer_out))
}

fn peer_script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/peers/piper_tts_peer.py"
    ))
}

/// piper-tts in a Python process of its own, speaking one text at a time when asked.
struct Peer {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    /// What it said once loaded: engine, onnxruntime version, load time.
    about: Value,
}

impl Peer {
    fn start(python: &Path, model: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(python)
            .arg(peer_script())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start the peer interpreter {}", python.display()))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("the peer's input and output are not connected");
        };
        let mut peer = Self {
            child,
            input,
            output: BufReader::new(output),
            about: Value::Null,
        };
        peer.about = peer.ask(&json!({ "model": model }))?;
        Ok(peer)
    }

    fn speak(&mut self, text: &str) -> anyhow::Result<Value> {
        self.ask(&json!({ "text": text }))
    }

    /// Sends one request line and reads the answer line.
    fn ask(&mut self, request: &Value) -> anyhow::Result<Value> {
        writeln!(self.input, "{request}")?;
        self.input.flush()?;
        let mut line = String::new();
        if self.output.read_line(&mut line)? == 0 {
            let mut err = String::new();
            if let Some(stderr) = self.child.stderr.as_mut() {
                std::io::Read::read_to_string(stderr, &mut err)?;
            }
            bail!(
                "the peer {} failed: {}",
                peer_script().display(),
                err.lines().last().unwrap_or("no message")
            );
        }
        serde_json::from_str(&line).context("the peer did not answer in JSON")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Whatever it was doing, nothing waits for it any more.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
