//! `aoun models`: fetching and checking the model packs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use aoun_models::{FetchOptions, ModelStore, Pack};

/// `aoun models fetch`.
pub fn fetch(
    models_dir: Option<PathBuf>,
    pack: &str,
    from: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let store = ModelStore::open(models_dir)?;
    let pack: Pack = pack.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let options = match from {
        Some(dir) => FetchOptions::from_folder(pack, dir),
        None => FetchOptions::pip(pack),
    };
    let report = if json {
        aoun_models::fetch_with(&store, &options, &mut aoun_models::NoProgress)?
    } else {
        aoun_models::fetch_with(&store, &options, &mut aoun_models::BarProgress::new())?
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "models_dir": store.root(),
                "verified": report.verified,
                "installed": report.installed,
                "skipped": report.skipped,
            })
        );
    } else {
        println!("models are in {}", store.root().display());
    }
    Ok(())
}

/// `aoun models export DIR`.
pub fn export(
    models_dir: Option<PathBuf>,
    dir: &Path,
    pack: &str,
    only: &[String],
    json: bool,
) -> anyhow::Result<()> {
    let store = ModelStore::open(models_dir)?;
    let pack: Pack = pack.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let report = if json {
        aoun_models::export(&store, pack, only, dir, &mut aoun_models::NoProgress)?
    } else {
        aoun_models::export(
            &store,
            pack,
            only,
            dir,
            &mut aoun_models::BarProgress::new(),
        )?
    };
    if report.installed.is_empty() && report.verified.is_empty() {
        anyhow::bail!(
            "no model of the {pack} pack is installed in {}",
            store.root().display()
        );
    }
    if json {
        println!(
            "{}",
            serde_json::json!({
                "dir": dir,
                "copied": report.installed,
                "verified": report.verified,
                "left_out": report.skipped,
            })
        );
    } else {
        println!(
            "the pack is in {}: install it with `aoun models fetch --from {}`",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// `aoun models status`.
pub fn status(models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let store = ModelStore::open(models_dir).context("cannot open the model folder")?;
    let status = store.status();
    if json {
        let rows: Vec<_> = status
            .iter()
            .map(|s| serde_json::json!({"id": s.id, "pack": s.pack.to_string(), "state": format!("{:?}", s.state)}))
            .collect();
        println!(
            "{}",
            serde_json::json!({"models_dir": store.root(), "models": rows})
        );
    } else {
        println!("models in {}", store.root().display());
        for s in status {
            println!("  {:<28} {:<9} {:?}", s.id, s.pack.to_string(), s.state);
        }
    }
    Ok(())
}
