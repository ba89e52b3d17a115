//! Compiled expressions: a small stack machine over dense node indices.
//!
//! Parameters and `dt` are folded into constants when a model is compiled for
//! one evaluation, so the code reads only the run's state: node values (events
//! as 0 or 1), `for N` counters and the step. Everything is eager: `if` and the
//! boolean operators compute both sides and select, which is simpler and, for
//! expressions this small, as fast as jumping.

use std::collections::HashSet;

use crate::check::model::{ArithOp, Func};
use crate::syntax::ast::CmpOp;

/// One instruction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Push a constant.
    Const(f64),
    /// Push a node's value.
    Load(u32),
    /// Push whether a `for N` condition holds (1 or 0).
    Slot(u32),
    /// Push the current step.
    Step,
    /// Negate the top.
    Neg,
    /// Logical not of the top.
    Not,
    /// Arithmetic on the top two.
    Arith(ArithOp),
    /// Comparison of the top two.
    Cmp(CmpOp),
    /// Logical and of the top two.
    And,
    /// Logical or of the top two.
    Or,
    /// A function of the top `n` values.
    Func(Func, u8),
    /// `if`: pops else, then, condition.
    Select,
    /// `at least k of` the top `n` values.
    AtLeast(u32, u32),
}

/// A compiled expression.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Code {
    ops: Box<[Op]>,
    /// A faster form for the shapes most conditions take.
    shape: Shape,
    /// The deepest the stack gets.
    depth: usize,
}

/// Code whose stack stays within this many values runs on an array on the
/// machine stack rather than the scratch vector: no capacity checks, no
/// `Option`s from `pop`.
const SMALL: usize = 16;

/// Common shapes evaluated without the stack machine: a fault tree's gates are
/// `a or b or c` and `a and b`, a threshold is `x < 0.4`.
#[derive(Clone, Debug, Default, PartialEq)]
enum Shape {
    /// No fast form.
    #[default]
    General,
    /// Any of these nodes is non-zero.
    Any(Box<[u32]>),
    /// All of these nodes are non-zero.
    All(Box<[u32]>),
    /// A node compared with a constant.
    Compare(u32, CmpOp, f64),
    /// A constant (`true`, a fixed amount).
    Const(f64),
    /// A node times a constant (a flow's rate, a weight), negated if `true`
    /// (a `-=` effect's amount).
    Scale(u32, f64, bool),
}

impl Shape {
    fn of(ops: &[Op]) -> Shape {
        match ops {
            [Op::Load(n)] => Shape::Any(Box::new([*n])),
            [Op::Const(c)] => Shape::Const(*c),
            // Multiplication is commutative in IEEE 754, so either order of
            // the operands gives the stack machine's result bit for bit.
            [Op::Const(c), Op::Load(n), Op::Arith(ArithOp::Mul)]
            | [Op::Load(n), Op::Const(c), Op::Arith(ArithOp::Mul)] => Shape::Scale(*n, *c, false),
            [Op::Const(c), Op::Load(n), Op::Arith(ArithOp::Mul), Op::Neg]
            | [Op::Load(n), Op::Const(c), Op::Arith(ArithOp::Mul), Op::Neg] => {
                Shape::Scale(*n, *c, true)
            }
            [Op::Load(n), Op::Const(c), Op::Cmp(op)] => Shape::Compare(*n, *op, *c),
            [Op::Load(first), rest @ ..] if !rest.is_empty() && rest.len() % 2 == 0 => {
                // `a or b or c` compiles to Load a, Load b, Or, Load c, Or.
                let joiner = match rest[1] {
                    Op::Or => Op::Or,
                    Op::And => Op::And,
                    _ => return Shape::General,
                };
                let mut nodes = vec![*first];
                for pair in rest.chunks(2) {
                    match pair {
                        [Op::Load(n), j] if *j == joiner => nodes.push(*n),
                        _ => return Shape::General,
                    }
                }
                if joiner == Op::Or {
                    Shape::Any(nodes.into_boxed_slice())
                } else {
                    Shape::All(nodes.into_boxed_slice())
                }
            }
            _ => Shape::General,
        }
    }
}

