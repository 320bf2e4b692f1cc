//! Command-line arguments.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Headless softphone on the same engine as the desktop app; prints one JSON event per line.
#[derive(Debug, Parser)]
#[command(name = "softphone-cli", version, about)]
pub struct Args {
    /// Account file (TOML, the same fields as the app's account settings). The password comes
    /// from SOFTPHONE_PASSWORD when set, else from the OS keyring (`password set`).
    #[arg(long, short = 'a', global = true)]
    pub account: Option<PathBuf>,
    /// Answer incoming calls at once.
    #[arg(long, global = true)]
    pub auto_answer: bool,
    /// Play this WAV file into calls instead of the microphone.
    #[arg(long, global = true, value_name = "WAV")]
    pub wav_in: Option<PathBuf>,
    /// Record received audio to this WAV file instead of the speaker.
    #[arg(long, global = true, value_name = "WAV")]
    pub wav_out: Option<PathBuf>,
    /// Log filter for standard error (for example `info`, `softphone_engine=debug`).
    #[arg(long, global = true, default_value = "warn", env = "SOFTPHONE_LOG")]
    pub log: String,
    /// Give up after this many seconds.
    #[arg(long, global = true, default_value_t = 30.0)]
    pub timeout: f64,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// One action per run; `run` reads further commands from standard input.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Register, print the outcome, unregister and exit (0 when registered).
    Register,
    /// Call a number or URI, stay for `--duration` seconds once answered, then hang up.
    Call {
        /// Number or SIP URI (`echo` for the echo-test line).
        target: String,
        /// Seconds to stay in the call once answered.
        #[arg(long, default_value_t = 5.0)]
        duration: f64,
        /// DTMF digits to send once answered.
        #[arg(long)]
        dtmf: Option<String>,
    },
    /// Register and wait for calls until interrupted (answer them with `--auto-answer`).
    Listen,
    /// Register, then read commands from standard input, one per line: `call TARGET`,
    /// `answer [CALL]`, `reject [CALL] [CODE]`, `silence [CALL]`, `forward TARGET [CALL]`,
    /// `hangup [CALL]`, `hold [CALL]`, `resume [CALL]`, `mute [CALL]`, `unmute [CALL]`,
    /// `dtmf DIGITS [CALL]`, `transfer TARGET [CALL]`, `snapshot`, `quit`. Without CALL the
    /// most recent call is meant.
    Run,
    /// Turn a JsSIP-style JSON configuration (what WebRTC SIP services give browser SDKs) into
    /// an account file on standard output; its password goes to the OS keyring, never into
    /// the file.
    ImportJssip {
        /// The JSON file.
        json_file: PathBuf,
        /// The new account's id.
        #[arg(long, default_value = "imported")]
        id: String,
    },
    /// Manage the account's password in the OS keyring (the desktop app's entry).
    Password {
        /// What to do.
        #[command(subcommand)]
        action: PasswordAction,
    },
}

/// `password` sub-commands.
#[derive(Debug, Subcommand)]
pub enum PasswordAction {
    /// Store the password read from standard input (one line) for the file's account id.
    Set {
        /// The account file.
        account_file: PathBuf,
    },
}

/// Parses the process arguments (exits with usage on error).
pub fn parse() -> Args {
    Args::parse()
}
