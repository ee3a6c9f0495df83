//! End to end through the real app (see tests/e2e.rs for how it runs): a file deleted on this
//! computer goes to the server's trash when the job syncs; the job's Trash view lists it and
//! Restore puts it back on the server, after which the app's sync brings it back here. Both
//! sides end holding the same files with the file's original bytes.

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
// Helpers for more tests than these use.
#[allow(dead_code)]
mod support;

use anemone_sync::policy::ConflictPolicy;
use samba::SambaServer;
use support::app::*;
use support::trees::{assert_same_tree, wait_for_file};
use support::webdriver::App;

#[test]
fn a_deleted_file_comes_back_from_the_trash_view_on_both_sides() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Docs");
    std::fs::create_dir_all(local.join("reports")).unwrap();
    let report = b"Quarterly report\nwith the numbers that matter\n".to_vec();
    std::fs::write(local.join("reports/q3.txt"), &report).unwrap();
    std::fs::write(local.join("keep.txt"), "stays\n").unwrap();
    let remote = smb.share_dir().join("Docs");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(
        &data,
        &smb,
        "Docs",
        "Docs",
        &local,
        ConflictPolicy::KeepBoth,
    );

    let app = App::start(&data);
    wait_for_file(&remote.join("reports/q3.txt"), &report, LONG);
    wait_until("the first run to be recorded", LONG, || {
        finished_runs(&data) >= 1
    });
    app.wait_for(
        "the job to be idle",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );

    // Deleted here; the sync deletes it on the server too (into the server's trash).
    std::fs::remove_file(local.join("reports/q3.txt")).unwrap();
    app.click_button("Sync Docs now");
    wait_until("the server's copy to go", LONG, || {
        !remote.join("reports/q3.txt").exists()
    });
    wait_until("that run to be recorded", LONG, || {
        finished_runs(&data) >= 2
    });

    app.click_button("Trash of Docs");
    app.wait_for(
        "the deleted file in the Trash view",
        LONG,
        "return [...document.querySelectorAll('[data-testid=trash-row]')].some(r => r.textContent.includes('reports/q3.txt') && r.textContent.includes('Deleted on this computer') && r.textContent.includes('Server'));",
    );
    app.screenshot("e2e-trash-view");
    app.click_button("Restore reports/q3.txt (Server)");
    app.wait_for(
        "the restore to be reported",
        LONG,
        "return document.body.innerText.includes('Restored reports/q3.txt on the server.');",
    );
    // Back on the server at once; the sync the app asks for brings it here.
    wait_for_file(&remote.join("reports/q3.txt"), &report, LONG);
    wait_for_file(&local.join("reports/q3.txt"), &report, LONG);
    app.wait_for(
        "the trash to be empty",
        LONG,
        "return !!document.querySelector('[data-testid=trash-empty]');",
    );
    app.screenshot("e2e-trash-restored");
    wait_until("the sync after the restore to finish", LONG, || {
        finished_runs(&data) >= 3
    });
    assert_same_tree(&local, &remote);
    assert_eq!(std::fs::read(local.join("keep.txt")).unwrap(), b"stays\n");
}
