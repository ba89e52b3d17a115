//! The command line: one file per verb; the only code that prints or touches
//! files. Flags are parsed by clap here and turned into library settings.

/// Like `eprintln!`, but a closed or broken stderr is not a reason to panic.
macro_rules! errorln {
    ($($arg:tt)*) => {
        $crate::cli::print_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod atomic;
mod causes;
mod check;
mod color;
mod completions;
mod diff;
mod eval;
mod exit;
mod explain;
mod fmt;
mod generate;
mod graph;
mod html_report;
mod init;
mod input;
mod loops;
mod lsp;
mod man;
mod merge;
mod progress;
mod report;
mod schema;
mod settings;
mod study;
mod test;
mod watch;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use whatif::config::{self, Config};
use whatif::limits::Limit;
use whatif::render;
use whatif::render::escape;
use whatif::span::SourceMap;

use color::{Color, Paint};
use report::Reporter;
use settings::Settings;

/// Scenario analysis for cause-and-effect models: check, evaluate, explain and
/// test `.whatif` models.
#[derive(Debug, Parser)]
#[command(name = "whatif", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct Global {
    /// When to colour: `auto` colours a terminal unless `NO_COLOR` is set
    /// (or when `CLICOLOR_FORCE` is).
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true, value_name = "WHEN")]
    color: Color,
    /// Print only what was asked for: no summaries, no passing tests.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more on standard error: the settings and where each came from, and
    /// how long each evaluation took.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// The path a model read from standard input (`-`) stands for: its name in
    /// diagnostics, the folder its imports and `whatif.toml` are found from.
    #[arg(long, global = true, value_name = "PATH")]
    stdin_filename: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Resource limits (see `Limits` in the library for the defaults).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Largest source file, in bytes [default: 67108864].
    #[arg(long, global = true, value_name = "N")]
    max_source_bytes: Option<usize>,
    /// Deepest nesting of brackets, `if`s and expressions [default: 256; at most 10000].
    #[arg(long, global = true, value_name = "N", value_parser = depth_arg)]
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
    #[arg(long, global = true, value_name = "N", value_parser = count_arg)]
    max_horizon: Option<u64>,
    /// Most Monte Carlo runs [default: 100000000].
    #[arg(long, global = true, value_name = "N", value_parser = count_arg)]
    max_runs: Option<u64>,
    /// Most work in one evaluation: runs × steps × (rules + nodes) [default: 1e11].
    #[arg(long, global = true, value_name = "N", value_parser = count_arg)]
    max_work: Option<u64>,
    /// Most memory one evaluation may hold, in bytes (estimated) [default: 2147483648].
    #[arg(long, global = true, value_name = "BYTES", value_parser = count_arg)]
    max_memory: Option<u64>,
}

/// A count on the command line: a whole number, also as `1e11`.
pub(crate) fn count_arg(text: &str) -> Result<u64, String> {
    config::parse_count(text).ok_or_else(|| {
        format!("`{text}` is not a whole number of 0 or more (such as 20000 or 2e4)")
    })
}

/// `--runs`: a count of at least one (no runs would be no evaluation).
pub(crate) fn runs_arg(text: &str) -> Result<u64, String> {
    match count_arg(text)? {
        0 => Err("an evaluation needs at least 1 run".to_string()),
        n => Ok(n),
    }
}

/// `--max-depth`: a count within the depth the stack allows.
fn depth_arg(text: &str) -> Result<usize, String> {
    let n = count_arg(text)?;
    if let Some(why) = Limit::Depth.refuse(n) {
        return Err(why);
    }
    usize::try_from(n).map_err(|_| format!("`{text}` is too large"))
}

