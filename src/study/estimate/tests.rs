//! The estimators against closed forms, on plain functions of unit inputs.

use super::*;
use crate::study::design;

fn names(k: usize) -> Vec<String> {
    (0..k).map(|i| format!("x{i}")).collect()
}

/// Sobol indices of `f` over `k` uniform inputs from `n` base samples.
fn sobol_of(f: impl Fn(&[f64]) -> f64, k: usize, n: usize) -> Vec<Sobol> {
    let (a, b) = design::saltelli(&names(k), n, 11);
    let fa: Vec<f64> = a.iter().map(|x| f(x)).collect();
    let fb: Vec<f64> = b.iter().map(|x| f(x)).collect();
    let fab: Vec<Vec<f64>> = (0..k)
        .map(|i| design::mixed(&a, &b, i).iter().map(|x| f(x)).collect())
        .collect();
    sobol(&fa, &fb, &fab, 200, 0.99, 3)
}

fn near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

#[test]
fn an_additive_model_has_equal_first_and_total_indices() {
    // y = 2 x0 + x1 + 0 x2: V = (4 + 1) / 12, S0 = 4/5, S1 = 1/5, S2 = 0.
    let s = sobol_of(|x| 2.0 * x[0] + x[1], 3, 4096);
    for (i, want) in [0.8, 0.2, 0.0].into_iter().enumerate() {
        near(s[i].first, want, 0.05, "first");
        near(s[i].total, want, 0.05, "total");
        assert!(s[i].total_interval.0 <= want + 0.02 && want - 0.02 <= s[i].total_interval.1);
    }
    // An input the function ignores has a total index of exactly 0: every
    // AB(2) row gives the same value as the A row.
    assert_eq!(s[2].total, 0.0);
}

#[test]
fn a_product_splits_its_variance_into_main_effects_and_an_interaction() {
    // y = x0 x1: V = 1/9 − 1/16 = 7/144, V0 = V1 = 1/48 = 3/144, so
    // S = 3/7 and ST = 1 − 3/7 = 4/7 for each.
    let s = sobol_of(|x| x[0] * x[1], 2, 8192);
    for si in &s {
        near(si.first, 3.0 / 7.0, 0.05, "first");
        near(si.total, 4.0 / 7.0, 0.05, "total");
    }
}

#[test]
fn an_input_that_acts_only_through_an_interaction_has_no_first_order_index() {
    // y = x0 + 4 (x1 − ½)(x2 − ½): E[y | x1] does not move with x1, so S1 = 0,
    // while ST1 = V(interaction) / V = (16/144) / (1/12 + 16/144) = 4/7.
    let s = sobol_of(|x| x[0] + 4.0 * (x[1] - 0.5) * (x[2] - 0.5), 3, 8192);
    near(s[1].first, 0.0, 0.05, "first");
    near(s[1].total, 4.0 / 7.0, 0.06, "total");
    assert!(s[1].total_interval.0 > 0.3);
}

#[test]
fn elementary_effects_of_a_linear_function_are_its_slopes() {
    let n = names(3);
    let f = |x: &[f64]| 3.0 * x[0] - x[1];
    let mut effects = vec![Vec::new(); 3];
    for t in design::morris(&n, 10, 4, 5) {
        for (w, &(i, d)) in t.points.windows(2).zip(&t.moves) {
            effects[i].push((f(&w[1]) - f(&w[0])) / d);
        }
    }
    let m: Vec<(f64, f64, f64)> = effects.iter().map(|e| morris(e)).collect();
    near(m[0].0, 3.0, 1e-9, "mu* x0");
    near(m[1].1, -1.0, 1e-9, "mu x1");
    near(m[0].2, 0.0, 1e-9, "sigma x0");
    assert_eq!(m[2], (0.0, 0.0, 0.0));
}

#[test]
fn a_paired_difference_on_the_same_draws_has_no_noise_when_they_move_together() {
    let a = [0.0, 1.0, 0.0, 1.0];
    let b = [1.0, 2.0, 1.0, 2.0];
    assert_eq!(paired(&a, &b, 1.96), (1.0, 0.0));
    let (d, half) = paired(&a, &[0.0, 0.0, 1.0, 1.0], 1.96);
    assert_eq!(d, 0.0);
    assert!(half > 0.5);
}
