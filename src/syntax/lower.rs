//! From pest pairs to the AST: the only code that knows pest.
//!
//! One lowering function per grammar rule. Pairs are read through [`Children`],
//! which skips keyword pairs and turns a missing child into an internal error
//! instead of a panic. Expression precedence is pest's Pratt parser; the depth of
//! every expression tree is tracked here, so a long chain such as `a + a + … + a`
//! is refused before it can grow a tree too deep for the recursive passes after us.

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::{
    Actor, AssignOp, AtAction, AtLeast, BinOp, Branch, Call, CmpOp, Delay, Direction, Duration,
    Effect, Effects, ExpectBlock, Expectation, Expr, ExprKind, Ident, Import, Item, Likelihood,
    Measure, ModelDecl, Name, NodeAttr, NodeDecl, NodeKind, Number, ProbWhen, RuleAttr, RuleDecl,
    RuleKind, ScaleDecl, ScaleWord, Scenario, ScenarioItem, SetField, Setting, Spread, Str,
    Sustained, TimeUnit, UnOp, UnitName, Verdict,
};
use super::error::SyntaxError;
use crate::span::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/whatif.pest"]
struct WhatifParser;

// Later levels bind tighter. `not` sits between `and` and `for`, and `for`
// between `not` and the comparisons: `not x < 1 for 3` is `not ((x < 1) for 3)`.
static PRATT: std::sync::LazyLock<PrattParser<Rule>> = std::sync::LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::postfix(Rule::sustained))
        .op(Op::infix(Rule::cmp_op, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::args))
});

/// Parses `text` (a batch of whole top-level items that starts at byte `base` of
/// file `file`) into items.
///
/// # Errors
/// The first syntax error of the batch, or an expression nested deeper than
/// `max_depth`.
pub(crate) fn parse_items(
    text: &str,
    file: FileId,
    base: usize,
    max_depth: usize,
) -> Result<Vec<Item>> {
    let pairs = WhatifParser::parse(Rule::file, text)
        .map_err(|e| super::error::from_pest(&e, file, base, text))?;
    let lower = Lower {
        file,
        base,
        max_depth,
    };
    let mut items = Vec::new();
    for pair in pairs.flatten().take(1) {
        for child in pair.into_inner() {
            if child.as_rule() != Rule::EOI {
                items.push(lower.item(child)?);
            }
        }
    }
    Ok(items)
}

/// Parses `text`, the whole of file `file`, as a [`Measure`].
///
/// # Errors
/// The syntax error, with `help` as its hint when pest's position suggests
/// nothing better; an expression nested deeper than `max_depth`.
pub(crate) fn parse_measure(
    text: &str,
    file: FileId,
    max_depth: usize,
    help: &str,
) -> Result<Measure> {
    let whole = Span::new(file, 0, text.len());
    let pairs = WhatifParser::parse(Rule::measure, text)
        .map_err(|e| super::error::from_pest_with(&e, file, 0, text, help))?;
    let lower = Lower {
        file,
        base: 0,
        max_depth,
    };
    let measure = pairs
        .flatten()
        .find(|p| matches!(p.as_rule(), Rule::measure_prob | Rule::measure_value))
        .ok_or(SyntaxError::Internal { at: whole })?;
    lower.measure(measure)
}

type Result<T> = std::result::Result<T, SyntaxError>;

/// A vector without spare capacity: a large model holds hundreds of thousands of
/// these, and collecting from pest's iterators over-allocates.
fn tight<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

struct Lower {
    file: FileId,
    base: usize,
    max_depth: usize,
}

/// The children of a pair, keyword pairs skipped.
struct Children<'i> {
    inner: std::iter::Peekable<Pairs<'i, Rule>>,
    parent: Span,
}

impl<'i> Children<'i> {
    fn skip_keywords(&mut self) {
        while self.inner.peek().is_some_and(|p| is_keyword(p.as_rule())) {
            self.inner.next();
        }
    }