/// What an expression can read, for deciding when it must be evaluated again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// Nodes.
    pub nodes: Vec<u32>,
    /// `for N` counters.
    pub slots: Vec<u32>,
    /// Whether it reads the current step (then it changes every step).
    pub step: bool,
}

impl Code {
    /// Code from instructions in postfix order.
    #[must_use]
    pub fn new(ops: Vec<Op>) -> Code {
        let shape = Shape::of(&ops);
        let mut depth = 0usize;
        let mut deepest = 0;
        for op in &ops {
            depth = match *op {
                Op::Const(_) | Op::Load(_) | Op::Slot(_) | Op::Step => depth + 1,
                Op::Neg | Op::Not => depth,
                Op::Arith(_) | Op::Cmp(_) | Op::And | Op::Or => depth.saturating_sub(1),
                Op::Select => depth.saturating_sub(2),
                Op::Func(_, n) => depth.saturating_sub(n as usize) + 1,
                Op::AtLeast(_, n) => depth.saturating_sub(n as usize) + 1,
            };
            deepest = deepest.max(depth);
        }
        Code {
            ops: ops.into_boxed_slice(),
            shape,
            depth: deepest,
        }
    }

    /// The instructions, in postfix order.
    #[must_use]
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The constant this code always yields, if it reads nothing.
    #[must_use]
    pub fn as_const(&self) -> Option<f64> {
        match &*self.ops {
            [Op::Const(v)] => Some(*v),
            _ => None,
        }
    }

    /// What the code reads, without repeats.
    #[must_use]
    pub fn reads(&self) -> Reads {
        // Sets, not `contains` on the lists: `at least 1 of {…}` over many
        // nodes would make that quadratic.
        let (mut nodes, mut slots) = (HashSet::new(), HashSet::new());
        let mut r = Reads::default();
        for op in &*self.ops {
            match *op {
                Op::Load(n) if nodes.insert(n) => r.nodes.push(n),
                Op::Slot(s) if slots.insert(s) => r.slots.push(s),
                Op::Step => r.step = true,
                _ => {}
            }
        }
        r
    }

    /// Evaluates the code. `stack` is scratch space, reused between calls so the
    /// hot loop does not allocate.
    #[must_use]
    pub fn eval(&self, values: &[f64], slots: &[bool], step: u32, stack: &mut Vec<f64>) -> f64 {
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        match &self.shape {
            Shape::General => {}
            // A single load is `Any` of one node; it must return the value itself.
            Shape::Any(nodes) if nodes.len() == 1 => return values[nodes[0] as usize],
            Shape::Any(nodes) => return truth(nodes.iter().any(|&n| values[n as usize] != 0.0)),
            Shape::All(nodes) => return truth(nodes.iter().all(|&n| values[n as usize] != 0.0)),
            Shape::Compare(n, op, c) => return truth(op.holds(values[*n as usize], *c)),
            Shape::Const(c) => return *c,
            Shape::Scale(n, c, false) => return values[*n as usize] * *c,
            Shape::Scale(n, c, true) => return -(values[*n as usize] * *c),
        }
        if self.depth <= SMALL {
            return self.eval_small(values, slots, step);
        }
        stack.clear();
        for op in &*self.ops {
            match *op {
                Op::Const(v) => stack.push(v),
                Op::Load(n) => stack.push(values[n as usize]),
                Op::Slot(s) => stack.push(truth(slots[s as usize])),
                Op::Step => stack.push(f64::from(step)),
                Op::Neg => {
                    if let Some(top) = stack.last_mut() {
                        *top = -*top;
                    }
                }
                Op::Not => {
                    if let Some(top) = stack.last_mut() {
                        *top = truth(*top == 0.0);
                    }
                }
                Op::Arith(a) => {
                    let (x, y) = pop2(stack);
                    stack.push(a.apply(x, y));
                }
                Op::Cmp(c) => {
                    let (x, y) = pop2(stack);
                    stack.push(truth(c.holds(x, y)));
                }
                Op::And => {
                    let (x, y) = pop2(stack);
                    stack.push(truth(x != 0.0 && y != 0.0));
                }
                Op::Or => {
                    let (x, y) = pop2(stack);
                    stack.push(truth(x != 0.0 || y != 0.0));
                }
                Op::Func(f, n) => {
                    let at = stack.len().saturating_sub(n as usize);
                    let v = f.apply(&stack[at..]);
                    stack.truncate(at);
                    stack.push(v);
                }
                Op::Select => {
                    let e = stack.pop().unwrap_or(0.0);
                    let t = stack.pop().unwrap_or(0.0);
                    let c = stack.pop().unwrap_or(0.0);
                    stack.push(if c != 0.0 { t } else { e });
                }
                Op::AtLeast(k, n) => {
                    let at = stack.len().saturating_sub(n as usize);
                    let count = stack[at..].iter().filter(|v| **v != 0.0).count();
                    stack.truncate(at);
                    stack.push(truth(count as u64 >= u64::from(k)));
                }
            }
        }
        stack.pop().unwrap_or(f64::NAN)
    }

