//! The desktop app end to end, in a real window: the app runs on a virtual display (Xvfb) and
//! is driven through WebDriver (tauri-driver 2.1.0 in front of WebKitWebDriver). The only test
//! double is the sound card: a spoken question from `assets/samples` is the microphone.
//!
//! Four scenarios, each its own test over the same harness, taking turns on the machine: a spoken
//! question answered in the window; an empty models folder, which offers to import a model pack
//! and imports a real one (the installed pack, exported as an office copies it to a USB stick); no
//! sound card; and a kiosk, in a network namespace. Outside CI a scenario is skipped, with the
//! reason printed, when a tool or the models are missing; under `CI=true` it fails instead.

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Longest wait for the engines to load and for a spoken answer.
const PATIENCE: Duration = Duration::from_secs(120);

/// The key naming an element in WebDriver's JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Keeps what the app reports as `live` events in `window.__live`: what it says, as it says it.
const RECORD_LIVE_EVENTS: &str = "window.__live = []; \
    return window.__TAURI__.event.listen('live', e => window.__live.push(e.payload)).then(() => true)";

/// Keeps, in `window.__lit`, each change of the talk button's state and of the highlighted
/// sentence of the answer, as `state:index` (-1: none lit).
const RECORD_HIGHLIGHTS: &str = "window.__lit = []; \
    const answer = document.getElementById('answer'), talk = document.getElementById('talk'); \
    const note = () => { \
      const lit = [...answer.querySelectorAll('.sentence')].findIndex(s => s.classList.contains('current')); \
      const entry = `${talk.dataset.state}:${lit}`; \
      if (window.__lit[window.__lit.length - 1] !== entry) window.__lit.push(entry); \
    }; \
    const observer = new MutationObserver(note); \
    observer.observe(answer, {childList: true, subtree: true, attributes: true}); \
    observer.observe(talk, {attributes: true, attributeFilter: ['data-state']}); \
    return true";

/// An expression, true once `window.__lit` shows the first sentence lit, then a later one.
const FIRST_THEN_LATER: &str =
    "(lit => lit.indexOf(0) >= 0 && lit.slice(lit.indexOf(0)).some(i => i > 0)) \
    (window.__lit.map(e => Number(e.split(':')[1])))";

/// Stops a helper process and everything it started (its process group) when the test ends,
/// however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Skips the test outside CI, fails it under CI.
fn unavailable(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the desktop test cannot run: {reason}");
    }
    // Straight to stderr: the test harness would hide an eprintln of a passing test.
    let _ = writeln!(std::io::stderr(), "skipping the desktop test: {reason}");
}

fn on_path(tool: &str) -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin"));
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain(cargo_bin)
        .map(|dir| dir.join(tool))
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Whether display `n` is in use: its lock file names a living process. A killed Xvfb leaves its
/// lock behind; such a stale lock (and socket) is removed.
fn display_taken(n: u32) -> bool {
    let lock = format!("/tmp/.X{n}-lock");
    let Ok(owner) = std::fs::read_to_string(&lock) else {
        return false;
    };
    let alive = owner
        .trim()
        .parse::<u32>()
        .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    if !alive {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
    }
    alive
}

