//! Evaluation cost and memory on generated models: Monte Carlo against nodes,
//! rules, steps, runs and threads, and exact evaluation of the small shipped
//! models. Prints tables; asserts nothing. Run with `cargo bench --bench eval`
//! (`-- --quick` for a shorter sweep, `-- --eval-file FILE [--runs N]
//! [--threads N]` to time one model's evaluation alone, as bench/peers does).
//!
//! Each Monte Carlo figure comes from a child process (this binary with
//! `--eval-file`), so its peak memory (VmHWM) is that of one evaluation: the
//! model's text, AST and checked model included.
//!
//! "Rule-steps/s" is runs × (horizon + 1) × rules per second: the work a
//! simulator that evaluates every rule at every step would do. whatif evaluates
//! a rule only when something it reads changed, so the figure is a rate of
//! nominal work, comparable across model sizes.

mod common;

// The figures are the `whatif` binary's: the same allocator.
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOCATOR: whatif::allocator::Allocator = whatif::allocator::Allocator {};

use std::process::Command;
use std::time::Instant;

use whatif::eval::{self, Options};
use whatif::generate::{Synthetic, synthetic};
use whatif::limits::Limits;
use whatif::load::NoImports;

/// `--eval-file FILE [--runs N] [--threads N] [--exact]`: prints the seconds of
/// the evaluation alone, of reading + parsing + checking, and the peak bytes.
fn eval_file(args: &[String]) {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let Some(path) = args
        .iter()
        .position(|a| a == "--eval-file")
        .and_then(|i| args.get(i + 1))
    else {
        eprintln!("--eval-file needs a file");
        std::process::exit(2);
    };
    let limits = Limits::default();
    let start = Instant::now();
    let bytes = std::fs::read(path).expect("the model");
    let analysis = whatif::analyze(&mut NoImports, path, path, bytes, &limits);
    let check = start.elapsed().as_secs_f64();
    let Some(model) = analysis.model else {
        eprintln!("{path} does not check");
        std::process::exit(2);
    };
    let options = Options {
        runs: flag("--runs").unwrap_or(eval::DEFAULT_RUNS),
        threads: flag("--threads").map_or(0, |t| t as usize),
        exact: args.iter().any(|a| a == "--exact"),
        ..Options::default()
    };
    let reps = flag("--reps").unwrap_or(1).max(1);
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let start = Instant::now();
        let results = eval::run(
            &model,
            &analysis.sources,
            whatif::check::model::ScenarioId(0),
            &[],
            &options,
            &limits,
        )
        .expect("the model evaluates");
        best = best.min(start.elapsed().as_secs_f64());
        drop(results);
    }
    let peak = common::status_kib("VmHWM:").unwrap_or(0) * 1024;
    println!("{best} {check} {peak}");
}

/// One Monte Carlo measurement in a child process.
struct Figure {
    eval: f64,
    check: f64,
    peak: f64,
}

