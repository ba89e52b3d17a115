//! Design points in the unit hypercube: a grid, one-at-a-time ends, Morris
//! trajectories and the Saltelli matrices of Sobol indices.
//!
//! Every coordinate is a quantile in [0, 1] of its input's spread
//! ([`super::space::Input::at_quantile`]); the estimators never see the
//! inputs' units. Random designs draw from the counter-based generator keyed
//! by the seed, the row and the input's name, so a design is the same whatever
//! the thread count and whatever order the inputs are declared in.

use crate::rng::{self, Purpose, Rng};

/// The draw for row `row`, coordinate `name`, purpose `what` of a design.
fn unit(rng: &Rng, row: u64, name: &str, what: u32) -> f64 {
    rng.unit(
        row,
        rng::stream(&format!("study:{name}")),
        what,
        Purpose::Generate,
    )
}

/// `k` equally spaced values from `lo` to `hi`, both included (`k` ≥ 2).
#[must_use]
pub fn linspace(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    let last = k.saturating_sub(1).max(1) as f64;
    // Kept within [lo, hi]: rounding past HI would leave a declared range.
    (0..k)
        .map(|i| (lo + (hi - lo) * i as f64 / last).clamp(lo, hi))
        .collect()
}

/// Every combination of the axes' values, the last axis varying fastest.
#[must_use]
pub fn grid(axes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut rows: Vec<Vec<f64>> = vec![Vec::new()];
    for axis in axes {
        rows = rows
            .iter()
            .flat_map(|r| {
                axis.iter().map(move |v| {
                    let mut r = r.clone();
                    r.push(*v);
                    r
                })
            })
            .collect();
    }
    rows
}

/// One Morris trajectory: `k + 1` points, each after the first moving one
/// input by ±`delta`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// The points, in unit coordinates.
    pub points: Vec<Vec<f64>>,
    /// For each step, the input it moved and by how much (±delta).
    pub moves: Vec<(usize, f64)>,
}

/// `r` Morris trajectories over inputs named `names`, on a grid of `levels`
/// levels with the step Δ = levels / (2 (levels − 1)) (Morris 1991; Campolongo,
/// Cariboni and Saltelli 2007). Each trajectory starts at a random level and
/// moves every input once, in a random order, up by Δ where it can and down
/// otherwise.
#[must_use]
pub fn morris(names: &[String], r: usize, levels: usize, seed: u64) -> Vec<Trajectory> {
    let rng = Rng::new(seed);
    let k = names.len();
    let p = levels.max(2);
    let step = 1.0 / (p - 1) as f64;
    let delta = p as f64 / (2.0 * (p - 1) as f64);
    (0..r)
        .map(|t| {
            let row = t as u64;
            let mut x: Vec<f64> = names
                .iter()
                .map(|n| {
                    let level = (unit(&rng, row, n, 0) * p as f64)
                        .floor()
                        .min((p - 1) as f64);
                    level * step
                })
                .collect();
            // A random order: sort the inputs by a draw of each.
            let mut order: Vec<(f64, usize)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (unit(&rng, row, n, 1), i))
                .collect();
            order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut points = Vec::with_capacity(k + 1);
            let mut moves = Vec::with_capacity(k);
            points.push(x.clone());
            for (_, i) in order {
                let d = if x[i] + delta <= 1.0 + 1e-12 {
                    delta
                } else {
                    -delta
                };
                x[i] = (x[i] + d).clamp(0.0, 1.0);
                moves.push((i, d));
                points.push(x.clone());
            }
            Trajectory { points, moves }
        })
        .collect()
}

/// The two independent `n` × k sample matrices A and B of Saltelli's design,
/// in unit coordinates (rows of plain pseudo-random draws).
#[must_use]
pub fn saltelli(names: &[String], n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let rng = Rng::new(seed);
    let matrix = |what: u32| -> Vec<Vec<f64>> {
        (0..n as u64)
            .map(|row| names.iter().map(|nm| unit(&rng, row, nm, what)).collect())
            .collect()
    };
    (matrix(2), matrix(3))
}

/// A with column `i` taken from B: the points of the matrix AB(i).
#[must_use]
pub fn mixed(a: &[Vec<f64>], b: &[Vec<f64>], i: usize) -> Vec<Vec<f64>> {
    a.iter()
        .zip(b)
        .map(|(ra, rb)| {
            let mut r = ra.clone();
            r[i] = rb[i];
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_holds_every_combination() {
        let g = grid(&[linspace(0.0, 1.0, 3), vec![10.0, 20.0]]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], [0.0, 10.0]);
        assert_eq!(g[1], [0.0, 20.0]);
        assert_eq!(g[5], [1.0, 20.0]);
    }

    #[test]
    fn a_trajectory_moves_each_input_once_by_delta() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        for t in morris(&names, 20, 4, 7) {
            assert_eq!(t.points.len(), 4);
            let mut moved: Vec<usize> = t.moves.iter().map(|m| m.0).collect();
            moved.sort_unstable();
            assert_eq!(moved, [0, 1, 2]);
            for (w, &(i, d)) in t.points.windows(2).zip(&t.moves) {
                assert!((w[1][i] - w[0][i] - d).abs() < 1e-12);
                assert!((d.abs() - 2.0 / 3.0).abs() < 1e-12);
                assert!(w[1].iter().all(|v| (0.0..=1.0).contains(v)));
            }
        }
    }

    #[test]
    fn designs_do_not_depend_on_the_inputs_order() {
        let ab: Vec<String> = vec!["a".into(), "b".into()];
        let ba: Vec<String> = vec!["b".into(), "a".into()];
        let (a1, _) = saltelli(&ab, 4, 1);
        let (a2, _) = saltelli(&ba, 4, 1);
        for (r1, r2) in a1.iter().zip(&a2) {
            assert_eq!((r1[0], r1[1]), (r2[1], r2[0]));
        }
    }
}
