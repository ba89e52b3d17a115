//! The formatter: an AST and its comments back to text, in one canonical layout.
//!
//! The tree is printed as a list of lines, each remembering which source bytes it
//! came from; the comments (which the tree does not hold) are then put back on
//! the line they followed (a trailing comment) or before the line they preceded
//! (a comment on its own line). Layout never depends on the input's layout,
//! except that one blank line the author left inside a block is kept; so
//! formatting twice gives the same text as formatting once.
//!
//! Parentheses are printed where the author wrote them, and also wherever the
//! tree needs them to read back the same (a generated tree may lack them).

use super::Parsed;
use super::ast::{
    Actor, AtAction, Branch, Delay, Direction, Duration, Effect, Effects, ExpectBlock, Expectation,
    Expr, ExprKind, FOR_PRECEDENCE, Item, Likelihood, ModelDecl, NEG_PRECEDENCE, NOT_PRECEDENCE,
    NodeAttr, NodeDecl, ProbWhen, RuleAttr, RuleDecl, RuleKind, ScaleDecl, Scenario, ScenarioItem,
    SetField, Setting, Str, UnOp, Verdict,
};
use super::scan::{Comment, CommentKind};

const INDENT: &str = "  ";
/// Beyond this width, a node's description moves to a line of its own.
const WIDTH: usize = 100;

/// Formats a parsed file. `source` is the text it was parsed from (for the
/// comments and the blank lines between statements).
#[must_use]
pub fn format(parsed: &Parsed, source: &str) -> String {
    let code = CodeMap::new(source, &parsed.comments);
    let mut p = Printer {
        lines: Vec::new(),
        depth: 0,
        code: &code,
    };
    let mut prev: Option<&Item> = None;
    for item in &parsed.ast.items {
        let start = p.lines.len();
        p.item(item);
        if let (Some(prev), Some(first)) = (prev, p.lines.get_mut(start)) {
            let grouped = matches!(
                (prev, item),
                (Item::Import(_), Item::Import(_)) | (Item::Param(_), Item::Param(_))
            );
            first.blank = if grouped { Blank::Keep } else { Blank::Always };
        }
        prev = Some(item);
    }
    render(&p.lines, &parsed.comments, &code, source)
}

/// Formats an expression on its own (used in reports that quote a model).
#[must_use]
pub fn expr_to_string(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Blank {
    /// Never a blank line before this line.
    Never,
    /// A blank line if the source had one.
    Keep,
    /// Always a blank line.
    Always,
}

#[derive(Debug)]
struct Line {
    depth: usize,
    text: String,
    /// The first source byte the line stands for: comments before it go before it.
    anchor: u32,
    /// Source ranges printed on this line: a comment right after one of them
    /// trails this line.
    spans: Vec<(u32, u32)>,
    blank: Blank,
    /// A closing brace: comments before it are indented one level deeper.
    closing: bool,
}

struct Printer<'c> {
    lines: Vec<Line>,
    depth: usize,
    code: &'c CodeMap<'c>,
}

