//! `merge` reads partial results as untrusted input: bounded, checked field
//! by field, and sealed by a checksum, so that an edited, truncated or forged
//! partial is refused with its name instead of changing the printed result.

use std::path::{Path, PathBuf};

use whatif::eval::shard::Partial;

use super::{folder, run_in};

/// Three shards of a model with factors, events and probes.
fn shards(dir: &Path) -> Vec<PathBuf> {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/markov_chain.whatif");
    (1..=3)
        .map(|k| {
            let out = dir.join(format!("p{k}.json"));
            let (code, stderr) = run_in(
                dir,
                &[
                    "eval",
                    &model.display().to_string(),
                    "--runs",
                    "600",
                    "--shard",
                    &format!("{k}/3"),
                    "-o",
                    &out.display().to_string(),
                ],
            );
            assert_eq!(code, 0, "{stderr}");
            out
        })
        .collect()
}

fn merge(dir: &Path, parts: &[&Path]) -> (i32, String) {
    let mut args = vec!["merge".to_string()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(dir, &args)
}

/// Rewrites partial `path` through the library, as a forger with the format
/// at hand would: its checksum then matches.
fn forge(path: &Path, edit: impl FnOnce(&mut Partial)) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("a partial");
    let mut partial = Partial::from_json("p", &text).expect("it reads");
    edit(&mut partial);
    let forged = path.with_extension("forged.json");
    std::fs::write(&forged, partial.to_json()).expect("written");
    forged
}

/// An edit to a partial: its name, the edit, and what the refusal says.
type Edit = (&'static str, Box<dyn FnOnce(&mut Partial)>, &'static str);

#[test]
fn merge_reads_no_further_than_the_memory_limit() {
    let dir = folder("merge-zero");
    let parts = shards(&dir);
    let (code, stderr) = merge(&dir, &[&parts[0], Path::new("/dev/zero")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot read `/dev/zero`: it is not a regular file"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_or_truncated_partial_is_refused_with_its_name() {
    let dir = folder("merge-edited");
    let parts = shards(&dir);
    let text = std::fs::read_to_string(&parts[1]).expect("a partial");
    for (name, changed) in [
        (
            "confidence",
            text.replacen("\"confidence\":0.95", "\"confidence\":0.5", 1),
        ),
        ("runs", text.replacen("\"runs\":600", "\"runs\":6000", 1)),
        ("truncated", text[..text.len() - 200].to_string()),
    ] {
        assert_ne!(changed, text, "{name}: the edit did not apply");
        let edited = dir.join(format!("{name}.json"));
        std::fs::write(&edited, changed).expect("written");
        let (code, stderr) = merge(&dir, &[&parts[0], &edited, &parts[2]]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name}.json")), "{name}: {stderr}");
        assert!(
            stderr.contains("checksum does not match")
                || stderr.contains("is not a whatif partial"),
            "{name}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_forged_partial_with_impossible_values_is_refused() {
    let dir = folder("merge-forged");
    let parts = shards(&dir);
    let cases: Vec<Edit> = vec![
        (
            "a NaN sum",
            Box::new(|p| p.scenarios[0].sums[0].sums[0] = f64::NAN),
            "not finite",
        ),
        (
            "an infinite sum of squares",
            Box::new(|p| p.scenarios[0].sums[0].sumsq[0] = f64::INFINITY),
            "not finite",
        ),
        (
            "a count of 2^64 - 1",
            Box::new(|p| p.scenarios[0].counts.first[0] = u64::MAX),
            "a count larger than the shard's runs",
        ),
        (
            "runs that are not the shard's",
            Box::new(|p| p.scenarios[0].counts.runs += 1),
            "where its shard holds",
        ),
        (
            "a bounded-runs count past the runs",
            Box::new(|p| p.scenarios[0].counts.bounded_runs[0] = 1_000_000),
            "a count larger than the shard's runs",
        ),
        (
            "a confidence of 1.5",
            Box::new(|p| p.confidence = 1.5),
            "the confidence 1.5",
        ),
        (
            "a histogram of a billion bins",
            Box::new(|p| p.scenarios[0].layout.bins = 1_000_000_000),
            "bins per histogram",
        ),
        (
            "extremes out of order (a fuzz finding: a panic in the quantiles)",
            Box::new(|p| {
                let c = &mut p.scenarios[0].counts;
                c.min[0] = 0.0;
                c.max[0] = -2.2e-308;
            }),
            "extreme values out of order",
        ),
        (
            "a step past the horizon",
            Box::new(|p| p.scenarios[0].counts.bounded_from[0] = 10_000),
            "a step past the horizon",
        ),
    ];
    for (what, edit, expected) in cases {
        let forged = forge(&parts[1], edit);
        let (code, stderr) = merge(&dir, &[&parts[0], &forged, &parts[2]]);
        // miette wraps the message: read it as one line.
        let stderr = stderr
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(code, 2, "{what}: {stderr}");
        assert!(stderr.contains("p2.forged.json"), "{what}: {stderr}");
        assert!(stderr.contains(expected), "{what}: {stderr}");
    }
    // The honest shards still merge.
    let (code, stderr) = merge(&dir, &[&parts[0], &parts[1], &parts[2]]);
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