impl LimitArgs {
    /// The limits given as flags.
    fn given(&self) -> Vec<(Limit, u64)> {
        let size = |v: Option<usize>| v.map(|n| u64::try_from(n).unwrap_or(u64::MAX));
        [
            (Limit::SourceBytes, size(self.max_source_bytes)),
            (Limit::Depth, size(self.max_depth)),
            (Limit::Nodes, size(self.max_nodes)),
            (Limit::Rules, size(self.max_rules)),
            (Limit::Imports, size(self.max_imports)),
            (Limit::Horizon, self.max_horizon),
            (Limit::Runs, self.max_runs),
            (Limit::Work, self.max_work),
            (Limit::Memory, self.max_memory),
        ]
        .into_iter()
        .filter_map(|(l, v)| v.map(|v| (l, v)))
        .collect()
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
    /// Start a model project: an example model, whatif.toml, README, .gitignore.
    Init(init::InitArgs),
    /// Print the JSON Schema of a `--format json` output.
    Schema(schema::SchemaArgs),
    /// Print a shell's completion script.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff).
    Man(man::ManArgs),
    /// Generate a synthetic model (for benchmarks).
    Generate(generate::GenerateArgs),
    /// List the feedback loops: reinforcing, balancing or indeterminate.
    Loops(loops::LoopsArgs),
    /// Draw the cause-and-effect graph (DOT, Mermaid or JSON).
    Graph(graph::GraphArgs),
    /// The minimal sets of root causes that lead to an event (cut sets).
    Causes(causes::CausesArgs),
    /// Check and evaluate a model again on every save, printing what changed.
    Watch(watch::WatchArgs),
    /// Run a language server over standard input and output (for editors).
    Lsp(lsp::LspArgs),
    /// Write a self-contained HTML report: graph, charts, explanations.
    Report(html_report::ReportArgs),
    /// Merge the partial results of `eval --shard` into one evaluation's.
    Merge(merge::MergeArgs),
    /// Evaluate a scenario over a grid of parameter values (common random numbers).
    Sweep(study::SweepArgs),
    /// Which assumptions drive a measure: tornado, Morris screening, Sobol indices.
    Sensitivity(study::SensitivityArgs),
}

impl Command {
    /// The models (files or folders) named on the command line, whose project's
    /// `whatif.toml` holds the settings; none for commands that read no model.
    fn model_paths(&self) -> Vec<&str> {
        match self {
            Command::Check(a) => a.files.iter().map(String::as_str).collect(),
            Command::Fmt(a) => a.files.iter().map(String::as_str).collect(),
            Command::Eval(a) => vec![a.file.as_str()],
            Command::Explain(a) => vec![a.file.as_str()],
            Command::Diff(a) => vec![a.file.as_str()],
            Command::Loops(a) => vec![a.file.as_str()],
            Command::Graph(a) => vec![a.file.as_str()],
            Command::Causes(a) => vec![a.file.as_str()],
            Command::Watch(a) => a.file.to_str().into_iter().collect(),
            Command::Report(a) => vec![a.file.as_str()],
            Command::Sweep(a) => vec![a.file.as_str()],
            Command::Sensitivity(a) => vec![a.file.as_str()],
            Command::Test(a) => a.paths.iter().map(String::as_str).collect(),
            Command::Init(_)
            | Command::Schema(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::Lsp(_)
            | Command::Merge(_)
            | Command::Generate(_) => Vec::new(),
        }
    }

    /// Whether the command reads models (and so project settings).
    fn reads_models(&self) -> bool {
        !self.model_paths().is_empty() || matches!(self, Command::Test(_))
    }

    /// The settings given as flags to this command.
    fn flags(&self, global: &Global) -> Result<Config, String> {
        let mut c = Config {
            limits: global.limits.given(),
            ..Config::default()
        };
        let eval = match self {
            Command::Eval(a) => Some(&a.eval),
            Command::Explain(a) => Some(&a.eval),
            Command::Diff(a) => Some(&a.eval),
            Command::Test(a) => Some(&a.eval),
            Command::Graph(a) => Some(&a.eval),
            Command::Causes(a) => Some(&a.eval),
            Command::Watch(a) => Some(&a.eval),
            Command::Report(a) => Some(&a.eval),
            Command::Sweep(a) => Some(&a.eval),
            Command::Sensitivity(a) => Some(&a.eval),
            _ => None,
        };
        if let Some(e) = eval {
            if let Some(confidence) = e.confidence
                && !config::valid_confidence(confidence)
            {
                return Err(format!(
                    "--confidence must be between 0 and 1 (exclusive), not {confidence}"
                ));
            }
            c.runs = e.runs;
            c.seed = e.seed;
            c.threads = e.threads;
            // `whatif test --confidence` is the confidence of its verdicts.
            if matches!(self, Command::Test(_)) {
                c.test_confidence = e.confidence;
            } else {
                c.confidence = e.confidence;
            }
        }
        Ok(c)
    }
}

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: only what was asked for.
    Quiet,
    /// The default.
    Normal,
    /// `-v`: settings and timings on standard error.
    Verbose,
}

/// What every command works with: its settings, and the terminal.
pub struct Context {
    /// Every setting, resolved from flags, environment, file and defaults.
    pub settings: Settings,
    /// Diagnostics on standard error.
    pub reporter: Reporter,
    /// Colours on standard output.
    pub paint: Paint,
    /// How much to say.
    pub verbosity: Verbosity,
    /// The path standard input stands for (`--stdin-filename`).
    pub stdin_filename: Option<String>,
}

impl Context {
    /// Whether `-q` was given.
    pub fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Prints a note on standard error with `-v`.
    pub fn note(&self, text: &str) {
        if self.verbosity == Verbosity::Verbose {
            print_stderr(&format!("whatif: {text}\n"));
        }
    }
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

/// Writes a command's result atomically to `path` (`-o FILE`), or prints it
/// when there is none.
pub fn write_output(path: Option<&std::path::Path>, text: &str) -> Outcome {
    let Some(path) = path.filter(|p| !is_stdout(p)) else {
        return print_stdout(text);
    };
    match atomic::write_if_changed(path, text.as_bytes()) {
        Ok(_) => Outcome::Success,
        Err(e) => {
            errorln!(
                "error: cannot write `{}`: {}",
                path.display(),
                whatif::load::plain_io_error(&e)
            );
            Outcome::Failure
        }
    }
}

/// Whether `-o` names standard output: `-`, as everywhere else on the
/// command line.
fn is_stdout(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses `-o output` when it names a file this command reads (`inputs`: the
/// model and its imports, or the partial results): the result would replace
/// what it came from.
pub fn refuse_overwriting_inputs<'a>(
    output: Option<&std::path::Path>,
    inputs: impl IntoIterator<Item = &'a std::path::Path>,
) -> Result<(), Outcome> {
    let Some(output) = output.filter(|p| !is_stdout(p)) else {
        return Ok(());
    };
    if std::fs::metadata(output).is_err() {
        return Ok(());
    }
    for input in inputs {
        if same_file(output, input) {
            errorln!(
                "error: `-o {}` would overwrite `{}`, which this command reads; write the output to another file",
                escape::inline(&output.display().to_string()),
                escape::inline(&input.display().to_string())
            );
            return Err(Outcome::Failure);
        }
    }
    Ok(())
}

/// Whether two paths name one file (through a link, or another name).
#[cfg(unix)]
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// Whether standard output and standard error are styled (colour sequences
/// of ours may pass), decided once at the start.
static STYLED: std::sync::OnceLock<(bool, bool)> = std::sync::OnceLock::new();

/// Prints a command's result; a closed pipe (`| head`) ends quietly. No
/// character that could drive a terminal passes (`render::escape::terminal`).
pub fn print_stdout(text: &str) -> Outcome {
    use std::io::Write;
    let styled = STYLED.get().is_some_and(|s| s.0);
    let text = escape::terminal(text, styled);
    let mut out = std::io::stdout().lock();
    stdout_outcome(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// What writing standard output came to: a reader that stopped reading (a
/// closed pipe) is no failure of ours; anything else is said.
fn stdout_outcome(written: std::io::Result<()>) -> Outcome {
    match written {
        Ok(()) => Outcome::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(e) => {
            print_stderr(&format!("error: cannot write the output: {e}\n"));
            Outcome::Failure
        }
    }
}

/// A JSON output as printed (the library's [`whatif::render::json::document`]).
pub fn json<T: serde::Serialize>(value: &T) -> String {
    whatif::render::json::document(value)
}

/// Writes `value` as [`json`] formats it, atomically to `path`, or to standard
/// output as it is serialized (no copy of the whole document first).
pub fn write_json<T: serde::Serialize>(path: Option<&std::path::Path>, value: &T) -> Outcome {
    use std::io::Write;
    if path.is_some_and(|p| !is_stdout(p)) {
        return write_output(path, &json(value));
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    stdout_outcome(whatif::render::json::write_document(&mut out, value).and_then(|()| out.flush()))
}

/// Prints diagnostics and messages; standard error closed or broken is no
/// reason to panic (`eprint!` would), and there is nowhere left to complain.
pub fn print_stderr(text: &str) {
    use std::io::Write;
    let styled = STYLED.get().is_some_and(|s| s.1);
    let text = escape::terminal(text, styled);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// The command line's definition, with the exit codes after every command's
/// help.
fn definition(color: clap::ColorChoice) -> clap::Command {
    Cli::command()
        .color(color)
        .after_help(exit::help())
        .mut_subcommands(|c| c.after_help(exit::help()))
}

/// The stack of the thread every command runs on. Each stage that walks an
/// expression tree (lowering, checking, compiling, formatting, explaining)
/// recurses as deep as the tree; `--max-depth` bounds the tree, at most
/// [`whatif::limits::MAX_DEPTH`], and this stack holds the deepest tree that
/// allows, with room to spare (the address space is reserved, not used).
const STACK_BYTES: usize = 512 << 20;

/// Runs the command line on a thread with a stack for the deepest model the
/// limits allow.
pub fn main() -> ExitCode {
    match std::thread::Builder::new()
        .name("whatif".into())
        .stack_size(STACK_BYTES)
        .spawn(run)
    {
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        // No thread could be created (a resource limit): the default depth
        // limit is well within the main thread's stack.
        Err(_) => run(),
    }
}

fn run() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let color = Color::from_args(&args);
    let env = |k: &str| std::env::var_os(k);
    let stderr_color = color.enabled(std::io::stderr().is_terminal(), env);
    let stdout_color = color.enabled(std::io::stdout().is_terminal(), env);
    let _ = STYLED.set((stdout_color, stderr_color));
    let parsed = definition(color.for_clap())
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` print to standard output and succeed.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let reporter = Reporter::new(stderr_color);
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let settings = match resolve_settings(&cli, &reporter) {
        Ok(s) => s,
        Err(outcome) => return outcome.code(),
    };
    let ctx = Context {
        settings,
        reporter,
        paint: Paint::new(stdout_color),
        verbosity,
        stdin_filename: cli.global.stdin_filename.clone(),
    };
    if cli.command.reads_models() && verbosity == Verbosity::Verbose {
        print_stderr(&ctx.settings.report());
    }
    let outcome = match &cli.command {
        Command::Check(args) => check::run(args, &ctx),
        Command::Fmt(args) => fmt::run(args, &ctx),
        Command::Generate(args) => generate::run(args),
        Command::Eval(args) => eval::run(args, &ctx),
        Command::Explain(args) => explain::run(args, &ctx),
        Command::Test(args) => test::run(args, &ctx),
        Command::Diff(args) => diff::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx),
        Command::Schema(args) => schema::run(args),
        Command::Completions(args) => completions::run(args, definition(clap::ColorChoice::Never)),
        Command::Man(args) => man::run(args, definition(clap::ColorChoice::Never)),
        Command::Loops(args) => loops::run(args, &ctx),
        Command::Graph(args) => graph::run(args, &ctx),
        Command::Causes(args) => causes::run(args, &ctx),
        Command::Watch(args) => watch::run(args, &ctx),
        Command::Lsp(args) => lsp::run(args, &ctx.settings.limits),
        Command::Report(args) => html_report::run(args, &ctx),
        Command::Merge(args) => merge::run(args, &ctx),
        Command::Sweep(args) => study::sweep(args, &ctx),
        Command::Sensitivity(args) => study::sensitivity(args, &ctx),
    };
    outcome.code()
}

/// The settings of this invocation: flags, then `WHATIF_*`, then the project's
/// `whatif.toml`, then the defaults. A bad layer is reported and ends the run.
fn resolve_settings(cli: &Cli, reporter: &Reporter) -> Result<Settings, Outcome> {
    let fail = |message: String| {
        errorln!("error: {message}");
        Outcome::Failure
    };
    let flags = cli.command.flags(&cli.global).map_err(fail)?;
    settings::unknown_env(std::env::vars_os().map(|(name, _)| name)).map_err(fail)?;
    let env = settings::from_env(|k| std::env::var_os(k)).map_err(fail)?;
    let found = if cli.command.reads_models() {
        settings::find_config(
            &cli.command.model_paths(),
            cli.global.stdin_filename.as_deref(),
        )
        .map_err(fail)?
    } else {
        None
    };
    let file = match &found {
        Some(path) => read_config(path, reporter)?,
        None => Config::default(),
    };
    Ok(Settings::resolve(&flags, &env, &file, found))
}

/// Reads and parses a `whatif.toml`, reporting its problems against its text.
fn read_config(path: &std::path::Path, reporter: &Reporter) -> Result<Config, Outcome> {
    let shown = whatif::load::shown_path(path);
    let fail = |why: String| {
        errorln!("error: cannot read `{shown}`: {why}");
        Outcome::Failure
    };
    // The file marks the project's root, so something else by its name (a
    // folder, a FIFO, a device) is an error, never "no whatif.toml"; and no
    // settings file needs more than the source limit.
    let meta = std::fs::metadata(path).map_err(|e| fail(whatif::load::plain_io_error(&e)))?;
    if !meta.is_file() {
        return Err(fail(format!(
            "{}; a project's `whatif.toml` must be a regular file",
            if meta.is_dir() {
                "it is a folder"
            } else {
                "it is not a regular file"
            }
        )));
    }
    let bytes = std::fs::File::open(path)
        .and_then(|f| whatif::load::read_bounded(f, whatif::limits::Limits::default().source_bytes))
        .map_err(|e| fail(whatif::load::plain_io_error(&e)))?;
    if bytes.len() > whatif::limits::Limits::default().source_bytes {
        return Err(fail(
            "it is larger than any settings file (64 MiB)".to_string(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".to_string()))?;
    let mut sources = SourceMap::new();
    let id = sources.add(&shown, text);
    let text = std::sync::Arc::clone(&sources.get(id).text);
    config::parse(id, &text).map_err(|errors| {
        for e in &errors {
            reporter.print_at(e, id, &sources);
        }
        Outcome::Failure
    })
}
