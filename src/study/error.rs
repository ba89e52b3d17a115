//! Errors of a study: a `--vary` or an input the study cannot use, a study
//! over budget, or the evaluation of one of its points.

use miette::Diagnostic;
use thiserror::Error;

use crate::eval::EvalError;
use crate::span::Span;

/// Why a study could not be made or run.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum StudyError {
    /// `--vary` names no parameter of the model.
    #[error("the model has no parameter `{name}`")]
    #[diagnostic(code(whatif::study::unknown_parameter), help("{help}"))]
    UnknownParameter {
        /// The name, in the argument.
        #[label("not a parameter")]
        at: Span,
        /// The name.
        name: String,
        /// "did you mean …?", or the parameters there are.
        help: String,
    },
    /// A `--vary` that is not `NAME=LO..HI[:K]`.
    #[error("`--vary` is written `NAME=LO..HI` or `NAME=LO..HI:K`")]
    #[diagnostic(code(whatif::study::bad_vary), help("{help}"))]
    BadVary {
        /// The part that is wrong.
        #[label("{problem}")]
        at: Span,
        /// What is wrong with it.
        problem: String,
        /// A hint.
        help: String,
    },
    /// A span that leaves the parameter's declared range.
    #[error("`{name}` is declared in [{declared_lo}, {declared_hi}]; {lo}..{hi} leaves it")]
    #[diagnostic(
        code(whatif::study::outside_range),
        help("vary it within its declared range, or widen the range where `{name}` is declared")
    )]
    OutsideRange {
        /// The span, in the argument.
        #[label("outside the declared range")]
        at: Span,
        /// The parameter.
        name: String,
        /// The span asked for.
        lo: f64,
        /// The span asked for.
        hi: f64,
        /// The declared range.
        declared_lo: f64,
        /// The declared range.
        declared_hi: f64,
    },
    /// Fewer than two points along a parameter.
    #[error("a sweep needs at least 2 points along `{name}`, not {k}")]
    #[diagnostic(
        code(whatif::study::too_few_points),
        help("write `:2` or more after the span, or leave it out for 5 points")
    )]
    TooFewPoints {
        /// The count, in the argument.
        #[label("fewer than 2")]
        at: Span,
        /// The parameter.
        name: String,
        /// The count.
        k: u64,
    },
    /// A method that samples the plausible span of a parameter that has none.
    #[error("{method} varies every parameter over its plausible range, and `{name}` has none")]
    #[diagnostic(code(whatif::study::no_range), help("{help}"))]
    NoRange {
        /// The parameter's declaration.
        #[label("declared without a range")]
        at: Span,
        /// The method.
        method: String,
        /// The parameter.
        name: String,
        /// How to add one.
        help: String,
    },
    /// Nothing to vary.
    #[error("the model has no parameter with a range{words}, so there is nothing to vary")]
    #[diagnostic(
        code(whatif::study::nothing_to_vary),
        help(
            "give a parameter its plausible range: `param NAME = VALUE in [LO, HI]`, or add `--include words`"
        )
    )]
    NothingToVary {
        /// ", and no rule with a likelihood word" when words were asked for.
        words: &'static str,
    },
    /// A study that would exceed `--max-work`.
    #[error(
        "the study needs {points} points × {per_point} work each = {requested} work, more than the limit of {limit}"
    )]
    #[diagnostic(
        code(whatif::limit::study),
        help(
            "use fewer runs a point (`--runs`), fewer points (K, `--trajectories`, `--samples`), or raise the limit with `--max-work`"
        )
    )]
    OverBudget {
        /// Design points.
        points: u64,
        /// runs × steps × (rules + nodes) of one point.
        per_point: u64,
        /// The whole study.
        requested: u64,
        /// `--max-work`.
        limit: u64,
    },
    /// The evaluation of a point failed.
    #[error("{}", describe(.point, .error))]
    #[diagnostic(code(whatif::study::point))]
    Point {
        /// The point's settings (`tipping_trust=0.6`), or empty for the
        /// study's own values.
        point: String,
        /// The failure.
        #[source]
        error: Box<EvalError>,
    },
}

fn describe(point: &str, error: &EvalError) -> String {
    if point.is_empty() {
        format!("{error}")
    } else {
        format!("at {point}: {error}")
    }
}

impl StudyError {
    /// Where it points, when it points into a file or an argument.
    #[must_use]
    pub fn span(&self) -> Option<Span> {
        match self {
            StudyError::UnknownParameter { at, .. }
            | StudyError::BadVary { at, .. }
            | StudyError::OutsideRange { at, .. }
            | StudyError::TooFewPoints { at, .. }
            | StudyError::NoRange { at, .. } => Some(*at),
            StudyError::NothingToVary { .. }
            | StudyError::OverBudget { .. }
            | StudyError::Point { .. } => None,
        }
    }
}
