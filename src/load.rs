//! Reading a model and its imports, confined to the project root.
//!
//! The checker does no I/O: it receives parsed files. This module walks the
//! imports through a [`Loader`] the caller supplies — [`FsLoader`] reads the file
//! system, tests and editors can serve text from memory — reading each file once
//! and reporting cycles, missing files and imports that leave the project root.

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::limits::Limits;
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::{self, Parsed, SyntaxError, ast};

/// A file a loader found, before it is read.
#[derive(Debug)]
pub struct Found {
    /// What identifies the file (its canonical path): a file reached twice is read
    /// once, and a file reached from itself is a cycle.
    pub key: String,
    /// The name shown in diagnostics.
    pub name: String,
}

/// Why an import could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadFailure {
    /// An absolute path.
    Absolute,
    /// The file leaves the project root (through `..` or a symbolic link).
    OutsideRoot(String),
    /// The file cannot be read.
    Unreadable(String),
}

/// Finds and reads imported files. Finding comes first, so that a file imported
/// twice, or imported back by a file it imports, is known by its key before it
/// is read: it is then never read again.
pub trait Loader {
    /// Finds the file `path` imported by the file whose key is `from`.
    ///
    /// # Errors
    /// When the path is absolute, leaves the project root, or names no file.
    fn find(&mut self, from: &str, path: &str) -> Result<Found, LoadFailure>;

    /// Reads the file found as `key`: at most `max_bytes + 1` bytes, so that a
    /// file over the limit is known to be over it without reading it all.
    ///
    /// # Errors
    /// When the file cannot be read.
    fn read(&mut self, key: &str, max_bytes: usize) -> Result<Vec<u8>, LoadFailure>;
}

/// Reads imports from the file system, inside a project root: the nearest folder
/// upward from the root model that holds a `whatif.toml`, else the model's own
/// folder.
#[derive(Debug, Clone)]
pub struct FsLoader {
    root: PathBuf,
}

impl FsLoader {
    /// A loader for the model at `model`.
    #[must_use]
    pub fn for_model(model: &Path) -> FsLoader {
        let dir = model
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        FsLoader {
            root: project_root(&dir),
        }
    }

    /// The project root imports must stay inside.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// The nearest folder from `dir` upward that holds a `whatif.toml`, else `dir`.
#[must_use]
pub fn project_root(dir: &Path) -> PathBuf {
    crate::config::find(dir)
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(dir)
        .to_path_buf()
}

impl FsLoader {
    /// The canonical path of the file `path` imported by the file whose key is
    /// `from`, once it is known to exist inside the project root.
    ///
    /// # Errors
    /// When the path is absolute, leaves the project root, or does not exist.
    pub fn locate(&self, from: &str, path: &str) -> Result<PathBuf, LoadFailure> {
        let rel = Path::new(path);
        if rel.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
            return Err(LoadFailure::Absolute);
        }
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        // Canonical: `..` and every symbolic link resolved, so the test below
        // sees where the file really is.
        let canonical = base
            .join(rel)
            .canonicalize()
            .map_err(|e| LoadFailure::Unreadable(plain_io_error(&e)))?;
        if !canonical.starts_with(&self.root) {
            return Err(LoadFailure::OutsideRoot(shown_path(&self.root)));
        }
        Ok(canonical)
    }
}

impl Loader for FsLoader {
    fn find(&mut self, from: &str, path: &str) -> Result<Found, LoadFailure> {
        let canonical = self.locate(from, path)?;
        // A folder, a FIFO or a device is no model: a FIFO would block the
        // read forever, a device could be endless.
        let meta = std::fs::metadata(&canonical)
            .map_err(|e| LoadFailure::Unreadable(plain_io_error(&e)))?;
        if meta.is_dir() {
            return Err(LoadFailure::Unreadable(
                "it is a folder, not a file".to_string(),
            ));
        }
        if !meta.is_file() {
            return Err(LoadFailure::Unreadable(
                "it is not a regular file".to_string(),
            ));
        }
        Ok(Found {
            key: canonical.display().to_string(),
            name: shown_path(&canonical),
        })
    }

    fn read(&mut self, key: &str, max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        std::fs::File::open(key)
            .and_then(|f| read_bounded(f, max_bytes))
            .map_err(|e| LoadFailure::Unreadable(plain_io_error(&e)))
    }
}

