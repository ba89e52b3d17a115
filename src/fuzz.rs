//! Entry points for fuzzing, and the properties they check.
//!
//! Each target in `fuzz/fuzz_targets/` hands libFuzzer's bytes to one function
//! here; `cargo test` replays the committed corpus (`fuzz/corpus/TARGET/`) and
//! every minimized crasher (`fuzz/regressions/TARGET/`) through the same
//! functions on stable Rust, so a finding once fixed stays fixed. A function
//! returns when its properties hold and panics — what libFuzzer looks for — when
//! one does not. See `docs/fuzzing.md`.
//!
//! The inputs are hostile by construction, so the limits are small: a fuzz case
//! that takes a second is a finding too (libFuzzer reports it as a timeout).
//! Exact evaluation costs far more per unit of work than Monte Carlo, and a
//! fuzzing build runs tens of times slower than a release build: hence the
//! small work limit.

use arbitrary::{Arbitrary, Unstructured};

use crate::check::model::ScenarioId;
use crate::eval::{self, Options, Results};
use crate::limits::Limits;
use crate::load::MemoryLoader;
use crate::render::diagnostics::DiagnosticRenderer;
use crate::span::{FileId, SourceMap};
use crate::{Analysis, Diagnostic, syntax};

/// The limits every target works within.
#[must_use]
pub fn limits() -> Limits {
    Limits {
        source_bytes: 1 << 16,
        depth: 64,
        nodes: 2_000,
        rules: 2_000,
        imports: 8,
        horizon: 200,
        runs: 64,
        work: 200_000,
        memory: 256 << 20,
    }
}

/// The file a model may import under the name the shipped models use, so that
/// seeds taken from `scenarios/` check as they do there.
const LIBRARY: (&str, &str) = (
    "lib/regulation.whatif",
    include_str!("../scenarios/lib/regulation.whatif"),
);

