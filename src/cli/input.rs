//! Reading the models named on the command line (`-` is standard input).

use std::path::{Path, PathBuf};

use whatif::Analysis;
use whatif::load::{FsLoader, NoImports, plain_io_error, read_bounded};

use super::Context;

/// A model named on the command line.
pub struct Input {
    /// The name shown in diagnostics.
    pub name: String,
    /// The path, or `None` for standard input.
    pub path: Option<PathBuf>,
    /// The raw contents.
    pub bytes: Vec<u8>,
}

/// Reads `arg` (a path, or `-` for standard input, named by
/// `--stdin-filename` when given), no further than one byte past the source
/// limit: the parser reports a file over the limit.
pub fn read(arg: &str, ctx: &Context) -> Result<Input, String> {
    let limits = &ctx.settings.limits;
    if arg == "-" {
        let bytes = read_bounded(std::io::stdin().lock(), limits.source_bytes)
            .map_err(|e| format!("cannot read standard input: {}", plain_io_error(&e)))?;
        return Ok(Input {
            name: ctx
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_string()),
            path: None,
            bytes,
        });
    }
    let path = Path::new(arg);
    let bytes = std::fs::File::open(path)
        .and_then(|f| read_bounded(f, limits.source_bytes))
        .map_err(|e| format!("cannot read `{arg}`: {}", plain_io_error(&e)))?;
    Ok(Input {
        name: arg.to_string(),
        path: Some(path.to_path_buf()),
        bytes,
    })
}

/// Parses and checks an input, with its imports, under the project's settings.
/// Standard input imports relative to `--stdin-filename` when given, and
/// imports nothing otherwise.
pub fn analyze(input: Input, ctx: &Context) -> Analysis {
    let limits = &ctx.settings.limits;
    let scale = &ctx.settings.scale.value;
    let located = input
        .path
        .clone()
        .or_else(|| ctx.stdin_filename.as_ref().map(PathBuf::from));
    match located {
        Some(path) => {
            let key = whatif::load::key_of(&path);
            let mut loader = FsLoader::for_model(&path);
            whatif::analyze_with_scale(&mut loader, &key, &input.name, input.bytes, limits, scale)
        }
        None => whatif::analyze_with_scale(
            &mut NoImports,
            "<stdin>",
            &input.name,
            input.bytes,
            limits,
            scale,
        ),
    }
}
