//! RTP packets (RFC 3550 §5.1): parse and build.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           timestamp                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           synchronization source (SSRC) identifier            |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |            contributing source (CSRC) identifiers             |
//! |                             ....                              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A header extension is parsed past and kept as opaque bytes; padding is removed from the
//! payload. The parser never panics.

use crate::error::PacketError;

/// Fixed RTP header length.
pub const RTP_HEADER_LEN: usize = 12;

/// An opaque header extension (RFC 3550 §5.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderExtension {
    /// The profile-defined 16 bits.
    pub profile: u16,
    /// Extension data, a multiple of 4 bytes.
    pub data: Vec<u8>,
}

/// An RTP header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpHeader {
    /// Marker bit.
    pub marker: bool,
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronization source.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrc: Vec<u32>,
    /// Header extension, if present.
    pub extension: Option<HeaderExtension>,
}

/// A parsed RTP packet borrowing its payload from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The header.
    pub header: RtpHeader,
    /// Header length in bytes (fixed part, CSRCs and extension).
    pub header_len: usize,
    /// The payload, padding removed.
    pub payload: &'a [u8],
    /// Number of padding bytes that followed the payload (0 when P was clear).
    pub padding: u8,
}

fn be16(b: &[u8], at: usize) -> Result<u16, PacketError> {
    match b.get(at..at + 2) {
        Some(s) => Ok(u16::from_be_bytes([s[0], s[1]])),
        None => Err(PacketError::Truncated),
    }
}

fn be32(b: &[u8], at: usize) -> Result<u32, PacketError> {
    match b.get(at..at + 4) {
        Some(s) => Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]])),
        None => Err(PacketError::Truncated),
    }
}

/// Length of the RTP header (fixed part, CSRC list and extension) of `packet`.
pub fn header_len(packet: &[u8]) -> Result<usize, PacketError> {
    let first = *packet.first().ok_or(PacketError::Truncated)?;
    if first >> 6 != 2 {
        return Err(PacketError::BadVersion);
    }
    if packet.len() < RTP_HEADER_LEN {
        return Err(PacketError::Truncated);
    }
    let cc = usize::from(first & 0x0f);
    let mut len = RTP_HEADER_LEN + 4 * cc;
    if first & 0x10 != 0 {
        let words = usize::from(be16(packet, len + 2)?);
        len += 4 + 4 * words;
    }
    if len > packet.len() {
        return Err(PacketError::Truncated);
    }
    Ok(len)
}

impl<'a> RtpPacket<'a> {
    /// Parse an RTP packet.
    pub fn parse(packet: &'a [u8]) -> Result<Self, PacketError> {
        let len = header_len(packet)?;
        let first = packet[0];
        let second = packet[1];
        let cc = usize::from(first & 0x0f);
        let csrc = (0..cc)
            .map(|i| be32(packet, 12 + 4 * i))
            .collect::<Result<Vec<_>, _>>()?;
        let extension = if first & 0x10 != 0 {
            let at = RTP_HEADER_LEN + 4 * cc;
            Some(HeaderExtension {
                profile: be16(packet, at)?,
                data: packet[at + 4..len].to_vec(),
            })
        } else {
            None
        };
        let mut end = packet.len();
        let mut padding = 0u8;
        if first & 0x20 != 0 {
            padding = *packet.last().ok_or(PacketError::Truncated)?;
            if padding == 0 || usize::from(padding) > end - len {
                return Err(PacketError::BadPadding);
            }
            end -= usize::from(padding);
        }
        Ok(Self {
            header: RtpHeader {
                marker: second & 0x80 != 0,
                payload_type: second & 0x7f,
                sequence_number: be16(packet, 2)?,
                timestamp: be32(packet, 4)?,
                ssrc: be32(packet, 8)?,
                csrc,
                extension,
            },
            header_len: len,
            payload: &packet[len..end],
            padding,
        })
    }
}

