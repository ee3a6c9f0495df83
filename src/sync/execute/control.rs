//! Stopping a run from outside (pause, quit, shutdown), in two steps:
//! - `stop`: no new action starts; transfers in flight finish and are recorded;
//! - `cut`: transfers in flight are abandoned as they are. Their temps stay (never a partial
//!   file under a real name) and the resume record lets the next run continue them.
//!
//! A run that was stopped ends with status `interrupted`; what it did not do, the next run does.

use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default)]
pub struct RunControl {
    stop: CancellationToken,
    cut: CancellationToken,
}

impl RunControl {
    pub fn new() -> RunControl {
        RunControl::default()
    }

    /// No new action starts.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Stop, and abandon the transfers in flight.
    pub fn cut(&self) {
        self.stop.cancel();
        self.cut.cancel();
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    pub fn is_cut(&self) -> bool {
        self.cut.is_cancelled()
    }

    /// Resolves when the run is cut.
    pub async fn cut_requested(&self) {
        self.cut.cancelled().await
    }
}