impl Printer<'_> {
    fn line(&mut self, text: String, anchor: u32, spans: Vec<(u32, u32)>) {
        self.lines.push(Line {
            depth: self.depth,
            text,
            anchor,
            spans,
            blank: Blank::Keep,
            closing: false,
        });
    }

    /// A line whose first span (at `anchor`) follows `keywords` tokens of its
    /// own that the tree keeps no span of (`horizon`, `source`, `prior =`): the
    /// line stands for the source from the first of them, so that a comment
    /// among them stays with it.
    fn keyword_line(
        &mut self,
        text: String,
        anchor: u32,
        keywords: usize,
        mut spans: Vec<(u32, u32)>,
    ) {
        let start = self.code.tokens_before(anchor, keywords);
        spans.push((start, anchor));
        self.line(text, start, spans);
    }

    fn close(&mut self, end: u32) {
        let anchor = end.saturating_sub(1);
        self.lines.push(Line {
            depth: self.depth,
            text: "}".to_string(),
            anchor,
            spans: vec![(anchor, end)],
            blank: Blank::Never,
            closing: true,
        });
    }

    /// Marks the last line as the opening of a block: no blank line may follow
    /// before the block's first line.
    fn open_block(&mut self) {
        self.depth += 1;
    }

    fn first_in_block(&mut self, start: usize) {
        if let Some(l) = self.lines.get_mut(start) {
            l.blank = Blank::Never;
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Model(m) => self.model(m),
            Item::Import(i) => {
                self.line(
                    format!("import {}", quote(&i.path.value)),
                    i.span.start,
                    vec![(i.span.start, i.span.end)],
                );
            }
            Item::Param(n) | Item::Node(n) => self.node(n),
            Item::Actor(a) => self.actor(a),
            Item::Rule(r) => self.rule(r),
            Item::Scenario(s) => self.scenario(s),
            Item::Expect(e) => self.expect(e),
        }
    }

    fn model(&mut self, m: &ModelDecl) {
        self.line(
            format!("model {} {{", quote(&m.title.value)),
            m.span.start,
            vec![(m.span.start, m.title.span.end)],
        );
        self.open_block();
        let first = self.lines.len();
        for s in &m.settings {
            let (text, span) = match s {
                Setting::Step { size, unit, span } => (
                    format!(
                        "step {} {}",
                        number(size.value),
                        unit_word(unit.unit.singular(), unit.plural)
                    ),
                    *span,
                ),
                Setting::Horizon(d) => {
                    self.keyword_line(
                        format!("horizon {}", duration(d)),
                        d.span.start,
                        1,
                        vec![(d.span.start, d.span.end)],
                    );
                    continue;
                }
                Setting::Stop { eps, span } => {
                    (format!("stop when steady {}", number(eps.value)), *span)
                }
                Setting::Scale(ScaleDecl::Named(n)) => {
                    self.keyword_line(
                        format!("scale {}", n.name),
                        n.span.start,
                        1,
                        vec![(n.span.start, n.span.end)],
                    );
                    continue;
                }
                Setting::Scale(ScaleDecl::Words { words, span }) => {
                    self.keyword_line(
                        "scale {".to_string(),
                        span.start,
                        1,
                        vec![(span.start, span.start + 1)],
                    );
                    self.open_block();
                    let inner = self.lines.len();
                    for w in words {
                        let text = format!(
                            "{} = {} in [{}, {}]",
                            w.word.name,
                            number(w.point.value),
                            number(w.lo.value),
                            number(w.hi.value)
                        );
                        self.line(text, w.span.start, vec![(w.span.start, w.span.end)]);
                    }
                    self.first_in_block(inner);
                    self.depth -= 1;
                    self.close(span.end);
                    continue;
                }
            };
            self.line(text, span.start, vec![(span.start, span.end)]);
        }
        self.first_in_block(first);
        self.depth -= 1;
        self.close(m.span.end);
    }

    fn actor(&mut self, a: &Actor) {
        let mut head = format!("actor {}", a.name.name);
        let mut end = a.name.span.end;
        if let Some(d) = &a.description {
            head.push(' ');
            head.push_str(&quote(&d.value));
            end = d.span.end;
        }
        head.push_str(" {");
        self.line(head, a.span.start, vec![(a.span.start, end)]);
        self.open_block();
        let first = self.lines.len();
        for n in &a.nodes {
            self.node(n);
        }
        self.first_in_block(first);
        self.depth -= 1;
        self.close(a.span.end);
    }

    fn node(&mut self, n: &NodeDecl) {
        let mut head = format!("{} {}", n.kind.keyword(), n.name.name);
        let mut spans = vec![(n.span.start, n.name.span.end)];
        if let Some(d) = &n.derived {
            head.push_str(" := ");
            write_expr(&mut head, d, 0);
            spans.push((self.code.tokens_before(d.span.start, 2), d.span.end));
        }
        let mut attrs: Vec<&NodeAttr> = n.attrs.iter().collect();
        attrs.sort_by_key(|a| a.rank());
        let mut rest: Vec<&NodeAttr> = Vec::new();
        let mut moved = false;
        for a in attrs {
            let span = a.span();
            match a {
                NodeAttr::Value(e) => {
                    head.push_str(" = ");
                    write_expr(&mut head, e, 0);
                    spans.push((self.code.tokens_before(span.start, 1), span.end));
                }
                NodeAttr::Range { lo, hi, spread, .. } => {
                    head.push_str(" in [");
                    write_expr(&mut head, lo, 0);
                    head.push_str(", ");
                    write_expr(&mut head, hi, 0);
                    head.push(']');
                    if let Some(s) = spread {
                        head.push(' ');
                        head.push_str(s.keyword());
                    }
                    spans.push((span.start, span.end));
                }
                // Once a description moves to a line of its own, later ones
                // follow it there, so their order is kept.
                NodeAttr::Description(s) if !moved && fits(&head, s, self.depth) => {
                    head.push(' ');
                    head.push_str(&quote(&s.value));
                    spans.push((s.span.start, s.span.end));
                }
                NodeAttr::Description(_) => {
                    moved = true;
                    rest.push(a);
                }
                _ => rest.push(a),
            }
        }
        self.line(head, n.span.start, spans);
        self.depth += 1;
        for a in rest {
            let span = a.span();
            // `prior = …`, `hazard = …` and `source …` begin at keywords before
            // the span the tree keeps.
            let (text, keywords) = match a {
                NodeAttr::Prior(e) => (format!("prior = {}", expr_to_string(e)), 2),
                NodeAttr::Hazard(e) => (format!("hazard = {}", expr_to_string(e)), 2),
                NodeAttr::Description(s) => (quote(&s.value), 0),
                NodeAttr::Source(s) => (format!("source {}", quote(&s.value)), 1),
                NodeAttr::Value(_) | NodeAttr::Range { .. } => continue,
            };
            self.keyword_line(text, span.start, keywords, vec![(span.start, span.end)]);
            if let Some(l) = self.lines.last_mut() {
                l.blank = Blank::Never;
            }
        }
        self.depth -= 1;
    }

    fn rule(&mut self, r: &RuleDecl) {
        let mut head = format!("rule {}", r.name.name);
        let mut end = r.name.span.end;
        if let Some(d) = &r.description {
            head.push(' ');
            head.push_str(&quote(&d.value));
            end = d.span.end;
        }
        head.push(':');
        self.line(head, r.span.start, vec![(r.span.start, end)]);
        self.depth += 1;
        let kind = match r.kind {
            RuleKind::When => "when",
            RuleKind::While => "while",
        };
        let mut cond = format!("{kind} ");
        write_expr(&mut cond, &r.condition, 0);
        self.keyword_line(
            cond,
            r.condition.span.start,
            1,
            vec![(r.condition.span.start, r.condition.span.end)],
        );
        self.no_blank();
        // Likelihood and delay follow the effects on their line; each source
        // gets a line of its own.
        let mut clause = String::new();
        let mut clause_spans = Vec::new();
        for a in &r.attrs {
            match a {
                RuleAttr::Likelihood(l) => {
                    push_word(&mut clause, &likelihood(l));
                    // `p = …` begins two tokens before its expression.
                    let start = match l {
                        Likelihood::P(e) => self.code.tokens_before(e.span.start, 2),
                        Likelihood::Word(w) => w.span.start,
                    };
                    clause_spans.push((start, l.span().end));
                }
                RuleAttr::Delay(d) => {
                    push_word(&mut clause, &delay(d));
                    clause_spans.push((d.span.start, d.span.end));
                }
                RuleAttr::Source(_) => {}
            }
        }
        match &r.effects {
            Effects::All(list) => {
                let mut text = format!("then {}", effects(list));
                let (s, e) = (
                    list.first().map_or(0, |e| e.span.start),
                    list.last().map_or(0, |e| e.span.end),
                );
                let mut spans = vec![(s, e)];
                if !clause.is_empty() {
                    text.push(' ');
                    text.push_str(&clause);
                    spans.extend(clause_spans);
                }
                self.keyword_line(text, s, 1, spans);
                self.no_blank();
            }
            Effects::OneOf { branches, span } => {
                self.keyword_line(
                    "then one of {".to_string(),
                    span.start,
                    1,
                    vec![(span.start, span.start)],
                );
                self.no_blank();
                self.open_block();
                for b in branches {
                    self.branch(b);
                    self.no_blank();
                }
                self.depth -= 1;
                self.close(span.end);
                if !clause.is_empty() {
                    let anchor = clause_spans.first().map_or(span.end, |s| s.0);
                    self.line(clause, anchor, clause_spans);
                    self.no_blank();
                }
            }
        }
        for a in &r.attrs {
            if let RuleAttr::Source(s) = a {
                self.keyword_line(
                    format!("source {}", quote(&s.value)),
                    s.span.start,
                    1,
                    vec![(s.span.start, s.span.end)],
                );
                self.no_blank();
            }
        }
        self.depth -= 1;
    }

    fn no_blank(&mut self) {
        if let Some(l) = self.lines.last_mut() {
            l.blank = Blank::Never;
        }
    }

    fn branch(&mut self, b: &Branch) {
        let mut text = effects(&b.effects);
        push_word(&mut text, &likelihood(&b.likelihood));
        if let Some(d) = &b.delay {
            push_word(&mut text, &delay(d));
        }
        if let Some(s) = &b.description {
            push_word(&mut text, &quote(&s.value));
        }
        self.line(text, b.span.start, vec![(b.span.start, b.span.end)]);
    }

    fn scenario(&mut self, s: &Scenario) {
        let mut head = format!("scenario {}", s.name.name);
        let mut end = s.name.span.end;
        if let Some(e) = &s.extends {
            head.push_str(" extends ");
            head.push_str(&e.name);
            end = e.span.end;
        }
        if let Some(t) = &s.title {
            head.push(' ');
            head.push_str(&quote(&t.value));
            end = t.span.end;
        }
        head.push_str(" {");
        self.line(head, s.span.start, vec![(s.span.start, end)]);
        self.open_block();
        let first = self.lines.len();
        for item in &s.items {
            let span = item.span();
            let text = match item {
                ScenarioItem::Horizon(d) => format!("horizon {}", duration(d)),
                ScenarioItem::Hold {
                    target,
                    value,
                    window,
                    ..
                } => {
                    let mut t = format!("hold {} = {}", target.text, expr_to_string(value));
                    if let Some((a, b)) = window {
                        t.push_str(&format!(" from {} to {}", duration(a), duration(b)));
                    }
                    t
                }
                ScenarioItem::Set {
                    target,
                    field,
                    value,
                    ..
                } => {
                    let field = match field {
                        None => "",
                        Some(SetField::Prior) => ".prior",
                        Some(SetField::Hazard) => ".hazard",
                    };
                    format!("set {}{field} = {}", target.text, expr_to_string(value))
                }
                ScenarioItem::SetRule { rule, value, .. } => {
                    format!("set rule {} p = {}", rule.name, expr_to_string(value))
                }
                ScenarioItem::At { step, action, .. } => match action {
                    AtAction::Event(n) => format!("at {}: {}", duration(step), n.text),
                    AtAction::Set(n, v) => format!(
                        "at {}: set {} = {}",
                        duration(step),
                        n.text,
                        expr_to_string(v)
                    ),
                },
                ScenarioItem::Without { rule, .. } => format!("without rule {}", rule.name),
                ScenarioItem::Rule(r) => {
                    self.rule(r);
                    continue;
                }
            };
            // A scenario's `horizon` keyword is before its duration's span.
            let keywords = usize::from(matches!(item, ScenarioItem::Horizon(_)));
            self.keyword_line(text, span.start, keywords, vec![(span.start, span.end)]);
        }
        self.first_in_block(first);
        self.depth -= 1;
        self.close(s.span.end);
    }

    fn expect(&mut self, e: &ExpectBlock) {
        let head = format!("expect {} {{", e.scenario.name);
        self.line(
            head,
            e.span.start,
            vec![(e.span.start, e.scenario.span.end)],
        );
        self.open_block();
        let first = self.lines.len();
        for x in &e.items {
            let span = x.span();
            self.line(expectation(x), span.start, vec![(span.start, span.end)]);
        }
        self.first_in_block(first);
        self.depth -= 1;
        self.close(e.span.end);
    }
}

