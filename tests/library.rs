//! The library as an embedder uses it: the example program, and the pattern
//! `docs/library.md` documents for snapshot-testing a model's consequences with
//! insta. These tests need only the library (no `cli` feature).

use std::path::{Path, PathBuf};

use whatif::eval::Options;
use whatif::limits::Limits;

/// The example program, compiled as part of this test so that it keeps working.
#[allow(dead_code, reason = "the example's `main` is not called here")]
#[path = "../examples/consequence.rs"]
mod consequence;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_prints_a_consequence() {
    let line = consequence::consequence(
        &root().join("scenarios/x_platform.whatif"),
        "outages_continue",
        "advertisers.withdrawal",
    )
    .expect("the flagship evaluates");
    assert!(
        line.starts_with("advertisers.withdrawal in `outages_continue`: likely ("),
        "{line}"
    );
    assert!(line.contains("median step"), "{line}");
    let missing = consequence::consequence(
        &root().join("scenarios/x_platform.whatif"),
        "no_such_scenario",
        "advertisers.withdrawal",
    );
    assert!(missing.is_err());
}

/// The documented pattern (docs/library.md, "Snapshot-testing consequences"):
/// a model's consequences as text, kept as an insta snapshot, so that a change
/// to a rule shows up as a reviewed change of consequences.
#[test]
fn consequences_of_the_starter_model() {
    let path = root().join("src/cli/template/archive.whatif");
    let limits = Limits::default();
    let analysis = whatif::analyze_file(&path, &limits).expect("the model is readable");
    let model = analysis.model.expect("the model checks");
    let options = Options {
        runs: 2_000,
        seed: 0,
        ..Options::default()
    };
    let text = whatif::snapshot::snapshot(
        &model,
        &analysis.sources,
        "archive.whatif",
        &options,
        &limits,
    )
    .expect("every scenario evaluates");
    insta::assert_snapshot!(text);
}

/// A project's scale (from `whatif.toml`) gives the words of a model whose
/// header names none; a model's own scale still wins.
#[test]
fn a_project_scale_reads_the_words_of_models_without_one() {
    let mut sources = whatif::span::SourceMap::new();
    let toml = "[scale]\nprobable = { p = 0.75, in = [0.63, 0.87] }\n";
    let id = sources.add("whatif.toml", toml.to_string());
    let config = whatif::config::parse(id, toml).expect("a valid whatif.toml");
    let scale = config.scale.expect("a scale");
    let model = "model \"m\" { horizon 3 steps }\nevent a prior = 0.5\nevent b\n\
                 rule r: when a then b probable\nexpect baseline { b is probable }\n";
    let read = |scale: &whatif::check::scale::Scale| {
        whatif::analyze_with_scale(
            &mut whatif::load::NoImports,
            "m",
            "m.whatif",
            model.into(),
            &Limits::default(),
            scale,
        )
    };
    let with_project_scale = read(&scale);
    assert!(
        with_project_scale.model.is_some(),
        "{:?}",
        with_project_scale.diagnostics
    );
    let standard = read(&whatif::check::scale::Scale::ipcc());
    assert!(standard.has_errors(), "`probable` is not an IPCC word");
    let own = model.replace("horizon 3 steps", "horizon 3 steps\n  scale ipcc");
    let overridden = whatif::analyze_with_scale(
        &mut whatif::load::NoImports,
        "m",
        "m.whatif",
        own.into(),
        &Limits::default(),
        &scale,
    );
    assert!(overridden.has_errors(), "the model's `scale ipcc` wins");
    assert!(Path::new(&root().join("Cargo.toml")).exists());
}

/// Every ```toml block of the documentation that holds whatif settings is a
/// valid `whatif.toml`.
#[test]
fn every_whatif_toml_in_the_docs_reads() {
    let mut count = 0;
    for doc in ["docs/configuration.md", "README.md"] {
        let text = std::fs::read_to_string(root().join(doc)).expect("the docs");
        for block in text.split("```toml\n").skip(1) {
            let block = block.split("```").next().unwrap_or("");
            if block.contains("[dependencies]") || block.contains("[dev-dependencies]") {
                continue;
            }
            let mut sources = whatif::span::SourceMap::new();
            let id = sources.add("whatif.toml", block.to_string());
            let read = whatif::config::parse(id, block);
            assert!(read.is_ok(), "{doc}:\n{block}\n{read:?}");
            count += 1;
        }
    }
    assert!(count >= 3, "only {count} blocks");
}
