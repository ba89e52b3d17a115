//! Editor support: what a language server needs to know about a model, without
//! the protocol.
//!
//! [`analyze_document`] reads a document as an editor holds it — its text, not
//! the file on disk, and the texts of the other documents open beside it — with
//! its imports, and returns the diagnostics `whatif check` would give, an
//! [`index::Index`] of every name and use (which works as soon as the files
//! parse, even when the model has errors), and the way back from each imported
//! file to the import that reached it. [`lines`] converts byte offsets to the
//! lines and UTF-16 columns editors count in; [`hover`] and [`complete`] answer
//! from the index. The protocol itself (JSON-RPC, URIs) is the command line's
//! business (`whatif lsp`).

pub mod complete;
pub mod frame;
pub mod hover;
pub mod index;
pub mod lines;

use std::path::{Path, PathBuf};

use crate::Analysis;
use crate::limits::Limits;
use crate::load::{self, Found, FsLoader, LoadFailure, Loader, plain_io_error};
use crate::span::{FileId, Span};
use crate::syntax::ast::{self, Item};
use index::Index;

/// A document read, parsed, indexed and checked.
#[derive(Debug, Default)]
pub struct Document {
    /// The files, the model and the diagnostics, as `whatif check` has them.
    pub analysis: Analysis,
    /// Every name and every use of one, in every file that parsed.
    pub index: Index,
    /// The path of each file, by [`FileId`]: the document's own (`None` when it
    /// has none), then the imported files'.
    pub paths: Vec<Option<PathBuf>>,
    /// By [`FileId`], the document's own `import` that (directly or through
    /// other files) reached the file.
    via: Vec<Option<Span>>,
}

impl Document {
    /// The document's `import` through which `file` was read; `None` for the
    /// document itself.
    #[must_use]
    pub fn import_site(&self, file: FileId) -> Option<Span> {
        self.via.get(file.0 as usize).copied().flatten()
    }

    /// Every file the model was read from, the document's own first.
    pub fn files_read(&self) -> impl Iterator<Item = &Path> {
        self.paths.iter().flatten().map(PathBuf::as_path)
    }
}

/// Reads the document `text` (at `path`, when it has one) with its imports;
/// `open` gives the text of a file that is open in the editor (by canonical
/// path), which wins over the file on disk.
pub fn analyze_document(
    path: Option<&Path>,
    text: &str,
    open: &dyn Fn(&Path) -> Option<String>,
    limits: &Limits,
) -> Document {
    let (root_key, name) = match path {
        Some(p) => (
            p.canonicalize()
                .unwrap_or_else(|_| p.to_path_buf())
                .display()
                .to_string(),
            p.display().to_string(),
        ),
        None => ("<untitled>".to_string(), "<untitled>".to_string()),
    };
    let mut overlay = Overlay {
        fs: path.map(FsLoader::for_model),
        open,
        reads: Vec::new(),
    };
    let files = load::load(
        &mut overlay,
        &root_key,
        &name,
        text.as_bytes().to_vec(),
        limits,
    );
    // Every file but the document is named by its key, its canonical path.
    let key_of = |id: FileId| -> String {
        if id == FileId(0) {
            root_key.clone()
        } else {
            files.sources.get(id).name.clone()
        }
    };
    let id_of = |key: &str| -> Option<FileId> {
        files
            .sources
            .files()
            .find(|(id, _)| key_of(*id) == key)
            .map(|(id, _)| id)
    };
    // Which file each `import` reached, by the span of its path.
    let mut imports: Vec<(Span, FileId)> = Vec::new();
    for (id, parsed) in &files.parsed {
        let from = key_of(*id);
        for (path, at) in import_paths(&parsed.ast) {
            let reached = overlay
                .reads
                .iter()
                .find(|r| r.from == from && r.path == path)
                .and_then(|r| id_of(&r.key));
            if let Some(target) = reached {
                imports.push((at, target));
            }
        }
    }
    let trees: Vec<(FileId, &ast::File)> =
        files.parsed.iter().map(|(id, p)| (*id, &p.ast)).collect();
    let index = Index::build(&trees, &files.sources, &imports);
    let root_imports: Vec<(String, Span)> = files
        .parsed
        .iter()
        .find(|(id, _)| *id == FileId(0))
        .map(|(_, p)| import_paths(&p.ast))
        .unwrap_or_default();
    let mut via = vec![None; files.sources.len()];
    for (id, _) in files.sources.files().skip(1) {
        via[id.0 as usize] = import_site(&overlay.reads, &root_key, &key_of(id), &root_imports);
    }
    let paths = files
        .sources
        .files()
        .map(|(id, f)| {
            if id == FileId(0) {
                path.map(Path::to_path_buf)
            } else {
                Some(PathBuf::from(&f.name))
            }
        })
        .collect();
    Document {
        analysis: crate::analyze_files(files, limits),
        index,
        paths,
        via,
    }
}