/// Parses `data`: no panic; every error's span lies inside the text, on
/// character boundaries, and renders.
pub fn parse(data: &[u8]) {
    let limits = limits();
    let mut sources = SourceMap::new();
    let id = match syntax::add_source(&mut sources, "m.whatif", data.to_vec(), &limits) {
        Ok(id) => id,
        Err(e) => return assert_diagnostics(&[e.into()], &sources),
    };
    let text = std::sync::Arc::clone(&sources.get(id).text);
    match syntax::parse(id, &text, &limits) {
        Ok(parsed) => {
            for item in &parsed.ast.items {
                assert_span(&sources, item.span(), "an item");
            }
            for c in &parsed.comments {
                assert!(
                    c.start < c.end && c.end <= text.len(),
                    "a comment out of bounds"
                );
                assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed parse without an error");
            let list: Vec<Diagnostic> = errors.into_iter().map(Into::into).collect();
            assert_diagnostics(&list, &sources);
        }
    }
}

/// Reads, parses and checks `data` as a model (with the shipped library to
/// import): no panic; a model comes back exactly when there is no error; every
/// diagnostic's spans are sound and it renders.
pub fn check(data: &[u8]) {
    let analysis = analyze(data);
    assert_eq!(
        analysis.model.is_some(),
        !analysis.has_errors(),
        "a model with errors, or no model and no error"
    );
    assert_diagnostics(&analysis.diagnostics, &analysis.sources);
}

/// Formats `data` when it parses: the output parses back to the same tree
/// (parentheses and attribute order aside), keeps every comment, and is a fixed
/// point of the formatter.
pub fn fmt(data: &[u8]) {
    let limits = limits();
    let mut sources = SourceMap::new();
    let Ok(id) = syntax::add_source(&mut sources, "m.whatif", data.to_vec(), &limits) else {
        return;
    };
    let text = std::sync::Arc::clone(&sources.get(id).text);
    let Ok(first) = syntax::parse(id, &text, &limits) else {
        return;
    };
    let printed = syntax::print::format(&first, &text);
    // The printed text may be longer than the original, never deeper: it
    // must read back under the same limits, or a user's `fmt --write` could
    // leave a file whatif then refuses.
    let relaxed = Limits {
        source_bytes: usize::MAX,
        ..limits
    };
    let second = match syntax::parse(FileId(0), &printed, &relaxed) {
        Ok(p) => p,
        Err(e) => panic!("the formatted text does not parse: {e:?}\n--- formatted\n{printed}"),
    };
    let (mut a, mut b) = (first.ast.clone(), second.ast.clone());
    syntax::canon::normalize(&mut a);
    syntax::canon::normalize(&mut b);
    assert_eq!(
        a, b,
        "formatting changed the tree\n--- formatted\n{printed}"
    );
    // Every comment survives with its text (a line comment's trailing
    // white space aside); the order of two comments may change where one
    // trailed a line comment and had to move to a line of its own.
    let texts = |comments: &[syntax::Comment], text: &str| {
        let mut all: Vec<String> = comments
            .iter()
            .map(|c| {
                text.get(c.start..c.end)
                    .unwrap_or("")
                    .trim_end()
                    .to_string()
            })
            .collect();
        all.sort_unstable();
        all
    };
    assert_eq!(
        texts(&first.comments, &text),
        texts(&second.comments, &printed),
        "formatting lost, added or changed a comment\n--- formatted\n{printed}"
    );
    let again = syntax::print::format(&second, &printed);
    assert_eq!(again, printed, "formatting is not idempotent");
}

/// How to evaluate, drawn from the first bytes of a case; the rest is the model.
#[derive(Arbitrary, Debug)]
struct Settings {
    seed: u64,
    runs: u8,
    scenario: u8,
    exact: bool,
    explain: Option<u8>,
}

/// Evaluates a model under settings drawn from `data` (see `Settings`):
/// no panic; every number in the results is finite; the results do not depend
/// on the number of threads; they render as text, JSON and CSV.
pub fn eval(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(settings) = Settings::arbitrary(&mut u) else {
        return;
    };
    let analysis = analyze(u.take_rest());
    let Some(model) = &analysis.model else {
        return;
    };
    let scenario = ScenarioId::from_index(usize::from(settings.scenario) % model.scenarios.len());
    let explain = settings
        .explain
        .and_then(|k| {
            let events: Vec<usize> = (0..model.nodes.len())
                .filter(|&i| model.nodes[i].kind == crate::check::model::NodeKind::Event)
                .collect();
            (!events.is_empty()).then(|| events[usize::from(k) % events.len()])
        })
        .map(crate::check::model::NodeId::from_index);
    let options = Options {
        runs: u64::from(settings.runs % 64) + 1,
        seed: settings.seed,
        threads: 1,
        exact: settings.exact,
        explain: explain.into_iter().collect(),
        ..Options::default()
    };
    let limits = limits();
    let one = eval::run(model, &analysis.sources, scenario, &[], &options, &limits);
    if let Ok(results) = &one {
        assert_finite(results);
    }
    let two = eval::run(
        model,
        &analysis.sources,
        scenario,
        &[],
        &Options {
            threads: 2,
            ..options.clone()
        },
        &limits,
    );
    assert_eq!(one, two, "results depend on the number of threads");
    let renderer = DiagnosticRenderer::new(false, 100);
    match one {
        Ok(results) => {
            let _ = crate::render::text::results(&results);
            let _ = crate::render::csv::results(std::slice::from_ref(&results));
            let _ = results.to_json();
            for x in &results.explanations {
                let _ = crate::render::text::explanation(x);
            }
        }
        Err(e) => {
            if let Some(span) = e.span() {
                assert_span(&analysis.sources, span, "an evaluation error");
            }
            let _ = renderer.render_eval_error(&e, &analysis.sources);
        }
    }
}

/// Reads partial results as `whatif merge` does. The first byte chooses: 0,
/// the rest is a partial's file as it is (the envelope and its checksum are
/// fuzzed); otherwise the rest is a partial's content, sealed with its
/// checksum first (what lies behind the checksum is fuzzed: validation and
/// the merge). No panic; a partial that reads is validated; a merge that
/// succeeds gives finite numbers that render as text, JSON and CSV.
pub fn merge(data: &[u8]) {
    use crate::eval::shard::{self, Partial};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let sealed;
    let text = if mode == 0 {
        text
    } else {
        sealed = Partial::seal(text);
        &sealed
    };
    let Ok(partial) = Partial::from_json("p.json", text) else {
        return;
    };
    let limits = limits();
    if partial.validate("p.json", limits.memory).is_err() {
        return;
    }
    // Every shard it claims to complete: itself, as each of them.
    let n = partial.shard.n.min(4);
    let parts: Vec<(String, Partial)> = (1..=n)
        .map(|k| {
            let mut p = partial.clone();
            p.shard.k = k;
            (format!("p{k}.json"), p)
        })
        .collect();
    if let Ok((results, _)) = shard::merge(parts, &limits) {
        for r in &results {
            assert_finite(r);
            let _ = crate::render::text::results(r);
            let _ = crate::render::csv::results(std::slice::from_ref(r));
            let _ = serde_json::to_string(&r.to_json());
        }
    }
}

/// Reads frames of the Language Server Protocol as `whatif lsp` does, until
/// the input ends or the framing breaks: no panic, no body over the limit,
/// and every body parses (or not) as JSON without a panic.
pub fn lsp_frame(data: &[u8]) {
    const MAX_BODY: usize = 4096;
    let mut input = std::io::BufReader::new(data);
    while let Ok(Some(body)) = crate::ide::frame::read_frame(&mut input, MAX_BODY) {
        assert!(body.len() <= MAX_BODY, "a body of {} bytes", body.len());
        let _ = serde_json::from_slice::<serde_json::Value>(&body);
    }
}

/// Every file of the cases, in order: the corpus and the regressions of
/// `target`, read from the repository (for the replay test).
#[must_use]
pub fn cases(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<std::path::PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

fn analyze(data: &[u8]) -> Analysis {
    let mut loader = MemoryLoader::new()
        .with("m.whatif", data.to_vec())
        .with(LIBRARY.0, LIBRARY.1);
    crate::analyze(
        &mut loader,
        "m.whatif",
        "m.whatif",
        data.to_vec(),
        &limits(),
    )
}

fn assert_span(sources: &SourceMap, span: crate::span::Span, what: &str) {
    assert!(
        (span.file.0 as usize) < sources.len(),
        "{what} points into no file"
    );
    let text = &sources.get(span.file).text;
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{what} spans {start}..{end} of a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what} spans {start}..{end}, inside a character"
    );
}

