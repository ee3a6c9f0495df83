//! Moves and renames against a real Samba server: made on one side, carried out on the other as
//! a rename (no bytes sent), with the rules for a move meeting an edit or a delete on the other
//! side. Renames "on the share" are made by smbclient (so Samba sees them as any client's).

use std::fs;

use crate::support::live::smbclient;
use crate::support::samba::SambaServer;
use crate::support::sync::*;

const MIB: u64 = 1024 * 1024;

/// 400 files of 512 KiB (200 MiB) in nested folders, each with its own bytes.
fn write_big_folder(root: &std::path::Path) {
    for i in 0..400u32 {
        let mut data = vec![0u8; 512 * 1024];
        for (j, b) in data.iter_mut().enumerate() {
            *b = (j as u32).wrapping_mul(31).wrapping_add(i) as u8;
        }
        write(&root.join(format!("sub{}/file-{i:03}.bin", i % 8)), &data);
    }
}

#[test]
fn a_folder_of_200_mib_renamed_on_either_side_sends_no_file_again() {
    let smb = SambaServer::shared();
    let f = Fixture::new("move_big_folder", &[]);
    write_big_folder(&f.l("photos"));
    let first = f.sync();
    assert_eq!(first.count("uploaded"), 400);

    // Renamed here: one rename on the share.
    fs::rename(f.l("photos"), f.l("photos 2024")).unwrap();
    let out = f.sync();
    assert_eq!(out.count("moved_remote"), 1, "{}", out.stdout);
    assert!(out.count("bytes_up") <= MIB, "{}", out.stdout);
    assert_eq!(
        (
            out.count("uploaded"),
            out.count("downloaded"),
            out.count("deleted_remote")
        ),
        (0, 0, 0)
    );
    assert!(!f.r("photos").exists() && f.r("photos 2024/sub3/file-003.bin").is_file());
    f.assert_in_sync();
    f.assert_idle_sync();

    // Renamed on the share: one rename here.
    smbclient(smb, &f, "rename \"photos 2024\" archive");
    let out = f.sync();
    assert_eq!(out.count("moved_local"), 1, "{}", out.stdout);
    assert!(out.count("bytes_down") <= MIB, "{}", out.stdout);
    assert_eq!(
        (
            out.count("uploaded"),
            out.count("downloaded"),
            out.count("deleted_local")
        ),
        (0, 0, 0)
    );
    assert!(!f.l("photos 2024").exists() && f.l("archive/sub3/file-003.bin").is_file());
    f.assert_in_sync();
    f.assert_idle_sync();
    // Nothing went to a trash: nothing was deleted.
    assert!(trashed(&f.local).is_empty() && trashed(&f.remote).is_empty());

    // History says what moved.
    let h = f.run(&["history", "job"]);
    assert!(
        h.stdout
            .contains("Moved on the server: photos -> photos 2024")
            && h.stdout
                .contains("Moved on this computer: photos 2024 -> archive"),
        "{}",
        h.stdout
    );
}

#[test]
fn a_file_moved_across_folders_is_moved_on_the_other_side() {
    let smb = SambaServer::shared();
    let f = Fixture::new("move_file_across", &[]);
    write(&f.l("inbox/report.pdf"), "the report");
    write(&f.l("done/old.pdf"), "old");
    write(&f.l("drafts/letter.txt"), "dear");
    f.sync();
    fs::rename(f.l("inbox/report.pdf"), f.l("done/report.pdf")).unwrap();
    smbclient(
        smb,
        &f,
        "mkdir sent; rename drafts\\letter.txt sent\\letter.txt",
    );
    let out = f.sync();
    assert_eq!(
        (out.count("moved_remote"), out.count("moved_local")),
        (1, 1),
        "{}",
        out.stdout
    );
    assert_eq!((out.count("uploaded"), out.count("downloaded")), (0, 0));
    assert_eq!(read(&f.r("done/report.pdf")), "the report");
    assert_eq!(read(&f.l("sent/letter.txt")), "dear");
    assert!(!f.r("inbox/report.pdf").exists() && !f.l("drafts/letter.txt").exists());
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn moved_here_and_edited_on_the_share_the_edit_lands_at_the_new_place() {
    let f = Fixture::new("move_and_edit", &[]);
    write(&f.l("plans/budget.txt"), "version 1");
    f.sync();
    fs::rename(f.l("plans"), f.l("plans-2025")).unwrap();
    write(&f.r("plans/budget.txt"), "version 2, edited on the share");
    let out = f.sync();
    assert_eq!(out.count("moved_remote"), 1, "{}", out.stdout);
    assert_eq!(out.count("downloaded"), 1, "{}", out.stdout);
    assert_eq!(
        read(&f.l("plans-2025/budget.txt")),
        "version 2, edited on the share"
    );
    assert!(!f.l("plans").exists() && !f.r("plans").exists());
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn moved_here_and_deleted_on_the_share_the_file_survives_at_the_new_place() {
    let f = Fixture::new("move_and_delete", &[]);
    write(&f.l("a.txt"), "keep me");
    f.sync();
    fs::rename(f.l("a.txt"), f.l("b.txt")).unwrap();
    fs::remove_file(f.r("a.txt")).unwrap();
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 1, "{}", out.stdout);
    assert_eq!(read(&f.r("b.txt")), "keep me");
    assert_eq!(read(&f.l("b.txt")), "keep me");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn a_case_only_rename_renames_the_file_on_the_share_in_place() {
    let f = Fixture::new("move_case_only", &[]);
    write(&f.l("readme.txt"), "read me");
    f.sync();
    fs::rename(f.l("readme.txt"), f.l("README.txt")).unwrap();
    let out = f.sync();
    assert_eq!(out.count("moved_remote"), 1, "{}", out.stdout);
    assert_eq!(out.count("uploaded"), 0, "{}", out.stdout);
    assert!(f.r("README.txt").is_file() && !f.r("readme.txt").exists());
    assert_eq!(read(&f.r("README.txt")), "read me");
    f.assert_in_sync();
    f.assert_idle_sync();
}
