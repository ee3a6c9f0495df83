//! A remote that fails on purpose (issue 13): wraps any [`Replica`] and injects the faults a
//! real server shows, so retry, reconnect, resume and clean-up are tested without one:
//! - [`Fault`]: fail the Nth call (or the first N, or every call) of one operation, optionally
//!   only on one file (its temps included), with a chosen [`ReplicaErrorKind`];
//! - a cut after K bytes written or read ([`FaultyReplica::cut_after_written`],
//!   [`FaultyReplica::cut_after_read`]): the write that crosses the mark lands only up to it,
//!   then every call fails with `Connection` until [`Replica::reconnect`] succeeds (it can be
//!   made to fail M times first, [`FaultyReplica::fail_reconnects`]);
//! - a delay on every call, or on one operation;
//! - counters of calls per operation and of bytes moved, so a test can check what the engine
//!   did (a move was one rename, a resumed upload wrote only the rest), and of how many calls
//!   of one operation were waiting out their delay at once (how much the engine overlaps).
//!
//! Like an SMB connection, a reader or writer opened before a cut stays dead after the
//! reconnect: the engine must open the file again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::{
    Chunk, ConnectionSecurity, FileReader, FileWriter, Listing, Replica, ReplicaError,
    ReplicaErrorKind, ReplicaResult,
};
use crate::relpath::RelPath;
use crate::tree::Entry;

/// An operation of a remote, a reader or a writer, as faults and counters name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    CheckRoot,
    List,
    ListDir,
    Stat,
    CreateDir,
    RemoveDir,
    RemoveFile,
    Rename,
    OpenRead,
    ReadWhole,
    OpenWrite,
    Reconnect,
    /// `FileReader::read_at`.
    Read,
    /// `FileReader::close`.
    CloseRead,
    /// `FileWriter::len`.
    WriterLen,
    /// `FileWriter::write_at`.
    Write,
    SetLen,
    SetMtime,
    /// `FileWriter::close`.
    CloseWrite,
    /// `FileWriter::finish`.
    Finish,
}

/// A rule: which calls fail, and how.
#[derive(Clone, Debug)]
pub struct Fault {
    op: Op,
    file: Option<RelPath>,
    kind: ReplicaErrorKind,
    /// Matching calls let through before the first failure.
    skip: u64,
    /// How many matching calls fail after those (`None`: all).
    times: Option<u64>,
    /// Matching calls seen so far.
    seen: u64,
    /// The call is carried out first, then fails: its answer is lost.
    after: bool,
}

impl Fault {
    /// Every call of `op` fails with `kind`. A `Connection` or `Timeout` fault also drops the
    /// connection, as a real one would.
    pub fn new(op: Op, kind: ReplicaErrorKind) -> Fault {
        Fault {
            op,
            file: None,
            kind,
            skip: 0,
            times: None,
            seen: 0,
            after: false,
        }
    }

    /// The call is carried out, and then fails as if its answer were lost on the way back
    /// (with a `Connection` kind, the connection drops). Only `finish` honours it.
    pub fn answer_lost(mut self) -> Fault {
        self.after = true;
        self
    }

    /// Only calls on `path` or on one of our temp names for it (`NAME.<id>.anemone-*`); a
    /// rename or `finish` matches by either of its paths.
    pub fn file(mut self, path: &str) -> Fault {
        self.file = Some(RelPath::new(path).expect("a valid path"));
        self
    }

    /// Only the `n`th matching call (from 1).
    pub fn nth(mut self, n: u64) -> Fault {
        assert!(n >= 1);
        self.skip = n - 1;
        self.times = Some(1);
        self
    }

    /// Only the first `n` matching calls.
    pub fn first(mut self, n: u64) -> Fault {
        self.skip = 0;
        self.times = Some(n);
        self
    }

    fn matches(&self, op: Op, paths: &[&RelPath]) -> bool {
        if op != self.op {
            return false;
        }
        let Some(want) = &self.file else {
            return true;
        };
        paths.iter().any(|p| {
            *p == want
                || (p.parent() == want.parent()
                    && crate::names::parse_temp_name(p.name())
                        .is_some_and(|(real, _)| real == want.name()))
        })
    }
}

/// A byte budget before the connection is cut.
#[derive(Clone, Copy, Debug)]
struct Cut {
    left: u64,
}

