//! `softphone-cli`: the headless phone, for automation and tests.
//!
//! It drives the same engine API as the desktop app and prints every engine event as one JSON
//! object per line on standard output. Diagnostics go to standard error.
//!
//! ```text
//! softphone-cli --account alice.toml register
//! softphone-cli --account alice.toml call sip:bob@example.com --duration 10
//! softphone-cli --account alice.toml --auto-answer listen
//! softphone-cli --account alice.toml run      # commands from stdin: call URI, answer, hangup, …
//! softphone-cli password set alice.toml < pw  # store the password in the OS keyring
//! ```

mod account;
mod args;
mod import;
mod keyring;
mod session;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = args::parse();
    if let Err(e) = session::init_logging(&args) {
        eprintln!("softphone-cli: {e}");
        return ExitCode::from(2);
    }
    if let args::Action::Password {
        action: args::PasswordAction::Set { account_file },
    } = &args.action
    {
        return match keyring::set_from_stdin(account_file) {
            Ok(id) => {
                eprintln!("softphone-cli: password stored in the keyring for account {id}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("softphone-cli: {e}");
                ExitCode::from(1)
            }
        };
    }
    if let args::Action::ImportJssip { json_file, id } = &args.action {
        return match import::run(json_file, id) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("softphone-cli: {e}");
                ExitCode::from(1)
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("softphone-cli: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(session::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("softphone-cli: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
