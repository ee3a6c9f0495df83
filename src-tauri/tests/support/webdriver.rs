//! A small W3C WebDriver client for driving the real app through tauri-driver, plus the
//! process handling around it: tauri-driver on free ports, started with the app's environment
//! (data dir, credential store), and everything it started killed when the test ends.
//!
//! Waits poll a JavaScript predicate with a deadline, so a broken app fails the test with
//! what it was waiting for instead of hanging.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::procs::{descendants_of, kill_tree};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// tauri-driver and the app it starts. Dropping it ends the session and kills both.
pub struct App {
    driver: Child,
    agent: ureq::Agent,
    base: String,
    session: String,
    pub data_dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let p = home.join("bin/tauri-driver");
    assert!(
        p.exists(),
        "tauri-driver not found at {}: run `cargo install tauri-driver --locked` (scripts/test-app does)",
        p.display()
    );
    p
}

/// The app binary under test (built by scripts/test-app before the tests run).
pub fn app_binary() -> PathBuf {
    if let Ok(p) = std::env::var("ANEMONE_APP_BINARY") {
        return PathBuf::from(p);
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/anemone-sync-app");
    assert!(
        target.exists(),
        "{} is missing: build it with `cargo build -p anemone-sync-app`",
        target.display()
    );
    target
}

impl App {
    /// Starts tauri-driver and, through it, the app with its data in `data_dir`.
    pub fn start(data_dir: &Path) -> App {
        let port = free_port();
        let native = free_port();
        let log = std::fs::File::create(data_dir.join("tauri-driver.log")).unwrap();
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("ANEMONE_SYNC_HOME", data_dir)
            .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
            .env(
                "XDG_CONFIG_HOME",
                crate::support::app::config_home(data_dir),
            )
            .env("RUST_LOG", "info,sqlx=warn,smb=warn")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start tauri-driver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let mut app = App {
            driver,
            agent,
            base,
            session: String::new(),
            data_dir: data_dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": app_binary(), "args": ["--show"]}
        }}});
        let v = app.raw("POST", "/session", Some(caps));
        app.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        app
    }

    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(&b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let v: Value = resp
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("{method} {path}: bad JSON: {e}"));
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("{method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Runs `script` (a function body; `arguments` are the args) in the page.
    pub fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until `script` returns something truthy; returns it.
    pub fn wait_for(&self, what: &str, timeout: Duration, script: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.js(script, json!([]));
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let text = self.js("return document.body.innerText", json!([]));
                panic!("timed out after {timeout:?} waiting for {what}; the page says:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT_KEY].as_str().expect("element id").to_string()
    }

    /// Types into the input `css` (replacing what is there), as a user would.
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/clear"), None);
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/click"), None);
    }

    /// Clicks the button whose visible text (or aria-label) is `label`.
    pub fn click_button(&self, label: &str) {
        self.wait_for(
            &format!("a button “{label}”"),
            Duration::from_secs(20),
            &format!(
                "const b = [...document.querySelectorAll('button')].find(b => !b.disabled && (b.textContent.trim() === {l} || b.getAttribute('aria-label') === {l})); \
                 if (b) {{ b.setAttribute('data-e2e-target', '1'); return true; }} return false;",
                l = json!(label)
            ),
        );
        self.click("[data-e2e-target]");
        self.js(
            "document.querySelectorAll('[data-e2e-target]').forEach(e => e.removeAttribute('data-e2e-target'))",
            json!([]),
        );
    }

    /// Picks the option with `value` in the select `css`.
    pub fn select(&self, css: &str, value: &str) {
        self.js(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([css, value]),
        );
    }

    pub fn text(&self) -> String {
        self.js("return document.body.innerText", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A PNG of the window, written to target/screenshots/NAME.png.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 screenshot"))
            .expect("valid base64");
        let path = screenshots_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// The processes of the app (tauri-driver's descendants other than WebKitWebDriver).
    pub fn app_pids(&self) -> Vec<i32> {
        descendants_of(self.driver.id() as i32)
    }
}

pub fn screenshots_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Drop for App {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self.agent.delete(&url).call();
        }
        kill_tree(self.driver.id() as i32);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
