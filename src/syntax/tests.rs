use proptest::prelude::*;

use super::ast::*;
use super::*;

fn parse_ok(text: &str) -> Parsed {
    match parse(FileId(0), text, &Limits::default()) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}\n--- text\n{text}"),
    }
}

#[test]
fn parses_the_design_sketch() {
    let text = include_str!("../../tests/data/sketch.whatif");
    let parsed = parse_ok(text);
    assert_eq!(parsed.ast.items.len(), 20);
    assert_eq!(parsed.comments.len(), 15);
}

#[test]
fn precedence_follows_the_table() {
    let text = "param x = 1\nrule r: when not a < 1 for 3 and b or c then e";
    let parsed = parse_ok(text);
    let Item::Rule(rule) = &parsed.ast.items[1] else {
        panic!("a rule")
    };
    // or(and(not(for(<(a, 1), 3)), b), c)
    let ExprKind::Binary(BinOp::Or, left, _) = &rule.condition.kind else {
        panic!("or on top")
    };
    let ExprKind::Binary(BinOp::And, not, _) = &left.kind else {
        panic!("then and")
    };
    let ExprKind::Unary(UnOp::Not, sustained) = &not.kind else {
        panic!("then not")
    };
    let ExprKind::Sustained(s) = &sustained.kind else {
        panic!("then for")
    };
    assert!(matches!(
        s.condition.kind,
        ExprKind::Binary(BinOp::Cmp(CmpOp::Lt), ..)
    ));
}

#[test]
fn a_broken_item_does_not_hide_the_next() {
    let text = "rule a: when x then\nrule b: when y then z +\nrule c: when u then v";
    let errors = parse(FileId(0), text, &Limits::default()).expect_err("two broken rules");
    assert_eq!(errors.len(), 2);
}

#[test]
fn a_keyword_misused_as_a_name_gives_no_spurious_errors() {
    // The broken rule makes the batch be re-parsed item by item; `event` after
    // `actor` is a name (which the checker refuses), not the start of an item.
    let text = "actor event { factor x = 0.5 }\nrule r: when event.x > 1 then\n";
    let errors = parse(FileId(0), text, &Limits::default()).expect_err("a broken rule");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].span().start, 61);
}

#[test]
fn spans_end_at_the_last_token() {
    let text = "rule r: when e then one of {\n  x += 1 p = 0.5\n\n}\n";
    let parsed = parse_ok(text);
    let Item::Rule(rule) = &parsed.ast.items[0] else {
        panic!("a rule")
    };
    let Effects::OneOf { branches, .. } = &rule.effects else {
        panic!("one of")
    };
    let span = branches[0].span;
    assert_eq!(
        &text[span.start as usize..span.end as usize],
        "x += 1 p = 0.5"
    );
}

#[test]
fn step_after_a_horizon_is_the_next_setting() {
    for text in [
        "model \"m\" { horizon 30 step 1 day }",
        "model \"m\" {\n  horizon 30\n  step 1 day\n}",
        "model \"m\" { horizon 30 /* c */ step 2 days }",
    ] {
        let parsed = parse_ok(text);
        let Item::Model(m) = &parsed.ast.items[0] else {
            panic!("a header")
        };
        assert!(
            matches!(
                &m.settings[..],
                [
                    Setting::Horizon(Duration { unit: None, .. }),
                    Setting::Step { .. }
                ]
            ),
            "{text}: {:?}",
            m.settings
        );
    }
    // A unit `step` is still a unit before anything else.
    let parsed = parse_ok("model \"m\" { horizon 30 steps step 1 day }");
    let Item::Model(m) = &parsed.ast.items[0] else {
        panic!("a header")
    };
    assert!(matches!(
        &m.settings[0],
        Setting::Horizon(Duration { unit: Some(_), .. })
    ));
}

