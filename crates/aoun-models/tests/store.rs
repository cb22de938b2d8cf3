//! Store, verification and fetching from a local folder of archives (no network).

use std::io::Write;
use std::path::{Path, PathBuf};

use aoun_models::{
    export, fetch_with, resolve_root, sha256_file, tree_sha256, FetchOptions, InstallState,
    Manifest, ModelError, ModelStore, NoProgress, Pack, Progress, MODELS_DIR_ENV,
};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

struct Fixture {
    _tmp: tempfile::TempDir,
    wheels: PathBuf,
    root: PathBuf,
    manifest_text: String,
}

const VOICE: &[u8] = b"pretend this is an onnx voice model";
const VOICE_JSON: &[u8] = br#"{"audio": {"sample_rate": 22050}}"#;
const PART1: &[u8] = b"first half of a split model|";
const PART2: &[u8] = b"second half of a split model";

fn dict_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("en_dict", b"english"),
        ("voices/!v/m1", b"variant"),
        ("phontab", b"phonemes"),
    ]
}

fn write_wheel(path: &Path, files: &[(String, &[u8])]) -> anyhow::Result<()> {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())?;
        zip.write_all(bytes)?;
    }
    zip.finish()?;
    Ok(())
}

fn write_sdist(path: &Path, top: &str, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    let gz =
        flate2::write::GzEncoder::new(std::fs::File::create(path)?, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{top}/{name}"), *bytes)?;
    }
    tar.into_inner()?.finish()?;
    Ok(())
}

fn fixture() -> anyhow::Result<Fixture> {
    let tmp = tempfile::tempdir()?;
    let wheels = tmp.path().join("wheels");
    std::fs::create_dir_all(&wheels)?;
    let mut files: Vec<(String, &[u8])> = vec![
        ("demo_voice/data/voice.onnx".into(), VOICE),
        ("demo_voice/data/voice.onnx.json".into(), VOICE_JSON),
        ("demo_voice/__init__.py".into(), b""),
    ];
    for (rel, bytes) in dict_files() {
        files.push((format!("demo_voice/data/dict/{rel}"), bytes));
    }
    write_wheel(&wheels.join("demo_voice-1.0.0-py3-none-any.whl"), &files)?;
    write_wheel(
        &wheels.join("demo_split_a-2.0-py3-none-any.whl"),
        &[("demo_split_a/part1".into(), PART1)],
    )?;
    write_sdist(
        &wheels.join("demo_split_b-3.0.tar.gz"),
        "demo_split_b-3.0",
        &[("assets/part2", PART2), ("setup.py", b"")],
    )?;

    let dict_dir = tmp.path().join("dict-expected");
    for (rel, bytes) in dict_files() {
        let p = dict_dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent"))?;
        std::fs::write(p, bytes)?;
    }
    let (tree, tree_size, _) = tree_sha256(&dict_dir)?;
    let joined = [PART1, PART2].concat();
    let manifest_text = format!(
        r#"
schema = 1

[[model]]
id = "demo-voice"
kind = "tts"
pack = "registry"
languages = ["en"]
license = "CC0-1.0"

[[model.file]]
path = "demo-voice/voice.onnx"
sha256 = "{voice}"
size = {voice_len}
part = [{{ package = "demo-voice==1.0.0", dist = "wheel", member = "demo_voice/data/voice.onnx" }}]

[[model.file]]
path = "demo-voice/voice.onnx.json"
sha256 = "{json}"
size = {json_len}
part = [{{ package = "demo-voice==1.0.0", dist = "wheel", member = "demo_voice/data/voice.onnx.json" }}]

[[model]]
id = "demo-dict"
kind = "phonemizer-data"
pack = "registry"
license = "GPL-3.0-or-later"

[[model.file]]
path = "demo-dict/dict"
kind = "dir"
sha256 = "{tree}"
size = {tree_size}
part = [{{ package = "demo-voice==1.0.0", dist = "wheel", member = "demo_voice/data/dict/" }}]

[[model]]
id = "demo-split"
kind = "llm"
pack = "registry"
license = "MIT"
speaks = ["en"]

[[model.file]]
path = "demo-split/model.bin"
sha256 = "{joined}"
size = {joined_len}
part = [
  {{ package = "demo-split-a==2.0", dist = "wheel", member = "demo_split_a/part1", sha256 = "{p1}", size = {p1_len} }},
  {{ package = "demo-split-b==3.0", dist = "sdist", member = "assets/part2", sha256 = "{p2}", size = {p2_len} }},
]

[[model]]
id = "demo-upstream"
kind = "stt"
pack = "standard"
license = "MIT"

[[model.file]]
path = "demo-upstream/big.bin"
url = "https://example.invalid/big.bin"
approx_size = 1000
"#,
        voice = sha(VOICE),
        voice_len = VOICE.len(),
        json = sha(VOICE_JSON),
        json_len = VOICE_JSON.len(),
        joined = sha(&joined),
        joined_len = joined.len(),
        p1 = sha(PART1),
        p1_len = PART1.len(),
        p2 = sha(PART2),
        p2_len = PART2.len(),
    );
    let root = tmp.path().join("store");
    Ok(Fixture {
        _tmp: tmp,
        wheels,
        root,
        manifest_text,
    })
}

