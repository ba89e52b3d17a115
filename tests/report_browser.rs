//! `whatif report`, in and out of a browser.
//!
//! The browser test opens the report of the flagship model in headless
//! Chromium (Debian's `chromium`; `.ci/run` installs it) through the DevTools
//! protocol (`headless_chrome`): the protocol reports every console message,
//! log entry and uncaught exception as an event — a script injected into the
//! page could not see failed loads or errors raised before it ran — and lets
//! the test measure the rendered page and take screenshots without changing
//! the page under test. Without Chromium the test prints a notice and passes,
//! unless `CI` is set, where it fails.
//!
//! The other tests need no browser: the page names no remote resource, and
//! the same inputs give the same bytes whatever the number of threads.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use headless_chrome::protocol::cdp::Page;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions};
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const MODEL: &str = "scenarios/x_platform.whatif";
/// Fewer runs than the default keep the test quick; the page's structure does
/// not depend on the number of runs.
const RUNS: &str = "1000";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs whatif in the project root: (exit code, stdout, stderr).
fn whatif(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_whatif"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes the report of `MODEL --all` with extra flags and returns its bytes.
fn report(out: &Path, extra: &[&str]) -> Vec<u8> {
    let out_s = out.display().to_string();
    let mut args = vec!["report", MODEL, "--all", "--runs", RUNS, "-o", &out_s];
    args.extend_from_slice(extra);
    let (code, _, stderr) = whatif(&args);
    assert_eq!(code, 0, "whatif report failed:\n{stderr}");
    std::fs::read(out).expect("the report was written")
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).expect("the test folder");
    dir.join(name)
}

