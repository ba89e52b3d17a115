//! `whatif sweep`: a grid over one or more parameters (`--vary
//! NAME=LO..HI[:K]`), each point evaluated on the same random numbers, the
//! other parameters at their values.

use serde::Serialize;

use super::space::{Input, InputKind};
use super::{Estimate, Study, StudyError};
use crate::check::Model;
use crate::check::did_you_mean;
use crate::span::{FileId, Span};
use crate::syntax::ast::Spread;

/// Points along a parameter when `:K` is left out.
pub const DEFAULT_POINTS: u64 = 5;
/// The most points along one parameter (a grid is their product, priced
/// against the work limit besides).
pub const MOST_POINTS: u64 = 10_000;

/// One parameter of a sweep and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The parameter.
    pub input: Input,
    /// Its values, from LO to HI.
    pub values: Vec<f64>,
}

impl Axis {
    /// Reads `NAME=LO..HI[:K]`, the whole text of file `file`, against `model`.
    ///
    /// # Errors
    /// A malformed text, an unknown parameter (with "did you mean"), a span
    /// outside the parameter's declared range, or fewer than 2 points.
    pub fn parse(model: &Model, file: FileId, text: &str) -> Result<Axis, StudyError> {
        let at = |start: usize, end: usize| Span::new(file, start, end);
        let bad = |start: usize, end: usize, problem: &str| StudyError::BadVary {
            at: at(start, end.max(start)),
            problem: problem.to_string(),
            help: "e.g. `--vary tipping_trust=0.2..0.6:9`".to_string(),
        };
        let Some(eq) = text.find('=') else {
            return Err(bad(0, text.len(), "no `=`"));
        };
        let name = text[..eq].trim();
        let Some(id) = model.param_named(name) else {
            let names = model.params.iter().map(|p| p.name.as_str());
            let help = did_you_mean(name, names).unwrap_or_else(|| {
                let all: Vec<&str> = model.params.iter().map(|p| p.name.as_str()).collect();
                if all.is_empty() {
                    "the model declares no parameter".to_string()
                } else {
                    format!("the parameters are {}", all.join(", "))
                }
            });
            return Err(StudyError::UnknownParameter {
                at: at(0, eq),
                name: name.to_string(),
                help,
            });
        };
        let rest = &text[eq + 1..];
        let base = eq + 1;
        let (span_text, k, k_at) = match rest.rfind(':') {
            Some(c) => {
                let k_text = rest[c + 1..].trim();
                let k = k_text
                    .parse::<u64>()
                    .map_err(|_| bad(base + c + 1, text.len(), "not a whole number of points"))?;
                (&rest[..c], k, (base + c + 1, text.len()))
            }
            None => (rest, DEFAULT_POINTS, (text.len(), text.len())),
        };
        let Some(dots) = span_text.find("..") else {
            return Err(bad(
                base,
                base + span_text.len(),
                "no `..` between LO and HI",
            ));
        };
        let number = |s: &str, start: usize| -> Result<f64, StudyError> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(start, start + s.len(), "not a number"))
        };
        let lo = number(&span_text[..dots], base)?;
        let hi = number(&span_text[dots + 2..], base + dots + 2)?;
        let span_at = at(base, base + span_text.len());
        if lo >= hi {
            return Err(bad(base, base + span_text.len(), "LO must be below HI"));
        }
        if k > MOST_POINTS {
            return Err(bad(k_at.0, k_at.1, "more than 10000 points"));
        }
        if k < 2 {
            return Err(StudyError::TooFewPoints {
                at: at(k_at.0, k_at.1),
                name: name.to_string(),
                k,
            });
        }
        let p = &model.params[id.index()];
        let declared = p.range.as_ref().map(|(l, h)| {
            let c = |e| crate::check::values::eval_const(e, &[], 1.0);
            (c(l), c(h))
        });
        if let Some((dl, dh)) = declared
            && (lo < dl || hi > dh)
        {
            return Err(StudyError::OutsideRange {
                at: span_at,
                name: name.to_string(),
                lo,
                hi,
                declared_lo: dl,
                declared_hi: dh,
            });
        }
        let (dl, dh) = declared.unwrap_or((lo, hi));
        let input = Input {
            name: name.to_string(),
            kind: InputKind::Param(id),
            lo: dl,
            hi: dh,
            value: lo,
            spread: Spread::Uniform,
            span: p.span,
        };
        let n = usize::try_from(k).unwrap_or(usize::MAX);
        Ok(Axis {
            input,
            values: super::design::linspace(lo, hi, n),
        })
    }
}

/// One point of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SweepPoint {
    /// Each measure's estimate, in the order of `measures`.
    pub estimates: Vec<Estimate>,
    /// Each varied parameter's value, in the order of `varied`.
    pub values: Vec<f64>,
}

/// A sweep's result: `whatif sweep --format json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Sweep {
    /// The confidence of the intervals (Monte Carlo noise only).
    pub confidence: f64,
    /// The parameters left at their values.
    pub fixed: Vec<String>,
    /// The measures, as written.
    pub measures: Vec<String>,
    /// Every point, the last varied parameter changing fastest.
    pub points: Vec<SweepPoint>,
    /// Runs at each point (1 for a model with no random draw).
    pub runs: u64,
    /// The scenario.
    pub scenario: String,
    /// The seed every point shares.
    pub seed: u64,
    /// The varied parameters.
    pub varied: Vec<String>,
}

impl Study<'_> {
    /// Evaluates the grid of `axes`, priced first.
    ///
    /// # Errors
    /// The study over budget, or a point's failure.
    pub fn sweep(&self, axes: &[Axis]) -> Result<Sweep, StudyError> {
        let values: Vec<Vec<f64>> = axes.iter().map(|a| a.values.clone()).collect();
        let grid = super::design::grid(&values);
        let runs = self.price(grid.len() as u64)?;
        let mut points = Vec::with_capacity(grid.len());
        for row in grid {
            let settings: Vec<_> = axes
                .iter()
                .zip(&row)
                .map(|(a, &v)| a.input.set(v))
                .collect();
            let samples = self.point(&settings)?;
            points.push(SweepPoint {
                estimates: (0..self.measures.len())
                    .map(|k| self.estimate(&samples, k))
                    .collect(),
                values: row,
            });
        }
        let varied: Vec<String> = axes.iter().map(|a| a.input.name.clone()).collect();
        let mut fixed: Vec<String> = self
            .model
            .params
            .iter()
            .map(|p| p.name.clone())
            .filter(|n| !varied.contains(n))
            .collect();
        fixed.sort();
        Ok(Sweep {
            confidence: self.options.confidence,
            fixed,
            measures: self.measures.iter().map(|m| m.text.clone()).collect(),
            points,
            runs,
            scenario: self.model.scenarios[self.scenario.index()].name.clone(),
            seed: self.options.seed,
            varied,
        })
    }
}
