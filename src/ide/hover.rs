//! What an editor shows on hover: a declaration as written, its description
//! and citations, and who uses it — for a node, the rules that read and change
//! it, the derived nodes that read it, and the scenarios that intervene on it.

use super::index::{Index, Role, SymbolKind, Target};

/// The hover text for `target`, in Markdown.
#[must_use]
pub fn hover(index: &Index, target: Target, file_name: &dyn Fn(usize) -> String) -> String {
    let id = match target {
        Target::Symbol(id) => id,
        Target::Import(link) => {
            let file = index.links[link].file;
            return format!("imports `{}`", file_name(file.0 as usize));
        }
    };
    let symbol = &index.symbols[id];
    let mut out = format!("```whatif\n{}\n```\n", symbol.signature);
    let mut heading = format!("{} `{}`", symbol.kind.keyword(), symbol.name);
    if let Some(s) = symbol.scenario {
        heading.push_str(&format!(" (in scenario `{}`)", index.symbols[s].name));
    }
    out.push_str(&format!("\n{heading}\n"));
    if let Some(d) = &symbol.description {
        out.push_str(&format!("\n{d}\n"));
    }
    for s in &symbol.sources {
        out.push_str(&format!("\n*source:* {s}\n"));
    }
    let users = |role: Role, kinds: &[SymbolKind]| -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in index.references_to(id).filter(|r| r.role == role) {
            if let Some(owner) = r.owner
                && owner != id
                && kinds.contains(&index.symbols[owner].kind)
            {
                let name = format!("`{}`", index.symbols[owner].name);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    };
    let nodes = [SymbolKind::Param, SymbolKind::Factor, SymbolKind::Event];
    let lines: [(&str, Vec<String>); 6] = [
        ("read by rules", users(Role::Read, &[SymbolKind::Rule])),
        ("changed by rules", users(Role::Change, &[SymbolKind::Rule])),
        ("read by", users(Role::Read, &nodes)),
        (
            "scenarios that intervene",
            users(Role::Intervene, &[SymbolKind::Scenario]),
        ),
        (
            "expectations in",
            users(Role::Expect, &[SymbolKind::Scenario]),
        ),
        ("extended by", users(Role::Extend, &[SymbolKind::Scenario])),
    ];
    let mut any = false;
    for (label, names) in lines {
        if names.is_empty() {
            continue;
        }
        if !any {
            out.push('\n');
            any = true;
        }
        out.push_str(&format!("- {label}: {}\n", names.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::span::{FileId, SourceMap};

    #[test]
    fn a_node_shows_its_description_sources_and_users() {
        let text = r#"actor platform {
  event breach "a major breach" source "commentary B"
  factor staffing = 0.4
  factor exposure := if breach then 1 else 0
}
rule inquiry: when platform.breach and platform.staffing < 0.5 then platform.staffing += 0.1
rule attack: when platform.staffing < 0.3 then platform.breach
scenario breached { at 2: platform.breach }
expect breached { platform.breach is likely }
"#;
        let mut sources = SourceMap::new();
        let id = sources.add("m.whatif", text);
        let parsed = crate::syntax::parse(id, text, &Limits::default()).expect("parses");
        let index = Index::build(&[(id, &parsed.ast)], &sources, &[]);
        let offset = text.find("platform.breach and").expect("present") + 10;
        let target = index.at(FileId(0), offset).expect("a reference");
        let shown = hover(&index, target, &|_| String::new());
        assert!(shown.contains("event breach \"a major breach\""), "{shown}");
        assert!(shown.contains("event `platform.breach`"), "{shown}");
        assert!(shown.contains("\na major breach\n"), "{shown}");
        assert!(shown.contains("*source:* commentary B"), "{shown}");
        assert!(shown.contains("- read by rules: `inquiry`"), "{shown}");
        assert!(shown.contains("- changed by rules: `attack`"), "{shown}");
        assert!(shown.contains("- read by: `platform.exposure`"), "{shown}");
        assert!(
            shown.contains("- scenarios that intervene: `breached`"),
            "{shown}"
        );
        assert!(shown.contains("- expectations in: `breached`"), "{shown}");
    }
}