fn fits(head: &str, s: &Str, depth: usize) -> bool {
    depth * INDENT.len() + head.chars().count() + 1 + quote(&s.value).chars().count() <= WIDTH
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

fn effects(list: &[Effect]) -> String {
    list.iter()
        .map(|e| match &e.change {
            None => e.target.text.to_string(),
            Some((op, amount)) => format!(
                "{} {} {}",
                e.target.text,
                op.symbol(),
                expr_to_string(amount)
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn likelihood(l: &Likelihood) -> String {
    match l {
        Likelihood::P(e) => format!("p = {}", expr_to_string(e)),
        Likelihood::Word(w) => w.name.to_string(),
    }
}

fn delay(d: &Delay) -> String {
    match &d.hi {
        None => format!("after {}", duration(&d.lo)),
        Some(hi) => format!("after {}..{}", duration(&d.lo), duration(hi)),
    }
}

fn duration(d: &Duration) -> String {
    let mut out = String::new();
    write_operand(&mut out, &d.value);
    if let Some(u) = d.unit {
        out.push(' ');
        out.push_str(&unit_word(u.unit.singular(), u.plural));
    }
    out
}

fn unit_word(singular: &str, plural: bool) -> String {
    if plural {
        format!("{singular}s")
    } else {
        singular.to_string()
    }
}

fn expectation(x: &Expectation) -> String {
    let by = |d: &Option<Duration>, kw: &str| {
        d.as_ref()
            .map(|d| format!(" {kw} {}", duration(d)))
            .unwrap_or_default()
    };
    match x {
        Expectation::Stat {
            stat,
            target,
            at,
            verdict,
            ..
        } => {
            format!(
                "{}({}){} {}",
                stat.name,
                target.text,
                by(at, "at"),
                verdict_text(verdict)
            )
        }
        Expectation::Prob {
            condition,
            when,
            verdict,
            ..
        } => {
            let when = match when {
                None => String::new(),
                Some((ProbWhen::At, d)) => format!(" at {}", duration(d)),
                Some((ProbWhen::By, d)) => format!(" by {}", duration(d)),
            };
            format!(
                "P({}{when}) {}",
                expr_to_string(condition),
                verdict_text(verdict)
            )
        }
        Expectation::Never { event, by: b, .. } => format!("never {}{}", event.text, by(b, "by")),
        Expectation::Is {
            event, word, by: b, ..
        } => format!("{} is {}{}", event.text, word.name, by(b, "by")),
    }
}

fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::Compare(op, e) => format!("{} {}", op.symbol(), expr_to_string(e)),
        Verdict::Than { direction, other } => {
            let d = match direction {
                Direction::Lower => "lower",
                Direction::Higher => "higher",
            };
            format!("{d} than in {}", other.name)
        }
    }
}

/// A string literal with its escapes.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number in the shortest form that reads back to the same value.
#[must_use]
pub fn number(v: f64) -> String {
    if v.is_infinite() {
        return "1e999".to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The precedence of an expression's top operator, for deciding parentheses
/// (atoms bind tightest).
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Unary(UnOp::Not, _) => NOT_PRECEDENCE,
        ExprKind::Unary(UnOp::Neg, _) => NEG_PRECEDENCE,
        ExprKind::Sustained(_) => FOR_PRECEDENCE,
        // `if … else x` runs as far right as it can: it binds loosest.
        ExprKind::If(_) => 0,
        _ => u8::MAX,
    }
}

fn write_paren(out: &mut String, e: &Expr, wrap: bool) {
    if wrap {
        out.push('(');
        write_expr(out, e, 0);
        out.push(')');
    } else {
        write_expr(out, e, 0);
    }
}

/// Writes `e`, wrapping it in parentheses when its operator binds looser than
/// `min` (the context's requirement).
fn write_expr(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        write_paren(out, e, true);
        return;
    }
    match &e.kind {
        ExprKind::Number(v) => out.push_str(&number(*v)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Step => out.push_str("step"),
        ExprKind::Dt => out.push_str("dt"),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Call(c) => {
            out.push_str(&c.name);
            out.push('(');
            for (i, a) in c.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a, 0);
            }
            out.push(')');
        }
        ExprKind::Paren(inner) => write_paren(out, inner, true),
        ExprKind::Unary(op, a) => {
            let p = precedence(e);
            out.push_str(if *op == UnOp::Not { "not " } else { "-" });
            // A negated negative literal must not print as `--1`.
            if *op == UnOp::Neg && matches!(a.kind, ExprKind::Unary(UnOp::Neg, _)) {
                out.push(' ');
            }
            write_expr(out, a, p);
        }
        ExprKind::Binary(op, a, b) => {
            let p = op.precedence();
            // Left operands: a prefix operator (`not`, `-`) on the left would
            // swallow this operator, so it is wrapped when it binds looser.
            write_left(out, a, p);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            // Right operands of these left-associative operators need parentheses
            // at equal precedence: `a - (b - c)`.
            write_expr(out, b, p + 1);
        }
        ExprKind::If(parts) => {
            out.push_str("if ");
            write_expr(out, &parts[0], 0);
            out.push_str(" then ");
            write_expr(out, &parts[1], 0);
            out.push_str(" else ");
            write_expr(out, &parts[2], 0);
        }
        ExprKind::AtLeast(al) => {
            out.push_str("at least ");
            write_operand(out, &al.k);
            out.push_str(" of (");
            for (i, a) in al.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a, 0);
            }
            out.push(')');
        }
        ExprKind::Sustained(s) => {
            write_left(out, &s.condition, FOR_PRECEDENCE);
            out.push_str(" for ");
            out.push_str(&duration(&s.duration));
        }
    }
}

