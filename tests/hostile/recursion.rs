//! Every recursion over user input is bounded: long runs of prefix operators
//! are refused before pest's Pratt parser recurses on them, and a tree as
//! deep as the ceiling of `--max-depth` goes through every stage without
//! overflowing the stack.

use super::{HEADER, folder, refused, run_in};

#[test]
fn twenty_thousand_unary_minus_signs_are_refused_at_the_depth_limit() {
    let text = format!("{HEADER}param p = {}1\n", "-".repeat(20_000));
    refused("minus", text.as_bytes(), &["check"], "--max-depth", true);
    refused("minus-fmt", text.as_bytes(), &["fmt"], "--max-depth", true);
}

#[test]
fn twenty_thousand_nots_are_refused_at_the_depth_limit() {
    let text = format!(
        "{HEADER}event e prior = 0.5\nevent f := {}e\n",
        "not ".repeat(20_000)
    );
    refused("not", text.as_bytes(), &["check"], "--max-depth", true);
}

/// A model whose every expression is as deep as `depth` allows: parentheses,
/// a chain of additions, a chain of `not`s and of `or`s, nested `if`s.
fn deep_model(depth: usize) -> String {
    let n = depth - 10;
    let mut m = String::from("model \"deep\" { horizon 5 }\nparam k = 0.5\n");
    m += &format!("factor f = {}0.5{}\n", "(".repeat(n), ")".repeat(n));
    m += &format!("factor g := f{}\n", " + 0".repeat(n));
    m += "event e prior = 0.5\n";
    m += &format!("event d := {}e\n", "not ".repeat(n));
    m += &format!("event h := {}\n", vec!["e"; n].join(" or "));
    m += &format!("factor i := {}0\n", "if e then 1 else ".repeat(n / 2));
    m += &format!(
        "rule r: while g > {}0.1 then f -= 0.01 * k\n",
        "-".repeat(n)
    );
    m += "rule s: when d or h then f += 0.1\n";
    m += &format!(
        "scenario sc {{ set k = {}0.2{} }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    m += "expect sc { P(d) > 0 }\n";
    m
}

#[test]
fn a_model_at_the_depth_ceiling_goes_through_every_command() {
    let ceiling = whatif::limits::MAX_DEPTH;
    let dir = folder("deep");
    std::fs::write(dir.join("deep.whatif"), deep_model(ceiling)).expect("written");
    let depth = ceiling.to_string();
    for args in [
        vec!["check"],
        vec!["fmt"],
        vec!["eval", "--runs", "20"],
        vec!["eval", "--exact", "--scenario", "sc"],
        vec!["explain", "--scenario", "sc", "d", "--runs", "20"],
        vec!["diff", "sc", "--runs", "20"],
        vec!["test", "--runs", "20"],
        vec!["graph"],
        vec!["loops"],
        vec!["causes", "--scenario", "sc", "h"],
        vec!["report", "--runs", "20", "-o", "r.html"],
    ] {
        let mut full: Vec<&str> = vec![args[0], "--max-depth", &depth, "deep.whatif"];
        full.extend(&args[1..]);
        let (code, stderr) = run_in(&dir, &full);
        assert!(code == 0 || code == 1, "{full:?} exited {code}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_depth_limit_cannot_be_raised_past_its_ceiling() {
    let dir = folder("depth-ceiling");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\n"),
    )
    .expect("written");
    let above = (whatif::limits::MAX_DEPTH + 1).to_string();
    let (code, stderr) = run_in(&dir, &["check", "--max-depth", &above, "m.whatif"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("can be at most 10000"), "{stderr}");
    let out = super::whatif()
        .args(["check", "m.whatif"])
        .env("WHATIF_MAX_DEPTH", &above)
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WHATIF_MAX_DEPTH can be at most 10000"));
    std::fs::write(
        dir.join("whatif.toml"),
        format!("[limits]\nmax-depth = {above}\n"),
    )
    .expect("toml");
    let (code, stderr) = run_in(&dir, &["check", "--color", "never", "m.whatif"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`limits.max-depth` can be at most 10000"),
        "{stderr}"
    );
    assert!(stderr.contains("whatif.toml:2:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