/// The message of the one syntax error in `text`.
fn error_message(text: &str) -> String {
    let errors = parse(FileId(0), text, &Limits::default()).expect_err("a syntax error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].to_string()
}

#[test]
fn expected_lists_name_punctuation_and_keywords() {
    let m = error_message("factor x = 0.5 in [0 1]\n");
    assert!(m.starts_with("expected `,`, "), "{m}");
    let m = error_message("event e\nrule r: when e e\n");
    assert!(m.contains("`then`"), "{m}");
    let m = error_message("event e\nscenario s { hold e = true ; }\n");
    assert!(m.contains("`}`"), "{m}");
    // The same error whether the item is parsed alone or in a batch.
    let alone = error_message("rule r: when e e\n");
    assert_eq!(alone, error_message("event e\nrule r: when e e\n"));
}

#[test]
fn a_million_parentheses_end_in_a_diagnostic() {
    let text = format!("param p = {}1", "(".repeat(1_000_000));
    let errors = parse(FileId(0), &text, &Limits::default()).expect_err("too deep");
    assert!(matches!(errors[0], SyntaxError::TooDeep { .. }));
}

#[test]
fn a_long_flat_chain_is_refused_before_it_grows_deep() {
    let text = format!("param p = 1{}", " + 1".repeat(100_000));
    let errors = parse(FileId(0), &text, &Limits::default()).expect_err("too deep");
    assert!(matches!(errors[0], SyntaxError::ExprTooDeep { .. }));
    // Within the limit it parses.
    parse_ok(&format!("param p = 1{}", " + 1".repeat(200)));
}

#[test]
fn keywords_end_at_word_boundaries() {
    // `thenb` is not `then b`, and `order` is not `or der`.
    assert!(parse(FileId(0), "rule r: when a thenb", &Limits::default()).is_err());
    assert!(parse(FileId(0), "rule r: when a order then b", &Limits::default()).is_err());
}

#[test]
fn large_files_are_parsed_in_parallel_batches_in_order() {
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!(
            "rule r{i}: when a.e{i} then a.f{i} p = 0.5 after 2 // note {i}\n"
        ));
    }
    let parsed = parse_ok(&text);
    assert_eq!(parsed.ast.items.len(), 5_000);
    for (i, item) in parsed.ast.items.iter().enumerate() {
        let Item::Rule(r) = item else {
            panic!("a rule")
        };
        assert_eq!(&*r.name.name, format!("r{i}"));
    }
    assert_eq!(parsed.comments.len(), 5_000);
}

// ------------------------------------------------------------------ round trip

fn sp() -> Span {
    Span::default()
}

fn ident_text() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,5}".prop_filter("not a keyword", |s| {
        !crate::check::KEYWORDS.contains(&s.as_str())
            && !["p", "mean", "median"].contains(&s.as_str())
    })
}

fn ident() -> impl Strategy<Value = Ident> {
    ident_text().prop_map(|name| Ident {
        name: name.into(),
        span: sp(),
    })
}

fn name_text() -> impl Strategy<Value = String> {
    (ident_text(), proptest::option::of(ident_text())).prop_map(|(a, b)| match b {
        Some(b) => format!("{a}.{b}"),
        None => a,
    })
}

fn name() -> impl Strategy<Value = Name> {
    name_text().prop_map(|text| Name {
        text: text.into(),
        span: sp(),
    })
}

fn num() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(0.5),
        Just(1e-7),
        Just(3e20),
        (0u32..100_000).prop_map(|n| f64::from(n) / 100.0),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    let e = |kind| Expr { kind, span: sp() };
    prop_oneof![
        num().prop_map(move |v| e(ExprKind::Number(v))),
        any::<bool>().prop_map(move |b| e(ExprKind::Bool(b))),
        Just(e(ExprKind::Step)),
        Just(e(ExprKind::Dt)),
        name_text().prop_map(move |n| e(ExprKind::Name(n.into()))),
    ]
}