    /// [`Code::eval`] on a fixed array. The compiler emits well-formed postfix
    /// (every operator finds its operands), which `depth` was computed from.
    fn eval_small(&self, values: &[f64], slots: &[bool], step: u32) -> f64 {
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        let mut st = [0.0f64; SMALL + 1];
        // `sp` is the number of values on the stack.
        let mut sp = 0usize;
        for op in &*self.ops {
            match *op {
                Op::Const(v) => {
                    st[sp] = v;
                    sp += 1;
                }
                Op::Load(n) => {
                    st[sp] = values[n as usize];
                    sp += 1;
                }
                Op::Slot(s) => {
                    st[sp] = truth(slots[s as usize]);
                    sp += 1;
                }
                Op::Step => {
                    st[sp] = f64::from(step);
                    sp += 1;
                }
                Op::Neg => st[sp - 1] = -st[sp - 1],
                Op::Not => st[sp - 1] = truth(st[sp - 1] == 0.0),
                Op::Arith(a) => {
                    sp -= 1;
                    st[sp - 1] = a.apply(st[sp - 1], st[sp]);
                }
                Op::Cmp(c) => {
                    sp -= 1;
                    st[sp - 1] = truth(c.holds(st[sp - 1], st[sp]));
                }
                Op::And => {
                    sp -= 1;
                    st[sp - 1] = truth(st[sp - 1] != 0.0 && st[sp] != 0.0);
                }
                Op::Or => {
                    sp -= 1;
                    st[sp - 1] = truth(st[sp - 1] != 0.0 || st[sp] != 0.0);
                }
                Op::Func(f, n) => {
                    let at = sp - n as usize;
                    st[at] = f.apply(&st[at..sp]);
                    sp = at + 1;
                }
                Op::Select => {
                    sp -= 2;
                    st[sp - 1] = if st[sp - 1] != 0.0 {
                        st[sp]
                    } else {
                        st[sp + 1]
                    };
                }
                Op::AtLeast(k, n) => {
                    let at = sp - n as usize;
                    let count = st[at..sp].iter().filter(|v| **v != 0.0).count();
                    st[at] = truth(count as u64 >= u64::from(k));
                    sp = at + 1;
                }
            }
        }
        if sp == 0 { f64::NAN } else { st[sp - 1] }
    }

    /// Evaluates a condition.
    #[must_use]
    pub fn holds(&self, values: &[f64], slots: &[bool], step: u32, stack: &mut Vec<f64>) -> bool {
        self.eval(values, slots, step, stack) != 0.0
    }
}

