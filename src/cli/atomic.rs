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
//! leaves the original byte-identical; the temporary file is removed, except
//! after a kill, where nothing runs to remove it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What [`write_if_changed`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file already held these bytes: nothing was written.
    Unchanged,
    /// The file was created or replaced.
    Replaced,
}

/// Makes `path` hold `bytes`, atomically, unless it already does. A symbolic
/// link is followed: the file it points to is replaced, the link kept.
///
/// # Errors
/// Any failure to create, write, sync or rename; the original is then intact.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    write_with(path, bytes, |file, bytes| file.write_all(bytes))
}

/// [`write_if_changed`], with `fill` writing the bytes into the temporary file:
/// tests hand it a writer that fails halfway.
fn write_with(
    path: &Path,
    bytes: &[u8],
    fill: impl FnOnce(&mut std::fs::File, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<Written> {
    let target = real_target(path);
    if std::fs::read(&target).is_ok_and(|old| old == bytes) {
        return Ok(Written::Unchanged);
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
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".whatif-tmp");
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
