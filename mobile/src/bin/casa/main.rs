//! `casa`: the citizen app's core on the command line, for field kits,
//! scripts and tests. Everything works offline except `sync`.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
