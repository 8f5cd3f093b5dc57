//! The real desktop window (no mocks): the app built with the UI inside (`--features custom-protocol`, after
//! `npm run build` in ui/), run under Xvfb with a temp data dir. (1) A screenshot of the screen must not be blank; it
//! is saved under `$CARGO_TARGET_DIR/test-artifacts/`. (2) One end-to-end interaction through `tauri-driver` +
//! WebKitWebDriver: click "Models" in the app and read the name of a model seeded with the CLI from the DOM.
//! Both FAIL (never skip) when xvfb-run, ImageMagick's `import` or tauri-driver is missing: `scripts/dev setup`
//! installs them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// `<target>/debug`, found from this test binary's own path (`<target>/debug/deps/window-…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/debug").to_path_buf()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn require(tool: &str) {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().expect("sh");
    assert!(found.status.success(), "{tool} is missing: run `scripts/dev setup` (it installs the desktop test tools)");
}

fn cargo(root: &Path, target: &Path, args: &[&str]) {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // `cargo test` gives this process CARGO_MANIFEST_DIR, CARGO_PKG_*, OUT_DIR …; build scripts that watch such a variable
    // (ring's does) would see it change between this build and the outer one and rebuild a dozen crates both ways.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key == "OUT_DIR" {
            cmd.env_remove(key.as_ref());
        }
    }
    let status =
        cmd.current_dir(root).args(["build", "--target-dir"]).arg(target).args(args).status().expect("run cargo build");
    assert!(status.success(), "cargo build {args:?} failed");
}

/// The CLI and the app serving the built UI (once per test binary); returns (cli, app). When these tests were
/// built with `--features custom-protocol` (as `scripts/dev test` does) the app is this package's own binary;
/// otherwise it is built here with the feature.
fn binaries() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = workspace_root();
        assert!(
            root.join("ui/dist/index.html").is_file(),
            "ui/dist is missing: run `npm run build` in ui/ first (scripts/dev test does)"
        );
        let profile = profile_dir();
        let target = profile.parent().expect("target dir").to_path_buf();
        cargo(&root, &target, &["-p", "browser-ai-mlops", "--bin", "browser-ai-mlops"]);
        let app = if cfg!(feature = "custom-protocol") {
            PathBuf::from(env!("CARGO_BIN_EXE_browser-ai-mlops-desktop"))
        } else {
            cargo(&root, &target, &["-p", "browser-ai-mlops-desktop", "--features", "custom-protocol"]);
            profile.join("browser-ai-mlops-desktop")
        };
        (profile.join("browser-ai-mlops"), app)
    })
}

/// A temp home with data and config dirs, as environment variables for the CLI and the app.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir") }
    }
    fn apply(&self, cmd: &mut Command) {
        cmd.env("BROWSER_AI_MLOPS_DATA_DIR", self.dir.path().join("data"))
            .env("BROWSER_AI_MLOPS_CONFIG_DIR", self.dir.path().join("config"))
            // Xvfb has no GPU: WebKitGTK's accelerated compositing draws nothing there (the window stays its
            // background colour although the DOM is complete), so the tests use its software path.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
}

fn artifacts_dir() -> PathBuf {
    let dir = profile_dir().parent().expect("target dir").join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create test-artifacts");
    dir
}

/// Grey-level variance of a PNG (0 for a single-colour image).
fn variance(png_path: &Path) -> f64 {
    let file = std::fs::File::open(png_path).unwrap_or_else(|e| panic!("{}: {e}", png_path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    let channels = info.color_type.samples();
    let grey: Vec<f64> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| px.iter().take(3.min(channels)).map(|&c| f64::from(c)).sum::<f64>() / 3.0_f64.min(channels as f64))
        .collect();
    let mean = grey.iter().sum::<f64>() / grey.len() as f64;
    grey.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / grey.len() as f64
}

/// Kills the child (and its process group) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("--").arg(format!("-{}", self.0.id())).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn in_own_group(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
}

