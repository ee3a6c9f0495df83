//! Versions users wrote, tracked so that a test can say at the end whether every one of them
//! is still in the live trees (not only in a trash, not lost).
//!
//! Every write puts a unique token in the file: a text file (`.txt`) is a list of tokens, one
//! a line, and an edit appends one (as a user edits what they see); a large file (`.bin`) is
//! one token line (`v<n>.<place> <len>`) and `len` bytes drawn from a stream seeded by `n`, and
//! an edit rewrites it whole. So the bytes of every file say which versions they hold, and a
//! torn or mixed file does not parse.
//!
//! The rule checked: every token written must be in some live file at the end, except the
//! tokens a user destroyed on purpose: those in a file that user deleted or rewrote, as it was
//! in the place where they did it (they saw it and chose to replace it). An edit made on one
//! side that the other side never saw is never released by the other side's edits, so a sync
//! that overwrites or deletes it without a conflict copy leaves a token missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};

use crate::support::sync::write;

pub struct Versions {
    rng: StdRng,
    next: u64,
    /// For new names (creates and renames), so no edit ever lands on an existing name.
    names: u64,
    written: BTreeSet<String>,
    released: BTreeSet<String>,
    /// Sizes of large files, in bytes.
    big: std::ops::Range<usize>,
}

impl Versions {
    pub fn new(seed: u64, big: std::ops::Range<usize>) -> Versions {
        Versions {
            rng: StdRng::seed_from_u64(seed),
            next: 0,
            names: 0,
            written: BTreeSet::new(),
            released: BTreeSet::new(),
            big,
        }
    }

    fn token(&mut self, place: &str) -> (u64, String) {
        self.next += 1;
        let t = format!("v{}.{place}", self.next);
        self.written.insert(t.clone());
        (self.next, t)
    }

    /// A new text file `rel` in `root`, with one token.
    pub fn create_text(&mut self, root: &Path, place: &str, rel: &str) {
        let (_, t) = self.token(place);
        write(&root.join(rel), format!("{t}\n"));
    }

    /// A new large file `rel` in `root` (or a rewrite of one), with one token.
    pub fn write_big(&mut self, root: &Path, place: &str, rel: &str) {
        let path = root.join(rel);
        if path.exists() {
            self.release(&path);
        }
        let (n, t) = self.token(place);
        let len = self.rng.random_range(self.big.clone());
        let mut bytes = format!("{t} {len}\n").into_bytes();
        bytes.extend(filler(n, len));
        write(&path, bytes);
    }

    /// The tokens in `path` are destroyed on purpose by the user about to delete or rewrite it.
    fn release(&mut self, path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        let tokens = parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.released.extend(tokens);
    }

    /// One random edit in `root` (a local folder or the share's folder on disk), as a user in
    /// `place` would make it: create, append, rewrite, rename or delete. Returns what it did.
    pub fn random_edit(&mut self, root: &Path, place: &str) -> String {
        let existing = user_files(root);
        self.names += 1;
        let n = self.names;
        let dir = ["", "a/", "a/b/", "c/"][self.rng.random_range(0..4)];
        let roll = self.rng.random_range(0..100);
        let pick = existing.choose(&mut self.rng).cloned();
        match (roll, pick) {
            (0..=29, Some(rel)) if rel.ends_with(".txt") => {
                let (_, t) = self.token(place);
                let path = root.join(&rel);
                let mut bytes = std::fs::read(&path).unwrap();
                bytes.extend(format!("{t}\n").as_bytes());
                std::fs::write(&path, bytes).unwrap();
                format!("{place}: append to {rel}")
            }
            (30..=44, Some(rel)) if rel.ends_with(".bin") => {
                self.write_big(root, place, &rel);
                format!("{place}: rewrite {rel}")
            }
            (45..=54, Some(rel)) => {
                let ext = if rel.ends_with(".bin") { "bin" } else { "txt" };
                let to = format!("{dir}m{n}-{place}.{ext}");
                std::fs::create_dir_all(root.join(&to).parent().unwrap()).unwrap();
                std::fs::rename(root.join(&rel), root.join(&to)).unwrap();
                format!("{place}: rename {rel} -> {to}")
            }
            (55..=62, Some(rel)) => {
                let path = root.join(&rel);
                self.release(&path);
                std::fs::remove_file(&path).unwrap();
                format!("{place}: delete {rel}")
            }
            (63..=69, _) => {
                let rel = format!("{dir}n{n}-{place}.bin");
                self.write_big(root, place, &rel);
                format!("{place}: create {rel}")
            }
            _ => {
                let rel = format!("{dir}n{n}-{place}.txt");
                self.create_text(root, place, &rel);
                format!("{place}: create {rel}")
            }
        }
    }