fn assert_diagnostics(list: &[Diagnostic], sources: &SourceMap) {
    let renderer = DiagnosticRenderer::new(false, 100);
    for d in list {
        assert_span(sources, d.span(), &format!("`{d}`"));
        let file = d.span().file;
        for (offset, len, _) in d.label_list() {
            let span = crate::span::Span::new(file, offset, offset + len);
            assert_span(sources, span, &format!("a label of `{d}`"));
        }
        let _ = renderer.render(d, sources);
        let _ = d.to_json(sources);
    }
}

/// Every number of `r` is finite.
fn assert_finite(r: &Results) {
    let finite = |what: &str, v: f64| assert!(v.is_finite(), "{what} is {v}");
    for e in &r.events {
        finite("a probability", e.probability);
        finite("an interval", e.ci.0);
        finite("an interval", e.ci.1);
        e.by_step
            .iter()
            .for_each(|&v| finite("a probability by step", v));
    }
    for f in &r.factors {
        for list in [&f.mean, &f.p5, &f.p50, &f.p95, &f.sd] {
            list.iter()
                .for_each(|&v| finite(&format!("a statistic of `{}`", f.name), v));
        }
    }
    for (now, by) in &r.probes {
        now.iter().chain(by).for_each(|&v| finite("a probe", v));
    }
}

#[cfg(test)]
mod tests {
    //! The committed corpus and regressions, replayed on stable Rust.

    fn replay(target: &str, run: fn(&[u8])) {
        let cases = super::cases(target);
        for (name, bytes) in &cases {
            if let Err(panic) = std::panic::catch_unwind(|| run(bytes)) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default();
                panic!("{name}: {message}");
            }
        }
    }

    #[test]
    fn the_merge_corpus_replays() {
        replay("merge", super::merge);
    }

    #[test]
    fn the_lsp_frame_corpus_replays() {
        replay("lsp_frame", super::lsp_frame);
    }

    #[test]
    fn the_parse_corpus_replays() {
        replay("parse", super::parse);
    }

    #[test]
    fn the_check_corpus_replays() {
        replay("check", super::check);
    }

    #[test]
    fn the_fmt_corpus_replays() {
        replay("fmt", super::fmt);
    }

    #[test]
    fn the_eval_corpus_replays() {
        replay("eval", super::eval);
    }
}
