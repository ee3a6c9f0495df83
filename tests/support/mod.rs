//! Shared test support for the integration tests (one test binary, `tests/tests.rs`).
//!
//! - [`samba`]: a real Samba server on loopback, private or shared per test process.
//! - [`sync`]: a job driven through the real binary, and tree comparisons.
//! - [`proxy`]: a TCP proxy that keeps a copy of the stream (what crossed in clear).
//! - [`fault_proxy`]: a TCP proxy that delays, slows, stalls, cuts and redirects connections.
//! - [`packet_loss`]: packet loss on a loopback port with nftables.

#![allow(dead_code)]

pub mod fault_proxy;
pub mod live;
pub mod packet_loss;
pub mod proxy;
pub mod samba;
pub mod sync;
