//! AnemoneSync engine: two-way sync of local folders with SMB shares.
//!
//! The pipeline, one module per stage:
//! scan ([`scan`]) -> reconcile ([`reconcile`], a pure function of three trees) ->
//! execute ([`execute`]) -> record ([`db`]). Around it: jobs and settings ([`db`]), remote URLs
//! ([`url`]), credentials ([`credentials`]), the remote side ([`remote`]), events and job
//! states ([`events`]).

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
pub mod tree;
pub mod trigger;
pub mod url;
pub mod watch;
