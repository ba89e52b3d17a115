//! `whatif test`: judge every model's expectations, like `opa test`; keep and
//! compare consequence snapshots.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use whatif::check::Model;
use whatif::check::model::NodeKind;
use whatif::eval::Options;
use whatif::expect::{self, Judgement, Outcome, TestOptions};
use whatif::limits::Limits;
use whatif::render::json;
use whatif::snapshot::{SNAPSHOT_RUNS, snapshot};
use whatif::span::SourceMap;

use super::color::Paint;
use super::eval::{EvalOptions, load_model};
use super::{Context, Outcome as Exit, print_stdout};

/// `whatif test [PATH...]`
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Models or folders (a folder's `.whatif` files, not its subfolders;
    /// `-` reads a model from standard input) [default: the current folder].
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Only the expectations whose `scenario: expectation` matches this regex.
    #[arg(long, value_name = "REGEX")]
    run: Option<String>,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Count an inconclusive expectation as a failure.
    #[arg(long)]
    strict: bool,
    /// List the rules and nodes that no tested scenario exercised.
    #[arg(long)]
    coverage: bool,
    /// Compare each model's consequences with its snapshot (`FILE.snap`),
    /// writing the snapshot when there is none.
    #[arg(long)]
    snapshot: bool,
    /// With `--snapshot`: record the new consequences instead of failing.
    #[arg(long, requires = "snapshot")]
    accept: bool,
    /// Succeed when there is nothing to test (no expectation, or none that
    /// `--run` selects, and no snapshot compared); without it that exits 1,
    /// so that a CI job that tests nothing does not pass.
    #[arg(long)]
    allow_empty: bool,
    #[command(flatten)]
    pub eval: EvalOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Junit,
    Json,
}

/// The files to test.
fn files(paths: &[String]) -> Result<Vec<PathBuf>, String> {
    let paths: Vec<String> = if paths.is_empty() {
        vec![".".to_string()]
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(&p);
        if p == "-" {
            out.push(path.to_path_buf());
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read `{p}`: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "whatif"))
                .collect();
            found.sort();
            out.extend(found);
        } else if path.is_file() {
            out.push(path.to_path_buf());
        } else {
            return Err(format!("no such file or folder: `{p}`"));
        }
    }
    Ok(out)
}

/// One model's outcomes.
struct FileReport {
    file: String,
    outcomes: Vec<Outcome>,
    /// The line of each outcome's expectation.
    lines: Vec<usize>,
    snapshot_diff: Option<String>,
}

