//! Paths relative to a job's root, the one path type the engine passes between stages.
//!
//! Invariants: components are separated by `/`, there is no leading or trailing `/`, no empty,
//! `.` or `..` component, and the root is the empty path. Each side converts to its own syntax
//! (`\` for SMB, the OS separator locally) only at its edge.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct RelPath(String);

#[derive(Debug, thiserror::Error)]
#[error("invalid relative path {0:?}: components must be non-empty and not '.' or '..'")]
pub struct InvalidRelPath(pub String);

impl RelPath {
    pub fn root() -> Self {
        RelPath(String::new())
    }

    /// Parses a `/`-separated path; a leading or trailing `/` is tolerated and removed.
    pub fn new(s: &str) -> Result<Self, InvalidRelPath> {
        let trimmed = s.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(Self::root());
        }
        for part in trimmed.split('/') {
            if part.is_empty() || part == "." || part == ".." || part.contains('\0') {
                return Err(InvalidRelPath(s.to_string()));
            }
        }
        Ok(RelPath(trimmed.to_string()))
    }

    /// Converts a path below `root` on the local file system; `None` when it is not below it
    /// or is not valid UTF-8 (such names are reported by the scanner, not synced).
    pub fn from_local(root: &Path, path: &Path) -> Option<Self> {
        let rel = path.strip_prefix(root).ok()?;
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => parts.push(p.to_str()?.to_string()),
                _ => return None,
            }
        }
        Some(RelPath(parts.join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn join(&self, name: &str) -> RelPath {
        debug_assert!(!name.is_empty() && !name.contains('/'));
        if self.0.is_empty() {
            RelPath(name.to_string())
        } else {
            RelPath(format!("{}/{}", self.0, name))
        }
    }

    /// The last component; empty for the root.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    pub fn parent(&self) -> Option<RelPath> {
        if self.0.is_empty() {
            return None;
        }
        Some(match self.0.rfind('/') {
            Some(i) => RelPath(self.0[..i].to_string()),
            None => RelPath::root(),
        })
    }

    /// All proper ancestors, nearest first, excluding the root.
    pub fn ancestors(&self) -> impl Iterator<Item = RelPath> + '_ {
        let s = &self.0;
        s.match_indices('/')
            .map(|(i, _)| RelPath(s[..i].to_string()))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
    }

    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    pub fn depth(&self) -> usize {
        self.components().count()
    }

    /// True when `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &RelPath) -> bool {
        other.0.is_empty()
            || self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }

    /// The keys of `map` strictly below `dir`, in order. Descendants are contiguous in the
    /// map's order from `dir/` on (siblings such as `dir-2` or `dir 2` sort before `dir/`).
    pub fn descendants<'a, V>(
        map: &'a std::collections::BTreeMap<RelPath, V>,
        dir: &RelPath,
    ) -> impl Iterator<Item = &'a RelPath> + 'a {
        let dir = dir.clone();
        // `dir/` sorts after `dir` itself, so the range starts at the first descendant.
        let from = RelPath(if dir.is_root() {
            String::new()
        } else {
            format!("{}/", dir.0)
        });
        map.range(from..)
            .map(|(p, _)| p)
            .take_while(move |p| p.starts_with(&dir))
    }

    /// A sibling with the given name (same parent).
    pub fn with_name(&self, name: &str) -> RelPath {
        match self.parent() {
            Some(p) => p.join(name),
            None => RelPath(name.to_string()),
        }
    }

    pub fn to_local(&self, root: &Path) -> PathBuf {
        let mut p = root.to_path_buf();
        for c in self.components() {
            p.push(c);
        }
        p
    }

    /// The path in SMB syntax (`a\b\c`), relative to the share.
    pub fn to_smb(&self) -> String {
        self.0.replace('/', "\\")
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(RelPath::new("/a/b/").unwrap().as_str(), "a/b");
        assert!(RelPath::new("a//b").is_err());
        assert!(RelPath::new("a/../b").is_err());
        assert!(RelPath::new("").unwrap().is_root());
    }

    #[test]
    fn family() {
        let p = RelPath::new("a/b/c.txt").unwrap();
        assert_eq!(p.name(), "c.txt");
        assert_eq!(p.parent().unwrap().as_str(), "a/b");
        let anc: Vec<_> = p.ancestors().map(|a| a.as_str().to_string()).collect();
        assert_eq!(anc, vec!["a/b", "a"]);
        assert!(p.starts_with(&RelPath::new("a").unwrap()));
        assert!(!p.starts_with(&RelPath::new("a/b/c").unwrap()));
        assert!(!RelPath::new("ab")
            .unwrap()
            .starts_with(&RelPath::new("a").unwrap()));
        assert_eq!(p.to_smb(), "a\\b\\c.txt");
    }

    #[test]
    fn descendants_skip_siblings_that_sort_between() {
        let map: std::collections::BTreeMap<RelPath, ()> =
            ["a", "a b", "a-2", "a/x", "a/y/z", "ab"]
                .iter()
                .map(|s| (RelPath::new(s).unwrap(), ()))
                .collect();
        let d: Vec<&str> = RelPath::descendants(&map, &RelPath::new("a").unwrap())
            .map(|p| p.as_str())
            .collect();
        assert_eq!(d, vec!["a/x", "a/y/z"]);
    }
}
