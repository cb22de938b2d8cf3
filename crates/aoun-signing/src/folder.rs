//! Signing a folder, and verifying a signed folder against the office's trusted keys.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::listing::{check_path, PathProblem};
use crate::{
    read_text_capped, KeyPair, PublicKey, Release, SignatureError, SignatureFile, SignedFile,
    SIGNATURE_FILE,
};

/// A signature file larger than this is not one (a listing of the largest pack is far smaller).
const MAX_SIGNATURE_BYTES: u64 = 32 << 20;

/// A folder whose files are exactly those its signature lists, signed by a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPack {
    /// Id of the key that signed it.
    pub key_id: String,
    /// Its version and when it was signed.
    pub release: Release,
    /// Every file, sorted by path (the signature file itself is not among them).
    pub files: Vec<SignedFile>,
}

impl VerifiedPack {
    /// The total size of the files, in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// One file found in a folder.
struct Found {
    /// `/`-separated path relative to the folder (lossy when a name is not text).
    rel: String,
    path: PathBuf,
    /// Whether every part of the name is text.
    text: bool,
}

/// Lists and hashes every file of `folder` and writes the signature file into it, with the
/// pack's `release`, replacing an earlier one. Symbolic links and special files are refused, as
/// are names that cannot be listed. Returns what was signed.
pub fn sign_folder(
    folder: &Path,
    key: &KeyPair,
    release: Release,
) -> Result<VerifiedPack, SignatureError> {
    let mut files = Vec::new();
    for found in walk(folder)? {
        if found.rel == SIGNATURE_FILE {
            continue;
        }
        let bad_name = |reason: &str| SignatureError::BadName {
            path: found.rel.clone(),
            reason: reason.to_string(),
        };
        if !found.text {
            return Err(bad_name("its name is not valid text"));
        }
        match check_path(&found.rel) {
            Ok(()) => {}
            Err(PathProblem::Outside) => {
                return Err(bad_name("its name holds a `\\` or a `:`"));
            }
            Err(PathProblem::Invalid(why)) => return Err(bad_name(&format!("its name {why}"))),
        }
        let (size, sha256) = hash_file(&found.path)?;
        files.push(SignedFile {
            path: found.rel,
            size,
            sha256,
        });
    }
    let signature = SignatureFile::sign(files, release, key)?;
    let target = folder.join(SIGNATURE_FILE);
    let mut temp =
        tempfile::NamedTempFile::new_in(folder).map_err(|e| SignatureError::written(folder, &e))?;
    temp.write_all(signature.to_text().as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| SignatureError::written(&target, &e))?;
    temp.persist(&target)
        .map_err(|e| SignatureError::written(&target, &e.error))?;
    Ok(VerifiedPack::from(signature))
}

impl From<SignatureFile> for VerifiedPack {
    fn from(signature: SignatureFile) -> VerifiedPack {
        VerifiedPack {
            key_id: signature.key_id,
            release: signature.release,
            files: signature.files,
        }
    }
}

/// Verifies a signed folder: its signature file is well formed and signed by one of the
/// `trusted` keys, every listed file is present with its listed size and sha256, and the folder
/// holds nothing else (no unlisted file, no symbolic link, no special file).
pub fn verify_folder(folder: &Path, trusted: &[PublicKey]) -> Result<VerifiedPack, SignatureError> {
    verify(folder, Some(trusted))
}

/// Verifies a folder as [`verify_folder`] does, but against the key its own signature file
/// names: for a pack installed after its key was found trusted, to tell whether anything in it
/// changed since.
pub fn verify_unchanged(folder: &Path) -> Result<VerifiedPack, SignatureError> {
    verify(folder, None)
}

/// [`verify_folder`] with the `trusted` keys, or without them [`verify_unchanged`].
fn verify(folder: &Path, trusted: Option<&[PublicKey]>) -> Result<VerifiedPack, SignatureError> {
    let signature = read_signature(folder)?;
    match trusted {
        Some(trusted) => signature.check(trusted)?,
        None => signature.check_own_key()?,
    }
    let found = walk(folder)?;
    let listed: HashSet<&str> = signature.files.iter().map(|f| f.path.as_str()).collect();
    if let Some(extra) = found
        .iter()
        .find(|f| f.rel != SIGNATURE_FILE && !(f.text && listed.contains(f.rel.as_str())))
    {
        return Err(SignatureError::Added {
            path: extra.rel.clone(),
        });
    }
    let present: HashSet<&str> = found.iter().map(|f| f.rel.as_str()).collect();
    if let Some(gone) = signature
        .files
        .iter()
        .find(|f| !present.contains(f.path.as_str()))
    {
        return Err(SignatureError::Removed {
            path: gone.path.clone(),
        });
    }
    for file in &signature.files {
        let path = folder.join(&file.path);
        let changed = || SignatureError::Changed {
            path: file.path.clone(),
        };
        // The size first: a file of another size is not hashed.
        let size = fs::symlink_metadata(&path)
            .map_err(|e| SignatureError::read(&path, &e))?
            .len();
        if size != file.size {
            return Err(changed());
        }
        if hash_file(&path)? != (file.size, file.sha256.clone()) {
            return Err(changed());
        }
    }
    Ok(VerifiedPack::from(signature))
}

/// The version and signing time of a signature file kept apart from its pack (such as the record
/// of the model pack last installed), checked against the key the file names; the files it lists
/// are not looked at.
pub fn read_release(file: &Path) -> Result<Release, SignatureError> {
    let text = read_text_capped(file, MAX_SIGNATURE_BYTES, |reason| {
        SignatureError::damaged(reason)
    })?;
    let signature = SignatureFile::parse(&text)?;
    signature.check_own_key()?;
    Ok(signature.release)
}

/// Reads and parses the signature file of `folder`.
fn read_signature(folder: &Path) -> Result<SignatureFile, SignatureError> {
    let path = folder.join(SIGNATURE_FILE);
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SignatureError::NotSigned {
                file: SIGNATURE_FILE,
            })
        }
        Err(e) => return Err(SignatureError::read(&path, &e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(SignatureError::Symlink {
                path: SIGNATURE_FILE.into(),
            })
        }
        Ok(meta) if !meta.is_file() => {
            return Err(SignatureError::NotAFile {
                path: SIGNATURE_FILE.into(),
            })
        }
        Ok(_) => {}
    }
    let text = read_text_capped(&path, MAX_SIGNATURE_BYTES, |reason| {
        SignatureError::damaged(reason)
    })?;
    SignatureFile::parse(&text)
}

