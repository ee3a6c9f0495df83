//! Names the engine treats specially: which names an SMB server (Windows rules) cannot hold,
//! our own temporary and trash names, and how conflict copies are named.

use crate::relpath::RelPath;

/// Suffix of a file being uploaded (remote side) before it is renamed to its real name.
pub const UPLOAD_SUFFIX: &str = ".anemone-uploading";
/// Suffix of a file being downloaded (local side) before it is renamed to its real name.
pub const DOWNLOAD_SUFFIX: &str = ".anemone-downloading";
/// Folder at the root of each side that holds what the engine deleted or overwrote.
pub const TRASH_DIR: &str = ".anemone-trash";
/// File at the root of each job's local folder whose token the job remembers: a folder that
/// looks empty without it is not the folder that was synced (an unmounted disk's mount point,
/// a folder made again), so the delete guard asks before deleting anything on the server.
/// Never synced (see `excludes::DEFAULT_EXCLUDES`).
pub const FOLDER_MARKER: &str = ".anemone-sync-folder";

/// Whether `name` has the shape of a temp file of some AnemoneSync install
/// (`NAME.<8 hex digits>.anemone-uploading` or `-downloading`): a transfer in flight. Such
/// names are never synced. Only this install's own are ever deleted (see [`parse_temp_name`]);
/// any other name, `notes.anemone-uploading` included, is a user's file like any other.
pub fn is_temp_name(name: &str) -> bool {
    parse_temp_name(name).is_some()
}

/// The temp name under which the install `client` writes `name`:
/// `NAME.<client>.anemone-uploading`. The client id keeps two machines that sync the same
/// share from writing into one temp file at the same time, and stays the same across runs so
/// an interrupted transfer can be resumed.
pub fn temp_name(name: &str, client: &str, suffix: &str) -> String {
    format!("{name}.{client}{suffix}")
}

/// For a temp name: the real name and the id of the install that wrote it. `None` when
/// `name` is not a temp name of that shape.
pub fn parse_temp_name(name: &str) -> Option<(&str, &str)> {
    let rest = name
        .strip_suffix(UPLOAD_SUFFIX)
        .or_else(|| name.strip_suffix(DOWNLOAD_SUFFIX))?;
    match rest.rsplit_once('.') {
        Some((real, id))
            if !real.is_empty() && id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Some((real, id))
        }
        _ => None,
    }
}

const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Why an SMB server cannot store this one path component, or `None` when it can.
pub fn smb_name_problem(name: &str) -> Option<String> {
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || (*c as u32) < 32)
    {
        let shown = if (c as u32) < 32 {
            format!("control character U+{:04X}", c as u32)
        } else {
            format!("'{c}'")
        };
        return Some(format!(
            "the name contains {shown}, which SMB servers do not allow; rename it"
        ));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Some(
            "the name ends with a dot or a space, which SMB servers do not allow; rename it".into(),
        );
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        return Some(format!(
            "'{stem}' is a reserved device name on SMB servers; rename it"
        ));
    }
    if name.len() > 255 {
        return Some("the name is longer than 255 bytes; shorten it".into());
    }
    None
}

/// The first component of `path` an SMB server cannot store, with the reason.
pub fn smb_path_problem(path: &RelPath) -> Option<String> {
    path.components()
        .find_map(|c| smb_name_problem(c).map(|why| format!("'{c}': {why}")))
}

/// The name of the losing copy in a keep-both conflict: `report (conflict HOST 2026-11-22
/// 031502).txt` beside the original, so it sorts next to it and says where and when it came
/// from.
pub fn conflict_name(
    path: &RelPath,
    host: &str,
    stamp: &str,
) -> Result<RelPath, crate::relpath::InvalidRelPath> {
    let name = path.name();
    let host: String = host
        .chars()
        .map(|c| {
            if smb_name_problem(&c.to_string()).is_some() || c == '/' {
                '-'
            } else {
                c
            }
        })
        .collect();
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    path.with_name(&format!("{stem} (conflict {host} {stamp}){ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smb_rules() {
        assert!(smb_name_problem("a:b").is_some());
        assert!(smb_name_problem("what?").is_some());
        assert!(smb_name_problem("trailing.").is_some());
        assert!(smb_name_problem("trailing ").is_some());
        assert!(smb_name_problem("CON").is_some());
        assert!(smb_name_problem("con.txt").is_some());
        assert!(smb_name_problem("COM1.log").is_some());
        assert!(smb_name_problem("CONSOLE.txt").is_none());
        assert!(smb_name_problem("résumé [v2] (final).doc").is_none());
        assert!(smb_name_problem(".hidden").is_none());
    }

    #[test]
    fn temp_names_carry_the_client_id() {
        let t = temp_name("report.txt", "0a1b2c3d", UPLOAD_SUFFIX);
        assert_eq!(t, "report.txt.0a1b2c3d.anemone-uploading");
        assert!(is_temp_name(&t));
        assert_eq!(parse_temp_name(&t), Some(("report.txt", "0a1b2c3d")));
        // A user's own file that merely ends like a temp is not one.
        for user in [
            "old.bin.anemone-downloading",
            "notes.anemone-uploading",
            "x.12345678z.anemone-uploading",
            ".0a1b2c3d.anemone-uploading",
            "report.txt",
        ] {
            assert_eq!(parse_temp_name(user), None, "{user}");
            assert!(!is_temp_name(user), "{user}");
        }
    }

    #[test]
    fn conflict_names_keep_extension_and_folder() {
        let p = RelPath::new("docs/report.final.txt").unwrap();
        assert_eq!(
            conflict_name(&p, "laptop", "2026-11-22 031502")
                .unwrap()
                .as_str(),
            "docs/report.final (conflict laptop 2026-11-22 031502).txt"
        );
        let p = RelPath::new(".bashrc").unwrap();
        assert_eq!(
            conflict_name(&p, "h", "s").unwrap().as_str(),
            ".bashrc (conflict h s)"
        );
    }
}