fn measure(model: &Synthetic, runs: u64, threads: usize) -> Option<Figure> {
    let path = std::env::temp_dir().join(format!(
        "whatif-bench-eval-{}-{}-{}-{}.whatif",
        std::process::id(),
        model.nodes,
        model.rules,
        model.horizon
    ));
    std::fs::write(&path, synthetic(model)).ok()?;
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .arg("--eval-file")
        .arg(&path)
        .args([
            "--runs",
            &runs.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    let fields: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [eval, check, peak] => Some(Figure { eval, check, peak }),
        _ => {
            eprintln!("child failed: {}", String::from_utf8_lossy(&out.stderr));
            None
        }
    }
}

fn header(title: &str, what: &str) {
    println!("\n{title}");
    println!(
        "{:>10} {:>8} {:>8} {:>6} {:>8} {:>10} {:>10} {:>14} {:>10}",
        what, "nodes", "rules", "steps", "runs", "check s", "eval s", "rule-steps/s", "peak MiB"
    );
}

fn row(label: &str, m: &Synthetic, runs: u64, threads: usize) {
    let Some(f) = measure(m, runs, threads) else {
        return;
    };
    let steps = u64::from(m.horizon) + 1;
    let work = runs as f64 * steps as f64 * m.rules as f64;
    println!(
        "{:>10} {:>8} {:>8} {:>6} {:>8} {:>10.3} {:>10.3} {:>14.3e} {:>10.1}",
        label,
        m.nodes,
        m.rules,
        steps,
        runs,
        f.check,
        f.eval,
        work / f.eval,
        f.peak / 1_048_576.0
    );
}

fn exact_table() {
    println!("\nexact evaluation of the small shipped models (best of 5)");
    println!("{:<36} {:>12}", "model", "seconds");
    let root = env!("CARGO_MANIFEST_DIR");
    for name in ["fault_tree", "event_tree", "markov_chain"] {
        let path = format!("{root}/scenarios/{name}.whatif");
        let exe = std::env::current_exe().expect("own path");
        let out = Command::new(exe)
            .args(["--eval-file", &path, "--exact", "--reps", "5"])
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        match text.split_whitespace().next() {
            Some(secs) => println!("{:<36} {:>12}", format!("scenarios/{name}.whatif"), secs),
            None => println!(
                "{:<36} {:>12}",
                name,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }
    }
}

fn main() {
    #[cfg(feature = "cli")]
    whatif::allocator::tune();
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--eval-file") {
        eval_file(&args);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let base = Synthetic::default();
    let threads = 2;
    println!("Monte Carlo on generated models (`whatif generate`; {threads} threads unless said)");

    header(
        "cost against nodes (rules = 5 × nodes, horizon 52)",
        "nodes",
    );
    let sizes: &[(usize, u64)] = if quick {
        &[(100, 10_000), (1_000, 10_000), (10_000, 1_000)]
    } else {
        &[
            (100, 10_000),
            (1_000, 10_000),
            (10_000, 1_000),
            (100_000, 100),
        ]
    };
    for &(nodes, runs) in sizes {
        let m = Synthetic {
            nodes,
            rules: nodes * 5,
            ..base.clone()
        };
        row(&nodes.to_string(), &m, runs, threads);
    }

    header(
        "cost against rules (1,000 nodes, horizon 52, 2,000 runs)",
        "rules",
    );
    for rules in [1_250, 2_500, 5_000, 10_000, 20_000] {
        let m = Synthetic {
            rules,
            ..base.clone()
        };
        row(&rules.to_string(), &m, 2_000, threads);
    }

    header(
        "cost against steps (the default model, 2,000 runs)",
        "horizon",
    );
    for horizon in [13, 26, 52, 104, 208] {
        let m = Synthetic {
            horizon,
            ..base.clone()
        };
        row(&horizon.to_string(), &m, 2_000, threads);
    }

    header("cost against runs (the default model)", "runs");
    let runs: &[u64] = if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 3_000, 10_000, 30_000, 100_000]
    };
    for &r in runs {
        row(&r.to_string(), &base, r, threads);
    }

    header("threads (the default model, 10,000 runs)", "threads");
    for t in [1, 2] {
        row(&t.to_string(), &base, 10_000, t);
    }

    // Events alone, `when` rules only, a fifth of the events with a hazard:
    // the bit-parallel simulator (src/eval/bitsim.rs) runs these.
    let events = Synthetic {
        event_share: 1.0,
        when_share: 1.0,
        hazard_share: 0.2,
        ..base.clone()
    };
    header(
        "events alone (bit-parallel; 1,000 events, 5,000 `when` rules, horizon 52)",
        "runs",
    );
    let runs: &[u64] = if quick {
        &[10_000]
    } else {
        &[1_000, 10_000, 100_000]
    };
    for &r in runs {
        row(&r.to_string(), &events, r, threads);
    }
    exact_table();
}