    /// Every token not destroyed on purpose is in a live file under `root` (any name, conflict
    /// copies included; the trash left out), every live file parses, and holds only tokens
    /// that were written. Missing tokens found in a trash of `trash_roots` are named as such.
    pub fn assert_all_present(&self, root: &Path, trash_roots: &[&Path]) {
        let mut live = BTreeSet::new();
        for rel in user_files(root) {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            let tokens = parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
            for t in tokens {
                assert!(self.written.contains(&t), "{rel}: {t} was never written");
                live.insert(t);
            }
        }
        let missing: Vec<&String> = self
            .written
            .iter()
            .filter(|t| !self.released.contains(*t) && !live.contains(*t))
            .collect();
        if missing.is_empty() {
            return;
        }
        let mut in_trash = BTreeSet::new();
        for r in trash_roots {
            for file in all_files(&r.join(anemone_sync::names::TRASH_DIR)) {
                if let Ok(tokens) = parse(&std::fs::read(&file).unwrap()) {
                    in_trash.extend(tokens);
                }
            }
        }
        let (trashed, lost): (Vec<&String>, Vec<&String>) =
            missing.into_iter().partition(|t| in_trash.contains(*t));
        panic!(
            "versions missing from the live trees ({} written, {} destroyed by a user): only in a trash: {trashed:?}; nowhere: {lost:?}",
            self.written.len(),
            self.released.len()
        );
    }

    pub fn written(&self) -> usize {
        self.written.len()
    }
}

/// The bytes after a large file's token line.
fn filler(n: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    StdRng::seed_from_u64(n).fill_bytes(&mut v);
    v
}

/// The tokens a file's bytes hold; `Err` when they are not a whole file of ours.
fn parse(bytes: &[u8]) -> Result<Vec<String>, String> {
    let is_token = |s: &str| {
        s.strip_prefix('v')
            .and_then(|r| r.split_once('.'))
            .is_some_and(|(n, p)| n.parse::<u64>().is_ok() && !p.is_empty())
    };
    let end = bytes.iter().position(|b| *b == b'\n').ok_or("no line")?;
    let first = std::str::from_utf8(&bytes[..end]).map_err(|_| "not text")?;
    if let Some((t, len)) = first.split_once(' ') {
        // A large file: its token, then exactly its filler.
        let len: usize = len.parse().map_err(|_| format!("bad header {first:?}"))?;
        let n: u64 = t[1..]
            .split_once('.')
            .ok_or("bad token")?
            .0
            .parse()
            .map_err(|_| "bad token")?;
        if !is_token(t) || bytes.len() != end + 1 + len || bytes[end + 1..] != filler(n, len)[..] {
            return Err(format!(
                "a torn or mixed large file ({t}, {} bytes)",
                bytes.len()
            ));
        }
        return Ok(vec![t.to_string()]);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not text")?;
    if !text.ends_with('\n') {
        return Err("a torn text file (no final newline)".into());
    }
    text.lines()
        .map(|l| {
            if is_token(l) {
                Ok(l.to_string())
            } else {
                Err(format!("not a token: {l:?}"))
            }
        })
        .collect()
}

/// The files a user sees under `root`: everything but the trash and the engine's temps, as
/// sorted relative paths.
pub fn user_files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = all_files(root)
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let name = p.file_name().unwrap().to_string_lossy();
            let hidden = rel.starts_with(anemone_sync::names::TRASH_DIR)
                || rel == anemone_sync::names::FOLDER_MARKER
                || anemone_sync::names::is_temp_name(&name);
            (!hidden).then_some(rel)
        })
        .collect();
    out.sort();
    out
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            out.extend(all_files(&e.path()));
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    out
}

/// The check itself: a version overwritten behind the user's back is reported missing.
#[test]
#[should_panic(expected = "versions missing")]
fn a_version_replaced_without_the_user_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = Versions::new(1, 1024..2048);
    v.create_text(dir.path(), "local", "a.txt");
    v.create_text(dir.path(), "local", "b.txt");
    std::fs::copy(dir.path().join("b.txt"), dir.path().join("a.txt")).unwrap();
    v.assert_all_present(dir.path(), &[]);
}

/// The check itself: what a user deleted or rewrote may go; a large file cut short may not.
#[test]
fn deleted_versions_may_go_and_torn_files_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = Versions::new(2, 1024..2048);
    for _ in 0..20 {
        v.random_edit(dir.path(), "local");
    }
    v.write_big(dir.path(), "local", "big.bin");
    v.write_big(dir.path(), "local", "big.bin");
    v.assert_all_present(dir.path(), &[]);
    let big = dir.path().join("big.bin");
    let bytes = std::fs::read(&big).unwrap();
    std::fs::write(&big, &bytes[..bytes.len() - 1]).unwrap();
    let torn = std::panic::catch_unwind(|| v.assert_all_present(dir.path(), &[]));
    assert!(torn.is_err(), "a torn large file passed");
}
