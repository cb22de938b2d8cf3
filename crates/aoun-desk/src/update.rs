//! Office updates from a folder (a USB stick): a content pack or a model pack, installed only
//! when it is signed with a key the office trusts, and installed so that a failure at any step
//! leaves the previous pack in place and answering. A content pack is installed only over an
//! older version, and the installed one is checked again at every start: every file as signed,
//! and signed with a key the office trusts.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use aoun_guide::Guide;
use aoun_guide::PackSummary;
use aoun_models::{FetchOptions, FetchReport, ModelStore, Pack};
use aoun_signing::{
    read_release, sign_folder, verify_folder, KeyPair, PublicKey, Release, VerifiedPack,
    SIGNATURE_FILE,
};

/// The signature file of the model pack last installed, kept in the model store's folder.
const INSTALLED_MODEL_PACK: &str = "installed-model-pack.toml";

/// Environment variable that sets the folder of the installed content pack.
pub const GUIDE_DIR_ENV: &str = "AOUN_GUIDE_DIR";

/// Environment variable naming the public key files (separated as in `PATH`) that the installed
/// content pack must be signed with at start, in place of the keys recorded when it was
/// installed: a kiosk pins the office key it was set up with (`/etc/aoun/office.pub`).
pub const TRUST_ENV: &str = "AOUN_TRUST";

/// Where an installed content pack lives: `$AOUN_GUIDE_DIR`, else `<user data dir>/aoun/guide`.
/// The folder need not exist. Installing uses its parent folder for staging.
pub fn installed_guide_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(GUIDE_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "aoun")
        .context("this system has no data folder for Aoun's content pack")?;
    Ok(dirs.data_dir().join("guide"))
}

/// The installed content pack, when there is one, it holds exactly the files it was signed with,
/// it is signed with a key the office trusts ([`trusted_at_start`]), and it loads. An install cut
/// short between its two renames leaves the previous pack aside; it is used then.
pub fn installed_guide() -> Option<Guide> {
    let dir = installed_guide_dir().ok()?;
    let candidates: Vec<PathBuf> = installed_candidates(&dir)
        .into_iter()
        .filter(|candidate| is_content_pack(candidate))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let trusted = match trusted_at_start(&dir) {
        Ok(trusted) => trusted,
        Err(error) => {
            // No path: it names the user's folder.
            tracing::warn!("the installed content pack cannot be checked ({error:#}), so the built-in pack answers instead");
            return None;
        }
    };
    for candidate in candidates {
        if let Err(error) = verify_folder(&candidate, &trusted) {
            tracing::warn!("the installed content pack fails its signature check ({error}), so the previous or built-in pack answers instead");
            continue;
        }
        match Guide::load(&candidate) {
            Ok(guide) => return Some(guide),
            Err(error) => {
                tracing::warn!(dir = %candidate.display(), %error, "installed content pack skipped");
            }
        }
    }
    None
}

/// The keys the installed content pack of `dir` must be signed with at start: those of the
/// files that [`TRUST_ENV`] names when it is set, else those `aoun pack install --trust` was
/// given when it installed the pack, recorded beside it ([`trusted_record`]).
fn trusted_at_start(dir: &Path) -> anyhow::Result<Vec<PublicKey>> {
    if let Some(files) = std::env::var_os(TRUST_ENV).filter(|v| !v.is_empty()) {
        let keys = std::env::split_paths(&files)
            .map(|file| PublicKey::read(&file))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("a key file that {TRUST_ENV} names cannot be read"))?;
        return Ok(keys);
    }
    let record = trusted_record(dir);
    let mut keys = Vec::new();
    if let Ok(entries) = fs::read_dir(&record) {
        for entry in entries {
            let file = entry
                .context("the record of the keys it was installed with cannot be read")?
                .path();
            if file.extension().is_some_and(|e| e == "pub") {
                keys.push(PublicKey::read(&file)?);
            }
        }
    }
    if keys.is_empty() {
        bail!("no record of the keys it was installed with trusting is found (an Aoun before this record installed it); install it again with `aoun pack install --trust`");
    }
    Ok(keys)
}

/// `<target>.trusted`: the folder of the public keys (`<id>.pub`) that the content pack installed
/// as `target` was checked with, what it is checked with again at every start.
fn trusted_record(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".trusted");
    target.with_file_name(name)
}

