//! Parse + check throughput and peak memory on generated models of 10 KB to
//! 10 MB, then the hostile shapes that once grew faster than their input (a
//! chain of `extends`, a file of unknown names) at two sizes each. Prints
//! figures; asserts nothing. Run with `cargo bench --bench parse_check`.
//!
//! Each size runs in a child process (this binary with `--child FILE`), which
//! reads the model the parent generated, so its peak memory (VmHWM, reset
//! before each analysis) is that of reading, parsing and checking alone: the
//! text itself is included in it, the generator's garbage is not. The child
//! uses the allocator the `whatif` binary uses.

mod common;

#[cfg(feature = "cli")]
#[global_allocator]
static ALLOCATOR: whatif::allocator::Allocator = whatif::allocator::Allocator {};

use std::process::Command;
use std::time::Instant;

use whatif::generate::{Synthetic, synthetic};
use whatif::limits::Limits;
use whatif::load::NoImports;

/// A hostile shape: its name, its generator, the two sizes timed and the limits.
type Shape = (&'static str, fn(usize) -> String, [usize; 2], Limits);

fn model_of_size(bytes: usize) -> String {
    // A generated rule takes about 70 bytes; refine once.
    let mut rules = (bytes / 70).max(10);
    let mut text = synthetic(&Synthetic {
        rules,
        ..Synthetic::default()
    });
    rules = (rules as f64 * bytes as f64 / text.len() as f64) as usize;
    text = synthetic(&Synthetic {
        rules: rules.max(1),
        ..Synthetic::default()
    });
    text
}

fn child(path: &std::path::Path) {
    // What is measured is what `whatif check FILE` does: read, parse, check.
    let len = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    let limits = Limits::default();
    let mut best = f64::INFINITY;
    let mut peak = 0;
    let reps = if len < 1_000_000 { 20 } else { 3 };
    for _ in 0..reps {
        // Reset the peak-memory mark, so it measures one analysis.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let start = Instant::now();
        let bytes = std::fs::read(path).expect("the model");
        let analysis = whatif::analyze(&mut NoImports, "bench", "bench.whatif", bytes, &limits);
        let secs = start.elapsed().as_secs_f64();
        assert!(analysis.model.is_some(), "the generated model checks");
        drop(analysis);
        // Freed memory stays with the allocator, so only the first analysis's
        // peak is that of one analysis.
        if peak == 0 {
            peak = common::status_kib("VmHWM:").unwrap_or(0) * 1024;
        }
        best = best.min(secs);
    }
    println!("{len}\t{best}\t{peak}");
}

/// `n` scenarios, each extending the one before.
fn extends_chain(n: usize) -> String {
    let mut m = String::from(
        "model \"m\" { horizon 10 steps }\nparam p = 0.5\nscenario s0 { set p = 0.1 }\n",
    );
    for i in 1..n {
        m += &format!("scenario s{i} extends s{} {{ set p = 0.2 }}\n", i - 1);
    }
    m
}

/// `n` rules, each reading a name nobody declared.
fn unknown_names(n: usize) -> String {
    let mut m = String::from("model \"m\" { horizon 10 steps }\n");
    for i in 0..n {
        m += &format!("factor f{i} = 0.5\n");
    }
    for i in 0..n {
        m += &format!("rule r{i}: when g{i} > 0.1 then f{i} += 0.1\n");
    }
    m
}

/// Best of three: check `text` and render every diagnostic as `whatif check`
/// prints them; the seconds and the number of diagnostics.
fn check_and_render(text: &str, limits: &Limits) -> (f64, usize) {
    let renderer = whatif::render::diagnostics::DiagnosticRenderer::new(false, 100);
    let mut best = f64::INFINITY;
    let mut count = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let analysis = whatif::analyze(
            &mut NoImports,
            "bench",
            "bench.whatif",
            text.as_bytes().to_vec(),
            limits,
        );
        let rendered: usize = analysis
            .diagnostics
            .iter()
            .map(|d| renderer.render(d, &analysis.sources).len())
            .sum();
        best = best.min(start.elapsed().as_secs_f64());
        count = analysis.diagnostics.len();
        assert!(rendered > 0 || count == 0);
    }
    (best, count)
}

/// The shapes that were quadratic or cubic: time at n and at 4n should grow
/// about fourfold.
fn hostile_shapes() {
    println!();
    println!("hostile shapes: check and render every diagnostic (best of 3)");
    println!(
        "{:<34} {:>8} {:>12} {:>10} {:>12}",
        "shape", "n", "diagnostics", "seconds", "µs per item"
    );
    let deep = Limits {
        depth: whatif::limits::MAX_DEPTH,
        ..Limits::default()
    };
    let cases: [Shape; 3] = [
        (
            "extends chain, refused at depth 256",
            extends_chain,
            [5_000, 20_000],
            Limits::default(),
        ),
        (
            "extends chain, --max-depth 10000",
            extends_chain,
            [2_500, 10_000],
            deep,
        ),
        (
            "unknown names",
            unknown_names,
            [5_000, 20_000],
            Limits::default(),
        ),
    ];
    for (name, make, sizes, limits) in cases {
        for n in sizes {
            let (secs, count) = check_and_render(&make(n), &limits);
            println!(
                "{name:<34} {n:>8} {count:>12} {secs:>10.4} {:>12.2}",
                secs * 1e6 / n as f64
            );
        }
    }
}

fn main() {
    #[cfg(feature = "cli")]
    whatif::allocator::tune();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        if let Some(path) = args.get(i + 1) {
            child(std::path::Path::new(path));
        }
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!(
        "parse + check of generated models (best of several runs; peak = process high-water mark)"
    );
    println!(
        "{:>12} {:>10} {:>10} {:>12} {:>8}",
        "bytes", "seconds", "MB/s", "peak MiB", "peak/in"
    );
    for size in [10_000usize, 100_000, 1_000_000, 10_000_000] {
        let path =
            std::env::temp_dir().join(format!("whatif-bench-{}-{size}.whatif", std::process::id()));
        std::fs::write(&path, model_of_size(size)).expect("a temporary file");
        let out = Command::new(&exe)
            .arg("--child")
            .arg(&path)
            .output()
            .expect("child runs");
        let _ = std::fs::remove_file(&path);
        let line = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<f64> = line
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [len, secs, peak] = fields[..] {
            println!(
                "{:>12} {:>10.4} {:>10.1} {:>12.1} {:>8.1}",
                len as u64,
                secs,
                len / secs / 1e6,
                peak / 1048576.0,
                peak / len
            );
        } else {
            eprintln!(
                "size {size}: child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    hostile_shapes();
}
