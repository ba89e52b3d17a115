//! Errors of evaluation.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::CheckError;
use crate::limits::Limit;
use crate::span::Span;

/// Why an evaluation could not complete.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum EvalError {
    /// Values that fail their checks under the overrides.
    #[error("the values of this evaluation do not pass the model's checks")]
    #[diagnostic(code(whatif::eval::values))]
    Values(#[related] Vec<CheckError>),
    /// A limit exceeded.
    #[error("the evaluation needs {}, more than the limit of {}", which.amount(*requested), which.amount(*limit))]
    #[diagnostic(code(whatif::limit::eval), help("{}", advice(*which)))]
    Limit {
        /// Which limit.
        which: Limit,
        /// How much was asked for.
        requested: u64,
        /// The limit.
        limit: u64,
    },
    /// A limit passed while evaluating exactly, whose cost is counted as it
    /// goes rather than known in advance.
    #[error("exact evaluation passed the limit of {}", which.amount(*limit))]
    #[diagnostic(code(whatif::limit::eval), help("evaluate by Monte Carlo (drop `--exact`), or raise the limit with `{}`", which.flag()))]
    LimitReached {
        /// Which limit.
        which: Limit,
        /// The limit.
        limit: u64,
    },
    /// A value that is not a finite number.
    #[error("{what} is not a finite number at step {step} of run {run}")]
    #[diagnostic(
        code(whatif::eval::non_finite),
        help(
            "check for a division by zero, the log of 0, the square root of a negative number or 1 / a value that can reach 0, or a huge exponent"
        )
    )]
    NonFinite {
        /// The rule or node.
        #[label("produced a value that is not finite")]
        at: Span,
        /// What produced it.
        what: String,
        /// The step.
        step: u32,
        /// The run.
        run: u64,
    },
    /// Two `=` effects on one factor at one step.
    #[error("`{a}` and `{b}` both set `{factor}` at step {step} of run {run}")]
    #[diagnostic(
        code(whatif::eval::assignment_conflict),
        help(
            "make the rules' conditions exclusive, or merge them into one rule with `if … then … else …`"
        )
    )]
    Conflict {
        /// One of the rules.
        #[label("sets `{factor}`")]
        at: Span,
        /// One rule.
        a: String,
        /// The other.
        b: String,
        /// The factor.
        factor: String,
        /// The step.
        step: u32,
        /// The run.
        run: u64,
    },
    /// The evaluation was asked to stop ([`super::Cancel`]).
    #[error("the evaluation was cancelled")]
    #[diagnostic(code(whatif::eval::cancelled))]
    Cancelled,
    /// A model too large or too random for exact evaluation.
    #[error("exact evaluation is out of reach: {reason}")]
    #[diagnostic(
        code(whatif::eval::exact),
        help("evaluate it by Monte Carlo (drop `--exact`)")
    )]
    ExactOutOfReach {
        /// Why.
        reason: String,
    },
}

impl EvalError {
    /// The span the error points at, when it points into a model.
    #[must_use]
    pub fn span(&self) -> Option<Span> {
        match self {
            EvalError::NonFinite { at, .. } | EvalError::Conflict { at, .. } => Some(*at),
            EvalError::Values(errors) => errors.first().map(CheckError::span),
            _ => None,
        }
    }
}

/// What to do about an evaluation over a limit.
fn advice(which: Limit) -> String {
    let lower = match which {
        Limit::Runs => "lower `--runs`",
        Limit::Memory => "shorten the horizon or evaluate fewer nodes",
        _ => "lower `--runs` or shorten the horizon",
    };
    format!("{lower}, or raise the limit with `{}`", which.flag())
}
