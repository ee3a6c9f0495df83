//! The single integration-test binary: every scenario file is a module here, so they share one
//! lazily started Samba server (`support::samba::SambaServer::shared()`).

mod engine_api;
mod hostile_remote;
mod layers;
mod limits;
mod live_sync;
mod offline;
mod reconcile;
mod resilience;
mod scenarios;
mod security;
mod smb_remote;
mod support;
mod trash;
