//! Logging: `tracing` to a file (`SOFTPHONE_LOG_FILE`, else `logs/softphone.log` in the app's
//! data directory) and to stderr, with a level the user can change at run time.
//! Secrets never reach the log: the engine's types redact them and the shell logs no values.

use crate::settings::LogLevel;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer};

/// Changes the log level of the running app.
pub type LevelSetter = Arc<dyn Fn(LogLevel) + Send + Sync>;

fn filter(level: LogLevel) -> EnvFilter {
    // Our crates at the chosen level, the noisy GTK/WebKit stack one notch quieter.
    let ours = level.directive();
    EnvFilter::new(format!(
        "warn,softphone={ours},softphone_app={ours},softphone_engine={ours},sip_trace={ours}"
    ))
}

/// Installs the global subscriber writing to `file`; returns the level setter.
pub fn init(file: &Path, level: LogLevel) -> LevelSetter {
    if let Some(dir) = file.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let (filter_layer, handle) = reload::Layer::new(filter(level));
    let file_layer = OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .ok()
        .map(|f| {
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .boxed()
        });
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .boxed();
    let _ = tracing_subscriber::registry()
        .with(filter_layer)
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    Arc::new(move |level| {
        if let Err(e) = handle.reload(filter(level)) {
            tracing::warn!(error = %e, "could not change the log level");
        }
    })
}

/// The log file: `SOFTPHONE_LOG_FILE`, else `<log_dir>/softphone.log`.
pub fn log_file(log_dir: &Path) -> PathBuf {
    std::env::var_os("SOFTPHONE_LOG_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| log_dir.join("softphone.log"))
}
