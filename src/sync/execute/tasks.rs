//! The set of a run's transfer tasks, reaped as they finish.
//!
//! A finished tokio task keeps its allocation (sized for the whole async state machine of a
//! transfer, several KiB) until its handle is joined or dropped. A plain `JoinSet` joined only
//! at the end of a run therefore held one such cell per file: a first sync of 100,000 files
//! peaked at about 860 MiB and, the allocator keeping what it had, stayed there while idle.
//! Reaping finished tasks before each spawn bounds the set by the number running.

use std::future::Future;

use tokio::task::JoinSet;

pub(crate) struct Tasks {
    set: JoinSet<()>,
    /// The most tasks held at once (tests check it stays near the number running).
    most_held: usize,
}

impl Tasks {
    pub(crate) fn new() -> Tasks {
        Tasks {
            set: JoinSet::new(),
            most_held: 0,
        }
    }

    /// Frees every finished task, then starts `fut`.
    pub(crate) fn spawn<F>(&mut self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        while self.set.try_join_next().is_some() {}
        self.set.spawn(fut);
        self.most_held = self.most_held.max(self.set.len());
    }

    /// Waits for every task.
    pub(crate) async fn finish(&mut self) {
        while self.set.join_next().await.is_some() {}
    }

    #[cfg(test)]
    pub(crate) fn most_held(&self) -> usize {
        self.most_held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    /// Regression: finished tasks stayed in the set until the end of the run (one per file).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn holds_about_as_many_tasks_as_run_at_once() {
        let slots = 4;
        let sem = Arc::new(Semaphore::new(slots));
        let mut tasks = Tasks::new();
        for _ in 0..2000 {
            let permit = sem.clone().acquire_owned().await.unwrap();
            tasks.spawn(async move {
                tokio::task::yield_now().await;
                drop(permit);
            });
        }
        tasks.finish().await;
        assert!(
            tasks.most_held() <= 2 * slots,
            "held {} tasks at once for {slots} running",
            tasks.most_held()
        );
    }
}
