//! The job form turned into what the engine checks and stores: an `smb://` URL built from the
//! server fields and the remote folder, and a `JobSpec`. The job's rules are the engine's
//! (`anemone_sync::job_spec`, `job_rules`); here only what the raw input needs to become a spec
//! (a server name, a port, a time of day). Every problem comes back as an `invalid_input` error
//! naming its field, in the words the form shows under it.

use std::path::PathBuf;

use anemone_sync::db::jobs::Job;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::names::smb_path_problem;
use anemone_sync::relpath::RelPath;
use anemone_sync::trigger::LiveSettings;
use anemone_sync::url::{RemoteUrl, SmbUrl};

use crate::errors::{sentence, BridgeError, BridgeResult};
use crate::types::{JobInput, ServerInput, Trigger, When};

/// The SMB URL of `remote_path` on the server the form describes (no password in it).
pub fn smb_url(server: &ServerInput, remote_path: &str) -> BridgeResult<SmbUrl> {
    let host = server.host.trim();
    if host.is_empty() {
        return Err(BridgeError::invalid(
            "host",
            "Enter the server's name or IP address.",
        ));
    }
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.contains(['/', '\\', '@', ' ', ';']) || host.starts_with("smb:") {
        return Err(BridgeError::invalid(
            "host",
            format!("{host:?} is not a server name: enter only the name or address, such as nas.local or 192.168.1.10."),
        ));
    }
    let port = match server.port {
        None => None,
        Some(p @ 1..=65535) => Some(p as u16),
        Some(p) => {
            return Err(BridgeError::invalid(
                "port",
                format!(
                    "{p} is not a port: use a number from 1 to 65535, or leave it empty for 445."
                ),
            ))
        }
    };
    let share = server.share.trim().trim_matches(['/', '\\']);
    if share.is_empty() {
        return Err(BridgeError::invalid(
            "share",
            "Enter the share's name (the first folder after the server, as in \\\\nas\\share).",
        ));
    }
    if share.contains(['/', '\\']) {
        return Err(BridgeError::invalid(
            "share",
            format!("{share:?} has a folder in it: put only the share here and the folder under Remote folder."),
        ));
    }
    let user = server.user.trim();
    if user.contains(['@', ':', ';', '/']) {
        return Err(BridgeError::invalid(
            "user",
            "Enter the user name alone, without @, : or ; (put a Windows domain in Domain).",
        ));
    }
    let domain = server
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if domain.is_some_and(|d| d.contains(['@', ':', ';', '/'])) {
        return Err(BridgeError::invalid(
            "domain",
            "Enter the domain name alone, such as CORP.",
        ));
    }
    let path = remote_folder(remote_path, "remote_path")?;
    let url = SmbUrl {
        domain: domain.map(str::to_string),
        user: user.to_string(),
        host: host.to_string(),
        port,
        share: share.to_string(),
        path,
    };
    // What is stored must read back as the same place (a '%' sequence could decode into
    // another name).
    match RemoteUrl::parse(&url.to_string()) {
        Ok(RemoteUrl::Smb(back)) if back == url => Ok(url),
        _ => Err(BridgeError::invalid(
            "remote_path",
            "The server, share or folder name has characters that cannot be kept in a job (such as %); rename it or pick another.",
        )),
    }
}

/// A folder inside the share: '' or '/'-separated.
pub fn remote_folder(path: &str, field: &str) -> BridgeResult<RelPath> {
    let p = RelPath::new(path.trim().replace('\\', "/").as_str()).map_err(|_| {
        BridgeError::invalid(
            field,
            format!(
                "{path:?} is not a folder path: use names separated by /, such as Projects/2026."
            ),
        )
    })?;
    if let Some(problem) = smb_path_problem(&p) {
        return Err(BridgeError::invalid(field, problem));
    }
    Ok(p)
}

/// The form turned into what the engine checks and stores. Only what the form's raw input
/// needs to become a job is done here (the server fields into a URL, times and days parsed,
/// blank excludes dropped); every rule about the job is the engine's (`Engine::add_job`,
/// `JobSpec::validate`). `base`: the job being edited, whose settings the form does not show
/// (trash retention, the live settings other than when to sync) are kept.
pub fn job_spec(input: &JobInput, base: Option<&Job>) -> BridgeResult<JobSpec> {
    let url = smb_url(&input.server, &input.remote_path)?;
    let local = PathBuf::from(input.local_path.trim());
    let mut spec = JobSpec::new(input.name.trim(), local, &RemoteUrl::Smb(url).canonical());
    if let Some(old) = base {
        spec.trash_retention_days = old.trash_retention_days;
        spec.live = old.live.clone();
    }
    spec.mode = input.mode.into();
    spec.conflict_policy = input.conflict_policy.into();
    spec.excludes = input
        .excludes
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    spec.max_delete_percent = input.max_delete_percent;
    spec.parallel = input.parallel;
    spec.encryption = input.encryption.into();
    apply_when(&input.when, &mut spec.live)?;
    Ok(spec)
}

