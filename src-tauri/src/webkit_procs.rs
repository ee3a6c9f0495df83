//! WebKit's helper processes that this app started, found through /proc (Linux).

/// Command names of WebKitGTK's helpers, as /proc/PID/comm shows them (cut at 15 bytes).
const WEBKIT_COMMS: [&str; 2] = ["WebKitWebProces", "WebKitNetworkPr"];

/// Pids of this process's direct children that are WebKit helpers.
#[cfg(target_os = "linux")]
pub fn children() -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for t in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(t.path().join("children")) else {
            continue;
        };
        for pid in list
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            if is_webkit_child(pid, me) && !out.contains(&pid) {
                out.push(pid);
            }
        }
    }
    out
}

#[cfg(target_os = "linux")]
fn is_webkit_child(pid: i32, parent: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split at the last ')'.
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return false;
    };
    let comm = &stat[open + 1..close];
    let ppid = stat[close + 1..]
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<i32>().ok());
    ppid == Some(parent) && WEBKIT_COMMS.contains(&comm)
}

/// Asks the process to end (SIGTERM); WebKit's helpers exit on it.
#[cfg(target_os = "linux")]
pub fn terminate(pid: i32) {
    // SAFETY: kill(2) with a pid read from our own children list just now; no memory involved.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}
