//! Every file whatif writes (`fmt --write`, `generate -o`, consequence
//! snapshots) goes through [`write_if_changed`]: a reader, or a crash, sees the
//! old file or the new one, never a mix, and a file already holding the bytes is
//! not touched at all (its modification time stays, build tools stay quiet).
//!
//! The new contents go to a temporary file in the same folder (a rename is
//! atomic only within one file system), created exclusively under a random name
//! so that nothing planted at that name is followed; it is synced to disk, then
//! renamed over the target, and the folder is synced so the rename itself is
//! durable. A failure at any point (a full disk, a read-only folder, a crash)
//! leaves the original byte-identical; the temporary file is removed, and
//! after a kill, where nothing runs to remove it, the next write into that
//! folder does (its name carries the writer's process id).
//!
//! Only a regular file is replaced. A FIFO or a character device
//! (`/dev/null`, `/dev/stdout`) is written into as a shell's `>` would,
//! neither read nor replaced; anything else is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What [`write_if_changed`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file already held these bytes: nothing was written.
    Unchanged,
    /// The file was created or replaced.
    Replaced,
    /// The target is a FIFO or a character device (`/dev/null`,
    /// `/dev/stdout`, a terminal, a shell's `>(…)`): the bytes were written
    /// into it, as a shell's `>` would, since it cannot be replaced.
    Streamed,
}

/// Makes `path` hold `bytes`, atomically, unless it already does. A symbolic
/// link is followed: the file it points to is replaced, the link kept.
///
/// Only a regular file is replaced, and it is read only when its size says it
/// may already hold the bytes. A FIFO or a character device is written into
/// directly, never read and never replaced; a folder, a block device or a
/// socket is refused.
///
/// # Errors
/// Any failure to create, write, sync or rename; the original is then intact.
/// A target that is neither a regular file nor a FIFO or character device.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    write_with(path, bytes, |file, bytes| file.write_all(bytes))
}

/// What stands at a path already.
enum Existing {
    /// Nothing: the file is created.
    Nothing,
    /// A regular file of this many bytes.
    Regular(u64),
    /// Something written into, not replaced.
    Stream,
}

fn existing(target: &Path) -> std::io::Result<Existing> {
    let meta = match std::fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(e),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Existing::Regular(meta.len()));
    }
    if kind.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a folder, not a file",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() || kind.is_char_device() {
            return Ok(Existing::Stream);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "it is neither a regular file nor a FIFO or character device",
    ))
}

/// Whether the regular file at `target`, of `len` bytes, holds `bytes`: read
/// only when the sizes agree, and then no further than one byte past them.
fn holds(target: &Path, len: u64, bytes: &[u8]) -> bool {
    if usize::try_from(len).ok() != Some(bytes.len()) {
        return false;
    }
    std::fs::File::open(target)
        .and_then(|f| whatif::load::read_bounded(f, bytes.len()))
        .is_ok_and(|old| old == bytes)
}

