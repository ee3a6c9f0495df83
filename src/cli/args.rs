//! The command line as clap parses it: commands, flags, and the parsers of their values. Numbers
//! are parsed as numbers only: their ranges are the engine's (`anemone_sync::job_spec`), checked
//! with the rest of a job and reported with the field's message (exit 2). The contract (commands, flags, JSON fields, exit codes) is relied on by scripts: change it only
//! compatibly.

use std::path::PathBuf;

use anemone_sync::policy::Encryption;
use anemone_sync::policy::{ConflictPolicy, Mode};
use anemone_sync::sync::first_sync::FirstSync;
use anemone_sync::trigger::{LiveSettings, Schedule, TimeOfDay, Trigger};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "anemone-sync",
    version,
    about = "Keep local folders in two-way sync with SMB shares"
)]
pub(crate) struct Cli {
    /// Folder for the database, credential file and logs (default: $ANEMONE_SYNC_HOME, else the
    /// OS data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Print the technical detail under each error (the server's status, what was being
    /// done); it is in the log either way.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Add, list or remove sync jobs.
    Job {
        #[command(subcommand)]
        command: JobCommand,
    },
    /// Sync jobs (all enabled jobs when none is named).
    Sync {
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Show what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Go on even when the mass-delete guard would stop the run.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
        /// The other answer to a guard stop: copy the files that vanished from one side back
        /// from the other, deleting nothing.
        #[arg(long, conflicts_with = "force")]
        restore_missing: bool,
    },
    /// Jobs, their last run, pending conflicts and the credential store in use.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Pending conflicts (policy `ask`).
    Conflicts {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Settle a pending conflict.
    Resolve {
        id: i64,
        #[arg(long, value_parser = ["local", "remote", "both"])]
        keep: String,
    },
    /// Past runs, newest first.
    History {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Live sync in the foreground: a first sync, then every change as it happens (by each
    /// job's trigger). Ctrl-C or SIGTERM stops it cleanly.
    Watch {
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Seconds transfers in flight get to finish when stopping, before they are cut (their
        /// temps are resumed next time).
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        grace: u64,
    },
    /// What syncs deleted or overwrote, on both sides: list it, put it back, or empty it.
    Trash {
        #[command(subcommand)]
        command: TrashCommand,
    },
    /// Engine-wide settings (bandwidth limits, metered connections) and settings export and
    /// import.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
pub(crate) enum TrashCommand {
    /// A job's trash on both sides, newest first: when, why, size, side and original path.
    List {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Put files back where they were (or beside, as "NAME (restored DATE).EXT", when the name
    /// is taken); the next sync carries them to the other side. PATH is an original path (its
    /// newest version is restored) or a trash path from `trash list`.
    Restore {
        name: String,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// Only look in this side's trash: local or remote.
        #[arg(long, value_parser = ["local", "remote"])]
        side: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Delete a job's trash for good (both sides unless --side says one).
    Empty {
        name: String,
        #[arg(long, value_parser = ["local", "remote"])]
        side: Option<String>,
        /// Do not ask (scripts); without it the command asks, or refuses when it cannot ask.
        #[arg(long)]
        yes: bool,
    },
}

/// `config …`: see `cli::config`.
#[derive(Subcommand)]
pub(crate) enum ConfigCommand {
    /// The engine-wide settings.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Changes one engine-wide setting: up-limit RATE, down-limit RATE (like 2MB or 500kB,
    /// bytes per second; off for none) or pause-on-metered on|off.
    Set {
        #[arg(value_parser = ["up-limit", "down-limit", "pause-on-metered"])]
        key: String,
        value: String,
    },
    /// Writes every job (without passwords) and the engine-wide settings to a JSON file.
    Export {
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Adds the jobs of a file made by `config export`; a job whose name is taken is skipped
    /// unless --replace. Imported SMB jobs need their password set on this computer.
    Import {
        file: PathBuf,
        #[arg(long)]
        replace: bool,
    },
}

/// A bandwidth limit as given on the command line: bytes per second, `None` for off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rate(pub(crate) Option<u64>);

fn parse_limit(s: &str) -> Result<Rate, String> {
    anemone_sync::limits::parse_rate(s)
        .map(Rate)
        .map_err(|e| e.to_string())
}

/// When a job syncs by itself (`job add`).
#[derive(clap::Args)]
pub(crate) struct LiveArgs {
    /// realtime (watch both sides), interval, schedule or manual.
    #[arg(long, default_value = "realtime", value_parser = parse_trigger)]
    trigger: Trigger,
    /// `interval`: minutes between syncs.
    #[arg(long = "every", value_name = "MINUTES", default_value_t = 60)]
    every: u32,
    /// `schedule`: a time of day, HH:MM (repeatable).
    #[arg(long = "at", value_name = "HH:MM", value_parser = parse_time)]
    at: Vec<TimeOfDay>,
    /// `schedule`: days of the week, like mon-fri or sat,sun (default: every day).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    days: Option<Days>,
    /// Minutes between full rescans that back up live sync (0: none).
    #[arg(long = "rescan", value_name = "MINUTES", default_value_t = 60)]
    rescan: u32,
    /// Milliseconds of quiet that coalesce file-system events before a sync.
    #[arg(long = "quiet-ms", value_name = "MS", default_value_t = anemone_sync::trigger::DEFAULT_QUIET_MS)]
    quiet_ms: u32,
    /// Do not ask the server for change notification; poll it instead.
    #[arg(long)]
    no_remote_notify: bool,
    /// Seconds between remote polls when notification is off or unavailable.
    #[arg(long = "poll", value_name = "SECS", default_value_t = 60)]
    poll: u32,
}

#[derive(Clone)]
pub(crate) struct Days(Vec<anemone_sync::trigger::Day>);

impl LiveArgs {
    /// The settings as given; the engine checks them with the rest of the job.
    pub(crate) fn settings(&self) -> LiveSettings {
        LiveSettings {
            trigger: self.trigger,
            interval_minutes: self.every,
            schedule: Schedule {
                times: self.at.clone(),
                days: self.days.clone().map(|d| d.0).unwrap_or_default(),
            },
            rescan_minutes: self.rescan,
            quiet_ms: self.quiet_ms,
            remote_notify: !self.no_remote_notify,
            poll_secs: self.poll,
        }
    }
}

fn parse_trigger(s: &str) -> Result<Trigger, String> {
    s.parse()
}

fn parse_time(s: &str) -> Result<TimeOfDay, String> {
    s.parse()
}

fn parse_days(s: &str) -> Result<Days, String> {
    Schedule::parse_days(s).map(Days)
}

#[derive(Subcommand)]
pub(crate) enum JobCommand {
    /// Add a job.
    Add {
        name: String,
        #[arg(long, value_name = "DIR")]
        local: PathBuf,
        #[arg(long, value_name = "URL")]
        remote: String,
        #[arg(long, default_value = "two-way", value_parser = parse_mode)]
        mode: Mode,
        #[arg(long, default_value = "keep-both", value_parser = parse_policy)]
        conflict: ConflictPolicy,
        #[arg(long = "exclude", value_name = "GLOB")]
        excludes: Vec<String>,
        #[arg(long = "max-delete", value_name = "PCT", default_value_t = 50)]
        max_delete: u32,
        /// Files transferred at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: u32,
        /// Read the SMB password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// SMB encryption: auto (as the server asks) or required (refuse a server that does
        /// not encrypt).
        #[arg(long, default_value = "auto", value_parser = parse_encryption)]
        encryption: Encryption,
        #[command(flatten)]
        live: LiveArgs,
        /// How the first sync settles two folders that both hold files: merge (copy what is
        /// missing both ways, differing files are conflicts), local-wins (the server ends up
        /// like this folder) or remote-wins (this folder ends up like the server). Replaced or
        /// deleted files go to the trash of their side. No prompt: merge unless given.
        #[arg(long = "first-sync", default_value = "merge", value_parser = parse_first_sync)]
        first_sync: FirstSync,
        /// Upload limit of this job, bytes per second (like 2MB or 500kB; off for none). The
        /// engine-wide limit (`config set up-limit`) caps all jobs together on top.
        #[arg(long, value_name = "RATE", value_parser = parse_limit)]
        up_limit: Option<Rate>,
        /// Download limit of this job (like --up-limit).
        #[arg(long, value_name = "RATE", value_parser = parse_limit)]
        down_limit: Option<Rate>,
    },
    /// Changes a job's bandwidth limits (the app's job form changes the rest).
    Edit {
        name: String,
        /// Upload limit, bytes per second (like 2MB or 500kB; off for none).
        #[arg(long, value_name = "RATE", value_parser = parse_limit)]
        up_limit: Option<Rate>,
        /// Download limit (like --up-limit).
        #[arg(long, value_name = "RATE", value_parser = parse_limit)]
        down_limit: Option<Rate>,
    },
    /// Store a new password for a job's SMB login (read from the first line of standard
    /// input), after the server rejected the old one.
    SetPassword {
        name: String,
        /// Read the password from standard input (the only way; the flag says so in scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
    },
    /// Choose how a job's first sync settles two folders that both hold files (a job added in
    /// the app waits for this): merge, local-wins or remote-wins. Only before the first sync.
    FirstSync {
        name: String,
        #[arg(value_parser = parse_first_sync)]
        choice: FirstSync,
    },
}

fn parse_first_sync(s: &str) -> Result<FirstSync, String> {
    s.parse()
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

fn parse_policy(s: &str) -> Result<ConflictPolicy, String> {
    s.parse()
}

fn parse_encryption(s: &str) -> Result<Encryption, String> {
    s.parse()
}