/// Starts Xvfb on the first free display.
fn virtual_display(xvfb: &Path) -> (Running, String) {
    for n in 90..140 {
        if display_taken(n) {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new(xvfb)
            .args([&display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let running = Running(child);
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if socket.exists() {
                return (running, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no virtual display could be started");
}

/// A small WebDriver client over HTTP on loopback.
struct WebDriver {
    agent: ureq::Agent,
    base: String,
    session: String,
}

impl WebDriver {
    fn request(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Value {
        let response = match (method, body) {
            ("POST", body) => agent.post(url).send_json(body.unwrap_or(json!({}))),
            ("DELETE", _) => agent.delete(url).call(),
            _ => agent.get(url).call(),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let value: Value = response
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("{method} {url}: not JSON: {e}"));
        if !response.status().is_success() {
            panic!("{method} {url}: {}", value["value"]);
        }
        value["value"].clone()
    }

    /// Opens a session on the app, retrying while the driver starts.
    fn connect(port: u16, application: &Path) -> WebDriver {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(PATIENCE))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tauri-driver did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application},
        }}});
        let value = Self::request(
            &agent,
            "POST",
            &format!("{base}/session"),
            Some(capabilities),
        );
        let session = value["sessionId"]
            .as_str()
            .expect("a WebDriver session id")
            .to_string();
        WebDriver {
            agent,
            base,
            session,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        Self::request(&self.agent, method, &url, body)
    }

    /// Runs `script` (a function body) in the window and returns its value.
    fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Holds the space bar down for `held`, then lets it go.
    fn hold_space(&self, held: Duration) {
        let space = "\u{E00D}";
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": space},
            {"type": "pause", "duration": held.as_millis() as u64},
            {"type": "keyUp", "value": space},
        ]}]});
        self.call("POST", "/actions", Some(actions));
    }

    /// The WebDriver id of the element `css` finds.
    fn element(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// Clicks the element `css` once it has stayed in place for a poll: WebDriver clicks
    /// where the element is when asked, and a control below the answer moves while the
    /// answer's sentences come in.
    fn click(&self, css: &str) {
        let selector = serde_json::to_string(css).expect("a selector");
        self.wait_for(
            &format!("{css} to stay in place"),
            &format!(
                "const r = document.querySelector({selector}).getBoundingClientRect(); \
                 const now = [r.x, r.y, r.width, r.height].join(); \
                 const still = window.__placed === now; window.__placed = now; return still"
            ),
        );
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    /// Presses the element `css` with the mouse, holds it for `held`, then lets it go.
    fn hold(&self, css: &str, held: Duration) {
        let element = json!({ELEMENT: self.element(css)});
        let actions = json!({"actions": [{"type": "pointer", "id": "mouse",
            "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pause", "duration": held.as_millis() as u64},
            {"type": "pointerUp", "button": 0},
        ]}]});
        self.call("POST", "/actions", Some(actions));
    }

    /// Polls `script` until it returns a non-empty string or true; panics with `what` after
    /// `patience`.
    fn wait_for(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.run(script);
            let done = match &value {
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Null => false,
                _ => true,
            };
            if done {
                return value;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "timed out waiting for {what}; the window shows: {}; the last live events, when \
                 recorded: {}",
                self.run("return document.body.innerText"),
                self.run("return JSON.stringify((window.__live || []).slice(-15))")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        // The DOM changes before the window paints it.
        std::thread::sleep(Duration::from_millis(300));
        let data = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a base64 screenshot"))
            .expect("a valid screenshot");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("desktop-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.agent.delete(&url).call();
    }
}

/// The tools the test needs.
struct Tools {
    xvfb: PathBuf,
    driver: PathBuf,
    webkit: PathBuf,
    strace: PathBuf,
}

impl Tools {
    /// The tools, or why the test cannot run.
    fn find() -> Result<Tools, String> {
        let find = |tool: &str| {
            on_path(tool)
                .ok_or_else(|| format!("{tool} is not installed (scripts/setup.sh installs it)"))
        };
        let tools = Tools {
            xvfb: find("Xvfb")?,
            driver: find("tauri-driver")?,
            webkit: find("WebKitWebDriver")?,
            strace: find("strace")?,
        };
        match aoun_models::ModelStore::open(None).map(|store| store.verified_path("whisper-base")) {
            Ok(Ok(_)) => Ok(tools),
            Ok(Err(e)) | Err(e) => Err(format!("the models are not installed ({e})")),
        }
    }
}

/// The app in a window on its own virtual display, with a fresh configuration (so the window
/// starts in Arabic, the default). Fields drop in order: the session, the driver, the display.
struct Desktop {
    app: WebDriver,
    _driver: Running,
    _display: Running,
    config: PathBuf,
}

impl Desktop {
    fn launch(tools: &Tools, name: &str, env: &[(&str, &std::ffi::OsStr)]) -> Desktop {
        Self::launch_app(tools, name, env, Path::new(env!("CARGO_BIN_EXE_aoun-app")))
    }

    /// Launches `application` (the app, or a script that starts it) in a fresh window.
    fn launch_app(
        tools: &Tools,
        name: &str,
        env: &[(&str, &std::ffi::OsStr)],
        application: &Path,
    ) -> Desktop {
        let config =
            std::env::temp_dir().join(format!("aoun-desktop-{name}-{}", std::process::id()));
        let (display_process, display) = virtual_display(&tools.xvfb);
        let port = free_port();
        let mut driver = Command::new(&tools.driver);
        driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .args(["--native-driver", &tools.webkit.display().to_string()])
            .env("DISPLAY", &display)
            .env("XDG_CONFIG_HOME", &config)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
        for (key, value) in env {
            driver.env(key, value);
        }
        let driver = Running(driver.spawn().expect("tauri-driver starts"));
        let app = WebDriver::connect(port, application);
        Desktop {
            app,
            _driver: driver,
            _display: display_process,
            config,
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.config);
    }
}

/// What each scenario starts with: the tools, and the machine to itself. Scenarios run one at a
/// time, each with its own display and window: two windows would load the engines on the same
/// cores and make each other's waits time out. `None` (the test is skipped) when a tool or the
/// models are missing outside CI.
fn scenario() -> Option<(Tools, MutexGuard<'static, ()>)> {
    static ONE_WINDOW: Mutex<()> = Mutex::new(());
    // A failed scenario leaves the lock poisoned; the next one still runs.
    let turn = ONE_WINDOW.lock().unwrap_or_else(PoisonError::into_inner);
    match Tools::find() {
        Ok(tools) => Some((tools, turn)),
        Err(reason) => {
            unavailable(&reason);
            None
        }
    }
}

/// The kiosk scenario runs inside a network namespace, so that the trace shows nothing of the
/// app could reach another machine.
#[test]
fn a_kiosk_leaves_nothing_of_one_person_for_the_next() {
    let Some((_tools, _one_window)) = scenario() else {
        return;
    };
    in_a_network_namespace(KIOSK_IN_NAMESPACE);
}

/// Set in the test run that [`in_a_network_namespace`] starts.
const INSIDE_NAMESPACE: &str = "AOUN_DESKTOP_TEST_NETWORK_NAMESPACE";
const KIOSK_IN_NAMESPACE: &str = "kiosk_in_a_network_namespace";

/// Runs the ignored test `name` of this file again inside a network namespace whose only
/// interface is loopback (brought up for the window's driver): the display, the driver, the app
/// and this test's client all run in it, so nothing of the app could reach another machine.
fn in_a_network_namespace(name: &str) {
    // `ip` lives in sbin, which an ordinary user's PATH may lack.
    let script = "PATH=\"$PATH:/usr/sbin:/sbin\" ip link set lo up && exec \"$0\" \"$@\"";
    let outcome = Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .arg(std::env::current_exe().expect("this test's program"))
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE_NAMESPACE, "1")
        .status();
    match outcome {
        Ok(status) => assert!(status.success(), "{name} failed in its network namespace"),
        Err(e) => unavailable(&format!("unshare cannot start ({e})")),
    }
}