/// A left operand: wrapped when it binds looser than `p`. That covers a prefix
/// operator (`not x < 1` would read as `not (x < 1)`) and an `if` (its `else`
/// branch would run on: `if` has precedence 0).
fn write_left(out: &mut String, e: &Expr, p: u8) {
    write_paren(out, e, precedence(e) < p);
}

/// A duration's amount or an `at least` count: a number, a name, or parentheses.
fn write_operand(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Paren(_) => write_expr(out, e, 0),
        _ => write_paren(out, e, true),
    }
}

// ------------------------------------------------------------------ comments

/// Joins the lines and puts the comments back.
///
/// A comment is never printed where it could change what follows it: a
/// comment that had code before it on its line goes at the end of one printed
/// line (the one holding the code it sat among), any other comment on a line
/// of its own before the printed line holding the code that followed it. A
/// line comment always ends its printed line: comments that trailed it move to
/// lines of their own below it, where formatting again leaves them.
fn render(lines: &[Line], comments: &[Comment], code: &CodeMap<'_>, source: &str) -> String {
    let locate = Locator::new(lines);
    let mut leading: Vec<Vec<&Comment>> = (0..=lines.len()).map(|_| Vec::new()).collect();
    let mut trailing: Vec<Vec<&Comment>> = (0..lines.len()).map(|_| Vec::new()).collect();
    for c in comments {
        if lines.is_empty() {
            leading[0].push(c);
        } else if code.before_on_line(c.start) {
            // Between two tokens of one source line, the comment goes with the
            // line printing the token after it; otherwise with the code before.
            let at = match code.after_on_line(c.end) {
                Some(next) => locate.line_of(next),
                None => locate.line_of(code.last_before(c.start)),
            };
            trailing[at].push(c);
        } else {
            let at = code
                .first_after(c.end)
                .map_or(lines.len(), |next| locate.line_of(next));
            leading[at].push(c);
        }
    }
    // What trails a line comment cannot stay on its line: it leads the next.
    for i in 0..lines.len() {
        if let Some(k) = trailing[i].iter().position(|c| c.kind == CommentKind::Line) {
            let moved = trailing[i].split_off(k + 1);
            if !moved.is_empty() {
                leading[i + 1].splice(0..0, moved);
            }
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let comment_depth = if line.closing {
            line.depth + 1
        } else {
            line.depth
        };
        // The line's blank-line policy applies before its group (its leading
        // comments, then itself); inside the group the author's blank lines stay.
        let group_start = leading[i].first().map_or(line.anchor as usize, |c| c.start);
        let blank = i > 0
            && match line.blank {
                Blank::Always => true,
                Blank::Never => false,
                Blank::Keep => blank_line_before(source, group_start),
            };
        if blank && !out.ends_with("\n\n") {
            out.push('\n');
        }
        for (k, c) in leading[i].iter().enumerate() {
            if k > 0 && blank_line_before(source, c.start) && !out.ends_with("\n\n") {
                out.push('\n');
            }
            push_comment(&mut out, source, c, comment_depth);
        }
        if !leading[i].is_empty()
            && line.blank != Blank::Never
            && blank_line_before(source, line.anchor as usize)
            && !out.ends_with("\n\n")
        {
            out.push('\n');
        }
        out.push_str(&INDENT.repeat(line.depth));
        out.push_str(&line.text);
        for c in &trailing[i] {
            out.push_str("  ");
            out.push_str(comment_text(source, c));
        }
        out.push('\n');
    }
    let tail = &leading[lines.len()];
    for (k, c) in tail.iter().enumerate() {
        if (k > 0 || !lines.is_empty())
            && blank_line_before(source, c.start)
            && !out.ends_with("\n\n")
        {
            out.push('\n');
        }
        push_comment(&mut out, source, c, 0);
    }
    out
}

/// Where the code is in the source: every byte that is neither white space nor
/// part of a comment.
struct CodeMap<'s> {
    source: &'s [u8],
    /// Byte ranges of the comments, in order.
    comments: Vec<(usize, usize)>,
}

