//! The plain (decrypted) RTP packets the session hands to the media path.

/// One RTP packet after SRTP decryption, as received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket {
    /// RTP payload type (as negotiated in the SDP, e.g. 111 for Opus).
    pub payload_type: u8,
    /// RTP sequence number.
    pub sequence_number: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source of the sender.
    pub ssrc: u32,
    /// RTP marker bit.
    pub marker: bool,
    /// The payload (e.g. one Opus frame).
    pub payload: Vec<u8>,
}
