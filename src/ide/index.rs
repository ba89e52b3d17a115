//! Every name of a model and every place it is used, read off the syntax trees.
//!
//! The index is built from the parsed files, not from the checked model, so
//! that hover and go-to-definition keep working while the model has errors
//! (an unknown name elsewhere, a range the wrong way round): a file that parses
//! is enough. Names are resolved as the checker resolves them — inside an actor
//! a bare name means that actor's node first, then a top-level node or
//! parameter — but a name that does not resolve is simply left out: reporting
//! it is the checker's job.

use std::collections::HashMap;

use crate::span::{FileId, SourceMap, Span};
use crate::syntax::ast::{
    self, AtAction, Duration, Effect, Effects, Expectation, Expr, ExprKind, Item, Likelihood,
    NodeAttr, NodeDecl, RuleAttr, RuleDecl, ScenarioItem, Setting, Verdict,
};

/// What a name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `param`
    Param,
    /// `factor`
    Factor,
    /// `event`
    Event,
    /// `actor`
    Actor,
    /// `rule`
    Rule,
    /// `scenario`
    Scenario,
}

impl SymbolKind {
    /// The keyword that declares it.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            SymbolKind::Param => "param",
            SymbolKind::Factor => "factor",
            SymbolKind::Event => "event",
            SymbolKind::Actor => "actor",
            SymbolKind::Rule => "rule",
            SymbolKind::Scenario => "scenario",
        }
    }
}

/// One declaration.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// What it declares.
    pub kind: SymbolKind,
    /// Its qualified name (`users.trust`).
    pub name: String,
    /// Where its name is written.
    pub at: Span,
    /// The whole declaration.
    pub span: Span,
    /// The declaration as written (for a scenario or an actor, its first line).
    pub signature: String,
    /// Its description or title.
    pub description: Option<String>,
    /// Its `source` citations.
    pub sources: Vec<String>,
    /// For a scenario's own rule, the scenario's symbol.
    pub scenario: Option<usize>,
}

/// How a reference uses its symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Its value is read: a condition, an amount, a definition, a delay.
    Read,
    /// A rule's effect changes it.
    Change,
    /// A scenario intervenes on it: `hold`, `set`, `at`, `without rule`.
    Intervene,
    /// An expectation is about it.
    Expect,
    /// A scenario extends it.
    Extend,
    /// It is named: `expect S`, `lower than in S`.
    Mention,
}

/// One use of a name.
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    /// Where the name is written.
    pub at: Span,
    /// The symbol it resolves to.
    pub symbol: usize,
    /// How it is used.
    pub role: Role,
    /// The declaration it is written in (a rule, a node, a parameter, a
    /// scenario, or for an expectation the scenario expected about).
    pub owner: Option<usize>,
    /// The length of the `actor.` prefix written before a node's name, so that
    /// the actor part of `users.trust` can lead to the actor.
    prefix: u32,
}

/// What a position in a file points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A declaration, by its index in [`Index::symbols`].
    Symbol(usize),
    /// The file an `import` string names, by its index in [`Index::links`].
    Import(usize),
}

/// An `import "path"` and the file it reached.
#[derive(Clone, Debug)]
pub struct Link {
    /// The path string, quotes included.
    pub at: Span,
    /// The file it reached.
    pub file: FileId,
}

/// Every declaration and reference of a model.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The declarations, in source order, file by file.
    pub symbols: Vec<Symbol>,
    /// The references, in source order, file by file.
    pub references: Vec<Reference>,
    /// The imports whose file was read.
    pub links: Vec<Link>,
    values: HashMap<String, usize>,
    actors: HashMap<String, usize>,
    rules: HashMap<String, usize>,
    scenarios: HashMap<String, usize>,
}

/// The longest signature shown, in lines: a rule can be long, and a hover is a
/// glance.
const SIGNATURE_LINES: usize = 12;

