//! Signing a pack folder and verifying it: what is accepted, and each way a pack is refused.

use std::fs;
use std::path::Path;

use aoun_signing::{
    sign_folder, verify_folder, verify_unchanged, KeyPair, PublicKey, Release, SignatureError,
    SignatureFile, SigningTime, SIGNATURE_FILE,
};
use tempfile::TempDir;

/// A small pack: two cards in a subfolder and a top-level file.
fn pack() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cards")).unwrap();
    fs::write(dir.path().join("pack.toml"), "name = \"office\"\n").unwrap();
    fs::write(dir.path().join("cards/amo.toml"), "fee = 0\n").unwrap();
    fs::write(dir.path().join("cards/passport.toml"), "fee = 500\n").unwrap();
    dir
}

/// Version 2026.11.23, signed at 2026-12-04T03:21:16Z.
fn release() -> Release {
    Release {
        version: "2026.11.23".into(),
        signed: SigningTime::from_unix_seconds(1_796_354_476).unwrap(),
    }
}

fn signed_pack() -> (TempDir, KeyPair) {
    let dir = pack();
    let key = KeyPair::generate().unwrap();
    sign_folder(dir.path(), &key, release()).unwrap();
    (dir, key)
}

fn verify(dir: &Path, key: &KeyPair) -> Result<aoun_signing::VerifiedPack, SignatureError> {
    verify_folder(dir, &[key.public_key()])
}

fn signature_text(dir: &Path) -> String {
    fs::read_to_string(dir.join(SIGNATURE_FILE)).unwrap()
}

#[test]
fn a_signed_folder_verifies_with_its_files() {
    let (dir, key) = signed_pack();
    let pack = verify(dir.path(), &key).unwrap();
    assert_eq!(pack.key_id, key.public_key().id());
    let paths: Vec<&str> = pack.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["cards/amo.toml", "cards/passport.toml", "pack.toml"]
    );
    assert_eq!(pack.total_bytes(), 8 + 10 + 16);
    assert!(signature_text(dir.path()).starts_with("# "));
}

#[test]
fn signing_again_replaces_the_signature() {
    let (dir, _) = signed_pack();
    let other = KeyPair::generate().unwrap();
    fs::write(dir.path().join("cards/new.toml"), "fee = 1\n").unwrap();
    let signed = sign_folder(dir.path(), &other, release()).unwrap();
    assert_eq!(signed.files.len(), 4);
    assert_eq!(verify(dir.path(), &other).unwrap(), signed);
}

#[test]
fn any_trusted_key_may_have_signed() {
    let (dir, key) = signed_pack();
    let other = KeyPair::generate().unwrap();
    let trusted = [other.public_key(), key.public_key()];
    assert!(verify_folder(dir.path(), &trusted).is_ok());
}