impl Fixture {
    fn store(&self) -> anyhow::Result<ModelStore> {
        let m = Manifest::parse(&self.manifest_text, "test")?;
        Ok(ModelStore::open_with_manifest(Some(self.root.clone()), m)?)
    }
    fn options(&self) -> FetchOptions {
        FetchOptions::from_folder(Pack::Registry, &self.wheels)
    }
}

/// Records messages, to check what the user is told.
#[derive(Default)]
struct Recorder {
    messages: Vec<String>,
    bytes: u64,
}

impl Progress for Recorder {
    fn message(&mut self, text: &str) {
        self.messages.push(text.to_string());
    }
    fn start(&mut self, _label: &str, _total: Option<u64>) {}
    fn advance(&mut self, bytes: u64) {
        self.bytes += bytes;
    }
    fn finish(&mut self) {}
}

#[test]
fn fetch_from_folder_installs_then_does_nothing() -> anyhow::Result<()> {
    let fx = fixture()?;
    let store = fx.store()?;
    let err = store.path("demo-voice").expect_err("not installed yet");
    assert_eq!(
        err.to_string(),
        "model `demo-voice` is not installed; run `aoun models fetch`"
    );

    let mut rec = Recorder::default();
    let report = fetch_with(&store, &fx.options(), &mut rec)?;
    assert_eq!(report.installed, ["demo-voice", "demo-dict", "demo-split"]);
    assert!(rec.bytes > 0);

    assert_eq!(std::fs::read(store.verified_path("demo-voice")?)?, VOICE);
    assert_eq!(
        std::fs::read(store.file("demo-voice", "voice.onnx.json")?)?,
        VOICE_JSON
    );
    assert_eq!(
        std::fs::read(store.verified_path("demo-split")?)?,
        [PART1, PART2].concat()
    );
    let dict = store.verified_path("demo-dict")?;
    assert!(dict.ends_with("demo-dict/dict"));
    assert_eq!(std::fs::read(dict.join("voices/!v/m1"))?, b"variant");
    let status = store.status();
    let state = |id: &str| status.iter().find(|s| s.id == id).map(|s| s.state.clone());
    assert_eq!(state("demo-voice"), Some(InstallState::Installed));
    assert_eq!(state("demo-dict"), Some(InstallState::Installed));
    assert_eq!(state("demo-upstream"), Some(InstallState::Missing));

    let again = fetch_with(&store, &fx.options(), &mut NoProgress)?;
    assert!(again.nothing_to_do());
    assert_eq!(again.summary(), "all 3 models verified, nothing to do");
    Ok(())
}

#[test]
fn flipped_byte_is_rejected_moved_aside_and_repaired() -> anyhow::Result<()> {
    let fx = fixture()?;
    let store = fx.store()?;
    fetch_with(&store, &fx.options(), &mut NoProgress)?;
    let path = store.verified_path("demo-voice")?; // leaves a stamp

    let mut bytes = std::fs::read(&path)?;
    bytes[3] ^= 0x01;
    std::fs::write(&path, &bytes)?;
    let err = store.verified_path("demo-voice").expect_err("corrupt");
    assert!(matches!(err, ModelError::Corrupt { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "model file {} is corrupt (sha256 mismatch); run `aoun models fetch` to repair it",
            path.display()
        )
    );
    assert!(matches!(
        store.status_of(store.entry("demo-voice")?),
        InstallState::Corrupt(_)
    ));

    let report = fetch_with(&store, &fx.options(), &mut NoProgress)?;
    assert_eq!(report.installed, ["demo-voice"]);
    let aside = path.with_file_name("voice.onnx.corrupt");
    assert_eq!(std::fs::read(&aside)?, bytes);
    assert_eq!(std::fs::read(store.verified_path("demo-voice")?)?, VOICE);

    // A flipped byte in a folder model is caught too.
    let dict = store.verified_path("demo-dict")?;
    std::fs::write(dict.join("phontab"), b"phonemeZ")?;
    assert!(matches!(
        store.verified_path("demo-dict"),
        Err(ModelError::Corrupt { .. })
    ));
    fetch_with(&store, &fx.options(), &mut NoProgress)?;
    assert_eq!(
        std::fs::read(store.verified_path("demo-dict")?.join("phontab"))?,
        b"phonemes"
    );
    assert!(dict.with_file_name("dict.corrupt").is_dir());
    Ok(())
}

#[test]
fn half_written_files_are_never_taken_as_valid() -> anyhow::Result<()> {
    let fx = fixture()?;
    let store = fx.store()?;
    // What an interrupted fetch leaves: a partial temporary file next to where the model goes.
    let dir = fx.root.join("demo-voice");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(".aoun-partial-XYZ123"), &VOICE[..10])?;
    assert!(matches!(
        store.path("demo-voice"),
        Err(ModelError::NotInstalled { .. })
    ));
    assert_eq!(
        store.status_of(store.entry("demo-voice")?),
        InstallState::Missing
    );

    // A truncated file at the final path (copied by hand, say) is refused by size.
    std::fs::write(dir.join("voice.onnx"), &VOICE[..10])?;
    std::fs::write(dir.join("voice.onnx.json"), VOICE_JSON)?;
    let err = store.verified_path("demo-voice").expect_err("truncated");
    assert!(
        matches!(err, ModelError::WrongSize { expected, actual: 10, .. } if expected == VOICE.len() as u64)
    );
    assert!(err
        .to_string()
        .contains("run `aoun models fetch` to repair it"));

    let report = fetch_with(&store, &fx.options(), &mut NoProgress)?;
    assert!(report.installed.contains(&"demo-voice".to_string()));
    assert_eq!(std::fs::read(store.verified_path("demo-voice")?)?, VOICE);
    Ok(())
}

