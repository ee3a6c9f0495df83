// The app's commands get generated `allow-<command>` permissions; capabilities/main.json grants
// them to the main window through the `allow-app-commands` set (permissions/app.toml). Keep
// this list equal to `commands::NAMES` (a unit test checks).
const COMMANDS: &[&str] = &[
    "list_jobs",
    "add_job",
    "update_job",
    "remove_job",
    "set_job_enabled",
    "test_connection",
    "browse_remote",
    "pick_local_folder",
    "sync_now",
    "pause",
    "resume",
    "list_conflicts",
    "conflict_preview",
    "resolve_conflicts",
    "history",
    "activity",
    "get_settings",
    "set_settings",
    "open_log_folder",
    "open_local_folder",
    "get_app_state",
    "set_password",
    "needs_you",
    "decide",
    "trash_list",
    "trash_restore",
    "trash_empty",
    "trash_of_runs",
    "first_sync_preview",
    "choose_first_sync",
    "get_limits",
    "set_limits",
    "get_job_limits",
    "set_job_limits",
    "check_job_limits",
    "export_settings",
    "import_settings",
];

fn main() {
    println!("cargo:rerun-if-changed=permissions");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