/// Records the `trusted` keys the pack installed as `target` was checked with, replacing the
/// record of an earlier install. Written after the pack itself: a record cut short leaves at
/// worst a pack that is not used until it is installed again, never a foreign key trusted.
fn record_trusted(target: &Path, trusted: &[PublicKey]) -> anyhow::Result<()> {
    let record = trusted_record(target);
    let parent = record.parent().unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".trusted-incoming-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
    for key in trusted {
        let file = staging.path().join(format!("{}.pub", key.id()));
        if !file.exists() {
            key.write(&file)?;
            fs::File::open(&file)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot flush {}", file.display()))?;
        }
    }
    if record.exists() {
        fs::remove_dir_all(&record)
            .with_context(|| format!("cannot replace {}", record.display()))?;
    }
    let staged = staging.keep();
    fs::rename(&staged, &record).map_err(|error| {
        let _ = fs::remove_dir_all(&staged);
        anyhow!(error).context(format!("cannot write {}", record.display()))
    })?;
    sync_folder(Some(parent));
    Ok(())
}

/// What [`install_update`] installed.
#[derive(Debug)]
pub enum Installed {
    /// A content pack, which now answers.
    Guide {
        /// The signature that was checked.
        signed: VerifiedPack,
        /// Where it is installed.
        dir: PathBuf,
        /// What it covers.
        summary: PackSummary,
    },
    /// Models, installed into the model store.
    Models {
        /// The signature that was checked.
        signed: VerifiedPack,
        /// What the fetch did.
        report: FetchReport,
    },
}

/// Where the installed content pack of `dir` is looked for, in order: `dir`, then the pack an
/// install cut short left aside.
fn installed_candidates(dir: &Path) -> [PathBuf; 2] {
    [dir.to_path_buf(), previous_of(dir)]
}

/// Whether `folder` holds a content pack (else it is a model pack).
fn is_content_pack(folder: &Path) -> bool {
    folder.join("pack.toml").is_file()
}

/// Signs the update in `folder` with `key`, with its version (a content pack's `pack.toml`
/// `version`; none for a model pack) and the current time.
pub fn sign_update(folder: &Path, key: &KeyPair) -> anyhow::Result<VerifiedPack> {
    let version = if is_content_pack(folder) {
        content_pack_version(folder)?
    } else {
        String::new()
    };
    Ok(sign_folder(folder, key, Release::now(version))?)
}

/// The `version` of the content pack in `folder`, read from its `pack.toml` alone.
fn content_pack_version(folder: &Path) -> anyhow::Result<String> {
    #[derive(serde::Deserialize)]
    struct Versioned {
        version: String,
    }
    let path = folder.join("pack.toml");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let pack: Versioned = toml::from_str(&text).map_err(|e| {
        anyhow!(
            "{} gives no version for the pack: {}",
            path.display(),
            e.message().trim().trim_end_matches('.')
        )
    })?;
    Ok(pack.version)
}

/// Installs the signed update in `folder`: a content pack (a folder holding `pack.toml`) into
/// [`installed_guide_dir`], or else a model pack (archives as `aoun models fetch --from` takes
/// them) of `models_pack` into the model store. Refused unless one of the `trusted` keys signed
/// it and every file is as signed. Unless `allow_older`, it is refused too when it is not newer
/// than the pack installed before ([`Release::is_newer_than`]): a content pack of a version no
/// higher (see [`install_guide`]), a model pack signed no later than the last one installed.
pub fn install_update(
    folder: &Path,
    trusted: &[PublicKey],
    allow_older: bool,
    models_dir: Option<PathBuf>,
    models_pack: Pack,
    progress: &mut dyn aoun_models::Progress,
) -> anyhow::Result<Installed> {
    if is_content_pack(folder) {
        let dir = installed_guide_dir()?;
        let (signed, summary) = install_guide(folder, trusted, allow_older, &dir)?;
        return Ok(Installed::Guide {
            signed,
            dir,
            summary,
        });
    }
    let signed = verify_folder(folder, trusted)?;
    let store = ModelStore::open(models_dir)?;
    let record = store.root().join(INSTALLED_MODEL_PACK);
    if !allow_older {
        refuse_unless_newer(&signed.release, read_release(&record).ok(), "model pack")?;
    }
    let options = FetchOptions::from_folder(models_pack, folder);
    let report = aoun_models::fetch_with(&store, &options, progress)?;
    copy_synced(&folder.join(SIGNATURE_FILE), &record)?;
    Ok(Installed::Models { signed, report })
}

