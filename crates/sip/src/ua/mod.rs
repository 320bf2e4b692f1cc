//! The user-agent layer: transactions and registration, sans-IO.
//!
//! Every state machine here takes the current time as an argument (`now: Instant`) and never
//! reads a clock; randomness (tags, branches, Call-IDs, cnonces) comes from an injected
//! [`RandomSource`]. Output is drained with `poll_transmit`, `poll_event` and `poll_timeout`.

pub mod call;
pub mod random;
pub mod registration;
pub mod transaction;

pub use call::{parse_dtmf_info, Call, CallConfig, CallEvent, CallState, DtmfInfo, ModifyKind};
pub use random::{RandomSource, SeededRandom};
pub use registration::{
    AuthSecret, Registration, RegistrationConfig, RegistrationEvent, RegistrationState,
};
pub use transaction::{ClientNonInvite, NonInviteState, TimerConfig, TransactionOutput};
