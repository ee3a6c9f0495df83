//! End to end through the real app (tauri-driver, real engine, real Samba): the first sync of
//! two folders that both hold files asks how to bring them together (issue 16). The user picks
//! "Server wins" in the dialog; both trees end equal to the server's former content and every
//! local file that was replaced or deleted is in the local trash with its bytes.
//!
//! Run alone with `scripts/test-app --test e2e_first_sync`.

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;

use anemone_sync::engine::Engine;
use anemone_sync::policy::ConflictPolicy;
use anemone_sync::sync::first_sync::FirstSyncSetting;
use samba::SambaServer;
use serde_json::json;
use support::app::*;
use support::trees::{assert_same_tree, files};
use support::webdriver::App;

/// Files under a side's trash (below the run folder), with their bytes.
fn trashed(root: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(runs) = std::fs::read_dir(root.join(".anemone-trash")) else {
        return out;
    };
    for run in runs.flatten() {
        out.extend(files(&run.path()));
    }
    out
}

#[test]
fn server_wins_chosen_in_the_dialog_makes_this_folder_like_the_server() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Documents");
    let remote = smb.share_dir().join("Documents");
    for (root, entries) in [
        (
            &local,
            &[
                ("same.txt", "identical\n"),
                ("differs.txt", "my local draft\n"),
                ("only-here.txt", "local only\n"),
                ("notes/local.md", "# local notes\n"),
            ][..],
        ),
        (
            &remote,
            &[
                ("same.txt", "identical\n"),
                ("differs.txt", "the version on the server\n"),
                ("only-there.txt", "server only\n"),
                ("shared/report.txt", "quarterly\n"),
            ][..],
        ),
    ] {
        for (path, text) in entries {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
    let server_before = files(&remote);
    let local_before = files(&local);
    seed_job(
        &data,
        &smb,
        "Documents",
        "Documents",
        &local,
        ConflictPolicy::KeepBoth,
    );
    // As the app's add_job leaves it: the first sync asks.
    rt().block_on(async {
        let engine = Engine::open(&data).await.unwrap();
        let job = engine.jobs().await.unwrap().remove(0);
        engine
            .set_first_sync(&job, FirstSyncSetting::Ask)
            .await
            .unwrap();
    });

    let app = App::start(&data);
    // The first sync at start finds files on both sides and waits: the dialog opens with the
    // counts of each choice.
    app.wait_for(
        "the first-sync dialog with its counts",
        LONG,
        "const d = document.querySelector('dialog.first-sync'); \
         const c = d && d.querySelector('[data-testid=fs-counts-remote-wins]'); \
         return c && c.textContent.includes('2 files moved to the trash') ? c.textContent : null;",
    );
    // Nothing moved while it asks.
    assert_eq!(files(&local), local_before);
    assert_eq!(files(&remote), server_before);
    let merge_checked = app.js(
        "return document.querySelector('[data-testid=fs-merge] input').checked",
        json!([]),
    );
    assert_eq!(merge_checked, true, "merge is preselected");
    app.screenshot("e2e-first-sync-dialog");
    app.click("[data-testid=fs-remote-wins] input");
    app.click_button("Start first sync");

    // Both trees end as the server was; the local versions are in the local trash.
    wait_until("this folder to be like the server", LONG, || {
        files(&local) == server_before
    });
    app.wait_for(
        "the job card to say idle",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    assert_eq!(files(&remote), server_before, "the server changed");
    assert_same_tree(&local, &remote);
    let trash = trashed(&local);
    assert_eq!(
        trash.keys().map(String::as_str).collect::<Vec<_>>(),
        ["differs.txt", "notes/local.md", "only-here.txt"]
    );
    assert_eq!(trash["differs.txt"], b"my local draft\n");
    assert_eq!(trash["only-here.txt"], b"local only\n");
    assert!(
        trashed(&remote).is_empty(),
        "nothing of the server's went to its trash"
    );
    app.screenshot("e2e-first-sync-done");
}
