//! `casa-server`: the Casa del Cittadino sync server and its admin commands.
#![forbid(unsafe_code)]

mod cli;
mod comuni_commands;
mod key_commands;

fn main() -> std::process::ExitCode {
    cli::main()
}