/// [`write_if_changed`], with `fill` writing the bytes into the temporary file:
/// tests hand it a writer that fails halfway.
fn write_with(
    path: &Path,
    bytes: &[u8],
    fill: impl FnOnce(&mut std::fs::File, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<Written> {
    let target = real_target(path);
    match existing(&target)? {
        Existing::Regular(len) if holds(&target, len, bytes) => return Ok(Written::Unchanged),
        Existing::Stream => {
            // Opened to write, neither created nor truncated: a FIFO waits
            // for its reader here, as it would for a shell's `>`.
            let mut file = std::fs::OpenOptions::new().write(true).open(&target)?;
            // `-o /dev/tty` reaches a terminal as surely as standard output.
            let shown = match std::str::from_utf8(bytes) {
                Ok(text) if std::io::IsTerminal::is_terminal(&file) => {
                    whatif::render::escape::terminal(text, false)
                }
                _ => std::borrow::Cow::Borrowed(""),
            };
            let bytes = if shown.is_empty() {
                bytes
            } else {
                shown.as_bytes()
            };
            fill(&mut file, bytes)?;
            return Ok(Written::Streamed);
        }
        Existing::Regular(_) | Existing::Nothing => {}
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let original = std::fs::metadata(&target).ok().map(|m| m.permissions());
    clean_stale(dir);
    // The writer's process id in the name tells a later run whether the file
    // is still being written or was left behind by a kill.
    let prefix = format!(".{name}.{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A new file gets the usual 0666 less the umask, not the 0600 of a
        // temporary file; a replaced file keeps its own mode (set below).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // Dropped on any error before `persist`: the temporary file is removed.
    let mut tmp = builder.tempfile_in(dir)?;
    if let Some(permissions) = original {
        tmp.as_file().set_permissions(permissions)?;
    }
    fill(tmp.as_file_mut(), bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // The rename is durable once the folder is synced; a folder that cannot
    // be opened or synced (some file systems refuse) does not undo the write.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(Written::Replaced)
}

/// The suffix of every temporary file.
const TMP_SUFFIX: &str = ".whatif-tmp";

/// Removes the temporary files a killed whatif left in `dir` (nothing runs
/// to remove them at a kill): those whose writer is no longer running, or,
/// where that cannot be told, that are a day old. Once per folder and process.
fn clean_stale(dir: &Path) {
    static CLEANED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    {
        let mut cleaned = CLEANED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cleaned.contains(&key) {
            return;
        }
        cleaned.push(key);
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with('.') || !name.ends_with(TMP_SUFFIX) {
            continue;
        }
        // A regular file only, never what a link points to.
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if meta.is_file() && is_stale(name, &meta) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a temporary file named `.NAME.PID.RANDOM.whatif-tmp` was left by
/// a process that no longer runs.
fn is_stale(name: &str, meta: &std::fs::Metadata) -> bool {
    let pid = name
        .strip_suffix(TMP_SUFFIX)
        .and_then(|rest| rest.rsplit_once('.'))
        .and_then(|(rest, _random)| rest.rsplit_once('.'))
        .and_then(|(_, pid)| pid.parse::<u32>().ok());
    let proc = Path::new("/proc/self");
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) if proc.exists() => !Path::new("/proc").join(pid.to_string()).exists(),
        _ => meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(24 * 3600)),
    }
}

/// The file `path` names: a symbolic link's target, else `path` itself (which
/// need not exist yet).
fn real_target(path: &Path) -> PathBuf {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && let Ok(real) = std::fs::canonicalize(path)
    {
        return real;
    }
    path.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("whatif-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("readable")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn creates_replaces_and_skips_unchanged_files() {
        let dir = temp_dir("basic");
        let path = dir.join("m.whatif");
        assert_eq!(
            write_if_changed(&path, b"one").ok(),
            Some(Written::Replaced)
        );
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"one"[..]));
        assert_eq!(
            write_if_changed(&path, b"one").ok(),
            Some(Written::Unchanged)
        );
        assert_eq!(
            write_if_changed(&path, b"two").ok(),
            Some(Written::Replaced)
        );
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"two"[..]));
        // No temporary file is left behind.
        assert_eq!(entries(&dir), vec!["m.whatif"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_mode_and_follows_symbolic_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("mode");
        let real = dir.join("real.whatif");
        std::fs::write(&real, "old").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.join("link.whatif");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert_eq!(
            write_if_changed(&link, b"new").ok(),
            Some(Written::Replaced)
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("the link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).ok().as_deref(), Some(&b"new"[..]));
        let mode = std::fs::metadata(&real).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn does_not_follow_a_planted_temporary_name() {
        // Whatever sits in the folder under a guessable name is not written
        // through: the temporary file is created exclusively, at a random name.
        let dir = temp_dir("planted");
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").expect("write");
        for pid_guess in [".m.whatif.whatif-tmp", ".m.whatif.whatif-tmp-1"] {
            std::os::unix::fs::symlink(&victim, dir.join(pid_guess)).expect("symlink");
        }
        let path = dir.join("m.whatif");
        assert_eq!(
            write_if_changed(&path, b"new").ok(),
            Some(Written::Replaced)
        );
        assert_eq!(std::fs::read(&victim).ok().as_deref(), Some(&b"keep"[..]));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failure_mid_write_leaves_the_original_intact() {
        let dir = temp_dir("failure");
        let path = dir.join("m.whatif");
        std::fs::write(&path, "the original").expect("write");
        let result = write_with(
            &path,
            b"a new text, longer than the original",
            |file, bytes| {
                file.write_all(&bytes[..bytes.len() / 2])?;
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "no space left on device",
                ))
            },
        );
        assert_eq!(
            result.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::StorageFull)
        );
        assert_eq!(
            std::fs::read(&path).ok().as_deref(),
            Some(&b"the original"[..])
        );
        // The half-written temporary file is gone.
        assert_eq!(entries(&dir), vec!["m.whatif"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
