//! The language server, driven over stdio as an editor drives it: the real
//! binary, framed JSON-RPC messages, and answers read with generous timeouts.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take: generous, since the machine may be busy.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A running `whatif lsp`.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages read while waiting for another one.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_whatif"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("written");
        self.stdin.flush().expect("flushed");
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.send_raw(&body);
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send_raw(&body);
        self.wait(&format!("the response to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    /// The first message (read now or before) that `wanted` accepts.
    fn wait(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) => self.pending.push(m),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no {what} within {TIMEOUT:?}; received meanwhile: {:#?}",
                    self.pending
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server stopped before {what}")
                }
            }
        }
    }

    /// The next diagnostics published for `uri` (earlier ones are dropped).
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait(&format!("diagnostics for {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "whatif", "version": 1, "text": text}}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, (line, character): (usize, usize)) -> Value {
        let mut params = json!({
            "textDocument": {"uri": uri},
            "position": {"line": line, "character": character},
        });
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        self.request(method, params)
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir.canonicalize().expect("it exists")
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The 0-based line and UTF-16 column of the `nth` occurrence of `needle`.
fn position(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("the needle occurs");
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].encode_utf16().count())
}

const LIB: &str = r#"actor users {
  factor trust = 0.7 "how much users trust the platform" source "commentary A"
  event migration "a visible exodus"
}
"#;

/// The typo `users.trst` comes after non-ASCII characters on its line, so its
/// column differs in bytes, characters and UTF-16 units.
const BROKEN: &str = r#"model "m" { horizon 10 }
import "lib.whatif"

param rate = 0.1 "a rate"
rule erode "😀 é": while users.trst > 0.2 then users.trust -= rate
rule leave: when users.trust < 0.5 then users.migration
scenario fast { set rate = 0.2 }
expect fast { users.migration is likely }
"#;

