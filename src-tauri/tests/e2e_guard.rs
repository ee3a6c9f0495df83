//! End to end through the real app (issue 16): a sync stopped by the delete guard puts the job
//! in "needs you"; the card opens the decision dialog, and each answer does what it says on
//! the real Samba share. Each test ends by checking both trees. Run by scripts/test-app (see
//! tests/e2e.rs for what it needs).

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use anemone_sync::policy::ConflictPolicy;
use samba::SambaServer;
use support::app::*;
use support::trees::{assert_same_tree, files};
use support::webdriver::App;

const FILES: usize = 30;
const GONE: usize = 20;

/// A job of 30 files synced by the app, then 20 of them deleted here and Sync now: the guard
/// stops it, and the card says so. Returns the app, the folders and the files before.
fn stopped_by_the_guard(
    smb: &SambaServer,
    tmp: &Path,
) -> (
    App,
    std::path::PathBuf,
    std::path::PathBuf,
    BTreeMap<String, Vec<u8>>,
) {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.join("Reports");
    for i in 0..FILES {
        let p = local.join(format!("q{}/r{i:02}.txt", i % 3));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, format!("report {i}\n").repeat(i + 1)).unwrap();
    }
    let remote = smb.share_dir().join("Reports");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(
        &data,
        smb,
        "Reports",
        "Reports",
        &local,
        ConflictPolicy::KeepBoth,
    );
    let before = files(&local);

    let app = App::start(&data);
    wait_until("the first sync", LONG, || files(&remote) == before);
    app.wait_for(
        "the job to be idle",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    for i in 0..GONE {
        std::fs::remove_file(local.join(format!("q{}/r{i:02}.txt", i % 3))).unwrap();
    }
    app.click_button("Sync Reports now");
    let said = app.wait_for(
        "the card to say the job needs the user",
        LONG,
        "const n = document.querySelector('[data-testid=job-needs-you]'); return n ? n.textContent : false;",
    );
    assert!(
        said.as_str()
            .unwrap()
            .contains("Needs you: 20 files would be deleted on the server"),
        "{said}"
    );
    app.wait_for(
        "the header to say it",
        LONG,
        "return document.querySelector('[data-testid=app-state]').textContent.includes('Reports needs you');",
    );
    assert_eq!(
        files(&remote),
        before,
        "nothing may change before the user decides"
    );
    (app, local, remote, before)
}

fn open_the_dialog(app: &App) {
    app.click_button("Decide what happens to the files Reports would delete");
    let listed = app.wait_for(
        "the dialog with the paths",
        LONG,
        "const d = document.querySelector('[data-testid=guard-dialog]'); return d && d.querySelectorAll('[data-testid=guard-paths] li').length > 0 ? d.textContent : false;",
    );
    let text = listed.as_str().unwrap();
    assert!(
        text.contains("20 files would be deleted on the server"),
        "{text}"
    );
    assert!(text.contains("q0/r00.txt"), "{text}");
}

#[test]
fn restore_from_the_other_side_brings_the_files_back() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (app, local, remote, before) = stopped_by_the_guard(&smb, tmp.path());
    app.screenshot("e2e-needs-you-card");
    open_the_dialog(&app);
    app.screenshot("e2e-needs-you-dialog");
    app.click_button("Restore them from the other side");
    wait_until("the files back here", LONG, || files(&local) == before);
    app.wait_for(
        "the job to be idle again",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    assert_eq!(files(&remote), before, "nothing deleted on the server");
    assert_same_tree(&local, &remote);
    assert!(
        !remote.join(".anemone-trash").exists() && !local.join(".anemone-trash").exists(),
        "a restore moves nothing to a trash"
    );
}

#[test]
fn delete_on_the_other_side_too_deletes_them_on_the_share() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (app, local, remote, before) = stopped_by_the_guard(&smb, tmp.path());
    open_the_dialog(&app);
    app.click_button("Delete them on the other side too");
    wait_until("the files deleted on the share", LONG, || {
        files(&remote).len() == FILES - GONE
    });
    app.wait_for(
        "the job to be idle again",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    let after = files(&local);
    assert_eq!(after.len(), FILES - GONE);
    assert!(after.iter().all(|(k, v)| before.get(k) == Some(v)));
    assert_same_tree(&local, &remote);
    // Into the share's trash, not destroyed.
    let trash = remote.join(".anemone-trash");
    let trashed = walkdir(&trash);
    assert_eq!(trashed, GONE, "the deleted files are in the share's trash");
}

fn walkdir(p: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.file_type().unwrap().is_dir() {
                walkdir(&e.path())
            } else {
                1
            }
        })
        .sum()
}