/// Puts the form's "when to sync" into `live`, leaving the settings the form does not show
/// (rescan period, quiet period, notification, poll period) as they are. An interval of 0 (not
/// shown) keeps the one there was.
pub fn apply_when(when: &When, live: &mut LiveSettings) -> BridgeResult<()> {
    use anemone_sync::trigger::{Day, Schedule, TimeOfDay, Trigger as T};
    live.trigger = match when.trigger {
        Trigger::Realtime => T::Realtime,
        Trigger::Interval => T::Interval,
        Trigger::Schedule => T::Schedule,
        Trigger::Manual => T::Manual,
    };
    if when.interval_minutes > 0 || when.trigger == Trigger::Interval {
        live.interval_minutes = when.interval_minutes;
    }
    let times = when
        .times
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<TimeOfDay>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BridgeError::invalid("times", sentence(&e)))?;
    let mut days = when
        .days
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<Day>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BridgeError::invalid("days", sentence(&e)))?;
    days.sort();
    days.dedup();
    live.schedule = Schedule { times, days };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::BridgeErrorKind;
    use crate::types::{ConflictPolicy, Mode};

    /// Splits a stored URL back into the server part of the form (password left out).
    pub fn server_of(url: &SmbUrl, password: Option<String>) -> ServerInput {
        ServerInput {
            host: url.host.clone(),
            port: url.port.map(u32::from),
            share: url.share.clone(),
            user: url.user.clone(),
            domain: url.domain.clone(),
            password,
        }
    }

    fn server() -> ServerInput {
        ServerInput {
            host: "nas.local".into(),
            port: None,
            share: "home".into(),
            user: "alice".into(),
            domain: None,
            password: Some("pw".into()),
        }
    }

    fn field_of(r: BridgeResult<SmbUrl>) -> String {
        let e = r.expect_err("should be refused");
        assert_eq!(e.kind, BridgeErrorKind::InvalidInput);
        e.field.unwrap()
    }

    #[test]
    fn builds_the_url_the_cli_would_store() {
        let u = smb_url(&server(), "Projects/2026").unwrap();
        assert_eq!(u.to_string(), "smb://alice@nas.local/home/Projects/2026");
        let mut s = server();
        s.port = Some(4455);
        s.domain = Some("CORP".into());
        s.share = " /home/ ".into();
        let u = smb_url(&s, "/Pictures/").unwrap();
        assert_eq!(
            u.to_string(),
            "smb://CORP;alice@nas.local:4455/home/Pictures"
        );
        let u = smb_url(&server(), "").unwrap();
        assert_eq!(u.to_string(), "smb://alice@nas.local/home");
        // The password never goes into the URL.
        assert!(!u.to_string().contains("pw"));
    }

    #[test]
    fn guest_login_and_ipv6() {
        let mut s = server();
        s.user = String::new();
        s.host = "[fe80::1]".into();
        let u = smb_url(&s, "").unwrap();
        assert_eq!(u.to_string(), "smb://[fe80::1]/home");
        assert_eq!(u.host, "fe80::1");
    }

    #[test]
    fn names_the_wrong_field() {
        let mut s = server();
        s.host = " ".into();
        assert_eq!(field_of(smb_url(&s, "")), "host");
        s.host = "smb://nas/home".into();
        assert_eq!(field_of(smb_url(&s, "")), "host");
        let mut s = server();
        s.port = Some(0);
        assert_eq!(field_of(smb_url(&s, "")), "port");
        s.port = Some(70000);
        assert_eq!(field_of(smb_url(&s, "")), "port");
        let mut s = server();
        s.share = "".into();
        assert_eq!(field_of(smb_url(&s, "")), "share");
        s.share = "home/Pictures".into();
        assert_eq!(field_of(smb_url(&s, "")), "share");
        let mut s = server();
        s.user = "alice:secret".into();
        assert_eq!(field_of(smb_url(&s, "")), "user");
        assert_eq!(field_of(smb_url(&server(), "a/../b")), "remote_path");
        assert_eq!(field_of(smb_url(&server(), "bad:name")), "remote_path");
        assert_eq!(field_of(smb_url(&server(), "100%41")), "remote_path");
    }

    /// The form, then the engine's check of the spec it makes (as `Engine::add_job` runs it,
    /// less the rules about other jobs): the error the UI would see.
    fn check_job(i: &JobInput) -> BridgeResult<JobSpec> {
        let spec = job_spec(i, None)?;
        match spec.validate() {
            errors if errors.is_empty() => Ok(spec),
            errors => Err(anemone_sync::jobs::JobError::Invalid(errors).into()),
        }
    }

    fn input(local: &str) -> JobInput {
        JobInput {
            name: "photos".into(),
            local_path: local.into(),
            server: server(),
            remote_path: "Pictures".into(),
            mode: Mode::Upload,
            conflict_policy: ConflictPolicy::Ask,
            excludes: vec!["*.bak".into(), " ".into()],
            max_delete_percent: 30,
            parallel: 2,
            when: When {
                trigger: Trigger::Realtime,
                interval_minutes: 60,
                times: vec![],
                days: vec![],
            },
            encryption: crate::types::Encryption::Required,
        }
    }

    #[test]
    fn checked_job_carries_every_setting() {
        let dir = tempfile::tempdir().unwrap();
        let c = check_job(&input(dir.path().to_str().unwrap())).unwrap();
        assert_eq!(c.name, "photos");
        assert_eq!(c.remote_url, "smb://alice@nas.local/home/Pictures");
        assert_eq!(c.local_path, dir.path());
        assert_eq!(c.mode, anemone_sync::policy::Mode::Upload);
        assert_eq!(c.conflict_policy, anemone_sync::policy::ConflictPolicy::Ask);
        assert_eq!(c.excludes, vec!["*.bak".to_string()]);
        assert_eq!((c.max_delete_percent, c.parallel), (30, 2));
        assert_eq!(c.live, LiveSettings::default());
        assert_eq!(c.encryption, anemone_sync::policy::Encryption::Required);
    }

    #[test]
    fn job_names_follow_the_engine_rules() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["two\nlines", &"n".repeat(65), "tab\tname"] {
            let mut i = input(dir.path().to_str().unwrap());
            i.name = bad.to_string();
            let e = check_job(&i).map(|_| ()).expect_err("should be refused");
            assert_eq!(e.field.as_deref(), Some("name"), "{bad:?}");
        }
        assert_eq!(
            sentence("the job name is empty; give it a name"),
            "The job name is empty; give it a name."
        );
    }

    #[test]
    fn when_to_sync_goes_into_the_live_settings() {
        use anemone_sync::trigger::{Day, Trigger as T};
        let dir = tempfile::tempdir().unwrap();
        let mut i = input(dir.path().to_str().unwrap());
        i.when = When {
            trigger: Trigger::Schedule,
            interval_minutes: 0,
            times: vec![" 18:30".into(), "08:00".into(), "".into()],
            days: vec!["fri".into(), "mon".into(), "mon".into()],
        };
        let live = check_job(&i).unwrap().live;
        assert_eq!(live.trigger, T::Schedule);
        let times: Vec<String> = live.schedule.times.iter().map(|t| t.to_string()).collect();
        assert_eq!(times, ["18:30", "08:00"]);
        assert_eq!(live.schedule.days, [Day::Mon, Day::Fri]);
        // And back, as the edit form shows it.
        let shown = When::from(&live);
        assert_eq!(shown.days, ["mon", "fri"]);

        // Only the shown settings change.
        let mut kept = LiveSettings {
            quiet_ms: 500,
            poll_secs: 5,
            remote_notify: false,
            ..LiveSettings::default()
        };
        i.when.trigger = Trigger::Interval;
        i.when.interval_minutes = 15;
        apply_when(&i.when, &mut kept).unwrap();
        assert_eq!((kept.trigger, kept.interval_minutes), (T::Interval, 15));
        assert_eq!(
            (kept.quiet_ms, kept.poll_secs, kept.remote_notify),
            (500, 5, false)
        );
    }

    #[test]
    fn when_to_sync_errors_name_their_field() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().to_str().unwrap().to_string();
        let field = |w: When| {
            let mut i = input(&ok);
            i.when = w;
            check_job(&i).expect_err("refused").field.unwrap()
        };
        let w = |trigger, interval_minutes, times: &[&str], days: &[&str]| When {
            trigger,
            interval_minutes,
            times: times.iter().map(|s| s.to_string()).collect(),
            days: days.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(field(w(Trigger::Interval, 0, &[], &[])), "interval_minutes");
        assert_eq!(field(w(Trigger::Schedule, 60, &[], &[])), "times");
        assert_eq!(field(w(Trigger::Schedule, 60, &["25:00"], &[])), "times");
        assert_eq!(
            field(w(Trigger::Schedule, 60, &["09:00"], &["funday"])),
            "days"
        );
    }

    #[test]
    fn job_form_errors_name_their_field() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().to_str().unwrap().to_string();
        let field = |i: JobInput| check_job(&i).expect_err("refused").field.unwrap();
        let mut i = input(&ok);
        i.name = "  ".into();
        assert_eq!(field(i), "name");
        assert_eq!(field(input("")), "local_path");
        assert_eq!(field(input("relative/dir")), "local_path");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(field(input(file.to_str().unwrap())), "local_path");
        let mut i = input(&ok);
        i.excludes = vec!["[".into()];
        assert_eq!(field(i), "excludes");
        let mut i = input(&ok);
        i.max_delete_percent = 101;
        assert_eq!(field(i), "max_delete_percent");
        let mut i = input(&ok);
        i.parallel = 0;
        assert_eq!(field(i), "parallel");
        // A missing local folder is fine: the first sync creates it.
        assert!(check_job(&input(dir.path().join("new").to_str().unwrap())).is_ok());
    }

    #[test]
    fn server_round_trips_through_the_url() {
        let mut s = server();
        s.port = Some(1445);
        s.domain = Some("CORP".into());
        let u = smb_url(&s, "x").unwrap();
        let mut back = server_of(&u, Some("pw".into()));
        assert_eq!(back, s);
        back.password = None;
        assert_eq!(server_of(&u, None), back);
    }
}
