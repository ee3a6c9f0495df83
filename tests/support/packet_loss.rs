//! Packet loss on one loopback TCP port with nftables, for the resilience tests: what a TCP
//! proxy cannot do (the kernel's own retransmissions, lost ACKs, lost SYNs). This kernel has no
//! netem, but an nftables rule `numgen random mod 100 < N drop` drops N% of the packets.
//!
//! The rules live in a table of their own, named after this process and the port, so nothing
//! else on the machine is touched, and the table is deleted when the guard is dropped, also
//! when the test panics. Needs root and the `nft` command (package `nftables`, which
//! `scripts/deps test` installs); where either is missing [`PacketLoss::on_port`] says why and
//! the caller skips.

use std::io::Write;
use std::process::{Command, Stdio};

pub struct PacketLoss {
    table: String,
}

/// Which packets of the port's connections are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ways {
    /// Both ways: requests, answers and the ACKs of each.
    Both,
    /// Only the packets sent to the port (a client's requests and ACKs); the answers pass.
    ToPort,
}

impl PacketLoss {
    /// Drops `percent`% (1-100) of the packets to and from TCP port `port` on this machine.
    /// `Err` says why it cannot be done here (no `nft`, not root, rule refused).
    pub fn on_port(port: u16, percent: u8) -> Result<PacketLoss, String> {
        Self::on_port_ways(port, percent, Ways::Both)
    }

    /// Like [`PacketLoss::on_port`], dropping only the packets that go `ways`.
    pub fn on_port_ways(port: u16, percent: u8, ways: Ways) -> Result<PacketLoss, String> {
        assert!((1..=100).contains(&percent), "loss {percent}%");
        sweep_stale_tables();
        let table = format!("anemone_loss_{}_{port}", std::process::id());
        // `numgen random mod 100` is 0..=99: `< 100` is refused, so 100% is a plain drop.
        let verdict = if percent == 100 {
            "drop".to_string()
        } else {
            format!("numgen random mod 100 < {percent} drop")
        };
        // Output hook: on loopback every packet leaves through it once, both directions.
        let answers = match ways {
            Ways::Both => format!("tcp sport {port} {verdict}"),
            Ways::ToPort => String::new(),
        };
        let rules = format!(
            "table inet {table} {{
  chain out {{
    type filter hook output priority 0; policy accept;
    tcp dport {port} {verdict}
    {answers}
  }}
}}
"
        );
        let guard = PacketLoss { table };
        let mut child = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft ({e}); install the package nftables"))?;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(rules.as_bytes())
            .map_err(|e| format!("nft: {e}"))?;
        let out = child.wait_with_output().map_err(|e| format!("nft: {e}"))?;
        if !out.status.success() {
            // Nothing was added (nft applies a file as one transaction); the guard's delete
            // fails quietly.
            return Err(format!(
                "nft refused the rules (root needed): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(guard)
    }
}

impl Drop for PacketLoss {
    fn drop(&mut self) {
        let _ = Command::new("nft")
            .args(["delete", "table", "inet", &self.table])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Deletes the tables of test processes that are gone (killed before their guards ran).
fn sweep_stale_tables() {
    let Ok(out) = Command::new("nft").args(["list", "tables"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "table inet anemone_loss_<pid>_<port>"
        let Some(name) = line.strip_prefix("table inet anemone_loss_") else {
            continue;
        };
        let Some(pid) = name.split('_').next() else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("nft")
                .args(["delete", "table", "inet", &format!("anemone_loss_{name}")])
                .status();
        }
    }
}