/// Reads at most `max_bytes + 1` bytes: enough to tell that a source is over
/// the limit, and never more, whatever the source (a huge file, a device, an
/// endless pipe).
///
/// # Errors
/// The reader's error.
pub fn read_bounded(reader: impl std::io::Read, max_bytes: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let cap = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    reader.take(cap).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The key a model read from `path` is known by (see [`Loader`]): its
/// canonical path, else its absolute one, else the path as given.
#[must_use]
pub fn key_of(path: &Path) -> String {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// A path as shown to the user: relative to the working folder (`lib/a.whatif`,
/// `..`, `.`) when they share more than the file system's root, else absolute.
#[must_use]
pub fn shown_path(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    cwd.and_then(|cwd| relative_to(path, &cwd))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// `path` relative to the folder `base`, both absolute; `None` when they share
/// nothing but the root or when climbing out would take more than three `..`,
/// where an absolute path reads better.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let ours: Vec<Component<'_>> = path.components().collect();
    let theirs: Vec<Component<'_>> = base.components().collect();
    let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    let only_root = ours[..common]
        .iter()
        .all(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    let up = theirs.len() - common;
    if only_root || up > 3 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in 0..up {
        out.push("..");
    }
    for c in &ours[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}

/// An I/O error in plain words ("no such file", not "No such file or directory
/// (os error 2)").
#[must_use]
pub fn plain_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        _ => e.to_string(),
    }
}

/// A problem reading the files of a model.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum LoadError {
    /// An import that cannot be read.
    #[error("cannot import `{path}`: {reason}")]
    #[diagnostic(
        code(whatif::load::unreadable),
        help("the path is relative to the importing file")
    )]
    Unreadable {
        /// The import's path.
        #[label("cannot read this file")]
        at: Span,
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// An absolute import path.
    #[error("imports must be relative paths, not `{path}`")]
    #[diagnostic(
        code(whatif::load::absolute),
        help("write the path relative to this file; imports stay inside the project")
    )]
    Absolute {
        /// The import's path.
        #[label("absolute path")]
        at: Span,
        /// The path.
        path: String,
    },
    /// An import outside the project root.
    #[error("`{path}` is outside the project root `{root}`")]
    #[diagnostic(
        code(whatif::load::outside_root),
        help(
            "imports stay inside the nearest folder with a `whatif.toml` (else the model's folder); move the file, or add a `whatif.toml` higher up"
        )
    )]
    OutsideRoot {
        /// The import's path.
        #[label("leaves the project")]
        at: Span,
        /// The path.
        path: String,
        /// The root.
        root: String,
    },
    /// An import that leads back to an importing file.
    #[error("import cycle: {chain}")]
    #[diagnostic(
        code(whatif::load::cycle),
        help("remove one of the imports in the cycle")
    )]
    Cycle {
        /// The import that closes the cycle.
        #[label("imports a file that imports this one")]
        at: Span,
        /// The files of the cycle.
        chain: String,
    },
    /// Too many imported files.
    #[error("the model imports more than {limit} files")]
    #[diagnostic(
        code(whatif::limit::imports),
        help("raise the limit with `--max-imports`")
    )]
    TooMany {
        /// The import past the limit.
        #[label("the limit is reached here")]
        at: Span,
        /// The limit.
        limit: usize,
    },
}

impl LoadError {
    /// The span the error points at.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            LoadError::Unreadable { at, .. }
            | LoadError::Absolute { at, .. }
            | LoadError::OutsideRoot { at, .. }
            | LoadError::Cycle { at, .. }
            | LoadError::TooMany { at, .. } => *at,
        }
    }
}

/// The files of a model, read and parsed.
#[derive(Debug, Default)]
pub struct Files {
    /// Their text.
    pub sources: SourceMap,
    /// Their trees, the root first (files that failed to parse are absent).
    pub parsed: Vec<(FileId, Parsed)>,
    /// Problems reading or parsing them.
    pub syntax_errors: Vec<SyntaxError>,
    /// Problems with imports.
    pub load_errors: Vec<LoadError>,
}

