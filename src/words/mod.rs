//! Words for people: the one place that decides how errors, sizes, durations, counts and
//! activities read, shared by the CLI, the tray and (through the app's bridge) the window.
//! The window's TypeScript twin of [`bytes`] and [`count`] is `ui/src/lib/format.ts`; the two
//! are tested against the same table of cases.

pub mod activity;
pub mod bytes;
pub mod count;
pub mod errors;

pub use activity::activity_label;
pub use bytes::{format_bytes, format_rate};
pub use count::{format_duration_ms, plural};
pub use errors::{explain_file, explain_remote, explain_sync, ErrorClass, Explained};
