//! The checker's diagnostics: every way a parsed model can be wrong or suspect.
//!
//! Errors stop evaluation; warnings do not. Each kind has a stable code
//! (`whatif::check::…`), a label on the offending span and, where there is a
//! concrete fix, a help line. Messages are lowercase, names in backticks.

use miette::Diagnostic;
use thiserror::Error;

use crate::limits::Limit;
use crate::span::Span;

/// A number as people read it: at most six significant digits, so that a
/// computed 1.2999999999999998 reads 1.3 and 3/7 reads 0.428571; whole numbers
/// up to 10^15 in full; larger and tiny ones as `1.5e20`, `2e-7`.
#[must_use]
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "infinity" } else { "-infinity" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let magnitude = v.abs();
    if !(1e-4..1e15).contains(&magnitude) {
        let text = format!("{v:.5e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    // Digits after the point for six significant ones; `log10` of a value in
    // range is within ±15, so the casts are exact.
    #[allow(clippy::cast_possible_truncation)]
    let digits = (5 - magnitude.log10().floor() as i32).max(0);
    let text = format!("{v:.*}", digits.unsigned_abs() as usize);
    let text = trim_zeros(&text);
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// `1.50000` → `1.5`, `2.000` → `2`; text without a point is kept.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// A number in a diagnostic: the value itself, displayed by [`format_number`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_number(self.0))
    }
}

/// A problem that makes the model unusable.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum CheckError {
    /// A name that refers to nothing.
    #[error("unknown {what} `{name}`")]
    #[diagnostic(code(whatif::check::unknown_name))]
    UnknownName {
        /// The name as written.
        #[label("not defined")]
        at: Span,
        /// What kind of thing was expected ("node", "scenario", "rule", …).
        what: &'static str,
        /// The name.
        name: String,
        /// "did you mean …?", or what exists.
        #[help]
        help: Option<String>,
    },
    /// Two definitions of one name.
    #[error("`{name}` is defined twice")]
    #[diagnostic(code(whatif::check::duplicate))]
    Duplicate {
        /// The second definition.
        #[label("defined again here")]
        at: Span,
        /// The first definition (same file).
        #[label("first defined here")]
        first: Option<Span>,
        /// The name.
        name: String,
        /// What to do (and where the first definition is, when in another file).
        #[help]
        help: String,
    },
    /// A keyword used as a name.
    #[error("`{name}` is a keyword and cannot name {what}")]
    #[diagnostic(
        code(whatif::check::keyword_name),
        help("choose another name, e.g. `{name}_`")
    )]
    KeywordName {
        /// The name.
        #[label("a keyword")]
        at: Span,
        /// The keyword.
        name: String,
        /// What it would have named.
        what: &'static str,
    },
    /// An event where a number is needed.
    #[error("the event `{name}` is used as a number")]
    #[diagnostic(
        code(whatif::check::event_as_number),
        help("an event is true or false; to count it as 1 or 0 write `if {name} then 1 else 0`")
    )]
    EventAsNumber {
        /// The reference.
        #[label("an event, not a number")]
        at: Span,
        /// The event.
        name: String,
    },
    /// A factor or parameter where a condition is needed.
    #[error("the {what} `{name}` is used as a condition")]
    #[diagnostic(
        code(whatif::check::number_as_condition),
        help("compare it to make a condition, e.g. `{name} > 0.5`")
    )]
    NumberAsCondition {
        /// The reference.
        #[label("a number, not a condition")]
        at: Span,
        /// "factor" or "parameter".
        what: &'static str,
        /// The name.
        name: String,
    },
    /// Any other mismatch between numbers and conditions.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(whatif::check::type_mismatch))]
    TypeMismatch {
        /// The expression.
        #[label("this is {found}")]
        at: Span,
        /// "a number" or "a condition".
        expected: &'static str,
        /// "a number" or "a condition".
        found: &'static str,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A value that must not change during a run reads the state.
    #[error("{what} must be a constant")]
    #[diagnostic(
        code(whatif::check::not_constant),
        help("use numbers and parameters here; nodes and `step` change during a run")
    )]
    NotConstant {
        /// The expression.
        #[label("reads the state")]
        at: Span,
        /// What must be constant.
        what: &'static str,
    },
    /// A function that does not exist.
    #[error("unknown function `{name}`")]
    #[diagnostic(code(whatif::check::unknown_function))]
    UnknownFunction {
        /// The call.
        #[label("not a function")]
        at: Span,
        /// The name.
        name: String,
        /// The functions that exist.
        #[help]
        help: String,
    },
    /// A function called with the wrong number of arguments.
    #[error("`{name}` takes {expected}, not {found}")]
    #[diagnostic(code(whatif::check::arity))]
    Arity {
        /// The call.
        #[label("{given}")]
        at: Span,
        /// The function.
        name: String,
        /// "1 argument", "at least 2 arguments", …
        expected: String,
        /// How many were given.
        found: usize,
        /// The same, with its noun: "1 argument", "3 arguments".
        given: String,
        /// How to call it: "write `clamp(x, lo, hi)`".
        #[help]
        help: String,
    },
    /// A distribution outside a starting value.
    #[error("`{name}` is a distribution and can only be a factor's starting value")]
    #[diagnostic(
        code(whatif::check::misplaced_distribution),
        help("give it as the whole starting value: `factor x = {name}(…)`")
    )]
    MisplacedDistribution {
        /// The call.
        #[label("a distribution")]
        at: Span,
        /// The distribution.
        name: String,
    },
    /// A value outside a factor's or parameter's range.
    #[error("{what} {value} is outside the range [{lo}, {hi}] of `{name}`")]
    #[diagnostic(code(whatif::check::out_of_range))]
    OutOfRange {
        /// The value.
        #[label("outside [{lo}, {hi}]")]
        at: Span,
        /// What the value is ("the starting value", "the held value", …).
        what: &'static str,
        /// The value.
        value: Num,
        /// The node or parameter.
        name: String,
        /// Lower end.
        lo: Num,
        /// Upper end.
        hi: Num,
        /// Where the value came from, when an override (`--set …`).
        #[help]
        help: Option<String>,
    },
    /// A probability outside [0, 1].
    #[error("{what} {value} is not a probability")]
    #[diagnostic(code(whatif::check::probability))]
    Probability {
        /// The value.
        #[label("must be between 0 and 1")]
        at: Span,
        /// What it is ("likelihood", "prior", …).
        what: &'static str,
        /// The value.
        value: Num,
        /// A hint (e.g. a percentage written as a number).
        #[help]
        help: Option<String>,
    },
    /// `one of` branches whose probabilities add up to more than 1.
    #[error("the branches of `one of` add up to {sum}, more than 1")]
    #[diagnostic(
        code(whatif::check::branch_sum),
        help(
            "at most one branch happens, so their probabilities must sum to at most 1 (the rest is the chance that none does)"
        )
    )]
    BranchSum {
        /// The `one of` block.
        #[label("sums to {sum}")]
        at: Span,
        /// The sum.
        sum: Num,
    },
    /// A likelihood word the scale does not have.
    #[error("unknown likelihood word `{word}`")]
    #[diagnostic(code(whatif::check::unknown_word))]
    UnknownWord {
        /// The word.
        #[label("not on the `{scale}` scale")]
        at: Span,
        /// The word.
        word: String,
        /// The scale's name.
        scale: String,
        /// The valid words.
        #[help]
        help: String,
    },
    /// A number beyond the magnitude a model's values may have.
    #[error("{what} {value} is beyond ±1e100, the largest magnitude of a model's values")]
    #[diagnostic(
        code(whatif::check::too_large),
        help(
            "whatif keeps every value a factor can take within ±1e100, so that every mean, spread and difference it reports is a finite number: measure the quantity in larger units"
        )
    )]
    Huge {
        /// The number.
        #[label("too large")]
        at: Span,
        /// What it is ("a range's end", "a distribution's parameter").
        what: &'static str,
        /// Its value.
        value: Num,
    },
    /// A range whose lower end is not below its upper end.
    #[error("the range [{lo}, {hi}] is {problem}")]
    #[diagnostic(code(whatif::check::bad_range))]
    BadRange {
        /// The range.
        #[label("{problem}")]
        at: Span,
        /// Lower end.
        lo: Num,
        /// Upper end.
        hi: Num,
        /// "reversed" or "empty".
        problem: &'static str,
        /// What to do.
        #[help]
        help: &'static str,
    },
    /// A horizon of zero or fewer steps.
    #[error("the horizon must be at least one step, not {steps}")]
    #[diagnostic(
        code(whatif::check::horizon),
        help("the horizon is how many steps a run lasts, e.g. `horizon 52 steps`")
    )]
    Horizon {
        /// The horizon.
        #[label("not a positive number of steps")]
        at: Span,
        /// Its value.
        steps: Num,
    },
    /// No horizon anywhere.
    #[error("the model has no horizon")]
    #[diagnostic(code(whatif::check::no_horizon))]
    NoHorizon {
        /// The model header, or the start of the file.
        #[label("no `horizon` here")]
        at: Span,
        /// Where to add it: to the header, or a header with it.
        #[help]
        help: String,
    },
    /// A duration that is not a whole number of steps.
    #[error("{what} is not a whole number of steps")]
    #[diagnostic(code(whatif::check::steps))]
    NotWholeSteps {
        /// The duration.
        #[label("{value} steps")]
        at: Span,
        /// What it is.
        what: String,
        /// Its value in steps.
        value: Num,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A delay below one step.
    #[error("a delay must be at least 1 step, not {steps}")]
    #[diagnostic(
        code(whatif::check::delay),
        help("effects land at the earliest on the next step; omit `after` for a delay of 1")
    )]
    Delay {
        /// The delay.
        #[label("less than one step")]
        at: Span,
        /// Its value.
        steps: Num,
    },
    /// A step range whose end comes before its start.
    #[error("{what} ends ({hi}) before it starts ({lo})")]
    #[diagnostic(
        code(whatif::check::reversed_steps),
        help("write the earlier step first")
    )]
    ReversedSteps {
        /// The range.
        #[label("reversed")]
        at: Span,
        /// What it is.
        what: &'static str,
        /// Start.
        lo: u64,
        /// End.
        hi: u64,
    },
    /// A step after the horizon where one must be inside it.
    #[error("step {step} is after the horizon ({horizon})")]
    #[diagnostic(
        code(whatif::check::after_horizon),
        help(
            "a run ends at step {horizon}: ask about a step up to {horizon}, or lengthen the horizon (in the model header, or with `horizon …` in the scenario)"
        )
    )]
    AfterHorizon {
        /// The step.
        #[label("after the horizon")]
        at: Span,
        /// The step.
        step: u64,
        /// The horizon.
        horizon: u64,
    },
    /// An `extends` naming no scenario.
    #[error("`{name}` extends itself through {chain}")]
    #[diagnostic(
        code(whatif::check::extends_cycle),
        help("remove one `extends` from the cycle")
    )]
    ExtendsCycle {
        /// The `extends` clause.
        #[label("cycle")]
        at: Span,
        /// The scenario.
        name: String,
        /// The cycle, in order.
        chain: String,
    },
    /// A chain of `extends` longer than the depth limit.
    #[error("`{name}` extends a chain of more than {limit} scenarios")]
    #[diagnostic(
        code(whatif::limit::depth),
        help(
            "every scenario of a chain is resolved through all of its ancestors: make some scenarios extend an earlier one, or raise the limit with `--max-depth`"
        )
    )]
    ExtendsTooDeep {
        /// The `extends` clause past the limit.
        #[label("one level too many")]
        at: Span,
        /// The scenario.
        name: String,
        /// The limit.
        limit: usize,
    },
    /// `scenario baseline`.
    #[error("`baseline` is the model without interventions and cannot be redefined")]
    #[diagnostic(code(whatif::check::baseline), help("choose another name"))]
    BaselineDefined {
        /// The name.
        #[label("reserved")]
        at: Span,
    },
    /// Division by a literal zero.
    #[error("division by zero")]
    #[diagnostic(
        code(whatif::check::division_by_zero),
        help(
            "dividing by 0 has no value: divide by something else, or guard a divisor that can be 0 with `if d == 0 then … else x / d`"
        )
    )]
    DivisionByZero {
        /// The zero.
        #[label("this is zero")]
        at: Span,
    },
    /// A number that is infinite or not a number.
    #[error("{what} {problem}")]
    #[diagnostic(code(whatif::check::non_finite), help("{help}"))]
    NonFinite {
        /// The number or expression.
        #[label("not finite")]
        at: Span,
        /// What it is.
        what: &'static str,
        /// "is not a finite number", "is too large for a 64-bit float".
        problem: &'static str,
        /// A hint.
        help: String,
    },
    /// Two `=` effects that can land on one factor at one step.
    #[error("`{rule}` and `{other}` can both set `{factor}` at the same step")]
    #[diagnostic(
        code(whatif::check::assignment_conflict),
        help(
            "`=` replaces the value, so two at one step contradict each other: make the conditions exclusive (one with `and not …`), merge them into one rule with `if … then … else …`, or use `+=`/`-=`"
        )
    )]
    AssignmentConflict {
        /// One effect.
        #[label("sets `{factor}`")]
        at: Span,
        /// The other.
        #[label("also sets it")]
        other_at: Span,
        /// One rule.
        rule: String,
        /// The other rule.
        other: String,
        /// The factor.
        factor: String,
    },
    /// A cycle among derived nodes.
    #[error("derived nodes depend on each other in a cycle: {chain}")]
    #[diagnostic(
        code(whatif::check::algebraic_loop),
        help(
            "derived nodes are computed within a step, so a cycle among them has no order; turn one link into a rule, which lags by a step"
        )
    )]
    AlgebraicLoop {
        /// One node of the cycle.
        #[label("part of the cycle")]
        at: Span,
        /// The other nodes of the cycle.
        #[label(collection, "part of the cycle")]
        others: Vec<miette::LabeledSpan>,
        /// The cycle.
        chain: String,
    },
    /// A rule effect on a derived node.
    #[error("`{name}` is derived, so no rule can change it")]
    #[diagnostic(
        code(whatif::check::effect_on_derived),
        help("change what it is computed from, or make it an ordinary node")
    )]
    EffectOnDerived {
        /// The effect.
        #[label("an effect on a derived node")]
        at: Span,
        /// The definition.
        #[label("derived here")]
        definition: Option<Span>,
        /// The node.
        name: String,
    },
    /// An effect that does not fit its target.
    #[error("{problem}")]
    #[diagnostic(code(whatif::check::bad_effect))]
    BadEffect {
        /// The effect.
        #[label("here")]
        at: Span,
        /// What is wrong.
        problem: String,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// An attribute a node of this kind cannot have, or one given twice.
    #[error("{problem}")]
    #[diagnostic(code(whatif::check::bad_attribute))]
    BadAttribute {
        /// The attribute.
        #[label("here")]
        at: Span,
        /// What is wrong.
        problem: String,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A model setting that is wrong.
    #[error("{problem}")]
    #[diagnostic(code(whatif::check::bad_setting))]
    BadSetting {
        /// The setting.
        #[label("here")]
        at: Span,
        /// What is wrong.
        problem: String,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A malformed expectation.
    #[error("{problem}")]
    #[diagnostic(code(whatif::check::bad_expectation))]
    BadExpectation {
        /// The expectation.
        #[label("here")]
        at: Span,
        /// What is wrong.
        problem: String,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A malformed intervention.
    #[error("{problem}")]
    #[diagnostic(code(whatif::check::bad_intervention))]
    BadIntervention {
        /// The intervention.
        #[label("here")]
        at: Span,
        /// What is wrong.
        problem: String,
        /// A hint.
        #[help]
        help: Option<String>,
    },
    /// A model bigger than a limit allows.
    #[error("the model has {count} {}, more than the limit of {limit}", which.what())]
    #[diagnostic(code(whatif::limit::size), help("raise the limit with `{}`", which.flag()))]
    TooMany {
        /// The first item past the limit.
        #[label("the limit is reached here")]
        at: Span,
        /// Which limit.
        which: Limit,
        /// How many there are.
        count: Num,
        /// The limit.
        limit: u64,
    },
}

/// Something legal but suspect.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum CheckWarning {
    /// A node nothing reads or changes.
    #[error("`{name}` is never used")]
    #[diagnostic(
        code(whatif::check::unused),
        severity(Warning),
        help("use it in a rule, an expectation or a scenario, or delete it")
    )]
    Unused {
        /// The declaration.
        #[label("declared here")]
        at: Span,
        /// The node.
        name: String,
    },
    /// An event nothing can cause.
    #[error("the event `{name}` can never happen")]
    #[diagnostic(
        code(whatif::check::uncaused),
        severity(Warning),
        help(
            "give it a `prior` or a `hazard`, make a rule cause it, or force it in a scenario (`at 0: {name}`)"
        )
    )]
    Uncaused {
        /// The declaration.
        #[label("no prior, no hazard, no rule, no scenario causes it")]
        at: Span,
        /// The event.
        name: String,
    },
    /// A rule whose targets are all held wherever it could act.
    #[error("the rule `{name}` never has an effect: {why}")]
    #[diagnostic(
        code(whatif::check::rule_always_held),
        severity(Warning),
        help(
            "a hold wins over every effect: delete the rule, or hold its targets for part of the run only (`hold … from S to E`)"
        )
    )]
    RuleAlwaysHeld {
        /// The rule.
        #[label("no effect")]
        at: Span,
        /// The rule.
        name: String,
        /// Where its targets are held.
        why: String,
    },
    /// A horizon too short for the longest causal chain.
    #[error(
        "the horizon ({horizon} steps) is shorter than the longest causal chain ({length} steps: {chain})"
    )]
    #[diagnostic(
        code(whatif::check::short_horizon),
        severity(Warning),
        help("each link takes at least one step; lengthen the horizon to see the chain's end")
    )]
    ShortHorizon {
        /// The horizon.
        #[label("too short")]
        at: Span,
        /// The horizon.
        horizon: u64,
        /// The chain's length in steps.
        length: u64,
        /// The chain.
        chain: String,
    },
    /// An `at` that a hold blocks.
    #[error("this `at` has no effect: `{name}` is held at step {step}")]
    #[diagnostic(
        code(whatif::check::blocked_at),
        severity(Warning),
        help(
            "a hold wins over `at`: delete one of the two, or end the hold before step {step} with `from … to …`"
        )
    )]
    BlockedAt {
        /// The `at`.
        #[label("blocked")]
        at: Span,
        /// The hold.
        #[label("held here")]
        hold: Option<Span>,
        /// The node.
        name: String,
        /// The step.
        step: u64,
    },
    /// A local name that hides a top-level one.
    #[error("`{name}` in actor `{actor}` shadows the top-level `{name}`")]
    #[diagnostic(
        code(whatif::check::shadowing),
        severity(Warning),
        help(
            "inside `{actor}` the bare name means `{actor}.{name}`; rename one of them to avoid surprises"
        )
    )]
    Shadowing {
        /// The local declaration.
        #[label("shadows")]
        at: Span,
        /// The top-level declaration.
        #[label("the top-level one")]
        other: Option<Span>,
        /// The name.
        name: String,
        /// The actor.
        actor: String,
    },
    /// A constant effect or value that leaves a factor's range.
    #[error("{what} leaves the range [{lo}, {hi}] of `{name}`")]
    #[diagnostic(
        code(whatif::check::leaves_range),
        severity(Warning),
        help("the factor will be kept at its bound, and the output reports it")
    )]
    LeavesRange {
        /// The effect or value.
        #[label("outside [{lo}, {hi}]")]
        at: Span,
        /// What it is.
        what: String,
        /// The factor.
        name: String,
        /// Lower end.
        lo: Num,
        /// Upper end.
        hi: Num,
    },
    /// An `at` after the horizon, never reached.
    #[error("step {step} is after the horizon ({horizon}) and is never reached")]
    #[diagnostic(
        code(whatif::check::unreached_step),
        severity(Warning),
        help(
            "a run ends at step {horizon}: move the `at` to a step up to {horizon}, or lengthen the horizon"
        )
    )]
    UnreachedStep {
        /// The step.
        #[label("never reached")]
        at: Span,
        /// The step.
        step: u64,
        /// The horizon.
        horizon: u64,
    },
    /// A model header in an imported file.
    #[error("the model header of an imported file is ignored")]
    #[diagnostic(
        code(whatif::check::imported_header),
        severity(Warning),
        help(
            "the root file's header sets the step, horizon and scale; delete this one or move its settings there"
        )
    )]
    ImportedHeader {
        /// The header.
        #[label("ignored")]
        at: Span,
    },
}

