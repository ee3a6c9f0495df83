//! SMB remote: placeholder until the SMB implementation lands.

use std::time::Duration;

use super::{RemoteError, RemoteErrorKind, RemoteResult};
use crate::url::SmbUrl;

#[derive(Clone, Debug)]
pub struct SmbOptions {
    pub timeout: Duration,
}

impl Default for SmbOptions {
    fn default() -> Self {
        SmbOptions {
            timeout: Duration::from_secs(10),
        }
    }
}

pub struct SmbRemote;

impl SmbRemote {
    pub async fn connect(
        _url: &SmbUrl,
        _password: &str,
        _opts: SmbOptions,
    ) -> RemoteResult<SmbRemote> {
        Err(RemoteError::new(
            RemoteErrorKind::Other,
            "SMB support is not built in yet",
        ))
    }
}

fn unavailable<T>() -> RemoteResult<T> {
    Err(RemoteError::new(
        RemoteErrorKind::Other,
        "SMB support is not built in yet",
    ))
}

#[async_trait::async_trait]
impl super::Remote for SmbRemote {
    fn describe(&self) -> String {
        "smb".into()
    }
    fn case_insensitive(&self) -> bool {
        true
    }
    async fn check_root(&self) -> RemoteResult<()> {
        unavailable()
    }
    async fn list(&self, _: &str) -> RemoteResult<Vec<super::RemoteEntry>> {
        unavailable()
    }
    async fn stat(&self, _: &crate::relpath::RelPath) -> RemoteResult<Option<super::RemoteEntry>> {
        unavailable()
    }
    async fn create_dir(&self, _: &crate::relpath::RelPath) -> RemoteResult<()> {
        unavailable()
    }
    async fn remove_dir(&self, _: &crate::relpath::RelPath) -> RemoteResult<()> {
        unavailable()
    }
    async fn remove_file(&self, _: &crate::relpath::RelPath) -> RemoteResult<()> {
        unavailable()
    }
    async fn rename(
        &self,
        _: &crate::relpath::RelPath,
        _: &crate::relpath::RelPath,
        _: bool,
    ) -> RemoteResult<()> {
        unavailable()
    }
    async fn open_read(
        &self,
        _: &crate::relpath::RelPath,
    ) -> RemoteResult<std::sync::Arc<dyn super::RemoteReader>> {
        unavailable()
    }
    async fn open_write(
        &self,
        _: &crate::relpath::RelPath,
        _: bool,
    ) -> RemoteResult<std::sync::Arc<dyn super::RemoteWriter>> {
        unavailable()
    }
    async fn reconnect(&self) -> RemoteResult<()> {
        unavailable()
    }
}
