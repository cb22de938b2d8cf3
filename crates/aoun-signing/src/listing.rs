//! The signature file: the list of a pack's files and the signature over it.
//!
//! ```toml
//! # Signed list of this pack's files, ...
//! format = "aoun-pack-signature-2"
//! key = "<public key of the signer, 64 hexadecimal digits>"
//! version = "2026.11.23"
//! signed = "2026-12-04T03:21:16Z"
//! signature = "<ed25519 signature, 128 hexadecimal digits>"
//!
//! [[file]]
//! path = "cards/amo.toml"
//! size = 4711
//! sha256 = "<64 hexadecimal digits>"
//! ```
//!
//! The signature covers these exact lines, which [`SignatureFile`] rebuilds from the parsed
//! fields: `aoun-pack-signature-2`, `key <public key>`, `version <version>`, `signed <time>`,
//! then one `<sha256> <size> <path>` per file, each ended by a newline. The version and the paths
//! hold no control character, and paths are `/`-separated, relative, sorted and each listed
//! once, so the lines can be read back only one way. The version (the pack's own, empty for a
//! model pack) and the signing time (UTC) let a kiosk refuse an update older than its pack.
//!
//! The file names the whole public key, not only its id: the kiosk checks it against the keys
//! it trusts when it installs the pack, and checks the installed pack against it again at every
//! start, when no list of trusted keys is at hand.

use serde::Deserialize;

use crate::release::check_version;
use crate::{KeyPair, PublicKey, Release, SignatureError, SigningTime};

/// Name of the signature file at the top of a signed folder.
pub const SIGNATURE_FILE: &str = "SIGNATURE.toml";

const FORMAT: &str = "aoun-pack-signature-2";
/// The format of Aoun before signatures carried the pack's version and signing time.
const FORMAT_WITHOUT_RELEASE: &str = "aoun-pack-signature-1";
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
    /// The pack's version and when it was signed.
    pub release: Release,
    /// The files, sorted by path.
    pub files: Vec<SignedFile>,
    key: PublicKey,
    signature: [u8; 64],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    format: String,
    key: String,
    // Optional here only so that a file of the older format is told apart from a damaged one.
    version: Option<String>,
    signed: Option<String>,
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
    /// Signs a list of files, and the pack's `release`, with `key`. The files are sorted here;
    /// a path that cannot be listed, a path listed twice, or a version that cannot be written
    /// in the file, is refused.
    pub fn sign(
        mut files: Vec<SignedFile>,
        release: Release,
        key: &KeyPair,
    ) -> Result<SignatureFile, SignatureError> {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        check_files(&files)?;
        check_version(&release.version).map_err(|reason| SignatureError::BadVersion {
            reason: reason.to_string(),
        })?;
        let public = key.public_key();
        let signature = key.sign(&message(&public, &release, &files));
        Ok(SignatureFile {
            key_id: public.id(),
            release,
            files,
            key: public,
            signature,
        })
    }

    /// Parses the text of a signature file and checks its form: every field present and well
    /// formed, paths inside the pack, sorted and unique. Never panics, whatever the text.
    pub fn parse(text: &str) -> Result<SignatureFile, SignatureError> {
        let raw: RawSignature = toml::from_str(text).map_err(|e| {
            SignatureError::damaged(e.message().trim().trim_end_matches('.').replace('\n', " "))
        })?;
        if raw.format == FORMAT_WITHOUT_RELEASE {
            return Err(SignatureError::WithoutRelease);
        }
        if raw.format != FORMAT {
            return Err(SignatureError::damaged(
                "it is not in the signature format this version of Aoun reads",
            ));
        }
        let key = Some(raw.key.as_str())
            .filter(|k| k.len() == 64 && is_lower_hex(k))
            .and_then(PublicKey::from_hex)
            .ok_or_else(|| {
                SignatureError::damaged("its key is not a public key in 64 hexadecimal digits")
            })?;
        let version = raw
            .version
            .ok_or_else(|| SignatureError::damaged("it has no version"))?;
        check_version(&version)
            .map_err(|reason| SignatureError::damaged(format!("its version {reason}")))?;
        let signed = raw
            .signed
            .as_deref()
            .and_then(SigningTime::parse)
            .ok_or_else(|| {
                SignatureError::damaged(
                    "its signing time is not a UTC time written like 2026-12-04T03:21:16Z",
                )
            })?;
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
            key_id: key.id(),
            release: Release { version, signed },
            files,
            key,
            signature,
        })
    }

    /// The text of the signature file.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "# Signed list of this pack's files, written by `aoun pack sign`. A changed, added or\n\
             # removed file makes `aoun pack verify` and `aoun pack install` refuse the pack.\n\
             format = \"{FORMAT}\"\nkey = \"{}\"\nversion = {}\nsigned = \"{}\"\nsignature = \"{}\"\n",
            self.key.to_hex(),
            toml::Value::from(self.release.version.as_str()),
            self.release.signed,
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
        if !trusted.contains(&self.key) {
            return Err(SignatureError::UntrustedKey {
                key_id: self.key_id.clone(),
            });
        }
        self.check_own_key()
    }

    /// Checks that the key this file names made the signature over this exact list, whoever
    /// that key is: for a pack whose key was trusted when it was installed.
    pub fn check_own_key(&self) -> Result<(), SignatureError> {
        if self.key.verifies(
            &message(&self.key, &self.release, &self.files),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(SignatureError::BadSignature)
        }
    }
}

/// The bytes the signature covers.
fn message(key: &PublicKey, release: &Release, files: &[SignedFile]) -> Vec<u8> {
    let mut text = format!(
        "{FORMAT}\nkey {}\nversion {}\nsigned {}\n",
        key.to_hex(),
        release.version,
        release.signed
    );
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