impl Index {
    /// Indexes `files`; `imports` maps an import's path string (by its span) to
    /// the file it reached.
    #[must_use]
    pub fn build(
        files: &[(FileId, &ast::File)],
        sources: &SourceMap,
        imports: &[(Span, FileId)],
    ) -> Index {
        let mut index = Index::default();
        for (_, file) in files {
            index.declare_file(file, sources);
        }
        for (_, file) in files {
            Walker { index: &mut index }.file(file);
        }
        for (_, file) in files {
            for item in &file.items {
                if let Item::Import(import) = item
                    && let Some((_, target)) = imports
                        .iter()
                        .find(|(at, _)| same_span(*at, import.path.span))
                {
                    index.links.push(Link {
                        at: import.path.span,
                        file: *target,
                    });
                }
            }
        }
        index
    }

    /// What the byte `offset` of `file` points at: a reference, a declaration's
    /// name, or an import's path. The offset just past a name still counts,
    /// where a cursor stands after typing it.
    #[must_use]
    pub fn at(&self, file: FileId, offset: usize) -> Option<Target> {
        let inside =
            |s: Span| s.file == file && s.start as usize <= offset && offset <= s.end as usize;
        if let Some(r) = self.references.iter().find(|r| inside(r.at)) {
            let actor = self.symbols[r.symbol]
                .name
                .split_once('.')
                .and_then(|(a, _)| self.actors.get(a));
            if let Some(&actor) = actor
                && r.prefix > 0
                && offset < (r.at.start + r.prefix) as usize
            {
                return Some(Target::Symbol(actor));
            }
            return Some(Target::Symbol(r.symbol));
        }
        if let Some(i) = self.symbols.iter().position(|s| inside(s.at)) {
            return Some(Target::Symbol(i));
        }
        self.links
            .iter()
            .position(|l| inside(l.at))
            .map(Target::Import)
    }

    /// The references to a symbol.
    pub fn references_to(&self, symbol: usize) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.symbol == symbol)
    }

    /// A node or parameter by qualified name.
    #[must_use]
    pub fn value_named(&self, name: &str) -> Option<usize> {
        self.values.get(name).copied()
    }

    /// A scenario by name.
    #[must_use]
    pub fn scenario_named(&self, name: &str) -> Option<usize> {
        self.scenarios.get(name).copied()
    }

    /// A rule by name.
    #[must_use]
    pub fn rule_named(&self, name: &str) -> Option<usize> {
        self.rules.get(name).copied()
    }

    fn add(&mut self, symbol: Symbol) -> usize {
        let id = self.symbols.len();
        // The first declaration wins, as the checker reports the second.
        let table = match symbol.kind {
            SymbolKind::Param | SymbolKind::Factor | SymbolKind::Event => &mut self.values,
            SymbolKind::Actor => &mut self.actors,
            SymbolKind::Rule => &mut self.rules,
            SymbolKind::Scenario => &mut self.scenarios,
        };
        table.entry(symbol.name.clone()).or_insert(id);
        self.symbols.push(symbol);
        id
    }

    fn declare_file(&mut self, file: &ast::File, sources: &SourceMap) {
        for item in &file.items {
            match item {
                Item::Param(n) | Item::Node(n) => {
                    self.add(node_symbol(n, None, sources));
                }
                Item::Actor(a) => {
                    self.add(Symbol {
                        kind: SymbolKind::Actor,
                        name: a.name.name.to_string(),
                        at: a.name.span,
                        span: a.span,
                        signature: format!("actor {}", a.name.name),
                        description: a.description.as_ref().map(|d| d.value.to_string()),
                        sources: Vec::new(),
                        scenario: None,
                    });
                    for n in &a.nodes {
                        self.add(node_symbol(n, Some(&a.name.name), sources));
                    }
                }
                Item::Rule(r) => {
                    self.add(rule_symbol(r, None, sources));
                }
                Item::Scenario(s) => {
                    let mut signature = format!("scenario {}", s.name.name);
                    if let Some(parent) = &s.extends {
                        signature.push_str(&format!(" extends {}", parent.name));
                    }
                    let id = self.add(Symbol {
                        kind: SymbolKind::Scenario,
                        name: s.name.name.to_string(),
                        at: s.name.span,
                        span: s.span,
                        signature,
                        description: s.title.as_ref().map(|t| t.value.to_string()),
                        sources: Vec::new(),
                        scenario: None,
                    });
                    for si in &s.items {
                        if let ScenarioItem::Rule(r) = si {
                            self.add(rule_symbol(r, Some(id), sources));
                        }
                    }
                }
                Item::Model(_) | Item::Import(_) | Item::Expect(_) => {}
            }
        }
    }
}

