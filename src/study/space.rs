//! The uncertainty space of a study: the inputs it varies (parameters with a
//! plausible range, and with `--include words` every rule's likelihood word
//! within its interval), their values in the scenario, and the parameters it
//! leaves fixed because they have no range.
//!
//! Inputs are kept in the order of their names, so a study does not depend on
//! the order the model declares them in.

use crate::check::Model;
use crate::check::model::{Likelihood, ParamId, RuleId, ScenarioId};
use crate::check::values::{self, Override, OverrideTarget};
use crate::eval::EvalError;
use crate::limits::Limits;
use crate::span::Span;
use crate::syntax::ast::Spread;

use super::StudyError;

/// What an input changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A parameter.
    Param(ParamId),
    /// A rule's likelihood word, within the word's interval.
    Word(RuleId),
}

/// One input of a study.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The parameter's name, or `rule NAME` for a likelihood word.
    pub name: String,
    /// What it changes.
    pub kind: InputKind,
    /// The low end of its plausible span.
    pub lo: f64,
    /// The high end of its plausible span.
    pub hi: f64,
    /// Its value in the scenario (a word's point value).
    pub value: f64,
    /// How plausibility is spread over the span.
    pub spread: Spread,
    /// Its declaration.
    pub span: Span,
}

impl Input {
    /// The value at quantile `u` in [0, 1] of its spread: `lo + u (hi - lo)`
    /// when uniform; the inverse of the triangular distribution with its mode
    /// at the value when triangular.
    #[must_use]
    pub fn at_quantile(&self, u: f64) -> f64 {
        let (a, b, c) = (self.lo, self.hi, self.value.clamp(self.lo, self.hi));
        // Rounding must not step outside the range, which a point's values are
        // checked against: 0.3 + 1 × 0.6 is 0.9000000000000001.
        let v = match self.spread {
            Spread::Uniform => a + u * (b - a),
            Spread::Triangular => {
                let w = b - a;
                if w <= 0.0 {
                    return a;
                }
                let f = (c - a) / w;
                if u < f {
                    a + libm::sqrt(u * w * (c - a))
                } else {
                    b - libm::sqrt((1.0 - u) * w * (b - c))
                }
            }
        };
        v.clamp(a, b)
    }

    /// The override that sets it to `v` for one point.
    #[must_use]
    pub fn set(&self, v: f64) -> Override {
        let target = match self.kind {
            InputKind::Param(p) => OverrideTarget::Param(p),
            InputKind::Word(r) => OverrideTarget::Rule(r),
        };
        Override {
            target,
            value: v,
            text: format!("{}={}", self.name, crate::check::format_number(v)),
        }
    }
}

/// The inputs a study can vary in one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    /// Parameters with a range, then words when asked for; each by name.
    pub inputs: Vec<Input>,
    /// Parameters without a range, held at their values, by name.
    pub fixed: Vec<(ParamId, f64)>,
}

impl Space {
    /// The overrides that put each input at its quantile in `u` (one per
    /// input, in order): a design point in the unit cube, as values.
    #[must_use]
    pub fn at_quantiles(&self, u: &[f64]) -> Vec<Override> {
        self.inputs
            .iter()
            .zip(u)
            .map(|(input, &q)| input.set(input.at_quantile(q)))
            .collect()
    }

    /// The space of `scenario` under `overrides`, with every rule's likelihood
    /// word among the inputs when `words`.
    ///
    /// # Errors
    /// The scenario's values do not pass their checks.
    pub fn of(
        model: &Model,
        scenario: ScenarioId,
        overrides: &[Override],
        words: bool,
        limits: &Limits,
    ) -> Result<Space, StudyError> {
        let resolved =
            values::resolve(model, scenario, overrides, limits).map_err(|e| StudyError::Point {
                point: String::new(),
                error: Box::new(EvalError::Values(e)),
            })?;
        let mut inputs = Vec::new();
        let mut fixed = Vec::new();
        for (i, p) in model.params.iter().enumerate() {
            let id = ParamId::from_index(i);
            let value = resolved.params[i];
            match &p.range {
                Some((lo, hi)) => inputs.push(Input {
                    name: p.name.clone(),
                    kind: InputKind::Param(id),
                    lo: resolved.constant(lo),
                    hi: resolved.constant(hi),
                    value,
                    spread: p.spread,
                    span: p.span,
                }),
                None => fixed.push((id, value)),
            }
        }
        if words {
            let lineage = model.lineage(scenario);
            for (i, r) in model.rules.iter().enumerate() {
                let id = RuleId::from_index(i);
                let in_scenario = r.scenario.is_none_or(|s| lineage.contains(&s));
                let disabled = lineage.iter().any(|s| {
                    model.scenarios[s.index()]
                        .without
                        .iter()
                        .any(|(w, _)| *w == id)
                });
                if !in_scenario || disabled {
                    continue;
                }
                if let Some(Likelihood::Word { word, value, span }) = &r.likelihood
                    && let Some(w) = model.scale.word(word)
                {
                    inputs.push(Input {
                        name: format!("rule {}", r.name),
                        kind: InputKind::Word(id),
                        lo: w.lo,
                        hi: w.hi,
                        value: *value,
                        spread: Spread::Uniform,
                        span: *span,
                    });
                }
            }
        }
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
        fixed.sort_by(|a, b| {
            model.params[a.0.index()]
                .name
                .cmp(&model.params[b.0.index()].name)
        });
        Ok(Space { inputs, fixed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(spread: Spread) -> Input {
        Input {
            name: "k".into(),
            kind: InputKind::Param(ParamId::from_index(0)),
            lo: 0.0,
            hi: 2.0,
            value: 0.5,
            spread,
            span: Span::default(),
        }
    }

    #[test]
    fn quantiles_follow_the_spread() {
        let u = input(Spread::Uniform);
        assert_eq!(
            (u.at_quantile(0.0), u.at_quantile(0.25), u.at_quantile(1.0)),
            (0.0, 0.5, 2.0)
        );
        let t = input(Spread::Triangular);
        // The mode's quantile is (c - a) / (b - a) = 0.25.
        assert!((t.at_quantile(0.25) - 0.5).abs() < 1e-12);
        assert_eq!((t.at_quantile(0.0), t.at_quantile(1.0)), (0.0, 2.0));
        // The median of triangular(0, 0.5, 2): b - sqrt(0.5 · 2 · 1.5).
        assert!((t.at_quantile(0.5) - (2.0 - 1.5f64.sqrt())).abs() < 1e-12);
    }
}
