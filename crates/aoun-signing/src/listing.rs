//! The signature file: the list of a pack's files and the signature over it.
//!
//! ```toml
//! # Signed list of this pack's files, ...
//! format = "aoun-pack-signature-1"
//! key = "<id of the signing key>"
//! signature = "<ed25519 signature, 128 hexadecimal digits>"
//!
//! [[file]]
//! path = "cards/amo.toml"
//! size = 4711
//! sha256 = "<64 hexadecimal digits>"
//! ```
//!
//! The signature covers these exact lines, which [`SignatureFile`] rebuilds from the parsed
//! fields: `aoun-pack-signature-1`, `key <id>`, then one `<sha256> <size> <path>` per file, each
//! ended by a newline. Paths are `/`-separated, relative, sorted, each listed once, and hold no
//! control character, so the lines can be read back only one way.

use serde::Deserialize;

use crate::{KeyPair, PublicKey, SignatureError};

/// Name of the signature file at the top of a signed folder.
pub const SIGNATURE_FILE: &str = "SIGNATURE.toml";

const FORMAT: &str = "aoun-pack-signature-1";
/// Most files one pack may list.
const MAX_FILES: usize = 100_000;
/// Longest path, in bytes.
const MAX_PATH_BYTES: usize = 1024;

/// One file of a signed pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFile {
    /// Path relative to the pack folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256 of the content, lowercase hexadecimal.
    pub sha256: String,
}

/// A signature file, parsed and checked for form (not yet against keys or files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFile {
    /// Id of the key that made the signature.
    pub key_id: String,
    /// The files, sorted by path.
    pub files: Vec<SignedFile>,
    signature: [u8; 64],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    format: String,
    key: String,
    signature: String,
    #[serde(default)]
    file: Vec<RawFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    path: String,
    size: u64,
    sha256: String,
}

impl SignatureFile {
    /// Signs a list of files with `key`. The files are sorted here; a path that cannot be
    /// listed, or a path listed twice, is refused.
    pub fn sign(
        mut files: Vec<SignedFile>,
        key: &KeyPair,
    ) -> Result<SignatureFile, SignatureError> {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        check_files(&files)?;
        let key_id = key.public_key().id();
        let signature = key.sign(&message(&key_id, &files));
        Ok(SignatureFile {
            key_id,
            files,
            signature,
        })
    }

    /// Parses the text of a signature file and checks its form: every field present and well
    /// formed, paths inside the pack, sorted and unique. Never panics, whatever the text.
    pub fn parse(text: &str) -> Result<SignatureFile, SignatureError> {
        let raw: RawSignature = toml::from_str(text).map_err(|e| {
            SignatureError::damaged(e.message().trim().trim_end_matches('.').replace('\n', " "))
        })?;
        if raw.format != FORMAT {
            return Err(SignatureError::damaged(
                "it is not in the signature format this version of Aoun reads",
            ));
        }
        if raw.key.len() != 16 || !is_lower_hex(&raw.key) {
            return Err(SignatureError::damaged(
                "its key id is not 16 hexadecimal digits",
            ));
        }
        let mut signature = [0u8; 64];
        if !is_lower_hex(&raw.signature)
            || hex::decode_to_slice(&raw.signature, &mut signature).is_err()
        {
            return Err(SignatureError::damaged(
                "its signature is not 128 hexadecimal digits",
            ));
        }
        if raw.file.len() > MAX_FILES {
            return Err(SignatureError::damaged(format!(
                "it lists more than {MAX_FILES} files"
            )));
        }
        let files: Vec<SignedFile> = raw
            .file
            .into_iter()
            .map(|f| SignedFile {
                path: f.path,
                size: f.size,
                sha256: f.sha256,
            })
            .collect();
        check_files(&files)?;
        Ok(SignatureFile {
            key_id: raw.key,
            files,
            signature,
        })
    }

    /// The text of the signature file.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "# Signed list of this pack's files, written by `aoun pack sign`. A changed, added or\n\
             # removed file makes `aoun pack verify` and `aoun pack install` refuse the pack.\n\
             format = \"{FORMAT}\"\nkey = \"{}\"\nsignature = \"{}\"\n",
            self.key_id,
            hex::encode(self.signature)
        );
        for f in &self.files {
            // Listed paths hold no control character and no backslash: only quotes need escaping.
            text.push_str(&format!(
                "\n[[file]]\npath = \"{}\"\nsize = {}\nsha256 = \"{}\"\n",
                f.path.replace('"', "\\\""),
                f.size,
                f.sha256
            ));
        }
        text
    }

    /// Checks that one of the `trusted` keys made the signature over this exact list.
    pub fn check(&self, trusted: &[PublicKey]) -> Result<(), SignatureError> {
        let mut keys = trusted.iter().filter(|k| k.id() == self.key_id).peekable();
        if keys.peek().is_none() {
            return Err(SignatureError::UntrustedKey {
                key_id: self.key_id.clone(),
            });
        }
        let message = message(&self.key_id, &self.files);
        if keys.any(|k| k.verifies(&message, &self.signature)) {
            Ok(())
        } else {
            Err(SignatureError::BadSignature)
        }
    }
}

/// The bytes the signature covers.
fn message(key_id: &str, files: &[SignedFile]) -> Vec<u8> {
    let mut text = format!("{FORMAT}\nkey {key_id}\n");
    for f in files {
        text.push_str(&format!("{} {} {}\n", f.sha256, f.size, f.path));
    }
    text.into_bytes()
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Every path listable, sorted and unique; every sha256 well formed.
fn check_files(files: &[SignedFile]) -> Result<(), SignatureError> {
    for f in files {
        match check_path(&f.path) {
            Ok(()) => {}
            Err(PathProblem::Outside) => {
                return Err(SignatureError::UnsafePath {
                    path: f.path.clone(),
                })
            }
            Err(PathProblem::Invalid(reason)) => {
                return Err(SignatureError::damaged(format!(
                    "it lists a file whose name {reason}"
                )))
            }
        }
        if f.size > i64::MAX as u64 {
            return Err(SignatureError::damaged(format!(
                "the size of {} is impossibly large",
                f.path
            )));
        }
        if f.sha256.len() != 64 || !is_lower_hex(&f.sha256) {
            return Err(SignatureError::damaged(format!(
                "the sha256 of {} is not 64 hexadecimal digits",
                f.path
            )));
        }
    }
    if files.windows(2).any(|w| w[0].path >= w[1].path) {
        return Err(SignatureError::damaged(
            "its files are not in order, or one is listed twice",
        ));
    }
    Ok(())
}

/// Why a path cannot be listed.
pub(crate) enum PathProblem {
    /// It is absolute, climbs with `..` or names a drive: it leads outside the pack.
    Outside,
    /// Another reason, said as the end of "a file whose name …".
    Invalid(&'static str),
}

/// Whether `path` can be listed: relative, `/`-separated, inside the pack, not the signature
/// file itself, and free of control characters and of characters that separate paths on
/// Windows.
pub(crate) fn check_path(path: &str) -> Result<(), PathProblem> {
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return Err(PathProblem::Outside);
    }
    if path.split('/').any(|part| part == "..") {
        return Err(PathProblem::Outside);
    }
    if path.is_empty() || path.split('/').any(|part| part.is_empty() || part == ".") {
        return Err(PathProblem::Invalid("is empty or has an empty part"));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(PathProblem::Invalid("is too long"));
    }
    if path.chars().any(char::is_control) {
        return Err(PathProblem::Invalid("holds a control character"));
    }
    if path == SIGNATURE_FILE {
        return Err(PathProblem::Invalid("is the signature file itself"));
    }
    Ok(())
}
