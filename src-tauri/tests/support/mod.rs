//! Helpers of the end-to-end tests.

pub mod app;
pub mod procs;
pub mod tray_host;
pub mod trees;
pub mod webdriver;
pub mod x11;
