//! Paths relative to a job's root, the one path type the engine passes between stages.
//!
//! Invariants, checked in every build (release included) wherever a `RelPath` is made: components
//! are separated by `/`, there is no leading or trailing `/`, and every component passes
//! [`component_problem`]: not empty, not `.` or `..`, no `/`, `\\`, NUL or other control
//! character, no drive prefix (`C:`), at most 255 bytes. So a `RelPath` can never name anything
//! outside the folder it is relative to, on any OS, whoever supplied the name (a server's
//! listing, a change notification, a row of the state database). The root is the empty path.
//! Each side converts to its own syntax (`\\` for SMB, the OS separator locally) only at its
//! edge.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub struct RelPath(String);

impl Clone for RelPath {
    fn clone(&self) -> Self {
        RelPath(self.0.clone())
    }

    /// Reuses `self`'s allocation where it is large enough (the merge keeps the last path it
    /// read this way, a million times in a big run).
    fn clone_from(&mut self, source: &Self) {
        self.0.clone_from(&source.0);
    }
}

/// A path or name that cannot be a [`RelPath`]: what it was (escaped for display) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid name \"{shown}\": {reason}")]
pub struct InvalidRelPath {
    /// The offending path, control characters escaped (safe to print or store).
    pub shown: String,
    pub reason: &'static str,
}

impl InvalidRelPath {
    fn new(raw: &str, reason: &'static str) -> Self {
        InvalidRelPath {
            shown: escape(raw),
            reason,
        }
    }
}

/// Longest name of one component, in bytes (NTFS, ext4, APFS and SMB all stop at 255).
pub const MAX_NAME_BYTES: usize = 255;

/// Why `name` cannot be one component of a path below a job's folder, or `None` when it can.
/// These are the names that could leave the folder or address something else on some OS:
/// `..` climbs out, `/` and `\\` are separators (`\\` on Windows and SMB), `C:` is a drive
/// (and `\\\\?\\` a device path, caught by its `\\`), NUL ends a string in every OS call, and
/// control characters are never part of a name a person wrote. On Windows a `:` anywhere is a
/// stream and a trailing dot or space is stripped by the OS (so `.. ` is `..`).
pub fn component_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name == "." || name == ".." {
        return Some("'.' and '..' are not names");
    }
    if name.contains('/') || name.contains('\\') {
        return Some("the name contains a path separator ('/' or '\\')");
    }
    if name.chars().any(|c| c.is_control()) {
        return Some("the name contains a NUL or other control character");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("the name starts with a drive letter ('C:')");
    }
    if name.len() > MAX_NAME_BYTES {
        return Some("the name is longer than 255 bytes");
    }
    if cfg!(windows) {
        if name.contains(':') {
            return Some("the name contains ':' (a stream on Windows)");
        }
        if name.ends_with('.') || name.ends_with(' ') {
            return Some("the name ends with a dot or a space, which Windows drops");
        }
    }
    None
}

/// `s` with control characters, quotes and backslashes escaped, for messages and history.
pub fn escape(s: &str) -> String {
    s.escape_debug().to_string()
}

impl RelPath {
    pub fn root() -> Self {
        RelPath(String::new())
    }