fn duration_of(value: Expr) -> impl Strategy<Value = Duration> {
    proptest::option::of((0usize..9, any::<bool>())).prop_map(move |unit| {
        let units = [
            TimeUnit::Step,
            TimeUnit::Second,
            TimeUnit::Minute,
            TimeUnit::Hour,
            TimeUnit::Day,
            TimeUnit::Week,
            TimeUnit::Month,
            TimeUnit::Quarter,
            TimeUnit::Year,
        ];
        Duration {
            value: value.clone(),
            unit: unit.map(|(u, plural)| UnitName {
                unit: units[u],
                plural,
                span: sp(),
            }),
            span: sp(),
        }
    })
}

fn duration() -> impl Strategy<Value = Duration> {
    leaf().prop_flat_map(duration_of)
}

fn expr() -> impl Strategy<Value = Expr> {
    let e = |kind| Expr { kind, span: sp() };
    leaf().prop_recursive(4, 24, 4, move |inner| {
        let ops = prop_oneof![
            Just(BinOp::Or),
            Just(BinOp::And),
            Just(BinOp::Cmp(CmpOp::Lt)),
            Just(BinOp::Cmp(CmpOp::Ge)),
            Just(BinOp::Cmp(CmpOp::Eq)),
            Just(BinOp::Add),
            Just(BinOp::Sub),
            Just(BinOp::Mul),
            Just(BinOp::Div),
        ];
        prop_oneof![
            (ops, inner.clone(), inner.clone()).prop_map(move |(op, a, b)| e(ExprKind::Binary(
                op,
                Box::new(a),
                Box::new(b)
            ))),
            (prop_oneof![Just(UnOp::Not), Just(UnOp::Neg)], inner.clone())
                .prop_map(move |(op, a)| e(ExprKind::Unary(op, Box::new(a)))),
            inner
                .clone()
                .prop_map(move |a| e(ExprKind::Paren(Box::new(a)))),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(move |(a, b, c)| e(ExprKind::If(Box::new([a, b, c])))),
            (ident_text(), proptest::collection::vec(inner.clone(), 0..3)).prop_map(
                move |(n, args)| {
                    e(ExprKind::Call(Box::new(Call {
                        name: n.into(),
                        args,
                    })))
                }
            ),
            (leaf(), proptest::collection::vec(inner.clone(), 1..3))
                .prop_map(move |(k, items)| e(ExprKind::AtLeast(Box::new(AtLeast { k, items })))),
            (inner, duration()).prop_map(move |(c, d)| {
                e(ExprKind::Sustained(Box::new(Sustained {
                    condition: c,
                    duration: d,
                })))
            }),
        ]
    })
}

fn string() -> impl Strategy<Value = Str> {
    "[a-zA-Z0-9 .,:'\"\\\\é–\n\t-]{0,20}".prop_map(|s| Str {
        value: s.into(),
        span: sp(),
    })
}

fn likelihood() -> impl Strategy<Value = Likelihood> {
    prop_oneof![
        expr().prop_map(Likelihood::P),
        prop_oneof![
            Just("likely"),
            Just("very_unlikely"),
            Just("about_as_likely_as_not")
        ]
        .prop_map(|w| Likelihood::Word(Ident {
            name: w.into(),
            span: sp()
        })),
    ]
}

fn delay() -> impl Strategy<Value = Delay> {
    (duration(), proptest::option::of(duration())).prop_map(|(lo, hi)| Delay { lo, hi, span: sp() })
}

fn effect() -> impl Strategy<Value = Effect> {
    let op = prop_oneof![
        Just(AssignOp::Add),
        Just(AssignOp::Sub),
        Just(AssignOp::Set)
    ];
    (name(), proptest::option::of((op, expr()))).prop_map(|(target, change)| Effect {
        target,
        change,
        span: sp(),
    })
}

