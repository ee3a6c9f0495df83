//! The single integration-test binary: every scenario file is a module here, so they share one
//! lazily started Samba server (`support::samba::SambaServer::shared()`).

mod engine_api;
mod live_sync;
mod reconcile_props;
mod smb_remote;
mod support;
mod sync_scenarios;
