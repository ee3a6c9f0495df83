//! AnemoneSync engine: two-way sync of local folders with SMB shares.
//!
//! A run reads top to bottom in [`sync`]: gather the three trees ([`sync::gather`]: [`scan`]
//! the local folder, list the [`remote`], load the synced state from [`db`]) -> reconcile
//! ([`reconcile`], a pure function of three trees) -> [`guard`] -> a dry run's counts
//! ([`sync::plan`]) or [`execute`] (which records each file in [`db`] as it finishes) ->
//! [`sync::cleanup`] -> [`sync::report`]. What every run shares (database, credentials, event
//! channel, a job's rules, excludes and remote) is the [`engine`]; live sync is [`service`].
//! Underneath: entries and trees ([`tree`]), paths ([`relpath`]), no-follow file access
//! ([`beneath`]), events and job states ([`events`]).

pub mod beneath;
pub mod credentials;
pub mod db;
pub mod engine;
pub mod events;
pub mod excludes;
pub mod execute;
pub mod fsmeta;
pub mod guard;
pub mod job_rules;
pub mod localio;
pub mod logging;
pub mod memory;
pub mod names;
pub mod private;
pub mod reconcile;
pub mod relpath;
pub mod remote;
pub mod scan;
pub mod scope;
pub mod service;
pub mod sync;
pub mod tree;
pub mod trigger;
pub mod url;
pub mod watch;