    /// The next child, which the grammar guarantees.
    fn next(&mut self) -> Result<Pair<'i, Rule>> {
        self.skip_keywords();
        self.inner
            .next()
            .ok_or(SyntaxError::Internal { at: self.parent })
    }

    /// The next child if it is a `rule`.
    fn next_if(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.skip_keywords();
        if self.inner.peek().is_some_and(|p| p.as_rule() == rule) {
            self.inner.next()
        } else {
            None
        }
    }

    fn rest(mut self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.skip_keywords();
        self.inner.filter(|p| !is_keyword(p.as_rule()))
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(rule, Rule::kw_at | Rule::kw_by)
}

impl Lower {
    /// A pair's span, without trailing white space: pest keeps the white space it
    /// skipped before an optional element that then failed (a `branch` with no
    /// description), and an underline should end at the last token.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let trimmed = pair
            .as_str()
            .trim_end_matches(|c: char| c.is_ascii_whitespace());
        Span::new(
            self.file,
            self.base + s.start(),
            self.base + s.start() + trimmed.len(),
        )
    }

    fn children<'i>(&self, pair: Pair<'i, Rule>) -> Children<'i> {
        let parent = self.span(&pair);
        Children {
            inner: pair.into_inner().peekable(),
            parent,
        }
    }

    fn unexpected(&self, pair: &Pair<'_, Rule>) -> SyntaxError {
        SyntaxError::Internal {
            at: self.span(pair),
        }
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        Ok(match pair.as_rule() {
            Rule::model_decl => Item::Model(Box::new(self.model(pair)?)),
            Rule::import_decl => {
                let span = self.span(&pair);
                let path = self.string(self.children(pair).next()?)?;
                Item::Import(Box::new(Import { path, span }))
            }
            Rule::param_decl => Item::Param(Box::new(self.node(pair, NodeKind::Param)?)),
            Rule::actor_decl => Item::Actor(Box::new(self.actor(pair)?)),
            Rule::factor_decl => Item::Node(Box::new(self.node(pair, NodeKind::Factor)?)),
            Rule::event_decl => Item::Node(Box::new(self.node(pair, NodeKind::Event)?)),
            Rule::rule_decl => Item::Rule(Box::new(self.rule(pair)?)),
            Rule::scenario_decl => Item::Scenario(Box::new(self.scenario(pair)?)),
            Rule::expect_decl => Item::Expect(Box::new(self.expect(pair)?)),
            _ => return Err(self.unexpected(&pair)),
        })
    }

    // ------------------------------------------------------------ tokens

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().into(),
            span: self.span(pair),
        }
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> Name {
        Name {
            text: pair.as_str().into(),
            span: self.span(pair),
        }
    }

    fn number(&self, pair: &Pair<'_, Rule>) -> Number {
        // The grammar admits only digits, a dot and an exponent, which Rust's float
        // parser always accepts; a huge literal becomes infinity, which the checker
        // reports with its span.
        let value = pair.as_str().parse::<f64>().unwrap_or(f64::NAN);
        Number {
            value,
            span: self.span(pair),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> Result<Str> {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                other => {
                    let len = 1 + other.map_or(0, |(_, c)| c.len_utf8());
                    let start = span.start as usize + 1 + i;
                    return Err(SyntaxError::BadEscape {
                        at: Span::new(self.file, start, start + len),
                    });
                }
            }
        }
        Ok(Str {
            value: value.into(),
            span,
        })
    }

    fn unit(&self, pair: &Pair<'_, Rule>) -> Result<UnitName> {
        let (unit, plural) = TimeUnit::parse(pair.as_str()).ok_or_else(|| self.unexpected(pair))?;
        Ok(UnitName {
            unit,
            plural,
            span: self.span(pair),
        })
    }

    fn duration(&self, pair: Pair<'_, Rule>) -> Result<Duration> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let value = self.operand(c.next()?)?;
        let unit = c.next_if(Rule::unit).map(|u| self.unit(&u)).transpose()?;
        Ok(Duration { value, unit, span })
    }

    /// A number, name or parenthesised expression standing alone.
    fn operand(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::number => Expr {
                kind: ExprKind::Number(self.number(&pair).value),
                span,
            },
            Rule::name => Expr {
                kind: ExprKind::Name(pair.as_str().into()),
                span,
            },
            Rule::paren => self.primary(pair)?.0,
            _ => return Err(self.unexpected(&pair)),
        })
    }

    // ------------------------------------------------------------ header

    fn model(&self, pair: Pair<'_, Rule>) -> Result<ModelDecl> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let title = self.string(c.next()?)?;
        let mut settings = Vec::new();
        for p in c.rest() {
            let pspan = self.span(&p);
            settings.push(match p.as_rule() {
                Rule::step_decl => {
                    let mut c = self.children(p);
                    let size = self.number(&c.next()?);
                    let unit = self.unit(&c.next()?)?;
                    Setting::Step {
                        size,
                        unit,
                        span: pspan,
                    }
                }
                Rule::horizon_decl => Setting::Horizon(self.duration(self.children(p).next()?)?),
                Rule::stop_decl => Setting::Stop {
                    eps: self.number(&self.children(p).next()?),
                    span: pspan,
                },
                Rule::scale_decl => {
                    let inner = self.children(p).next()?;
                    if inner.as_rule() == Rule::ident {
                        Setting::Scale(ScaleDecl::Named(self.ident(&inner)))
                    } else {
                        let mut words = Vec::new();
                        for w in self.children(inner).rest() {
                            let wspan = self.span(&w);
                            let mut c = self.children(w);
                            words.push(ScaleWord {
                                word: self.ident(&c.next()?),
                                point: self.number(&c.next()?),
                                lo: self.number(&c.next()?),
                                hi: self.number(&c.next()?),
                                span: wspan,
                            });
                        }
                        Setting::Scale(ScaleDecl::Words {
                            words: tight(words),
                            span: pspan,
                        })
                    }
                }
                _ => return Err(self.unexpected(&p)),
            });
        }
        Ok(ModelDecl {
            title,
            settings: tight(settings),
            span,
        })
    }

    // ------------------------------------------------------------ nodes

    fn actor(&self, pair: Pair<'_, Rule>) -> Result<Actor> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(&c.next()?);
        let description = c
            .next_if(Rule::string)
            .map(|s| self.string(s))
            .transpose()?;
        let mut nodes = Vec::new();
        for p in c.rest() {
            let kind = if p.as_rule() == Rule::factor_decl {
                NodeKind::Factor
            } else {
                NodeKind::Event
            };
            nodes.push(self.node(p, kind)?);
        }
        Ok(Actor {
            name,
            description,
            nodes: tight(nodes),
            span,
        })
    }

    fn node(&self, pair: Pair<'_, Rule>, kind: NodeKind) -> Result<NodeDecl> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(&c.next()?);
        let derived = match c.next_if(Rule::derived) {
            Some(d) => Some(self.expr(self.children(d).next()?)?),
            None => None,
        };
        let mut attrs = Vec::new();
        for p in c.rest() {
            let pspan = self.span(&p);
            attrs.push(match p.as_rule() {
                Rule::start_value => NodeAttr::Value(self.expr(self.children(p).next()?)?),
                Rule::range => {
                    let mut c = self.children(p);
                    let lo = self.expr(c.next()?)?;
                    let hi = self.expr(c.next()?)?;
                    let spread = c.next_if(Rule::spread).map(|s| {
                        if s.as_str() == "triangular" {
                            Spread::Triangular
                        } else {
                            Spread::Uniform
                        }
                    });
                    NodeAttr::Range {
                        lo,
                        hi,
                        spread,
                        span: pspan,
                    }
                }
                Rule::prior_attr => NodeAttr::Prior(self.expr(self.children(p).next()?)?),
                Rule::hazard_attr => NodeAttr::Hazard(self.expr(self.children(p).next()?)?),
                Rule::string => NodeAttr::Description(self.string(p)?),
                Rule::source_attr => NodeAttr::Source(self.string(self.children(p).next()?)?),
                _ => return Err(self.unexpected(&p)),
            });
        }
        Ok(NodeDecl {
            kind,
            name,
            derived,
            attrs: tight(attrs),
            span,
        })
    }

    // ------------------------------------------------------------ rules

    fn rule(&self, pair: Pair<'_, Rule>) -> Result<RuleDecl> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(&c.next()?);
        let description = c
            .next_if(Rule::string)
            .map(|s| self.string(s))
            .transpose()?;
        let kind = match c.next()?.as_str() {
            "when" => RuleKind::When,
            _ => RuleKind::While,
        };
        let condition = self.expr(c.next()?)?;
        // The grammar's `effects` is silent: effects (or one `one of`) come first
        // among the remaining children, then the attributes.
        let mut all = Vec::new();
        let mut one_of = None;
        let mut attrs = Vec::new();
        for p in c.rest() {
            attrs.push(match p.as_rule() {
                Rule::effect => {
                    all.push(self.effect(p)?);
                    continue;
                }
                Rule::one_of => {
                    let span = self.span(&p);
                    let branches = self
                        .children(p)
                        .rest()
                        .map(|b| self.branch(b))
                        .collect::<Result<Vec<_>>>()
                        .map(tight)?;
                    one_of = Some(Effects::OneOf { branches, span });
                    continue;
                }
                Rule::likelihood => RuleAttr::Likelihood(self.likelihood(p)?),
                Rule::delay => RuleAttr::Delay(Box::new(self.delay(p)?)),
                Rule::source_attr => RuleAttr::Source(self.string(self.children(p).next()?)?),
                _ => return Err(self.unexpected(&p)),
            });
        }
        let effects = one_of.unwrap_or_else(|| Effects::All(tight(all)));
        Ok(RuleDecl {
            name,
            description,
            kind,
            condition,
            effects,
            attrs: tight(attrs),
            span,
        })
    }

    fn effect(&self, pair: Pair<'_, Rule>) -> Result<Effect> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let target = self.name(&c.next()?);
        let change = match c.next_if(Rule::assign_op) {
            Some(op) => {
                let op = match op.as_str() {
                    "+=" => AssignOp::Add,
                    "-=" => AssignOp::Sub,
                    _ => AssignOp::Set,
                };
                Some((op, self.expr(c.next()?)?))
            }
            None => None,
        };
        Ok(Effect {
            target,
            change,
            span,
        })
    }

    fn branch(&self, pair: Pair<'_, Rule>) -> Result<Branch> {
        let span = self.span(&pair);
        let mut effects = Vec::new();
        let mut likelihood = None;
        let mut delay = None;
        let mut description = None;
        for p in self.children(pair).rest() {
            match p.as_rule() {
                Rule::effect => effects.push(self.effect(p)?),
                Rule::likelihood => likelihood = Some(self.likelihood(p)?),
                Rule::delay => delay = Some(self.delay(p)?),
                Rule::string => description = Some(self.string(p)?),
                _ => return Err(self.unexpected(&p)),
            }
        }
        let likelihood = likelihood.ok_or(SyntaxError::Internal { at: span })?;
        Ok(Branch {
            effects: tight(effects),
            likelihood,
            delay,
            description,
            span,
        })
    }

    fn likelihood(&self, pair: Pair<'_, Rule>) -> Result<Likelihood> {
        let inner = self.children(pair).next()?;
        Ok(match inner.as_rule() {
            Rule::word => Likelihood::Word(self.ident(&inner)),
            _ => Likelihood::P(self.expr(inner)?),
        })
    }

    fn delay(&self, pair: Pair<'_, Rule>) -> Result<Delay> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let lo = self.duration(c.next()?)?;
        let hi = c
            .next_if(Rule::duration)
            .map(|d| self.duration(d))
            .transpose()?;
        Ok(Delay { lo, hi, span })
    }

    // ------------------------------------------------------------ scenarios

    fn scenario(&self, pair: Pair<'_, Rule>) -> Result<Scenario> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(&c.next()?);
        let extends = c.next_if(Rule::ident).map(|i| self.ident(&i));
        let title = c
            .next_if(Rule::string)
            .map(|s| self.string(s))
            .transpose()?;
        let items = c
            .rest()
            .map(|p| self.scenario_item(p))
            .collect::<Result<Vec<_>>>()
            .map(tight)?;
        Ok(Scenario {
            name,
            extends,
            title,
            items,
            span,
        })
    }

    fn scenario_item(&self, pair: Pair<'_, Rule>) -> Result<ScenarioItem> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::horizon_decl => {
                ScenarioItem::Horizon(self.duration(self.children(pair).next()?)?)
            }
            Rule::hold_stmt => {
                let mut c = self.children(pair);
                let target = self.name(&c.next()?);
                let value = self.expr(c.next()?)?;
                let window = match c.next_if(Rule::duration) {
                    Some(from) => Some((self.duration(from)?, self.duration(c.next()?)?)),
                    None => None,
                };
                ScenarioItem::Hold {
                    target,
                    value,
                    window,
                    span,
                }
            }
            Rule::set_rule_stmt => {
                let mut c = self.children(pair);
                let rule = self.ident(&c.next()?);
                ScenarioItem::SetRule {
                    rule,
                    value: self.expr(c.next()?)?,
                    span,
                }
            }
            Rule::set_stmt => {
                let mut c = self.children(pair);
                let mut t = self.children(c.next()?);
                let target = self.name(&t.next()?);
                let field = t.next_if(Rule::set_field).map(|f| {
                    if f.as_str().starts_with("prior") {
                        SetField::Prior
                    } else {
                        SetField::Hazard
                    }
                });
                ScenarioItem::Set {
                    target,
                    field,
                    value: self.expr(c.next()?)?,
                    span,
                }
            }
            Rule::at_stmt => {
                let mut c = self.children(pair);
                let step = self.duration(c.next()?)?;
                let what = c.next()?;
                let action = if what.as_rule() == Rule::at_set {
                    let mut c = self.children(what);
                    let target = self.name(&c.next()?);
                    AtAction::Set(target, self.expr(c.next()?)?)
                } else {
                    AtAction::Event(self.name(&what))
                };
                ScenarioItem::At { step, action, span }
            }
            Rule::without_stmt => ScenarioItem::Without {
                rule: self.ident(&self.children(pair).next()?),
                span,
            },
            Rule::rule_decl => ScenarioItem::Rule(self.rule(pair)?),
            _ => return Err(self.unexpected(&pair)),
        })
    }

    // ------------------------------------------------------------ expectations

    fn expect(&self, pair: Pair<'_, Rule>) -> Result<ExpectBlock> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let scenario = self.ident(&c.next()?);
        let items = c
            .rest()
            .map(|p| self.expectation(p))
            .collect::<Result<Vec<_>>>()
            .map(tight)?;
        Ok(ExpectBlock {
            scenario,
            items,
            span,
        })
    }

    fn expectation(&self, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        // `at` and `by` are pairs here (they decide meaning), so read raw children.
        let mut raw = pair.into_inner().peekable();
        let mut next = || raw.next().ok_or(SyntaxError::Internal { at: span });
        Ok(match rule {
            Rule::exp_stat => {
                let stat = self.ident(&next()?);
                let target = self.name(&next()?);
                let mut p = next()?;
                let at = if p.as_rule() == Rule::kw_at {
                    let d = self.duration(next()?)?;
                    p = next()?;
                    Some(d)
                } else {
                    None
                };
                Expectation::Stat {
                    stat,
                    target,
                    at,
                    verdict: self.verdict(p)?,
                    span,
                }
            }
            Rule::exp_prob => {
                let condition = self.expr(next()?)?;
                let mut p = next()?;
                let when = match p.as_rule() {
                    Rule::kw_at | Rule::kw_by => {
                        let w = if p.as_rule() == Rule::kw_at {
                            ProbWhen::At
                        } else {
                            ProbWhen::By
                        };
                        let d = self.duration(next()?)?;
                        p = next()?;
                        Some((w, d))
                    }
                    _ => None,
                };
                Expectation::Prob {
                    condition,
                    when,
                    verdict: self.verdict(p)?,
                    span,
                }
            }
            Rule::exp_never => {
                let event = self.name(&next()?);
                let by = match next() {
                    Ok(_kw_by) => Some(self.duration(next()?)?),
                    Err(_) => None,
                };
                Expectation::Never { event, by, span }
            }
            Rule::exp_is => {
                let event = self.name(&next()?);
                let word = self.ident(&next()?);
                let by = match next() {
                    Ok(_kw_by) => Some(self.duration(next()?)?),
                    Err(_) => None,
                };
                Expectation::Is {
                    event,
                    word,
                    by,
                    span,
                }
            }
            _ => return Err(SyntaxError::Internal { at: span }),
        })
    }

    fn measure(&self, pair: Pair<'_, Rule>) -> Result<Measure> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        // `at` and `by` are pairs here (they decide meaning), so read raw children.
        let mut raw = pair.into_inner();
        let first = raw.next().ok_or(SyntaxError::Internal { at: span })?;
        let when = match (raw.next(), raw.next()) {
            (Some(kw), Some(d)) => Some((kw.as_rule(), self.duration(d)?)),
            _ => None,
        };
        Ok(match rule {
            Rule::measure_prob => Measure::Prob {
                condition: self.expr(first)?,
                when: when.map(|(kw, d)| {
                    let w = if kw == Rule::kw_at {
                        ProbWhen::At
                    } else {
                        ProbWhen::By
                    };
                    (w, d)
                }),
                span,
            },
            _ => Measure::Value {
                target: self.name(&first),
                at: when.map(|(_, d)| d),
                span,
            },
        })
    }

    fn verdict(&self, pair: Pair<'_, Rule>) -> Result<Verdict> {
        let mut c = self.children(pair);
        let first = c.next()?;
        if first.as_rule() == Rule::compare_other {
            let mut raw = first.into_inner();
            let dir = raw.next().ok_or(SyntaxError::Internal { at: c.parent })?;
            let direction = if dir.as_rule() == Rule::kw_lower {
                Direction::Lower
            } else {
                Direction::Higher
            };
            let other = raw.next().ok_or(SyntaxError::Internal { at: c.parent })?;
            return Ok(Verdict::Than {
                direction,
                other: self.ident(&other),
            });
        }
        let op = CmpOp::parse(first.as_str()).ok_or_else(|| self.unexpected(&first))?;
        Ok(Verdict::Compare(op, self.expr(c.next()?)?))
    }

    // ------------------------------------------------------------ expressions

    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let outer = self.span(&pair);
        let (expr, depth) = self.expr_depth(pair)?;
        if depth > self.max_depth {
            return Err(SyntaxError::ExprTooDeep {
                at: outer,
                limit: self.max_depth,
            });
        }
        Ok(expr)
    }

    /// Lowers an `expr` pair and measures the depth of the resulting tree. Once a
    /// tree is too deep the result turns into an error that absorbs the rest of
    /// the chain, so no tree ever grows past the limit.
    fn expr_depth(&self, pair: Pair<'_, Rule>) -> Result<(Expr, usize)> {
        let max = self.max_depth;
        let outer = self.span(&pair);
        let too_deep = move |depth: usize| -> Result<()> {
            if depth > max {
                Err(SyntaxError::ExprTooDeep {
                    at: outer,
                    limit: max,
                })
            } else {
                Ok(())
            }
        };
        // pest's Pratt parser recurses once per prefix operator, before any
        // callback could stop it: a run of 20,000 `-` or `not` would overflow
        // the stack. Each adds a level to the tree, so a run longer than the
        // limit is too deep whatever follows it.
        let mut run = 0;
        for p in pair.clone().into_inner() {
            if matches!(p.as_rule(), Rule::not_op | Rule::neg) {
                run += 1;
                too_deep(run)?;
            } else {
                run = 0;
            }
        }
        PRATT
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let (rhs, d) = rhs?;
                too_deep(d + 1)?;
                let un = if op.as_rule() == Rule::not_op {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                let span = self.span(&op).to(rhs.span);
                Ok((
                    Expr {
                        kind: ExprKind::Unary(un, Box::new(rhs)),
                        span,
                    },
                    d + 1,
                ))
            })
            .map_postfix(|lhs, op| {
                let (lhs, d) = lhs?;
                let span = lhs.span.to(self.span(&op));
                if op.as_rule() == Rule::args {
                    // Arguments follow a name directly (the grammar sees to it).
                    let ExprKind::Name(name) = lhs.kind else {
                        return Err(self.unexpected(&op));
                    };
                    let mut depth = d;
                    let mut args = Vec::new();
                    for p in self.children(op).rest() {
                        let (e, da) = self.expr_depth(p)?;
                        depth = depth.max(da);
                        args.push(e);
                    }
                    too_deep(depth + 1)?;
                    let call = Call {
                        name,
                        args: tight(args),
                    };
                    return Ok((
                        Expr {
                            kind: ExprKind::Call(Box::new(call)),
                            span,
                        },
                        depth + 1,
                    ));
                }
                too_deep(d + 1)?;
                let dur = self.duration(self.children(op).next()?)?;
                let kind = ExprKind::Sustained(Box::new(Sustained {
                    condition: lhs,
                    duration: dur,
                }));
                Ok((Expr { kind, span }, d + 1))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, dl) = lhs?;
                let (rhs, dr) = rhs?;
                let d = dl.max(dr) + 1;
                too_deep(d)?;
                let bin = match op.as_rule() {
                    Rule::or_op => BinOp::Or,
                    Rule::and_op => BinOp::And,
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    Rule::div => BinOp::Div,
                    _ => BinOp::Cmp(CmpOp::parse(op.as_str()).ok_or_else(|| self.unexpected(&op))?),
                };
                let span = lhs.span.to(rhs.span);
                Ok((
                    Expr {
                        kind: ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                        span,
                    },
                    d,
                ))
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<(Expr, usize)> {
        let span = self.span(&pair);
        let leaf = |kind| Ok((Expr { kind, span }, 1));
        match pair.as_rule() {
            Rule::number => leaf(ExprKind::Number(self.number(&pair).value)),
            Rule::paren => {
                let (inner, d) = self.expr_depth(self.children(pair).next()?)?;
                Ok((
                    Expr {
                        kind: ExprKind::Paren(Box::new(inner)),
                        span,
                    },
                    d + 1,
                ))
            }
            Rule::if_expr => {
                let mut c = self.children(pair);
                let (a, da) = self.expr_depth(c.next()?)?;
                let (b, db) = self.expr_depth(c.next()?)?;
                let (e, de) = self.expr_depth(c.next()?)?;
                let d = da.max(db).max(de) + 1;
                Ok((
                    Expr {
                        kind: ExprKind::If(Box::new([a, b, e])),
                        span,
                    },
                    d,
                ))
            }
            Rule::at_least => {
                let mut c = self.children(pair);
                let k = self.operand(c.next()?)?;
                let mut depth = 1;
                let mut items = Vec::new();
                for p in c.rest() {
                    let (e, d) = self.expr_depth(p)?;
                    depth = depth.max(d);
                    items.push(e);
                }
                Ok((
                    Expr {
                        kind: ExprKind::AtLeast(Box::new(AtLeast {
                            k,
                            items: tight(items),
                        })),
                        span,
                    },
                    depth + 1,
                ))
            }
            Rule::name => leaf(match pair.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "step" => ExprKind::Step,
                "dt" => ExprKind::Dt,
                text => ExprKind::Name(text.into()),
            }),
            _ => Err(self.unexpected(&pair)),
        }
    }
}