/// The scenarios and nodes of the model, from `whatif eval --format json`.
fn model_names() -> (Vec<String>, Vec<String>) {
    let (code, out, err) = whatif(&["eval", MODEL, "--all", "--runs", "10", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let all: Value = serde_json::from_slice(&out).expect("JSON");
    let all = all.as_array().expect("an array of scenarios");
    let scenarios = all
        .iter()
        .map(|s| s["scenario"].as_str().expect("a name").to_string())
        .collect();
    let mut nodes = Vec::new();
    for kind in ["events", "factors"] {
        for name in all[0][kind].as_object().expect("a map").keys() {
            nodes.push(name.clone());
        }
    }
    (scenarios, nodes)
}

#[test]
fn the_report_names_no_remote_resource_and_is_the_same_whatever_the_threads() {
    let a = report(&tmp("same-a.html"), &["--threads", "1"]);
    let b = report(&tmp("same-b.html"), &["--threads", "2"]);
    let c = report(&tmp("same-c.html"), &["--threads", "2"]);
    assert!(a == b, "the report changed with the number of threads");
    assert!(b == c, "two runs gave different reports");
    let page = String::from_utf8(a).expect("UTF-8");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        !page.contains("http://"),
        "the page names an http:// address"
    );
    assert!(
        !page.contains("https://"),
        "the page names an https:// address"
    );
    // Every reference is to the page itself.
    for attr in ["href=\"", "src=\"", "url("] {
        for (i, _) in page.match_indices(attr) {
            let rest = &page[i + attr.len()..];
            assert!(
                rest.starts_with('#'),
                "a reference outside the page: {}",
                &rest[..rest.len().min(60)]
            );
        }
    }
    assert!(!page.contains("<script"), "the page runs no script");
    assert!(!page.contains("@import"));
}

#[test]
fn report_errors_are_diagnostics_and_leave_no_file() {
    let out = tmp("never-written.html");
    let _ = std::fs::remove_file(&out);
    let out_s = out.display().to_string();
    let (code, _, err) = whatif(&["report", MODEL, "--scenario", "nope", "-o", &out_s]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario `nope`"), "{err}");
    let (code, _, err) = whatif(&["report", MODEL, "--exact", "-o", &out_s]);
    assert_eq!(code, 2);
    assert!(err.contains("drop `--exact`"), "{err}");
    let (code, _, err) = whatif(&["report", MODEL]);
    assert_eq!(code, 2, "`-o` is required: {err}");
    let (code, _, err) = whatif(&[
        "report",
        MODEL,
        "--runs",
        "50",
        "-o",
        "no/such/folder/r.html",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot write `no/such/folder/r.html`"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn report_to_standard_output_shows_the_baseline_by_default() {
    let (code, out, err) = whatif(&["report", MODEL, "--runs", "100", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let page = String::from_utf8(out).expect("UTF-8");
    assert_eq!(page.matches("<section class=\"scenario\"").count(), 1);
    assert!(page.contains("Scenario <code>baseline</code>"));
}

/// The measurements the page reports about itself.
const MEASURE: &str = r#"JSON.stringify({
  svgs: Array.from(document.querySelectorAll('svg')).map(s => {
    const r = s.getBoundingClientRect();
    return { cls: s.getAttribute('class') || '', w: r.width, h: r.height,
             title: (s.querySelector('title') || {}).textContent || '' };
  }),
  graphLabels: Array.from(document.querySelectorAll('svg.graph g.node')).map(g =>
    g.querySelector('title').textContent.split(' ')[0]),
  sections: Array.from(document.querySelectorAll('section.scenario')).map(s => ({
    heading: s.querySelector('h2').textContent,
    curves: s.querySelectorAll('svg.chart.curve').length,
    fans: s.querySelectorAll('svg.chart.fan').length,
    eventRows: s.querySelectorAll('table.events tbody tr').length,
    chains: Array.from(s.querySelectorAll('dl.why li')).map(li => li.textContent),
    diffRows: s.querySelectorAll('table.diff tbody tr').length,
  })),
  resources: performance.getEntriesByType('resource').length,
  height: document.documentElement.scrollHeight,
})"#;

#[test]
fn the_report_reads_in_a_browser() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is missing: .ci/run installs Debian's `chromium`"
        );
        println!("skipped: {CHROMIUM} is missing (install Debian's `chromium` to run this test)");
        return;
    }
    let page = tmp("browser.html");
    report(&page, &[]);
    let (scenarios, nodes) = model_names();

    let profile = tmp("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(PathBuf::from(CHROMIUM)))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1300, 1800)))
        .user_data_dir(Some(profile.clone()))
        .args(args)
        .idle_browser_timeout(std::time::Duration::from_secs(120))
        .build()
        .expect("launch options");
    let browser = Browser::new(options).expect("Chromium starts");
    let tab = browser.new_tab().expect("a tab");
    tab.set_default_timeout(std::time::Duration::from_secs(60));
    let problems: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&problems);
    tab.enable_log().expect("Log domain");
    tab.enable_runtime().expect("Runtime domain");
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let problem = match event {
            Event::LogEntryAdded(e) => {
                let level = format!("{:?}", e.params.entry.level);
                (level == "Error" || level == "Warning")
                    .then(|| format!("log {level}: {}", e.params.entry.text))
            }
            Event::RuntimeConsoleAPICalled(e) => {
                let kind = format!("{:?}", e.params.Type);
                (kind == "Error" || kind == "Warning" || kind == "Assert")
                    .then(|| format!("console {kind}: {:?}", e.params.args))
            }
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {}", e.params.exception_details.text))
            }
            _ => None,
        };
        if let Some(p) = problem {
            seen.lock().expect("the list").push(p);
        }
    }))
    .expect("a listener");
    let url = format!(
        "file://{}",
        page.canonicalize().expect("the page").display()
    );
    tab.navigate_to(&url)
        .and_then(|t| t.wait_until_navigated())
        .expect("the page loads");
    let measured = tab.evaluate(MEASURE, false).expect("the page measures");
    let measured: Value = serde_json::from_str(
        measured
            .value
            .as_ref()
            .and_then(Value::as_str)
            .expect("a string"),
    )
    .expect("JSON");

    // Screenshots for a person to look at: the top (model and graph) and the
    // second scenario's section (tables, charts, explanations, changes).
    let top = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("a screenshot");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-top.png");
    std::fs::write(&shot, &top).expect("the screenshot is saved");
    assert!(top.starts_with(b"\x89PNG") && top.len() > 10_000);
    let rect = tab
        .evaluate(
            "JSON.stringify((() => { const r = document.querySelectorAll('section.scenario')[1].getBoundingClientRect(); return [r.x, r.y + window.scrollY, r.width, Math.min(r.height, 6000)]; })())",
            false,
        )
        .expect("the section's place");
    let rect: Vec<f64> = serde_json::from_str(
        rect.value
            .as_ref()
            .and_then(Value::as_str)
            .expect("a string"),
    )
    .expect("JSON");
    let section = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Page::CaptureScreenshotFormatOption::Png),
            quality: None,
            clip: Some(Page::Viewport {
                x: rect[0],
                y: rect[1],
                width: rect[2],
                height: rect[3],
                scale: 1.0,
            }),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })
        .expect("a screenshot of a section");
    use base64::Engine as _;
    let section = base64::engine::general_purpose::STANDARD
        .decode(section.data)
        .expect("PNG data");
    std::fs::write(
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-scenario.png"),
        &section,
    )
    .expect("the screenshot is saved");
    println!(
        "screenshots: {} and report-scenario.png beside it",
        shot.display()
    );

    let problems = problems.lock().expect("the list").clone();
    assert!(problems.is_empty(), "the console reported: {problems:#?}");
    assert_eq!(measured["resources"], 0, "the page loaded resources");

    // Every picture has a size and a text alternative.
    let svgs = measured["svgs"].as_array().expect("svgs");
    assert!(svgs.len() > 50, "only {} pictures", svgs.len());
    for s in svgs {
        let (w, h) = (
            s["w"].as_f64().unwrap_or(0.0),
            s["h"].as_f64().unwrap_or(0.0),
        );
        assert!(w > 0.0 && h > 0.0, "an SVG with no size: {s}");
        let class = s["cls"].as_str().unwrap_or("");
        if class != "key" {
            assert!(
                !s["title"].as_str().unwrap_or("").is_empty(),
                "an SVG without a title: {s}"
            );
        }
    }
    let graph = svgs
        .iter()
        .find(|s| s["cls"] == "graph")
        .expect("the graph is drawn");
    assert!(
        graph["w"].as_f64().unwrap_or(0.0) > 600.0,
        "a small graph: {graph}"
    );

    // The graph shows every node.
    let labels: Vec<&str> = measured["graphLabels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for n in &nodes {
        assert!(labels.contains(&n.as_str()), "`{n}` is not in the graph");
    }
    assert_eq!(labels.len(), nodes.len());

    // One section per scenario, each with curves, fans, a table, explanations.
    let sections = measured["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), scenarios.len());
    for (s, name) in sections.iter().zip(&scenarios) {
        let heading = s["heading"].as_str().unwrap_or("");
        assert!(
            heading.contains(name.as_str()),
            "{heading} is not about {name}"
        );
        assert!(s["curves"].as_u64().unwrap_or(0) >= 1, "no curve in {name}");
        assert!(
            s["fans"].as_u64().unwrap_or(0) >= 1,
            "no fan chart in {name}"
        );
        assert!(
            s["eventRows"].as_u64().unwrap_or(0) >= 1,
            "no event table in {name}"
        );
        let chains: Vec<&str> = s["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            chains.iter().any(|c| c.contains('←') && c.contains('%')),
            "no causal chain in {name}: {chains:?}"
        );
        if name != "baseline" {
            assert!(
                s["diffRows"].as_u64().unwrap_or(0) >= 1,
                "no change against the baseline in {name}"
            );
        }
    }
    // A chain the flagship model is about: continuing outages drive migration.
    let outages = &sections[scenarios
        .iter()
        .position(|s| s == "outages_continue")
        .expect("the scenario")];
    assert!(
        outages["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .filter_map(Value::as_str)
            .any(|c| c.contains("users.migration") && c.contains("tipping_point")),
        "{outages}"
    );
    let _ = std::fs::remove_dir_all(&profile);
}