#[derive(Default)]
struct State {
    faults: Vec<Fault>,
    cut_write: Option<Cut>,
    cut_read: Option<Cut>,
    /// The connection is down: every call fails until a reconnect succeeds.
    down: bool,
    /// Reconnects still to refuse.
    reconnect_failures: u64,
    /// Bumped by each successful reconnect; handles of an older one are dead.
    generation: u64,
    delay: Duration,
    op_delay: BTreeMap<Op, Duration>,
    calls: BTreeMap<Op, u64>,
    /// Calls of each operation in their delay now, and the most there were at once.
    delayed_now: BTreeMap<Op, u64>,
    delayed_most: BTreeMap<Op, u64>,
    bytes_written: u64,
    bytes_read: u64,
}

struct Core {
    inner: Arc<dyn Replica>,
    state: Mutex<State>,
}

fn lost(what: &str) -> ReplicaError {
    ReplicaError::new(
        ReplicaErrorKind::Connection,
        format!("connection lost ({what}, injected)"),
    )
}

impl Core {
    /// Counts a call, waits its delay, then lets it through or fails it: the connection is
    /// down, the handle belongs to a lost connection, or a fault matches.
    async fn enter(&self, op: Op, paths: &[&RelPath], handle: Option<u64>) -> ReplicaResult<()> {
        let delay = {
            let mut s = self.state.lock().unwrap();
            *s.calls.entry(op).or_default() += 1;
            s.op_delay.get(&op).copied().unwrap_or(s.delay)
        };
        if !delay.is_zero() {
            let _waiting = Waiting::enter(&self.state, op);
            tokio::time::sleep(delay).await;
        }
        let mut s = self.state.lock().unwrap();
        if s.down && op != Op::Reconnect {
            return Err(lost("the connection is down"));
        }
        if handle.is_some_and(|g| g != s.generation) {
            return Err(lost("a handle of a connection that was lost"));
        }
        Self::fail_if_hit(&mut s, op, paths, false)
    }

    /// After a call was carried out: fails it when an `answer_lost` fault matches.
    fn leave(&self, op: Op, paths: &[&RelPath]) -> ReplicaResult<()> {
        let mut s = self.state.lock().unwrap();
        Self::fail_if_hit(&mut s, op, paths, true)
    }

    /// Counts the call against the faults of its kind (`after`: those that fail a call once
    /// done) and fails it when one hits.
    fn fail_if_hit(s: &mut State, op: Op, paths: &[&RelPath], after: bool) -> ReplicaResult<()> {
        let mut failed = None;
        for f in s
            .faults
            .iter_mut()
            .filter(|f| f.after == after && f.matches(op, paths))
        {
            f.seen += 1;
            let hit = f.seen > f.skip && f.times.is_none_or(|t| f.seen <= f.skip + t);
            if hit && failed.is_none() {
                failed = Some(f.kind);
            }
        }
        match failed {
            None => Ok(()),
            Some(kind) => {
                if kind.is_connection_lost() {
                    s.down = true;
                }
                let shown: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
                Err(ReplicaError::new(
                    kind,
                    format!("{op:?} {shown:?}: {kind:?} (injected)"),
                ))
            }
        }
    }

    fn generation(&self) -> u64 {
        self.state.lock().unwrap().generation
    }

    /// How many of `n` bytes may be written before the cut; `Err` after the cut happened
    /// (the connection is then down).
    fn take_write(&self, n: u64) -> (u64, bool) {
        let mut s = self.state.lock().unwrap();
        match &mut s.cut_write {
            None => (n, false),
            Some(c) if c.left >= n => {
                c.left -= n;
                (n, false)
            }
            Some(c) => {
                let allowed = c.left;
                s.cut_write = None;
                s.down = true;
                (allowed, true)
            }
        }
    }

    /// Whether reading `n` more bytes crosses the read cut (which then happens).
    fn take_read(&self, n: u64) -> bool {
        let mut s = self.state.lock().unwrap();
        match &mut s.cut_read {
            None => false,
            Some(c) if c.left >= n => {
                c.left -= n;
                false
            }
            Some(_) => {
                s.cut_read = None;
                s.down = true;
                true
            }
        }
    }
}

/// A call waiting out its delay, counted in `delayed_now` until it is done or dropped.
struct Waiting<'a> {
    state: &'a Mutex<State>,
    op: Op,
}

