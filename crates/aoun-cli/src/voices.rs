//! `aoun voices`: what speaks each language, and why.

use std::path::PathBuf;

use aoun_models::ModelStore;
use serde_json::json;

/// Loads the voices as a turn would, and prints the choice per language.
pub fn run(models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let store = ModelStore::open(models_dir)?;
    let set = aoun_desk::load_voice_set(&store)?;
    let rows = aoun_desk::voice_infos(&set);
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
                row.lang, row.engine, row.voice, row.reason
            );
        }
        println!("{tashkeel}");
    }
    Ok(())
}