#[test]
fn wrong_hash_moves_new_file_aside_and_names_both_hashes() -> anyhow::Result<()> {
    let fx = fixture()?;
    let wrong = "0".repeat(64);
    let text = fx.manifest_text.replace(&sha(VOICE), &wrong);
    let store =
        ModelStore::open_with_manifest(Some(fx.root.clone()), Manifest::parse(&text, "test")?)?;
    let mut options = fx.options();
    options.only = vec!["demo-voice".into()];
    let err = fetch_with(&store, &options, &mut NoProgress).expect_err("hash mismatch");
    let msg = err.to_string();
    assert!(matches!(err, ModelError::HashMismatch { .. }), "{msg}");
    assert!(msg.contains(&wrong) && msg.contains(&sha(VOICE)), "{msg}");
    let final_path = fx.root.join("demo-voice/voice.onnx");
    assert!(!final_path.exists());
    assert_eq!(
        std::fs::read(final_path.with_file_name("voice.onnx.corrupt"))?,
        VOICE
    );

    // A wrong part hash stops before anything is installed.
    let text = fx.manifest_text.replace(&sha(PART2), &wrong);
    let store =
        ModelStore::open_with_manifest(Some(fx.root.clone()), Manifest::parse(&text, "test")?)?;
    options.only = vec!["demo-split".into()];
    let err = fetch_with(&store, &options, &mut NoProgress).expect_err("part mismatch");
    assert!(matches!(err, ModelError::SourceMismatch { .. }), "{err}");
    assert!(!fx.root.join("demo-split/model.bin").exists());
    Ok(())
}

#[test]
fn missing_archives_and_standard_models_are_reported() -> anyhow::Result<()> {
    let fx = fixture()?;
    let store = fx.store()?;
    std::fs::remove_file(fx.wheels.join("demo_split_b-3.0.tar.gz"))?;
    let mut options = fx.options();
    options.only = vec!["demo-split".into()];
    let err = fetch_with(&store, &options, &mut NoProgress).expect_err("no archive");
    assert!(err.to_string().contains("demo-split-b==3.0"), "{err}");

    let mut rec = Recorder::default();
    let report = fetch_with(
        &store,
        &FetchOptions::from_folder(Pack::Standard, &fx.wheels),
        &mut rec,
    )?;
    assert_eq!(report.skipped.len(), 1);
    assert!(report.skipped[0]
        .1
        .contains("https://example.invalid/big.bin"));
    assert!(rec.messages.iter().any(|m| m.contains("do not carry")));

    let err = fetch_with(
        &store,
        &FetchOptions {
            only: vec!["nope".into()],
            ..fx.options()
        },
        &mut NoProgress,
    )
    .expect_err("unknown id");
    assert_eq!(
        err.to_string(),
        "there is no model `nope` in the model manifest"
    );
    Ok(())
}

