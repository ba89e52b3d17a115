//! Paths that grew faster than the input: a long chain of `extends` (cubic
//! before) and a file full of unknown names (quadratic in the diagnostics).
//! These tests check the answers, not the time; `cargo bench --bench
//! parse_check` times both at two sizes (docs/performance.md).

use super::{HEADER, folder, run_in};

/// `n` scenarios, each extending the one before.
pub fn extends_chain(n: usize) -> String {
    let mut m = format!("{HEADER}param p = 0.5\nscenario s0 {{ set p = 0.1 }}\n");
    for i in 1..n {
        m += &format!("scenario s{i} extends s{} {{ set p = 0.2 }}\n", i - 1);
    }
    m
}

/// `n` rules, each reading a name nobody declared.
pub fn unknown_names(n: usize) -> String {
    let mut m = String::from(HEADER);
    for i in 0..n {
        m += &format!("factor f{i} = 0.5\n");
    }
    for i in 0..n {
        m += &format!("rule r{i}: when g{i} > 0.1 then f{i} += 0.1\n");
    }
    m
}

#[test]
fn a_chain_of_20000_extends_is_refused_at_the_depth_limit() {
    let dir = folder("extends-chain");
    std::fs::write(dir.join("m.whatif"), extends_chain(20_000)).expect("written");
    let (code, stderr) = run_in(&dir, &["check", "--color", "never", "m.whatif"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`s256` extends a chain of more than 256 scenarios"),
        "{stderr}"
    );
    assert!(stderr.contains("1 error"), "{stderr}");
    // Within the ceiling, a chain as long as the limit allows checks.
    std::fs::write(dir.join("ok.whatif"), extends_chain(10_000)).expect("written");
    let (code, stderr) = run_in(&dir, &["check", "--max-depth", "10000", "ok.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn twenty_thousand_unknown_names_are_each_reported() {
    let dir = folder("unknown-names");
    let text = unknown_names(20_000);
    assert!(text.len() > 1_000_000);
    std::fs::write(dir.join("m.whatif"), text).expect("written");
    let (code, stderr) = run_in(&dir, &["check", "--color", "never", "m.whatif"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("20000 errors, 0 warnings"),
        "{}",
        &stderr[stderr.len().saturating_sub(300)..]
    );
    // The first names get a suggestion; past the budget, the general help.
    assert!(
        stderr.contains("did you mean `f0`?"),
        "no suggestion at all"
    );
    assert_eq!(
        stderr.matches("did you mean").count(),
        whatif::check::SUGGESTIONS,
        "suggestions are searched for a bounded number of names"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
