//! Where SMB passwords live: the OS keyring (Keychain, Windows Credential Manager, Secret
//! Service), or, where no keyring service runs (a headless Linux box, CI), a file in the data
//! dir readable only by its owner (0600).
//!
//! The file store obfuscates each password with a random per-install key kept in a second 0600
//! file, so a grep over the data folder or a glance at the file does not show it. That is not
//! encryption: the protection is the file permissions, as with `~/.smbcredentials`.
//! `ANEMONE_SYNC_CREDENTIAL_STORE=file|keyring` forces one store.
//!
//! A password never goes into the job table, a log line or an error message.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::url::SmbUrl;

const SERVICE: &str = "anemone-sync";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Keyring,
    File,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot use the credential file {path}: {source}; check that it and its folder belong to you and are readable, then try again")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The store is there but cannot be read as ours: never treated as empty (that would drop
    /// every stored password without a word).
    #[error("the credential store {path} cannot be read: {why}. Nothing was changed. Move it aside (or restore it from a backup), then store the passwords again with `anemone-sync job set-password NAME --password-stdin`")]
    Damaged { path: PathBuf, why: String },
}

pub struct Credentials {
    data_dir: PathBuf,
}

/// The key a password is stored under: who logs in where. No secret in it.
pub fn account(url: &SmbUrl) -> String {
    let mut s = String::new();
    if let Some(d) = &url.domain {
        s.push_str(d);
        s.push(';');
    }
    s.push_str(&url.user);
    s.push('@');
    s.push_str(&url.host);
    if let Some(p) = url.port {
        s.push_str(&format!(":{p}"));
    }
    s
}

impl Credentials {
    pub fn new(data_dir: &Path) -> Self {
        Credentials {
            data_dir: data_dir.to_path_buf(),
        }
    }

    fn file_path(&self) -> PathBuf {
        self.data_dir.join("credentials")
    }

    fn key_path(&self) -> PathBuf {
        self.data_dir.join("credentials.key")
    }

    /// The store new passwords go to.
    pub fn store_in_use(&self) -> StoreKind {
        match std::env::var("ANEMONE_SYNC_CREDENTIAL_STORE").as_deref() {
            Ok("file") => return StoreKind::File,
            Ok("keyring") => return StoreKind::Keyring,
            _ => {}
        }
        if keyring_available() {
            StoreKind::Keyring
        } else {
            StoreKind::File
        }
    }

    /// A sentence for `status`: which store, and where.
    pub fn describe_store(&self) -> String {
        match self.store_in_use() {
            StoreKind::Keyring => "OS keyring".to_string(),
            StoreKind::File => format!(
                "file {} (mode 0600; no OS keyring service was found)",
                self.file_path().display()
            ),
        }
    }

    pub fn set(&self, url: &SmbUrl, password: &str) -> Result<StoreKind, CredentialError> {
        let acct = account(url);
        if self.store_in_use() == StoreKind::Keyring {
            let stored = off_runtime(|| {
                keyring::Entry::new(SERVICE, &acct).and_then(|e| e.set_password(password))
            });
            match stored {
                Ok(()) => return Ok(StoreKind::Keyring),
                Err(e) => {
                    tracing::warn!(account = %acct, error = %e, "keyring refused the password; using the credential file")
                }
            }
        }
        let mut all = self.read_file()?;
        let hidden = self.obfuscate(password, &all)?;
        all.insert(acct, hidden);
        self.write_file(&all)?;
        Ok(StoreKind::File)
    }

    /// The stored password; `None` when there is none (a guest login, or not stored yet).
    pub fn get(&self, url: &SmbUrl) -> Result<Option<String>, CredentialError> {
        let acct = account(url);
        if std::env::var("ANEMONE_SYNC_CREDENTIAL_STORE").as_deref() != Ok("file") {
            let found =
                off_runtime(|| keyring::Entry::new(SERVICE, &acct).and_then(|e| e.get_password()));
            if let Ok(p) = found {
                return Ok(Some(p));
            }
        }
        let all = self.read_file()?;
        match all.get(&acct) {
            Some(v) => Ok(Some(self.deobfuscate(v, &all)?)),
            None => Ok(None),
        }
    }

