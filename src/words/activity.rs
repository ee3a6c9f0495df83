//! What a run did to a path, as a sentence fragment for History, Progress and the CLI. The
//! history stores short action codes (`uploaded`, `deleted_remote`, ...); people read these.

/// Every action code the engine records, with its label. `ui/src/lib/format.ts`
/// (`activityLabel`) has the same list.
pub const LABELS: &[(&str, &str)] = &[
    ("uploaded", "Uploaded"),
    ("downloaded", "Downloaded"),
    ("deleted_local", "Deleted on this computer"),
    ("deleted_remote", "Deleted on the server"),
    ("moved_local", "Moved on this computer"),
    ("moved_remote", "Moved on the server"),
    ("conflict_pending", "Conflict: waiting for your choice"),
    ("conflict_copy_local", "Kept both: conflict copy"),
    ("conflict_copy_remote", "Kept both: conflict copy"),
    ("folder_created_local", "Folder created on this computer"),
    ("folder_created_remote", "Folder created on the server"),
    ("folder_deleted_local", "Folder deleted on this computer"),
    ("folder_deleted_remote", "Folder deleted on the server"),
    ("failed", "Failed"),
];

/// The label of an action code; an unknown code (a newer version's) reads as its words.
pub fn activity_label(action: &str) -> String {
    match LABELS.iter().find(|(code, _)| *code == action) {
        Some((_, label)) => (*label).to_string(),
        None => {
            let words = action.replace('_', " ");
            let mut c = words.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sentences() {
        assert_eq!(activity_label("deleted_remote"), "Deleted on the server");
        assert_eq!(
            activity_label("conflict_copy_local"),
            "Kept both: conflict copy"
        );
        assert_eq!(activity_label("something_new"), "Something new");
        for (code, label) in LABELS {
            assert!(!label.contains('_'), "{code}");
            assert!(label.chars().next().unwrap().is_uppercase(), "{code}");
        }
    }
}
