use super::*;

fn parse_ok(text: &str) -> Parsed {
    match parse(FileId(0), text, &Limits::default()) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn parses_the_design_sketch() {
    let text = include_str!("../../tests/data/sketch.whatif");
    let parsed = parse_ok(text);
    assert!(parsed.ast.items.len() > 10);
}

#[test]
fn sizes() {
    eprintln!(
        "Expr {} RuleDecl {} RuleAttr {} Effect {} Item {} NodeDecl {} NodeAttr {}",
        std::mem::size_of::<ast::Expr>(),
        std::mem::size_of::<ast::RuleDecl>(),
        std::mem::size_of::<ast::RuleAttr>(),
        std::mem::size_of::<ast::Effect>(),
        std::mem::size_of::<ast::Item>(),
        std::mem::size_of::<ast::NodeDecl>(),
        std::mem::size_of::<ast::NodeAttr>()
    );
}
