//! The memory limit holds before the memory is taken: an evaluation priced
//! over the limit is refused before it allocates, and exact evaluation counts
//! what its states really hold. The child's peak resident memory is read from
//! `/proc` while it runs.

use std::path::Path;
use std::process::Stdio;

use super::folder;

/// Runs whatif with `args` in `dir`; its exit code, standard error, and the
/// highest resident memory seen (`VmHWM`, in KiB) while it ran.
#[cfg(target_os = "linux")]
fn peak(dir: &Path, args: &[&str]) -> (i32, String, u64) {
    let mut child = super::whatif()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let status = format!("/proc/{}/status", child.id());
    let mut high = 0;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            high = high.max(kb);
        }
        if let Some(s) = child.try_wait().expect("waits") {
            break s.code().unwrap_or(-1);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    (code, stderr, high)
}

#[cfg(target_os = "linux")]
#[test]
fn an_evaluation_over_the_memory_limit_is_refused_before_it_allocates() {
    let dir = folder("memory-mc");
    let mut m = String::from("model \"m\" { horizon 100000 }\nevent e hazard = 0.01\n");
    for i in 0..3000 {
        m += &format!("factor f{i} = 0.5\nrule r{i}: when e then f{i} += 0.1\n");
    }
    std::fs::write(dir.join("m.whatif"), m).expect("written");
    let (code, stderr, kb) = peak(
        &dir,
        &["eval", "--color", "never", "m.whatif", "--runs", "10"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--max-memory"), "{stderr}");
    // It needs 38 GiB; it used to allocate 6.4 GB before saying so.
    assert!(kb < 512 * 1024, "peak {kb} KiB before refusing");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn exact_evaluation_stops_at_the_limit_it_counts() {
    let dir = folder("memory-exact");
    let mut m = String::from("model \"m\" { horizon 20 }\n");
    for i in 0..280 {
        m += &format!("event e{i} hazard = 0.01\n");
    }
    std::fs::write(dir.join("m.whatif"), m).expect("written");
    let limit = 256u64 << 20;
    let (code, stderr, kb) = peak(
        &dir,
        &[
            "eval",
            "--color",
            "never",
            "--exact",
            "m.whatif",
            "--max-memory",
            &limit.to_string(),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("passed the limit of 256 MiB"), "{stderr}");
    // The limit and the process's own few megabytes; it reached 6.7 GB with a
    // limit of 2 GiB before.
    assert!(
        kb * 1024 < limit + (64 << 20),
        "peak {kb} KiB with a limit of 256 MiB"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