    /// Parses a `/`-separated path; a leading or trailing `/` is tolerated and removed. Every
    /// component must pass [`component_problem`].
    pub fn new(s: &str) -> Result<Self, InvalidRelPath> {
        let trimmed = s.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(Self::root());
        }
        for part in trimmed.split('/') {
            if let Some(why) = component_problem(part) {
                return Err(InvalidRelPath::new(s, why));
            }
        }
        Ok(RelPath(trimmed.to_string()))
    }

    /// Converts a path below `root` on the local file system; `None` when it is not below it,
    /// is not valid UTF-8 or has a component that cannot be in a `RelPath` (such names are
    /// reported by the scanner, not synced).
    pub fn from_local(root: &Path, path: &Path) -> Option<Self> {
        let rel = path.strip_prefix(root).ok()?;
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => {
                    let p = p.to_str()?;
                    if component_problem(p).is_some() {
                        return None;
                    }
                    parts.push(p.to_string())
                }
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

    /// The child `name` (one component, checked: an escaping name is an error, never a path).
    pub fn join(&self, name: &str) -> Result<RelPath, InvalidRelPath> {
        if let Some(why) = component_problem(name) {
            return Err(InvalidRelPath::new(&self.shown_child(name), why));
        }
        Ok(if self.0.is_empty() {
            RelPath(name.to_string())
        } else {
            RelPath(format!("{}/{}", self.0, name))
        })
    }

    /// `name` below `self` as text, for messages about a name that is not a valid component.
    pub fn shown_child(&self, name: &str) -> String {
        if self.0.is_empty() {
            name.to_string()
        } else {
            format!("{}/{}", self.0, name)
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

    /// A sibling with the given name (same parent); checked like [`RelPath::join`] (a name
    /// made longer, as temp and conflict names are, can pass 255 bytes).
    pub fn with_name(&self, name: &str) -> Result<RelPath, InvalidRelPath> {
        self.parent().unwrap_or_else(RelPath::root).join(name)
    }

    /// `self` below `base`: both already valid, so the result is too.
    pub fn under(&self, base: &RelPath) -> RelPath {
        match (base.is_root(), self.is_root()) {
            (true, _) => self.clone(),
            (false, true) => base.clone(),
            (false, false) => RelPath(format!("{}/{}", base.0, self.0)),
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

impl TryFrom<String> for RelPath {
    type Error = InvalidRelPath;

    /// Checked as [`RelPath::new`] does; a path with no `/` to trim keeps its allocation (the
    /// base of a big job is read a row at a time through here).
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.is_empty() || s.starts_with('/') || s.ends_with('/') {
            return RelPath::new(&s);
        }
        if let Some(why) = s.split('/').find_map(component_problem) {
            return Err(InvalidRelPath::new(&s, why));
        }
        Ok(RelPath(s))
    }
}

impl From<RelPath> for String {
    fn from(p: RelPath) -> String {
        p.0
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

    /// Names a hostile server, a change notification or a tampered database could hand us.
    /// None may become a path: each is refused by `new`, by `join` and by `with_name`.
    #[test]
    fn hostile_names_never_become_paths() {
        let long = "x".repeat(256);
        let hostile: &[&str] = &[
            "",
            ".",
            "..",
            "../../.config/autostart/x.desktop",
            "..\\..\\x",
            "a/b",
            "a\\b",
            "\\\\?\\C:\\Windows",
            "\\\\server\\share",
            "C:",
            "C:x",
            "c:\\x",
            "z:",
            "nul\0byte",
            "line\nbreak",
            "tab\there",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "bell\u{7}",
            &long,
        ];
        let dir = RelPath::new("d").unwrap();
        for name in hostile {
            assert!(component_problem(name).is_some(), "{name:?} passed");
            assert!(dir.join(name).is_err(), "join({name:?}) passed");
            assert!(RelPath::root().join(name).is_err(), "root join({name:?})");
            assert!(dir.with_name(name).is_err(), "with_name({name:?}) passed");
            if !name.is_empty() && !name.contains('/') {
                assert!(RelPath::new(name).is_err(), "new({name:?}) passed");
                assert!(RelPath::new(&format!("ok/{name}")).is_err());
            }
        }
        // Deserializing (a path read back from JSON) goes through the same check.
        assert!(serde_json::from_str::<RelPath>("\"a/../../b\"").is_err());
        assert_eq!(
            serde_json::from_str::<RelPath>("\"a/b\"").unwrap().as_str(),
            "a/b"
        );
        // The error shows the name with its control characters escaped.
        let e = dir.join("x\ny").unwrap_err();
        assert_eq!(e.shown, "d/x\\ny");
    }

    #[test]
    fn ordinary_names_are_paths() {
        let long = "é".repeat(127); // 254 bytes
        for name in [
            "a",
            ".hidden",
            "...",
            "a.b.c",
            "with space.txt",
            "café résumé ñ.txt",
            "q*r",
            "1:2",
            "report: final",
            "日本語",
            &long,
        ] {
            if cfg!(windows) && (name.contains(':') || name.ends_with('.')) {
                continue;
            }
            assert_eq!(component_problem(name), None, "{name:?}");
            assert_eq!(RelPath::root().join(name).unwrap().as_str(), name);
        }
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