impl<'s> CodeMap<'s> {
    fn new(source: &'s str, comments: &[Comment]) -> CodeMap<'s> {
        CodeMap {
            source: source.as_bytes(),
            comments: comments.iter().map(|c| (c.start, c.end)).collect(),
        }
    }

    /// The comment covering byte `i`, if any.
    fn comment_at(&self, i: usize) -> Option<(usize, usize)> {
        let k = self.comments.partition_point(|&(s, _)| s <= i);
        let (s, e) = *self.comments.get(k.checked_sub(1)?)?;
        (s <= i && i < e).then_some((s, e))
    }

    /// Whether code precedes `pos` on its line.
    fn before_on_line(&self, pos: usize) -> bool {
        let mut i = pos;
        while i > 0 {
            if let Some((s, _)) = self.comment_at(i - 1) {
                i = s;
                continue;
            }
            match self.source[i - 1] {
                b'\n' => return false,
                b if b.is_ascii_whitespace() => i -= 1,
                _ => return true,
            }
        }
        false
    }

    /// The first code byte at or after `pos` on its line.
    fn after_on_line(&self, pos: usize) -> Option<usize> {
        self.scan_forward(pos, true)
    }

    /// The first code byte at or after `pos`.
    fn first_after(&self, pos: usize) -> Option<usize> {
        self.scan_forward(pos, false)
    }

    fn scan_forward(&self, pos: usize, same_line: bool) -> Option<usize> {
        let mut i = pos;
        while i < self.source.len() {
            if let Some((_, e)) = self.comment_at(i) {
                // Code after a comment that ends on a later line is not on the
                // line the comment began on, but it is on the line it ended on,
                // which is the one that matters here.
                i = e;
                continue;
            }
            match self.source[i] {
                b'\n' if same_line => return None,
                b if b.is_ascii_whitespace() => i += 1,
                _ => return Some(i),
            }
        }
        None
    }

    /// The start of the `n`th token before `pos`, skipping white space and
    /// comments; `pos` itself when the source has no such tokens (a tree
    /// built by a program rather than parsed from this text).
    fn tokens_before(&self, pos: u32, n: usize) -> u32 {
        let mut i = (pos as usize).min(self.source.len());
        for _ in 0..n {
            while i > 0 {
                if let Some((s, _)) = self.comment_at(i - 1) {
                    i = s;
                } else if self.source[i - 1].is_ascii_whitespace() {
                    i -= 1;
                } else {
                    break;
                }
            }
            if i == 0 {
                return pos;
            }
            if is_word_byte(self.source[i - 1]) {
                while i > 0 && is_word_byte(self.source[i - 1]) {
                    i -= 1;
                }
            } else {
                i -= 1;
            }
        }
        // Only keywords and ASCII punctuation are stepped over, so `i` is on a
        // character boundary; anything else means the text is not the tree's.
        let boundary = self.source.get(i).is_none_or(|&b| (b as i8) >= -0x40);
        match u32::try_from(i) {
            Ok(start) if boundary => start,
            _ => pos,
        }
    }

    /// The last code byte before `pos` (0 when there is none).
    fn last_before(&self, pos: usize) -> usize {
        let mut i = pos;
        while i > 0 {
            if let Some((s, _)) = self.comment_at(i - 1) {
                i = s;
                continue;
            }
            if !self.source[i - 1].is_ascii_whitespace() {
                return i - 1;
            }
            i -= 1;
        }
        0
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Finds the printed line that holds a given source byte.
struct Locator {
    /// Every printed source range, by start: (start, end, line).
    spans: Vec<(u32, u32, usize)>,
    /// Every line's anchor, sorted: (anchor, line).
    anchors: Vec<(u32, usize)>,
}

impl Locator {
    fn new(lines: &[Line]) -> Locator {
        let mut spans: Vec<(u32, u32, usize)> = lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.spans.iter().map(move |&(s, e)| (s, e, i)))
            .filter(|&(s, e, _)| s < e)
            .collect();
        spans.sort_unstable();
        let mut anchors: Vec<(u32, usize)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.anchor, i))
            .collect();
        anchors.sort_unstable();
        Locator { spans, anchors }
    }

