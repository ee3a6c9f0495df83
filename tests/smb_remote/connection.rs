//! Connecting and losing the connection: wrong password, closed port, missing share or folder,
//! a server restart, a hung server.

use std::time::Duration;

use anemone_sync::replica::smb::{test_connection, SmbOptions, SmbReplica};
use anemone_sync::replica::{Replica, ReplicaErrorKind};

use super::*;
use crate::support::samba::SambaServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_password_is_auth_without_the_password() {
    let srv = SambaServer::shared();
    let secret = "Wr0ng-Secret-xyzzy";
    let err = SmbReplica::connect(&srv.url(""), secret, opts())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ReplicaErrorKind::Auth, "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(
        err.message.contains("check the user name and password"),
        "{err}"
    );
    assert!(err.message.contains("127.0.0.1"), "{err}");

    let e = test_connection(&srv.url(""), secret, opts())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::Auth);

    // Neither the remote's Debug nor describe() carries the (right) password.
    let remote = SmbReplica::connect(&srv.url(""), srv.password(), opts())
        .await
        .unwrap();
    let d = format!("{remote:?} {}", remote.describe());
    assert!(!d.contains(srv.password()), "{d}");
    assert_eq!(
        remote.describe(),
        format!("smb://{}@127.0.0.1:{}/sync", srv.user(), srv.port())
    );
    assert!(remote.case_insensitive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closed_port_is_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut url = SambaServer::shared().url("");
    url.port = Some(port);
    let e = SmbReplica::connect(&url, "x", opts()).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::Unreachable, "{e}");
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e}");
    assert!(e.message.contains("check host and port"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn missing_share_and_missing_folder() {
    let srv = SambaServer::shared();
    let mut url = srv.url("");
    url.share = "nosuchshare".into();
    let e = SmbReplica::connect(&url, srv.password(), opts())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NoSuchShare, "{e}");
    assert!(
        e.message.contains("check the share name on 127.0.0.1"),
        "{e}"
    );

    let url = srv.url("no/such/folder");
    let e = test_connection(&url, srv.password(), opts())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NotFound, "{e}");
    let (_dir, url) = srv.folder("exists");
    test_connection(&url, srv.password(), opts()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconnect_after_server_restart() {
    let srv = SambaServer::start();
    let (dir, url) = srv.folder("restart");
    let remote = SmbReplica::connect(&url, srv.password(), opts())
        .await
        .unwrap();
    put(&remote, "before", b"1").await;

    srv.kill();
    let e = remote.stat(&rp("before")).await.unwrap_err();
    assert!(e.kind.is_connection_lost(), "{e:?}");
    let e = remote.list("").await.unwrap_err();
    assert!(e.kind.is_connection_lost(), "{e:?}");
    let e = remote.reconnect().await.unwrap_err();
    // Nothing listens on the port while the server is down: refused.
    assert_eq!(e.kind, ReplicaErrorKind::Unreachable, "{e}");

    srv.start_again();
    remote.reconnect().await.unwrap();
    assert_eq!(remote.stat(&rp("before")).await.unwrap().unwrap().size, 1);
    put(&remote, "after", b"22").await;
    assert_eq!(std::fs::read(dir.join("after")).unwrap(), b"22");
    assert_eq!(remote.list("").await.unwrap().entries.len(), 2);
    assert_eq!(get(&remote, "before").await, b"1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hung_server_times_out() {
    let srv = SambaServer::start();
    let (_dir, url) = srv.folder("hung");
    // Short enough to keep the test quick, long enough that connecting and the first write
    // never miss it on a loaded 2-core CI machine (2 s did, once).
    let o = SmbOptions {
        timeout: Duration::from_secs(5),
        ..SmbOptions::default()
    };
    let remote = SmbReplica::connect(&url, srv.password(), o.clone())
        .await
        .unwrap();
    put(&remote, "f", b"1").await;
    let pids = srv.pids();
    for p in &pids {
        unsafe { libc::kill(*p, libc::SIGSTOP) };
    }
    let stat = tokio::time::timeout(Duration::from_secs(60), remote.stat(&rp("f"))).await;
    let list = tokio::time::timeout(Duration::from_secs(60), remote.list("")).await;
    let read = tokio::time::timeout(Duration::from_secs(60), async {
        remote.open_read(&rp("f")).await.map(|_| ())
    })
    .await;
    let connect = tokio::time::timeout(
        Duration::from_secs(60),
        SmbReplica::connect(&url, srv.password(), o),
    )
    .await;
    for p in &pids {
        unsafe { libc::kill(*p, libc::SIGCONT) };
    }
    for (what, r) in [
        ("stat", stat.map(|r| r.map(|_| ()))),
        ("list", list.map(|r| r.map(|_| ()))),
        ("open", read),
        ("connect", connect.map(|r| r.map(|_| ()))),
    ] {
        let e = r
            .unwrap_or_else(|_| panic!("{what} hung past 60 s"))
            .unwrap_err();
        assert_eq!(e.kind, ReplicaErrorKind::Timeout, "{what}: {e}");
    }
}

/// What a person reads for each way a connection fails against the real server (issue 16):
/// one sentence per class that names the server or share and says what to do, no protocol
/// text, no password; the technical text kept as the detail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connection_failures_read_as_sentences() {
    use anemone_sync::words::{explain_remote, ErrorClass};
    let srv = SambaServer::shared();
    let secret = "Wr0ng-Secret-words";
    let check = |e: &anemone_sync::replica::ReplicaError, class: ErrorClass, names: &str| {
        let w = explain_remote(e);
        assert_eq!(w.class, class, "{e}");
        assert!(w.sentence.contains(names), "{class:?}: {}", w.sentence);
        let lower = w.sentence.to_lowercase();
        for raw in [
            "0xc0",
            "unexpected message status",
            "failed to lookup",
            "os error",
            "smb://",
            secret,
        ] {
            assert!(
                !lower.contains(&raw.to_lowercase()),
                "{class:?}: {raw:?} in {}",
                w.sentence
            );
        }
        let detail = w.detail.expect("the technical text is kept");
        assert!(!detail.contains(secret), "{detail}");
        w.sentence
    };

    // A wrong password.
    let e = test_connection(&srv.url(""), secret, opts())
        .await
        .unwrap_err();
    let s = check(&e, ErrorClass::BadCredentials, "127.0.0.1");
    assert_eq!(
        s,
        "The server 127.0.0.1 did not accept the user name or password. Check them and try again."
    );
    assert!(
        e.message.contains("0xc000006d") || e.message.to_lowercase().contains("logon"),
        "{e}"
    );

    // A host name that does not resolve (".invalid" never does, RFC 2606).
    let mut url = srv.url("");
    url.host = "no-such-host.invalid".into();
    let e = test_connection(&url, srv.password(), opts())
        .await
        .unwrap_err();
    check(&e, ErrorClass::HostNotFound, "no-such-host.invalid");

    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut url = srv.url("");
    url.port = Some(port);
    let e = test_connection(&url, srv.password(), opts())
        .await
        .unwrap_err();
    check(
        &e,
        ErrorClass::HostUnreachable,
        &format!("127.0.0.1:{port}"),
    );

    // A share that does not exist.
    let mut url = srv.url("");
    url.share = "nosuchshare".into();
    let e = test_connection(&url, srv.password(), opts())
        .await
        .unwrap_err();
    check(&e, ErrorClass::ShareNotFound, "\"nosuchshare\"");

    // A folder that does not exist on the share.
    let url = srv.url("no/such/folder");
    let e = test_connection(&url, srv.password(), opts())
        .await
        .unwrap_err();
    check(&e, ErrorClass::FolderNotFound, "no/such/folder");
}
