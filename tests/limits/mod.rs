//! Limits users ask for (issue 16, part 8): bandwidth limits, the pause on metered
//! connections, and settings export and import.

mod bandwidth;
mod metered;
mod settings_file;
