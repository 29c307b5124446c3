//! `casa-server`: the Casa del Cittadino sync server and its admin commands.
#![forbid(unsafe_code)]

mod cli;
mod key_commands;

fn main() -> std::process::ExitCode {
    cli::main()
}
