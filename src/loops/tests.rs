//! Loops with known polarity: textbook models and small inline ones.

use super::*;
use crate::check::model::BASELINE;

fn model(text: &str) -> Model {
    crate::testing::analyzed(text).model.expect("a model")
}

/// Each loop as `LABEL: a → b → a (rules)`.
fn loops_of(text: &str) -> Vec<String> {
    let m = model(text);
    let g = Graph::of_scenario(&m, BASELINE);
    find(&m, &g, 100)
        .expect("under the limit")
        .iter()
        .map(|l| {
            let mut names: Vec<String> =
                l.nodes().iter().map(|n| m.node(*n).name.clone()).collect();
            names.push(names[0].clone());
            let by: Vec<String> = l
                .links
                .iter()
                .map(|k| {
                    let words: Vec<String> = k.by.iter().map(|b| mechanism(&m, *b, k.to)).collect();
                    format!("{}{}", k.sign.symbol(), words.join("+"))
                })
                .collect();
            format!("{}: {} ({})", l.label, names.join(" → "), by.join(", "))
        })
        .collect()
}

const HEADER: &str = "model \"m\" { horizon 10 steps }\n";

#[test]
fn textbook_loops_have_their_known_polarity() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/loops.whatif"
    ))
    .expect("the textbook model");
    assert_eq!(
        loops_of(&text),
        vec![
            // Adopters recruit adopters (+) while fewer are left to recruit (−):
            // one link whose sign depends on the level, so indeterminate.
            "I1: market.adoption → market.adoption (?word_of_mouth)",
            "B1: room.temperature → room.temperature (−heating)",
            "R1: savings.balance → savings.balance (+compound_interest)",
        ]
    );
}

#[test]
fn two_negative_links_reinforce_and_one_balances() {
    let text = format!(
        "{HEADER}factor trust = 0.5\nfactor outages = 0.5\nfactor staff = 0.5\nfactor budget = 0.5\n\
         rule erode: while outages > 0.3 then trust -= 0.1\n\
         rule churn: while trust < 0.4 then budget -= 0.1\n\
         rule hire: while budget > 0.5 then staff += 0.1\n\
         rule fix: while staff > 0.5 then outages -= 0.1\n\
         rule alarm: while outages > 0.6 then staff += 0.1\n"
    );
    assert_eq!(
        loops_of(&text),
        vec![
            "B1: outages → staff → outages (+alarm, −fix)",
            "R1: budget → staff → outages → trust → budget (+hire, −fix, −erode, +churn)",
        ]
    );
}

#[test]
fn opposite_mechanisms_on_one_link_make_two_loops() {
    let text = format!(
        "{HEADER}factor a = 0.5\nfactor b = 0.5\nevent e\n\
         rule up: while a > 0.5 then b += 0.1\n\
         rule also_up: when a > 0.8 then b += 0.2\n\
         rule down: while a > 0.9 then b -= 0.1\n\
         rule back: while b > 0.5 then a += 0.1\n\
         rule branch: when e then one of {{ a += 0.1 p = 0.5  a -= 0.1 p = 0.5 }}\n"
    );
    assert_eq!(
        loops_of(&text),
        vec![
            "R1: a → b → a (+up+also_up, +back)",
            "B1: a → b → a (−down, +back)",
        ]
    );
}

#[test]
fn definitions_and_hazards_close_loops() {
    let text = format!(
        "{HEADER}factor load = 0.5\nfactor pressure := load * 2 in [0, 2]\n\
         event failure hazard = 0.01 * pressure\n\
         rule shed: when failure then load -= 0.3\n"
    );
    assert_eq!(
        loops_of(&text),
        vec![
            "B1: failure → load → pressure → failure (−shed, +definition of pressure, +hazard of failure)"
        ]
    );
}

#[test]
fn a_scenario_adds_its_rules_and_drops_the_disabled() {
    let text = format!(
        "{HEADER}factor a = 0.5\nfactor b = 0.5\n\
         rule ab: while a > 0.5 then b += 0.1\n\
         rule ba: while b > 0.5 then a += 0.1\n\
         scenario s {{ without rule ba\n rule self: while a > 0.1 then a -= 0.01 }}\n"
    );
    let m = model(&text);
    let s = m.scenario_named("s").expect("scenario s");
    let base = find(&m, &Graph::of_scenario(&m, BASELINE), 10).expect("loops");
    let in_s = find(&m, &Graph::of_scenario(&m, s), 10).expect("loops");
    assert_eq!(base.len(), 1);
    assert_eq!(base[0].polarity, Polarity::Reinforcing);
    assert_eq!(in_s.len(), 1);
    assert_eq!(in_s[0].links.len(), 1);
    assert_eq!(in_s[0].polarity, Polarity::Balancing);
}

#[test]
fn too_many_loops_is_an_error() {
    // Every factor pushes every other: 2-cycles alone number C(6, 2) = 15.
    let mut text = HEADER.to_string();
    for i in 0..6 {
        text.push_str(&format!("factor f{i} = 0.5\n"));
    }
    for i in 0..6 {
        for j in 0..6 {
            if i != j {
                text.push_str(&format!(
                    "rule r{i}_{j}: while f{i} > 0.5 then f{j} += 0.01\n"
                ));
            }
        }
    }
    let m = model(&text);
    let g = Graph::of_scenario(&m, BASELINE);
    assert_eq!(find(&m, &g, 10), Err(LoopsError::TooMany { limit: 10 }));
    // 6 nodes, complete: Σ_k C(6,k)(k−1)! = 15 + 40 + 90 + 144 + 120 = 409.
    assert_eq!(find(&m, &g, 1000).map(|l| l.len()), Ok(409));
}
