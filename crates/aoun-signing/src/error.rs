//! Why a pack, a signature or a key was refused.

/// Everything that can make signing fail or a pack be refused. Each message is one sentence for
/// the person who administers the office, naming the file concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The folder has no signature file.
    #[error("the pack is not signed: it has no {file}")]
    NotSigned {
        /// The signature file's name.
        file: &'static str,
    },
    /// The signature file cannot be understood.
    #[error("the signature file is damaged: {reason}")]
    Damaged {
        /// What is wrong with it.
        reason: String,
    },
    /// The signature file lists a path that would lead outside the pack folder.
    #[error("the signature file lists {path}, a path outside the pack")]
    UnsafePath {
        /// The path as listed.
        path: String,
    },
    /// The signature file is of the format Aoun wrote before signatures carried the pack's
    /// version and signing time: the pack cannot be told older or newer than another.
    #[error("the pack was signed by an older version of Aoun, without its version and signing time: sign it again with `aoun pack sign`")]
    WithoutRelease,
    /// The pack's version cannot be written in a signature (signing only).
    #[error("the pack cannot be signed: its version {reason}")]
    BadVersion {
        /// What is wrong with it.
        reason: String,
    },
    /// No trusted key has the id the pack was signed with.
    #[error("the pack is signed with a key this office does not trust (key {key_id})")]
    UntrustedKey {
        /// Id of the key that signed the pack.
        key_id: String,
    },
    /// The signature does not match the list of files.
    #[error(
        "the signature does not match the pack's list of files: the list was changed after signing"
    )]
    BadSignature,
    /// A listed file has another size or sha256 than when it was signed.
    #[error("file {path} was changed after signing")]
    Changed {
        /// The file, relative to the pack folder.
        path: String,
    },
    /// A listed file is not in the folder.
    #[error("file {path} was removed after signing")]
    Removed {
        /// The file, relative to the pack folder.
        path: String,
    },
    /// The folder holds a file the signature does not list.
    #[error("file {path} was added after signing")]
    Added {
        /// The file, relative to the pack folder.
        path: String,
    },
    /// The folder holds a symbolic link.
    #[error("{path} is a symbolic link, which a signed pack may not hold")]
    Symlink {
        /// The link, relative to the pack folder.
        path: String,
    },
    /// The folder holds something that is neither a file nor a folder (a device, a pipe).
    #[error("{path} is not an ordinary file, which a signed pack may not hold")]
    NotAFile {
        /// The entry, relative to the pack folder.
        path: String,
    },
    /// A file's name cannot be written in a signature (signing only).
    #[error("file {path} cannot be signed: {reason}; rename it")]
    BadName {
        /// The name, with any character that is not text replaced.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or folder cannot be read or written.
    #[error("{path} cannot be {action}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// `read` or `written`.
        action: &'static str,
        /// The system's reason.
        reason: String,
    },
    /// A key file is not a key of the expected kind.
    #[error("the key file {path} cannot be used: {problem}")]
    KeyFile {
        /// The key file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Making a key would overwrite an existing file.
    #[error("{path} already exists, and a key file is never overwritten")]
    KeyExists {
        /// The existing file.
        path: String,
    },
    /// The system gave no random numbers to make a key from.
    #[error("no random numbers are available to make a key: {reason}")]
    NoRandomness {
        /// The system's reason.
        reason: String,
    },
}

impl SignatureError {
    pub(crate) fn damaged(reason: impl Into<String>) -> SignatureError {
        SignatureError::Damaged {
            reason: reason.into(),
        }
    }

    pub(crate) fn read(path: &std::path::Path, error: &std::io::Error) -> SignatureError {
        SignatureError::Io {
            path: path.display().to_string(),
            action: "read",
            reason: error.to_string(),
        }
    }

    pub(crate) fn written(path: &std::path::Path, error: &std::io::Error) -> SignatureError {
        SignatureError::Io {
            path: path.display().to_string(),
            action: "written",
            reason: error.to_string(),
        }
    }
}
