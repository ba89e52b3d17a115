//! Exact evaluation: every outcome enumerated, the joint distribution carried
//! step by step.
//!
//! The distribution over whole states (every value, counter, rule memory and
//! pending effect) is propagated one step at a time. Within a step, each state
//! is advanced once per combination of the outcomes of the draws it meets
//! (found by replaying the step with a script of choices, depth first); states
//! that end up equal are merged and their probabilities added. Because whole
//! states are carried, dependence between events that share causes, and over
//! time, is exact — nothing is multiplied as if independent.
//!
//! It works when every draw has finitely many outcomes: likelihoods, hazards,
//! priors, branches, ranged delays and `bernoulli` starting values; a
//! `uniform`, `triangular` or `normal` starting value is out of reach. It stops
//! with an error naming the reason when the number of distinct states passes
//! [`MAX_STATES`], or the outcomes enumerated pass [`MAX_OUTCOMES`]; and with a
//! limit's error when the outcomes' work (each is one step of a simulator) or
//! the memory the states and recorded values hold passes `--max-work` or
//! `--max-memory`, which it counts as it goes.

use std::collections::HashMap;

use super::EvalError;
use super::Options;
use super::compile::Program;
use super::results::{Results, wilson};
use super::sim::{Chooser, Sim};
use super::stats::Layout;
use crate::check::values::StartValue;
use crate::limits::{Limit, Limits};
use crate::rng::Purpose;

/// The most distinct states carried from one step to the next.
pub const MAX_STATES: usize = 100_000;
/// The most outcomes enumerated in one evaluation.
pub const MAX_OUTCOMES: u64 = 20_000_000;

/// Follows a script of choices; a draw beyond the script takes its first
/// outcome and records how many there are.
struct Script {
    /// (chosen outcome, number of outcomes, probabilities) per draw so far.
    choices: Vec<(usize, Vec<f64>)>,
    at: usize,
    /// A continuous draw was met: not enumerable.
    continuous: bool,
}

impl Script {
    fn choose(&mut self, probs: Vec<f64>) -> usize {
        if self.at < self.choices.len() {
            let c = self.choices[self.at].0;
            self.at += 1;
            return c;
        }
        // The first outcome with positive probability.
        let first = probs.iter().position(|&p| p > 0.0).unwrap_or(0);
        self.choices.push((first, probs));
        self.at += 1;
        first
    }

    /// Moves to the next script in depth-first order; false when done.
    fn next(&mut self) -> bool {
        while let Some((c, probs)) = self.choices.last_mut() {
            if let Some(n) = (*c + 1..probs.len()).find(|&i| probs[i] > 0.0) {
                *c = n;
                self.at = 0;
                return true;
            }
            self.choices.pop();
        }
        false
    }

    fn probability(&self) -> f64 {
        self.choices.iter().map(|(c, p)| p[*c]).product()
    }
}

impl Chooser for Script {
    fn chance(&mut self, p: f64, _stream: u64, _step: u32, _purpose: Purpose) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        self.choose(vec![p, 1.0 - p]) == 0
    }

    fn pick(&mut self, lo: u32, hi: u32, _stream: u64, _step: u32) -> u32 {
        let n = (hi - lo + 1) as usize;
        lo + self.choose(vec![1.0 / n as f64; n]) as u32
    }

    fn branch(&mut self, ps: &[f64], _stream: u64, _step: u32) -> Option<usize> {
        let mut probs = ps.to_vec();
        probs.push((1.0 - ps.iter().sum::<f64>()).max(0.0));
        let c = self.choose(probs);
        (c < ps.len()).then_some(c)
    }

    fn start(&mut self, s: &StartValue, _stream: u64) -> f64 {
        match *s {
            StartValue::Const(v) => v,
            StartValue::Bernoulli(p) => {
                if p >= 1.0 {
                    1.0
                } else if p <= 0.0 {
                    0.0
                } else if self.choose(vec![p, 1.0 - p]) == 0 {
                    1.0
                } else {
                    0.0
                }
            }
            StartValue::Uniform(a, b) | StartValue::Triangular(a, _, b) if a == b => a,
            StartValue::Normal(m, 0.0) => m,
            _ => {
                self.continuous = true;
                0.0
            }
        }
    }
}

/// One state and its probability, plus whether each probe has held so far.
#[derive(Clone)]
struct Weighted<'p, 'm> {
    sim: Sim<'p, 'm>,
    weight: f64,
    seen: Vec<bool>,
}

