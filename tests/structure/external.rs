//! Running the outside programs the structure tests need: Graphviz, and
//! Mermaid's parser in headless Chromium.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

/// Whether `program` runs; when it does not, a notice (and a pass) outside CI,
/// a failure in CI, naming the Debian package that provides it.
pub fn available(program: &str, version_args: &[&str], package: &str) -> bool {
    let runs = Command::new(program)
        .args(version_args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs {
        let message = format!(
            "`{program}` is not installed (Debian package `{package}`; `.ci/run` installs it)"
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipped: {message}");
    }
    runs
}

/// Runs `program` with `input` on standard input: its standard output, or why
/// it failed.
pub fn pipe(program: &str, args: &[&str], input: &str) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Mermaid's package, installed from the committed lock into `target/` once.
fn mermaid_script() -> Result<PathBuf, String> {
    let from = root().join("tests/structure/mermaid");
    let cache = root().join("target/mermaid-cache");
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    let lock = std::fs::read(from.join("package-lock.json")).map_err(|e| e.to_string())?;
    let script = cache.join("node_modules/mermaid/dist/mermaid.min.js");
    let installed = std::fs::read(cache.join("package-lock.json")).ok();
    if !script.exists() || installed.as_deref() != Some(&lock[..]) {
        for f in ["package.json", "package-lock.json"] {
            std::fs::copy(from.join(f), cache.join(f)).map_err(|e| e.to_string())?;
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&cache)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "npm ci failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(script)
}

/// A page that runs `mermaid.parse` and `mermaid.render` on each picture and
/// writes one line per picture: its index, then `ok` or `error` and the
/// message (letters, digits and a little punctuation only, so that the dumped
/// DOM needs no unescaping).
fn page(script: &Path, pictures: &[(String, String)]) -> String {
    let texts: Vec<&str> = pictures.iter().map(|(_, t)| t.as_str()).collect();
    let data = serde_json::to_string(&texts)
        .unwrap_or_default()
        .replace("</", "<\\/");
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8">
<script src="file://{script}"></script></head>
<body><pre id="verdicts">pending</pre><div id="scratch"></div>
<script>
const pictures = {data};
const clean = (e) => String((e && e.message) || e).replace(/[^A-Za-z0-9 .,:'()_-]/g, " ");
(async () => {{
  const lines = [];
  try {{
    mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
    for (let i = 0; i < pictures.length; i++) {{
      try {{
        await mermaid.parse(pictures[i]);
        const {{ svg }} = await mermaid.render("picture" + i, pictures[i]);
        lines.push(i + " " + (svg.includes("<svg") ? "ok" : "error no svg"));
      }} catch (e) {{
        lines.push(i + " error " + clean(e));
      }}
    }}
  }} catch (e) {{
    lines.push("setup error " + clean(e));
  }}
  document.getElementById("verdicts").textContent = lines.join("\n") + "\ndone";
}})();
</script></body></html>
"#,
        script = script.display()
    )
}

/// Mermaid's verdict on each picture, by name (`ok`, or `error` and why); `None`
/// when Chromium or npm is missing outside CI.
pub fn mermaid_check(pictures: &[(String, String)]) -> Option<Vec<(String, String)>> {
    if !available("chromium", &["--version"], "chromium")
        || !available("npm", &["--version"], "npm")
    {
        return None;
    }
    let script = match mermaid_script() {
        Ok(s) => s,
        Err(e) => panic!("cannot install Mermaid: {e}"),
    };
    let dir = std::env::temp_dir().join(format!("whatif-mermaid-{}", std::process::id()));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).expect("a temporary folder");
    let html = dir.join("check.html");
    std::fs::write(&html, page(&script, pictures)).expect("the page");
    let dom = chromium_dump(&html, &profile);
    let _ = std::fs::remove_dir_all(&dir);
    let dom = dom.unwrap_or_else(|e| panic!("Chromium failed: {e}"));
    let body = dom
        .split("<pre id=\"verdicts\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or("");
    assert!(body.ends_with("done"), "the page did not finish: {body}");
    assert!(!body.contains("setup error"), "{body}");
    Some(
        body.lines()
            .filter_map(|line| {
                let (i, verdict) = line.split_once(' ')?;
                let (name, _) = pictures.get(i.parse::<usize>().ok()?)?;
                Some((name.clone(), verdict.to_string()))
            })
            .collect(),
    )
}

/// Headless Chromium's DOM of `page` once its scripts are done, with no
/// network and a fresh profile; killed after two minutes.
fn chromium_dump(page: &Path, profile: &Path) -> Result<String, String> {
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Read while it runs: a DOM larger than the pipe's buffer would block it.
    let mut stdout = child.stdout.take().ok_or("no standard output")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                return Err("timed out after 120 s".to_string());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(e.to_string()),
        }
    }
    reader.join().map_err(|_| "the reader failed".to_string())
}