/// Spans compare equal whatever they cover (see `crate::span`); this compares
/// what they cover.
fn same_span(a: Span, b: Span) -> bool {
    a.file == b.file && a.start == b.start && a.end == b.end
}

fn node_symbol(n: &NodeDecl, actor: Option<&str>, sources: &SourceMap) -> Symbol {
    let kind = match n.kind {
        ast::NodeKind::Param => SymbolKind::Param,
        ast::NodeKind::Factor => SymbolKind::Factor,
        ast::NodeKind::Event => SymbolKind::Event,
    };
    let name = match actor {
        Some(a) => format!("{a}.{}", n.name.name),
        None => n.name.name.to_string(),
    };
    let mut description = None;
    let mut cited = Vec::new();
    for attr in &n.attrs {
        match attr {
            NodeAttr::Description(d) if description.is_none() => {
                description = Some(d.value.to_string());
            }
            NodeAttr::Source(s) => cited.push(s.value.to_string()),
            _ => {}
        }
    }
    Symbol {
        kind,
        name,
        at: n.name.span,
        span: n.span,
        signature: signature(sources, n.span),
        description,
        sources: cited,
        scenario: None,
    }
}

fn rule_symbol(r: &RuleDecl, scenario: Option<usize>, sources: &SourceMap) -> Symbol {
    Symbol {
        kind: SymbolKind::Rule,
        name: r.name.name.to_string(),
        at: r.name.span,
        span: r.span,
        signature: signature(sources, r.span),
        description: r.description.as_ref().map(|d| d.value.to_string()),
        sources: r
            .attrs
            .iter()
            .filter_map(|a| match a {
                RuleAttr::Source(s) => Some(s.value.to_string()),
                _ => None,
            })
            .collect(),
        scenario,
    }
}

/// A declaration as written, cut to a few lines, its indentation evened out.
fn signature(sources: &SourceMap, span: Span) -> String {
    let text = sources.text(span);
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = lines.iter().take(SIGNATURE_LINES).copied().collect();
    if lines.len() > SIGNATURE_LINES {
        out.push("…");
    }
    // Continuation lines keep their indentation relative to the least indented.
    let indent = out
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut result = String::new();
    for (i, line) in out.iter().enumerate() {
        if i > 0 {
            result.push('\n');
            result.push_str("  ");
            result.push_str(line.get(indent..).unwrap_or(line.trim_start()));
        } else {
            result.push_str(line);
        }
    }
    result
}

/// The second pass: every reference, resolved against the declarations.
struct Walker<'i> {
    index: &'i mut Index,
}

/// Where a reference is written.
#[derive(Clone, Copy)]
struct Context<'a> {
    /// Inside an actor: bare names mean its nodes first.
    actor: Option<&'a str>,
    /// The declaration it belongs to.
    owner: Option<usize>,
}

