//! `ui/src/bindings.ts`: the TypeScript of the bridge types, generated from `types.rs` and
//! checked by a test (`UPDATE_BINDINGS=1 cargo test -p anemone-sync-app bindings` rewrites it).

use ts_rs::TS;

use crate::types::*;

/// `ui/src/bindings.ts`, as it must read. 64-bit integers are plain numbers: ids, sizes
/// and times stay far below 2^53.
pub fn render() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from src-tauri/src/types.rs by `cargo test -p anemone-sync-app bindings`\n\
         // (UPDATE_BINDINGS=1 rewrites it). Do not edit by hand.\n\n",
    );
    macro_rules! decl {
        ($($t:ty),+ $(,)?) => {$(
            if let Some(docs) = <$t as TS>::docs() {
                out.push_str(&docs);
            }
            out.push_str("export ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push_str("\n\n");
        )+};
    }
    decl!(
        Mode,
        ConflictPolicy,
        Trigger,
        When,
        Encryption,
        ConnectionSecurity,
        RunStatus,
        Phase,
        Direction,
        JobState,
        Job,
        Counts,
        FileError,
        Run,
        Activity,
        Conflict,
        Transfer,
        EngineEvent,
        JobView,
        ServerInput,
        JobInput,
        Preview,
        ConflictPreview,
        Keep,
        ResolveResult,
        LogLevel,
        Settings,
        AppState,
        View,
        Navigate,
        crate::errors::BridgeErrorKind,
        crate::errors::BridgeError,
        Side,
        NeedsYou,
        Decision,
        crate::trash::TrashSide,
        crate::trash::TrashReason,
        crate::trash::TrashEntry,
        crate::trash::TrashView,
        crate::trash::TrashKey,
        crate::trash::RestoreResult,
        crate::trash::EmptyResult,
        crate::first_sync::FirstSyncChoice,
        crate::first_sync::FirstSyncCounts,
        crate::first_sync::FirstSyncPreview,
        crate::limits::LimitSettings,
        crate::limits::JobLimits,
        crate::limits::ImportResult,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// Fails when ui/src/bindings.ts is not what the Rust types generate (run with
    /// UPDATE_BINDINGS=1 to rewrite it, then commit it).
    #[test]
    fn bindings_are_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let want = super::render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p anemone-sync-app bindings` and commit it"
        );
    }
}
