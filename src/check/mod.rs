//! The checker: parsed files in, a [`Model`] and every diagnostic out.
//!
//! It resolves names (actor-qualified, with "did you mean"), tells numbers from
//! conditions, converts durations to steps, flattens nothing yet (scenarios keep
//! their own interventions; [`values`] merges them per evaluation), and collects
//! every problem of every file in one pass instead of stopping at the first.
//! It does no I/O: imports arrive already parsed (see `crate::load`).
//!
//! The work is split by concern: `declare` (this file: the symbol tables),
//! `resolve` (expressions), `items` (nodes, rules, scenarios, expectations),
//! `values` (everything parameters can change, checked per scenario and per
//! override), `lints` (structure: algebraic loops, conflicting `=`, warnings),
//! `measure` (a measure of one run, read against a model already checked).

mod error;
mod items;
mod lints;
pub mod measure;
pub mod model;
mod resolve;
pub mod scale;
pub mod values;

use std::collections::HashMap;

pub use error::{CheckError, CheckWarning, Num, format_number};
pub use model::Model;
pub use resolve::DISTRIBUTIONS;
use scale::Scale;

use crate::limits::{Limit, Limits};
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::ast;
use model::{ActorId, NodeId, ParamId, RuleId, ScenarioId};

/// The words the grammar reserves, which cannot name anything.
pub const KEYWORDS: [&str; 43] = [
    "model", "import", "param", "actor", "factor", "event", "rule", "scenario", "expect", "when",
    "while", "then", "if", "else", "and", "or", "not", "true", "false", "step", "dt", "one", "of",
    "at", "least", "for", "after", "source", "hazard", "prior", "hold", "set", "without",
    "extends", "from", "to", "in", "by", "is", "horizon", "stop", "never", "baseline",
];

/// What the checker produced.
#[derive(Debug, Default)]
pub struct Checked {
    /// The model, when there is no error.
    pub model: Option<Model>,
    /// Every error found.
    pub errors: Vec<CheckError>,
    /// Every warning found.
    pub warnings: Vec<CheckWarning>,
}

/// Checks a model made of `files`, the root file first, then its imports.
/// `sources` holds their text (expectations quote themselves in reports).
#[must_use]
pub fn check(sources: &SourceMap, files: Vec<(FileId, ast::File)>, limits: &Limits) -> Checked {
    check_with_scale(sources, files, limits, &Scale::ipcc())
}

/// Like [`check`], with `scale` as the likelihood scale when the model's header
/// names none (a project's `whatif.toml` can choose it).
#[must_use]
pub fn check_with_scale(
    sources: &SourceMap,
    mut files: Vec<(FileId, ast::File)>,
    limits: &Limits,
    scale: &Scale,
) -> Checked {
    // Top-level rules are most of a large model. They are taken out of the trees
    // and converted one by one, each dropped once converted, so the tree and the
    // model never both hold every rule.
    let count = files
        .iter()
        .map(|(_, f)| {
            f.items
                .iter()
                .filter(|i| matches!(i, ast::Item::Rule(_)))
                .count()
        })
        .sum();
    let mut top_rules: Vec<Box<ast::RuleDecl>> = Vec::with_capacity(count);
    for (_, file) in &mut files {
        let items = std::mem::take(&mut file.items);
        for item in items {
            match item {
                ast::Item::Rule(r) => top_rules.push(r),
                other => file.items.push(other),
            }
        }
        file.items.shrink_to_fit();
    }
    let refs: Vec<(FileId, &ast::File)> = files.iter().map(|(id, f)| (*id, f)).collect();
    let mut checker = Checker::new(limits);
    checker.default_scale = scale.clone();
    checker.file_names = sources.files().map(|(_, f)| f.name.clone()).collect();
    checker.declare_top_rules(&top_rules);
    checker.declare(&refs);
    if checker.errors.is_empty() {
        checker.build(sources, top_rules);
    }
    // Structure is checked even when names failed to resolve: an algebraic loop
    // or a conflict is worth reporting alongside. Values need a whole model.
    if checker.model.is_some() {
        checker.structure();
    }
    if checker.errors.is_empty() {
        checker.values();
    }
    if checker.errors.is_empty() {
        checker.lint();
    }
    let model = checker
        .errors
        .is_empty()
        .then(|| checker.model.take())
        .flatten();
    Checked {
        model,
        errors: checker.errors,
        warnings: checker.warnings,
    }
}

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    Node(NodeId),
    Param(ParamId),
}