impl Walker<'_> {
    fn file(&mut self, file: &ast::File) {
        let top = Context {
            actor: None,
            owner: None,
        };
        for item in &file.items {
            match item {
                Item::Model(m) => {
                    for s in &m.settings {
                        if let Setting::Horizon(d) = s {
                            self.duration(d, top);
                        }
                    }
                }
                Item::Import(_) => {}
                Item::Param(n) | Item::Node(n) => self.node(n, None),
                Item::Actor(a) => {
                    for n in &a.nodes {
                        self.node(n, Some(&a.name.name));
                    }
                }
                Item::Rule(r) => self.rule(r),
                Item::Scenario(s) => self.scenario(s),
                Item::Expect(e) => self.expect(e),
            }
        }
    }

    fn node(&mut self, n: &NodeDecl, actor: Option<&str>) {
        let name = match actor {
            Some(a) => format!("{a}.{}", n.name.name),
            None => n.name.name.to_string(),
        };
        let cx = Context {
            actor,
            owner: self.index.value_named(&name),
        };
        if let Some(d) = &n.derived {
            self.expr(d, cx);
        }
        for attr in &n.attrs {
            match attr {
                NodeAttr::Value(e) | NodeAttr::Prior(e) | NodeAttr::Hazard(e) => self.expr(e, cx),
                NodeAttr::Range { lo, hi, .. } => {
                    self.expr(lo, cx);
                    self.expr(hi, cx);
                }
                NodeAttr::Description(_) | NodeAttr::Source(_) => {}
            }
        }
    }

    fn rule(&mut self, r: &RuleDecl) {
        let cx = Context {
            actor: None,
            owner: self.index.rule_named(&r.name.name),
        };
        self.expr(&r.condition, cx);
        match &r.effects {
            Effects::All(effects) => self.effects(effects, cx),
            Effects::OneOf { branches, .. } => {
                for b in branches {
                    self.effects(&b.effects, cx);
                    self.likelihood(&b.likelihood, cx);
                    if let Some(d) = &b.delay {
                        self.duration(&d.lo, cx);
                        if let Some(hi) = &d.hi {
                            self.duration(hi, cx);
                        }
                    }
                }
            }
        }
        for attr in &r.attrs {
            match attr {
                RuleAttr::Likelihood(l) => self.likelihood(l, cx),
                RuleAttr::Delay(d) => {
                    self.duration(&d.lo, cx);
                    if let Some(hi) = &d.hi {
                        self.duration(hi, cx);
                    }
                }
                RuleAttr::Source(_) => {}
            }
        }
    }

    fn effects(&mut self, effects: &[Effect], cx: Context<'_>) {
        for e in effects {
            self.name(&e.target.text, e.target.span, Role::Change, cx);
            if let Some((_, amount)) = &e.change {
                self.expr(amount, cx);
            }
        }
    }

    fn likelihood(&mut self, l: &Likelihood, cx: Context<'_>) {
        if let Likelihood::P(e) = l {
            self.expr(e, cx);
        }
    }

    fn scenario(&mut self, s: &ast::Scenario) {
        let id = self.index.scenario_named(&s.name.name);
        let cx = Context {
            actor: None,
            owner: id,
        };
        if let Some(parent) = &s.extends {
            self.named(SymbolKind::Scenario, parent, Role::Extend, cx);
        }
        for item in &s.items {
            match item {
                ScenarioItem::Horizon(d) => self.duration(d, cx),
                ScenarioItem::Hold {
                    target,
                    value,
                    window,
                    ..
                } => {
                    self.name(&target.text, target.span, Role::Intervene, cx);
                    self.expr(value, cx);
                    if let Some((from, to)) = window {
                        self.duration(from, cx);
                        self.duration(to, cx);
                    }
                }
                ScenarioItem::Set { target, value, .. } => {
                    self.name(&target.text, target.span, Role::Intervene, cx);
                    self.expr(value, cx);
                }
                ScenarioItem::SetRule { rule, value, .. } => {
                    self.named(SymbolKind::Rule, rule, Role::Intervene, cx);
                    self.expr(value, cx);
                }
                ScenarioItem::At { step, action, .. } => {
                    self.duration(step, cx);
                    match action {
                        AtAction::Event(e) => self.name(&e.text, e.span, Role::Intervene, cx),
                        AtAction::Set(f, value) => {
                            self.name(&f.text, f.span, Role::Intervene, cx);
                            self.expr(value, cx);
                        }
                    }
                }
                ScenarioItem::Without { rule, .. } => {
                    self.named(SymbolKind::Rule, rule, Role::Intervene, cx);
                }
                ScenarioItem::Rule(r) => self.rule(r),
            }
        }
    }

    fn expect(&mut self, e: &ast::ExpectBlock) {
        let cx = Context {
            actor: None,
            owner: self.index.scenario_named(&e.scenario.name),
        };
        self.named(SymbolKind::Scenario, &e.scenario, Role::Mention, cx);
        for item in &e.items {
            let verdict = match item {
                Expectation::Stat {
                    target,
                    at,
                    verdict,
                    ..
                } => {
                    self.name(&target.text, target.span, Role::Expect, cx);
                    if let Some(d) = at {
                        self.duration(d, cx);
                    }
                    Some(verdict)
                }
                Expectation::Prob {
                    condition,
                    when,
                    verdict,
                    ..
                } => {
                    self.expr_as(condition, Role::Expect, cx);
                    if let Some((_, d)) = when {
                        self.duration(d, cx);
                    }
                    Some(verdict)
                }
                Expectation::Never { event, by, .. } | Expectation::Is { event, by, .. } => {
                    self.name(&event.text, event.span, Role::Expect, cx);
                    if let Some(d) = by {
                        self.duration(d, cx);
                    }
                    None
                }
            };
            match verdict {
                Some(Verdict::Compare(_, e)) => self.expr(e, cx),
                Some(Verdict::Than { other, .. }) => {
                    self.named(SymbolKind::Scenario, other, Role::Mention, cx);
                }
                None => {}
            }
        }
    }

    fn duration(&mut self, d: &Duration, cx: Context<'_>) {
        self.expr(&d.value, cx);
    }

    fn expr(&mut self, e: &Expr, cx: Context<'_>) {
        self.expr_as(e, Role::Read, cx);
    }

    /// Records every name in `e` with `role`. Deep expressions are walked with
    /// an explicit stack: nesting is bounded by the parser, but not by much.
    fn expr_as(&mut self, e: &Expr, role: Role, cx: Context<'_>) {
        let mut stack: Vec<&Expr> = vec![e];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Step | ExprKind::Dt => {}
                ExprKind::Name(name) => self.name(name, e.span, role, cx),
                ExprKind::Call(call) => stack.extend(call.args.iter().rev()),
                ExprKind::Paren(inner) | ExprKind::Unary(_, inner) => stack.push(inner),
                ExprKind::Binary(_, a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                ExprKind::If(parts) => stack.extend(parts.iter().rev()),
                ExprKind::AtLeast(a) => {
                    stack.extend(a.items.iter().rev());
                    stack.push(&a.k);
                }
                ExprKind::Sustained(s) => {
                    stack.push(&s.duration.value);
                    stack.push(&s.condition);
                }
            }
        }
    }

    /// A node or parameter name, resolved in `cx`.
    fn name(&mut self, text: &str, at: Span, role: Role, cx: Context<'_>) {
        let local = cx
            .actor
            .filter(|_| !text.contains('.'))
            .and_then(|a| self.index.value_named(&format!("{a}.{text}")));
        let Some(symbol) = local.or_else(|| self.index.value_named(text)) else {
            return;
        };
        let prefix = text.find('.').map_or(0, |i| i + 1);
        self.index.references.push(Reference {
            at,
            symbol,
            role,
            owner: cx.owner,
            prefix: u32::try_from(prefix).unwrap_or(0),
        });
    }

    /// A rule or scenario name.
    fn named(&mut self, kind: SymbolKind, ident: &ast::Ident, role: Role, cx: Context<'_>) {
        let table = match kind {
            SymbolKind::Rule => &self.index.rules,
            _ => &self.index.scenarios,
        };
        if let Some(&symbol) = table.get(&*ident.name) {
            self.index.references.push(Reference {
                at: ident.span,
                symbol,
                role,
                owner: cx.owner,
                prefix: 0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn index(text: &str) -> Index {
        let mut sources = SourceMap::new();
        let id = sources.add("m.whatif", text);
        let parsed = crate::syntax::parse(id, text, &Limits::default()).expect("parses");
        Index::build(&[(id, &parsed.ast)], &sources, &[])
    }

    fn target_name(index: &Index, text: &str, needle: &str, nth: usize) -> Option<String> {
        let offset = text.match_indices(needle).nth(nth).map(|(i, _)| i)?;
        match index.at(FileId(0), offset)? {
            Target::Symbol(s) => Some(index.symbols[s].name.clone()),
            Target::Import(_) => None,
        }
    }

    const MODEL: &str = r#"param p = 0.5 "a knob"
actor users {
  factor trust = p "how much users trust" source "survey"
  factor loss := 1 - trust
}
rule erode: while users.trust > 0.2 then users.trust -= 0.1
scenario s "title" { hold users.trust = 0.9  without rule erode }
scenario t extends s { }
expect t { P(users.trust < 0.5) lower than in s }
"#;

    #[test]
    fn names_resolve_as_the_checker_resolves_them() {
        let idx = index(MODEL);
        // A bare name inside an actor is the actor's node.
        assert_eq!(
            target_name(&idx, MODEL, "trust", 2).as_deref(),
            Some("users.trust")
        );
        // A parameter read in a starting value.
        assert_eq!(target_name(&idx, MODEL, "p \"how", 0).as_deref(), Some("p"));
        // The actor part of a qualified name leads to the actor.
        assert_eq!(
            target_name(&idx, MODEL, "users.trust >", 0).as_deref(),
            Some("users")
        );
        assert_eq!(
            target_name(&idx, MODEL, "erode }", 0).as_deref(),
            Some("erode")
        );
        assert_eq!(
            target_name(&idx, MODEL, "s { }", 0).as_deref(),
            Some("s"),
            "extends"
        );
        assert_eq!(target_name(&idx, MODEL, "s }\n", 0).as_deref(), Some("s"));
        assert_eq!(target_name(&idx, MODEL, "t {", 0).as_deref(), Some("t"));
    }

    #[test]
    fn references_record_their_role_and_owner() {
        let idx = index(MODEL);
        let trust = idx.value_named("users.trust").expect("declared");
        let erode = idx.rule_named("erode");
        let roles: Vec<(Role, Option<String>)> = idx
            .references_to(trust)
            .map(|r| (r.role, r.owner.map(|o| idx.symbols[o].name.clone())))
            .collect();
        assert!(roles.contains(&(Role::Read, Some("users.loss".into()))));
        assert!(roles.contains(&(Role::Read, Some("erode".into()))));
        assert!(roles.contains(&(Role::Change, Some("erode".into()))));
        assert!(roles.contains(&(Role::Intervene, Some("s".into()))));
        assert!(roles.contains(&(Role::Expect, Some("t".into()))));
        assert!(erode.is_some());
        let sym = &idx.symbols[trust];
        assert_eq!(sym.description.as_deref(), Some("how much users trust"));
        assert_eq!(sym.sources, vec!["survey".to_string()]);
        assert!(sym.signature.starts_with("factor trust = p"));
    }

    #[test]
    fn unknown_names_are_left_to_the_checker() {
        let text = "rule r: when nowhere.x then elsewhere";
        let idx = index(text);
        assert!(idx.references.is_empty());
        assert_eq!(target_name(&idx, text, "r:", 0).as_deref(), Some("r"));
    }
}