impl<'a> Waiting<'a> {
    fn enter(state: &'a Mutex<State>, op: Op) -> Waiting<'a> {
        let mut s = state.lock().unwrap();
        let now = {
            let n = s.delayed_now.entry(op).or_default();
            *n += 1;
            *n
        };
        let most = s.delayed_most.entry(op).or_default();
        *most = (*most).max(now);
        Waiting { state, op }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = s.delayed_now.get_mut(&self.op) {
            *n -= 1;
        }
    }
}

/// See the module documentation.
pub struct FaultyReplica {
    core: Arc<Core>,
}

impl FaultyReplica {
    pub fn new(inner: Arc<dyn Replica>) -> FaultyReplica {
        FaultyReplica {
            core: Arc::new(Core {
                inner,
                state: Mutex::new(State::default()),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.core.state.lock().unwrap()
    }

    /// Adds a rule.
    pub fn fail(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    /// Cuts the connection once `k` more bytes were written (through any writer).
    pub fn cut_after_written(&self, k: u64) {
        self.state().cut_write = Some(Cut { left: k });
    }

    /// Cuts the connection once `k` more bytes were read (through any reader).
    pub fn cut_after_read(&self, k: u64) {
        self.state().cut_read = Some(Cut { left: k });
    }

    /// Drops the connection now.
    pub fn cut_now(&self) {
        self.state().down = true;
    }

    /// The next `m` reconnects fail (`u64::MAX`: the server never comes back).
    pub fn fail_reconnects(&self, m: u64) {
        self.state().reconnect_failures = m;
    }

    /// Every call waits `d` first.
    pub fn set_delay(&self, d: Duration) {
        self.state().delay = d;
    }

    /// Calls of `op` wait `d` first (instead of the delay of every call).
    pub fn set_op_delay(&self, op: Op, d: Duration) {
        self.state().op_delay.insert(op, d);
    }

    /// The server is back and well: no rules, cuts, delays or refused reconnects, and the
    /// connection up. Counters are kept.
    pub fn heal(&self) {
        let mut s = self.state();
        s.faults.clear();
        (s.cut_write, s.cut_read) = (None, None);
        s.reconnect_failures = 0;
        s.delay = Duration::ZERO;
        s.op_delay.clear();
        if s.down {
            s.down = false;
            s.generation += 1;
        }
    }

    /// Whether the connection is down now.
    pub fn is_down(&self) -> bool {
        self.state().down
    }

    /// Calls of `op` so far (failed ones included).
    pub fn calls(&self, op: Op) -> u64 {
        self.state().calls.get(&op).copied().unwrap_or(0)
    }

    /// Bytes the inner remote took through `write_at` (a cut write counts what landed).
    /// The most calls of `op` that were waiting out their delay at the same time (0 without a
    /// delay on `op`): how many the engine had in flight at once.
    pub fn most_at_once(&self, op: Op) -> u64 {
        let s = self.state();
        s.delayed_most.get(&op).copied().unwrap_or(0)
    }

    pub fn bytes_written(&self) -> u64 {
        self.state().bytes_written
    }

    /// Bytes handed out by `read_at` and `read_whole`.
    pub fn bytes_read(&self) -> u64 {
        self.state().bytes_read
    }

    /// Zeroes the counters (between two runs of a test).
    pub fn reset_counts(&self) {
        let mut s = self.state();
        s.calls.clear();
        s.delayed_most.clear();
        (s.bytes_written, s.bytes_read) = (0, 0);
    }
}

#[async_trait]
impl Replica for FaultyReplica {
    fn describe(&self) -> String {
        format!("faulty {}", self.core.inner.describe())
    }

    fn case_insensitive(&self) -> bool {
        self.core.inner.case_insensitive()
    }

    fn security(&self) -> Option<ConnectionSecurity> {
        self.core.inner.security()
    }

    async fn check_root(&self) -> ReplicaResult<()> {
        self.core.enter(Op::CheckRoot, &[], None).await?;
        self.core.inner.check_root().await
    }

    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing> {
        self.core.enter(Op::List, &[], None).await?;
        self.core.inner.list(skip_dir).await
    }

    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        self.core.enter(Op::ListDir, &[path], None).await?;
        self.core.inner.list_dir(path).await
    }

    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        self.core.enter(Op::Stat, &[path], None).await?;
        self.core.inner.stat(path).await
    }

    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.core.enter(Op::CreateDir, &[path], None).await?;
        self.core.inner.create_dir(path).await
    }

    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.core.enter(Op::RemoveDir, &[path], None).await?;
        self.core.inner.remove_dir(path).await
    }

    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        self.core.enter(Op::RemoveFile, &[path], None).await?;
        self.core.inner.remove_file(path).await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        self.core.enter(Op::Rename, &[from, to], None).await?;
        self.core.inner.rename(from, to, replace).await
    }

    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        self.core.enter(Op::OpenRead, &[path], None).await?;
        let generation = self.core.generation();
        let inner = self.core.inner.open_read(path).await?;
        Ok(Arc::new(FaultyReader {
            core: self.core.clone(),
            inner,
            path: path.clone(),
            generation,
        }))
    }

    async fn read_whole(&self, path: &RelPath, max: usize) -> ReplicaResult<(Vec<u8>, Entry)> {
        self.core.enter(Op::ReadWhole, &[path], None).await?;
        let (data, meta) = self.core.inner.read_whole(path, max).await?;
        if self.core.take_read(data.len() as u64) {
            return Err(lost("cut while reading"));
        }
        self.state().bytes_read += data.len() as u64;
        Ok((data, meta))
    }

    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        self.core.enter(Op::OpenWrite, &[path], None).await?;
        let generation = self.core.generation();
        let inner = self.core.inner.open_write(path, truncate).await?;
        Ok(Arc::new(FaultyWriter {
            core: self.core.clone(),
            inner,
            path: path.clone(),
            generation,
        }))
    }

    async fn reconnect(&self) -> ReplicaResult<()> {
        self.core.enter(Op::Reconnect, &[], None).await?;
        {
            let mut s = self.state();
            if s.reconnect_failures > 0 {
                s.reconnect_failures -= 1;
                return Err(lost("the server does not answer"));
            }
        }
        self.core.inner.reconnect().await?;
        let mut s = self.state();
        s.down = false;
        s.generation += 1;
        Ok(())
    }

    async fn watch(
        &self,
        tx: crate::watch::ChangeSender,
    ) -> ReplicaResult<Option<crate::watch::WatchGuard>> {
        self.core.inner.watch(tx).await
    }
}