/// Every file under `folder`, sorted by relative path. Symbolic links and special files are
/// refused wherever they are.
fn walk(folder: &Path) -> Result<Vec<Found>, SignatureError> {
    let meta = fs::metadata(folder).map_err(|e| SignatureError::read(folder, &e))?;
    if !meta.is_dir() {
        return Err(SignatureError::Io {
            path: folder.display().to_string(),
            action: "read",
            reason: "it is not a folder".into(),
        });
    }
    let mut found = Vec::new();
    let mut pending = vec![(String::new(), folder.to_path_buf(), true)];
    while let Some((prefix, dir, text)) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| SignatureError::read(&dir, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| SignatureError::read(&dir, &e))?;
            let name = entry.file_name();
            let (name, name_is_text) = match name.to_str() {
                Some(name) => (name.to_string(), true),
                None => (name.to_string_lossy().into_owned(), false),
            };
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let text = text && name_is_text;
            let kind = entry
                .file_type()
                .map_err(|e| SignatureError::read(&entry.path(), &e))?;
            if kind.is_symlink() {
                return Err(SignatureError::Symlink { path: rel });
            } else if kind.is_dir() {
                pending.push((rel, entry.path(), text));
            } else if kind.is_file() {
                found.push(Found {
                    rel,
                    path: entry.path(),
                    text,
                });
            } else {
                return Err(SignatureError::NotAFile { path: rel });
            }
        }
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(found)
}

/// Size and sha256 (lowercase hexadecimal) of a file's content.
fn hash_file(path: &Path) -> Result<(u64, String), SignatureError> {
    let mut file = File::open(path).map_err(|e| SignatureError::read(path, &e))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher).map_err(|e| SignatureError::read(path, &e))?;
    Ok((size, hex::encode(hasher.finalize())))
}