/// The bytes the states of two steps and the index hold: each list's and the
/// map's allocated slots (not only the used ones) and `heap`, what the states
/// hold themselves, plus an eighth for what the allocator rounds up.
fn held_bytes(
    states: &[Weighted<'_, '_>],
    next: &Vec<Weighted<'_, '_>>,
    index: &HashMap<Vec<u64>, usize>,
    heap: u64,
) -> u64 {
    let slot = std::mem::size_of::<Weighted<'_, '_>>() as u64;
    let entry = std::mem::size_of::<(Vec<u64>, usize)>() as u64 + 1;
    let lists = (states.len() + next.capacity()) as u64 * slot;
    let map = index.capacity() as u64 * entry;
    let total = lists.saturating_add(map).saturating_add(heap);
    total.saturating_add(total / 8)
}

/// Evaluates `p` exactly.
///
/// # Errors
/// [`EvalError::ExactOutOfReach`] with the reason; a fault in some outcome.
pub fn evaluate(p: &Program<'_>, options: &Options, limits: &Limits) -> Result<Results, EvalError> {
    // The arrays of results per node and step, like Monte Carlo's shared part.
    super::budget::Memory::of(p).workers(1, limits)?;
    let layout = Layout::of(p);
    // What each outcome costs (one step of a simulator) and what each state
    // and each recorded factor value holds, for the work and memory limits.
    let items = (p.nodes.len() + p.rules.len()) as u64;
    let first = Sim::new(p, false);
    // What the states hold beyond their slots in a list: their simulators'
    // vectors, their records of probes, and the keys that find them in the
    // index. Measured as each state is kept, not guessed, so that the limit
    // is reached before the memory is.
    let mut key = Vec::new();
    let mut heap_now = first.heap_bytes() + layout.probes as u64;
    let mut recorded: u64 = 0;
    let steps = layout.steps;
    let mut outcomes: u64 = 0;
    let mut states: Vec<Weighted<'_, '_>> = vec![Weighted {
        sim: first,
        weight: 1.0,
        seen: vec![false; layout.probes],
    }];
    let mut events = vec![vec![0.0; steps]; layout.events.len()];
    let mut factor_values: Vec<Vec<Vec<(f64, f64)>>> =
        vec![vec![Vec::new(); steps]; layout.factors.len()];
    let mut bounded = vec![0.0; layout.factors.len()];
    let mut bounded_from: Vec<Option<u32>> = vec![None; layout.factors.len()];
    let mut probes = vec![(vec![0.0; steps], vec![0.0; steps]); layout.probes];
    for t in 0..=p.horizon {
        let mut next: Vec<Weighted<'_, '_>> = Vec::new();
        let mut index: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut heap_next: u64 = 0;
        for state in &states {
            let mut script = Script {
                choices: Vec::new(),
                at: 0,
                continuous: false,
            };
            loop {
                let mut sim = state.sim.clone();
                script.at = 0;
                if t == 0 {
                    sim.start_run(&mut script);
                }
                sim.advance(t, &mut script)
                    .map_err(|f| super::montecarlo::fault_error(p, 0, f))?;
                if script.continuous {
                    return Err(EvalError::ExactOutOfReach {
                        reason: "a starting value is drawn from a continuous distribution (uniform, triangular or normal)".to_string(),
                    });
                }
                outcomes += 1;
                if outcomes % 1024 == 1 && options.cancelled() {
                    return Err(EvalError::Cancelled);
                }
                if outcomes.saturating_mul(items) > limits.work {
                    return Err(EvalError::LimitReached {
                        which: Limit::Work,
                        limit: limits.work,
                    });
                }
                let held = held_bytes(&states, &next, &index, heap_now + heap_next)
                    .saturating_add(recorded.saturating_mul(16));
                if held > limits.memory {
                    return Err(EvalError::LimitReached {
                        which: Limit::Memory,
                        limit: limits.memory,
                    });
                }
                if outcomes > MAX_OUTCOMES {
                    return Err(EvalError::ExactOutOfReach {
                        reason: format!(
                            "more than {MAX_OUTCOMES} outcomes to enumerate by step {t}"
                        ),
                    });
                }
                let weight = state.weight * script.probability();
                let mut seen = state.seen.clone();
                for (q, s) in seen.iter_mut().enumerate() {
                    *s = *s || sim.probe(q, t);
                }
                sim.state_key(&seen, &mut key);
                match index.get(&key) {
                    Some(&i) => next[i].weight += weight,
                    None => {
                        if next.len() >= MAX_STATES {
                            return Err(EvalError::ExactOutOfReach {
                                reason: format!(
                                    "more than {MAX_STATES} distinct states at step {t}"
                                ),
                            });
                        }
                        heap_next += sim.heap_bytes() + seen.len() as u64 + 8 * key.len() as u64;
                        index.insert(key.clone(), next.len());
                        next.push(Weighted { sim, weight, seen });
                    }
                }
                if !script.next() {
                    break;
                }
            }
        }
        let ti = t as usize;
        for state in &mut next {
            let w = state.weight;
            for (k, &e) in layout.events.iter().enumerate() {
                events[k][ti] += w * state.sim.values[e as usize];
            }
            recorded += layout.factors.len() as u64;
            for (k, &f) in layout.factors.iter().enumerate() {
                factor_values[k][ti].push((state.sim.values[f as usize], w));
                if t == p.horizon && state.sim.bounded_first[f as usize] != super::sim::NEVER {
                    bounded[k] += w;
                    let b = state.sim.bounded_first[f as usize];
                    bounded_from[k] = Some(bounded_from[k].map_or(b, |x| x.min(b)));
                }
            }
            for q in 0..layout.probes {
                if state.sim.probe(q, t) {
                    probes[q].0[ti] += w;
                }
                if state.seen[q] {
                    probes[q].1[ti] += w;
                }
            }
        }
        states = next;
        heap_now = heap_next;
    }
    Ok(finish(
        p,
        &layout,
        options,
        events,
        factor_values,
        bounded,
        bounded_from,
        probes,
    ))
}

