//! What the user cares about: the files and their bytes on both sides.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every file under `root` (relative path -> bytes), our trash and temps left out.
pub fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".anemone-trash" || name.contains(".anemone-") {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

pub fn assert_same_tree(local: &Path, remote: &Path) {
    let (l, r) = (files(local), files(remote));
    assert_eq!(
        l.keys().collect::<Vec<_>>(),
        r.keys().collect::<Vec<_>>(),
        "the two sides hold different files"
    );
    for (k, v) in &l {
        assert_eq!(v, &r[k], "{k} differs between the two sides");
    }
}

/// Waits until `path` holds exactly `want`.
pub fn wait_for_file(path: &Path, want: &[u8], timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        if std::fs::read(path).ok().as_deref() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {} to hold {:?}",
            path.display(),
            String::from_utf8_lossy(want)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
