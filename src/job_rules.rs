//! The rules a job must follow, checked before anything about it is stored (the CLI's
//! `job add`, the app's job form, an edit): a name no other job has, and folders that no other
//! job syncs. Two jobs over one folder would each see the other's writes and deletes as the user's
//! and chase them forever; a job over AnemoneSync's own data folder would sync its database.
//!
//! Each problem names the form field it belongs to ([`JobField`]), so the app can show it under
//! that field and the CLI can print it as it is. What a spec must be on its own (a usable name,
//! numbers in range) is [`JobSpec::validate`], which [`check`] runs first.

use std::path::{Component, Path, PathBuf};

use crate::db::jobs::Job;
use crate::job_spec::{FieldError, JobField, JobSpec};
use crate::url::{RemoteUrl, SmbUrl};

/// `p` made absolute and canonical where it exists; where it does not (yet), its longest
/// existing ancestor is made canonical and the rest appended, `.` and `..` resolved, so two
/// spellings of one folder compare equal.
pub fn canonical(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    // Nothing of it exists: resolve `.` and `..` by hand.
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether one of two folders is the other or lies inside it.
fn nested(a: &Path, b: &Path) -> bool {
    let (a, b) = (canonical(a), canonical(b));
    a.starts_with(&b) || b.starts_with(&a)
}

/// Whether two SMB folders are one or nested: same server and share (without case, as SMB
/// compares) and one path a prefix of the other. Servers are compared by the name written in
/// the job (`nas` and its IP address are not recognised as one).
fn smb_nested(a: &SmbUrl, b: &SmbUrl) -> bool {
    let comps =
        |u: &SmbUrl| -> Vec<String> { u.path.components().map(|c| c.to_lowercase()).collect() };
    let (pa, pb) = (comps(a), comps(b));
    let n = pa.len().min(pb.len());
    a.host.eq_ignore_ascii_case(&b.host)
        && a.port.unwrap_or(445) == b.port.unwrap_or(445)
        && a.share.eq_ignore_ascii_case(&b.share)
        && pa[..n] == pb[..n]
}

/// The folders on this machine a job reads and writes: its local folder, and its remote one
/// when that is a `file://` folder.
fn local_places(local: &Path, remote: &Option<RemoteUrl>) -> Vec<PathBuf> {
    let mut v = vec![local.to_path_buf()];
    if let Some(RemoteUrl::Dir(p)) = remote {
        v.push(p.clone());
    }
    v
}

/// Every problem of `job`: on its own ([`JobSpec::validate`]), then against the data folder and
/// the other jobs (`own_id`: the job being edited, which may overlap itself). Empty when it may
/// be stored. `data_dir`: AnemoneSync's data folder.
pub fn check(
    job: &JobSpec,
    own_id: Option<i64>,
    others: &[Job],
    data_dir: &Path,
) -> Vec<FieldError> {
    let mut errors = job.validate();
    let others: Vec<&Job> = others.iter().filter(|o| Some(o.id) != own_id).collect();
    if let Some(other) = others.iter().find(|o| o.name == job.name) {
        errors.push(FieldError::new(
            JobField::Name,
            format!(
                "a job named '{}' already exists; pick another name or remove it first",
                other.name
            ),
        ));
    }
    // The folder rules need a usable local folder and remote URL: their own errors say what to
    // fix first.
    let bad = |f| errors.iter().any(|e: &FieldError| e.field == f);
    if bad(JobField::LocalPath) || bad(JobField::RemotePath) {
        return errors;
    }
    let Ok(remote) = RemoteUrl::parse(&job.remote_url) else {
        return errors;
    };
    let remote = Some(remote);
    let places = local_places(&job.local_path, &remote);
    let field_of = |p: &PathBuf| {
        if p == &job.local_path {
            JobField::LocalPath
        } else {
            JobField::RemotePath
        }
    };
    for p in &places {
        if canonical(p).starts_with(canonical(data_dir)) {
            errors.push(FieldError::new(
                field_of(p),
                format!(
                    "{} is AnemoneSync's data folder or inside it ({}); pick another folder",
                    p.display(),
                    data_dir.display()
                ),
            ));
        }
    }
    if let [local, remote_dir] = &places[..] {
        if nested(local, remote_dir) {
            errors.push(FieldError::new(
                JobField::RemotePath,
                format!(
                    "the local folder {} and the remote folder {} are one inside the other; a job cannot sync a folder with itself",
                    local.display(),
                    remote_dir.display()
                ),
            ));
        }
    }
    for other in others {
        let theirs = RemoteUrl::parse(&other.remote_url).ok();
        for mine in &places {
            for their in local_places(&other.local_path, &theirs) {
                if nested(mine, &their) {
                    errors.push(FieldError::new(
                        field_of(mine),
                        format!(
                            "{} overlaps the folder {} of job '{}' (one holds the other); two jobs on one folder would undo each other's changes. Pick a folder outside it, or add to that job instead",
                            mine.display(),
                            their.display(),
                            other.name
                        ),
                    ));
                }
            }
        }
        if let (Some(RemoteUrl::Smb(a)), Some(RemoteUrl::Smb(b))) = (&remote, &theirs) {
            if smb_nested(a, b) {
                errors.push(FieldError::new(
                    JobField::RemotePath,
                    format!(
                        "the remote folder {} overlaps {} of job '{}' (one holds the other); two jobs on one folder would undo each other's changes. Pick a folder outside it",
                        RemoteUrl::Smb(a.clone()),
                        RemoteUrl::Smb(b.clone()),
                        other.name
                    ),
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, local: &Path, remote: &str) -> JobSpec {
        JobSpec::new(name, local.to_path_buf(), remote)
    }

    fn stored(id: i64, j: JobSpec) -> Job {
        Job {
            id,
            name: j.name,
            local_path: j.local_path,
            remote_url: j.remote_url,
            mode: j.mode,
            conflict_policy: j.conflict_policy,
            excludes: j.excludes,
            max_delete_percent: j.max_delete_percent,
            enabled: true,
            parallel: j.parallel,
            trash_retention_days: j.trash_retention_days,
            live: j.live,
            encryption: j.encryption,
        }
    }

    #[test]
    fn overlapping_folders_are_refused_either_way() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let data = t.join("data");
        std::fs::create_dir_all(t.join("home/docs/work")).unwrap();
        let docs = stored(
            1,
            job("docs", &t.join("home/docs"), "smb://u@nas/share/docs"),
        );
        let others = [docs];
        // The first problem, if any.
        let check = |j: &JobSpec, own: Option<i64>| match check(j, own, &others, &data).first() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        };

        // Local folders nested either way, also through `..` or a folder not made yet.
        for local in [
            t.join("home/docs/work"),
            t.join("home"),
            t.join("home/docs"),
            t.join("home/x/../docs/new"),
        ] {
            let e = check(&job("new", &local, "smb://u@nas/share/other"), None).unwrap_err();
            assert_eq!(e.field, JobField::LocalPath, "{}", local.display());
            assert!(e.message.contains("'docs'"), "{}", e.message);
        }
        // Remote folders nested on the same server and share, without case.
        for remote in [
            "smb://u@nas/share/docs/sub",
            "smb://other@NAS/SHARE",
            "smb://u@nas:445/share/Docs",
        ] {
            let e = check(&job("new", &t.join("elsewhere"), remote), None).unwrap_err();
            assert_eq!(e.field, JobField::RemotePath, "{remote}");
        }
        // Beside each other is fine: a sibling folder, another share, another server.
        for (local, remote) in [
            (t.join("home/docs2"), "smb://u@nas/share/docs2"),
            (t.join("elsewhere"), "smb://u@nas/other/docs"),
            (t.join("elsewhere"), "smb://u@nas2/share/docs"),
            (t.join("elsewhere"), "smb://u@nas:1445/share/docs"),
        ] {
            assert_eq!(check(&job("new", &local, remote), None), Ok(()), "{remote}");
        }
        // A job may keep its own folders when edited.
        assert_eq!(
            check(
                &job("docs", &t.join("home/docs"), "smb://u@nas/share/docs"),
                Some(1)
            ),
            Ok(())
        );
        // Its name must be free.
        let e = check(&job("docs", &t.join("x"), "smb://u@nas/s/x"), None).unwrap_err();
        assert_eq!(e.field, JobField::Name);
        // A file:// remote is a folder on this machine like a local one.
        let e = check(
            &job(
                "new",
                &t.join("x"),
                &format!("file://{}", t.join("home/docs/work").display()),
            ),
            None,
        )
        .unwrap_err();
        assert_eq!(e.field, JobField::RemotePath);
        let e = check(
            &job(
                "new",
                &t.join("x"),
                &format!("file://{}", t.join("x/y").display()),
            ),
            None,
        )
        .unwrap_err();
        assert!(e.message.contains("with itself"), "{}", e.message);
        // Never the data folder or inside it (it holding the job's folder is fine).
        let e = check(&job("new", &data.join("sub"), "smb://u@nas/s/x"), None).unwrap_err();
        assert_eq!(e.field, JobField::LocalPath);
        assert!(e.message.contains("data folder"), "{}", e.message);
        let holds_data = check_fn_with_data(t, &t.join("d2/.local/share/anemone-sync"));
        assert_eq!(holds_data, vec![]);
    }

    /// A job whose folder holds the data folder is accepted (the data folder is excluded).
    fn check_fn_with_data(t: &Path, data: &Path) -> Vec<FieldError> {
        check(
            &job("new", &t.join("d2"), "smb://u@nas/s/x"),
            None,
            &[],
            data,
        )
    }
}