/// Installs the signed content pack in `folder` as `target`: its signed files are copied into a
/// staging folder beside `target`, verified again there (so what is installed is exactly what
/// was signed), checked as a content pack, and renamed to `target`. The previous pack is kept
/// until that rename has succeeded, and put back if it fails.
///
/// Unless `allow_older`, a pack whose version is not higher than that of the installed pack
/// (when it is still used at start: as signed, by a key trusted there) is refused before anything
/// is written.
pub fn install_guide(
    folder: &Path,
    trusted: &[PublicKey],
    allow_older: bool,
    target: &Path,
) -> anyhow::Result<(VerifiedPack, PackSummary)> {
    let signed = verify_folder(folder, trusted)?;
    if !allow_older {
        // The installed pack, when it is still used at start (as signed, by a key trusted
        // there): one that is not used sets no floor, and installing a good pack over it mends
        // it.
        let at_start = trusted_at_start(target).unwrap_or_default();
        let installed = installed_candidates(target)
            .iter()
            .find_map(|candidate| verify_folder(candidate, &at_start).ok());
        refuse_unless_newer(
            &signed.release,
            installed.map(|pack| pack.release),
            "content pack",
        )?;
    }
    let (parent, name) = match (target.parent(), target.file_name()) {
        (Some(parent), Some(name)) => (parent, name.to_string_lossy()),
        _ => bail!("{} cannot hold a content pack", target.display()),
    };
    fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    restore_interrupted(target)?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}-incoming-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
    let names = signed.files.iter().map(|f| f.path.as_str());
    for rel in names.chain([SIGNATURE_FILE]) {
        copy_synced(&folder.join(rel), &staging.path().join(rel))?;
    }
    // What was copied is what was checked above, its version included, even if the folder
    // changed in between.
    if verify_folder(staging.path(), trusted)? != signed {
        bail!("the update changed while it was being copied; install it again");
    }
    let summary =
        aoun_guide::check_pack(staging.path()).map_err(|errors| match errors.first() {
            Some(first) => anyhow!(
                "its content pack is not valid: {}, line {}: {}",
                first.file,
                first.line,
                first.problem
            ),
            None => anyhow!("its content pack is not valid"),
        })?;
    let staged = staging.keep();
    replace_dir(&staged, target).inspect_err(|_| {
        let _ = fs::remove_dir_all(&staged);
    })?;
    record_trusted(target, trusted)?;
    Ok((signed, summary))
}

/// Refuses `offered` unless it is newer than the `installed` pack of its kind (`what`), if any.
fn refuse_unless_newer(
    offered: &Release,
    installed: Option<Release>,
    what: &str,
) -> anyhow::Result<()> {
    match installed {
        Some(installed) if !offered.is_newer_than(&installed) => bail!(
            "it is not newer than the installed {what}: it is {offered}, and the installed one is {installed}; only a newer pack is installed over it, unless `aoun pack install --allow-older` is given"
        ),
        _ => Ok(()),
    }
}

/// `<target>.previous`: where the installed pack waits while its successor is renamed in.
fn previous_of(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".previous");
    target.with_file_name(name)
}

/// Puts back a pack left aside by an install cut short between its two renames.
fn restore_interrupted(target: &Path) -> anyhow::Result<()> {
    let previous = previous_of(target);
    if !target.exists() && previous.is_dir() {
        fs::rename(&previous, target)
            .with_context(|| format!("cannot restore {}", previous.display()))?;
    }
    Ok(())
}

/// Renames `staged` to `target`, keeping the current `target` aside until that succeeded.
fn replace_dir(staged: &Path, target: &Path) -> anyhow::Result<()> {
    let previous = previous_of(target);
    if previous.exists() {
        // Left by an earlier install that could not remove it: `target` is the live pack.
        fs::remove_dir_all(&previous)
            .with_context(|| format!("cannot remove {}", previous.display()))?;
    }
    let had_pack = target.exists();
    if had_pack {
        fs::rename(target, &previous)
            .with_context(|| format!("cannot move {} aside", target.display()))?;
    }
    if let Err(error) = fs::rename(staged, target) {
        if had_pack {
            let _ = fs::rename(&previous, target);
        }
        return Err(error).with_context(|| format!("cannot install into {}", target.display()));
    }
    sync_folder(target.parent());
    if had_pack {
        if let Err(error) = fs::remove_dir_all(&previous) {
            tracing::warn!(dir = %previous.display(), %error, "the previous content pack was not removed");
        }
    }
    Ok(())
}

/// Copies a file, creating its folder, and flushes it to disk before the install's rename.
fn copy_synced(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::copy(from, to)
        .and_then(|_| fs::File::open(to)?.sync_all())
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// Makes a rename inside `dir` durable (Unix; elsewhere the rename is left to the system).
fn sync_folder(dir: Option<&Path>) {
    #[cfg(unix)]
    if let Some(dir) = dir {
        if let Err(error) = fs::File::open(dir).and_then(|f| f.sync_all()) {
            tracing::warn!(dir = %dir.display(), %error, "cannot flush the folder");
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}