impl CheckError {
    /// The main span.
    #[must_use]
    pub fn span(&self) -> Span {
        use CheckError as E;
        match self {
            E::UnknownName { at, .. }
            | E::Duplicate { at, .. }
            | E::KeywordName { at, .. }
            | E::EventAsNumber { at, .. }
            | E::NumberAsCondition { at, .. }
            | E::TypeMismatch { at, .. }
            | E::NotConstant { at, .. }
            | E::UnknownFunction { at, .. }
            | E::Arity { at, .. }
            | E::MisplacedDistribution { at, .. }
            | E::OutOfRange { at, .. }
            | E::Probability { at, .. }
            | E::BranchSum { at, .. }
            | E::UnknownWord { at, .. }
            | E::BadRange { at, .. }
            | E::Huge { at, .. }
            | E::Horizon { at, .. }
            | E::NoHorizon { at, .. }
            | E::NotWholeSteps { at, .. }
            | E::Delay { at, .. }
            | E::ReversedSteps { at, .. }
            | E::AfterHorizon { at, .. }
            | E::ExtendsCycle { at, .. }
            | E::ExtendsTooDeep { at, .. }
            | E::BaselineDefined { at }
            | E::DivisionByZero { at }
            | E::NonFinite { at, .. }
            | E::AssignmentConflict { at, .. }
            | E::AlgebraicLoop { at, .. }
            | E::EffectOnDerived { at, .. }
            | E::BadEffect { at, .. }
            | E::BadAttribute { at, .. }
            | E::BadSetting { at, .. }
            | E::BadExpectation { at, .. }
            | E::BadIntervention { at, .. }
            | E::TooMany { at, .. } => *at,
        }
    }
}

impl CheckWarning {
    /// The main span.
    #[must_use]
    pub fn span(&self) -> Span {
        use CheckWarning as W;
        match self {
            W::Unused { at, .. }
            | W::Uncaused { at, .. }
            | W::RuleAlwaysHeld { at, .. }
            | W::ShortHorizon { at, .. }
            | W::BlockedAt { at, .. }
            | W::Shadowing { at, .. }
            | W::LeavesRange { at, .. }
            | W::UnreachedStep { at, .. }
            | W::ImportedHeader { at } => *at,
        }
    }
}
