//! Where models live on disk, and checking them before use.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{IoContext, ModelError};
use crate::hash::{list_tree, sha256_file, tree_sha256};
use crate::manifest::{FileKind, FileSpec, Manifest, ModelEntry, Pack};

/// Environment variable that sets the store root when no explicit path is given.
pub const MODELS_DIR_ENV: &str = "AOUN_MODELS_DIR";

/// Suffix of the sidecar stamp that records a successful check.
const STAMP_SUFFIX: &str = ".verified";

/// A folder holding installed models, laid out as the manifest's paths say.
#[derive(Debug, Clone)]
pub struct ModelStore {
    /// Where models are installed, and read from first.
    root: PathBuf,
    /// The read-only pack installed with the program, read for models missing from `root`.
    bundled: Option<PathBuf>,
    manifest: Manifest,
}

/// Whether one model is ready to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallState {
    /// Every file is present and matches its sha256.
    Installed,
    /// Every file is present, but the manifest lists no sha256 for some of them, so they were not checked.
    Unverified,
    /// At least one file is missing.
    Missing,
    /// A file is present but damaged; the text says which and how.
    Corrupt(String),
}

/// One line of [`ModelStore::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStatus {
    /// Manifest id.
    pub id: String,
    /// Pack of the model.
    pub pack: Pack,
    /// Whether it can be fetched from the package registries.
    pub fetchable: bool,
    /// Its state on disk.
    pub state: InstallState,
}

impl ModelStore {
    /// Opens the store with the manifest built into the program. The root is `root` when given,
    /// else `$AOUN_MODELS_DIR`, else `<user data dir>/aoun/models`. The folder need not exist yet.
    /// With neither of the first two, a model missing from the user's folder is read from the
    /// pack installed with the program, when there is one (see [`bundled_root`]).
    pub fn open(root: Option<PathBuf>) -> Result<ModelStore, ModelError> {
        ModelStore::open_with_manifest(root, Manifest::embedded()?)
    }

    /// Like [`ModelStore::open`] with another manifest (for example one loaded with [`Manifest::load`]).
    pub fn open_with_manifest(
        root: Option<PathBuf>,
        manifest: Manifest,
    ) -> Result<ModelStore, ModelError> {
        let bundled = match (&root, env_root()) {
            (None, None) => bundled_root(),
            _ => None,
        };
        Ok(ModelStore {
            root: resolve_root(root)?,
            bundled,
            manifest,
        })
    }

    /// The store's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The read-only model pack installed with the program that this store falls back on.
    pub fn bundled(&self) -> Option<&Path> {
        self.bundled.as_deref()
    }

    /// The manifest in use.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest entry of a model.
    pub fn entry(&self, id: &str) -> Result<&ModelEntry, ModelError> {
        self.manifest
            .entry(id)
            .ok_or_else(|| ModelError::UnknownModel { id: id.to_string() })
    }

    /// Absolute path of a manifest path in the store's own folder (whether or not it exists):
    /// where fetching installs it.
    pub fn path_of(&self, spec: &FileSpec) -> PathBuf {
        under(&self.root, spec)
    }

    /// Path of the primary file (or directory) of a model; fails when it is not installed.
    /// Does not hash it: use [`ModelStore::verified_path`] for that.
    ///
    /// For `espeak-ng-data` this is the folder named `espeak-ng-data`; espeak-ng wants its parent.
    pub fn path(&self, id: &str) -> Result<PathBuf, ModelError> {
        let entry = self.entry(id)?;
        let spec = entry
            .primary()
            .ok_or_else(|| ModelError::NotInstalled { id: id.to_string() })?;
        self.existing(entry, spec)
    }

    /// Path of another file of a model, by file name (`en_US-joe-medium.onnx.json`) or store-relative path.
    pub fn file(&self, id: &str, name: &str) -> Result<PathBuf, ModelError> {
        let entry = self.entry(id)?;
        let spec = entry
            .file_named(name)
            .ok_or_else(|| ModelError::UnknownFile {
                id: id.to_string(),
                name: name.to_string(),
            })?;
        self.existing(entry, spec)
    }

    /// The file in the store's folder, else in the bundled pack.
    fn existing(&self, entry: &ModelEntry, spec: &FileSpec) -> Result<PathBuf, ModelError> {
        let present = |p: &PathBuf| match spec.kind {
            FileKind::File => p.is_file(),
            FileKind::Dir => p.is_dir(),
        };
        std::iter::once(self.path_of(spec))
            .chain(self.bundled.iter().map(|b| under(b, spec)))
            .find(present)
            .ok_or_else(|| ModelError::NotInstalled {
                id: entry.id.clone(),
            })
    }

    /// Checks size and sha256 of every file of a model and returns the primary path.
    /// A successful check is remembered in a small stamp next to the file (keyed on size,
    /// modification time and inode), so later calls only look at file metadata.
    pub fn verified_path(&self, id: &str) -> Result<PathBuf, ModelError> {
        let entry = self.entry(id)?;
        for spec in &entry.files {
            self.verify_file(entry, spec)?;
        }
        self.path(id)
    }

