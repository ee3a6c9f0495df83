//! Sync scenarios against a real Samba server, through the `anemone-sync` binary, by theme.
//! Each ends by comparing the two trees (or, for one-way modes and pending conflicts, by
//! stating exactly what differs).

mod conflicts;
mod failures;
mod first_sync;
mod modes;
mod moves;
mod propagation;
mod safety;
mod two_clients;
