//! The signature file of a signed update (`SIGNATURE.toml`) read from a USB stick. The first
//! byte chooses what the rest is: a signature file parsed and checked against the office key
//! (even), or a signature file whose list of files, version and signing time the office key
//! signs again before the small pack below is verified with it (odd), so mutations of paths,
//! sizes, hashes, versions and times reach the checks past the signature.
#![no_main]

use std::cmp::Ordering;
use std::path::PathBuf;
use std::sync::OnceLock;

use aoun_signing::{verify_folder, KeyPair, SignatureError, SignatureFile, SIGNATURE_FILE};
use libfuzzer_sys::fuzz_target;

/// The small pack verified in odd mode; `examples/seeds.rs` lists the same files.
const PACK: [(&str, &str); 3] = [
    ("pack.toml", "name = \"fuzz\"\n"),
    ("cards/amo.toml", "fee = 0\n"),
    ("cards/passport.toml", "fee = 500\n"),
];

struct Office {
    key: KeyPair,
    folder: PathBuf,
}

fn office() -> &'static Office {
    static OFFICE: OnceLock<Office> = OnceLock::new();
    OFFICE.get_or_init(|| {
        // In the fuzz build folder, one per process: libFuzzer may run several at once.
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/signature-pack")
            .join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&folder);
        for (name, text) in PACK {
            let path = folder.join(name);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the pack");
            std::fs::write(path, text).expect("write the pack");
        }
        Office {
            key: KeyPair::generate().expect("a key"),
            folder,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let office = office();
    let trusted = [office.key.public_key()];
    let parsed = SignatureFile::parse(text);
    if choice % 2 == 0 {
        if let Ok(signature) = parsed {
            // What parsed is written back the same, and no key here made its signature.
            assert_eq!(
                SignatureFile::parse(&signature.to_text()),
                Ok(signature.clone())
            );
            let checked = signature.check(&trusted);
            assert!(matches!(
                checked,
                Err(SignatureError::UntrustedKey { .. } | SignatureError::BadSignature)
            ));
            // Any version read is ordered, and the same as itself.
            assert_eq!(
                signature.release.cmp_version(&signature.release),
                Ordering::Equal
            );
        }
        return;
    }
    let Ok(listed) = parsed else {
        return;
    };
    let resigned = SignatureFile::sign(listed.files, listed.release.clone(), &office.key)
        .expect("a parsed list signs");
    std::fs::write(office.folder.join(SIGNATURE_FILE), resigned.to_text())
        .expect("write the signature");
    match verify_folder(&office.folder, &trusted) {
        Ok(pack) => {
            // Accepted only when the list is exactly the pack's files.
            let paths: Vec<&str> = pack.files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(
                paths,
                ["cards/amo.toml", "cards/passport.toml", "pack.toml"]
            );
            assert_eq!(pack.files, resigned.files);
            assert_eq!(pack.release, listed.release);
        }
        Err(error) => {
            assert!(
                matches!(
                    error,
                    SignatureError::Added { .. }
                        | SignatureError::Removed { .. }
                        | SignatureError::Changed { .. }
                ),
                "{error}"
            );
        }
    }
});
