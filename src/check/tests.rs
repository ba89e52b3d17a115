//! Unit tests of the checker: a model's text in, its diagnostics out.

use super::*;
use crate::syntax;

/// Parses and checks `text` (one file), which must parse.
fn check_text(text: &str) -> Checked {
    let limits = Limits::default();
    let mut sources = SourceMap::new();
    let id = sources.add("m.whatif", text);
    let parsed = match syntax::parse(id, text, &limits) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}\n--- text\n{text}"),
    };
    check(&sources, &[(id, &parsed.ast)], &limits)
}

/// The codes of every error, in order.
fn error_codes(checked: &Checked) -> Vec<String> {
    checked
        .errors
        .iter()
        .map(|e| {
            miette::Diagnostic::code(e)
                .map(|c| c.to_string())
                .unwrap_or_default()
        })
        .collect()
}

const HEADER: &str = "model \"m\" { horizon 10 steps }\n";

#[test]
fn misspelt_names_get_a_suggestion() {
    assert_eq!(
        did_you_mean("trusst", ["trust", "loyalty"]),
        Some("did you mean `trust`?".to_string())
    );
    assert_eq!(
        did_you_mean("users.trst", ["users.trust"]),
        Some("did you mean `users.trust`?".to_string())
    );
    assert_eq!(did_you_mean("zzzzzz", ["trust"]), None);
}

#[test]
fn a_huge_unknown_name_is_reported_quickly_without_a_suggestion() {
    let name = "x".repeat(1_000_000);
    let text = format!("{HEADER}factor y = 0.5\nrule r: when {name} > 1 then y += 1\n");
    let started = std::time::Instant::now();
    let checked = check_text(&text);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    assert_eq!(error_codes(&checked), ["whatif::check::unknown_name"]);
    assert!(matches!(
        &checked.errors[0],
        CheckError::UnknownName { help: None, .. }
    ));
}
