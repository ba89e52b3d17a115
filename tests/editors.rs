//! The editor support in `editors/vscode` against the language itself: the
//! TextMate grammar must colour exactly the keywords and units of the pest
//! grammar, the functions and likelihood words the checker knows, and must
//! tokenize every shipped model cleanly with the engine VS Code uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vscode() -> PathBuf {
    root().join("editors/vscode")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the file exists");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The string literals of a pest rule's body that are words.
fn literals(body: &str) -> Vec<String> {
    body.split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| identifier(w))
        .map(str::to_string)
        .collect()
}

/// The keywords (the `kw_*` rules, `rule_kind` and `set_field`) and the units
/// (`unit`) of the pest grammar.
fn pest_vocabulary() -> (BTreeSet<String>, BTreeSet<String>) {
    let grammar =
        std::fs::read_to_string(root().join("grammar/whatif.pest")).expect("the grammar exists");
    let mut keywords = BTreeSet::new();
    let mut units = BTreeSet::new();
    for line in grammar.lines() {
        let Some((name, body)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.starts_with("kw_") || name == "rule_kind" || name == "set_field" {
            keywords.extend(literals(body));
        } else if name == "unit" {
            units.extend(literals(body));
        }
    }
    (keywords, units)
}

/// Every word list of the TextMate grammar: the patterns `\b(a|b|…)…`, by the
/// scope they give their words.
fn textmate_vocabulary() -> BTreeMap<String, Vec<String>> {
    fn walk(v: &Value, out: &mut BTreeMap<String, Vec<String>>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(pattern)) = map.get("match")
                    && let Some(rest) = pattern.strip_prefix("\\b(")
                    && let Some((words, _)) = rest.split_once(')')
                {
                    let scope = map
                        .get("name")
                        .or_else(|| map.get("captures").and_then(|c| c.get("1")?.get("name")))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let words: Vec<String> = words.split('|').map(str::to_string).collect();
                    // A list with a non-word (`p[1-9][0-9]?`) is a pattern, not
                    // a vocabulary.
                    if words.iter().all(|w| identifier(w)) {
                        out.entry(scope).or_default().extend(words);
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let grammar = read_json(&vscode().join("syntaxes/whatif.tmLanguage.json"));
    let mut out = BTreeMap::new();
    walk(&grammar, &mut out);
    out
}

/// The words of every list whose scope starts with one of `prefixes`.
fn words_scoped(lists: &BTreeMap<String, Vec<String>>, prefixes: &[&str]) -> BTreeSet<String> {
    lists
        .iter()
        .filter(|(scope, _)| prefixes.iter().any(|p| scope.starts_with(p)))
        .flat_map(|(_, words)| words.iter().cloned())
        .collect()
}

fn set<'a>(words: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    words.into_iter().map(str::to_string).collect()
}

#[test]
fn the_textmate_grammar_colours_exactly_the_language_s_words() {
    let (keywords, units) = pest_vocabulary();
    assert!(keywords.len() > 40 && keywords.contains("while") && keywords.contains("P"));
    assert!(units.contains("quarters") && units.contains("step"));
    let lists = textmate_vocabulary();

    // Each word is in one list only: a second would never be reached.
    let mut seen = BTreeSet::new();
    for words in lists.values() {
        for w in words {
            assert!(seen.insert(w.clone()), "`{w}` is in two word lists");
        }
    }

    let mut textmate_keywords = words_scoped(&lists, &["keyword.", "storage."]);
    let textmate_units = words_scoped(&lists, &["keyword.other.unit"]);
    textmate_keywords.retain(|w| !textmate_units.contains(w));
    let show = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
        format!(
            "only in the pest grammar: {:?}; only in the TextMate grammar: {:?}",
            a.difference(b).collect::<Vec<_>>(),
            b.difference(a).collect::<Vec<_>>()
        )
    };
    assert_eq!(
        keywords,
        textmate_keywords,
        "keywords: {}",
        show(&keywords, &textmate_keywords)
    );
    // `step` is coloured as a keyword, which it also is.
    let units_left: BTreeSet<String> = units.difference(&keywords).cloned().collect();
    assert_eq!(
        units_left,
        textmate_units,
        "units: {}",
        show(&units_left, &textmate_units)
    );

    let functions: BTreeSet<String> = whatif::check::model::Func::ALL
        .iter()
        .map(|(name, _)| *name)
        .chain(whatif::check::DISTRIBUTIONS)
        .map(str::to_string)
        .collect();
    assert_eq!(
        functions,
        words_scoped(&lists, &["support.function.whatif"])
    );

    let likelihood: BTreeSet<String> = whatif::check::scale::Scale::ipcc()
        .words
        .iter()
        .map(|w| w.name.clone())
        .collect();
    assert_eq!(
        likelihood,
        words_scoped(&lists, &["constant.language.likelihood"])
    );

    // The reserved words that are not the grammar's keywords are values.
    let reserved = set(whatif::check::KEYWORDS);
    let values: BTreeSet<String> = reserved.difference(&keywords).cloned().collect();
    assert_eq!(values, set(["baseline", "dt", "false", "true"]));
    assert_eq!(
        values,
        words_scoped(&lists, &["constant.language.boolean", "variable.language"])
    );
}

#[test]
fn the_vscode_folder_is_a_valid_extension() {
    let dir = vscode();
    let package = read_json(&dir.join("package.json"));
    let config = read_json(&dir.join("language-configuration.json"));
    let grammar = read_json(&dir.join("syntaxes/whatif.tmLanguage.json"));
    assert!(dir.join("README.md").is_file());

    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "whatif");
    assert_eq!(language["extensions"][0], ".whatif");
    let configuration = language["configuration"].as_str().unwrap_or_default();
    assert!(dir.join(configuration).is_file(), "{configuration}");

    let contributed = &package["contributes"]["grammars"][0];
    assert_eq!(contributed["language"], "whatif");
    assert_eq!(contributed["scopeName"], grammar["scopeName"]);
    let path = contributed["path"].as_str().unwrap_or_default();
    assert!(dir.join(path).is_file(), "{path}");

    assert_eq!(config["comments"]["lineComment"], "//");
    assert_eq!(config["comments"]["blockComment"][0], "/*");
}

/// Every shipped model, imports included.
fn models() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "whatif") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("scenarios"), &mut out);
    out.sort();
    out
}

#[test]
fn vscode_textmate_tokenizes_every_shipped_model() {
    let dir = vscode();
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let installed = dir.join("node_modules/vscode-textmate").is_dir()
        && dir.join("node_modules/vscode-oniguruma").is_dir();
    if !node_ok || !installed {
        let missing = if node_ok {
            "its npm packages (`npm ci --prefix editors/vscode`)"
        } else {
            "node"
        };
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {missing} for this test"
        );
        eprintln!("skipped: the TextMate grammar is not tokenized, {missing} is missing");
        return;
    }
    let (keywords, units) = pest_vocabulary();
    let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
    let files = models();
    assert!(files.len() >= 8);
    let out = Command::new("node")
        .arg(dir.join("test/tokenize.mjs"))
        .arg(dir.join("syntaxes/whatif.tmLanguage.json"))
        .arg(join(&keywords))
        .arg(join(&units))
        .args(&files)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("tokenized {} files", files.len())),
        "{stdout}"
    );
}