/// The weighted `q` quantile: the smallest value whose cumulative weight reaches q.
fn weighted_quantile(values: &mut [(f64, f64)], q: f64) -> f64 {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = values.iter().map(|v| v.1).sum();
    let mut cum = 0.0;
    for &(v, w) in values.iter() {
        cum += w;
        if cum >= q * total - 1e-12 {
            return v;
        }
    }
    values.last().map_or(f64::NAN, |v| v.0)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    p: &Program<'_>,
    layout: &Layout,
    options: &Options,
    events: Vec<Vec<f64>>,
    mut factor_values: Vec<Vec<Vec<(f64, f64)>>>,
    bounded: Vec<f64>,
    bounded_from: Vec<Option<u32>>,
    probes: Vec<(Vec<f64>, Vec<f64>)>,
) -> Results {
    let model = p.model;
    let scenario = model.scenario(p.scenario);
    let events = layout
        .events
        .iter()
        .zip(events)
        .map(|(&e, by_step)| {
            let probability = by_step.last().copied().unwrap_or(0.0).clamp(0.0, 1.0);
            // The median first step: the first step where P(by t) reaches half of
            // P(by the horizon).
            let median_step = (probability > 0.0)
                .then(|| by_step.iter().position(|&v| v >= probability / 2.0 - 1e-12))
                .flatten()
                .and_then(|t| u32::try_from(t).ok());
            super::results::EventResult {
                name: model.nodes[e as usize].name.clone(),
                probability,
                ci: (probability, probability),
                ci95: (probability, probability),
                median_step,
                happened: 0,
                by_step: by_step.into_iter().map(|v| v.clamp(0.0, 1.0)).collect(),
            }
        })
        .collect();
    let factors = layout
        .factors
        .iter()
        .enumerate()
        .map(|(k, &f)| {
            let rows = &mut factor_values[k];
            let mean: Vec<f64> = rows
                .iter()
                .map(|r| r.iter().map(|(v, w)| v * w).sum::<f64>())
                .collect();
            let sd = rows
                .iter()
                .zip(&mean)
                .map(|(r, m)| {
                    r.iter()
                        .map(|(v, w)| w * (v - m) * (v - m))
                        .sum::<f64>()
                        .max(0.0)
                        .sqrt()
                })
                .collect();
            let mut q = |level: f64| {
                rows.iter_mut()
                    .map(|r| weighted_quantile(r, level))
                    .collect::<Vec<f64>>()
            };
            super::results::FactorResult {
                name: model.nodes[f as usize].name.clone(),
                range: p.nodes[f as usize].range,
                mean,
                sd,
                p5: q(0.05),
                p50: q(0.5),
                p95: q(0.95),
                bounded_runs: u64::from(bounded[k] > 0.0),
                bounded_from: bounded_from[k],
            }
        })
        .collect();
    let _ = wilson;
    Results {
        model: model.title.clone(),
        scenario: scenario.name.clone(),
        title: scenario.title.clone(),
        horizon: p.horizon,
        runs: 0,
        seed: options.seed,
        exact: true,
        confidence: options.confidence,
        quantile_bins: 0,
        events,
        factors,
        steady: None,
        probes,
        explanations: Vec::new(),
        rule_runs: Vec::new(),
        scale: model.scale.clone(),
    }
}