/// Runs `whatif test`.
pub fn run(args: &TestArgs, ctx: &Context) -> Exit {
    let limits = &ctx.settings.limits;
    let filter = match args.run.as_deref().map(regex::Regex::new).transpose() {
        Ok(f) => f,
        Err(e) => {
            errorln!("error: --run is not a valid regular expression: {e}");
            return Exit::Failure;
        }
    };
    let list = match files(&args.paths) {
        Ok(l) => l,
        Err(message) => {
            errorln!("error: {message}");
            return Exit::Failure;
        }
    };
    if args.snapshot && list.iter().any(|f| f.as_os_str() == "-") {
        errorln!(
            "error: --snapshot compares a model file with the snapshot beside it; standard input has none"
        );
        return Exit::Failure;
    }
    let mut options = args.eval.options(&ctx.settings);
    let confidence = ctx.settings.test_confidence.value;
    options.confidence = confidence;
    let mut reports = Vec::new();
    let mut exit = Exit::Success;
    let mut coverage_text = String::new();
    for file in &list {
        let name = file.display().to_string();
        let (model, sources) = match load_model(&name, ctx) {
            Ok(m) => m,
            Err(o) => {
                exit = exit.max(o);
                continue;
            }
        };
        let Some(overrides) = args.eval.overrides(&model, &ctx.reporter) else {
            return Exit::Failure;
        };
        let select = |e: &whatif::check::model::Expectation| {
            filter.as_ref().is_none_or(|re| {
                re.is_match(&format!("{}: {}", model.scenario(e.scenario).name, e.text))
            })
        };
        let test_options = TestOptions {
            eval: options.clone(),
            confidence,
        };
        let outcomes =
            match expect::run(&model, &sources, &overrides, &test_options, limits, &select) {
                Ok(o) => o,
                Err(e) => {
                    ctx.reporter.print_eval_error(&e, &sources);
                    exit = exit.max(Exit::Failure);
                    continue;
                }
            };
        if args.coverage {
            coverage_text.push_str(&coverage(&model, &sources, &options, limits, &name));
        }
        let snapshot_diff = if args.snapshot {
            match check_snapshot(&model, &sources, file, &name, &options, limits, args.accept) {
                Ok(d) => d,
                Err(message) => {
                    errorln!("error: {message}");
                    exit = exit.max(Exit::Failure);
                    None
                }
            }
        } else {
            None
        };
        let lines = outcomes
            .iter()
            .map(|o| sources.get(o.span.file).line_col(o.span.start).0)
            .collect();
        reports.push(FileReport {
            file: name,
            outcomes,
            lines,
            snapshot_diff,
        });
    }
    let failed = reports.iter().flat_map(|r| &r.outcomes).any(|o| {
        o.judgement == Judgement::Fail
            || (args.strict && matches!(o.judgement, Judgement::Inconclusive(_)))
    }) || reports.iter().any(|r| r.snapshot_diff.is_some());
    if failed {
        exit = exit.max(Exit::Found);
    }
    let tested = reports
        .iter()
        .any(|r| !r.outcomes.is_empty() || (args.snapshot && r.snapshot_diff.is_none()));
    if !tested && exit == Exit::Success && !args.allow_empty {
        let what = if list.is_empty() {
            "no `.whatif` file found".to_string()
        } else if filter.is_some() {
            "no expectation matches --run".to_string()
        } else {
            format!(
                "no expectations found in {} model{}",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            )
        };
        errorln!(
            "error: {what}: nothing was tested\n  help: write `expect SCENARIO {{ … }}` blocks (docs/language.md), or pass --allow-empty"
        );
        exit = Exit::Found;
    }
    let text = match args.format {
        Format::Text => {
            let style = Style {
                paint: ctx.paint,
                quiet: ctx.quiet(),
                strict: args.strict,
            };
            text_report(&reports, style) + &coverage_text
        }
        Format::Junit => junit(&reports, args.strict),
        Format::Json => super::json(&json_report(&reports, args.strict)),
    };
    exit.max(print_stdout(&text))
}

fn label(j: Judgement) -> &'static str {
    match j {
        Judgement::Pass => "PASS",
        Judgement::Fail => "FAIL",
        Judgement::Inconclusive(_) => "INCONCLUSIVE",
    }
}

/// How to print the text report.
#[derive(Clone, Copy)]
struct Style {
    /// Colours for the verdicts.
    paint: Paint,
    /// `-q`: leave out the expectations that passed.
    quiet: bool,
    /// `--strict`: inconclusive counts as failed.
    strict: bool,
}

/// The verdict's label, padded to a column and coloured.
fn painted(j: Judgement, paint: Paint) -> String {
    let text = format!("{:<12}", label(j));
    match j {
        Judgement::Pass => paint.good(&text),
        Judgement::Fail => paint.bad(&text),
        Judgement::Inconclusive(_) => paint.unsure(&text),
    }
}

/// Counts of (passed, failed, inconclusive) over every report, snapshots
/// that differ counted as failures, and inconclusive ones too when `strict`.
fn tally(reports: &[FileReport], strict: bool) -> (usize, usize, usize) {
    let (mut pass, mut fail, mut inconclusive) = (0, 0, 0);
    for o in reports.iter().flat_map(|r| &r.outcomes) {
        match o.judgement {
            Judgement::Pass => pass += 1,
            Judgement::Fail => fail += 1,
            Judgement::Inconclusive(_) => inconclusive += 1,
        }
    }
    let snapshots_failed = reports.iter().filter(|r| r.snapshot_diff.is_some()).count();
    let failed = fail + snapshots_failed + if strict { inconclusive } else { 0 };
    (pass, failed, inconclusive)
}