/// The kiosk scenario, inside the network namespace
/// [`a_kiosk_leaves_nothing_of_one_person_for_the_next`] makes for it.
#[test]
#[ignore = "started by a_kiosk_leaves_nothing_of_one_person_for_the_next inside a network namespace"]
fn kiosk_in_a_network_namespace() {
    assert!(
        std::env::var_os(INSIDE_NAMESPACE).is_some(),
        "run through a_kiosk_leaves_nothing_of_one_person_for_the_next, which makes the network namespace"
    );
    // The namespace has loopback and nothing else.
    let devices = std::fs::read_to_string("/proc/net/dev").expect("the network devices");
    let interfaces: Vec<&str> = devices
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(interfaces, ["lo"], "{devices}");
    let tools = Tools::find().expect("the tools found outside the namespace");
    the_kiosk_scenario(&tools);
}

#[test]
fn a_spoken_question_is_answered_in_the_window_and_arabic_reads_right_to_left() {
    let Some((tools, _one_window)) = scenario() else {
        return;
    };
    let tools = &tools;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let question = workspace.join("assets/samples/en-passport-fee.wav");
    let desktop = Desktop::launch(
        tools,
        "question",
        &[("AOUN_MICROPHONE_WAV", question.as_os_str())],
    );
    let app = &desktop.app;

    // Loading shows progress, then the talk button.
    let started = Instant::now();
    app.wait_for(
        "the app to be ready",
        "return document.body.dataset.phase === 'ready' && !!document.querySelector('#procedure-grid .procedure')",
    );
    let ready_ms = started.elapsed().as_millis();
    // The app's own clock: from its start to engines loaded and devices open.
    let app_ready_ms =
        app.run("return window.__TAURI__.core.invoke('status').then(s => s.ready_ms)");
    assert_eq!(app.run("return document.documentElement.dir"), "rtl");
    // Every control shown is at least 48 px in both directions and has an accessible name.
    let small = app.run(
        "return [...document.querySelectorAll('button, input')].filter(c => c.offsetParent) \
         .filter(c => c.offsetWidth < 48 || c.offsetHeight < 48 || \
           !(c.getAttribute('aria-label') || document.querySelector(`label[for='${c.id}']`))) \
         .map(c => c.id || c.outerHTML.slice(0, 80))",
    );
    assert_eq!(small, json!([]), "controls too small or without a name");
    let idle = app.screenshot("1-idle");

    // A tap turns hands-free listening on; the simulated person then asks their question.
    app.click("#talk");
    app.wait_for(
        "the question to be heard",
        "const s = document.getElementById('talk').dataset.state; return s === 'listening' || s === 'transcribing' || s === 'thinking'",
    );
    let listening = app.screenshot("2-listening");
    let transcript = app.wait_for(
        "the transcript",
        "return document.getElementById('transcript').textContent",
    );
    assert!(
        transcript
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("passport"),
        "transcript: {transcript}"
    );
    // The window followed the person into English.
    assert_eq!(app.run("return document.documentElement.dir"), "ltr");
    assert_eq!(app.run("return document.documentElement.lang"), "en");
    let answer = app.wait_for(
        "the answer",
        "const a = document.getElementById('answer').textContent; return a.includes('500') ? a : ''",
    );
    app.wait_for(
        "a sentence highlighted as it is spoken",
        "return !!document.querySelector('#answer .sentence.current')",
    );
    let answered = app.screenshot("3-answer");

    // Arabic: right to left, and every string of the window in Arabic.
    app.click("button.lang[data-lang='ar']");
    assert_eq!(app.run("return document.documentElement.dir"), "rtl");
    assert_eq!(
        app.run("return document.querySelector('[data-text=\"you_said\"]').textContent"),
        "قلتَ"
    );
    let arabic = app.screenshot("4-arabic");

    // Pressed and held, a control says its name in the window's language instead of doing what
    // it does: the app says the name (its `live` events carry what it says), and nothing else.
    app.run(RECORD_LIVE_EVENTS);
    let name = app.run("return document.getElementById('replay').getAttribute('aria-label')");
    assert_eq!(name, "أعد الجواب");
    app.hold("#replay", Duration::from_millis(1200));
    app.wait_for(
        "the held replay button to say its name, and then to be quiet",
        "const l = window.__live; \
         const said = l.findIndex(e => e.event === 'speaking' && e.text === 'أعد الجواب'); \
         return said >= 0 && l.slice(said).some(e => e.event === 'state' && e.state === 'idle')",
    );
    let said = app.run(
        "return window.__live.filter(e => e.event === 'speaking').map(e => e.text).join(' | ')",
    );
    assert_eq!(
        app.run("return window.__live.filter(e => e.event === 'answer').length"),
        0,
        "holding replay replayed the answer: {said}"
    );
    assert_eq!(
        app.run("return document.getElementById('answer').textContent.includes('أعد الجواب')"),
        false,
        "the spoken name was taken for the answer"
    );

    // A picture asks without speaking: the passport icon answers in the window's language, each
    // sentence lit as it is spoken.
    app.run(RECORD_HIGHLIGHTS);
    app.click("[data-procedure='passport']");
    let written = app.wait_for(
        "the answer to the passport icon",
        "const a = document.getElementById('answer'); return a.lang === 'ar' && a.textContent.includes('جواز') ? a.textContent : ''",
    );
    app.wait_for(
        "the highlight to move from the first sentence to a later one",
        &format!("return {FIRST_THEN_LATER}"),
    );
    let lit = app.run("return window.__lit.join(' ')");
    let second_sentence = app.screenshot("4b-second-sentence");
    // "Say it again" speaks it again from the first sentence on; so does "slower".
    app.run("window.__lit = []; return true");
    app.click("#replay");
    app.wait_for(
        "replay to speak from the first sentence, then on",
        &format!("return window.__lit.includes('speaking:0') && ({FIRST_THEN_LATER})"),
    );
    let replayed = app.run("return window.__lit.join(' ')");
    app.run("window.__lit = []; return true");
    app.click("#slower");
    app.wait_for(
        "slower to speak from the first sentence again",
        "return window.__lit.includes('speaking:0')",
    );
    let slower = app.run("return window.__lit.join(' ')");
    // "That is not what I asked": Aoun asks which document is needed. Asked once the slower
    // answer shows whole again.
    app.wait_for(
        "the slower answer to show whole",
        "return document.getElementById('answer').textContent.includes('هل تريد التفاصيل')",
    );
    app.click("#not-what-i-asked");
    app.wait_for(
        "the question back",
        "const a = document.getElementById('answer').textContent; return a.includes('لم أفهم') && !a.includes('جواز')",
    );
    // Darija, chosen by its flag: the pictures are named and answered in Darija, written in
    // Arabic script, right to left.
    app.click("button.lang[data-lang='ary']");
    assert_eq!(app.run("return document.documentElement.dir"), "rtl");
    assert_eq!(app.run("return document.documentElement.lang"), "ary");
    app.wait_for(
        "the pictures named in Darija",
        "return document.querySelector(\"[data-procedure='passport']\").getAttribute('aria-label') === 'الباسبور'",
    );
    app.click("[data-procedure='passport']");
    let darija = app.wait_for(
        "the passport picture's answer in Darija",
        "const a = document.getElementById('answer'); \
         return a.lang === 'ary' && a.dir === 'rtl' && a.textContent.includes('ديال') ? a.textContent : ''",
    );
    let darija = darija.as_str().unwrap_or_default().to_string();
    let arabic_letters = darija
        .chars()
        .filter(|c| ('\u{600}'..='\u{6ff}').contains(c))
        .count();
    assert!(
        arabic_letters > 4 * darija.chars().filter(char::is_ascii_alphabetic).count(),
        "not in Arabic script: {darija}"
    );
    let darija_shot = app.screenshot("4c-darija");
    // Settings: the voice of each language and the models in use, as `aoun voices` shows them.
    app.click("#open-settings");
    let settings = app.wait_for(
        "the settings",
        "const d = document.getElementById('settings'); return d.open && document.getElementById('voices').children.length === 4 ? d.innerText : ''",
    );
    let settings = settings.as_str().unwrap_or_default();
    assert!(
        settings.contains("espeak-ng") && settings.contains("whisper-base: installed"),
        "{settings}"
    );
    app.click("#close-settings");
    // The keyboard alone: holding space is the talk button. The simulated person has finished
    // speaking, so what the button heard is silence, said in one sentence.
    app.hold_space(Duration::from_millis(1500));
    app.wait_for(
        "the space bar to be heard as the talk button",
        "return !document.getElementById('problem').hidden && document.getElementById('problem-text').textContent.includes('لم أسمعك')",
    );
    eprintln!(
        "desktop test: ready after {ready_ms} ms ({app_ready_ms} ms by the app's clock); heard {transcript}; answered {answer}; \
         held replay, said: {said}; passport icon: {written}; lit (talk state:sentence): {lit}; replay: {replayed}; slower: {slower}; \
         Darija: {darija}\nscreenshots: {}, {}, {}, {}, {}, {}",
        idle.display(),
        listening.display(),
        answered.display(),
        arabic.display(),
        second_sentence.display(),
        darija_shot.display()
    );
}