    pub fn delete(&self, url: &SmbUrl) -> Result<(), CredentialError> {
        let acct = account(url);
        off_runtime(|| {
            if let Ok(entry) = keyring::Entry::new(SERVICE, &acct) {
                let _ = entry.delete_credential();
            }
        });
        let mut all = self.read_file()?;
        if all.remove(&acct).is_some() {
            self.write_file(&all)?;
        }
        Ok(())
    }

    fn read_file(&self) -> Result<BTreeMap<String, String>, CredentialError> {
        let path = self.file_path();
        match fs::read_to_string(&path) {
            Ok(s) => serde_json::from_str(&s).map_err(|e| CredentialError::Damaged {
                path,
                why: format!("it is not a credential file ({e})"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(source) => Err(CredentialError::File { path, source }),
        }
    }

    fn write_file(&self, all: &BTreeMap<String, String>) -> Result<(), CredentialError> {
        let path = self.file_path();
        let text = serde_json::to_string_pretty(all).unwrap_or_default();
        write_private(&path, text.as_bytes())
            .map_err(|source| CredentialError::File { path, source })
    }

    /// The key the stored passwords are obfuscated with. A new one is made only when there is
    /// none and no password was stored with the old one: a key that cannot be read, or is
    /// missing while passwords are stored, is an error (a new key would garble them all).
    fn key(&self, stored: &BTreeMap<String, String>) -> Result<Vec<u8>, CredentialError> {
        let path = self.key_path();
        match fs::read(&path) {
            Ok(k) if k.len() == 32 => Ok(k),
            Ok(k) => Err(CredentialError::Damaged {
                path,
                why: format!("the key is {} bytes long instead of 32", k.len()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && stored.is_empty() => {
                let k: [u8; 32] = rand::random();
                write_private(&path, &k)
                    .map_err(|source| CredentialError::File { path, source })?;
                Ok(k.to_vec())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CredentialError::Damaged {
                path,
                why: "the key is missing, so the stored passwords cannot be decoded".into(),
            }),
            Err(source) => Err(CredentialError::File { path, source }),
        }
    }

    fn obfuscate(
        &self,
        password: &str,
        stored: &BTreeMap<String, String>,
    ) -> Result<String, CredentialError> {
        let key = self.key(stored)?;
        Ok(password
            .bytes()
            .enumerate()
            .map(|(i, b)| format!("{:02x}", b ^ key[i % key.len()]))
            .collect())
    }

    fn deobfuscate(
        &self,
        hex: &str,
        stored: &BTreeMap<String, String>,
    ) -> Result<String, CredentialError> {
        let key = self.key(stored)?;
        let damaged = |why: &str| CredentialError::Damaged {
            path: self.file_path(),
            why: why.to_string(),
        };
        if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(damaged("an entry is not in the expected form"));
        }
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .enumerate()
            .map(|(i, b)| b ^ key[i % key.len()])
            .collect();
        String::from_utf8(bytes).map_err(|_| {
            damaged("an entry does not decode with the key beside it (was the key replaced?)")
        })
    }
}

/// Runs a keyring call on a thread of its own. The Secret Service client blocks on a runtime
/// it starts itself, which panics inside a tokio runtime (and the engine always runs in one).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("keyring thread panicked"))
}

/// Whether a keyring service answers. A missing entry means it works.
fn keyring_available() -> bool {
    off_runtime(|| match keyring::Entry::new(SERVICE, "probe") {
        Ok(e) => matches!(e.get_password(), Ok(_) | Err(keyring::Error::NoEntry)),
        Err(_) => false,
    })
}

/// Where `path` is written before it replaces the old one: its own name plus a suffix, so two
/// files (the credentials and their key) never share a temp.
fn temp_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp-write");
    path.with_file_name(name)
}

/// Writes a file readable only by its owner, replacing it atomically.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = temp_of(path);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the Secret Service client panicked when probed from inside a tokio runtime
    /// ("Cannot start a runtime from within a runtime"), so `job add --password-stdin` and
    /// `status` crashed on any machine without a forced store.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keyring_probe_inside_a_runtime_does_not_panic() {
        let _ = keyring_available();
    }

    #[test]
    fn file_store_round_trip_without_clear_text() {
        std::env::set_var("ANEMONE_SYNC_CREDENTIAL_STORE", "file");
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::new(dir.path());
        let url = match crate::url::RemoteUrl::parse("smb://alice@nas/share").unwrap() {
            crate::url::RemoteUrl::Smb(u) => u,
            _ => unreachable!(),
        };
        assert_eq!(c.set(&url, "s3cret-Pässword").unwrap(), StoreKind::File);
        assert_eq!(c.get(&url).unwrap().as_deref(), Some("s3cret-Pässword"));
        let on_disk = fs::read(dir.path().join("credentials")).unwrap();
        assert!(!String::from_utf8_lossy(&on_disk).contains("s3cret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("credentials"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        c.delete(&url).unwrap();
        assert_eq!(c.get(&url).unwrap(), None);
    }

    fn url(s: &str) -> SmbUrl {
        match crate::url::RemoteUrl::parse(s).unwrap() {
            crate::url::RemoteUrl::Smb(u) => u,
            _ => unreachable!(),
        }
    }

    /// Regression (issue 12): an unparsable credential file was read as empty and a key that
    /// could not be read was silently replaced, so every stored password was lost without a
    /// word (and the next `set` wrote over them).
    #[test]
    fn a_damaged_store_is_an_error_that_says_what_to_do_and_is_left_as_it_was() {
        std::env::set_var("ANEMONE_SYNC_CREDENTIAL_STORE", "file");
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::new(dir.path());
        let (a, b) = (url("smb://alice@nas/share"), url("smb://bob@nas/share"));
        c.set(&a, "alice-pw").unwrap();
        let file = dir.path().join("credentials");
        let key = dir.path().join("credentials.key");

        // An unparsable file.
        let good = fs::read(&file).unwrap();
        fs::write(&file, "{ not json").unwrap();
        for e in [c.get(&a).unwrap_err(), c.set(&b, "bob-pw").unwrap_err()] {
            let m = e.to_string();
            assert!(
                m.contains("cannot be read") && m.contains("set-password"),
                "{m}"
            );
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), "{ not json");
        fs::write(&file, &good).unwrap();

        // A missing key while passwords are stored: not replaced by a new one.
        let k = fs::read(&key).unwrap();
        fs::remove_file(&key).unwrap();
        assert!(c.get(&a).is_err());
        assert!(c.set(&b, "bob-pw").is_err());
        assert!(!key.exists(), "no new key was made over stored passwords");
        // A key of the wrong length.
        fs::write(&key, b"short").unwrap();
        assert!(c.get(&a).is_err());
        assert_eq!(fs::read(&key).unwrap(), b"short");
        fs::write(&key, &k).unwrap();
        assert_eq!(c.get(&a).unwrap().as_deref(), Some("alice-pw"));
    }

    /// Regression (issue 12): the credential file and its key were written through the same
    /// temp name (`credentials.tmp-write`).
    #[test]
    fn the_file_and_its_key_have_their_own_temp_names() {
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::new(dir.path());
        let (f, k) = (c.file_path(), c.key_path());
        assert_ne!(temp_of(&f), temp_of(&k));
        write_private(&f, b"{}").unwrap();
        write_private(&k, &[7u8; 32]).unwrap();
        assert_eq!(fs::read(&k).unwrap(), vec![7u8; 32]);
        assert_eq!(fs::read(&f).unwrap(), b"{}");
        assert!(!temp_of(&f).exists() && !temp_of(&k).exists());
    }
}
