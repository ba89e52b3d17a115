//! Reading the models named on the command line (`-` is standard input).

use std::io::Read;
use std::path::Path;

use whatif::Analysis;
use whatif::limits::Limits;
use whatif::load::{FsLoader, NoImports, plain_io_error};

/// A model named on the command line.
pub struct Input {
    /// The name shown in diagnostics.
    pub name: String,
    /// The path, or `None` for standard input.
    pub path: Option<std::path::PathBuf>,
    /// The raw contents.
    pub bytes: Vec<u8>,
}

/// Reads `arg` (a path, or `-` for standard input).
pub fn read(arg: &str) -> Result<Input, String> {
    if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(Input {
            name: "<stdin>".to_string(),
            path: None,
            bytes,
        });
    }
    let path = Path::new(arg);
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{arg}`: {}", plain_io_error(&e)))?;
    Ok(Input {
        name: arg.to_string(),
        path: Some(path.to_path_buf()),
        bytes,
    })
}

/// Parses and checks an input, with its imports.
pub fn analyze(input: Input, limits: &Limits) -> Analysis {
    match &input.path {
        Some(path) => {
            let key = path
                .canonicalize()
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string();
            let mut loader = FsLoader::for_model(path);
            whatif::analyze(&mut loader, &key, &input.name, input.bytes, limits)
        }
        None => whatif::analyze(&mut NoImports, "<stdin>", &input.name, input.bytes, limits),
    }
}
