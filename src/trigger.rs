//! When a job syncs by itself: its trigger (`realtime`, `interval`, `schedule`, `manual`), the
//! periodic full rescan that backs up every live trigger, and the coalescing and polling
//! periods. Pure data and time arithmetic; the sync service (`crate::service`) acts on it.
//! Time is passed in, never read here, so the rules are testable. The settings are checked
//! (ranges, a schedule with a time) with the rest of a job: [`crate::job_spec`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration as ChronoDuration, Local, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

/// What starts a job's runs (besides "Sync now", which always works).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// File-system watchers and remote change notification (or polling); the default.
    #[default]
    Realtime,
    /// A full sync every `interval_minutes`.
    Interval,
    /// A full sync at the schedule's times of day, on its days of the week.
    Schedule,
    /// Only when asked.
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Realtime => "realtime",
            Trigger::Interval => "interval",
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}

impl FromStr for Trigger {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "realtime" => Ok(Trigger::Realtime),
            "interval" => Ok(Trigger::Interval),
            "schedule" => Ok(Trigger::Schedule),
            "manual" => Ok(Trigger::Manual),
            _ => Err(format!(
                "unknown trigger '{s}'; use realtime, interval, schedule or manual"
            )),
        }
    }
}

/// A time of day, "HH:MM" (24-hour) in the machine's local time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl FromStr for TimeOfDay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a time of day; write it as HH:MM, like 09:00 or 18:30");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.parse().map_err(|_| bad())?;
        if hour > 23 || minute > 59 || m.len() != 2 {
            return Err(bad());
        }
        Ok(TimeOfDay { hour, minute })
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> String {
        t.to_string()
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A day of the week, "mon".."sun".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

const DAYS: [(&str, Day); 7] = [
    ("mon", Day::Mon),
    ("tue", Day::Tue),
    ("wed", Day::Wed),
    ("thu", Day::Thu),
    ("fri", Day::Fri),
    ("sat", Day::Sat),
    ("sun", Day::Sun),
];

impl FromStr for Day {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let low = s.trim().to_ascii_lowercase();
        DAYS.iter()
            .find(|(name, _)| low.starts_with(name) && name.len() <= low.len())
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                format!("'{s}' is not a day of the week; use mon, tue, wed, thu, fri, sat or sun")
            })
    }
}

impl Day {
    fn of(wd: chrono::Weekday) -> Day {
        DAYS[wd.num_days_from_monday() as usize].1
    }
}

/// Times of day and days of the week (no days: every day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Schedule {
    pub times: Vec<TimeOfDay>,
    pub days: Vec<Day>,
}

impl Schedule {
    /// Parses a comma-separated list of days ("mon,tue,fri"; "mon-fri" ranges too).
    pub fn parse_days(s: &str) -> Result<Vec<Day>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some((a, b)) = part.split_once('-') {
                let (a, b) = (a.parse::<Day>()?, b.parse::<Day>()?);
                let (ia, ib) = (a as usize, b as usize);
                if ia > ib {
                    return Err(format!("'{part}': a day range runs forward, like mon-fri"));
                }
                out.extend(DAYS[ia..=ib].iter().map(|(_, d)| *d));
            } else {
                out.push(part.parse()?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The first scheduled moment strictly after `now`, if the schedule has any.
    pub fn next_after<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        if self.times.is_empty() {
            return None;
        }
        let tz = now.timezone();
        let today = now.date_naive();
        (0..=7)
            .filter_map(|ahead| today.checked_add_signed(ChronoDuration::days(ahead)))
            .filter(|d| self.days.is_empty() || self.days.contains(&Day::of(d.weekday())))
            .flat_map(|d| {
                let tz = tz.clone();
                let mut times = self.times.clone();
                times.sort();
                times.into_iter().filter_map(move |t| {
                    let nt = NaiveTime::from_hms_opt(t.hour as u32, t.minute as u32, 0)?;
                    // A time that falls into a daylight-saving gap does not exist that day.
                    d.and_time(nt).and_local_timezone(tz.clone()).earliest()
                })
            })
            .find(|t| t > now)
    }
}

/// How a job syncs by itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSettings {
    pub trigger: Trigger,
    /// `interval`: minutes between runs.
    pub interval_minutes: u32,
    /// `schedule`: when.
    pub schedule: Schedule,
    /// A full rescan this often backs up every live trigger (0: never).
    pub rescan_minutes: u32,
    /// File-system events are coalesced until the folder has been quiet this long.
    pub quiet_ms: u32,
    /// Ask the server for change notification (SMB2 CHANGE_NOTIFY); off: poll.
    pub remote_notify: bool,
    /// Remote polling period when notification is off, refused or lost.
    pub poll_secs: u32,
}