    /// Checks one file (or directory) of a model against the manifest.
    pub fn verify_file(&self, entry: &ModelEntry, spec: &FileSpec) -> Result<PathBuf, ModelError> {
        let path = self.existing(entry, spec)?;
        let fp = fingerprint(&path, spec.kind)?;
        if let (Some(size), FileKind::File) = (spec.size, spec.kind) {
            if fp.size != size {
                return Err(ModelError::WrongSize {
                    path,
                    expected: size,
                    actual: fp.size,
                });
            }
        }
        let Some(expected) = spec.sha256.as_deref() else {
            return Ok(path);
        };
        if read_stamp(&path).as_deref() == Some(stamp_text(expected, &fp.key).as_str()) {
            return Ok(path);
        }
        tracing::debug!(path = %path.display(), "hashing model file");
        let (actual, size) = match spec.kind {
            FileKind::File => sha256_file(&path)?,
            FileKind::Dir => {
                let (h, total, _) = tree_sha256(&path)?;
                (h, total)
            }
        };
        if actual != expected {
            return Err(ModelError::Corrupt {
                path,
                expected: expected.to_string(),
                actual,
            });
        }
        if let Some(want) = spec.size {
            if size != want {
                return Err(ModelError::WrongSize {
                    path,
                    expected: want,
                    actual: size,
                });
            }
        }
        // The file may have changed while it was hashed; only stamp what was really checked.
        if fingerprint(&path, spec.kind).map(|f| f.key).ok() == Some(fp.key.clone()) {
            write_stamp(&path, &stamp_text(expected, &fp.key));
        }
        Ok(path)
    }

    /// State of one model on disk.
    pub fn status_of(&self, entry: &ModelEntry) -> InstallState {
        let mut unverified = false;
        for spec in &entry.files {
            match self.verify_file(entry, spec) {
                Ok(_) => unverified |= spec.sha256.is_none(),
                Err(ModelError::NotInstalled { .. }) => return InstallState::Missing,
                Err(e) => return InstallState::Corrupt(e.to_string()),
            }
        }
        if unverified {
            InstallState::Unverified
        } else {
            InstallState::Installed
        }
    }

    /// State of every model in the manifest (hashes files whose stamp is missing or stale).
    pub fn status(&self) -> Vec<ModelStatus> {
        self.manifest
            .models
            .iter()
            .map(|e| ModelStatus {
                id: e.id.clone(),
                pack: e.pack,
                fetchable: e.is_fetchable(),
                state: self.status_of(e),
            })
            .collect()
    }
}

/// Resolves the store root: explicit path, else `$AOUN_MODELS_DIR`, else the user data dir.
pub fn resolve_root(explicit: Option<PathBuf>) -> Result<PathBuf, ModelError> {
    match explicit.or_else(env_root) {
        Some(root) => Ok(root),
        None => user_root(),
    }
}

/// The model pack a package installed beside the program: `<prefix>/lib/aoun/models` for a
/// program in `<prefix>/bin` (the .deb puts `aoun` and `aoun-app` in `/usr/bin`), when it exists.
pub fn bundled_root() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let root = exe
        .parent()?
        .parent()?
        .join("lib")
        .join("aoun")
        .join("models");
    root.is_dir().then_some(root)
}

fn env_root() -> Option<PathBuf> {
    std::env::var_os(MODELS_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn user_root() -> Result<PathBuf, ModelError> {
    let dirs = directories::ProjectDirs::from("", "", "aoun").ok_or(ModelError::NoDataDir)?;
    Ok(dirs.data_dir().join("models"))
}

fn under(root: &Path, spec: &FileSpec) -> PathBuf {
    let mut p = root.to_path_buf();
    p.extend(spec.path.split('/'));
    p
}

pub(crate) struct Fingerprint {
    pub size: u64,
    pub key: String,
}

fn file_key(meta: &fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        format!(
            "{}:{}.{}:{}.{}:{}:{}",
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.dev(),
            meta.ino()
        )
    }
    #[cfg(not(unix))]
    {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{}:{}", meta.len(), mtime)
    }
}

/// Cheap identity of a file or tree: changes whenever a file is rewritten or replaced.
pub(crate) fn fingerprint(path: &Path, kind: FileKind) -> Result<Fingerprint, ModelError> {
    match kind {
        FileKind::File => {
            let meta = fs::metadata(path).ctx("read", path)?;
            Ok(Fingerprint {
                size: meta.len(),
                key: file_key(&meta),
            })
        }
        FileKind::Dir => {
            let mut h = Sha256::new();
            let mut size = 0;
            for (rel, abs) in list_tree(path)? {
                let meta = fs::metadata(&abs).ctx("read", &abs)?;
                size += meta.len();
                h.update(rel.as_bytes());
                h.update(b"\t");
                h.update(file_key(&meta).as_bytes());
                h.update(b"\n");
            }
            Ok(Fingerprint {
                size,
                key: format!("tree:{}", hex::encode(h.finalize())),
            })
        }
    }
}

/// Path of the hidden sidecar stamp of a model file: `.<name>.verified` in the same folder.
pub(crate) fn stamp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{STAMP_SUFFIX}"))
}

fn stamp_text(sha256: &str, key: &str) -> String {
    format!("aoun-verified 1\nsha256 {sha256}\nfingerprint {key}\n")
}

fn read_stamp(path: &Path) -> Option<String> {
    fs::read_to_string(stamp_path(path)).ok()
}

/// Records a successful check; failure (a read-only store) only costs a re-hash next time.
pub(crate) fn write_stamp(path: &Path, text: &str) {
    let stamp = stamp_path(path);
    if let Err(e) = fs::write(&stamp, text) {
        tracing::debug!(path = %stamp.display(), error = %e, "could not write verification stamp");
    }
}

/// Records that `path` was just verified against `sha256`.
pub(crate) fn stamp_verified(path: &Path, kind: FileKind, sha256: &str) {
    if let Ok(f) = fingerprint(path, kind) {
        write_stamp(path, &stamp_text(sha256, &f.key));
    }
}

/// Removes the stamp of a file that is being replaced or moved aside.
pub(crate) fn remove_stamp(path: &Path) {
    let _ = fs::remove_file(stamp_path(path));
}