/// Prose for a grammar rule, used when pest reports what it expected.
pub(crate) fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of input",
        Rule::model_decl => "`model`",
        Rule::import_decl => "`import`",
        Rule::param_decl => "`param`",
        Rule::actor_decl => "`actor`",
        Rule::factor_decl => "`factor`",
        Rule::event_decl => "`event`",
        Rule::rule_decl => "`rule`",
        Rule::scenario_decl => "`scenario`",
        Rule::expect_decl => "`expect`",
        Rule::step_decl => "`step`",
        Rule::horizon_decl => "`horizon`",
        Rule::stop_decl => "`stop when steady`",
        Rule::scale_decl => "`scale`",
        Rule::scale_word => "a scale word (`likely = 0.83 in [0.66, 1]`)",
        Rule::derived => "`:=`",
        Rule::start_value => "`= VALUE`",
        Rule::range => "`in [lo, hi]`",
        Rule::spread => "`uniform` or `triangular`",
        Rule::prior_attr => "`prior = P`",
        Rule::hazard_attr => "`hazard = EXPR`",
        Rule::source_attr => "`source \"…\"`",
        Rule::rule_kind => "`when` or `while`",
        Rule::effects | Rule::effect => "an effect",
        Rule::assign_op => "`+=`, `-=` or `=`",
        Rule::one_of => "`one of`",
        Rule::branch => "a branch",
        Rule::likelihood => "a likelihood (`p = …` or a word such as `likely`)",
        Rule::delay => "`after`",
        Rule::hold_stmt => "`hold`",
        Rule::set_rule_stmt | Rule::set_stmt => "`set`",
        Rule::set_target => "a node or parameter",
        Rule::set_field => "`prior` or `hazard`",
        Rule::at_stmt => "`at`",
        Rule::at_set => "`set`",
        Rule::without_stmt => "`without rule`",
        Rule::exp_stat => "a statistic (`mean(x) at 52 < 0.4`)",
        Rule::exp_prob | Rule::measure_prob => "`P(…)`",
        Rule::exp_never => "`never`",
        Rule::exp_is => "an expectation (`event is likely`)",
        Rule::verdict => "a comparison or `lower/higher than in …`",
        Rule::compare_other => "`lower than in` or `higher than in`",
        Rule::expr | Rule::paren => "an expression",
        Rule::or_op | Rule::and_op | Rule::add | Rule::sub | Rule::mul | Rule::div => "an operator",
        Rule::cmp_op => "a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`)",
        Rule::not_op | Rule::neg => "an expression",
        Rule::sustained => "`for`",
        Rule::name => "a name",
        Rule::args => "`(`",
        Rule::if_expr => "`if`",
        Rule::at_least => "`at least`",
        Rule::duration => "a number of steps",
        Rule::unit => "a unit of time",
        Rule::ident => "an identifier",
        Rule::word => "a likelihood word",
        Rule::number => "a number",
        Rule::string => "a string",
        Rule::kw_at => "`at`",
        Rule::kw_by => "`by`",
        Rule::kw_lower | Rule::kw_higher => "`lower` or `higher`",
        _ => return None,
    })
}
