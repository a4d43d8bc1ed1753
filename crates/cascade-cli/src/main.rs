//! The `cascade` binary: hands the arguments and a buffered stdout to the library, prints the
//! one-line error, and turns the outcome into an exit status.

use std::io::{self, BufWriter};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match cascade_cli::main_with(std::env::args_os().skip(1), &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if error.exit_code() != 0 {
                // One line, whatever the input quoted in the message contains.
                let message = cascade_sim::scenario::escape_control(&error.to_string());
                eprintln!("cascade: {message}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