fn pop2(stack: &mut Vec<f64>) -> (f64, f64) {
    let y = stack.pop().unwrap_or(f64::NAN);
    let x = stack.pop().unwrap_or(f64::NAN);
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_postfix() {
        // (x + 2) * 3 > 10, with x = 2
        let code = Code::new(vec![
            Op::Load(0),
            Op::Const(2.0),
            Op::Arith(ArithOp::Add),
            Op::Const(3.0),
            Op::Arith(ArithOp::Mul),
            Op::Const(10.0),
            Op::Cmp(CmpOp::Gt),
        ]);
        let mut stack = Vec::new();
        assert!(code.holds(&[2.0], &[], 0, &mut stack));
        assert!(!code.holds(&[1.0], &[], 0, &mut stack));
        assert_eq!(code.reads().nodes, vec![0]);
    }

    #[test]
    fn constants_and_scalings_give_the_stack_machines_bits() {
        let mut stack = Vec::new();
        let values = [0.1, -3.7e-300, f64::MAX, 7.0];
        for ops in [
            vec![Op::Const(0.3), Op::Load(0), Op::Arith(ArithOp::Mul)],
            vec![Op::Load(0), Op::Const(0.3), Op::Arith(ArithOp::Mul)],
            vec![Op::Const(1e-20), Op::Load(1), Op::Arith(ArithOp::Mul)],
            vec![Op::Load(2), Op::Const(2.5), Op::Arith(ArithOp::Mul)],
            vec![Op::Const(0.25)],
            vec![
                Op::Const(0.3),
                Op::Load(3),
                Op::Arith(ArithOp::Mul),
                Op::Neg,
            ],
            vec![
                Op::Load(1),
                Op::Const(-0.5),
                Op::Arith(ArithOp::Mul),
                Op::Neg,
            ],
        ] {
            let fast = Code::new(ops.clone());
            assert_ne!(fast.shape, Shape::General, "{ops:?}");
            // The same instructions, kept off the fast path.
            let slow = Code {
                shape: Shape::General,
                ..fast.clone()
            };
            let (a, b) = (
                fast.eval(&values, &[], 0, &mut stack),
                slow.eval(&values, &[], 0, &mut stack),
            );
            assert_eq!(a.to_bits(), b.to_bits(), "{ops:?}");
        }
    }

    #[test]
    fn select_and_at_least() {
        let code = Code::new(vec![
            Op::Load(0),
            Op::Const(1.0),
            Op::Const(2.0),
            Op::Select,
        ]);
        let mut stack = Vec::new();
        assert_eq!(code.eval(&[1.0], &[], 0, &mut stack), 1.0);
        assert_eq!(code.eval(&[0.0], &[], 0, &mut stack), 2.0);
        let any = Code::new(vec![Op::Load(0), Op::Load(1), Op::Or, Op::Load(2), Op::Or]);
        assert!(any.holds(&[0.0, 0.0, 1.0], &[], 0, &mut stack));
        assert!(!any.holds(&[0.0, 0.0, 0.0], &[], 0, &mut stack));
        let all = Code::new(vec![Op::Load(0), Op::Load(1), Op::And]);
        assert!(!all.holds(&[1.0, 0.0], &[], 0, &mut stack));
        assert!(all.holds(&[1.0, 2.0], &[], 0, &mut stack));
        let value = Code::new(vec![Op::Load(0)]);
        assert_eq!(value.eval(&[0.25], &[], 0, &mut stack), 0.25);
        let two_of_three = Code::new(vec![
            Op::Load(0),
            Op::Load(1),
            Op::Load(2),
            Op::AtLeast(2, 3),
        ]);
        assert!(two_of_three.holds(&[1.0, 0.0, 1.0], &[], 0, &mut stack));
        assert!(!two_of_three.holds(&[1.0, 0.0, 0.0], &[], 0, &mut stack));
    }
}
