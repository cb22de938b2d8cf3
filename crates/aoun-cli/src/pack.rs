//! `aoun pack`: the office's signing key, and signed updates of the content pack and the models.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use aoun_desk::Installed;
use aoun_models::Pack;
use aoun_signing::{KeyPair, PublicKey, VerifiedPack};
use clap::Subcommand;
use serde_json::json;

/// What `aoun pack` does.
#[derive(Subcommand)]
pub enum PackAction {
    /// Make the office's key: the secret key file (`--out`) for signing, and the public key file
    /// beside it (same name ending in `.pub`) for every kiosk to trust.
    Keygen {
        /// The secret key file to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign a folder (a content pack, or the archives of a model pack): writes SIGNATURE.toml
    /// into it, listing every file with its size and sha256, the pack's version (a content
    /// pack's pack.toml `version`) and the signing time.
    Sign {
        /// The folder to sign.
        folder: PathBuf,
        /// The office's secret key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Check that a folder is signed with a trusted key and holds exactly the signed files.
    Verify {
        /// The signed folder.
        folder: PathBuf,
        /// A public key file the office trusts (repeat for several).
        #[arg(long = "trust", value_name = "FILE.pub", required = true)]
        trust: Vec<PathBuf>,
    },
    /// Verify a signed folder, then install it: a content pack (a folder holding pack.toml)
    /// of a higher version replaces the installed one, which every command and the desktop app
    /// then answer from; a model pack is installed as `aoun models fetch --from` installs it.
    Install {
        /// The signed folder.
        folder: PathBuf,
        /// A public key file the office trusts (repeat for several).
        #[arg(long = "trust", value_name = "FILE.pub", required = true)]
        trust: Vec<PathBuf>,
        /// Install a content pack even when its version is not higher than the installed one's
        /// (to go back to an earlier pack on purpose).
        #[arg(long)]
        allow_older: bool,
        /// For a model pack: which pack its archives are for.
        #[arg(long, default_value = "registry")]
        pack: String,
    },
}

/// Runs `aoun pack …`.
pub fn run(action: PackAction, models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    match action {
        PackAction::Keygen { out } => keygen(&out, json),
        PackAction::Sign { folder, key } => {
            let key = KeyPair::read_secret(&key)?;
            let signed = aoun_desk::sign_update(&folder, &key)
                .with_context(|| format!("{} was not signed", folder.display()))?;
            print_signed("signed", &folder, &signed, json);
            Ok(())
        }
        PackAction::Verify { folder, trust } => {
            let trusted = read_trusted(&trust)?;
            let signed = aoun_signing::verify_folder(&folder, &trusted)
                .with_context(|| format!("the pack in {} is refused", folder.display()))?;
            print_signed("verified", &folder, &signed, json);
            Ok(())
        }
        PackAction::Install {
            folder,
            trust,
            allow_older,
            pack,
        } => install(&folder, &trust, allow_older, &pack, models_dir, json),
    }
}

fn keygen(out: &Path, json: bool) -> anyhow::Result<()> {
    if out.extension().is_some_and(|e| e == "pub") {
        bail!(
            "{} ends in .pub, the name of the public key file; name the secret key file otherwise, such as office.key",
            out.display()
        );
    }
    let public = out.with_extension("pub");
    if let Some(existing) = [out, public.as_path()].into_iter().find(|p| p.exists()) {
        bail!(
            "{} already exists, and a key file is never overwritten",
            existing.display()
        );
    }
    let key = KeyPair::generate()?;
    key.write_secret(out)?;
    key.public_key().write(&public)?;
    let id = key.public_key().id();
    if json {
        println!(
            "{}",
            json!({"key_id": id, "secret_key": out, "public_key": public})
        );
    } else {
        println!(
            "made key {id}: sign with {} (keep it secret, off the kiosks); kiosks trust {}",
            out.display(),
            public.display()
        );
    }
    Ok(())
}

fn read_trusted(files: &[PathBuf]) -> anyhow::Result<Vec<PublicKey>> {
    Ok(files
        .iter()
        .map(|f| PublicKey::read(f))
        .collect::<Result<_, _>>()?)
}

fn install(
    folder: &Path,
    trust: &[PathBuf],
    allow_older: bool,
    pack: &str,
    models_dir: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let pack: Pack = pack.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let trusted = read_trusted(trust)?;
    let installed = if json {
        aoun_desk::install_update(
            folder,
            &trusted,
            allow_older,
            models_dir,
            pack,
            &mut aoun_models::NoProgress,
        )
    } else {
        aoun_desk::install_update(
            folder,
            &trusted,
            allow_older,
            models_dir,
            pack,
            &mut aoun_models::BarProgress::new(),
        )
    }
    .with_context(|| format!("the update in {} was not installed", folder.display()))?;
    match installed {
        Installed::Guide {
            signed,
            dir,
            summary,
        } => {
            if json {
                println!(
                    "{}",
                    json!({
                        "installed": "content",
                        "dir": dir,
                        "key_id": signed.key_id,
                        "files": signed.files.len(),
                        "name": summary.name,
                        "version": summary.version,
                        "signed": signed.release.signed.to_string(),
                        "cards": summary.cards,
                    })
                );
            } else {
                println!(
                    "installed content pack {} {} ({} cards, signed {} with key {}) in {}",
                    summary.name,
                    summary.version,
                    summary.cards.len(),
                    signed.release.signed,
                    signed.key_id,
                    dir.display()
                );
            }
        }
        Installed::Models { signed, report } => {
            if json {
                println!(
                    "{}",
                    json!({
                        "installed": "models",
                        "key_id": signed.key_id,
                        "files": signed.files.len(),
                        "signed": signed.release.signed.to_string(),
                        "verified": report.verified,
                        "models": report.installed,
                        "skipped": report.skipped,
                    })
                );
            } else {
                println!(
                    "model pack signed {} with key {}: {}",
                    signed.release.signed,
                    signed.key_id,
                    report.summary()
                );
            }
        }
    }
    Ok(())
}

fn print_signed(what: &str, folder: &Path, signed: &VerifiedPack, json: bool) {
    if json {
        println!(
            "{}",
            json!({
                what: folder,
                "key_id": signed.key_id,
                "version": signed.release.version,
                "signed": signed.release.signed.to_string(),
                "files": signed.files.len(),
                "bytes": signed.total_bytes(),
            })
        );
    } else {
        println!(
            "{what} {}: {}, {} files, {} bytes, key {}",
            folder.display(),
            signed.release,
            signed.files.len(),
            signed.total_bytes(),
            signed.key_id
        );
    }
}