#[test]
fn the_server_answers_an_editor_session() {
    let dir = folder("session");
    std::fs::write(dir.join("lib.whatif"), LIB).expect("written");
    let main = dir.join("main.whatif");
    // The file on disk is not what the editor holds: the server must read the
    // buffer.
    std::fs::write(&main, "not a model").expect("written");
    let main_uri = uri(&main);
    let lib_uri = uri(&dir.join("lib.whatif"));

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], json!(true), "{init}");
    assert_eq!(caps["definitionProvider"], json!(true), "{init}");
    assert_eq!(caps["documentFormattingProvider"], json!(true), "{init}");
    client.notify("initialized", json!({}));

    // A broken model: one diagnostic, on the misspelt name, in UTF-16 columns.
    client.open(&main_uri, BROKEN);
    let diagnostics = client.diagnostics(&main_uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    let (line, start) = position(BROKEN, "users.trst", 0);
    assert_eq!(
        d["range"]["start"],
        json!({"line": line, "character": start})
    );
    assert_eq!(
        d["range"]["end"],
        json!({"line": line, "character": start + "users.trst".len()})
    );
    assert_eq!(d["severity"], json!(1));
    assert_eq!(d["code"], json!("whatif::check::unknown_name"));
    let message = d["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown name `users.trst`"), "{message}");
    assert!(message.contains("did you mean `users.trust`?"), "{message}");

    // Hover and definition work on the broken model already: it parses.
    let hover = client.at(
        "textDocument/hover",
        &main_uri,
        position(BROKEN, "trust -=", 0),
    );
    let shown = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(shown.contains("factor `users.trust`"), "{shown}");
    assert!(
        shown.contains("how much users trust the platform"),
        "{shown}"
    );
    assert!(shown.contains("*source:* commentary A"), "{shown}");
    assert!(shown.contains("- read by rules: `leave`"), "{shown}");
    assert!(shown.contains("- changed by rules: `erode`"), "{shown}");

    // Fixed: the diagnostics are cleared.
    let fixed = BROKEN.replace("users.trst", "users.trust");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main_uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(client.diagnostics(&main_uri, 2), Vec::<Value>::new());

    // Definition: into the imported file, and within the document.
    let def = client.at(
        "textDocument/definition",
        &main_uri,
        position(&fixed, "migration is", 0),
    );
    assert_eq!(def["result"]["uri"], json!(lib_uri), "{def}");
    let (line, character) = position(LIB, "migration", 0);
    assert_eq!(
        def["result"]["range"]["start"],
        json!({"line": line, "character": character})
    );
    let def = client.at(
        "textDocument/definition",
        &main_uri,
        position(&fixed, "rate\n", 0),
    );
    assert_eq!(def["result"]["uri"], json!(main_uri), "{def}");
    assert_eq!(
        def["result"]["range"]["start"],
        json!({"line": 3, "character": 6})
    );
    let def = client.at(
        "textDocument/definition",
        &main_uri,
        position(&fixed, "fast {", 1),
    );
    assert_eq!(
        def["result"]["range"]["start"],
        json!({"line": 6, "character": 9}),
        "{def}"
    );
    let def = client.at(
        "textDocument/definition",
        &main_uri,
        position(&fixed, "lib.whatif", 0),
    );
    assert_eq!(def["result"]["uri"], json!(lib_uri), "{def}");

    // References: the declaration and every use.
    let refs = client.at(
        "textDocument/references",
        &main_uri,
        position(&fixed, "rate =", 0),
    );
    assert_eq!(refs["result"].as_array().map(Vec::len), Some(3), "{refs}");

    // Completion of node names after `users.`, in a buffer that does not parse.
    let typing = fixed.replace("then users.migration", "then users.");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main_uri, "version": 3}, "contentChanges": [{"text": typing}]}),
    );
    assert!(!client.diagnostics(&main_uri, 3).is_empty());
    let (line, character) = position(&typing, "users.\n", 0);
    let done = client.at("textDocument/completion", &main_uri, (line, character + 6));
    let labels: Vec<&str> = done["result"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(labels.contains(&"users.trust"), "{done}");
    assert!(labels.contains(&"users.migration"), "{done}");
    assert!(labels.contains(&"rate"), "{done}");
    let item = done["result"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["label"] == "users.trust"))
        .cloned()
        .unwrap_or_default();
    // The edit replaces the whole qualified prefix typed so far.
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": line, "character": character})
    );
    // Scenario names after `expect`.
    let done = client.at(
        "textDocument/completion",
        &main_uri,
        position(&typing, " {", 2),
    );
    let labels: Vec<&str> = done["result"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, vec!["baseline", "fast"], "{done}");

    // Formatting gives what `whatif fmt` prints.
    let messy = "model \"m\" {horizon 10}\nactor a {   factor x=0.5 }\n";
    let messy_uri = uri(&dir.join("messy.whatif"));
    client.open(&messy_uri, messy);
    client.diagnostics(&messy_uri, 1);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": messy_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let new_text = edits["result"][0]["newText"].as_str().unwrap_or_default();
    let fmt = Command::new(env!("CARGO_BIN_EXE_whatif"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().map(|mut s| s.write_all(messy.as_bytes()));
            c.wait_with_output()
        })
        .expect("whatif fmt runs");
    assert_eq!(new_text, String::from_utf8_lossy(&fmt.stdout), "{edits}");
    assert_eq!(
        edits["result"][0]["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}})
    );

    // Outline: actors hold their nodes, the model's items in order.
    let outline = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": messy_uri}}),
    );
    assert_eq!(outline["result"][0]["name"], "a", "{outline}");
    assert_eq!(
        outline["result"][0]["children"][0]["name"], "a.x",
        "{outline}"
    );

    client.shutdown_and_exit();
}