/// Reads and parses the model `name` (contents `bytes`, identity `key`) and,
/// through `loader`, every file it imports.
pub fn load(
    loader: &mut dyn Loader,
    key: &str,
    name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Files {
    let mut files = Files::default();
    let mut keys: Vec<String> = Vec::new();
    let Some(root) = add_file(&mut files, &mut keys, key, name, bytes, limits) else {
        return files;
    };
    // Depth-first, with the chain of importing files as the stack, so a cycle
    // is seen as an import of a file still on the stack. Each entry holds its
    // file's imports, listed once, and how many of them were followed.
    let mut stack: Vec<(FileId, Vec<Import>, usize)> = vec![(root, imports_of(&files, root), 0)];
    while let Some((file, imports, next)) = stack.last_mut() {
        let file = *file;
        let Some((path, at)) = imports.get(*next).cloned() else {
            stack.pop();
            continue;
        };
        *next += 1;
        let from = keys[file.0 as usize].clone();
        let found = loader.find(&from, &path);
        let failure = |failure, path| match failure {
            LoadFailure::Absolute => LoadError::Absolute { at, path },
            LoadFailure::OutsideRoot(root) => LoadError::OutsideRoot { at, path, root },
            LoadFailure::Unreadable(reason) => LoadError::Unreadable { at, path, reason },
        };
        let found = match found {
            Ok(found) => found,
            Err(e) => {
                files.load_errors.push(failure(e, path));
                continue;
            }
        };
        if let Some(pos) = stack
            .iter()
            .position(|(f, _, _)| keys[f.0 as usize] == found.key)
        {
            let mut chain: Vec<String> = stack[pos..]
                .iter()
                .map(|(f, _, _)| files.sources.get(*f).name.clone())
                .collect();
            chain.push(files.sources.get(stack[pos].0).name.clone());
            files.load_errors.push(LoadError::Cycle {
                at,
                chain: chain.join(" → "),
            });
            continue;
        }
        // Imported before, by another file or by this one: read once.
        if keys.contains(&found.key) {
            continue;
        }
        if keys.len() > limits.imports {
            files.load_errors.push(LoadError::TooMany {
                at,
                limit: limits.imports,
            });
            return files;
        }
        let bytes = match loader.read(&found.key, limits.source_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                files.load_errors.push(failure(e, path));
                continue;
            }
        };
        if let Some(id) = add_file(
            &mut files,
            &mut keys,
            &found.key,
            &found.name,
            bytes,
            limits,
        ) {
            stack.push((id, imports_of(&files, id), 0));
        }
    }
    files
}

/// An import: the path as written, and where.
type Import = (String, Span);

