//! Limits users ask for (issue 16, part 8): bandwidth limits and the pause on a metered
//! connection.
//!
//! - [`rate`]: a rate as people write it ("2MB/s", "500kB") and as we print it.
//! - [`bucket`]: the token buckets transfers draw from. One global bucket per direction caps
//!   all jobs of this process together; each job has its own bucket per direction that caps it
//!   further. A transfer waits for both, so a job runs at most at the lower of its own limit
//!   and what the global limit leaves it. (Two processes, the app and a `watch`, each have
//!   their own buckets.)
//! - [`settings`]: where the limits and the metered setting are stored (the state database,
//!   so the CLI and the app share them) and the engine calls that read and change them. A
//!   change takes effect at once for the global limits and for a job's own, including
//!   transfers already running.
//! - [`metered`]: whether the connection is metered (NetworkManager over D-Bus on Linux).

pub mod bucket;
pub mod metered;
pub mod rate;
pub mod settings;

pub use bucket::{Buckets, Throttle, TokenBucket};
pub use rate::{format_rate, parse_rate, RateError};
pub use settings::Limits;
