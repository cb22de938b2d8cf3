//! `aoun bench tts`: time to first audio and real-time factor of Aoun's Piper path, side by side
//! with the piper-tts Python package speaking the same texts with the same voice.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use aoun_guide::Lang;
use aoun_models::ModelStore;
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

    let started = Instant::now();
    let mut set = VoiceSet::load(
        &[VoiceCandidate {
            id: options.voice.clone(),
            languages: vec![lang],
            model: model.clone(),
        }],
        store
            .verified_path("tashkeel")
            .ok()
            .and_then(|m| m.parent().map(Path::to_path_buf))
            .as_deref(),
    )?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(choice) = set
        .choices
        .iter()
        .find(|c| c.lang == lang && !matches!(c.source, VoiceSource::Piper { .. }))
    {
        bail!("{}", choice.reason);
    }
    let voice = set
        .voice_mut(lang)
        .context("the benchmarked voice was not loaded")?;
    let aoun = measure(voice, options.repeats)?;

    let peer = match &options.peer_python {
        Some(python) => Some(run_peer(python, &model, options.repeats)?),
        None => None,
    };

    let mut by_length = serde_json::Map::new();
    let mut ratios = serde_json::Map::new();
    for (name, text) in TEXTS {
        let (first, rtf) = &aoun[name];
        let mut entry = json!({
            "chars": text.chars().count(),
            "words": text.split_whitespace().count(),
            "aoun": { "first_audio_ms": stats(first), "rtf": stats(rtf) },
        });
        if let Some(peer) = &peer {
            let values = |key: &str| -> Vec<f64> {
                peer["texts"][name][key]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default()
            };
            let (pf, pr) = (stats(&values("first_audio_ms")), stats(&values("rtf")));
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
            "aoun_load_ms": load_ms.round(),
            "peer": peer.as_ref().map(|p| json!({
                "engine": p["engine"],
                "onnxruntime": p["onnxruntime"],
                "load_ms": p["load_ms"].as_f64().map(f64::round),
            })),
            "by_length": by_length,
            "ratio": if peer.is_some() { Value::Object(ratios) } else { Value::Null },
        }))?
    );
    Ok(())
}

type Measures = std::collections::HashMap<&'static str, (Vec<f64>, Vec<f64>)>;

/// First-audio times (ms) and real-time factors of Aoun's sentence stream.
fn measure(voice: &mut LanguageVoice, repeats: usize) -> anyhow::Result<Measures> {
    // One untimed run so both sides start warm.
    voice.synthesize("Warm up.")?;
    let mut out = Measures::new();
    for (name, text) in TEXTS {
        let (mut first_ms, mut rtf) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            let began = Instant::now();
            let mut first = None;
            let mut seconds = 0.0f64;
            for sentence in SentenceStream::new(voice, text)? {
                let sentence = sentence?;
                first.get_or_insert_with(|| began.elapsed().as_secs_f64() * 1000.0);
                seconds += f64::from(sentence.audio.duration_secs());
            }
            let total = began.elapsed().as_secs_f64();
            first_ms.push(first.unwrap_or(total * 1000.0));
            rtf.push(total / seconds.max(1e-9));
        }
        out.insert(name, (first_ms, rtf));
    }
    Ok(out)
}

fn peer_script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/peers/piper_tts_peer.py"
    ))
}

fn run_peer(python: &Path, model: &Path, repeats: usize) -> anyhow::Result<Value> {
    let script = peer_script();
    let texts: serde_json::Map<String, Value> = TEXTS
        .iter()
        .map(|(name, text)| (name.to_string(), json!(text)))
        .collect();
    let request = json!({ "model": model, "texts": texts, "repeats": repeats });
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start the peer interpreter {}", python.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request.to_string().as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        bail!(
            "the peer {} failed: {}",
            script.display(),
            err.lines().last().unwrap_or("no message")
        );
    }
    serde_json::from_slice(&output.stdout).context("the peer did not print JSON")
}