fn rule() -> impl Strategy<Value = RuleDecl> {
    let branch = (
        proptest::collection::vec(effect(), 1..3),
        likelihood(),
        proptest::option::of(delay()),
        proptest::option::of(string()),
    )
        .prop_map(|(effects, likelihood, delay, description)| Branch {
            effects,
            likelihood,
            delay,
            description,
            span: sp(),
        });
    let effects = prop_oneof![
        proptest::collection::vec(effect(), 1..3).prop_map(Effects::All),
        proptest::collection::vec(branch, 0..3).prop_map(|branches| Effects::OneOf {
            branches,
            span: sp()
        }),
    ];
    let attr = prop_oneof![
        likelihood().prop_map(RuleAttr::Likelihood),
        delay().prop_map(|d| RuleAttr::Delay(Box::new(d))),
        string().prop_map(RuleAttr::Source),
    ];
    (
        ident(),
        proptest::option::of(string()),
        any::<bool>(),
        expr(),
        effects,
        proptest::collection::vec(attr, 0..4),
    )
        .prop_map(
            |(name, description, when, condition, effects, attrs)| RuleDecl {
                name,
                description,
                kind: if when {
                    RuleKind::When
                } else {
                    RuleKind::While
                },
                condition,
                effects,
                attrs,
                span: sp(),
            },
        )
}

