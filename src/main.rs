//! `anemone-sync`: the headless CLI (see [`cli`]). The command-line contract (commands, flags,
//! JSON fields, exit codes) is relied on by scripts: change it only compatibly.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