/// A declaration seen in the first pass, kept for the second.
struct NodeSite<'a> {
    decl: &'a ast::NodeDecl,
    actor: Option<ActorId>,
}

/// The checker's state.
struct Checker<'a> {
    limits: Limits,
    errors: Vec<CheckError>,
    warnings: Vec<CheckWarning>,
    /// Qualified node names and parameter names.
    symbols: HashMap<String, (Symbol, Span)>,
    actors: HashMap<String, (ActorId, Span)>,
    /// Each actor's declaration, by [`ActorId`] (for its description).
    actor_sites: Vec<&'a ast::Actor>,
    rules: HashMap<String, (RuleId, Span)>,
    scenarios: HashMap<String, (ScenarioId, Span)>,
    header: Option<&'a ast::ModelDecl>,
    root: FileId,
    /// The name of each file, by [`FileId`], for messages that point elsewhere.
    file_names: Vec<String>,
    node_sites: Vec<NodeSite<'a>>,
    param_sites: Vec<&'a ast::NodeDecl>,
    /// How many top-level rules there are: they take the first rule ids.
    top_rules: usize,
    /// The last top-level rule, for the limit's diagnostic.
    last_rule_span: Option<Span>,
    /// The scenarios' own rules, whose ids follow the top-level rules'.
    rule_sites: Vec<(&'a ast::RuleDecl, Option<ScenarioId>)>,
    scenario_sites: Vec<&'a ast::Scenario>,
    expect_sites: Vec<&'a ast::ExpectBlock>,
    model: Option<Model>,
    /// The baseline's values, once computed, for the warnings that need them.
    baseline: Option<Baseline>,
    /// The likelihood scale of a model whose header names none.
    default_scale: Scale,
    /// How many more "did you mean" searches this check may make (see
    /// [`SUGGESTIONS`]).
    suggestions_left: std::cell::Cell<usize>,
    /// The suggestions made so far, by scope and name: a typo repeated in
    /// many rules is searched once.
    suggested: std::cell::RefCell<HashMap<String, Option<String>>>,
    /// A model already checked whose names a measure refers to (see
    /// [`measure`]): its nodes and parameters have no declarations here.
    known: Option<&'a Model>,
}

/// How many names one check searches a suggestion for. Each search compares
/// the name with every name in scope, so without a bound a file of 20,000
/// unknown names took 20,000 × 20,000 comparisons (40 seconds); nobody reads
/// that many diagnostics before fixing the first ones.
pub const SUGGESTIONS: usize = 200;

/// What the warnings need of the baseline's values.
struct Baseline {
    params: Vec<f64>,
    dt: f64,
    ranges: Vec<(f64, f64)>,
    horizon: u32,
}

impl<'a> Checker<'a> {
    fn new(limits: &Limits) -> Self {
        Checker {
            limits: *limits,
            errors: Vec::new(),
            warnings: Vec::new(),
            symbols: HashMap::new(),
            actors: HashMap::new(),
            actor_sites: Vec::new(),
            rules: HashMap::new(),
            scenarios: HashMap::new(),
            header: None,
            root: FileId(0),
            file_names: Vec::new(),
            node_sites: Vec::new(),
            param_sites: Vec::new(),
            top_rules: 0,
            last_rule_span: None,
            rule_sites: Vec::new(),
            scenario_sites: Vec::new(),
            expect_sites: Vec::new(),
            model: None,
            baseline: None,
            default_scale: Scale::ipcc(),
            suggestions_left: std::cell::Cell::new(SUGGESTIONS),
            suggested: std::cell::RefCell::new(HashMap::new()),
            known: None,
        }
    }

    /// Whether one more "did you mean" search fits the budget (taking it).
    fn may_suggest(&self) -> bool {
        let left = self.suggestions_left.get();
        self.suggestions_left.set(left.saturating_sub(1));
        left > 0
    }

    fn error(&mut self, e: CheckError) {
        self.errors.push(e);
    }

    fn warn(&mut self, w: CheckWarning) {
        self.warnings.push(w);
    }