#[test]
fn an_exported_pack_installs_elsewhere_by_copy_and_is_verified() -> anyhow::Result<()> {
    let fx = fixture()?;
    let store = fx.store()?;
    let manifest = || Manifest::parse(&fx.manifest_text, "test");
    let stick = fx.root.with_file_name("stick");
    // Nothing installed: nothing to copy, and every model is named as left out.
    let empty = export(&store, Pack::Registry, &[], &stick, &mut NoProgress)?;
    assert!(empty.installed.is_empty());
    assert_eq!(empty.skipped.len(), 3);

    fetch_with(&store, &fx.options(), &mut NoProgress)?;
    let mut rec = Recorder::default();
    let report = export(&store, Pack::Registry, &[], &stick, &mut rec)?;
    assert_eq!(report.installed, ["demo-voice", "demo-dict", "demo-split"]);
    assert!(report.skipped.is_empty());
    assert!(rec.bytes > 0);
    // Again: only checked.
    assert!(export(&store, Pack::Registry, &[], &stick, &mut NoProgress)?.nothing_to_do());

    // Only the models named: a package that carries the runtime without the models.
    let part = fx.root.with_file_name("part");
    let only = ["demo-dict".to_string()];
    let report = export(&store, Pack::Registry, &only, &part, &mut NoProgress)?;
    assert_eq!(report.installed, ["demo-dict"]);
    assert!(!part.join("demo-voice").exists());
    let unknown = ["nope".to_string()];
    let err = export(&store, Pack::Registry, &unknown, &part, &mut NoProgress).unwrap_err();
    assert_eq!(
        err.to_string(),
        "there is no model `nope` in the model manifest"
    );

    // The stick is a pack folder: another machine installs from it, no archive needed.
    let other = ModelStore::open_with_manifest(Some(fx.root.with_file_name("other")), manifest()?)?;
    let from_stick = FetchOptions::from_folder(Pack::Registry, &stick);
    let report = fetch_with(&other, &from_stick, &mut NoProgress)?;
    assert_eq!(report.installed, ["demo-voice", "demo-dict", "demo-split"]);
    assert_eq!(
        std::fs::read(other.verified_path("demo-split")?)?,
        [PART1, PART2].concat()
    );
    assert_eq!(
        std::fs::read(other.verified_path("demo-dict")?.join("voices/!v/m1"))?,
        b"variant"
    );

    // A model the registries do not carry installs from a pack folder that holds it.
    std::fs::create_dir_all(stick.join("demo-upstream"))?;
    std::fs::write(stick.join("demo-upstream/big.bin"), b"side-loaded")?;
    let standard = fetch_with(
        &other,
        &FetchOptions::from_folder(Pack::Standard, &stick),
        &mut NoProgress,
    )?;
    assert_eq!(standard.installed, ["demo-upstream"]);
    assert_eq!(
        other.status_of(other.entry("demo-upstream")?),
        InstallState::Unverified
    );

    // A damaged copy on the stick is refused, not installed.
    let third = ModelStore::open_with_manifest(Some(fx.root.with_file_name("third")), manifest()?)?;
    let mut bytes = std::fs::read(stick.join("demo-voice/voice.onnx"))?;
    bytes[0] ^= 0x01;
    std::fs::write(stick.join("demo-voice/voice.onnx"), &bytes)?;
    let err = fetch_with(&third, &from_stick, &mut NoProgress).expect_err("damaged copy");
    assert!(matches!(err, ModelError::HashMismatch { .. }), "{err}");
    assert!(third.verified_path("demo-voice").is_err());
    Ok(())
}

#[test]
fn tree_hash_is_sorted_path_and_hash_lines() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    for (rel, bytes) in dict_files() {
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent"))?;
        std::fs::write(p, bytes)?;
    }
    let mut lines: Vec<String> = dict_files()
        .iter()
        .map(|(rel, bytes)| format!("{rel}\t{}\n", sha(bytes)))
        .collect();
    lines.sort();
    let (h, size, count) = tree_sha256(tmp.path())?;
    assert_eq!(h, sha(lines.concat().as_bytes()));
    assert_eq!(
        size,
        dict_files()
            .iter()
            .map(|(_, b)| b.len() as u64)
            .sum::<u64>()
    );
    assert_eq!(count, 3);
    let (fh, flen) = sha256_file(&tmp.path().join("en_dict"))?;
    assert_eq!((fh, flen), (sha(b"english"), 7));
    Ok(())
}

#[test]
fn root_is_explicit_then_env_then_data_dir() -> anyhow::Result<()> {
    let explicit = PathBuf::from("some/explicit/dir");
    assert_eq!(resolve_root(Some(explicit.clone()))?, explicit);
    // Only this test touches the variable in this test binary.
    std::env::set_var(MODELS_DIR_ENV, "from/env");
    assert_eq!(resolve_root(None)?, PathBuf::from("from/env"));
    assert_eq!(resolve_root(Some(explicit.clone()))?, explicit);
    std::env::remove_var(MODELS_DIR_ENV);
    if let Ok(p) = resolve_root(None) {
        assert!(p.ends_with("models"), "{}", p.display());
    }
    Ok(())
}