fn text_report(reports: &[FileReport], style: Style) -> String {
    use whatif::render::escape::inline;
    let mut out = String::new();
    for r in reports {
        for o in &r.outcomes {
            if style.quiet && o.judgement == Judgement::Pass {
                continue;
            }
            let decide = match o.judgement {
                Judgement::Inconclusive(Some(n)) => format!("; about {n} runs would decide it"),
                Judgement::Inconclusive(None) => "; more runs cannot decide it".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{} {}  {}: {}  — {} vs {}{decide} ({} ms)",
                painted(o.judgement, style.paint),
                inline(&r.file),
                o.scenario,
                o.text,
                o.measured,
                o.against,
                o.elapsed.as_millis()
            );
        }
        if let Some(diff) = &r.snapshot_diff {
            let _ = writeln!(
                out,
                "{} {}  consequences differ from the snapshot:",
                painted(Judgement::Fail, style.paint),
                inline(&r.file)
            );
            out.push_str(diff);
        }
    }
    let (pass, failed, inconclusive) = tally(reports, style.strict);
    let _ = write!(out, "\n{pass} passed, {failed} failed");
    if inconclusive > 0 {
        let _ = write!(
            out,
            " ({inconclusive} inconclusive{})",
            if style.strict {
                ", counted as failures"
            } else {
                ""
            }
        );
    }
    out.push('\n');
    out
}

fn json_report(reports: &[FileReport], strict: bool) -> json::TestReport {
    let (passed, failed, inconclusive) = tally(reports, strict);
    let files = reports
        .iter()
        .map(|r| json::TestedFile {
            file: r.file.clone(),
            snapshot_diff: r.snapshot_diff.clone(),
            expectations: r
                .outcomes
                .iter()
                .zip(&r.lines)
                .map(|(o, &line)| json::Verdict {
                    scenario: o.scenario.clone(),
                    text: o.text.clone(),
                    line,
                    verdict: label(o.judgement).to_lowercase(),
                    measured: o.measured.clone(),
                    against: o.against.clone(),
                    runs_to_decide: match o.judgement {
                        Judgement::Inconclusive(n) => n,
                        _ => None,
                    },
                    milliseconds: u64::try_from(o.elapsed.as_millis()).unwrap_or(u64::MAX),
                })
                .collect(),
        })
        .collect();
    json::TestReport {
        passed,
        failed,
        inconclusive,
        files,
    }
}

fn xml(s: &str) -> String {
    // XML 1.0 cannot hold most control characters even as references: they
    // are shown as escapes, as on a terminal.
    whatif::render::escape::terminal(s, false)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(reports: &[FileReport], strict: bool) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for r in reports {
        let failing = |o: &Outcome| {
            o.judgement == Judgement::Fail
                || (strict && matches!(o.judgement, Judgement::Inconclusive(_)))
        };
        let failures = r.outcomes.iter().filter(|o| failing(o)).count()
            + usize::from(r.snapshot_diff.is_some());
        let time: f64 = r.outcomes.iter().map(|o| o.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{time:.3}\">",
            xml(&r.file),
            r.outcomes.len() + usize::from(r.snapshot_diff.is_some())
        );
        for o in &r.outcomes {
            let name = xml(&format!("{}: {}", o.scenario, o.text));
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{name}\" time=\"{:.3}\"",
                xml(&r.file),
                o.elapsed.as_secs_f64()
            );
            let message = xml(&format!("{} vs {}", o.measured, o.against));
            match o.judgement {
                Judgement::Pass => out.push_str("/>\n"),
                _ if failing(o) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{message}\">{}</failure>\n    </testcase>",
                        label(o.judgement)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"inconclusive: {message}\"/>\n    </testcase>"
                    );
                }
            }
        }
        if let Some(diff) = &r.snapshot_diff {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"snapshot\">\n      <failure message=\"consequences differ from the snapshot\">{}</failure>\n    </testcase>",
                xml(&r.file),
                xml(diff)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Compares the model's consequences with its snapshot; `Some(diff)` when they
/// differ and were not accepted.
fn check_snapshot(
    model: &Model,
    sources: &SourceMap,
    file: &Path,
    name: &str,
    options: &Options,
    limits: &Limits,
    accept: bool,
) -> Result<Option<String>, String> {
    let snap_path = PathBuf::from(format!("{}.snap", file.display()));
    let file_name = file
        .file_name()
        .map_or_else(|| name.to_string(), |n| n.to_string_lossy().into_owned());
    let runs = if options.runs == Options::default().runs {
        SNAPSHOT_RUNS
    } else {
        options.runs
    };
    let snap_options = Options {
        runs,
        ..options.clone()
    };
    let new =
        snapshot(model, sources, &file_name, &snap_options, limits).map_err(|e| e.to_string())?;
    let old = read_snapshot(&snap_path)?;
    match old {
        Some(old) if old == new => Ok(None),
        Some(old) if !accept => Ok(Some(whatif::snapshot::changed_lines(&old, &new, "    "))),
        _ => {
            super::atomic::write_if_changed(&snap_path, new.as_bytes())
                .map_err(|e| format!("cannot write `{}`: {e}", snap_path.display()))?;
            Ok(None)
        }
    }
}

/// The snapshot at `path`, or `None` when there is none yet. Anything else
/// that stops it being read (not UTF-8, not a regular file, larger than any
/// snapshot, no permission) is an error: writing over it would lose it.
fn read_snapshot(path: &Path) -> Result<Option<String>, String> {
    let shown = || whatif::render::escape::inline(&path.display().to_string()).into_owned();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read the snapshot `{}`: {}",
                shown(),
                whatif::load::plain_io_error(&e)
            ));
        }
    };
    if !meta.is_file() {
        return Err(format!(
            "the snapshot `{}` is not a regular file; move it away to write a new one",
            shown()
        ));
    }
    let limit = whatif::limits::Limits::default().source_bytes;
    let bytes = std::fs::File::open(path)
        .and_then(|f| whatif::load::read_bounded(f, limit))
        .map_err(|e| {
            format!(
                "cannot read the snapshot `{}`: {}",
                shown(),
                whatif::load::plain_io_error(&e)
            )
        })?;
    if bytes.len() > limit {
        return Err(format!(
            "the snapshot `{}` is larger than any snapshot whatif writes; move it away to write a new one",
            shown()
        ));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| {
        format!(
            "the snapshot `{}` is not UTF-8 text, so it was not written by whatif; move it away to write a new one",
            shown()
        )
    })
}

