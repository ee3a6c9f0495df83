//! Which paths a job ignores on both sides: the user's globs plus defaults for OS junk, Office
//! lock files and our own temp and trash names.
//!
//! A pattern without `/` matches a name at any depth (`*.tmp`, `node_modules`); a pattern with
//! `/` matches the whole path from the job's root (`build/**`, `docs/draft.txt`). An excluded
//! folder excludes everything under it. Excluded paths are invisible to the reconciler on all
//! three trees, so excluding something never deletes it anywhere.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::names::{is_temp_name, FOLDER_MARKER, TRASH_DIR};
use crate::relpath::RelPath;

/// Always ignored. Our temp and trash names are here so they are never synced or deleted.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    "~$*",
    ".~lock.*#",
    "*.tmp",
    TRASH_DIR,
    FOLDER_MARKER,
];

#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern {pattern:?}: {reason}")]
pub struct ExcludeError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct Excludes {
    names: GlobSet,
    paths: GlobSet,
    /// Exact paths, with everything below them (our data folder inside a job folder).
    fixed: Vec<RelPath>,
}

impl Excludes {
    pub fn new(user: &[String]) -> Result<Excludes, ExcludeError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let user = user.iter().map(String::as_str);
        for pat in DEFAULT_EXCLUDES.iter().copied().chain(user) {
            let pat = pat.trim().trim_end_matches('/');
            if pat.is_empty() {
                continue;
            }
            let glob = Glob::new(pat.trim_start_matches('/')).map_err(|e| ExcludeError {
                pattern: pat.to_string(),
                reason: e.kind().to_string(),
            })?;
            if pat.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| ExcludeError {
                pattern: String::new(),
                reason: e.to_string(),
            })
        };
        Ok(Excludes {
            names: build(names)?,
            paths: build(paths)?,
            fixed: Vec::new(),
        })
    }

    /// Also excludes `path` and everything below it (matched exactly, not as a glob).
    pub fn with_path(mut self, path: RelPath) -> Excludes {
        if !path.is_root() {
            self.fixed.push(path);
        }
        self
    }

    /// Whether this one entry is excluded by its own name or path (not its ancestors').
    pub fn excludes_entry(&self, path: &RelPath) -> bool {
        let name = path.name();
        is_temp_name(name)
            || self.names.is_match(name)
            || self.paths.is_match(path.as_str())
            || self.fixed.contains(path)
    }

    /// Whether the path or any of its ancestors is excluded.
    pub fn is_excluded(&self, path: &RelPath) -> bool {
        self.excludes_entry(path) || path.ancestors().any(|a| self.excludes_entry(&a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn defaults_and_user_patterns() {
        let ex =
            Excludes::new(&["*.bak".into(), "build/**".into(), "node_modules".into()]).unwrap();
        for yes in [
            ".DS_Store",
            "a/Thumbs.db",
            "~$report.docx",
            "x/y.tmp",
            "f.txt.0a1b2c3d.anemone-uploading",
            ".anemone-trash/2026/x",
            "old.bak",
            "build/out/a.o",
            "web/node_modules/x.js",
        ] {
            assert!(ex.is_excluded(&p(yes)), "{yes} should be excluded");
        }
        for no in [
            "report.docx",
            "a/b/photo.jpg",
            "buildings/x",
            ".config/app.toml",
            "f.txt.anemone-uploading",
            "notes.anemone-downloading",
        ] {
            assert!(!ex.is_excluded(&p(no)), "{no} should be synced");
        }
    }

    #[test]
    fn a_fixed_path_excludes_its_subtree_only() {
        let ex = Excludes::new(&[])
            .unwrap()
            .with_path(p(".local/share/anemone-sync"));
        assert!(ex.is_excluded(&p(".local/share/anemone-sync")));
        assert!(ex.is_excluded(&p(".local/share/anemone-sync/credentials")));
        assert!(!ex.is_excluded(&p(".local/share")));
        assert!(!ex.is_excluded(&p(".local/share/anemone-sync-2/x")));
    }

    #[test]
    fn bad_pattern_is_named() {
        let e = Excludes::new(&["a[".into()]).unwrap_err();
        assert!(e.to_string().contains("a["));
    }
}