#[test]
fn without_models_the_window_offers_to_import_a_pack() {
    let Some((tools, _one_window)) = scenario() else {
        return;
    };
    let tools = &tools;
    let empty = std::env::temp_dir().join(format!("aoun-desktop-no-models-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("an empty models folder");
    let desktop = Desktop::launch(
        tools,
        "first-start",
        &[("AOUN_MODELS_DIR", empty.as_os_str())],
    );
    let app = &desktop.app;
    app.wait_for(
        "the import screen",
        "return document.body.dataset.phase === 'models_missing' && !document.getElementById('models').hidden",
    );
    // In words (Arabic by default) and pictures, with a folder to choose and a progress bar.
    let words = app.run("return document.getElementById('models').innerText");
    assert!(
        words.as_str().unwrap_or_default().contains("USB"),
        "{words}"
    );
    assert_eq!(
        app.run("return document.querySelectorAll('#models svg').length > 0"),
        true
    );
    assert_eq!(
        app.run("return !!document.getElementById('import-progress')"),
        true
    );
    // A folder that does not exist is one short sentence, not a crash.
    app.run("document.getElementById('folder').value = '/nonexistent/aoun-pack'; return null");
    app.click("#import");
    app.wait_for(
        "the import error",
        "return !document.getElementById('problem').hidden && document.getElementById('problem-text').textContent",
    );
    let shot = app.screenshot("5-models-missing");

    // A real pack folder, as an office carries it on a USB stick: imported with a progress bar
    // that moves, then the engines load and the pictures answer.
    let pack = model_pack();
    app.run(
        "window.__bar = []; const bar = document.getElementById('import-progress'); \
         new MutationObserver(() => window.__bar.push({shown: !bar.hidden, value: bar.hasAttribute('value') ? bar.value : null, max: bar.max})) \
           .observe(bar, {attributes: true}); return true",
    );
    app.run(&format!(
        "document.getElementById('folder').value = {}; return null",
        json!(pack.display().to_string())
    ));
    app.click("#import");
    app.wait_for(
        "the progress bar to show a file part-way copied",
        "return window.__bar.some(b => b.shown && b.value > 0 && b.value < b.max)",
    );
    let importing = app.screenshot("5b-importing");
    app.wait_for(
        "the imported pack to be loaded",
        "return document.body.dataset.phase === 'ready' && !!document.querySelector('#procedure-grid .procedure')",
    );
    let bar = app.run(
        "const b = window.__bar; return `${b.filter(b => b.shown && b.value > 0 && b.value < b.max).length} of ${b.length} updates part-way`",
    );
    assert_eq!(
        app.run("return document.getElementById('models').hidden"),
        true
    );
    app.click("[data-procedure='passport']");
    let answer = app.wait_for(
        "the passport picture's answer with the imported models",
        "const a = document.getElementById('answer').textContent; return a.includes('500') ? a : ''",
    );
    let imported = app.screenshot("5c-imported");
    drop(desktop);
    let _ = std::fs::remove_dir_all(&empty);
    eprintln!(
        "desktop test: the import screen shows without models; imported {} ({bar}), then the passport picture answered: {answer}\nscreenshots: {}, {}, {}",
        pack.display(),
        shot.display(),
        importing.display(),
        imported.display()
    );
}

/// A model pack folder as an office carries it on a USB stick: the installed registry pack,
/// exported. It is kept under the target folder, so the next run only checks it.
fn model_pack() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("model-pack");
    let store = aoun_models::ModelStore::open(None).expect("the models folder");
    let report = aoun_models::export(
        &store,
        aoun_models::Pack::Registry,
        &[],
        &dir,
        &mut aoun_models::NoProgress,
    )
    .expect("the installed pack is exported");
    assert!(report.skipped.is_empty(), "left out: {:?}", report.skipped);
    dir
}

#[test]
fn without_a_sound_card_the_window_says_so_and_goes_on() {
    let Some((tools, _one_window)) = scenario() else {
        return;
    };
    let tools = &tools;
    let cards = std::fs::read_to_string("/proc/asound/cards").unwrap_or_default();
    if !cards.trim().is_empty() && !cards.contains("no soundcards") {
        eprintln!("desktop test: this machine has a sound card; the missing-microphone window is not tried");
        return;
    }
    // No simulated microphone: the app opens the default devices, and there are none.
    let desktop = Desktop::launch(tools, "no-sound-card", &[]);
    let app = &desktop.app;
    let problem = app.wait_for(
        "the missing microphone to be reported",
        "return document.body.dataset.phase === 'ready' && !document.getElementById('problem').hidden ? document.getElementById('problem-text').textContent : ''",
    );
    assert_eq!(problem, "لم أجد ميكروفونا. استعمل الصور أو اطلب المساعدة.");
    // The pictures still answer.
    app.click("[data-procedure='passport']");
    app.wait_for(
        "the passport picture's answer without a sound card",
        "return document.getElementById('answer').textContent.includes('500')",
    );
    let shot = app.screenshot("6-no-microphone");
    eprintln!(
        "desktop test: no sound card, said so, still answered ({})",
        shot.display()
    );
}

/// Every file under `dir` whose bytes hold one of `needles` (ASCII, any case).
fn files_holding(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(files_holding(&path, needles));
        } else if kind.is_file() {
            let bytes = std::fs::read(&path)
                .unwrap_or_default()
                .to_ascii_lowercase();
            for needle in needles {
                let needle = needle.to_ascii_lowercase();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(format!("{} holds {needle:?}", path.display()));
                }
            }
        }
    }
    found
}