/// Rules whose condition never held and nodes that never changed, in every
/// scenario that has expectations.
fn coverage(
    model: &Model,
    sources: &SourceMap,
    options: &Options,
    limits: &Limits,
    name: &str,
) -> String {
    let mut tested: Vec<_> = model.expectations.iter().map(|e| e.scenario).collect();
    tested.sort();
    tested.dedup();
    let mut rule_runs = vec![0u64; model.rules.len()];
    let mut touched = vec![false; model.nodes.len()];
    for s in tested {
        let Ok(r) = whatif::eval::run(model, sources, s, &[], options, limits) else {
            continue;
        };
        for (id, n) in &r.rule_runs {
            rule_runs[id.index()] += n;
        }
        for e in &r.events {
            if e.probability > 0.0
                && let Some(id) = model.node_named(&e.name)
            {
                touched[id.index()] = true;
            }
        }
        for f in &r.factors {
            let moved =
                f.p5.iter()
                    .chain(&f.p95)
                    .any(|v| (v - f.p5[0]).abs() > 1e-12);
            if moved && let Some(id) = model.node_named(&f.name) {
                touched[id.index()] = true;
            }
        }
    }
    let mut out = String::new();
    let rules: Vec<&str> = model
        .rules
        .iter()
        .zip(&rule_runs)
        .filter(|(_, n)| **n == 0)
        .map(|(r, _)| r.name.as_str())
        .collect();
    let nodes: Vec<String> = model
        .nodes
        .iter()
        .zip(&touched)
        .filter(|(_, t)| !**t)
        .map(|(n, _)| {
            format!(
                "{} ({})",
                n.name,
                if n.kind == NodeKind::Event {
                    "never happens"
                } else {
                    "never moves"
                }
            )
        })
        .collect();
    let _ = writeln!(out, "\ncoverage of {name} (scenarios with expectations):");
    if rules.is_empty() && nodes.is_empty() {
        let _ = writeln!(
            out,
            "  every rule's condition held and every node moved in some run"
        );
    }
    for r in rules {
        let _ = writeln!(out, "  rule `{r}`: its condition never held");
    }
    for n in nodes {
        let _ = writeln!(out, "  node {n}");
    }
    out
}
