//! AnemoneSync engine: two-way sync of local folders with SMB shares.
//!
//! The folders show the layers, top down:
//! - [`service`]: live sync, one worker per job (triggers, coalescing, when each run is due);
//! - [`sync`]: one run, top to bottom: [`sync::gather`] the three trees ([`scan`] the local
//!   folder, list the remote [`replica`], load the synced state from [`db`]) ->
//!   [`sync::reconcile`] (pure) -> [`sync::guard`] -> [`sync::plan`] (pure: order and totals)
//!   -> [`sync::execute`] (which writes each finished file through
//!   [`sync::record`]) -> [`sync::cleanup`] -> [`sync::report`];
//! - [`engine`]: what every run shares (database, credentials, event channel, a job's rules,
//!   excludes and replica); [`jobs`]: the job API (add, edit, remove, a new password) the CLI
//!   and the app call, over [`job_spec`] (what a user sets, checked field by field) and
//!   [`job_rules`] (against the other jobs);
//! - [`replica`]: one trait for both sides of a job, a folder ([`replica::dir`]) or an SMB share
//!   ([`replica::smb`]);
//! - underneath, the words every layer shares: what a job asks ([`policy`]), entries and trees
//!   ([`tree`]), paths ([`relpath`]), events and job states ([`events`]), no-follow file access
//!   ([`beneath`]).
//!
//! Imports point down this list, never up.

pub mod beneath;
pub mod credentials;
pub mod db;
pub mod engine;
pub mod events;
pub mod excludes;
pub mod fsmeta;
pub mod job_rules;
pub mod job_spec;
pub mod jobs;
pub mod limits;
pub mod localio;
pub mod logging;
pub mod memory;
pub mod names;
pub mod policy;
pub mod private;
pub mod relpath;
pub mod replica;
pub mod scan;
pub mod scope;
pub mod service;
pub mod settings_file;
pub mod sync;
pub mod trash;
pub mod tree;
pub mod trigger;
pub mod url;
pub mod watch;
pub mod words;
