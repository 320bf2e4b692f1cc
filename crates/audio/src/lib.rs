//! Audio devices for the softphone.
//!
//! Owns: capture and playback through `cpal`, the device list and hot-plug by polling,
//! resampling, the lock-free rings that carry 20 ms frames to and from the engine, and WAV/null
//! devices for tests and scripts.
//!
//! Must never depend on: the `sip` or `media` crates, tokio, or any network code. The audio
//! callback threads never block, lock or allocate.
