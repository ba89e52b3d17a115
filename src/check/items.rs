//! The second pass: the model header, parameters, nodes, rules, scenarios and
//! expectations, each turned into its checked form.

use super::model::{
    Actor, Branch, Delay, Effect, EffectOp, ExpectKind, Expectation, Expr, ExprKind, Intervention,
    InterventionKind, Likelihood, Model, Node, NodeId, NodeKind, Param, ProbMode, Rule,
    RuleEffects, RuleId, Scenario, ScenarioId, Start, Stat, StepSize, Steps, Verdict,
};
use super::resolve::{DISTRIBUTIONS, Scope, arguments, call_form};
use super::scale::{self, Scale, Word};
use super::{CheckError, Checker, Symbol, did_you_mean};
use crate::span::{SourceMap, Span};
use crate::syntax::ast::{self, NodeKind as AstKind, TimeUnit};

impl<'a> Checker<'a> {
    /// Builds the model from the declarations of the first pass.
    #[allow(
        clippy::vec_box,
        reason = "the rules are the tree's own boxes, moved out of it rather than copied"
    )]
    pub(super) fn build(&mut self, sources: &SourceMap, top_rules: Vec<Box<ast::RuleDecl>>) {
        self.header();
        let params: Vec<Param> = self
            .param_sites
            .clone()
            .iter()
            .map(|p| self.param(p))
            .collect();
        let mut actors: Vec<(usize, Actor)> = self
            .actors
            .iter()
            .map(|(name, &(id, span))| {
                (
                    id.index(),
                    Actor {
                        name: name.clone(),
                        description: self
                            .actor_sites
                            .get(id.index())
                            .and_then(|a| a.description.as_ref())
                            .map(|d| d.value.to_string()),
                        span,
                    },
                )
            })
            .collect();
        actors.sort_by_key(|(i, _)| *i);
        let nodes: Vec<Node> = (0..self.node_sites.len()).map(|i| self.node(i)).collect();
        if let Some(m) = self.model.as_mut() {
            m.params = params;
            m.actors = actors.into_iter().map(|(_, a)| a).collect();
            m.nodes = nodes;
        }
        // Each tree is dropped once converted, so the trees and the model never
        // both hold every rule. Converted in declaration (and id) order, so
        // that the budget of suggestions goes to the first unknown names.
        // Sized once: a vector that doubles holds both buffers at its peak.
        let mut rules: Vec<Rule> = Vec::with_capacity(top_rules.len() + self.rule_sites.len());
        for decl in top_rules {
            rules.push(self.rule(&decl, None));
        }
        for i in 0..self.rule_sites.len() {
            let (decl, scenario) = self.rule_sites[i];
            rules.push(self.rule(decl, scenario));
        }
        if let Some(m) = self.model.as_mut() {
            m.rules = rules;
        }
        let scenarios: Vec<Scenario> = (0..self.scenario_sites.len())
            .map(|i| self.scenario(i))
            .collect();
        if let Some(m) = self.model.as_mut() {
            m.scenarios.extend(scenarios);
        }
        self.extends_chains();
        let expectations: Vec<Expectation> = self
            .expect_sites
            .clone()
            .iter()
            .flat_map(|block| self.expect_block(block, sources))
            .collect();
        if let Some(m) = self.model.as_mut() {
            m.expectations = expectations;
        }
    }

    /// The model header: step, horizon, steadiness and scale.
    fn header(&mut self) {
        let header = self.header;
        let mut step = StepSize {
            size: 1.0,
            unit: TimeUnit::Step,
        };
        let mut steady = None;
        let mut scale = self.default_scale.clone();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let settings = header.map_or(&[][..], |h| &h.settings[..]);
        for s in settings {
            let (key, span) = match s {
                ast::Setting::Step { span, .. } => ("step", *span),
                ast::Setting::Horizon(d) => ("horizon", d.span),
                ast::Setting::Stop { span, .. } => ("stop", *span),
                ast::Setting::Scale(ast::ScaleDecl::Named(i)) => ("scale", i.span),
                ast::Setting::Scale(ast::ScaleDecl::Words { span, .. }) => ("scale", *span),
            };
            if let Some(&(_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.duplicate_setting(key, span, first);
            }
            seen.push((key, span));
        }
        for s in settings {
            match s {
                ast::Setting::Step { size, unit, span } => {
                    if size.value.is_finite() && size.value > 0.0 {
                        step = StepSize {
                            size: size.value,
                            unit: unit.unit,
                        };
                    } else {
                        self.error(CheckError::BadSetting {
                            at: *span,
                            problem: "a step must last a positive, finite time".to_string(),
                            help: Some("e.g. `step 1 week`".to_string()),
                        });
                    }
                }
                ast::Setting::Stop { eps, span } => {
                    if eps.value.is_finite() && eps.value >= 0.0 {
                        steady = Some(eps.value);
                    } else {
                        self.error(CheckError::BadSetting {
                            at: *span,
                            problem: "`stop when steady` needs a finite tolerance of 0 or more"
                                .to_string(),
                            help: None,
                        });
                    }
                }
                ast::Setting::Scale(decl) => scale = self.scale(decl),
                ast::Setting::Horizon(_) => {}
            }
        }
        let title = header.map_or_else(|| "untitled".to_string(), |h| h.title.value.to_string());
        let root_span = Span::new(self.root, 0, 0);
        let placeholder = Steps {
            value: Expr {
                kind: ExprKind::Num(0.0),
                span: root_span,
            },
            per_unit: 1.0,
            unit: None,
            span: root_span,
        };
        self.model = Some(Model {
            title,
            step,
            horizon: placeholder,
            steady_eps: steady,
            scale,
            actors: Vec::new(),
            params: Vec::new(),
            nodes: Vec::new(),
            rules: Vec::new(),
            scenarios: vec![Scenario {
                name: "baseline".to_string(),
                title: Some("the model with no intervention".to_string()),
                extends: None,
                horizon: None,
                interventions: Vec::new(),
                rules: Vec::new(),
                without: Vec::new(),
                span: root_span,
            }],
            expectations: Vec::new(),
        });
        let horizon = settings.iter().find_map(|s| match s {
            ast::Setting::Horizon(d) => Some(d),
            _ => None,
        });
        match horizon {
            Some(d) => {
                let steps = self.steps(d, Scope::default(), "the horizon");
                if let Some(m) = self.model.as_mut() {
                    m.horizon = steps;
                }
            }
            None => {
                let at = header.map_or(root_span, |h| h.span);
                let help = if header.is_some() {
                    "add one to the model header, e.g. `horizon 52 steps`"
                } else {
                    "add a header: `model \"…\" { horizon 52 steps }`"
                };
                self.error(CheckError::NoHorizon {
                    at,
                    help: help.to_string(),
                });
            }
        }
    }

    fn scale(&mut self, decl: &ast::ScaleDecl) -> Scale {
        match decl {
            ast::ScaleDecl::Named(name) => {
                if let Some(s) = Scale::builtin(&name.name) {
                    return s;
                }
                self.error(CheckError::UnknownName {
                    at: name.span,
                    what: "scale",
                    name: name.name.to_string(),
                    help: Some(format!(
                        "the built-in scales are {}; or define your own with `scale {{ word = P in [lo, hi] … }}`",
                        Scale::BUILTIN.join(", ")
                    )),
                });
                Scale::ipcc()
            }
            ast::ScaleDecl::Words { words, span } => {
                if words.is_empty() {
                    self.error(CheckError::BadSetting {
                        at: *span,
                        problem: "the scale has no words".to_string(),
                        help: Some(
                            "give at least one word, e.g. `scale { likely = 0.83 in [0.66, 1] }`, or use the standard scale (`scale ipcc`)"
                                .to_string(),
                        ),
                    });
                }
                let mut out: Vec<Word> = Vec::new();
                for w in words {
                    // A keyword could never be read as a word where a likelihood
                    // stands: the grammar takes it for the clause it begins.
                    if scale::is_reserved(&w.word.name) {
                        self.error(CheckError::KeywordName {
                            at: w.word.span,
                            name: w.word.name.to_string(),
                            what: "a likelihood word",
                        });
                        continue;
                    }
                    if let Some(first) = out.iter().position(|o| *o.name == *w.word.name) {
                        let first_span = words[first].word.span;
                        self.duplicate_setting(&w.word.name, w.word.span, first_span);
                        continue;
                    }
                    let word = Word {
                        name: w.word.name.to_string(),
                        point: w.point.value,
                        lo: w.lo.value,
                        hi: w.hi.value,
                    };
                    if !word.is_ordered() {
                        self.error(CheckError::BadSetting {
                            at: w.span,
                            problem: format!(
                                "the word `{}` needs 0 ≤ lo ≤ point ≤ hi ≤ 1",
                                w.word.name
                            ),
                            help: Some("e.g. `likely = 0.8 in [0.66, 1]`".to_string()),
                        });
                    }
                    out.push(word);
                }
                Scale {
                    name: "custom".to_string(),
                    words: out,
                }
            }
        }
    }

    // ------------------------------------------------------------ parameters and nodes

    fn param(&mut self, p: &ast::NodeDecl) -> Param {
        let mut value = None;
        let mut range = None;
        let mut spread = ast::Spread::Uniform;
        let mut description = None;
        let mut sources = Vec::new();
        for attr in &p.attrs {
            match attr {
                ast::NodeAttr::Value(e) => {
                    if value.is_some() {
                        self.twice("value", attr.span());
                    }
                    value = Some(self.literal(e, "a parameter's value"));
                }
                ast::NodeAttr::Range {
                    lo, hi, spread: s, ..
                } => {
                    if range.is_some() {
                        self.twice("range", attr.span());
                    }
                    spread = s.unwrap_or_default();
                    let lo = self.literal(lo, "a parameter's range");
                    let hi = self.literal(hi, "a parameter's range");
                    range = Some((lo, hi));
                }
                ast::NodeAttr::Description(s) => {
                    if description.is_some() {
                        self.twice("description", s.span);
                    }
                    description = Some(s.value.to_string());
                }
                ast::NodeAttr::Source(s) => sources.push(s.value.to_string()),
                ast::NodeAttr::Prior(e) | ast::NodeAttr::Hazard(e) => {
                    self.error(CheckError::BadAttribute {
                        at: e.span,
                        problem: "a parameter has no prior or hazard".to_string(),
                        help: Some("priors and hazards belong to events".to_string()),
                    });
                }
            }
        }
        let value = value.unwrap_or_else(|| {
            self.error(CheckError::BadAttribute {
                at: p.name.span,
                problem: format!("the parameter `{}` has no value", p.name.name),
                help: Some(format!("write `param {} = 1`", p.name.name)),
            });
            Expr {
                kind: ExprKind::Num(0.0),
                span: p.name.span,
            }
        });
        Param {
            name: p.name.name.to_string(),
            value,
            range,
            spread,
            description,
            sources,
            span: p.name.span,
        }
    }

    /// A parameter's value or range: a constant that reads no other parameter, so
    /// parameters never depend on each other.
    fn literal(&mut self, e: &ast::Expr, what: &'static str) -> Expr {
        let expr = self.constant(e, Scope::default(), what);
        let mut reads_param = false;
        expr.visit(&mut |x| reads_param |= matches!(x.kind, ExprKind::Param(_)));
        if reads_param {
            self.error(CheckError::BadAttribute {
                at: expr.span,
                problem: format!("{what} cannot read another parameter"),
                help: Some("give a number; parameters do not depend on each other".to_string()),
            });
        }
        expr
    }

    fn twice(&mut self, what: &str, at: Span) {
        self.error(CheckError::BadAttribute {
            at,
            problem: format!("a second {what}"),
            help: Some(format!("give the {what} once")),
        });
    }

    fn actor_name(&self, id: Option<super::model::ActorId>) -> Option<String> {
        let id = id?;
        self.actors
            .iter()
            .find(|(_, v)| v.0 == id)
            .map(|(k, _)| k.clone())
    }

    fn node(&mut self, index: usize) -> Node {
        let site = &self.node_sites[index];
        let (decl, actor) = (site.decl, site.actor);
        let actor_name = self.actor_name(actor);
        let scope = Scope {
            actor: actor_name.as_deref(),
        };
        let kind = if decl.kind == AstKind::Event {
            NodeKind::Event
        } else {
            NodeKind::Factor
        };
        let name = self.node_name(NodeId::from_index(index));
        let derived = decl.derived.as_ref().map(|d| match kind {
            NodeKind::Event => self.cond(d, scope),
            NodeKind::Factor => self.num(d, scope),
        });
        let span = decl.name.span;
        let one = |v: f64| Expr {
            kind: ExprKind::Num(v),
            span,
        };
        let mut node = Node {
            name,
            actor,
            kind,
            derived,
            start: None,
            range: (one(0.0), one(1.0)),
            prior: None,
            hazard: None,
            description: None,
            sources: Vec::new(),
            span,
        };
        let mut seen = [false; 6];
        for attr in &decl.attrs {
            let rank = attr.rank() as usize;
            if seen[rank] && !matches!(attr, ast::NodeAttr::Source(_)) {
                self.twice(attr_name(attr), attr.span());
                continue;
            }
            seen[rank] = true;
            match (attr, kind) {
                (ast::NodeAttr::Description(s), _) => node.description = Some(s.value.to_string()),
                (ast::NodeAttr::Source(s), _) => node.sources.push(s.value.to_string()),
                (ast::NodeAttr::Value(e), NodeKind::Factor) if node.derived.is_none() => {
                    node.start = Some(self.start(e, scope));
                }
                (
                    ast::NodeAttr::Range {
                        spread: Some(_), ..
                    },
                    NodeKind::Factor,
                ) => {
                    self.bad_attr(
                        attr.span(),
                        "a factor's range has no spread",
                        "a spread says how plausible a parameter's values are; a factor's range bounds its value: drop the word",
                    );
                }
                (ast::NodeAttr::Range { lo, hi, .. }, NodeKind::Factor) => {
                    node.range = (
                        self.constant(lo, scope, "a range"),
                        self.constant(hi, scope, "a range"),
                    );
                }
                (ast::NodeAttr::Prior(e), NodeKind::Event) if node.derived.is_none() => {
                    node.prior = Some(self.constant(e, scope, "a prior"));
                }
                (ast::NodeAttr::Hazard(e), NodeKind::Event) if node.derived.is_none() => {
                    node.hazard = Some(self.num(e, scope));
                }
                (_, NodeKind::Event) => {
                    let (problem, help) = match attr {
                        ast::NodeAttr::Value(_) => (
                            "an event has no value",
                            "for the chance that it has happened at step 0, write `prior = P`",
                        ),
                        ast::NodeAttr::Range { .. } => {
                            ("an event has no range", "events are true or false")
                        }
                        _ => (
                            "a derived event has no prior or hazard",
                            "it happens when its condition holds; to add other causes, write rules",
                        ),
                    };
                    self.bad_attr(attr.span(), problem, help);
                }
                (_, NodeKind::Factor) => {
                    let (problem, help) = match attr {
                        ast::NodeAttr::Value(_) => (
                            "a derived factor is computed and has no starting value",
                            "drop `= …`, or make it an ordinary factor",
                        ),
                        _ => (
                            "a factor has no prior or hazard",
                            "priors and hazards belong to events",
                        ),
                    };
                    self.bad_attr(attr.span(), problem, help);
                }
            }
        }
        if kind == NodeKind::Factor && node.derived.is_none() && node.start.is_none() {
            self.bad_attr(
                span,
                "this factor has no starting value",
                "write e.g. `factor x = 0.5`",
            );
        }
        node
    }

    fn bad_attr(&mut self, at: Span, problem: &str, help: &str) {
        self.error(CheckError::BadAttribute {
            at,
            problem: problem.to_string(),
            help: Some(help.to_string()),
        });
    }

    /// A starting value: a constant or a distribution.
    fn start(&mut self, e: &ast::Expr, scope: Scope<'_>) -> Start {
        let mut inner = e;
        while let ast::ExprKind::Paren(i) = &inner.kind {
            inner = i;
        }
        if let ast::ExprKind::Call(call) = &inner.kind
            && DISTRIBUTIONS.contains(&&*call.name)
        {
            let args: Vec<Expr> = call
                .args
                .iter()
                .map(|a| self.constant(a, scope, "a distribution's argument"))
                .collect();
            let want = match &*call.name {
                "uniform" | "normal" => 2,
                "triangular" => 3,
                _ => 1,
            };
            if args.len() != want {
                self.error(CheckError::Arity {
                    at: inner.span,
                    name: call.name.to_string(),
                    expected: arguments(want),
                    found: args.len(),
                    given: arguments(args.len()),
                    help: format!("write `{}`", call_form(&call.name)),
                });
                return Start::Value(Expr {
                    kind: ExprKind::Num(0.0),
                    span: e.span,
                });
            }
            let mut a = args.into_iter();
            let mut next = || {
                a.next().unwrap_or(Expr {
                    kind: ExprKind::Num(0.0),
                    span: e.span,
                })
            };
            return match &*call.name {
                "uniform" => Start::Uniform(next(), next()),
                "normal" => Start::Normal(next(), next()),
                "triangular" => Start::Triangular(next(), next(), next()),
                _ => Start::Bernoulli(next()),
            };
        }
        Start::Value(self.constant(e, scope, "a starting value"))
    }

    // ------------------------------------------------------------ rules

    fn rule(&mut self, decl: &ast::RuleDecl, scenario: Option<ScenarioId>) -> Rule {
        let scope = Scope::default();
        let condition = self.cond(&decl.condition, scope);
        let effects = match &decl.effects {
            ast::Effects::All(list) => {
                RuleEffects::All(list.iter().map(|e| self.effect(e, scope)).collect())
            }
            ast::Effects::OneOf { branches, span } => {
                if branches.is_empty() {
                    self.error(CheckError::BadEffect {
                        at: *span,
                        problem: "`one of` has no branches".to_string(),
                        help: Some(
                            "give each outcome with its probability, e.g. `one of { x += 0.1 p = 0.5  x -= 0.1 p = 0.3 }`"
                                .to_string(),
                        ),
                    });
                }
                RuleEffects::OneOf(
                    branches
                        .iter()
                        .map(|b| Branch {
                            effects: b.effects.iter().map(|e| self.effect(e, scope)).collect(),
                            likelihood: self.likelihood(&b.likelihood, scope, true),
                            delay: b.delay.as_ref().map(|d| self.delay(d, scope)),
                            description: b.description.as_ref().map(|s| s.value.to_string()),
                            span: b.span,
                        })
                        .collect(),
                )
            }
        };
        let mut likelihood = None;
        let mut delay = None;
        let mut sources = Vec::new();
        for attr in &decl.attrs {
            match attr {
                ast::RuleAttr::Likelihood(l) => {
                    if likelihood.is_some() {
                        self.twice("likelihood", l.span());
                    }
                    likelihood = Some(self.likelihood(l, scope, false));
                }
                ast::RuleAttr::Delay(d) => {
                    if delay.is_some() {
                        self.twice("delay", d.span);
                    }
                    delay = Some(Box::new(self.delay(d, scope)));
                }
                ast::RuleAttr::Source(s) => sources.push(s.value.to_string()),
            }
        }
        Rule {
            name: decl.name.name.to_string(),
            description: decl.description.as_ref().map(|s| s.value.to_string()),
            kind: decl.kind,
            condition,
            effects,
            likelihood,
            delay,
            sources,
            scenario,
            name_span: decl.name.span,
            span: decl.span,
        }
    }

    fn effect(&mut self, e: &ast::Effect, scope: Scope<'_>) -> Effect {
        let placeholder = Effect {
            target: NodeId(0),
            op: EffectOp::Happen,
            span: e.span,
        };
        let Some(sym) = self.lookup(&e.target.text, e.target.span, scope) else {
            return placeholder;
        };
        let node = match sym {
            Symbol::Node(n) => n,
            Symbol::Param(_) => {
                self.error(CheckError::BadEffect {
                    at: e.target.span,
                    problem: format!(
                        "`{}` is a parameter, which rules cannot change",
                        e.target.text
                    ),
                    help: Some(
                        "parameters are constants; scenarios and `--set` change them".to_string(),
                    ),
                });
                return placeholder;
            }
        };
        let site = &self.node_sites[node.index()];
        if let Some(d) = &site.decl.derived {
            let definition = (d.span.file == e.span.file).then_some(d.span);
            let name = self.node_name(node);
            self.error(CheckError::EffectOnDerived {
                at: e.target.span,
                definition,
                name,
            });
            return placeholder;
        }
        let kind = site.decl.kind;
        let op = match (&e.change, kind) {
            (None, AstKind::Event) => EffectOp::Happen,
            (Some((op, amount)), AstKind::Factor) => {
                let amount = self.num(amount, scope);
                match op {
                    ast::AssignOp::Add => EffectOp::Add(amount),
                    ast::AssignOp::Sub => EffectOp::Sub(amount),
                    ast::AssignOp::Set => EffectOp::Set(amount),
                }
            }
            (Some(_), _) => {
                self.error(CheckError::BadEffect {
                    at: e.span,
                    problem: format!(
                        "`{}` is an event: it happens or not, it has no value",
                        e.target.text
                    ),
                    help: Some(format!("write `then {}` to make it happen", e.target.text)),
                });
                return placeholder;
            }
            (None, _) => {
                self.error(CheckError::BadEffect {
                    at: e.span,
                    problem: format!("`{}` is a factor: say how it changes", e.target.text),
                    help: Some(format!(
                        "write `{0} += …`, `{0} -= …` or `{0} = …`",
                        e.target.text
                    )),
                });
                return placeholder;
            }
        };
        Effect {
            target: node,
            op,
            span: e.span,
        }
    }

    fn likelihood(&mut self, l: &ast::Likelihood, scope: Scope<'_>, branch: bool) -> Likelihood {
        match l {
            ast::Likelihood::P(e) => {
                if branch {
                    Likelihood::P(self.constant(e, scope, "a branch's probability"))
                } else {
                    Likelihood::P(self.num(e, scope))
                }
            }
            ast::Likelihood::Word(w) => {
                // The scale is borrowed for the lookup and copied only to
                // report an unknown word: most rules of a model name a word.
                let found = self
                    .scale_in_force()
                    .word(&w.name)
                    .map(|d| (d.name.clone(), d.point));
                match found {
                    Some((word, value)) => Likelihood::Word {
                        word,
                        value,
                        span: w.span,
                    },
                    None => {
                        let scale = self.scale_in_force().into_owned();
                        self.unknown_word(w, &scale);
                        Likelihood::Word {
                            word: w.name.to_string(),
                            value: 0.0,
                            span: w.span,
                        }
                    }
                }
            }
        }
    }

    /// The likelihood scale in force: the model's, or the standard one while
    /// there is no model yet.
    fn scale_in_force(&self) -> std::borrow::Cow<'_, Scale> {
        self.model.as_ref().map_or_else(
            || std::borrow::Cow::Owned(Scale::ipcc()),
            |m| std::borrow::Cow::Borrowed(&m.scale),
        )
    }

    fn unknown_word(&mut self, w: &ast::Ident, scale: &Scale) {
        let names: Vec<&str> = scale.words.iter().map(|w| w.name.as_str()).collect();
        let mut help = format!("the words are {}", names.join(", "));
        if let Some(h) = did_you_mean(&w.name, names.iter().copied()) {
            help = format!("{h} ({help})");
        }
        self.error(CheckError::UnknownWord {
            at: w.span,
            word: w.name.to_string(),
            scale: scale.name.clone(),
            help,
        });
    }

    fn delay(&mut self, d: &ast::Delay, scope: Scope<'_>) -> Delay {
        let (lo, hi) = match &d.hi {
            Some(hi) => {
                let (lo, hi) = self.step_range((&d.lo, hi), scope, ("a delay", "a delay"));
                (lo, Some(hi))
            }
            None => (self.steps(&d.lo, scope, "a delay"), None),
        };
        Delay {
            lo,
            hi,
            span: d.span,
        }
    }

    // ------------------------------------------------------------ scenarios

    fn scenario_ref(&mut self, name: &ast::Ident) -> Option<ScenarioId> {
        if let Some(&(id, _)) = self.scenarios.get(&*name.name) {
            return Some(id);
        }
        let help = if self.may_suggest() {
            did_you_mean(&name.name, self.scenarios.keys().map(String::as_str)).or_else(|| {
                let mut known: Vec<&str> = self.scenarios.keys().map(String::as_str).collect();
                known.sort_unstable();
                let more = if known.len() > 10 { ", …" } else { "" };
                known.truncate(10);
                Some(format!("the scenarios are {}{more}", known.join(", ")))
            })
        } else {
            Some(
                "name a scenario declared with `scenario NAME { … }`, or check the spelling"
                    .to_string(),
            )
        };
        self.error(CheckError::UnknownName {
            at: name.span,
            what: "scenario",
            name: name.name.to_string(),
            help,
        });
        None
    }

    fn rule_ref(&mut self, name: &ast::Ident) -> Option<RuleId> {
        if let Some(&(id, _)) = self.rules.get(&*name.name) {
            return Some(id);
        }
        let searched = self
            .may_suggest()
            .then(|| did_you_mean(&name.name, self.rules.keys().map(String::as_str)));
        let help = searched.flatten().or_else(|| {
            Some("name a rule declared with `rule NAME: …`, or check the spelling".to_string())
        });
        self.error(CheckError::UnknownName {
            at: name.span,
            what: "rule",
            name: name.name.to_string(),
            help,
        });
        None
    }

    /// A node reference that must be of one kind.
    pub(super) fn node_ref(
        &mut self,
        name: &ast::Name,
        kind: NodeKind,
        context: &str,
    ) -> Option<NodeId> {
        match self.lookup(&name.text, name.span, Scope::default())? {
            Symbol::Node(n) => {
                let is_event = self.node_kind(n) == AstKind::Event;
                let actual = if is_event {
                    NodeKind::Event
                } else {
                    NodeKind::Factor
                };
                if actual == kind {
                    return Some(n);
                }
                let (want, have) = match kind {
                    NodeKind::Event => ("an event", "a factor"),
                    NodeKind::Factor => ("a factor", "an event"),
                };
                self.error(CheckError::TypeMismatch {
                    at: name.span,
                    expected: want,
                    found: have,
                    help: Some(context.to_string()),
                });
                None
            }
            Symbol::Param(_) => {
                self.error(CheckError::TypeMismatch {
                    at: name.span,
                    expected: if kind == NodeKind::Event {
                        "an event"
                    } else {
                        "a factor"
                    },
                    found: "a parameter",
                    help: Some(context.to_string()),
                });
                None
            }
        }
    }

    fn scenario(&mut self, index: usize) -> Scenario {
        let decl = self.scenario_sites[index];
        let scope = Scope::default();
        let extends = decl.extends.as_ref().and_then(|e| self.scenario_ref(e));
        let mut horizon = None;
        let mut interventions = Vec::new();
        let mut without = Vec::new();
        let mut rules = Vec::new();
        for item in &decl.items {
            let span = item.span();
            let kind = match item {
                ast::ScenarioItem::Horizon(d) => {
                    if horizon.is_some() {
                        self.twice("horizon", d.span);
                    }
                    horizon = Some(self.steps(d, scope, "the horizon"));
                    continue;
                }
                ast::ScenarioItem::Rule(r) => {
                    if let Some(&(rid, _)) = self.rules.get(&*r.name.name) {
                        rules.push(rid);
                    }
                    continue;
                }
                ast::ScenarioItem::Without { rule, span } => {
                    if let Some(r) = self.rule_ref(rule) {
                        if without.iter().any(|(w, _)| *w == r) {
                            self.error(CheckError::BadIntervention {
                                at: *span,
                                problem: format!("this scenario already disables `{}`", rule.name),
                                help: Some("keep one of the two".to_string()),
                            });
                        } else {
                            without.push((r, *span));
                        }
                    }
                    continue;
                }
                ast::ScenarioItem::Hold {
                    target,
                    value,
                    window,
                    ..
                } => self.hold(target, value, window.as_ref()),
                ast::ScenarioItem::Set {
                    target,
                    field,
                    value,
                    ..
                } => self.set(target, *field, value),
                ast::ScenarioItem::SetRule { rule, value, .. } => {
                    let value = self.num(value, scope);
                    self.rule_ref(rule)
                        .map(|r| InterventionKind::SetRule(r, value))
                }
                ast::ScenarioItem::At { step, action, .. } => {
                    let steps = self.steps(step, scope, "the step of `at`");
                    match action {
                        ast::AtAction::Event(name) => self
                            .node_ref(
                                name,
                                NodeKind::Event,
                                "`at S: e` forces an event; for a factor write `at S: set x = …`",
                            )
                            .map(|n| InterventionKind::AtEvent(steps, n)),
                        ast::AtAction::Set(name, value) => {
                            let value = self.constant(value, scope, "the value set by `at`");
                            self.node_ref(
                                name,
                                NodeKind::Factor,
                                "`at S: set x = v` sets a factor; for an event write `at S: e`",
                            )
                            .map(|n| InterventionKind::AtSet(steps, n, value))
                        }
                    }
                }
            };
            if let Some(kind) = kind {
                interventions.push(Intervention { kind, span });
            }
        }
        self.duplicate_interventions(&interventions);
        Scenario {
            name: decl.name.name.to_string(),
            title: decl.title.as_ref().map(|t| t.value.to_string()),
            extends,
            horizon,
            interventions,
            rules,
            without,
            span: decl.name.span,
        }
    }

    fn hold(
        &mut self,
        target: &ast::Name,
        value: &ast::Expr,
        window: Option<&(ast::Duration, ast::Duration)>,
    ) -> Option<InterventionKind> {
        let scope = Scope::default();
        let window = window.map(|(a, b)| {
            self.step_range((a, b), scope, ("the start of a hold", "the end of a hold"))
        });
        let node = match self.lookup(&target.text, target.span, scope)? {
            Symbol::Node(n) => n,
            Symbol::Param(_) => {
                self.error(CheckError::BadIntervention {
                    at: target.span,
                    problem: format!(
                        "`{}` is a parameter: parameters are set, not held",
                        target.text
                    ),
                    help: Some(format!("write `set {} = …`", target.text)),
                });
                return None;
            }
        };
        let value = if self.node_sites[node.index()].decl.kind == AstKind::Event {
            // Only the literals are allowed, so anything else is that one mistake,
            // not also a type mismatch.
            let mut literal = value;
            while let ast::ExprKind::Paren(inner) = &literal.kind {
                literal = inner;
            }
            if let ast::ExprKind::Bool(b) = literal.kind {
                Expr {
                    kind: ExprKind::Bool(b),
                    span: value.span,
                }
            } else {
                self.error(CheckError::BadIntervention {
                    at: value.span,
                    problem: "an event is held at `true` or `false`".to_string(),
                    help: Some(format!(
                        "`hold {0} = true` makes it happen at step 0, `hold {0} = false` keeps it from happening",
                        target.text
                    )),
                });
                Expr {
                    kind: ExprKind::Bool(false),
                    span: value.span,
                }
            }
        } else {
            self.constant(value, scope, "a held value")
        };
        Some(InterventionKind::Hold {
            node,
            value,
            window,
        })
    }

    fn set(
        &mut self,
        target: &ast::Name,
        field: Option<ast::SetField>,
        value: &ast::Expr,
    ) -> Option<InterventionKind> {
        let scope = Scope::default();
        let sym = self.lookup(&target.text, target.span, scope)?;
        match (sym, field) {
            (Symbol::Param(p), None) => Some(InterventionKind::SetParam(
                p,
                self.constant(value, scope, "a parameter's value"),
            )),
            (Symbol::Node(n), None) if self.node_sites[n.index()].decl.kind == AstKind::Factor => {
                if self.node_sites[n.index()].decl.derived.is_some() {
                    self.error(CheckError::BadIntervention {
                        at: target.span,
                        problem: format!("`{}` is derived and has no starting value", target.text),
                        help: Some(format!("hold it instead: `hold {} = …`", target.text)),
                    });
                    return None;
                }
                Some(InterventionKind::SetStart(n, self.start(value, scope)))
            }
            (Symbol::Node(n), Some(f))
                if self.node_sites[n.index()].decl.kind == AstKind::Event =>
            {
                if self.node_sites[n.index()].decl.derived.is_some() {
                    self.error(CheckError::BadIntervention {
                        at: target.span,
                        problem: format!("`{}` is derived and has no prior or hazard", target.text),
                        help: Some(format!("hold it instead: `hold {} = true`", target.text)),
                    });
                    return None;
                }
                Some(match f {
                    ast::SetField::Prior => {
                        InterventionKind::SetPrior(n, self.constant(value, scope, "a prior"))
                    }
                    ast::SetField::Hazard => InterventionKind::SetHazard(n, self.num(value, scope)),
                })
            }
            (Symbol::Node(_), None) => {
                self.error(CheckError::BadIntervention {
                    at: target.span,
                    problem: format!("`{}` is an event: set its prior or its hazard", target.text),
                    help: Some(format!(
                        "write `set {0}.prior = …` or `set {0}.hazard = …`, or force it with `at S: {0}`",
                        target.text
                    )),
                });
                None
            }
            (_, Some(_)) => {
                self.error(CheckError::BadIntervention {
                    at: target.span,
                    problem: format!(
                        "only events have a prior and a hazard, and `{}` is not one",
                        target.text
                    ),
                    help: None,
                });
                None
            }
        }
    }

    /// Two interventions of one scenario on the same target contradict each other.
    fn duplicate_interventions(&mut self, list: &[Intervention]) {
        for (i, a) in list.iter().enumerate() {
            if let Some(b) = list[..i].iter().find(|b| same_target(&a.kind, &b.kind)) {
                let help = if b.span.file == a.span.file {
                    "keep one of the two".to_string()
                } else {
                    format!(
                        "keep one of the two (the other is in `{}`)",
                        self.file_name(b.span.file)
                    )
                };
                self.error(CheckError::BadIntervention {
                    at: a.span,
                    problem: "this scenario already intervenes on this target".to_string(),
                    help: Some(help),
                });
            }
        }
    }

    /// Cycles of `extends`, and chains longer than the depth limit: in one
    /// pass over the scenarios, each visited once (a chain of 20,000 took
    /// a cubic time when each scenario walked its own).
    fn extends_chains(&mut self) {
        let Some(model) = self.model.as_ref() else {
            return;
        };
        const UNSEEN: usize = usize::MAX;
        const ON_PATH: usize = usize::MAX - 1;
        // Per scenario: its depth (ancestors) once known.
        let mut depth = vec![UNSEEN; model.scenarios.len()];
        let mut reports = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        for start in 0..model.scenarios.len() {
            if depth[start] != UNSEEN {
                continue;
            }
            // Walk up to a scenario whose depth is known, a root, or a
            // scenario already on this walk (a cycle).
            let mut at = Some(start);
            while let Some(i) = at {
                match depth[i] {
                    UNSEEN => {
                        depth[i] = ON_PATH;
                        path.push(i);
                        at = model.scenarios[i].extends.map(ScenarioId::index);
                    }
                    ON_PATH => {
                        let from = path.iter().position(|&k| k == i).unwrap_or(0);
                        let cycle: Vec<&str> = path[from..]
                            .iter()
                            .chain([&i])
                            .map(|&k| model.scenarios[k].name.as_str())
                            .collect();
                        let site = self.scenario_sites[i - 1];
                        let span = site.extends.as_ref().map_or(site.name.span, |e| e.span);
                        reports.push(CheckError::ExtendsCycle {
                            at: span,
                            name: model.scenarios[i].name.clone(),
                            chain: cycle.join(" → "),
                        });
                        // The cycle's scenarios count as roots from now on.
                        for &k in &path[from..] {
                            depth[k] = 0;
                        }
                        path.truncate(from);
                        at = None;
                    }
                    _ => at = None,
                }
            }
            // Unwind: each scenario is one deeper than the one it extends.
            while let Some(i) = path.pop() {
                let parent = model.scenarios[i].extends.map(ScenarioId::index);
                let d = parent.map_or(0, |p| depth[p].saturating_add(1));
                depth[i] = d;
                if d == self.limits.depth {
                    let site = self.scenario_sites[i - 1];
                    let span = site.extends.as_ref().map_or(site.name.span, |e| e.span);
                    reports.push(CheckError::ExtendsTooDeep {
                        at: span,
                        name: model.scenarios[i].name.clone(),
                        limit: self.limits.depth,
                    });
                }
            }
        }
        self.errors.extend(reports);
    }

    // ------------------------------------------------------------ expectations

    fn expect_block(&mut self, block: &ast::ExpectBlock, sources: &SourceMap) -> Vec<Expectation> {
        let Some(scenario) = self.scenario_ref(&block.scenario) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &block.items {
            let text = sources
                .text(item.span())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(kind) = self.expectation(item, scenario) {
                out.push(Expectation {
                    scenario,
                    kind,
                    text,
                    span: item.span(),
                });
            }
        }
        out
    }

    fn expectation(&mut self, item: &ast::Expectation, own: ScenarioId) -> Option<ExpectKind> {
        let scope = Scope::default();
        let steps = |c: &mut Self, d: &Option<ast::Duration>| {
            d.as_ref()
                .map(|d| c.steps(d, scope, "the step of an expectation"))
        };
        Some(match item {
            ast::Expectation::Stat {
                stat,
                target,
                at,
                verdict,
                span,
            } => {
                let stat = self.stat(stat)?;
                let at = steps(self, at);
                let node = self.node_ref(
                    target,
                    NodeKind::Factor,
                    "statistics describe factors; for an event write `P(e) …`",
                )?;
                let verdict = self.verdict(verdict, own)?;
                if let (Stat::Percentile(_), Verdict::Than(..)) = (stat, &verdict) {
                    self.error(CheckError::BadExpectation {
                        at: *span,
                        problem: "a percentile cannot be compared with another scenario".to_string(),
                        help: Some(
                            "`lower/higher than in` is judged on the paired difference of each run, which gives means and probabilities; compare a percentile with a number, or use `mean(…)`".to_string(),
                        ),
                    });
                    return None;
                }
                ExpectKind::Stat {
                    stat,
                    node,
                    at,
                    verdict,
                }
            }
            ast::Expectation::Prob {
                condition,
                when,
                verdict,
                ..
            } => {
                let condition = self.cond(condition, scope);
                let (mode, step) = match when {
                    Some((ast::ProbWhen::At, d)) => (
                        ProbMode::At,
                        Some(self.steps(d, scope, "the step of an expectation")),
                    ),
                    Some((ast::ProbWhen::By, d)) => (
                        ProbMode::By,
                        Some(self.steps(d, scope, "the step of an expectation")),
                    ),
                    None => (ProbMode::At, None),
                };
                ExpectKind::Prob {
                    condition,
                    mode,
                    step,
                    verdict: self.verdict(verdict, own)?,
                }
            }
            ast::Expectation::Never { event, by, .. } => {
                let by = steps(self, by);
                let node = self.node_ref(
                    event,
                    NodeKind::Event,
                    "`never` is about events; for a factor write `P(x > … by S) == 0`",
                )?;
                ExpectKind::Never { node, by }
            }
            ast::Expectation::Is {
                event, word, by, ..
            } => {
                let by = steps(self, by);
                let node = self.node_ref(
                    event,
                    NodeKind::Event,
                    "`is likely` is about events; for a factor compare a probability, e.g. `P(x > 0.5 at S) > 0.66`",
                )?;
                let scale = self.scale_in_force().into_owned();
                let Some(w) = scale.word(&word.name) else {
                    self.unknown_word(word, &scale);
                    return None;
                };
                ExpectKind::Is {
                    node,
                    word: w.name.clone(),
                    interval: (w.lo, w.hi),
                    by,
                }
            }
        })
    }

    fn stat(&mut self, stat: &ast::Ident) -> Option<Stat> {
        let name = &*stat.name;
        let parsed = match name {
            "mean" => Some(Stat::Mean),
            "median" => Some(Stat::Percentile(50)),
            _ => name
                .strip_prefix('p')
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=99).contains(n))
                .map(Stat::Percentile),
        };
        if parsed.is_none() {
            self.error(CheckError::BadExpectation {
                at: stat.span,
                problem: format!("unknown statistic `{name}`"),
                help: Some(
                    "the statistics are `mean`, `median` and percentiles `p1` … `p99`".to_string(),
                ),
            });
        }
        parsed
    }

    /// A verdict of an expectation about the scenario `own`.
    fn verdict(&mut self, v: &ast::Verdict, own: ScenarioId) -> Option<Verdict> {
        match v {
            ast::Verdict::Compare(op, e) => Some(Verdict::Compare(
                *op,
                self.constant(e, Scope::default(), "an expectation's threshold"),
            )),
            ast::Verdict::Than { direction, other } => {
                let s = self.scenario_ref(other)?;
                if s == own {
                    self.error(CheckError::BadExpectation {
                        at: other.span,
                        problem: format!(
                            "`{}` is compared with itself",
                            other.name
                        ),
                        help: Some(
                            "the paired difference of a scenario with itself is always 0: name another scenario, e.g. `baseline`"
                                .to_string(),
                        ),
                    });
                    return None;
                }
                Some(Verdict::Than(*direction, s))
            }
        }
    }
}