fn imports_of(files: &Files, file: FileId) -> Vec<Import> {
    files
        .parsed
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, p)| {
            p.ast
                .items
                .iter()
                .filter_map(|i| match i {
                    ast::Item::Import(imp) => Some((imp.path.value.to_string(), imp.path.span)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn add_file(
    files: &mut Files,
    keys: &mut Vec<String>,
    key: &str,
    name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Option<FileId> {
    keys.push(key.to_string());
    let id = match syntax::add_source(&mut files.sources, name, bytes, limits) {
        Ok(id) => id,
        Err(e) => {
            files.syntax_errors.push(e);
            return None;
        }
    };
    let text = std::sync::Arc::clone(&files.sources.get(id).text);
    match syntax::parse(id, &text, limits) {
        Ok(parsed) => {
            files.parsed.push((id, parsed));
            Some(id)
        }
        Err(errors) => {
            files.syntax_errors.extend(errors);
            None
        }
    }
}

/// A loader that refuses every import: for a model read from standard input,
/// which has no folder to import from.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoImports;

impl Loader for NoImports {
    fn find(&mut self, _from: &str, _path: &str) -> Result<Found, LoadFailure> {
        Err(LoadFailure::Unreadable(
            "a model read from standard input cannot import files".to_string(),
        ))
    }

    fn read(&mut self, _key: &str, _max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        Err(LoadFailure::Unreadable(
            "a model read from standard input cannot import files".to_string(),
        ))
    }
}

/// Serves files from memory, under a virtual project root: for tests, fuzzing
/// and editors. Paths are `/`-separated and relative to the root; imports are
/// resolved like [`FsLoader`]'s (relative to the importing file, never above
/// the root), and every read is counted.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    files: std::collections::BTreeMap<String, Vec<u8>>,
    reads: std::collections::BTreeMap<String, usize>,
}

impl MemoryLoader {
    /// A loader with no files.
    #[must_use]
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds the file `path` (relative to the root).
    #[must_use]
    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> MemoryLoader {
        self.files.insert(path.to_string(), bytes.into());
        self
    }

    /// How many times the file `path` was read.
    #[must_use]
    pub fn reads(&self, path: &str) -> usize {
        self.reads.get(path).copied().unwrap_or(0)
    }
}

impl Loader for MemoryLoader {
    fn find(&mut self, from: &str, path: &str) -> Result<Found, LoadFailure> {
        if path.starts_with('/') || path.starts_with('\\') {
            return Err(LoadFailure::Absolute);
        }
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(LoadFailure::OutsideRoot(".".to_string()));
                    }
                }
                name => parts.push(name),
            }
        }
        let key = parts.join("/");
        if !self.files.contains_key(&key) {
            return Err(LoadFailure::Unreadable("no such file".to_string()));
        }
        Ok(Found {
            name: key.clone(),
            key,
        })
    }

    fn read(&mut self, key: &str, max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        let bytes = self
            .files
            .get(key)
            .ok_or_else(|| LoadFailure::Unreadable("no such file".to_string()))?;
        *self.reads.entry(key.to_string()).or_default() += 1;
        Ok(bytes[..bytes.len().min(max_bytes.saturating_add(1))].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_relative_to_the_working_folder() {
        let rel = |p: &str, base: &str| {
            relative_to(Path::new(p), Path::new(base)).map(|p| p.display().to_string())
        };
        assert_eq!(rel("/w/m/tests/bad", "/w/m").as_deref(), Some("tests/bad"));
        assert_eq!(rel("/w/m", "/w/m").as_deref(), Some("."));
        assert_eq!(rel("/w/m", "/w/m/tests").as_deref(), Some(".."));
        assert_eq!(
            rel("/w/lib/a.whatif", "/w/m").as_deref(),
            Some("../lib/a.whatif")
        );
        assert_eq!(rel("/etc/x", "/home/u"), None);
        assert_eq!(rel("/w/x", "/w/a/b/c/d"), None);
    }

    fn load_from(loader: &mut MemoryLoader, root: &str) -> Files {
        let bytes = loader.files.get(root).cloned().unwrap_or_default();
        load(loader, root, root, bytes, &Limits::default())
    }

    #[test]
    fn a_file_imported_twice_is_read_once() {
        // A diamond: m imports a and b, both import c; c is also imported twice
        // by a itself.
        let mut loader = MemoryLoader::new()
            .with(
                "m.whatif",
                "import \"lib/a.whatif\"\nimport \"lib/b.whatif\"\n",
            )
            .with(
                "lib/a.whatif",
                "import \"c.whatif\"\nimport \"./c.whatif\"\n",
            )
            .with("lib/b.whatif", "import \"../lib/c.whatif\"\n")
            .with("lib/c.whatif", "param p = 1\n");
        let files = load_from(&mut loader, "m.whatif");
        assert!(files.load_errors.is_empty(), "{:?}", files.load_errors);
        assert_eq!(files.sources.len(), 4);
        for f in ["lib/a.whatif", "lib/b.whatif", "lib/c.whatif"] {
            assert_eq!(loader.reads(f), 1, "{f}");
        }
    }

    #[test]
    fn cycles_are_reported_without_reading_again() {
        let mut loader = MemoryLoader::new()
            .with("m.whatif", "import \"a.whatif\"\n")
            .with("a.whatif", "import \"b.whatif\"\n")
            .with("b.whatif", "import \"a.whatif\"\nimport \"m.whatif\"\n");
        let files = load_from(&mut loader, "m.whatif");
        let chains: Vec<String> = files
            .load_errors
            .iter()
            .map(|e| match e {
                LoadError::Cycle { chain, .. } => chain.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            chains,
            vec![
                "a.whatif → b.whatif → a.whatif",
                "m.whatif → a.whatif → b.whatif → m.whatif"
            ]
        );
        assert_eq!(loader.reads("a.whatif"), 1);
        assert_eq!(loader.reads("b.whatif"), 1);
    }

    #[test]
    fn imports_stay_inside_the_root() {
        let mut loader = MemoryLoader::new().with(
            "m.whatif",
            "import \"../x.whatif\"\nimport \"/etc/passwd\"\nimport \"lib/../../y\"\n",
        );
        let files = load_from(&mut loader, "m.whatif");
        let kinds: Vec<&str> = files
            .load_errors
            .iter()
            .map(|e| match e {
                LoadError::OutsideRoot { .. } => "outside",
                LoadError::Absolute { .. } => "absolute",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, vec!["outside", "absolute", "outside"]);
    }

    #[test]
    fn a_source_is_read_no_further_than_the_limit() {
        let bytes = read_bounded(std::io::repeat(b'x'), 1000).expect("reads");
        assert_eq!(bytes.len(), 1001);
        // An import over the limit is refused like the root file would be.
        let limits = Limits {
            source_bytes: 30,
            ..Limits::default()
        };
        let mut loader =
            MemoryLoader::new().with("big.whatif", "param p = 1\nparam q = 2\nparam r = 3\n");
        let files = load(
            &mut loader,
            "m.whatif",
            "m.whatif",
            b"import \"big.whatif\"".to_vec(),
            &limits,
        );
        assert!(matches!(
            files.syntax_errors.as_slice(),
            [SyntaxError::TooLarge { limit: 30, .. }]
        ));
    }

    #[test]
    fn io_errors_are_said_plainly() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(plain_io_error(&missing), "no such file");
    }
}