struct FaultyReader {
    core: Arc<Core>,
    inner: Arc<dyn FileReader>,
    path: RelPath,
    generation: u64,
}

#[async_trait]
impl FileReader for FaultyReader {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>> {
        let gen = Some(self.generation);
        self.core.enter(Op::Read, &[&self.path], gen).await?;
        let data = self.inner.read_at(offset, len).await?;
        if self.core.take_read(data.len() as u64) {
            return Err(lost("cut while reading"));
        }
        self.core.state.lock().unwrap().bytes_read += data.len() as u64;
        Ok(data)
    }

    async fn close(&self) -> ReplicaResult<()> {
        let gen = Some(self.generation);
        self.core.enter(Op::CloseRead, &[&self.path], gen).await?;
        self.inner.close().await
    }
}

struct FaultyWriter {
    core: Arc<Core>,
    inner: Arc<dyn FileWriter>,
    path: RelPath,
    generation: u64,
}

impl FaultyWriter {
    async fn enter(&self, op: Op, also: Option<&RelPath>) -> ReplicaResult<()> {
        let mut paths = vec![&self.path];
        paths.extend(also);
        self.core.enter(op, &paths, Some(self.generation)).await
    }
}

#[async_trait]
impl FileWriter for FaultyWriter {
    async fn len(&self) -> ReplicaResult<u64> {
        self.enter(Op::WriterLen, None).await?;
        self.inner.len().await
    }

    async fn write_at(&self, offset: u64, data: Chunk) -> ReplicaResult<()> {
        self.enter(Op::Write, None).await?;
        let (allowed, cut) = self.core.take_write(data.len() as u64);
        if cut {
            // The part before the mark reaches the file; the rest is lost with the
            // connection, and the caller only hears of the loss.
            if allowed > 0 {
                let landed = Chunk::from(&data[..allowed as usize]);
                self.inner.write_at(offset, landed).await?;
            }
            self.core.state.lock().unwrap().bytes_written += allowed;
            return Err(lost("cut while writing"));
        }
        let n = data.len() as u64;
        self.inner.write_at(offset, data).await?;
        self.core.state.lock().unwrap().bytes_written += n;
        Ok(())
    }

    async fn set_len(&self, len: u64) -> ReplicaResult<()> {
        self.enter(Op::SetLen, None).await?;
        self.inner.set_len(len).await
    }

    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()> {
        self.enter(Op::SetMtime, None).await?;
        self.inner.set_mtime(mtime_ns).await
    }

    async fn close(&self) -> ReplicaResult<()> {
        self.enter(Op::CloseWrite, None).await?;
        self.inner.close().await
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry> {
        self.enter(Op::Finish, Some(final_path)).await?;
        let done = self.inner.finish(final_path, mtime_ns).await?;
        self.core.leave(Op::Finish, &[&self.path, final_path])?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests;