/// The words the grammar's `word` rule refuses, so that a likelihood word is
/// never taken for the clause or item that may follow a rule's effects. Keep in
/// step with `reserved` in grammar/whatif.pest.
pub(super) const RESERVED_WORDS: [&str; 17] = [
    "model", "import", "param", "actor", "factor", "event", "rule", "scenario", "expect", "source",
    "after", "p", "hold", "set", "at", "without", "horizon",
];

fn attr_name(attr: &ast::NodeAttr) -> &'static str {
    match attr {
        ast::NodeAttr::Value(_) => "value",
        ast::NodeAttr::Range { .. } => "range",
        ast::NodeAttr::Prior(_) => "prior",
        ast::NodeAttr::Hazard(_) => "hazard",
        ast::NodeAttr::Description(_) => "description",
        ast::NodeAttr::Source(_) => "source",
    }
}

/// Whether two interventions of one scenario act on the same thing, so that
/// the later replaces the earlier (`extends`) or contradicts it (same scenario).
pub(crate) fn same_target(a: &InterventionKind, b: &InterventionKind) -> bool {
    use InterventionKind as K;
    match (a, b) {
        (K::Hold { node: x, .. }, K::Hold { node: y, .. })
        | (K::SetStart(x, _), K::SetStart(y, _))
        | (K::SetPrior(x, _), K::SetPrior(y, _))
        | (K::SetHazard(x, _), K::SetHazard(y, _)) => x == y,
        (K::SetParam(x, _), K::SetParam(y, _)) => x == y,
        (K::SetRule(x, _), K::SetRule(y, _)) => x == y,
        (K::AtEvent(s, x), K::AtEvent(t, y)) | (K::AtSet(s, x, _), K::AtSet(t, y, _)) => {
            x == y && same_steps(s, t)
        }
        _ => false,
    }
}

/// Two durations written identically (values are compared once computed; this is
/// only used to spot the same `at` written twice).
fn same_steps(a: &Steps, b: &Steps) -> bool {
    match (&a.value.kind, &b.value.kind) {
        (ExprKind::Num(x), ExprKind::Num(y)) => (x * a.per_unit - y * b.per_unit).abs() < 1e-9,
        (ExprKind::Param(x), ExprKind::Param(y)) => {
            x == y && (a.per_unit - b.per_unit).abs() < 1e-12
        }
        _ => false,
    }
}