/// The `import` paths of a file, with the spans of their strings.
fn import_paths(file: &ast::File) -> Vec<(String, Span)> {
    file.items
        .iter()
        .filter_map(|i| match i {
            Item::Import(imp) => Some((imp.path.value.to_string(), imp.path.span)),
            _ => None,
        })
        .collect()
}

/// Climbs from the file `key` up the chain of importing files to the
/// document's own import.
fn import_site(
    reads: &[Read],
    root: &str,
    key: &str,
    root_imports: &[(String, Span)],
) -> Option<Span> {
    let mut key = key;
    // Each step climbs one file; more steps than reads means a cycle.
    for _ in 0..=reads.len() {
        let read = reads.iter().find(|r| r.key == key)?;
        if read.from == root {
            return root_imports
                .iter()
                .find(|(p, _)| *p == read.path)
                .map(|(_, at)| *at);
        }
        key = &read.from;
    }
    None
}

/// One import read: by the file `from`, written `path`, reaching `key`.
struct Read {
    from: String,
    path: String,
    key: String,
}

/// Reads imports as [`FsLoader`] does, but takes an open document's text over
/// the file on disk, names files by their canonical path, and remembers what
/// it read.
struct Overlay<'a> {
    /// `None` for a document with no path, which cannot import.
    fs: Option<FsLoader>,
    open: &'a dyn Fn(&Path) -> Option<String>,
    reads: Vec<Read>,
}

impl Loader for Overlay<'_> {
    fn find(&mut self, from: &str, path: &str) -> Result<Found, LoadFailure> {
        let Some(fs) = &mut self.fs else {
            return Err(LoadFailure::Unreadable(
                "a document that is not a file on disk (its URI is not `file:`) cannot import files; save it as a file first".to_string(),
            ));
        };
        // The same checks as the command line's: a folder, a FIFO or a device
        // is refused before anything reads it (a FIFO would hang the server).
        let key = fs.find(from, path)?.key;
        self.reads.push(Read {
            from: from.to_string(),
            path: path.to_string(),
            key: key.clone(),
        });
        Ok(Found {
            name: key.clone(),
            key,
        })
    }

    fn read(&mut self, key: &str, max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        match (self.open)(Path::new(key)) {
            Some(text) => {
                let mut bytes = text.into_bytes();
                bytes.truncate(max_bytes.saturating_add(1));
                Ok(bytes)
            }
            None => std::fs::File::open(key)
                .and_then(|f| load::read_bounded(f, max_bytes))
                .map_err(|e| LoadFailure::Unreadable(plain_io_error(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder.
    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("whatif-ide-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("lib")).expect("a temporary folder");
        dir
    }

    #[test]
    fn open_texts_win_and_imported_diagnostics_lead_back_to_the_import() {
        let dir = folder("overlay");
        let main = dir.join("m.whatif");
        let lib = dir.join("lib/a.whatif");
        let other = dir.join("lib/b.whatif");
        std::fs::write(&main, "this file on disk is not read").expect("written");
        std::fs::write(&lib, "import \"b.whatif\"\nactor a { factor x = 0.5 }\n").expect("written");
        std::fs::write(&other, "actor b { factor y = 2 }\n").expect("written");
        let text = "import \"lib/a.whatif\"\nrule r: while a.x > 0 then a.x -= 0.1\n";
        let canonical_other = other.canonicalize().expect("exists");
        // The open buffer of b.whatif is broken, unlike the file on disk.
        let open = |p: &Path| (p == canonical_other).then(|| "actor b {".to_string());
        let doc = analyze_document(Some(&main), text, &open, &Limits::default());
        assert_eq!(doc.paths.len(), 3);
        let broken = doc
            .analysis
            .diagnostics
            .iter()
            .find(|d| d.span().file != FileId(0))
            .expect("the open buffer's error");
        let site = doc.import_site(broken.span().file).expect("an import");
        assert_eq!(
            &text[site.start as usize..site.end as usize],
            "\"lib/a.whatif\""
        );
        // Names in the document resolve to the imported declaration.
        let offset = text.find("a.x >").expect("present") + 2;
        let Some(index::Target::Symbol(s)) = doc.index.at(FileId(0), offset) else {
            panic!("no symbol at a.x");
        };
        assert_eq!(doc.index.symbols[s].at.file, FileId(1));
        // The import string leads to the file.
        let Some(index::Target::Import(link)) = doc.index.at(FileId(0), 10) else {
            panic!("no link at the import");
        };
        assert_eq!(doc.index.links[link].file, FileId(1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_document_with_no_path_cannot_import() {
        let doc = analyze_document(None, "import \"x.whatif\"\n", &|_| None, &Limits::default());
        assert!(doc.analysis.has_errors());
        assert_eq!(doc.paths, vec![None]);
    }
}
