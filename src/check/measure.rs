//! A measure of one run, read against a model already checked: what per-run
//! samples record (`P(users.migration)`, `users.trust at 52`).
//!
//! A measure is written as an expectation writes what it measures, and is
//! resolved by the same code as expectations, through a checker that knows
//! the model's names instead of declaring them. Its steps depend on the
//! scenario's parameters, so they are checked (whole, within the horizon) when
//! it is evaluated: [`crate::check::values::Resolved::step_within_horizon`].

use super::model::{ActorId, Expr, Model, NodeId, NodeKind, ParamId, ProbMode, Steps};
use super::resolve::Scope;
use super::{CheckError, Checker, Symbol};
use crate::limits::Limits;
use crate::span::{SourceMap, Span};
use crate::syntax::ast;

/// A measure of one run, checked.
#[derive(Clone, Debug)]
pub struct Measure {
    /// What it measures.
    pub kind: MeasureKind,
    /// The measure as written, its white space collapsed.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// What a measure measures.
#[derive(Clone, Debug)]
pub enum MeasureKind {
    /// `P(CONDITION [at|by S])`: 1 in a run where the condition holds at the
    /// step (`at`, and with no step) or held at some step up to it (`by`),
    /// else 0.
    Prob {
        /// The condition.
        condition: Expr,
        /// At the step, or at some step up to it.
        mode: ProbMode,
        /// The step (the horizon when absent).
        step: Option<Steps>,
    },
    /// `factor [at S]`: the factor's value at the step.
    Value {
        /// The factor.
        node: NodeId,
        /// The step (the horizon when absent).
        at: Option<Steps>,
    },
}

impl Measure {
    /// The step it asks about, as written (the horizon when `None`).
    #[must_use]
    pub fn step(&self) -> Option<&Steps> {
        match &self.kind {
            MeasureKind::Prob { step, .. } => step.as_ref(),
            MeasureKind::Value { at, .. } => at.as_ref(),
        }
    }
}

/// Reads `measure` against `model`: its names, types and durations, as an
/// expectation's. `sources` holds the measure's text.
///
/// # Errors
/// Every problem found: an unknown name (with "did you mean"), a factor where
/// a condition is needed, an event or a parameter where a factor is, …
pub fn measure(
    model: &Model,
    sources: &SourceMap,
    measure: &ast::Measure,
    limits: &Limits,
) -> Result<Measure, Vec<CheckError>> {
    let mut c = Checker::new(limits);
    c.known = Some(model);
    for (i, n) in model.nodes.iter().enumerate() {
        c.symbols.insert(
            n.name.clone(),
            (Symbol::Node(NodeId::from_index(i)), n.span),
        );
    }
    for (i, p) in model.params.iter().enumerate() {
        c.symbols.insert(
            p.name.clone(),
            (Symbol::Param(ParamId::from_index(i)), p.span),
        );
    }
    for (i, a) in model.actors.iter().enumerate() {
        c.actors
            .insert(a.name.clone(), (ActorId::from_index(i), a.span));
    }
    let scope = Scope::default();
    const WHAT: &str = "the step of a measure";
    let (kind, span) = match measure {
        ast::Measure::Prob {
            condition,
            when,
            span,
        } => {
            let condition = c.cond(condition, scope);
            let (mode, step) = match when {
                Some((ast::ProbWhen::At, d)) => (ProbMode::At, Some(c.steps(d, scope, WHAT))),
                Some((ast::ProbWhen::By, d)) => (ProbMode::By, Some(c.steps(d, scope, WHAT))),
                None => (ProbMode::At, None),
            };
            let kind = MeasureKind::Prob {
                condition,
                mode,
                step,
            };
            (Some(kind), *span)
        }
        ast::Measure::Value { target, at, span } => {
            let at = at.as_ref().map(|d| c.steps(d, scope, WHAT));
            let node = c.node_ref(
                target,
                NodeKind::Factor,
                "a value is a factor's; for an event write `P(event)`, which is 1 in the runs where it happened",
            );
            (node.map(|node| MeasureKind::Value { node, at }), *span)
        }
    };
    match kind {
        Some(kind) if c.errors.is_empty() => Ok(Measure {
            kind,
            text: sources
                .text(span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            span,
        }),
        _ => Err(c.errors),
    }
}

/// Adds `text` to `sources` as file `name`, parses it as a measure and reads
/// it against `model`: [`crate::syntax::parse_measure`] then [`measure`], in one
/// call. The diagnostics point into the new file.
///
/// # Errors
/// The syntax error, or every problem [`measure`] finds.
pub fn read(
    model: &Model,
    sources: &mut SourceMap,
    name: &str,
    text: &str,
    limits: &Limits,
) -> Result<Measure, Vec<crate::Diagnostic>> {
    let file = sources.add(name, text);
    let parsed = crate::syntax::parse_measure(file, text, limits)
        .map_err(|e| vec![crate::Diagnostic::from(e)])?;
    self::measure(model, sources, &parsed, limits)
        .map_err(|errors| errors.into_iter().map(crate::Diagnostic::from).collect())
}

#[cfg(test)]
mod tests;
