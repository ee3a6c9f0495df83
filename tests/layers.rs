//! Imports point one way: no file of the engine's library (`src/`, the CLI binary aside) or of
//! the desktop app (`src-tauri/src/`) reaches, through its imports, a file that reaches back to
//! it. A circle would mean two layers
//! that can only be understood together; this test names the files of any circle it finds.
//!
//! Read from the source text (no compiler): every `crate::a::b`, `super::x` and child-module
//! path outside comments and outside inline `#[cfg(test)]` modules is an edge to the file that
//! defines the longest module prefix of that path. A folder and the files inside it count as one
//! part (they use each other's items by design); a circle between parts fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path, e.g. `["sync", "execute"]`; the crate root is empty.
type ModPath = Vec<String>;

/// The crate's files by module path. `root`: the crate root's file name (`lib`, `main`);
/// `skip`: top-level modules left out.
fn crate_files(src: &Path, root: &str, skip: &[&str]) -> BTreeMap<ModPath, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut map = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let mut parts: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if skip.contains(&parts[0].as_str()) {
            continue;
        }
        if parts.len() == 1 && parts[0] == root || parts.last().is_some_and(|l| l == "mod") {
            parts.pop();
        }
        map.insert(parts, f);
    }
    map
}

/// The code of a file without comments and without its inline test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path written as `first::a::b...` in `code` (lower-case segments only: modules and
/// functions; the type or item that ends a path is not needed to find its file).
fn paths_from(code: &str, first: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let pat = format!("{first}::");
    let mut from = 0;
    while let Some(i) = code[from..].find(&pat) {
        let start = from + i;
        from = start + pat.len();
        if code[..start].chars().next_back().is_some_and(is_ident_char)
            || code[..start].ends_with("::")
        {
            continue;
        }
        let mut segs = Vec::new();
        let mut rest = &code[from..];
        loop {
            let len = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
            let seg = &rest[..len];
            if seg.is_empty() || !seg.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
                break;
            }
            segs.push(seg.to_string());
            match rest[len..].strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        found.push(segs);
    }
    found
}

/// The child modules a file declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn children(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_suffix(';')?;
            let name = l.rsplit_once("mod ")?.1;
            let before = &l[..l.len() - name.len() - 4];
            let ok = before.is_empty() || before.trim_end().starts_with("pub");
            (ok && name.chars().all(is_ident_char)).then(|| name.to_string())
        })
        .collect()
}

/// The file that defines the longest prefix of `path`.
fn file_of(files: &BTreeMap<ModPath, PathBuf>, path: &[String]) -> Option<ModPath> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| files.contains_key(p))
}

fn edges(files: &BTreeMap<ModPath, PathBuf>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let mut graph = BTreeMap::new();
    for (module, file) in files {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let is_mod_file = file.ends_with("mod.rs") || module.is_empty();
        // `super` of `a/b.rs` and of `a/b/mod.rs` is `a`; `self` is the module itself.
        let parent: ModPath = module[..module.len().saturating_sub(1)].to_vec();
        let mut targets = Vec::new();
        for p in paths_from(&code, "crate") {
            targets.push(p);
        }
        for p in paths_from(&code, "super") {
            targets.push([parent.clone(), p].concat());
        }
        for p in paths_from(&code, "self") {
            targets.push([module.clone(), p].concat());
        }
        if is_mod_file {
            for child in children(&code) {
                for p in paths_from(&code, &child) {
                    let mut t = module.clone();
                    t.push(child.clone());
                    targets.push([t, p].concat());
                }
            }
        }
        let out: BTreeSet<ModPath> = targets
            .iter()
            .filter_map(|t| file_of(files, t))
            // A module and the files inside it are one part: a file inside uses its folder's
            // items and the folder its files. Circles between parts are what this looks for.
            .filter(|t| !t.starts_with(module) && !module.starts_with(t))
            .collect();
        graph.insert(module.clone(), out);
    }
    graph
}

/// A circle in `graph`, as the modules along it, if there is one.
fn find_circle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<ModPath>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        marks: &mut BTreeMap<ModPath, Mark>,
        stack: &mut Vec<ModPath>,
    ) -> Option<Vec<ModPath>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let at = stack.iter().position(|m| m == n).unwrap();
                let mut circle = stack[at..].to_vec();
                circle.push(n.clone());
                return Some(circle);
            }
            None => {}
        }
        marks.insert(n.clone(), Mark::Open);
        stack.push(n.clone());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(n.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn shown(m: &ModPath) -> String {
    if m.is_empty() {
        "the crate root".into()
    } else {
        m.join("::")
    }
}

#[test]
fn the_library_has_no_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // The CLI is the binary's, not the library's; it stands on top of everything.
    let files = crate_files(&src, "lib", &["main", "cli"]);
    assert!(files.len() > 50, "found only {} files", files.len());
    let graph = edges(&files);
    // The reader must see the imports it is meant to see, or the test could never fail.
    let m = |s: &str| -> ModPath { s.split("::").map(String::from).collect() };
    let of = |a: &str| graph[&a.split("::").map(String::from).collect::<ModPath>()].clone();
    let sync_mod = of("sync");
    assert!(
        sync_mod.contains(&vec!["engine".to_string()]),
        "{sync_mod:?}"
    );
    assert!(of("sync::execute::trash").contains(&vec!["replica".to_string()]));
    let pool = of("replica::smb::pool");
    assert!(pool.contains(&m("replica::smb::session")), "{pool:?}");
    assert_no_circle(&graph, "src/");
}

#[test]
fn the_desktop_app_has_no_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src");
    let files = crate_files(&src, "main", &[]);
    assert!(files.len() > 10, "found only {} files", files.len());
    let graph = edges(&files);
    assert!(graph[&vec!["form".to_string()]].contains(&vec!["errors".to_string()]));
    assert_no_circle(&graph, "src-tauri/src/");
}

fn assert_no_circle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>, place: &str) {
    if let Some(circle) = find_circle(graph) {
        let names: Vec<String> = circle.iter().map(shown).collect();
        panic!(
            "import circle in {place}: {} (each imports the next; move what they share below both)",
            names.join(" -> ")
        );
    }
}

#[test]
fn a_circle_is_found_and_named() {
    let m = |s: &str| -> ModPath { s.split("::").map(String::from).collect() };
    let mut graph = BTreeMap::new();
    graph.insert(m("a"), BTreeSet::from([m("b")]));
    graph.insert(m("b"), BTreeSet::from([m("c::d")]));
    graph.insert(m("c::d"), BTreeSet::from([m("a")]));
    graph.insert(m("e"), BTreeSet::from([m("a")]));
    let circle = find_circle(&graph).expect("a circle");
    assert_eq!(circle.first(), circle.last());
    assert_eq!(circle.len(), 4);
    graph.insert(m("c::d"), BTreeSet::new());
    assert_eq!(find_circle(&graph), None);
}

#[test]
fn paths_are_read_as_written() {
    let code = "use crate::sync::execute::Executor;\nlet x = super::plan::Plan::of(v);\nfoo_crate::x::y();";
    assert_eq!(paths_from(code, "crate"), [vec!["sync", "execute"]]);
    assert_eq!(paths_from(code, "super"), [vec!["plan"]]);
    assert_eq!(
        children("pub mod a;\nmod b;\npub(crate) mod c;\nmod tests {"),
        ["a", "b", "c"]
    );
}