    /// The line printing byte `pos`: the one whose printed range covers it
    /// (the innermost, when ranges nest), else the line of the latest anchor at
    /// or before it, else the first line.
    fn line_of(&self, pos: usize) -> usize {
        let pos = u32::try_from(pos).unwrap_or(u32::MAX);
        let k = self.spans.partition_point(|&(s, _, _)| s <= pos);
        // Ranges starting at or before `pos`, latest first: the first that
        // still covers it is the innermost. Printed ranges of one line never
        // nest and those of different lines seldom do, so a handful suffice.
        let covering = self.spans[..k]
            .iter()
            .rev()
            .take(8)
            .find(|&&(_, e, _)| pos < e)
            .map(|&(_, _, line)| line);
        if let Some(line) = covering {
            return line;
        }
        let k = self.anchors.partition_point(|&(a, _)| a <= pos);
        k.checked_sub(1)
            .and_then(|k| self.anchors.get(k))
            .or_else(|| self.anchors.first())
            .map_or(0, |&(_, line)| line)
    }
}

fn push_comment(out: &mut String, source: &str, c: &Comment, depth: usize) {
    let text = comment_text(source, c);
    match c.kind {
        CommentKind::Line => {
            out.push_str(&INDENT.repeat(depth));
            out.push_str(text);
            out.push('\n');
        }
        CommentKind::Block => {
            // A block comment keeps its inside as written; only its first line is
            // indented, since the rest may be deliberate.
            out.push_str(&INDENT.repeat(depth));
            out.push_str(text);
            out.push('\n');
        }
    }
}

fn comment_text<'s>(source: &'s str, c: &Comment) -> &'s str {
    source.get(c.start..c.end).unwrap_or("").trim_end()
}

/// Whether the source has an empty line just before `pos` (ignoring the
/// indentation of `pos`'s own line).
fn blank_line_before(source: &str, pos: usize) -> bool {
    let before = &source[..pos.min(source.len())];
    let Some(nl) = before.rfind('\n') else {
        return false;
    };
    if !before[nl + 1..].trim().is_empty() {
        return false;
    }
    let prev = &before[..nl];
    let Some(nl2) = prev.rfind('\n') else {
        return prev.trim().is_empty() && !prev.is_empty();
    };
    prev[nl2 + 1..].trim().is_empty()
}