fn node(kind: NodeKind) -> impl Strategy<Value = NodeDecl> {
    let attr = prop_oneof![
        expr().prop_map(NodeAttr::Value),
        (
            expr(),
            expr(),
            prop_oneof![
                Just(None),
                Just(Some(Spread::Uniform)),
                Just(Some(Spread::Triangular))
            ]
        )
            .prop_map(|(lo, hi, spread)| NodeAttr::Range {
                lo,
                hi,
                spread,
                span: sp()
            }),
        expr().prop_map(NodeAttr::Prior),
        expr().prop_map(NodeAttr::Hazard),
        string().prop_map(NodeAttr::Description),
        string().prop_map(NodeAttr::Source),
    ];
    // The grammar has no derived parameters.
    let derived = if kind == NodeKind::Param {
        Just(None).boxed()
    } else {
        proptest::option::of(expr()).boxed()
    };
    (ident(), derived, proptest::collection::vec(attr, 0..4)).prop_map(
        move |(name, derived, attrs)| NodeDecl {
            kind,
            name,
            derived,
            attrs,
            span: sp(),
        },
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let field = prop_oneof![
        Just(None),
        Just(Some(SetField::Prior)),
        Just(Some(SetField::Hazard))
    ];
    let item = prop_oneof![
        duration().prop_map(ScenarioItem::Horizon),
        (
            name(),
            expr(),
            proptest::option::of((duration(), duration()))
        )
            .prop_map(|(target, value, window)| ScenarioItem::Hold {
                target,
                value,
                window,
                span: sp()
            }),
        (name(), field, expr()).prop_map(|(target, field, value)| ScenarioItem::Set {
            target,
            field,
            value,
            span: sp()
        }),
        (ident(), expr()).prop_map(|(rule, value)| ScenarioItem::SetRule {
            rule,
            value,
            span: sp()
        }),
        (duration(), name()).prop_map(|(step, n)| ScenarioItem::At {
            step,
            action: AtAction::Event(n),
            span: sp()
        }),
        (duration(), name(), expr()).prop_map(|(step, n, v)| ScenarioItem::At {
            step,
            action: AtAction::Set(n, v),
            span: sp()
        }),
        ident().prop_map(|rule| ScenarioItem::Without { rule, span: sp() }),
        rule().prop_map(ScenarioItem::Rule),
    ];
    (
        ident(),
        proptest::option::of(ident()),
        proptest::option::of(string()),
        proptest::collection::vec(item, 0..4),
    )
        .prop_map(|(name, extends, title, items)| Scenario {
            name,
            extends,
            title,
            items,
            span: sp(),
        })
}

fn expectation() -> impl Strategy<Value = Expectation> {
    let verdict = prop_oneof![
        (
            prop_oneof![Just(CmpOp::Lt), Just(CmpOp::Ge), Just(CmpOp::Ne)],
            expr()
        )
            .prop_map(|(op, e)| Verdict::Compare(op, e)),
        (any::<bool>(), ident()).prop_map(|(low, other)| Verdict::Than {
            direction: if low {
                Direction::Lower
            } else {
                Direction::Higher
            },
            other
        }),
    ];
    let when = prop_oneof![Just(ProbWhen::At), Just(ProbWhen::By)];
    prop_oneof![
        (
            ident(),
            name(),
            proptest::option::of(duration()),
            verdict.clone()
        )
            .prop_map(|(stat, target, at, verdict)| Expectation::Stat {
                stat,
                target,
                at,
                verdict,
                span: sp()
            }),
        (expr(), proptest::option::of((when, duration())), verdict).prop_map(
            |(condition, when, verdict)| Expectation::Prob {
                condition,
                when,
                verdict,
                span: sp()
            }
        ),
        (name(), proptest::option::of(duration())).prop_map(|(event, by)| Expectation::Never {
            event,
            by,
            span: sp()
        }),
        (name(), ident(), proptest::option::of(duration())).prop_map(|(event, word, by)| {
            Expectation::Is {
                event,
                word,
                by,
                span: sp(),
            }
        }),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        node(NodeKind::Param).prop_map(|x| Item::Param(Box::new(x))),
        node(NodeKind::Factor).prop_map(|x| Item::Node(Box::new(x))),
        node(NodeKind::Event).prop_map(|x| Item::Node(Box::new(x))),
        (
            ident(),
            proptest::option::of(string()),
            proptest::collection::vec(node(NodeKind::Event), 0..3)
        )
            .prop_map(|(name, description, nodes)| Item::Actor(Box::new(Actor {
                name,
                description,
                nodes,
                span: sp()
            }))),
        rule().prop_map(|x| Item::Rule(Box::new(x))),
        scenario().prop_map(|x| Item::Scenario(Box::new(x))),
        (ident(), proptest::collection::vec(expectation(), 0..3)).prop_map(|(scenario, items)| {
            Item::Expect(Box::new(ExpectBlock {
                scenario,
                items,
                span: sp(),
            }))
        }),
        string().prop_map(|path| Item::Import(Box::new(Import { path, span: sp() }))),
        (string(), duration()).prop_map(|(title, h)| Item::Model(Box::new(ModelDecl {
            title,
            settings: vec![
                Setting::Horizon(h),
                Setting::Scale(ScaleDecl::Named(Ident {
                    name: "ipcc".into(),
                    span: sp()
                }))
            ],
            span: sp(),
        }))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(items in proptest::collection::vec(item(), 0..6)) {
        let mut file = File { items };
        let text = print::format(&Parsed { ast: file.clone(), comments: Vec::new() }, "");
        let mut back = parse_ok(&text).ast;
        canon::normalize(&mut file);
        canon::normalize(&mut back);
        prop_assert_eq!(&back, &file, "\n--- printed\n{}", text);
        // And printing is a fixed point.
        let again = print::format(&parse_ok(&text), &text);
        prop_assert_eq!(again, text);
    }

    #[test]
    fn no_input_makes_the_parser_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(text) = decode(bytes) {
            let _ = parse(FileId(0), &text, &Limits::default());
        }
    }

    #[test]
    fn mutated_models_never_panic(cut in 0usize..3000, flip in 0usize..3000, byte in any::<u8>()) {
        let mut bytes = include_bytes!("../../tests/data/sketch.whatif").to_vec();
        let n = bytes.len();
        bytes[flip % n] = byte;
        bytes.truncate(cut % (n + 1));
        if let Ok(text) = decode(bytes)
            && let Ok(parsed) = parse(FileId(0), &text, &Limits::default())
        {
            let mut sources = crate::span::SourceMap::new();
            let id = sources.add("m", text.clone());
            let _ = crate::check::check(&sources, vec![(id, parsed.ast.clone())], &Limits::default());
            let _ = print::format(&parsed, &text);
        }
    }
}
