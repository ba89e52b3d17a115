//! The command line: one file per verb; the only code that prints or touches
//! files. Flags are parsed by clap here and turned into library settings.

/// Like `eprintln!`, but a closed or broken stderr is not a reason to panic.
macro_rules! errorln {
    ($($arg:tt)*) => {
        $crate::cli::print_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod check;
mod diff;
mod eval;
mod explain;
mod fmt;
mod generate;
mod input;
mod merge;
mod progress;
mod report;
mod test;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use whatif::limits::Limits;
use whatif::render;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (a report succeeds whatever it shows)
  1  the tool ran and found a problem you asked about: an expectation failed,
     `fmt --check` would change a file, `check --deny-warnings` found warnings
  2  the input could not be read, parsed or validated, a limit was exceeded,
     an evaluation failed, or the command line was wrong";

/// Scenario analysis for cause-and-effect models: check, evaluate, explain and
/// test `.whatif` models.
#[derive(Debug, Parser)]
#[command(name = "whatif", version, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct Global {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    /// Print only what was asked for (no summaries).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Resource limits (see `Limits` in the library for the defaults).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Largest source file, in bytes [default: 67108864].
    #[arg(long, global = true, value_name = "N")]
    max_source_bytes: Option<usize>,
    /// Deepest nesting of brackets, `if`s and expressions [default: 256].
    #[arg(long, global = true, value_name = "N")]
    max_depth: Option<usize>,
    /// Most events and factors in a model [default: 1000000].
    #[arg(long, global = true, value_name = "N")]
    max_nodes: Option<usize>,
    /// Most rules in a model [default: 1000000].
    #[arg(long, global = true, value_name = "N")]
    max_rules: Option<usize>,
    /// Most imported files [default: 1000].
    #[arg(long, global = true, value_name = "N")]
    max_imports: Option<usize>,
    /// Longest horizon, in steps [default: 100000].
    #[arg(long, global = true, value_name = "N")]
    max_horizon: Option<u64>,
    /// Most Monte Carlo runs [default: 100000000].
    #[arg(long, global = true, value_name = "N")]
    max_runs: Option<u64>,
    /// Most work in one evaluation: runs × steps × (rules + nodes) [default: 1e11].
    #[arg(long, global = true, value_name = "N")]
    max_work: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            source_bytes: self.max_source_bytes.unwrap_or(d.source_bytes),
            depth: self.max_depth.unwrap_or(d.depth),
            nodes: self.max_nodes.unwrap_or(d.nodes),
            rules: self.max_rules.unwrap_or(d.rules),
            imports: self.max_imports.unwrap_or(d.imports),
            horizon: self.max_horizon.unwrap_or(d.horizon),
            runs: self.max_runs.unwrap_or(d.runs),
            work: self.max_work.unwrap_or(d.work),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check models and report every problem.
    Check(check::CheckArgs),
    /// Format models in the one canonical layout.
    Fmt(fmt::FmtArgs),
    /// Evaluate scenarios: which consequences follow, how likely, how soon.
    Eval(eval::EvalArgs),
    /// Explain why an event follows in a scenario, and why it does not.
    Explain(explain::ExplainArgs),
    /// Judge every model's expectations (and compare consequence snapshots).
    Test(test::TestArgs),
    /// Compare a scenario with another (paired runs): what changes, and why.
    Diff(diff::DiffArgs),
    /// Generate a synthetic model (for benchmarks).
    Generate(generate::GenerateArgs),
    /// Merge the partial results of `eval --shard` into one evaluation's.
    Merge(merge::MergeArgs),
}

/// The outcome of a command, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0
    Success,
    /// 1: the tool ran and found what the user asked about.
    Found,
    /// 2: bad input, a limit, an evaluation error, or a bad command line.
    Failure,
}

impl Outcome {
    fn code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Found => ExitCode::from(1),
            Outcome::Failure => ExitCode::from(2),
        }
    }

    /// The worse of two outcomes.
    pub fn max(self, other: Outcome) -> Outcome {
        let rank = |o: Outcome| match o {
            Outcome::Success => 0,
            Outcome::Found => 1,
            Outcome::Failure => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Prints a command's result; a closed pipe (`| head`) ends quietly.
pub fn print_stdout(text: &str) -> Outcome {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Outcome::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(e) => {
            print_stderr(&format!("error: cannot write the output: {e}\n"));
            Outcome::Failure
        }
    }
}

/// Prints diagnostics and messages; standard error closed or broken is no
/// reason to panic (`eprint!` would), and there is nowhere left to complain.
pub fn print_stderr(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let reporter = report::Reporter::new(cli.global.color);
    let limits = cli.global.limits.limits();
    let outcome = match &cli.command {
        Command::Check(args) => check::run(args, &limits, &reporter, cli.global.quiet),
        Command::Fmt(args) => fmt::run(args, &limits, &reporter),
        Command::Generate(args) => generate::run(args),
        Command::Eval(args) => eval::run(args, &limits, &reporter, cli.global.quiet),
        Command::Explain(args) => explain::run(args, &limits, &reporter, cli.global.quiet),
        Command::Test(args) => test::run(args, &limits, &reporter),
        Command::Diff(args) => diff::run(args, &limits, &reporter),
        Command::Merge(args) => merge::run(args, &reporter),
    };
    outcome.code()
}
