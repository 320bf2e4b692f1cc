//! stub
/// stub
pub struct RtpSession;
