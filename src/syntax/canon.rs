//! Trees compared as the formatter sees them.
//!
//! Printing a tree and parsing it back gives the same tree, spans aside, up to
//! two liberties the formatter takes: parentheses come and go (it prints the ones
//! the tree needs), and attributes take their canonical order. [`normalize`]
//! takes both liberties on any tree, so two trees compare equal after it when
//! they differ only in layout: the property the round-trip tests and the fuzz
//! target check.

use super::ast::*;

/// Removes every parenthesis node and sorts attributes into printing order.
pub fn normalize(file: &mut File) {
    fn expr(e: &mut Expr) {
        while let ExprKind::Paren(inner) = &mut e.kind {
            let inner = std::mem::replace(
                inner.as_mut(),
                Expr {
                    kind: ExprKind::Bool(false),
                    span: e.span,
                },
            );
            *e = inner;
        }
        match &mut e.kind {
            ExprKind::Unary(_, a) => expr(a),
            ExprKind::Binary(_, a, b) => {
                expr(a);
                expr(b);
            }
            ExprKind::Call(c) => c.args.iter_mut().for_each(expr),
            ExprKind::If(parts) => parts.iter_mut().for_each(expr),
            ExprKind::AtLeast(al) => {
                expr(&mut al.k);
                al.items.iter_mut().for_each(expr);
            }
            ExprKind::Sustained(s) => {
                expr(&mut s.condition);
                duration(&mut s.duration);
            }
            _ => {}
        }
    }
    fn duration(d: &mut Duration) {
        expr(&mut d.value);
    }
    fn node(n: &mut NodeDecl) {
        n.attrs.sort_by_key(NodeAttr::rank);
        if let Some(d) = &mut n.derived {
            expr(d);
        }
        for a in &mut n.attrs {
            match a {
                NodeAttr::Value(e) | NodeAttr::Prior(e) | NodeAttr::Hazard(e) => expr(e),
                NodeAttr::Range { lo, hi, .. } => {
                    expr(lo);
                    expr(hi);
                }
                _ => {}
            }
        }
    }
    fn effect(e: &mut Effect) {
        if let Some((_, a)) = &mut e.change {
            expr(a);
        }
    }
    fn likelihood(l: &mut Likelihood) {
        if let Likelihood::P(e) = l {
            expr(e);
        }
    }
    fn delay(d: &mut Delay) {
        duration(&mut d.lo);
        if let Some(h) = &mut d.hi {
            duration(h);
        }
    }
    fn rule(r: &mut RuleDecl) {
        r.attrs.sort_by_key(|a| matches!(a, RuleAttr::Source(_)));
        expr(&mut r.condition);
        match &mut r.effects {
            Effects::All(list) => list.iter_mut().for_each(effect),
            Effects::OneOf { branches, .. } => {
                for b in branches {
                    b.effects.iter_mut().for_each(effect);
                    likelihood(&mut b.likelihood);
                    if let Some(d) = &mut b.delay {
                        delay(d);
                    }
                }
            }
        }
        for a in &mut r.attrs {
            match a {
                RuleAttr::Likelihood(l) => likelihood(l),
                RuleAttr::Delay(d) => delay(d),
                RuleAttr::Source(_) => {}
            }
        }
    }
    for item in &mut file.items {
        match item {
            Item::Param(n) | Item::Node(n) => node(n),
            Item::Actor(a) => a.nodes.iter_mut().for_each(node),
            Item::Rule(r) => rule(r),
            Item::Scenario(s) => {
                for i in &mut s.items {
                    match i {
                        ScenarioItem::Horizon(d) => duration(d),
                        ScenarioItem::Hold { value, window, .. } => {
                            expr(value);
                            if let Some((a, b)) = window {
                                duration(a);
                                duration(b);
                            }
                        }
                        ScenarioItem::Set { value, .. } | ScenarioItem::SetRule { value, .. } => {
                            expr(value)
                        }
                        ScenarioItem::At { step, action, .. } => {
                            duration(step);
                            if let AtAction::Set(_, v) = action {
                                expr(v);
                            }
                        }
                        ScenarioItem::Without { .. } => {}
                        ScenarioItem::Rule(r) => rule(r),
                    }
                }
            }
            Item::Expect(e) => {
                for x in &mut e.items {
                    match x {
                        Expectation::Stat { at, verdict, .. } => {
                            if let Some(d) = at {
                                duration(d);
                            }
                            if let Verdict::Compare(_, v) = verdict {
                                expr(v);
                            }
                        }
                        Expectation::Prob {
                            condition,
                            when,
                            verdict,
                            ..
                        } => {
                            expr(condition);
                            if let Some((_, d)) = when {
                                duration(d);
                            }
                            if let Verdict::Compare(_, v) = verdict {
                                expr(v);
                            }
                        }
                        Expectation::Never { by, .. } | Expectation::Is { by, .. } => {
                            if let Some(d) = by {
                                duration(d);
                            }
                        }
                    }
                }
            }
            Item::Model(m) => {
                for s in &mut m.settings {
                    if let Setting::Horizon(d) = s {
                        duration(d);
                    }
                }
            }
            Item::Import(_) => {}
        }
    }
}