#[test]
fn the_window_shows_the_ui_under_xvfb() {
    require("xvfb-run");
    require("import");
    let (_, app) = binaries();
    let home = Home::new();
    let shot = artifacts_dir().join("desktop-window.png");
    let _ = std::fs::remove_file(&shot);
    // Start the app, then screenshot the whole screen once a second until the picture has content (at most 60 s):
    // ImageMagick's own standard deviation is only the readiness poll; the assertion below computes its own.
    let script = r#"
        "$1" & app=$!
        for i in $(seq 1 60); do
            sleep 1
            import -window root "$2" 2>/dev/null || continue
            sd=$(convert "$2" -colorspace Gray -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
            awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }' && sleep 2 && import -window root "$2" && break
        done
        kill $app 2>/dev/null; wait $app 2>/dev/null; exit 0
    "#;
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x800x24", "bash", "-c", script, "window-test"]).arg(app).arg(&shot);
    home.apply(&mut cmd);
    let out = in_own_group(&mut cmd).output().expect("run xvfb-run");
    assert!(out.status.success(), "xvfb-run failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(shot.is_file(), "no screenshot taken: {}", String::from_utf8_lossy(&out.stderr));
    let v = variance(&shot);
    println!("desktop window screenshot: {} (grey variance {v:.1})", shot.display());
    assert!(v > 100.0, "the window looks blank (grey variance {v:.1}); see {}", shot.display());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A minimal W3C WebDriver client.
struct Driver {
    http: reqwest::blocking::Client,
    base: String,
    session: String,
}

impl Driver {
    /// The answer's `value`; `Err` only when no answer arrived (an answer that is an error fails the test).
    fn try_send(
        http: &reqwest::blocking::Client,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, reqwest::Error> {
        let mut req = http.request(method, url);
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send()?;
        let status = res.status();
        let v: Value = res.json().unwrap_or_else(|e| panic!("{url}: not JSON: {e}"));
        assert!(status.is_success(), "{url}: {status}: {v}");
        Ok(v["value"].clone())
    }

    fn send(http: &reqwest::blocking::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
        Driver::try_send(http, method, url, body.as_ref()).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn start(base: String, application: &Path) -> Driver {
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application},
        }}});
        // tauri-driver listens before its WebKitWebDriver does, and drops the connection of a request it cannot
        // forward yet; on a busy machine that window lasts seconds. A dropped connection is retried (60 s at most);
        // an answer that is an error is not.
        let url = format!("{base}/session");
        let started = Instant::now();
        let v = loop {
            match Driver::try_send(&http, reqwest::Method::POST, &url, Some(&caps)) {
                Ok(v) => break v,
                Err(e) if started.elapsed() < Duration::from_secs(60) => {
                    eprintln!("{url}: {e:#}; retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => panic!("{url}: {e:?}"),
            }
        };
        let session = v["sessionId"].as_str().expect("sessionId").to_string();
        Driver { http, base, session }
    }

    fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        Driver::send(&self.http, method, &format!("{}/session/{}{path}", self.base, self.session), body)
    }

    /// Find an element by XPath, retrying until it appears (the page renders after its data arrives).
    fn find(&self, xpath: &str, within: Duration) -> Option<String> {
        let started = Instant::now();
        loop {
            let url = format!("{}/session/{}/elements", self.base, self.session);
            let body = json!({"using": "xpath", "value": xpath});
            let found = self.http.post(&url).json(&body).send().ok().and_then(|r| r.json::<Value>().ok());
            let id = found
                .as_ref()
                .and_then(|v| v["value"].as_array())
                .and_then(|a| a.first())
                .and_then(|e| e["element-6066-11e4-a52e-4f735466cecf"].as_str().map(str::to_string));
            if id.is_some() || started.elapsed() > within {
                return id;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn text(&self, element: &str) -> String {
        self.cmd(reqwest::Method::GET, &format!("/element/{element}/text"), None).as_str().unwrap_or("").to_string()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send();
    }
}

#[test]
fn tauri_driver_opens_the_models_page_and_reads_a_model_seeded_by_the_cli() {
    require("xvfb-run");
    require("tauri-driver");
    require("WebKitWebDriver");
    let (cli, app) = binaries();
    let home = Home::new();
    let name = "driver-seeded-agent";
    let mut register = Command::new(cli);
    register.args(["model", "register", name, "baseline", "baseline"]);
    home.apply(&mut register);
    let out = register.output().expect("run the CLI");
    assert!(out.status.success(), "model register failed: {}", String::from_utf8_lossy(&out.stderr));

    let (port, native) = (free_port(), free_port());
    let log_path = artifacts_dir().join("tauri-driver.log");
    let log = std::fs::File::create(&log_path).expect("tauri-driver log");
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x800x24", "tauri-driver", "--port"])
        .arg(port.to_string())
        .arg("--native-port")
        .arg(native.to_string())
        .stdout(Stdio::from(log.try_clone().expect("log file")))
        .stderr(Stdio::from(log));
    home.apply(&mut cmd);
    let _driver_process = Running(in_own_group(&mut cmd).spawn().expect("start tauri-driver"));
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    for p in [port, native] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "nothing listens on {p}; see {}", log_path.display());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    let driver = Driver::start(base, app);
    let nav = driver.find("//nav//a[normalize-space(.)='Models']", Duration::from_secs(60)).expect("Models link");
    driver.cmd(reqwest::Method::POST, &format!("/element/{nav}/click"), Some(json!({})));
    let url = driver.cmd(reqwest::Method::GET, "/url", None);
    assert!(url.as_str().unwrap_or("").ends_with("#/models"), "not on the Models page: {url}");
    let xpath = format!("//main//*[normalize-space(text())='{name}']");
    let cell = driver.find(&xpath, Duration::from_secs(30)).unwrap_or_else(|| {
        let body = driver.find("//body", Duration::from_secs(1)).map(|b| driver.text(&b)).unwrap_or_default();
        panic!("{name} not shown on the Models page; the page says:\n{body}")
    });
    assert_eq!(driver.text(&cell).trim(), name);
}
