//! The softphone engine: a thin tokio driver around the sans-IO protocol crates.
//!
//! Owns: sockets (UDP/TCP/TLS/WS/WSS), DNS, timers, the Call aggregate that joins a SIP session
//! to a media session and the audio devices, and the typed API every front end uses
//! ([`api::Command`], [`api::Event`], [`api::Snapshot`], [`api::CommandError`]).
//!
//! Must never depend on: Tauri, any UI toolkit, or the keyring (front ends hand secrets in
//! through [`api::Credential`]). The engine is driven the same way by the desktop shell, the
//! `softphone-cli` binary and the tests.

mod account;
mod account_calls;
pub mod api;
pub mod dns;
mod echo;
pub mod jssip_import;
pub mod keepalive;
pub mod media_path;
pub mod netwatch;
mod runtime;
mod sdp_text;
pub mod server;
mod state;
pub mod target;
pub mod transport;

pub use api::*;
pub use media_path::AudioRoute;
pub use runtime::{Engine, EngineConfig};
