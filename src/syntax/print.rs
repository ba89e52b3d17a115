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
    let mut p = Printer {
        lines: Vec::new(),
        depth: 0,
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
    render(&p.lines, &parsed.comments, source)
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

struct Printer {
    lines: Vec<Line>,
    depth: usize,
}

impl Printer {
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
                Setting::Horizon(d) => (format!("horizon {}", duration(d)), d.span),
                Setting::Stop { eps, span } => {
                    (format!("stop when steady {}", number(eps.value)), *span)
                }
                Setting::Scale(ScaleDecl::Named(n)) => (format!("scale {}", n.name), n.span),
                Setting::Scale(ScaleDecl::Words { words, span }) => {
                    self.line(
                        "scale {".to_string(),
                        span.start,
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
            spans.push((d.span.start, d.span.end));
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
                    spans.push((span.start, span.end));
                }
                NodeAttr::Range { lo, hi, .. } => {
                    head.push_str(" in [");
                    write_expr(&mut head, lo, 0);
                    head.push_str(", ");
                    write_expr(&mut head, hi, 0);
                    head.push(']');
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
            let text = match a {
                NodeAttr::Prior(e) => format!("prior = {}", expr_to_string(e)),
                NodeAttr::Hazard(e) => format!("hazard = {}", expr_to_string(e)),
                NodeAttr::Description(s) => quote(&s.value),
                NodeAttr::Source(s) => format!("source {}", quote(&s.value)),
                NodeAttr::Value(_) | NodeAttr::Range { .. } => continue,
            };
            // `prior = …` and `hazard = …` begin at their keyword, before the
            // expression's span: anchor at the expression so comments stay put.
            self.line(text, span.start, vec![(span.start, span.end)]);
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
        self.line(
            cond,
            r.condition.span.start,
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
                    clause_spans.push((l.span().start, l.span().end));
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
                self.line(text, s, spans);
                self.no_blank();
            }
            Effects::OneOf { branches, span } => {
                self.line(
                    "then one of {".to_string(),
                    span.start,
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
                self.line(
                    format!("source {}", quote(&s.value)),
                    s.span.start,
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
            self.line(text, span.start, vec![(span.start, span.end)]);
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
fn render(lines: &[Line], comments: &[Comment], source: &str) -> String {
    let mut leading: Vec<Vec<&Comment>> = (0..=lines.len()).map(|_| Vec::new()).collect();
    let mut trailing: Vec<Vec<&Comment>> = (0..lines.len()).map(|_| Vec::new()).collect();
    for c in comments {
        let start = c.start as u32;
        if code_before_on_line(source, c.start) {
            trailing[trailing_line(lines, source, start)].push(c);
        } else {
            let end = c.end as u32;
            let at = lines
                .iter()
                .position(|l| l.anchor >= end)
                .unwrap_or(lines.len());
            leading[at].push(c);
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

/// Whether code precedes `pos` on its line (so a comment there trails it).
fn code_before_on_line(source: &str, pos: usize) -> bool {
    let line_start = source[..pos].rfind('\n').map_or(0, |i| i + 1);
    !source[line_start..pos].trim().is_empty() && !ends_in_comment(&source[line_start..pos])
}

/// A line whose text before `pos` is itself a block comment: what follows is not
/// after code.
fn ends_in_comment(before: &str) -> bool {
    let t = before.trim();
    t.starts_with("/*") && t.ends_with("*/")
}

/// The line a trailing comment at `pos` belongs to: the one that printed the code
/// right before it; failing that, the last line that starts before it.
fn trailing_line(lines: &[Line], source: &str, pos: u32) -> usize {
    let mut best: Option<(u32, usize)> = None;
    for (i, l) in lines.iter().enumerate() {
        for &(_, end) in &l.spans {
            if end <= pos
                && source
                    .get(end as usize..pos as usize)
                    .is_some_and(|gap| !gap.contains('\n'))
            {
                // The latest end wins; among equals, the later line (a closing
                // brace after its block's last statement).
                if best.is_none_or(|(e, _)| end >= e) {
                    best = Some((end, i));
                }
            }
        }
    }
    if let Some((_, i)) = best {
        return i;
    }
    lines.iter().rposition(|l| l.anchor <= pos).unwrap_or(0)
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