#[test]
fn a_changed_byte_is_refused() {
    let (dir, key) = signed_pack();
    // Same size, one byte different.
    fs::write(dir.path().join("cards/passport.toml"), "fee = 900\n").unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(
        error,
        SignatureError::Changed {
            path: "cards/passport.toml".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "file cards/passport.toml was changed after signing"
    );
}

#[test]
fn a_file_of_another_size_is_refused() {
    let (dir, key) = signed_pack();
    fs::write(dir.path().join("cards/amo.toml"), "fee = 10\n").unwrap();
    assert_eq!(
        verify(dir.path(), &key).unwrap_err(),
        SignatureError::Changed {
            path: "cards/amo.toml".into()
        }
    );
}

#[test]
fn an_added_file_is_refused() {
    let (dir, key) = signed_pack();
    fs::create_dir(dir.path().join("extra")).unwrap();
    fs::write(dir.path().join("extra/notes.txt"), "hello").unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(
        error,
        SignatureError::Added {
            path: "extra/notes.txt".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "file extra/notes.txt was added after signing"
    );
}

#[test]
fn an_empty_folder_added_is_no_file_and_accepted() {
    let (dir, key) = signed_pack();
    fs::create_dir(dir.path().join("empty")).unwrap();
    assert!(verify(dir.path(), &key).is_ok());
}

#[test]
fn a_removed_file_is_refused() {
    let (dir, key) = signed_pack();
    fs::remove_file(dir.path().join("cards/amo.toml")).unwrap();
    assert_eq!(
        verify(dir.path(), &key).unwrap_err(),
        SignatureError::Removed {
            path: "cards/amo.toml".into()
        }
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_refused_even_to_a_listed_file() {
    let (dir, key) = signed_pack();
    std::os::unix::fs::symlink("passport.toml", dir.path().join("cards/link.toml")).unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(
        error,
        SignatureError::Symlink {
            path: "cards/link.toml".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "cards/link.toml is a symbolic link, which a signed pack may not hold"
    );

    // A listed file replaced by a link to a copy of its own content.
    let (dir, key) = signed_pack();
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("amo.toml");
    fs::copy(dir.path().join("cards/amo.toml"), &copy).unwrap();
    fs::remove_file(dir.path().join("cards/amo.toml")).unwrap();
    std::os::unix::fs::symlink(&copy, dir.path().join("cards/amo.toml")).unwrap();
    assert!(matches!(
        verify(dir.path(), &key),
        Err(SignatureError::Symlink { .. })
    ));

    // Signing refuses links too.
    assert!(matches!(
        sign_folder(dir.path(), &key, release()),
        Err(SignatureError::Symlink { .. })
    ));
}

#[cfg(unix)]
#[test]
fn a_linked_signature_file_is_refused() {
    let (dir, key) = signed_pack();
    let outside = tempfile::tempdir().unwrap();
    let moved = outside.path().join(SIGNATURE_FILE);
    fs::rename(dir.path().join(SIGNATURE_FILE), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, dir.path().join(SIGNATURE_FILE)).unwrap();
    assert_eq!(
        verify(dir.path(), &key).unwrap_err(),
        SignatureError::Symlink {
            path: SIGNATURE_FILE.into()
        }
    );
}

#[test]
fn a_pack_signed_by_an_untrusted_key_is_refused() {
    let (dir, key) = signed_pack();
    let office = KeyPair::generate().unwrap();
    let error = verify(dir.path(), &office).unwrap_err();
    assert_eq!(
        error,
        SignatureError::UntrustedKey {
            key_id: key.public_key().id()
        }
    );
    assert!(error
        .to_string()
        .starts_with("the pack is signed with a key this office does not trust"));
    // Trusting no key at all refuses every pack.
    assert!(matches!(
        verify_folder(dir.path(), &[]),
        Err(SignatureError::UntrustedKey { .. })
    ));
}

/// The `key = "…"` line of a signature file.
fn key_line(text: &str) -> &str {
    text.lines().find(|l| l.starts_with("key = ")).unwrap()
}

#[test]
fn a_forged_key_does_not_pass() {
    // An attacker signs with their own key but names the office's key.
    let (dir, attacker) = signed_pack();
    let (office_dir, office) = signed_pack();
    let text = signature_text(dir.path());
    let text = text.replace(
        key_line(&text),
        key_line(&signature_text(office_dir.path())),
    );
    assert_ne!(attacker.public_key(), office.public_key());
    fs::write(dir.path().join(SIGNATURE_FILE), text).unwrap();
    assert_eq!(
        verify(dir.path(), &office).unwrap_err(),
        SignatureError::BadSignature
    );
}

#[test]
fn a_listing_changed_to_match_a_changed_file_is_refused() {
    let (dir, key) = signed_pack();
    let before = signature_text(dir.path());
    let listed = SignatureFile::parse(&before).unwrap();
    let old = &listed
        .files
        .iter()
        .find(|f| f.path == "cards/passport.toml")
        .unwrap()
        .sha256;
    fs::write(dir.path().join("cards/passport.toml"), "fee = 900\n").unwrap();
    let new = sha256_hex(b"fee = 900\n");
    fs::write(
        dir.path().join(SIGNATURE_FILE),
        before.replace(old.as_str(), &new),
    )
    .unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(error, SignatureError::BadSignature);
    assert_eq!(
        error.to_string(),
        "the signature does not match the pack's list of files: the list was changed after signing"
    );
}

#[test]
fn a_missing_signature_is_refused() {
    let dir = pack();
    let key = KeyPair::generate().unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the pack is not signed: it has no SIGNATURE.toml"
    );
}

#[test]
fn a_truncated_signature_file_is_refused() {
    let (dir, key) = signed_pack();
    let text = signature_text(dir.path());
    // Cut inside the signature, then inside the list of files.
    for cut in [text.find("signature =").unwrap() + 40, text.len() - 30] {
        fs::write(dir.path().join(SIGNATURE_FILE), &text[..cut]).unwrap();
        let error = verify(dir.path(), &key).unwrap_err();
        assert!(
            matches!(error, SignatureError::Damaged { .. }),
            "cut at {cut}: {error}"
        );
        assert!(error
            .to_string()
            .starts_with("the signature file is damaged: "));
    }
    // Cutting whole files off the list breaks the signature, and then the removed file shows.
    let last = text.rfind("\n[[file]]").unwrap();
    fs::write(dir.path().join(SIGNATURE_FILE), &text[..last + 1]).unwrap();
    assert_eq!(
        verify(dir.path(), &key).unwrap_err(),
        SignatureError::BadSignature
    );
}

#[test]
fn a_garbled_signature_file_is_refused() {
    let (dir, key) = signed_pack();
    let cases: [&[u8]; 5] = [
        b"",
        b"\xff\xfe not text",
        b"format = \"aoun-pack-signature-1\"\n[[[",
        b"format = \"something-else\"\nkey = \"0011223344556677\"\nsignature = \"00\"\n",
        b"random words that are not TOML",
    ];
    for garbage in cases {
        fs::write(dir.path().join(SIGNATURE_FILE), garbage).unwrap();
        let error = verify(dir.path(), &key).unwrap_err();
        assert!(
            matches!(error, SignatureError::Damaged { .. }),
            "{:?}: {error}",
            String::from_utf8_lossy(garbage)
        );
    }
}

#[test]
fn a_flipped_signature_digit_is_refused() {
    let (dir, key) = signed_pack();
    let text = signature_text(dir.path());
    let start = text.find("signature = \"").unwrap() + "signature = \"".len();
    for at in [start, start + 63, start + 127] {
        let mut bytes = text.clone().into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        fs::write(dir.path().join(SIGNATURE_FILE), bytes).unwrap();
        assert_eq!(
            verify(dir.path(), &key).unwrap_err(),
            SignatureError::BadSignature,
            "digit {at}"
        );
    }
}

#[test]
fn paths_outside_the_pack_are_refused_before_any_file_is_read() {
    let (signed, key) = signed_pack();
    let text = signature_text(signed.path());
    let header = &text[..text.find("\n[[file]]").unwrap()];
    let zeros = "0".repeat(64);
    for path in [
        "../secret.toml",
        "cards/../../secret.toml",
        "/etc/passwd",
        "C:/Windows/win.ini",
        "cards\\..\\..\\secret.toml",
    ] {
        let text =
            format!("{header}\n\n[[file]]\npath = {path:?}\nsize = 1\nsha256 = \"{zeros}\"\n");
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SIGNATURE_FILE), text).unwrap();
        let error = verify(dir.path(), &key).unwrap_err();
        assert_eq!(
            error,
            SignatureError::UnsafePath { path: path.into() },
            "{path}"
        );
        assert!(error.to_string().ends_with("a path outside the pack"));
    }
}

#[test]
fn unlistable_names_are_refused_when_signing() {
    let dir = pack();
    fs::write(dir.path().join("cards/a:b.toml"), "x").unwrap();
    let key = KeyPair::generate().unwrap();
    let error = sign_folder(dir.path(), &key, release()).unwrap_err();
    assert!(
        matches!(&error, SignatureError::BadName { path, .. } if path == "cards/a:b.toml"),
        "{error}"
    );
}

#[test]
fn listing_text_round_trips_with_awkward_names() {
    let dir = pack();
    fs::write(dir.path().join("cards/say \"hi\" é.toml"), "x").unwrap();
    fs::write(dir.path().join("#not a comment"), "y").unwrap();
    let key = KeyPair::generate().unwrap();
    sign_folder(dir.path(), &key, release()).unwrap();
    let pack = verify(dir.path(), &key).unwrap();
    assert!(pack
        .files
        .iter()
        .any(|f| f.path == "cards/say \"hi\" é.toml"));
    assert!(pack.files.iter().any(|f| f.path == "#not a comment"));
}

#[test]
fn every_prefix_of_a_signature_file_is_refused_without_panicking() {
    let (dir, key) = signed_pack();
    let text = signature_text(dir.path());
    let trusted = [key.public_key()];
    let whole = SignatureFile::parse(&text).unwrap();
    assert!(whole.check(&trusted).is_ok());
    for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        if let Ok(parsed) = SignatureFile::parse(&text[..cut]) {
            // A cut that parses either only drops the final line end, or drops whole files,
            // and then the list no longer matches the signature.
            if parsed == whole {
                assert!(cut >= text.len() - 1, "cut at {cut}");
            } else {
                assert_eq!(parsed.check(&trusted), Err(SignatureError::BadSignature));
            }
        }
    }
}

#[test]
fn unsorted_or_repeated_files_are_refused() {
    let (dir, _) = signed_pack();
    let text = signature_text(dir.path());
    let first = text.find("\n[[file]]").unwrap();
    let second = text[first + 1..].find("\n[[file]]").unwrap() + first + 1;
    let third = text[second + 1..].find("\n[[file]]").unwrap() + second + 1;
    let swapped = format!(
        "{}{}{}{}",
        &text[..first],
        &text[second..third],
        &text[first..second],
        &text[third..]
    );
    let repeated = format!("{text}{}", &text[first..second]);
    for bad in [swapped, repeated] {
        assert!(matches!(
            SignatureFile::parse(&bad),
            Err(SignatureError::Damaged { .. })
        ));
    }
}

#[test]
fn key_files_round_trip_and_keep_the_secret_private() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("office.key");
    let public = dir.path().join("office.pub");
    let key = KeyPair::generate().unwrap();
    key.write_secret(&secret).unwrap();
    key.public_key().write(&public).unwrap();

    let text = fs::read_to_string(&secret).unwrap();
    assert!(text.starts_with("# Aoun office signing key"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let read = KeyPair::read_secret(&secret).unwrap();
    assert_eq!(read.public_key(), key.public_key());
    assert_eq!(PublicKey::read(&public).unwrap(), key.public_key());
    // The Debug form never shows the secret.
    assert!(!format!("{read:?}").contains(text.lines().nth(1).unwrap().split(' ').nth(1).unwrap()));

    // A key file is never overwritten.
    let other = KeyPair::generate().unwrap();
    assert_eq!(
        other.write_secret(&secret).unwrap_err(),
        SignatureError::KeyExists {
            path: secret.display().to_string()
        }
    );
    assert_eq!(
        KeyPair::read_secret(&secret).unwrap().public_key(),
        key.public_key()
    );
}

#[test]
fn a_key_of_the_wrong_kind_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("office.key");
    let public = dir.path().join("office.pub");
    let key = KeyPair::generate().unwrap();
    key.write_secret(&secret).unwrap();
    key.public_key().write(&public).unwrap();

    let trusting_the_secret = PublicKey::read(&secret).unwrap_err().to_string();
    assert!(
        trusting_the_secret.contains("it is a secret key, which must stay off the kiosks"),
        "{trusting_the_secret}"
    );
    let signing_with_public = KeyPair::read_secret(&public).unwrap_err().to_string();
    assert!(
        signing_with_public.contains("it is a public key"),
        "{signing_with_public}"
    );
    let garbage = dir.path().join("garbage.pub");
    fs::write(&garbage, "aoun-ed25519-public 12zz\n").unwrap();
    assert!(PublicKey::read(&garbage)
        .unwrap_err()
        .to_string()
        .contains("64 hexadecimal digits"));
    fs::write(&garbage, "ssh-ed25519 AAAA\n").unwrap();
    assert!(PublicKey::read(&garbage)
        .unwrap_err()
        .to_string()
        .contains("it is not an Aoun key file"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    // The listing's hash of a file is the sha256 of its content: check it through a signed
    // one-file folder rather than a second implementation.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), bytes).unwrap();
    let key = KeyPair::generate().unwrap();
    sign_folder(dir.path(), &key, release()).unwrap().files[0]
        .sha256
        .clone()
}

#[test]
fn the_version_and_signing_time_are_signed_with_the_files() {
    let (dir, key) = signed_pack();
    let text = signature_text(dir.path());
    assert!(text.contains("\nversion = \"2026.11.23\"\n"), "{text}");
    assert!(
        text.contains("\nsigned = \"2026-12-04T03:21:16Z\"\n"),
        "{text}"
    );
    assert_eq!(verify(dir.path(), &key).unwrap().release, release());
    assert_eq!(
        release().to_string(),
        "version 2026.11.23 signed 2026-12-04T03:21:16Z"
    );

    // Either changed after signing, to pass an old pack for a new one: refused.
    for (from, to) in [
        ("\"2026.11.23\"", "\"2027.1.1\""),
        ("\"2026-12-04T03:21:16Z\"", "\"2027-12-04T03:21:16Z\""),
    ] {
        fs::write(dir.path().join(SIGNATURE_FILE), text.replace(from, to)).unwrap();
        assert_eq!(
            verify(dir.path(), &key).unwrap_err(),
            SignatureError::BadSignature,
            "{to}"
        );
    }
}

#[test]
fn any_version_without_control_characters_round_trips() {
    let dir = pack();
    let key = KeyPair::generate().unwrap();
    for version in ["", "2026.11.23 \"office\" \\ é", "1.0-rc"] {
        let release = Release::now(version);
        sign_folder(dir.path(), &key, release.clone()).unwrap();
        assert_eq!(verify(dir.path(), &key).unwrap().release, release);
    }
    let error = sign_folder(dir.path(), &key, Release::now("1.0\nkey 00")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the pack cannot be signed: its version holds a control character"
    );
}

/// `text` without its lines that start with one of `prefixes`.
fn without_lines(text: &str, prefixes: &[&str]) -> String {
    text.lines()
        .filter(|l| !prefixes.iter().any(|p| l.starts_with(p)))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_listing_of_the_older_format_must_be_signed_again() {
    let (dir, key) = signed_pack();
    // What an Aoun before versioned signatures wrote: no version, no signing time.
    let old = without_lines(&signature_text(dir.path()), &["version = ", "signed = "])
        .replace("aoun-pack-signature-2", "aoun-pack-signature-1");
    fs::write(dir.path().join(SIGNATURE_FILE), old).unwrap();
    let error = verify(dir.path(), &key).unwrap_err();
    assert_eq!(error, SignatureError::WithoutRelease);
    assert_eq!(
        error.to_string(),
        "the pack was signed by an older version of Aoun, without its version and signing time: sign it again with `aoun pack sign`"
    );
}

#[test]
fn missing_or_malformed_release_fields_are_damage() {
    let (dir, _) = signed_pack();
    let text = signature_text(dir.path());
    let bad_time = "its signing time is not a UTC time written like 2026-12-04T03:21:16Z";
    for (bad, reason) in [
        (without_lines(&text, &["version = "]), "it has no version"),
        (without_lines(&text, &["signed = "]), bad_time),
        (
            text.replace("2026-12-04T03:21:16Z", "2026-02-30T03:21:16Z"),
            bad_time,
        ),
        (
            text.replace("\"2026.11.23\"", "\"2026.11.23\\u0007\""),
            "its version holds a control character",
        ),
    ] {
        assert_eq!(
            SignatureFile::parse(&bad),
            Err(SignatureError::Damaged {
                reason: reason.into()
            })
        );
    }
}

#[test]
fn an_installed_pack_is_checked_against_its_own_key_without_a_trust_list() {
    let (dir, key) = signed_pack();
    let pack = verify_unchanged(dir.path()).unwrap();
    assert_eq!(pack.key_id, key.public_key().id());
    fs::write(dir.path().join("cards/passport.toml"), "fee = 900\n").unwrap();
    assert_eq!(
        verify_unchanged(dir.path()).unwrap_err(),
        SignatureError::Changed {
            path: "cards/passport.toml".into()
        }
    );
}

#[test]
fn a_signature_file_kept_apart_gives_its_release_only_while_unchanged() {
    let (dir, _) = signed_pack();
    let kept = tempfile::tempdir().unwrap();
    let record = kept.path().join("installed.toml");
    fs::copy(dir.path().join(SIGNATURE_FILE), &record).unwrap();
    assert_eq!(aoun_signing::read_release(&record).unwrap(), release());
    let text = fs::read_to_string(&record).unwrap();
    fs::write(&record, text.replace("2026.11.23", "2026.11.24")).unwrap();
    assert_eq!(
        aoun_signing::read_release(&record).unwrap_err(),
        SignatureError::BadSignature
    );
}