    /// Reports `name` defined twice, pointing at both definitions when they are
    /// in one file (miette renders one file per diagnostic).
    fn duplicate(&mut self, name: &str, at: Span, first: Span) {
        self.twice_defined(name, at, first, "rename one of them");
    }

    /// Reports a setting (or the model header) given twice: one must go, since
    /// a second name would mean nothing.
    fn duplicate_setting(&mut self, name: &str, at: Span, first: Span) {
        self.twice_defined(name, at, first, "remove one of them");
    }

    fn twice_defined(&mut self, name: &str, at: Span, first: Span, fix: &str) {
        let same_file = first.file == at.file;
        let help = if same_file {
            fix.to_string()
        } else {
            format!(
                "{fix} (the first definition is in `{}`)",
                self.file_name(first.file)
            )
        };
        self.error(CheckError::Duplicate {
            at,
            first: same_file.then_some(first),
            name: name.to_string(),
            help,
        });
    }

    /// A file's name as shown in diagnostics.
    fn file_name(&self, file: FileId) -> &str {
        self.file_names
            .get(file.0 as usize)
            .map_or("another file", String::as_str)
    }

    /// Refuses keywords as names.
    fn name_ok(&mut self, ident: &ast::Ident, what: &'static str) -> bool {
        if KEYWORDS.contains(&&*ident.name) {
            self.error(CheckError::KeywordName {
                at: ident.span,
                name: ident.name.to_string(),
                what,
            });
            return false;
        }
        true
    }

