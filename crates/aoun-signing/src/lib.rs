//! Signed pack updates for Aoun.
//!
//! An office keeps one ed25519 key pair: the secret key signs content and model pack updates on
//! the administrator's machine, and every kiosk trusts the public key. Signing a folder writes
//! [`SIGNATURE_FILE`] into it: the path, size and sha256 of every file, the pack's version and
//! signing time ([`Release`]), and the signature over them. A kiosk installs an update only
//! after [`verify_folder`] has found it signed by a trusted key and holding exactly the listed
//! files, byte for byte; [`verify_unchanged`] checks an installed pack again later.
//!
//! ```no_run
//! use std::path::Path;
//! use aoun_signing::{sign_folder, verify_folder, KeyPair, PublicKey, Release};
//!
//! # fn main() -> Result<(), aoun_signing::SignatureError> {
//! let key = KeyPair::generate()?;
//! key.write_secret(Path::new("office.key"))?;
//! key.public_key().write(Path::new("office.pub"))?;
//! sign_folder(Path::new("update"), &key, Release::now("2026.11.23"))?;
//! let trusted = [PublicKey::read(Path::new("office.pub"))?];
//! let pack = verify_folder(Path::new("update"), &trusted)?;
//! println!("{} files, {}, key {}", pack.files.len(), pack.release, pack.key_id);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod error;
mod folder;
mod keys;
mod listing;
mod release;

use std::io::Read;
use std::path::Path;

pub use error::SignatureError;
pub use folder::{read_release, sign_folder, verify_folder, verify_unchanged, VerifiedPack};
pub use keys::{KeyPair, PublicKey};
pub use listing::{SignatureFile, SignedFile, SIGNATURE_FILE};
pub use release::{Release, SigningTime};

/// Reads a text file of at most `max` bytes; a larger file or one that is not UTF-8 is refused
/// with `refuse(reason)`.
fn read_text_capped(
    path: &Path,
    max: u64,
    refuse: impl Fn(&str) -> SignatureError,
) -> Result<String, SignatureError> {
    let file = std::fs::File::open(path).map_err(|e| SignatureError::read(path, &e))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SignatureError::read(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(refuse("it is far larger than such a file can be"));
    }
    String::from_utf8(bytes).map_err(|_| refuse("it is not text"))
}