/// How many files there are under `dir`.
fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => files_in(&entry.path()),
            Ok(kind) if kind.is_file() => 1,
            _ => 0,
        })
        .sum()
}

/// A script that starts the app, and every process it starts (WebKit's among them), under
/// strace, recording their network calls in `trace` (without the bytes sent), and what they
/// write to their error output (the kiosk service's journal) in `log`.
fn traced_app(tools: &Tools, script: &Path, trace: &Path, log: &Path) -> PathBuf {
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    std::fs::write(
        script,
        format!(
            "#!/bin/sh\nexec {} -f -qq --seccomp-bpf -s 0 -e trace=%network -o {} {} \"$@\" 2>>{}\n",
            quote(&tools.strace),
            quote(trace),
            quote(Path::new(env!("CARGO_BIN_EXE_aoun-app"))),
            quote(log),
        ),
    )
    .expect("the launch script");
    let mut permissions = std::fs::metadata(script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(script, permissions).expect("an executable launch script");
    script.to_path_buf()
}

/// Network calls of the trace that reach beyond this machine: a connection or a message to an
/// internet address other than the loopback one, or to a name server (port 53).
fn calls_beyond_the_machine(trace: &str) -> Vec<&str> {
    trace
        .lines()
        .filter(|l| l.contains("AF_INET"))
        .filter(|l| l.contains("connect(") || l.contains("sendto(") || l.contains("sendmsg("))
        .filter(|l| {
            let loopback =
                l.contains("inet_addr(\"127.0.0.1\")") || l.contains("inet_pton(AF_INET6, \"::1\"");
            !loopback || l.contains("htons(53)")
        })
        .collect()
}

/// A kiosk with a simulated person: asked aloud, wiped by "new person", asked with a picture,
/// then left alone until the idle wipe; nothing of either stays on disk or leaves the machine.
fn the_kiosk_scenario(tools: &Tools) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let question = workspace.join("assets/samples/en-passport-fee.wav");
    let models = aoun_models::ModelStore::open(None)
        .expect("the models folder")
        .root()
        .to_path_buf();
    // The app's own folders, fresh and empty: whatever it writes lands here.
    let home = std::env::temp_dir().join(format!("aoun-desktop-kiosk-{}", std::process::id()));
    let folders = ["data", "config", "cache", "home"].map(|f| home.join(f));
    for folder in &folders {
        std::fs::create_dir_all(folder).expect("a fresh folder");
    }
    let [data, config, cache, user_home] = &folders;
    // Outside the app's folders: the trace is the test's, not the app's.
    let tracing = std::env::temp_dir().join(format!("aoun-desktop-trace-{}", std::process::id()));
    std::fs::create_dir_all(&tracing).expect("a folder for the trace");
    let trace = tracing.join("network.trace");
    let log = tracing.join("journal.log");
    let application = traced_app(tools, &tracing.join("aoun-app"), &trace, &log);
    let desktop = Desktop::launch_app(
        tools,
        "kiosk",
        &[
            ("AOUN_KIOSK", "1".as_ref()),
            ("AOUN_IDLE_SECONDS", "10".as_ref()),
            // Every message down to debug: even then no log line holds what was said.
            ("RUST_LOG", "debug".as_ref()),
            ("AOUN_MICROPHONE_WAV", question.as_os_str()),
            ("AOUN_MODELS_DIR", models.as_os_str()),
            ("XDG_DATA_HOME", data.as_os_str()),
            ("XDG_CONFIG_HOME", config.as_os_str()),
            ("XDG_CACHE_HOME", cache.as_os_str()),
            ("HOME", user_home.as_os_str()),
        ],
        &application,
    );
    let app = &desktop.app;

    // The attract screen invites (in each office language), over the whole screen, without
    // decorations.
    let invitations = app.wait_for(
        "the attract screen of a ready kiosk, in English among the office's languages",
        "const a = document.getElementById('attract'); \
         return document.body.dataset.phase === 'ready' && !a.hidden && \
           a.innerText.includes('Touch the screen or speak') ? a.innerText : ''",
    );
    let rect = app.call("GET", "/window/rect", None);
    let screen =
        app.run("return [screen.width, screen.height, window.innerWidth, window.innerHeight]");
    assert_eq!(
        (rect["width"].clone(), rect["height"].clone()),
        (json!(1280), json!(900)),
        "the kiosk window does not cover the screen: {rect}, screen and page {screen}"
    );
    assert_eq!(
        screen,
        json!([1280, 900, 1280, 900]),
        "decorations take room"
    );
    // Locked down: no text selection, no context menu, no settings, no folders.
    assert_eq!(
        app.run("return getComputedStyle(document.body).webkitUserSelect || getComputedStyle(document.body).userSelect"),
        "none"
    );
    assert_eq!(
        app.run("return !document.body.dispatchEvent(new MouseEvent('contextmenu', {bubbles: true, cancelable: true}))"),
        true,
        "the context menu is not blocked"
    );
    assert_eq!(
        app.run("return [...document.querySelectorAll('#open-settings, #folder, #import')].every(e => !e.offsetParent)"),
        true
    );
    assert_eq!(
        app.run("return window.__TAURI__.core.invoke('removable_folders')"),
        json!([])
    );
    let attract = app.screenshot("7-kiosk-attract");

    // A tap leaves it; the person asks aloud and is answered.
    app.click("#attract");
    app.wait_for(
        "the attract screen to go",
        "return document.getElementById('attract').hidden",
    );
    let small = app.run(
        "return [...document.querySelectorAll('button, input')].filter(c => c.offsetParent) \
         .filter(c => c.offsetWidth < 48 || c.offsetHeight < 48 || !c.getAttribute('aria-label')) \
         .map(c => c.id || c.outerHTML.slice(0, 80))",
    );
    assert_eq!(small, json!([]), "controls too small or without a name");
    let transcript = app.wait_for(
        "the spoken question's transcript",
        "const t = document.getElementById('transcript').textContent; \
         return t.toLowerCase().includes('passport') ? t : ''",
    );
    let answer = app.wait_for(
        "the spoken question's answer",
        "const a = document.getElementById('answer').textContent; return a.includes('500') ? a : ''",
    );

    // (a) "New person": the transcript and the answer are gone, the attract screen is back.
    app.run(RECORD_LIVE_EVENTS);
    app.click("#new-person");
    app.wait_for(
        "the wipe after new person",
        "return !document.getElementById('attract').hidden && \
         document.getElementById('transcript').textContent === '' && \
         document.getElementById('answer').textContent === ''",
    );
    assert_eq!(app.run("return document.documentElement.lang"), "ar");
    // The attract screen speaks its invitation again.
    let invited = app.wait_for(
        "the spoken invitation",
        "const said = window.__live.filter(e => e.event === 'speaking').map(e => e.text); \
         return said.find(t => t.includes('المس الشاشة أو تكلم') || t.includes('Touchez') || t.includes('Touch the screen')) || ''",
    );

    // (b) The next person asks with a picture, then walks away: the countdown shows, then the
    // wipe, then the attract screen.
    app.click("#attract");
    app.wait_for(
        "the attract screen to go again",
        "return document.getElementById('attract').hidden",
    );
    app.click("[data-procedure='passport']");
    let second = app.wait_for(
        "the passport picture's answer",
        "return document.getElementById('answer').textContent",
    );
    let counting = app.wait_for(
        "the countdown",
        "const c = document.getElementById('countdown'); return !c.hidden ? c.innerText : ''",
    );
    let countdown = app.screenshot("8-kiosk-countdown");
    // It is spoken too.
    app.wait_for(
        "\"are you still there?\" to be said",
        "return window.__live.some(e => e.event === 'speaking' && e.text.includes('هل ما زلت هنا'))",
    );
    app.wait_for(
        "the idle wipe",
        "return !document.getElementById('attract').hidden && \
         document.getElementById('countdown').hidden && \
         document.getElementById('transcript').textContent === '' && \
         document.getElementById('answer').textContent === ''",
    );
    let wiped = app.screenshot("9-kiosk-wiped");
    drop(desktop);

    // From its start to the wipe, neither the app nor the processes it started reached beyond
    // the machine (a name lookup included).
    let calls = std::fs::read_to_string(&trace).expect("the network trace");
    let journal = std::fs::read_to_string(&log)
        .expect("the app's log")
        .to_lowercase();
    let beyond = calls_beyond_the_machine(&calls);
    let _ = std::fs::remove_dir_all(&tracing);
    assert_eq!(
        beyond,
        Vec::<&str>::new(),
        "the kiosk reached beyond the machine"
    );
    let internet_sockets = calls
        .lines()
        .filter(|l| l.contains("socket(AF_INET"))
        .count();

    // Nothing of either person was written anywhere the app may write.
    let traces = files_holding(&home, &["passport", "500 dirhams"]);
    let written = files_in(&home);
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(traces, Vec::<String>::new(), "the kiosk left a trace");
    // Nor in its log, at debug level: neither the question's words nor the answer's.
    let logged = journal.lines().count();
    for said in ["passport cost", "500 dirhams"] {
        assert!(
            !journal.contains(said),
            "the kiosk logged {said:?}: {journal}"
        );
    }
    eprintln!(
        "desktop test: kiosk covers the screen ({rect}), invites {invitations:?}; heard {transcript}; answered {answer}; new person wiped it, then the attract screen said {invited}; \
         the picture answered {second}; countdown {counting:?}, then wiped; {written} files written and {logged} log lines, none with the question or the answer; {internet_sockets} internet sockets opened, none beyond the machine\nscreenshots: {}, {}, {}",
        attract.display(),
        countdown.display(),
        wiped.display()
    );
}