/// The default quiet period: short, so a save reaches the other side within a second; a file
/// still open for writing waits for its close regardless (`service::pending`).
pub const DEFAULT_QUIET_MS: u32 = 300;

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            trigger: Trigger::Realtime,
            interval_minutes: 60,
            schedule: Schedule::default(),
            rescan_minutes: 60,
            quiet_ms: DEFAULT_QUIET_MS,
            remote_notify: true,
            poll_secs: 60,
        }
    }
}

impl LiveSettings {
    /// When the next timed full run is due after `now` (interval or schedule), if any.
    /// `last_run` is when the last run started (for intervals).
    pub fn next_timed_run(
        &self,
        now: DateTime<Local>,
        last_run: Option<DateTime<Local>>,
    ) -> Option<DateTime<Local>> {
        match self.trigger {
            Trigger::Interval => {
                let every = ChronoDuration::minutes(self.interval_minutes.max(1) as i64);
                Some(last_run.map_or(now, |l| (l + every).max(now)))
            }
            Trigger::Schedule => self.schedule.next_after(&now),
            Trigger::Realtime | Trigger::Manual => None,
        }
    }

    /// Whether this trigger syncs by itself (and so gets the periodic full rescan).
    pub fn is_live(&self) -> bool {
        self.trigger != Trigger::Manual
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn times_and_days_parse_and_reject_nonsense() {
        assert_eq!(
            "09:05".parse::<TimeOfDay>().unwrap(),
            TimeOfDay { hour: 9, minute: 5 }
        );
        for bad in ["9", "24:00", "12:60", "12:5", "noon", ""] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
        assert_eq!(
            Schedule::parse_days("mon-wed, sat").unwrap(),
            vec![Day::Mon, Day::Tue, Day::Wed, Day::Sat]
        );
        assert_eq!(Schedule::parse_days("Friday").unwrap(), vec![Day::Fri]);
        assert!(Schedule::parse_days("fri-mon").is_err());
        assert!(Schedule::parse_days("someday").is_err());
    }

    #[test]
    fn schedule_next_run_is_the_next_listed_time_on_an_allowed_day() {
        let s = Schedule {
            times: vec!["18:30".parse().unwrap(), "09:00".parse().unwrap()],
            days: vec![Day::Mon, Day::Fri],
        };
        // 2026-12-03 is a Thursday.
        let thu = at("2026-12-03T10:00:00+01:00");
        assert_eq!(s.next_after(&thu).unwrap(), at("2026-12-04T09:00:00+01:00"));
        let fri_morning = at("2026-12-04T09:00:00+01:00");
        assert_eq!(
            s.next_after(&fri_morning).unwrap(),
            at("2026-12-04T18:30:00+01:00")
        );
        let fri_night = at("2026-12-04T20:00:00+01:00");
        assert_eq!(
            s.next_after(&fri_night).unwrap(),
            at("2026-12-07T09:00:00+01:00")
        );
        let every_day = Schedule {
            times: vec!["00:00".parse().unwrap()],
            days: vec![],
        };
        assert_eq!(
            every_day.next_after(&thu).unwrap(),
            at("2026-12-04T00:00:00+01:00")
        );
        assert!(Schedule::default().next_after(&thu).is_none());
    }

    #[test]
    fn interval_runs_from_the_last_start_never_in_the_past() {
        let live = LiveSettings {
            trigger: Trigger::Interval,
            interval_minutes: 15,
            ..LiveSettings::default()
        };
        let now = Local::now();
        assert_eq!(live.next_timed_run(now, None), Some(now));
        let last = now - ChronoDuration::minutes(5);
        assert_eq!(
            live.next_timed_run(now, Some(last)),
            Some(last + ChronoDuration::minutes(15))
        );
        let long_ago = now - ChronoDuration::hours(5);
        assert_eq!(live.next_timed_run(now, Some(long_ago)), Some(now));
        assert_eq!(LiveSettings::default().next_timed_run(now, None), None);
    }
}
