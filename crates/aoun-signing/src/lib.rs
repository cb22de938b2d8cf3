//! Signed pack updates for Aoun.
//!
//! An office keeps one ed25519 key pair: the secret key signs content and model pack updates on
//! the administrator's machine, and every kiosk trusts the public key. Signing a folder writes
//! [`SIGNATURE_FILE`] into it: the path, size and sha256 of every file, and the signature over
//! that list. A kiosk installs an update only after [`verify_folder`] has found it signed by a
//! trusted key and holding exactly the listed files, byte for byte.
//!
//! ```no_run
//! use std::path::Path;
//! use aoun_signing::{sign_folder, verify_folder, KeyPair, PublicKey};
//!
//! # fn main() -> Result<(), aoun_signing::SignatureError> {
//! let key = KeyPair::generate()?;
//! key.write_secret(Path::new("office.key"))?;
//! key.public_key().write(Path::new("office.pub"))?;
//! sign_folder(Path::new("update"), &key)?;
//! let trusted = [PublicKey::read(Path::new("office.pub"))?];
//! let pack = verify_folder(Path::new("update"), &trusted)?;
//! println!("{} files signed with key {}", pack.files.len(), pack.key_id);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod error;
mod folder;
mod keys;
mod listing;

use std::io::Read;
use std::path::Path;

pub use error::SignatureError;
pub use folder::{sign_folder, verify_folder, VerifiedPack};
pub use keys::{KeyPair, PublicKey};
pub use listing::{SignatureFile, SignedFile, SIGNATURE_FILE};

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
