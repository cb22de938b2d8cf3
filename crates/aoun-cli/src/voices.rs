//! `aoun voices`: what speaks each language, and why.

use std::path::PathBuf;

use aoun_models::ModelStore;
use aoun_tts::{TextToSpeech, VoiceSource};
use serde_json::json;

/// Loads the voices as a turn would, and prints the choice per language.
pub fn run(models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let store = ModelStore::open(models_dir)?;
    let set = aoun_desk::load_voice_set(&store)?;
    let rows: Vec<serde_json::Value> = set
        .choices
        .iter()
        .zip(&set.voices)
        .map(|(choice, voice)| {
            let (engine, name) = match &choice.source {
                VoiceSource::Piper { id, .. } => ("piper", id.as_str()),
                VoiceSource::Espeak { voice } => ("espeak-ng", voice.as_str()),
            };
            json!({
                "lang": choice.lang.code(),
                "engine": engine,
                "voice": name,
                "reason": choice.reason,
                "reads": voice.describe(),
            })
        })
        .collect();
    let tashkeel = match &set.diacritizer {
        Ok(()) => "Arabic text is diacritized (tashkeel) before it is read".to_string(),
        Err(why) => format!("Arabic text is read without diacritization: {why}"),
    };
    if json {
        println!(
            "{}",
            json!({
                "voices": rows,
                "diacritizer": set.diacritizer.is_ok(),
                "diacritizer_note": tashkeel,
            })
        );
    } else {
        for row in &rows {
            println!(
                "{:<4} {:<10} {:<28} {}",
                row["lang"].as_str().unwrap_or_default(),
                row["engine"].as_str().unwrap_or_default(),
                row["voice"].as_str().unwrap_or_default(),
                row["reason"].as_str().unwrap_or_default(),
            );
        }
        println!("{tashkeel}");
    }
    Ok(())
}
