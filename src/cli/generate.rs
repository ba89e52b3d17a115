//! `whatif generate`: a synthetic model, for benchmarks anyone can reproduce.

use std::path::PathBuf;

use clap::Args;
use whatif::generate::{Synthetic, synthetic};

use super::Outcome;

/// `whatif generate [options] [-o FILE]`; the defaults are the pinned benchmark
/// mix (see `whatif::generate`).
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Events and factors.
    #[arg(long, default_value_t = Synthetic::default().nodes)]
    nodes: usize,
    /// The share of nodes that are events.
    #[arg(long, default_value_t = Synthetic::default().event_share)]
    event_share: f64,
    /// Rules.
    #[arg(long, default_value_t = Synthetic::default().rules)]
    rules: usize,
    /// The share of rules that are `when` rules between events.
    #[arg(long, default_value_t = Synthetic::default().when_share)]
    when_share: f64,
    /// The most nodes a rule reads.
    #[arg(long, default_value_t = Synthetic::default().fan_in)]
    fan_in: usize,
    /// The share of events with a hazard.
    #[arg(long, default_value_t = Synthetic::default().hazard_share)]
    hazard_share: f64,
    /// The horizon, in steps.
    #[arg(long, default_value_t = Synthetic::default().horizon)]
    horizon: u32,
    /// The seed.
    #[arg(long, default_value_t = Synthetic::default().seed)]
    seed: u64,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `whatif generate`.
pub fn run(args: &GenerateArgs) -> Outcome {
    let options = Synthetic {
        nodes: args.nodes,
        event_share: args.event_share.clamp(0.0, 1.0),
        rules: args.rules,
        when_share: args.when_share.clamp(0.0, 1.0),
        fan_in: args.fan_in.max(1),
        hazard_share: args.hazard_share.clamp(0.0, 1.0),
        horizon: args.horizon.max(1),
        seed: args.seed,
        ..Synthetic::default()
    };
    let text = synthetic(&options);
    super::write_output(args.output.as_deref(), &text)
}