    /// The first pass: every name that can be referred to, with duplicates and
    /// limits reported.
    fn declare(&mut self, files: &[(FileId, &'a ast::File)]) {
        if let Some((root, _)) = files.first() {
            self.root = *root;
        }
        self.scenarios
            .insert("baseline".to_string(), (model::BASELINE, Span::default()));
        for (file, ast) in files {
            for item in &ast.items {
                match item {
                    ast::Item::Model(m) => {
                        if *file != self.root {
                            self.warn(CheckWarning::ImportedHeader { at: m.span });
                        } else if let Some(first) = self.header {
                            self.duplicate_setting("model", m.span, first.span);
                        } else {
                            self.header = Some(m);
                        }
                    }
                    ast::Item::Import(_) => {}
                    ast::Item::Param(p) => self.declare_param(p),
                    ast::Item::Actor(a) => self.declare_actor(a),
                    ast::Item::Node(n) => self.declare_node(n, None),
                    ast::Item::Rule(r) => self.declare_rule(r, None),
                    ast::Item::Scenario(s) => self.declare_scenario(s),
                    ast::Item::Expect(e) => self.expect_sites.push(e),
                }
            }
        }
        self.check_limit(
            Limit::Nodes,
            self.node_sites.len(),
            self.node_sites.last().map(|s| s.decl.span),
        );
        self.check_limit(
            Limit::Rules,
            self.top_rules + self.rule_sites.len(),
            self.rule_sites
                .last()
                .map(|s| s.0.span)
                .or(self.last_rule_span),
        );
    }

    fn check_limit(&mut self, which: Limit, count: usize, at: Option<Span>) {
        let limit = which.value(&self.limits);
        if u64::try_from(count).unwrap_or(u64::MAX) > limit {
            self.error(CheckError::TooMany {
                at: at.unwrap_or_default(),
                which,
                #[allow(clippy::cast_precision_loss)]
                count: error::Num(count as f64),
                limit,
            });
        }
    }

    fn declare_symbol(&mut self, name: String, symbol: Symbol, at: Span) -> bool {
        if let Some(&(_, first)) = self.symbols.get(&name) {
            self.duplicate(&name, at, first);
            return false;
        }
        self.symbols.insert(name, (symbol, at));
        true
    }

    fn declare_param(&mut self, p: &'a ast::NodeDecl) {
        if !self.name_ok(&p.name, "a parameter") {
            return;
        }
        let id = ParamId::from_index(self.param_sites.len());
        if self.declare_symbol(p.name.name.to_string(), Symbol::Param(id), p.name.span) {
            self.param_sites.push(p);
        }
    }

    fn declare_actor(&mut self, a: &'a ast::Actor) {
        if !self.name_ok(&a.name, "an actor") {
            return;
        }
        if let Some(&(_, first)) = self.actors.get(&*a.name.name) {
            self.duplicate(&a.name.name, a.name.span, first);
            return;
        }
        let id = ActorId::from_index(self.actors.len());
        self.actors
            .insert(a.name.name.to_string(), (id, a.name.span));
        self.actor_sites.push(a);
        for n in &a.nodes {
            self.declare_node(n, Some((id, &a.name.name)));
        }
    }

    fn declare_node(&mut self, n: &'a ast::NodeDecl, actor: Option<(ActorId, &str)>) {
        if !self.name_ok(&n.name, "a node") {
            return;
        }
        let id = NodeId::from_index(self.node_sites.len());
        let name = match actor {
            Some((_, a)) => format!("{a}.{}", n.name.name),
            None => n.name.name.to_string(),
        };
        if self.declare_symbol(name, Symbol::Node(id), n.name.span) {
            self.node_sites.push(NodeSite {
                decl: n,
                actor: actor.map(|(id, _)| id),
            });
        }
    }

    /// Declares the top-level rules' names, keeping no reference to them.
    fn declare_top_rules(&mut self, rules: &[Box<ast::RuleDecl>]) {
        // Sized once: a map that doubles holds both tables at its peak.
        self.rules.reserve(rules.len());
        for r in rules {
            if !self.name_ok(&r.name, "a rule") {
                continue;
            }
            if let Some(&(_, first)) = self.rules.get(&*r.name.name) {
                self.duplicate(&r.name.name, r.name.span, first);
                continue;
            }
            let id = RuleId::from_index(self.top_rules);
            self.rules
                .insert(r.name.name.to_string(), (id, r.name.span));
            self.top_rules += 1;
            self.last_rule_span = Some(r.span);
        }
    }

    fn declare_rule(&mut self, r: &'a ast::RuleDecl, scenario: Option<ScenarioId>) {
        if !self.name_ok(&r.name, "a rule") {
            return;
        }
        if let Some(&(_, first)) = self.rules.get(&*r.name.name) {
            self.duplicate(&r.name.name, r.name.span, first);
            return;
        }
        let id = RuleId::from_index(self.top_rules + self.rule_sites.len());
        self.rules
            .insert(r.name.name.to_string(), (id, r.name.span));
        self.rule_sites.push((r, scenario));
    }

    fn declare_scenario(&mut self, s: &'a ast::Scenario) {
        if s.name.name.as_ref() == "baseline" {
            self.error(CheckError::BaselineDefined { at: s.name.span });
            return;
        }
        if !self.name_ok(&s.name, "a scenario") {
            return;
        }
        if let Some(&(_, first)) = self.scenarios.get(&*s.name.name) {
            self.duplicate(&s.name.name, s.name.span, first);
            return;
        }
        // Scenario ids start at 1: 0 is baseline.
        let id = ScenarioId::from_index(self.scenario_sites.len() + 1);
        self.scenarios
            .insert(s.name.name.to_string(), (id, s.name.span));
        self.scenario_sites.push(s);
        for item in &s.items {
            if let ast::ScenarioItem::Rule(r) = item {
                self.declare_rule(r, Some(id));
            }
        }
    }
}

/// Names longer than this get no suggestion: nobody misspells a name that long,
/// and edit distance costs the product of the two lengths.
pub const LONGEST_SUGGESTED: usize = 64;

/// "did you mean `x`?" for `name` among `candidates`, by edit distance.
pub fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    if name.len() > LONGEST_SUGGESTED {
        return None;
    }
    let local = name.rsplit('.').next().unwrap_or(name);
    let limit = (name.len() / 3).max(1);
    // Two strings whose lengths differ by more than `limit` are further apart
    // than `limit`: skip them without computing the distance.
    let distance = |a: &str, b: &str| {
        if a.len().abs_diff(b.len()) > limit {
            usize::MAX
        } else {
            strsim::levenshtein(a, b)
        }
    };
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let cand_local = cand.rsplit('.').next().unwrap_or(cand);
        let d = distance(name, cand).min(if name.contains('.') {
            usize::MAX
        } else {
            distance(local, cand_local)
        });
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && cand < bc)) {
            best = Some((d, cand));
        }
    }
    let (d, cand) = best?;
    (d <= limit && d > 0 || (d == 0 && cand != name)).then(|| format!("did you mean `{cand}`?"))
}

#[cfg(test)]
mod tests;
