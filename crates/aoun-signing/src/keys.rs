//! Office keys: making a key pair, and writing and reading key files.
//!
//! A key file is text: comment lines starting with `#`, then one line holding a label and the
//! key's 32 bytes in hexadecimal, `aoun-ed25519-secret <hex>` or `aoun-ed25519-public <hex>`.
//! The label keeps a secret key from being handed out as a public one, and the reverse.

use std::fmt;
use std::io::Write;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{read_text_capped, SignatureError};

const SECRET_LABEL: &str = "aoun-ed25519-secret";
const PUBLIC_LABEL: &str = "aoun-ed25519-public";
/// A key file is a few hundred bytes; anything much larger is not one.
const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

/// An office's signing key: the secret that signs updates, with its public half.
pub struct KeyPair {
    signing: SigningKey,
}

/// The public half of an office key: what a kiosk trusts.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl KeyPair {
    /// Makes a new key pair from the operating system's random numbers.
    pub fn generate() -> Result<KeyPair, SignatureError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| SignatureError::NoRandomness {
            reason: e.to_string(),
        })?;
        Ok(KeyPair {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The public half, to give to every kiosk.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.signing.verifying_key(),
        }
    }

    /// Writes the secret key file. Never overwrites a file; on Unix only the owner may read it.
    pub fn write_secret(&self, path: &Path) -> Result<(), SignatureError> {
        let text = format!(
            "# Aoun office signing key {}: SECRET. Whoever holds this file can sign updates that every kiosk of the office accepts; keep it off the kiosks.\n{SECRET_LABEL} {}\n",
            self.public_key().id(),
            hex::encode(self.signing.to_bytes())
        );
        write_new(path, &text, 0o600)
    }

    /// Reads a secret key file written by [`KeyPair::write_secret`].
    pub fn read_secret(path: &Path) -> Result<KeyPair, SignatureError> {
        let bytes = read_key_file(
            path,
            SECRET_LABEL,
            PUBLIC_LABEL,
            "it is a public key, and signing needs the secret key file made with it",
        )?;
        Ok(KeyPair {
            signing: SigningKey::from_bytes(&bytes),
        })
    }

    /// Signs `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("KeyPair")
            .field("id", &self.public_key().id())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// A short id of the key (16 hexadecimal digits of its sha256), named in signatures and
    /// messages.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.key.as_bytes())[..8])
    }

    /// Writes the public key file. Never overwrites a file.
    pub fn write(&self, path: &Path) -> Result<(), SignatureError> {
        let text = format!(
            "# Aoun office public key {}: kiosks that trust it accept updates signed with its secret key.\n{PUBLIC_LABEL} {}\n",
            self.id(),
            self.to_hex()
        );
        write_new(path, &text, 0o644)
    }

    /// Reads a public key file written by [`PublicKey::write`].
    pub fn read(path: &Path) -> Result<PublicKey, SignatureError> {
        let bytes = read_key_file(
            path,
            PUBLIC_LABEL,
            SECRET_LABEL,
            "it is a secret key, which must stay off the kiosks; trust the public key file made with it",
        )?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::KeyFile {
            path: path.display().to_string(),
            problem: "it does not hold a valid public key".into(),
        })?;
        Ok(PublicKey { key })
    }

    /// The key's 32 bytes in hexadecimal, as a signature file names it.
    pub(crate) fn to_hex(&self) -> String {
        hex::encode(self.key.as_bytes())
    }

    /// The key that [`PublicKey::to_hex`] wrote; none when `digits` are not a valid key.
    pub(crate) fn from_hex(digits: &str) -> Option<PublicKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes).ok()?;
        let key = VerifyingKey::from_bytes(&bytes).ok()?;
        Some(PublicKey { key })
    }

    /// Whether `signature` is this key's signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

/// The 32 key bytes of a key file labelled `label`; `other` is the label of the other kind,
/// refused with `other_problem`.
fn read_key_file(
    path: &Path,
    label: &str,
    other: &str,
    other_problem: &str,
) -> Result<[u8; 32], SignatureError> {
    let problem = |problem: &str| SignatureError::KeyFile {
        path: path.display().to_string(),
        problem: problem.to_string(),
    };
    let text = read_text_capped(path, MAX_KEY_FILE_BYTES, |reason| problem(reason))?;
    let mut data = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let (Some(line), None) = (data.next(), data.next()) else {
        return Err(problem("it is not an Aoun key file"));
    };
    let (found, digits) = line.split_once(' ').unwrap_or((line, ""));
    if found == other {
        return Err(problem(other_problem));
    }
    if found != label {
        return Err(problem("it is not an Aoun key file"));
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits.trim(), &mut bytes)
        .map_err(|_| problem("its key is not 64 hexadecimal digits"))?;
    Ok(bytes)
}

/// Writes a new file (never an existing one) with the given Unix permissions.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), SignatureError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            SignatureError::KeyExists {
                path: path.display().to_string(),
            }
        } else {
            SignatureError::written(path, &e)
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| SignatureError::written(path, &e))
}