impl RtpHeader {
    /// A header with no CSRC and no extension.
    pub fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        Self {
            marker: false,
            payload_type: payload_type & 0x7f,
            sequence_number,
            timestamp,
            ssrc,
            csrc: Vec::new(),
            extension: None,
        }
    }

    /// Append the header, `payload` and `padding` bytes of padding (0 for none) to `out`.
    ///
    /// At most 15 CSRCs are written; extension data is zero-padded to a multiple of 4 bytes.
    pub fn write(&self, payload: &[u8], padding: u8, out: &mut Vec<u8>) {
        let cc = self.csrc.len().min(15);
        let mut first = 0x80 | cc as u8;
        if padding > 0 {
            first |= 0x20;
        }
        if self.extension.is_some() {
            first |= 0x10;
        }
        out.push(first);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7f));
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for c in &self.csrc[..cc] {
            out.extend_from_slice(&c.to_be_bytes());
        }
        if let Some(ext) = &self.extension {
            let words = ext.data.len().div_ceil(4).min(usize::from(u16::MAX));
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&(words as u16).to_be_bytes());
            let data = &ext.data[..ext.data.len().min(words * 4)];
            out.extend_from_slice(data);
            out.resize(out.len() + (words * 4 - data.len()), 0);
        }
        out.extend_from_slice(payload);
        if padding > 0 {
            out.resize(out.len() + usize::from(padding) - 1, 0);
            out.push(padding);
        }
    }

    /// The header followed by `payload`, as a new packet.
    pub fn to_packet(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(RTP_HEADER_LEN + 4 * self.csrc.len() + payload.len());
        self.write(payload, 0, &mut out);
        out
    }
}

/// Whether a datagram on a muxed port is RTCP rather than RTP (RFC 5761 §4: payload types
/// 64–95 with the marker bit are RTCP packet types 192–223).
pub fn is_rtcp(packet: &[u8]) -> bool {
    packet.len() >= 2 && packet[0] >> 6 == 2 && (192..=223).contains(&packet[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_csrc_extension_padding() {
        let mut h = RtpHeader::new(111, 65535, 0xdead_beef, 0x1234_5678);
        h.marker = true;
        h.csrc = vec![1, 2, 3];
        h.extension = Some(HeaderExtension {
            profile: 0xbede,
            data: vec![0x10, 0xaa, 0, 0],
        });
        let mut out = Vec::new();
        h.write(b"hello", 3, &mut out);
        let p = RtpPacket::parse(&out).expect("valid");
        assert_eq!(p.header, h);
        assert_eq!(p.payload, b"hello");
        assert_eq!(p.padding, 3);
        assert_eq!(p.header_len, 12 + 12 + 8);
    }

    #[test]
    fn known_bytes() {
        // PCMU, seq 1, ts 160, ssrc 0x01020304, marker.
        let bytes = [0x80, 0x80, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4, 0xff, 0xff];
        let p = RtpPacket::parse(&bytes).expect("valid");
        assert!(p.header.marker);
        assert_eq!(p.header.payload_type, 0);
        assert_eq!(p.header.sequence_number, 1);
        assert_eq!(p.header.timestamp, 160);
        assert_eq!(p.header.ssrc, 0x0102_0304);
        assert_eq!(p.payload, &[0xff, 0xff]);
        assert_eq!(p.header.to_packet(p.payload), bytes);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(RtpPacket::parse(&[]), Err(PacketError::Truncated));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(PacketError::BadVersion));
        assert_eq!(RtpPacket::parse(&[0x80; 11]), Err(PacketError::Truncated));
        // CC=2 but no CSRCs.
        assert_eq!(
            RtpPacket::parse(&[0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(PacketError::Truncated)
        );
        // Extension header claims 1 word, absent.
        let mut ext = vec![0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1];
        assert_eq!(RtpPacket::parse(&ext), Err(PacketError::Truncated));
        ext.extend_from_slice(&[0; 4]);
        assert!(RtpPacket::parse(&ext).is_ok());
        // Padding: zero, or longer than the payload.
        let mut pad = vec![0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(RtpPacket::parse(&pad), Err(PacketError::BadPadding));
        *pad.last_mut().expect("non-empty") = 3;
        assert_eq!(RtpPacket::parse(&pad), Err(PacketError::BadPadding));
        *pad.last_mut().expect("non-empty") = 2;
        assert_eq!(RtpPacket::parse(&pad).map(|p| p.payload.len()), Ok(0));
    }

    #[test]
    fn rtcp_demultiplexing() {
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
        assert!(is_rtcp(&[0x81, 201, 0, 7]));
        assert!(!is_rtcp(&[0x80, 0, 0, 1]));
        assert!(!is_rtcp(&[0x80, 0x80 | 111, 0, 1]));
    }
}
