//! Sharded evaluation: `whatif eval --shard K/N` on every slice, then `whatif
//! merge`, prints exactly the bytes of the unsharded `whatif eval`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn whatif(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_whatif"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh folder for one test's partial files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("whatif-shard-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Evaluates `args` as `n` shards into `dir`, returning the partial files.
fn shards(dir: &Path, args: &[&str], n: u64) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let file = dir.join(format!("part-{k}-of-{n}.json"));
            let file = file.display().to_string();
            let shard = format!("{k}/{n}");
            let mut full: Vec<&str> = args.to_vec();
            full.extend(["--shard", &shard, "-o", &file]);
            let (code, stdout, stderr) = whatif(&full);
            assert_eq!(code, 0, "{full:?}: {stderr}");
            assert!(stdout.is_empty(), "a partial goes to the file only");
            file
        })
        .collect()
}

fn merged(parts: &[String], format: &str) -> Vec<u8> {
    let mut args = vec!["merge", "--format", format];
    args.extend(parts.iter().map(String::as_str));
    let (code, stdout, stderr) = whatif(&args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

/// Checks that every N in `ns` merges into the unsharded output, in every format.
fn check_equal(name: &str, args: &[&str], ns: &[u64], formats: &[&str]) {
    let dir = scratch(name);
    for &n in ns {
        let parts = shards(&dir, args, n);
        for format in formats {
            let mut whole: Vec<&str> = args.to_vec();
            whole.extend(["--format", format]);
            let (code, expected, stderr) = whatif(&whole);
            assert_eq!(code, 0, "{stderr}");
            let got = merged(&parts, format);
            assert!(
                got == expected,
                "{args:?} in {n} shards, --format {format}: the merge differs from the unsharded output"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn three_shards_of_the_flagship_merge_into_the_unsharded_json() {
    check_equal(
        "flagship",
        &["eval", "scenarios/x_platform.whatif", "--all"],
        &[3],
        &["json", "text", "csv"],
    );
}

#[test]
fn uneven_and_oversized_splits_merge_byte_for_byte() {
    // 1,000 runs are 4 blocks of 256 (the last one short): 3 shards split them
    // 1/1/2, and 1, 2, 5 and 9 shards leave some shards with nothing to do.
    check_equal(
        "uneven",
        &[
            "eval",
            "scenarios/saas_region_outage.whatif",
            "--scenario",
            "long_outage",
            "--runs",
            "1000",
            "--seed",
            "7",
        ],
        &[1, 2, 3, 5, 9],
        &["json", "text"],
    );
}

#[test]
fn several_scenarios_and_a_model_without_draws_merge_byte_for_byte() {
    check_equal(
        "several",
        &[
            "eval",
            "scenarios/x_platform.whatif",
            "-s",
            "baseline",
            "-s",
            "reinvest",
            "--runs",
            "3000",
            "--set",
            "tipping_trust=0.5",
        ],
        &[4],
        &["json", "csv"],
    );
    check_equal(
        "static",
        &["eval", "scenarios/loops.whatif", "--all"],
        &[2],
        &["json", "text"],
    );
}

#[test]
fn merge_refuses_missing_duplicate_and_foreign_shards() {
    let dir = scratch("refuse");
    let args = ["eval", "scenarios/markov_chain.whatif", "--runs", "600"];
    let parts = shards(&dir, &args, 3);
    let merge = |files: &[&str]| {
        let mut a = vec!["merge"];
        a.extend(files);
        whatif(&a)
    };
    let (code, _, err) = merge(&[&parts[0], &parts[2]]);
    assert_eq!(code, 2);
    assert!(err.contains("missing shards (of 3): 2"), "{err}");

    let (code, _, err) = merge(&[&parts[0], &parts[1], &parts[1], &parts[2]]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 2/3 is given twice"), "{err}");

    // Another seed is another evaluation.
    let other = dir.join("other-seed.json").display().to_string();
    let (code, _, err) = whatif(&[
        "eval",
        "scenarios/markov_chain.whatif",
        "--runs",
        "600",
        "--seed",
        "1",
        "--shard",
        "2/3",
        "-o",
        &other,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = merge(&[&parts[0], &other, &parts[2]]);
    assert_eq!(code, 2);
    assert!(err.contains("shards of different evaluations"), "{err}");

    // Another version of the format.
    let text = std::fs::read_to_string(&parts[1]).expect("a partial");
    let newer = dir.join("newer.json");
    std::fs::write(
        &newer,
        text.replacen("\"version\":2,", "\"version\":99,", 1),
    )
    .expect("written");
    let newer = newer.display().to_string();
    let (code, _, err) = merge(&[&parts[0], &newer, &parts[2]]);
    assert_eq!(code, 2);
    assert!(err.contains("format version 99"), "{err}");

    // Not a partial at all.
    let (code, _, err) = merge(&["scenarios/markov_chain.whatif"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a whatif partial result"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_shard_flags_are_refused() {
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let (code, _, err) = whatif(&["eval", "scenarios/fault_tree.whatif", "--shard", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(err.contains("--shard takes K/N"), "{err}");
    }
    let (code, _, _) = whatif(&[
        "eval",
        "scenarios/fault_tree.whatif",
        "--exact",
        "--shard",
        "1/2",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn eval_and_merge_write_their_output_to_a_file() {
    let dir = scratch("output");
    let args = ["eval", "scenarios/fault_tree.whatif", "--format", "json"];
    let (code, expected, err) = whatif(&args);
    assert_eq!(code, 0, "{err}");
    let file = dir.join("out.json").display().to_string();
    let mut to_file = args.to_vec();
    to_file.extend(["-o", &file]);
    let (code, stdout, err) = whatif(&to_file);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty());
    assert_eq!(std::fs::read(&file).expect("written"), expected);

    let parts = shards(&dir, &args[..2], 2);
    let merged_file = dir.join("merged.json").display().to_string();
    let (code, _, err) = whatif(&[
        "merge",
        "--format",
        "json",
        &parts[0],
        &parts[1],
        "-o",
        &merged_file,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&merged_file).expect("written"), expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_model_of_events_alone_merges_byte_for_byte_whatever_the_threads() {
    // Events, `when` rules and hazards only: the bit-parallel simulator runs it.
    let dir = scratch("events-model");
    let (code, model, stderr) = whatif(&[
        "generate",
        "--nodes",
        "300",
        "--rules",
        "900",
        "--event-share",
        "1",
        "--when-share",
        "1",
        "--hazard-share",
        "0.2",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let file = dir.join("events.whatif");
    std::fs::write(&file, model).expect("the model is written");
    let file = file.display().to_string();
    let args = ["eval", &file, "--runs", "1000", "--seed", "3"];
    check_equal("events", &args, &[3, 5], &["json", "text"]);
    let run = |threads: &str| {
        let mut a = args.to_vec();
        a.extend(["--threads", threads, "--format", "json"]);
        let (code, out, stderr) = whatif(&a);
        assert_eq!(code, 0, "{stderr}");
        out
    };
    assert!(
        run("1") == run("2"),
        "one thread and two give different bytes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