#[test]
fn diagnostics_of_an_imported_file_are_shown_on_the_import() {
    let dir = folder("imports");
    std::fs::write(dir.join("broken.whatif"), "actor b {\n  factor = 1\n}\n").expect("written");
    let text = "model \"m\" { horizon 3 }\nimport \"broken.whatif\"\n";
    let main_uri = uri(&dir.join("main.whatif"));
    let mut client = Client::start();
    client.request("initialize", json!({"processId": null, "capabilities": {}}));
    client.notify("initialized", json!({}));
    client.open(&main_uri, text);
    let diagnostics = client.diagnostics(&main_uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(
        d["range"],
        json!({"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 22}})
    );
    let message = d["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("in `"), "{message}");
    let related = &d["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], json!(uri(&dir.join("broken.whatif"))));
    assert_eq!(related["range"]["start"]["line"], json!(1));
    client.shutdown_and_exit();
}

#[test]
fn bad_input_gets_an_answer_not_a_crash() {
    let mut client = Client::start();
    client.request("initialize", json!({"processId": null, "capabilities": {}}));
    client.notify("initialized", json!({}));
    let uri = "untitled:Untitled-1";
    // Nothing at all, every control character the scanner refuses, an import
    // with no folder to import from.
    for (version, text) in ["", "\u{0}\u{202e}((((", "import \"x.whatif\"", "é😀\r\n\r"]
        .into_iter()
        .enumerate()
    {
        let version = i64::try_from(version).unwrap_or(0) + 1;
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "whatif", "version": version, "text": text}}),
        );
        client.diagnostics(uri, version);
        for (line, character) in [(0, 0), (0, 1), (0, 3), (9999, 9999), (0, u32::MAX as usize)] {
            for method in [
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
                "textDocument/references",
            ] {
                let answer = client.at(method, uri, (line, character));
                assert!(answer.get("error").is_none(), "{method}: {answer}");
            }
        }
    }
    // Not JSON, a request the server does not know, parameters of the wrong
    // shape, a document never opened.
    client.send_raw("{not json");
    let unknown = client.request("textDocument/rename", json!({}));
    assert_eq!(unknown["error"]["code"], json!(-32601), "{unknown}");
    let invalid = client.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(invalid["error"]["code"], json!(-32602), "{invalid}");
    let nothing = client.at("textDocument/hover", "file:///nowhere.whatif", (0, 0));
    assert_eq!(nothing["result"], Value::Null, "{nothing}");
    client.shutdown_and_exit();
}

/// Hostile documents (issue "Hostile input, second round"): 20,000 prefix
/// operators used to overflow the stack and kill the server, and a chain of
/// 20,000 `extends` to hang it in a cubic check. Each gets its diagnostics,
/// and the server answers after them.
#[test]
fn the_server_survives_hostile_documents() {
    let mut client = Client::start();
    client.request("initialize", json!({"processId": null, "capabilities": {}}));
    client.notify("initialized", json!({}));
    let header = "model \"m\" { horizon 5 }\n";
    let mut chain = format!("{header}param p = 0.5\nscenario s0 {{ set p = 0.1 }}\n");
    for i in 1..20_000 {
        chain += &format!("scenario s{i} extends s{} {{ }}\n", i - 1);
    }
    let cases = [
        format!("{header}param p = {}1\n", "-".repeat(20_000)),
        format!("{header}event e\nevent f := {}e\n", "not ".repeat(20_000)),
        chain,
    ];
    for (version, text) in cases.iter().enumerate() {
        let version = i64::try_from(version).unwrap_or(0) + 1;
        let uri = format!("untitled:hostile-{version}");
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "whatif", "version": version, "text": text}}),
        );
        let diagnostics = client.diagnostics(&uri, version);
        assert!(
            diagnostics
                .iter()
                .any(|d| d["code"] == json!("whatif::limit::depth")),
            "{diagnostics:#?}"
        );
    }
    // A document that is not a file (an editor's untitled buffer) cannot
    // import, and is told why in those words, not as standard input.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "untitled:imports", "languageId": "whatif", "version": 1,
               "text": "model \"m\" { horizon 5 }\nimport \"lib.whatif\"\n"}}),
    );
    let diagnostics = client.diagnostics("untitled:imports", 1);
    let message = diagnostics
        .first()
        .and_then(|d| d["message"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("not a file on disk"), "{message}");
    assert!(!message.contains("standard input"), "{message}");
    client.shutdown_and_exit();
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let mut client = Client::start();
    client.request("initialize", json!({"processId": null, "capabilities": {}}));
    client.notify("initialized", json!({}));
    client.notify("exit", Value::Null);
    let status = client.wait_for_exit();
    assert_eq!(status, Some(1));
}

impl Client {
    fn shutdown_and_exit(mut self) {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Value::Null);
        assert_eq!(self.wait_for_exit(), Some(0));
    }

    fn wait_for_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not exit within {TIMEOUT:?}");
    }
}
