//! The Linux kiosk service in packaging/linux keeps its essentials: on boot it runs the app in
//! kiosk mode inside cage, as its own unprivileged user with a logind session on a console,
//! restarts it whenever it stops, never gives up, and stays off the network. When
//! `systemd-analyze` is installed, the unit must also pass `systemd-analyze verify`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging")
}

/// Section name, then each key with every value it is given (in order).
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn parse_unit(text: &str) -> Unit {
    let mut unit = Unit::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            unit.entry(section.clone()).or_default();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("a key=value line: {line}"));
        assert!(!section.is_empty(), "{line} is inside a section");
        unit.entry(section.clone())
            .or_default()
            .entry(key.trim().to_string())
            .or_default()
            .push(value.trim().to_string());
    }
    unit
}

fn kiosk_unit() -> Unit {
    let path = packaging().join("linux/aoun-kiosk.service");
    parse_unit(&std::fs::read_to_string(&path).expect("the kiosk unit"))
}

/// The one value of `key` in `section`.
fn value<'a>(unit: &'a Unit, section: &str, key: &str) -> &'a str {
    let values = unit
        .get(section)
        .and_then(|s| s.get(key))
        .unwrap_or_else(|| panic!("[{section}] {key}= is set"));
    assert_eq!(values.len(), 1, "[{section}] {key}= is set once");
    &values[0]
}

#[test]
fn service_runs_the_app_in_kiosk_mode_inside_cage() {
    let unit = kiosk_unit();
    let exec = value(&unit, "Service", "ExecStart");
    let words: Vec<&str> = exec.split_whitespace().collect();
    assert!(words[0].ends_with("/cage"), "cage is started: {exec}");
    let app = words
        .iter()
        .position(|w| *w == "--")
        .map(|i| &words[i + 1..])
        .expect("cage's own options end with --");
    assert!(app[0].ends_with("/aoun-app"), "cage runs the app: {exec}");
    assert!(app.contains(&"--kiosk"), "in kiosk mode: {exec}");
    // The app really takes that option.
    let app_main = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src-tauri/src/main.rs"),
    )
    .unwrap();
    assert!(app_main.contains("AOUN_KIOSK"), "aoun-app has --kiosk");
}

#[test]
fn service_restarts_forever_as_an_unprivileged_user() {
    let unit = kiosk_unit();
    assert_eq!(value(&unit, "Service", "Restart"), "always");
    let pause: f64 = value(&unit, "Service", "RestartSec")
        .trim_end_matches('s')
        .parse()
        .expect("RestartSec in seconds");
    assert!(pause <= 10.0, "a short pause before restarting");
    assert_eq!(
        value(&unit, "Unit", "StartLimitIntervalSec"),
        "0",
        "a crash loop keeps retrying"
    );
    let user = value(&unit, "Service", "User");
    assert!(
        !user.is_empty() && user != "root" && user != "0",
        "User={user}"
    );
    assert_eq!(value(&unit, "Service", "NoNewPrivileges"), "yes");
    assert_eq!(value(&unit, "Service", "ProtectSystem"), "strict");
    assert_eq!(value(&unit, "Service", "PrivateNetwork"), "yes");
    for closes_devices in ["PrivateDevices", "ProtectClock", "DevicePolicy"] {
        assert!(
            !unit["Service"].contains_key(closes_devices),
            "{closes_devices}= would hide the screen and input devices from cage"
        );
    }
    assert!(value(&unit, "Install", "WantedBy").contains("graphical.target"));
}

#[test]
fn service_opens_a_login_session_on_a_console() {
    let unit = kiosk_unit();
    assert!(value(&unit, "Service", "TTYPath").starts_with("/dev/tty"));
    let pam_name = value(&unit, "Service", "PAMName");
    let pam = std::fs::read_to_string(packaging().join(format!("linux/{pam_name}.pam")))
        .expect("the PAM stack named by PAMName= is shipped");
    assert!(
        pam.lines()
            .any(|l| l.starts_with("session") && l.contains("pam_systemd.so")),
        "the session is registered with logind: {pam}"
    );
    let readme = std::fs::read_to_string(packaging().join("linux/README.md")).unwrap();
    for step in [
        "aoun-kiosk.service",
        &format!("/etc/pam.d/{pam_name}"),
        value(&unit, "Service", "User"),
        "aoun models export",
        "aoun pack install",
        "aoun doctor",
    ] {
        assert!(readme.contains(step), "the install steps mention {step}");
    }
    assert!(packaging().join("windows/README.md").is_file());
}

#[test]
fn service_passes_systemd_analyze_verify() {
    let Ok(status) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed: the unit is only parsed");
        return;
    };
    assert!(status.status.success());
    let text = std::fs::read_to_string(packaging().join("linux/aoun-kiosk.service")).unwrap();
    // cage and the app are not installed where the tests run: only their paths are swapped.
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("ExecStart=") {
                "ExecStart=/bin/true -- /bin/true --kiosk"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("aoun-kiosk.service");
    std::fs::write(&unit, text).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    // An unknown key or a bad value is only warned about, so any output fails the test too.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success() && said.trim().is_empty(), "{said}");
}

/// The USB update is wired end to end in the package: udev's rule starts the template unit, which
/// runs the script where the package puts it, only where the office installed its key; the kiosk
/// unit and programs are where the package puts them too.
#[test]
fn the_package_wires_the_usb_update_and_the_kiosk_to_their_files() {
    let linux = packaging().join("linux");
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src-tauri/tauri.deb.conf.json");
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(conf).unwrap()).unwrap();
    let files = conf["bundle"]["linux"]["deb"]["files"].as_object().unwrap();
    let source_of = |installed: &str| {
        let source = files[installed]
            .as_str()
            .unwrap_or_else(|| panic!("{installed} packaged"));
        source.trim_start_matches("../packaging/linux/").to_string()
    };

    let rule = std::fs::read_to_string(linux.join("90-aoun-usb-update.rules")).unwrap();
    assert!(
        rule.contains(r#"ENV{SYSTEMD_WANTS}+="aoun-usb-update@%k.service""#),
        "{rule}"
    );
    assert_eq!(
        source_of("/usr/lib/udev/rules.d/90-aoun-usb-update.rules"),
        "90-aoun-usb-update.rules"
    );
    let unit_name = "aoun-usb-update@.service";
    assert_eq!(
        source_of(&format!("/usr/lib/systemd/system/{unit_name}")),
        unit_name
    );
    let unit = parse_unit(&std::fs::read_to_string(linux.join(unit_name)).unwrap());
    let exec = value(&unit, "Service", "ExecStart");
    let script = exec.split_whitespace().next().unwrap();
    assert_eq!(source_of(script), "aoun-usb-update");
    assert_eq!(
        value(&unit, "Unit", "ConditionPathExists"),
        "/etc/aoun/office.pub"
    );

    assert_eq!(
        source_of("/usr/lib/systemd/system/aoun-kiosk.service"),
        "aoun-kiosk.service"
    );
    let app = value(&kiosk_unit(), "Service", "ExecStart")
        .split_whitespace()
        .find(|w| w.ends_with("/aoun-app"))
        .unwrap()
        .to_string();
    assert_eq!(
        app, "/usr/bin/aoun-app",
        "the package installs the app there"
    );
}
