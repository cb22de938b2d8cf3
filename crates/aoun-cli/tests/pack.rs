//! `aoun pack`: the office key, signing, verifying and installing signed updates, run as an
//! administrator runs them. Everything happens in temporary folders: `AOUN_GUIDE_DIR` and
//! `AOUN_MODELS_DIR` point into one, so the user's data folder is never touched. Answers come
//! from `aoun ask --no-llm`, which needs no model.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::models_root;
use tempfile::TempDir;

const FEE_QUESTION: &str = "how much does the passport cost";

/// An office: its key pair and its own data folder.
struct Office {
    dir: TempDir,
}

impl Office {
    fn new() -> Office {
        let office = Office {
            dir: tempfile::tempdir().unwrap(),
        };
        let key = office.path("office.key");
        office.ok(&["pack", "keygen", "--out", key.to_str().unwrap()]);
        assert!(office.path("office.pub").is_file());
        office
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn installed(&self) -> PathBuf {
        self.path("data/guide")
    }

    fn aoun(&self, args: &[&str]) -> Output {
        self.aoun_with(args, &[])
    }

    /// `aoun args` with the `env` variables set too.
    fn aoun_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aoun"));
        command
            .args(args)
            .env("AOUN_GUIDE_DIR", self.installed())
            .env("AOUN_MODELS_DIR", self.path("data/models"))
            .env_remove("AOUN_TRUST");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run aoun")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let output = self.aoun(args);
        assert!(
            output.status.success(),
            "aoun {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// A copy of the shipped content pack of `version` in which the passport costs `fee`
    /// dirhams.
    fn update(&self, name: &str, fee: u32, version: &str) -> PathBuf {
        let folder = self.path(name);
        copy_tree(&guide_assets(), &folder);
        replace_in(&folder.join("cards/passport.toml"), "500", &fee.to_string());
        let pack = folder.join("pack.toml");
        let text = fs::read_to_string(&pack).unwrap();
        let shipped = text.lines().find(|l| l.starts_with("version = ")).unwrap();
        replace_in(&pack, shipped, &format!("version = \"{version}\""));
        folder
    }

    fn sign(&self, folder: &Path, key: &str) {
        let key = self.path(key);
        self.ok(&[
            "pack",
            "sign",
            folder.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
    }

    fn install(&self, folder: &Path) -> Output {
        self.install_with(folder, &[])
    }

    /// `aoun pack install folder --trust office.pub`, then `more` arguments.
    fn install_with(&self, folder: &Path, more: &[&str]) -> Output {
        let trust = self.path("office.pub");
        let mut args = vec![
            "pack",
            "install",
            folder.to_str().unwrap(),
            "--trust",
            trust.to_str().unwrap(),
        ];
        args.extend(more);
        self.aoun(&args)
    }

    /// What the desk answers about the passport fee.
    fn fee_answer(&self) -> String {
        self.fee_reply().0
    }

    /// What the desk answers about the passport fee, and what it logged.
    fn fee_reply(&self) -> (String, String) {
        self.ask_fee(&[])
    }

    /// The first sentence of the desk's answer about the passport fee (a note on its source may
    /// follow it) when asked with `more` arguments, and what the desk logged.
    fn ask_fee(&self, more: &[&str]) -> (String, String) {
        self.ask_fee_with(more, &[])
    }

    /// [`Office::ask_fee`] with the `env` variables set too.
    fn ask_fee_with(&self, more: &[&str], env: &[(&str, &Path)]) -> (String, String) {
        let mut args = vec!["ask", "--no-llm", "--json", "--lang", "en"];
        args.extend(more);
        args.push(FEE_QUESTION);
        let output = self.aoun_with(&args, env);
        assert!(
            output.status.success(),
            "aoun {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let text = reply["answer"]["text"].as_str().unwrap();
        let answer = text
            .split_inclusive(". ")
            .next()
            .unwrap()
            .trim_end()
            .to_string();
        (answer, String::from_utf8_lossy(&output.stderr).into_owned())
    }

    /// The names in the installed pack's parent folder: no staging or set-aside folder stays.
    fn data_folder(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path("data"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn guide_assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/guide")
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} in {}", file.display());
    fs::write(file, text.replace(from, to)).unwrap();
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A refusal: exit code 1 and exactly one `aoun:` sentence holding `expected`.
fn assert_refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("aoun:")).collect();
    assert_eq!(lines.len(), 1, "one error sentence expected: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        lines[0].contains(expected),
        "expected `{expected}` in: {}",
        lines[0]
    );
}

#[test]
fn a_signed_update_verifies_and_a_changed_one_is_refused() {
    let office = Office::new();
    let update = office.update("update", 650, "2026.12.1");
    office.sign(&update, "office.key");
    let trust = office.path("office.pub");
    let verify = |office: &Office| {
        office.aoun(&[
            "pack",
            "verify",
            update.to_str().unwrap(),
            "--trust",
            trust.to_str().unwrap(),
        ])
    };
    let output = verify(&office);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("verified "));

    fs::write(update.join("cards/extra.toml"), "id = \"extra\"\n").unwrap();
    assert_refused(
        &verify(&office),
        "file cards/extra.toml was added after signing",
    );
    fs::remove_file(update.join("cards/extra.toml")).unwrap();

    let amo = update.join("cards/amo.toml");
    let mut bytes = fs::read(&amo).unwrap();
    bytes[10] ^= 1;
    fs::write(&amo, bytes).unwrap();
    assert_refused(
        &verify(&office),
        "file cards/amo.toml was changed after signing",
    );
}

#[test]
fn the_secret_key_is_not_trusted_and_keys_are_never_overwritten() {
    let office = Office::new();
    let update = office.update("update", 650, "2026.12.1");
    office.sign(&update, "office.key");
    let key = office.path("office.key");
    let output = office.aoun(&[
        "pack",
        "verify",
        update.to_str().unwrap(),
        "--trust",
        key.to_str().unwrap(),
    ]);
    assert_refused(
        &output,
        "it is a secret key, which must stay off the kiosks",
    );
    let again = office.aoun(&["pack", "keygen", "--out", key.to_str().unwrap()]);
    assert_refused(&again, "already exists");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the secret key is readable by others: {mode:o}"
        );
    }
}

#[test]
fn a_good_update_changes_the_answer_and_a_bad_one_leaves_it() {
    let office = Office::new();
    assert_eq!(office.fee_answer(), "The passport stamp costs 500 dirhams.");

    let first = office.update("first", 650, "2026.12.1");
    office.sign(&first, "office.key");
    let output = office.install(&first);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");
    assert_eq!(office.data_folder(), ["guide", "guide.trusted"]);

    // Changed after signing: refused, the installed pack keeps answering.
    let tampered = office.update("tampered", 700, "2026.12.2");
    office.sign(&tampered, "office.key");
    let card = tampered.join("cards/passport.toml");
    fs::write(
        &card,
        fs::read_to_string(&card).unwrap().replace("700", "900"),
    )
    .unwrap();
    assert_refused(
        &office.install(&tampered),
        "file cards/passport.toml was changed after signing",
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // Signed with another office's key.
    let foreign = Office::new();
    let stranger = foreign.update("stranger", 800, "2026.12.2");
    foreign.sign(&stranger, "office.key");
    assert_refused(
        &office.install(&stranger),
        "the pack is signed with a key this office does not trust",
    );

    // Signed by the office, but not a valid content pack: refused after checking.
    let broken = office.update("broken", 750, "2026.12.2");
    fs::write(
        broken.join("cards/amo.toml"),
        "id = \"amo\"\nnot toml [[[\n",
    )
    .unwrap();
    office.sign(&broken, "office.key");
    assert_refused(
        &office.install(&broken),
        "its content pack is not valid: cards/amo.toml",
    );

    // Unsigned.
    let unsigned = office.update("unsigned", 760, "2026.12.2");
    assert_refused(&office.install(&unsigned), "the pack is not signed");

    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");
    assert_eq!(
        office.data_folder(),
        ["guide", "guide.trusted"],
        "nothing half-installed stays"
    );

    // A second good update replaces the first.
    let second = office.update("second", 675, "2026.12.2");
    office.sign(&second, "office.key");
    assert!(office.install(&second).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 675 dirhams.");
    assert_eq!(office.data_folder(), ["guide", "guide.trusted"]);

    // An explicit --guide still wins over the installed pack.
    let shipped = guide_assets();
    let (answer, _) = office.ask_fee(&["--guide", shipped.to_str().unwrap()]);
    assert_eq!(answer, "The passport stamp costs 500 dirhams.");
}

#[test]
fn an_install_cut_short_between_its_renames_still_answers_from_the_previous_pack() {
    let office = Office::new();
    let first = office.update("first", 650, "2026.12.1");
    office.sign(&first, "office.key");
    assert!(office.install(&first).status.success());
    // The state a power cut leaves after the live pack was moved aside and before the new one
    // was renamed in.
    fs::rename(office.installed(), office.path("data/guide.previous")).unwrap();
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // The next install puts it back first, and refusing the update leaves it in place.
    let unsigned = office.update("unsigned", 760, "2026.12.2");
    office.sign(&unsigned, "office.key");
    fs::write(unsigned.join("added.txt"), "x").unwrap();
    assert_refused(
        &office.install(&unsigned),
        "file added.txt was added after signing",
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    let second = office.update("second", 675, "2026.12.2");
    office.sign(&second, "office.key");
    assert!(office.install(&second).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 675 dirhams.");
    assert_eq!(office.data_folder(), ["guide", "guide.trusted"]);
}

#[test]
fn a_damaged_installed_pack_falls_back_to_the_built_in_one() {
    let office = Office::new();
    let first = office.update("first", 650, "2026.12.1");
    office.sign(&first, "office.key");
    assert!(office.install(&first).status.success());
    fs::write(office.installed().join("pack.toml"), "garbage").unwrap();
    assert_eq!(office.fee_answer(), "The passport stamp costs 500 dirhams.");
}

#[test]
fn a_signed_model_pack_installs_the_models_and_a_changed_one_is_refused() {
    let office = Office::new();
    // The installed registry pack (from `aoun models fetch`), exported as an office would carry it.
    let installed = models_root();
    let models = office.path("models-update");
    office.ok(&[
        "models",
        "export",
        models.to_str().unwrap(),
        "--models-dir",
        installed.to_str().unwrap(),
    ]);
    office.sign(&models, "office.key");

    // A changed byte in the largest file is refused before anything is installed.
    let largest = largest_file(&models);
    let rel = largest
        .strip_prefix(&models)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let original = fs::read(&largest).unwrap();
    let mut changed = original.clone();
    changed[original.len() / 2] ^= 0x40;
    fs::write(&largest, &changed).unwrap();
    assert_refused(
        &office.install(&models),
        &format!("file {rel} was changed after signing"),
    );
    assert!(!office.path("data/models").exists());

    fs::write(&largest, &original).unwrap();
    let output = office.install(&models);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status = office.ok(&["models", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let registry: Vec<&serde_json::Value> = status["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["pack"] == "registry")
        .collect();
    assert!(!registry.is_empty());
    for model in registry {
        assert_eq!(model["state"], "Installed", "{model}");
    }

    // The same signed pack again is not newer: refused before any model is looked at.
    assert_refused(
        &office.install(&models),
        "it is not newer than the installed model pack: it is signed ",
    );
    // Signed again a second later, it installs; the first signature is then older.
    let first_listing = fs::read(models.join("SIGNATURE.toml")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    office.sign(&models, "office.key");
    assert!(office.install(&models).status.success());
    fs::write(models.join("SIGNATURE.toml"), &first_listing).unwrap();
    assert_refused(
        &office.install(&models),
        "it is not newer than the installed model pack",
    );
    let output = office.install_with(&models, &["--allow-older"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn largest_file(dir: &Path) -> PathBuf {
    let mut best: Option<(u64, PathBuf)> = None;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let candidate = if path.is_dir() {
            let inner = largest_file(&path);
            (fs::metadata(&inner).unwrap().len(), inner)
        } else {
            (fs::metadata(&path).unwrap().len(), path)
        };
        if best.as_ref().is_none_or(|(size, _)| candidate.0 > *size) {
            best = Some(candidate);
        }
    }
    best.unwrap().1
}

#[test]
fn a_signed_model_pack_is_verified_before_it_is_fetched() {
    let office = Office::new();
    // A model pack folder with no archive for the pack's models: signed, verified, then handed
    // to the fetch, which says what is missing.
    let models = office.path("models-update");
    fs::create_dir_all(&models).unwrap();
    fs::write(models.join("README.txt"), "archives go here\n").unwrap();
    office.sign(&models, "office.key");
    fs::write(models.join("stray.whl"), "not signed").unwrap();
    assert_refused(
        &office.install(&models),
        "file stray.whl was added after signing",
    );
    fs::remove_file(models.join("stray.whl")).unwrap();
    // The signature passes; the fetch then looks for the archives.
    assert_refused(&office.install(&models), "no wheel or source archive of");
}

/// The kiosk's USB update (packaging/linux/aoun-usb-update, which udev starts when a stick is
/// plugged in) run on a folder, as the current user and without restarting a kiosk: every signed
/// update in `aoun-update/` is installed, a foreign one refused without harm.
#[test]
fn a_usb_stick_of_signed_updates_installs_without_a_keyboard() {
    let office = Office::new();
    let good = office.update("stick/aoun-update/guide", 650, "2026.12.1");
    office.sign(&good, "office.key");
    let foreign = Office::new();
    let other = office.update("stick/aoun-update/other", 800, "2026.12.2");
    foreign.sign(&other, "office.key");

    let plug_in = || {
        let me = Command::new("id").arg("-un").output().unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/linux/aoun-usb-update");
        Command::new(script)
            .args(["--folder", office.path("stick").to_str().unwrap()])
            .env("AOUN_TRUST", office.path("office.pub"))
            .env(
                "AOUN_KIOSK_USER",
                String::from_utf8(me.stdout).unwrap().trim(),
            )
            .env("AOUN_KIOSK_UNIT", "")
            .env("AOUN_BIN", env!("CARGO_BIN_EXE_aoun"))
            .env("AOUN_GUIDE_DIR", office.installed())
            .env("AOUN_MODELS_DIR", office.path("data/models"))
            .output()
            .expect("run aoun-usb-update")
    };
    let output = plug_in();
    let said = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}{stderr}");
    assert!(said.contains("installed the update guide"), "{said}");
    assert!(stderr.contains("refused the update other"), "{stderr}");
    assert!(stderr.contains("signed with a key"), "{stderr}");
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    fs::remove_dir_all(&other).unwrap();
    let newer = office.update("stick/aoun-update/newer", 675, "2026.12.2");
    office.sign(&newer, "office.key");
    let output = plug_in();
    let said = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The pack already installed is refused as not newer; the newer one is installed.
    assert_eq!(output.status.code(), Some(1), "{said}{stderr}");
    assert!(said.contains("installed the update newer"), "{said}");
    assert!(stderr.contains("refused the update guide"), "{stderr}");
    assert!(
        stderr.contains("it is not newer than the installed content pack"),
        "{stderr}"
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 675 dirhams.");

    // Only older packs on the stick: the kiosk never goes back, and keeps its pack as it is.
    fs::remove_dir_all(&newer).unwrap();
    let before = tree(&office.installed());
    let output = plug_in();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("updates installed: 0, refused: 1"));
    assert_eq!(tree(&office.installed()), before);
    assert_eq!(office.fee_answer(), "The passport stamp costs 675 dirhams.");
}

#[test]
fn an_older_or_equal_pack_is_refused_unless_allowed_and_the_installed_one_stays_as_it_is() {
    let office = Office::new();
    let installed = office.update("installed", 650, "2026.12.10");
    office.sign(&installed, "office.key");
    assert!(office.install(&installed).status.success());
    let before = tree(&office.installed());
    let signature = fs::read_to_string(office.installed().join("SIGNATURE.toml")).unwrap();
    assert!(
        signature.contains("version = \"2026.12.10\""),
        "{signature}"
    );
    assert!(signature.contains("\nsigned = \"20"), "{signature}");

    // Older by its version (9 is before 10, as numbers), though signed later.
    let older = office.update("older", 600, "2026.12.9");
    office.sign(&older, "office.key");
    let output = office.install(&older);
    assert_refused(
        &output,
        "it is not newer than the installed content pack: it is version 2026.12.9 signed ",
    );
    assert_refused(
        &output,
        ", and the installed one is version 2026.12.10 signed ",
    );
    assert_refused(&output, "unless `aoun pack install --allow-older` is given");
    assert_eq!(
        tree(&office.installed()),
        before,
        "the installed pack changed"
    );
    assert_eq!(office.data_folder(), ["guide", "guide.trusted"]);
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // The same version, with other fees and signed later: refused too.
    let same = office.update("same", 700, "2026.12.10");
    office.sign(&same, "office.key");
    assert_refused(
        &office.install(&same),
        "it is not newer than the installed content pack: it is version 2026.12.10 signed ",
    );
    assert_eq!(
        tree(&office.installed()),
        before,
        "the installed pack changed"
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // The administrator goes back on purpose.
    let output = office.install_with(&older, &["--allow-older"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(office.fee_answer(), "The passport stamp costs 600 dirhams.");
    assert_eq!(office.data_folder(), ["guide", "guide.trusted"]);
}

#[test]
fn a_pack_changed_after_it_was_installed_is_refused_at_start_and_the_built_in_guide_answers() {
    let office = Office::new();
    let update = office.update("update", 650, "2026.12.1");
    office.sign(&update, "office.key");
    assert!(office.install(&update).status.success());
    let (answer, logged) = office.fee_reply();
    assert_eq!(answer, "The passport stamp costs 650 dirhams.");
    assert!(!logged.contains("WARN"), "{logged}");

    // The fee edited on disk, by hand: the signature no longer matches.
    replace_in(
        &office.installed().join("cards/passport.toml"),
        "650",
        "900",
    );
    let (answer, logged) = office.fee_reply();
    assert_eq!(answer, "The passport stamp costs 500 dirhams.");
    let warnings: Vec<&str> = logged.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "one warning: {logged}");
    assert!(
        warnings[0].contains("the installed content pack fails its signature check (file cards/passport.toml was changed after signing), so the previous or built-in pack answers instead"),
        "{logged}"
    );
    let data = office.path("data");
    assert!(
        !logged.contains(data.to_str().unwrap()),
        "a path logged: {logged}"
    );
    assert!(
        !logged.contains(FEE_QUESTION),
        "the question logged: {logged}"
    );

    // A changed pack sets no floor: the same signed pack mends it.
    assert!(office.install(&update).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");
}

#[test]
fn a_pack_signed_again_with_a_key_the_office_does_not_trust_is_refused_at_start() {
    let office = Office::new();
    let update = office.update("update", 650, "2026.12.1");
    office.sign(&update, "office.key");
    assert!(office.install(&update).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // The fee edited on disk and the folder signed again in place with a stranger's key: every
    // file is as signed, but not by a key the office trusts.
    replace_in(
        &office.installed().join("cards/passport.toml"),
        "650",
        "900",
    );
    let stranger = Office::new();
    stranger.sign(&office.installed(), "office.key");
    let (answer, logged) = office.fee_reply();
    assert_eq!(answer, "The passport stamp costs 500 dirhams.");
    let warnings: Vec<&str> = logged.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "one warning: {logged}");
    assert!(
        warnings[0].contains("the installed content pack fails its signature check (the pack is signed with a key this office does not trust"),
        "{logged}"
    );
    assert!(
        warnings[0].contains("so the previous or built-in pack answers instead"),
        "{logged}"
    );
    let data = office.path("data");
    assert!(
        !logged.contains(data.to_str().unwrap()),
        "a path logged: {logged}"
    );

    // The stranger's pack sets no floor: the office's own pack installs over it and answers.
    assert!(office.install(&update).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");

    // A kiosk that pins the office key with AOUN_TRUST checks with that key alone.
    let pinned = |key: &Path| office.ask_fee_with(&[], &[("AOUN_TRUST", key)]).0;
    assert_eq!(
        pinned(&office.path("office.pub")),
        "The passport stamp costs 650 dirhams."
    );
    assert_eq!(
        pinned(&stranger.path("office.pub")),
        "The passport stamp costs 500 dirhams."
    );

    // A pack installed by an Aoun that kept no record of the keys it trusted is not used.
    fs::remove_dir_all(office.path("data/guide.trusted")).unwrap();
    let (answer, logged) = office.fee_reply();
    assert_eq!(answer, "The passport stamp costs 500 dirhams.");
    assert!(
        logged.contains("install it again with `aoun pack install --trust`"),
        "{logged}"
    );
    assert!(office.install(&update).status.success());
    assert_eq!(office.fee_answer(), "The passport stamp costs 650 dirhams.");
}

/// A listing of the format an Aoun before versioned signatures wrote: no version and no
/// signing time, and the key named by its id.
fn older_format(signature: &str, key_id: &str) -> String {
    signature
        .replace("aoun-pack-signature-2", "aoun-pack-signature-1")
        .lines()
        .filter(|l| !l.starts_with("version = ") && !l.starts_with("signed = "))
        .map(|l| {
            if l.starts_with("key = ") {
                format!("key = \"{key_id}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[test]
fn a_pack_signed_by_an_older_aoun_must_be_signed_again() {
    let office = Office::new();
    let update = office.update("update", 650, "2026.12.1");
    office.sign(&update, "office.key");
    let listing = update.join("SIGNATURE.toml");
    let signed = fs::read_to_string(&listing).unwrap();
    fs::write(&listing, older_format(&signed, "0011223344556677")).unwrap();
    assert_refused(
        &office.install(&update),
        "the pack was signed by an older version of Aoun, without its version and signing time: sign it again with `aoun pack sign`",
    );
    assert!(!office.installed().exists());

    // Signed again, it installs; a pack installed by an older Aoun is not used at start either.
    office.sign(&update, "office.key");
    assert!(office.install(&update).status.success());
    let installed = office.installed().join("SIGNATURE.toml");
    let signed = fs::read_to_string(&installed).unwrap();
    fs::write(&installed, older_format(&signed, "0011223344556677")).unwrap();
    let (answer, logged) = office.fee_reply();
    assert_eq!(answer, "The passport stamp costs 500 dirhams.");
    assert!(
        logged.contains("sign it again with `aoun pack sign`"),
        "{logged}"
    );
}
