//! RTCP packets (RFC 3550 §6): SR, RR, SDES (CNAME), BYE; anything else kept opaque.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|    RC   |   PT=SR=200   |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         SSRC of sender                        |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |              NTP timestamp, most significant word             |
//! |             NTP timestamp, least significant word             |
//! |                         RTP timestamp                         |
//! |                     sender's packet count                     |
//! |                      sender's octet count                     |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                 SSRC_1 (SSRC of first source)                 |
//! | fraction lost |       cumulative number of packets lost       |
//! |           extended highest sequence number received           |
//! |                      interarrival jitter                      |
//! |                         last SR (LSR)                         |
//! |                   delay since last SR (DLSR)                  |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! ```
//!
//! [`parse_compound`] never panics; a malformed compound packet is an error as a whole.

use crate::error::PacketError;

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of source description.
pub const PT_SDES: u8 = 202;
/// Packet type of BYE.
pub const PT_BYE: u8 = 203;

/// One reception report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed; duplicates can make it negative).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from that source (0 if none).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// A sender report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderReport {
    /// Sender SSRC.
    pub ssrc: u32,
    /// 64-bit NTP timestamp.
    pub ntp_timestamp: u64,
    /// RTP timestamp corresponding to the NTP timestamp.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
    /// Report blocks (at most 31).
    pub reports: Vec<ReportBlock>,
}

/// A receiver report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverReport {
    /// Reporter SSRC.
    pub ssrc: u32,
    /// Report blocks (at most 31).
    pub reports: Vec<ReportBlock>,
}

/// One SDES chunk; only CNAME is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its CNAME, if the chunk carries one.
    pub cname: Option<String>,
}

/// A BYE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bye {
    /// The sources leaving (at most 31).
    pub sources: Vec<u32>,
    /// The reason, if given.
    pub reason: Option<String>,
}

/// One RTCP packet of a compound packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// SR.
    SenderReport(SenderReport),
    /// RR.
    ReceiverReport(ReceiverReport),
    /// SDES.
    SourceDescription(Vec<SdesChunk>),
    /// BYE.
    Bye(Bye),
    /// Any other packet type (APP, feedback, XR…), kept as raw bytes including its header.
    Other {
        /// Packet type.
        packet_type: u8,
        /// The whole packet.
        data: Vec<u8>,
    },
}

fn be32(b: &[u8], at: usize) -> Result<u32, PacketError> {
    match b.get(at..at + 4) {
        Some(s) => Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]])),
        None => Err(PacketError::Truncated),
    }
}

fn parse_blocks(body: &[u8], at: usize, count: usize) -> Result<Vec<ReportBlock>, PacketError> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let o = at + 24 * i;
        let word = be32(body, o + 4)?;
        // Sign-extend the 24-bit cumulative loss.
        let cumulative = ((word << 8) as i32) >> 8;
        out.push(ReportBlock {
            ssrc: be32(body, o)?,
            fraction_lost: (word >> 24) as u8,
            cumulative_lost: cumulative,
            extended_highest_sequence: be32(body, o + 8)?,
            jitter: be32(body, o + 12)?,
            last_sr: be32(body, o + 16)?,
            delay_since_last_sr: be32(body, o + 20)?,
        });
    }
    Ok(out)
}

fn parse_sdes(body: &[u8], count: usize) -> Result<Vec<SdesChunk>, PacketError> {
    let mut chunks = Vec::with_capacity(count);
    let mut at = 0usize;
    for _ in 0..count {
        let ssrc = be32(body, at)?;
        at += 4;
        let mut cname = None;
        loop {
            let item = *body.get(at).ok_or(PacketError::Truncated)?;
            if item == 0 {
                // End of items: skip to the next 32-bit boundary.
                at += 1;
                at = at.div_ceil(4) * 4;
                break;
            }
            let len = usize::from(*body.get(at + 1).ok_or(PacketError::Truncated)?);
            let text = body
                .get(at + 2..at + 2 + len)
                .ok_or(PacketError::Truncated)?;
            if item == 1 && cname.is_none() {
                cname = Some(String::from_utf8_lossy(text).into_owned());
            }
            at += 2 + len;
        }
        chunks.push(SdesChunk { ssrc, cname });
    }
    Ok(chunks)
}

/// Parse a compound RTCP packet (or a single packet).
pub fn parse_compound(data: &[u8]) -> Result<Vec<RtcpPacket>, PacketError> {
    let mut packets = Vec::new();
    let mut rest = data;
    if rest.is_empty() {
        return Err(PacketError::Truncated);
    }
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(PacketError::Truncated);
        }
        if rest[0] >> 6 != 2 {
            return Err(PacketError::BadVersion);
        }
        let count = usize::from(rest[0] & 0x1f);
        let packet_type = rest[1];
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        let whole = rest.get(..len).ok_or(PacketError::BadLength)?;
        let mut end = len;
        if rest[0] & 0x20 != 0 {
            let pad = usize::from(whole[len - 1]);
            if pad == 0 || pad > len - 4 {
                return Err(PacketError::BadPadding);
            }
            end -= pad;
        }
        // Body after the 4-byte common header.
        let body = &whole[4..end];
        let packet = match packet_type {
            PT_SR => {
                if body.len() < 24 + 24 * count {
                    return Err(PacketError::BadLength);
                }
                let ntp_hi = be32(body, 4)?;
                let ntp_lo = be32(body, 8)?;
                RtcpPacket::SenderReport(SenderReport {
                    ssrc: be32(body, 0)?,
                    ntp_timestamp: u64::from(ntp_hi) << 32 | u64::from(ntp_lo),
                    rtp_timestamp: be32(body, 12)?,
                    packet_count: be32(body, 16)?,
                    octet_count: be32(body, 20)?,
                    reports: parse_blocks(body, 24, count)?,
                })
            }
            PT_RR => {
                if body.len() < 4 + 24 * count {
                    return Err(PacketError::BadLength);
                }
                RtcpPacket::ReceiverReport(ReceiverReport {
                    ssrc: be32(body, 0)?,
                    reports: parse_blocks(body, 4, count)?,
                })
            }
            PT_SDES => RtcpPacket::SourceDescription(parse_sdes(body, count)?),
            PT_BYE => {
                if body.len() < 4 * count {
                    return Err(PacketError::BadLength);
                }
                let sources = (0..count)
                    .map(|i| be32(body, 4 * i))
                    .collect::<Result<Vec<_>, _>>()?;
                let reason = match body.get(4 * count) {
                    Some(&n) => {
                        let text = body
                            .get(4 * count + 1..4 * count + 1 + usize::from(n))
                            .ok_or(PacketError::Truncated)?;
                        Some(String::from_utf8_lossy(text).into_owned())
                    }
                    None => None,
                };
                RtcpPacket::Bye(Bye { sources, reason })
            }
            _ => RtcpPacket::Other {
                packet_type,
                data: whole.to_vec(),
            },
        };
        packets.push(packet);
        rest = &rest[len..];
    }
    Ok(packets)
}

fn header(out: &mut Vec<u8>, count: usize, packet_type: u8) -> usize {
    let at = out.len();
    out.push(0x80 | (count.min(31) as u8));
    out.push(packet_type);
    out.extend_from_slice(&[0, 0]);
    at
}

fn finish(out: &mut Vec<u8>, at: usize) {
    while (out.len() - at) % 4 != 0 {
        out.push(0);
    }
    let words = ((out.len() - at) / 4 - 1).min(usize::from(u16::MAX)) as u16;
    out[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
}

fn write_blocks(out: &mut Vec<u8>, blocks: &[ReportBlock]) {
    for b in blocks.iter().take(31) {
        out.extend_from_slice(&b.ssrc.to_be_bytes());
        let lost = (b.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
        out.extend_from_slice(&(u32::from(b.fraction_lost) << 24 | lost).to_be_bytes());
        out.extend_from_slice(&b.extended_highest_sequence.to_be_bytes());
        out.extend_from_slice(&b.jitter.to_be_bytes());
        out.extend_from_slice(&b.last_sr.to_be_bytes());
        out.extend_from_slice(&b.delay_since_last_sr.to_be_bytes());
    }
}

impl RtcpPacket {
    /// Append this packet to `out`. Lists longer than the format allows (31 report blocks or
    /// sources, 255-byte texts) are truncated.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            RtcpPacket::SenderReport(sr) => {
                let at = header(out, sr.reports.len(), PT_SR);
                out.extend_from_slice(&sr.ssrc.to_be_bytes());
                out.extend_from_slice(&sr.ntp_timestamp.to_be_bytes());
                out.extend_from_slice(&sr.rtp_timestamp.to_be_bytes());
                out.extend_from_slice(&sr.packet_count.to_be_bytes());
                out.extend_from_slice(&sr.octet_count.to_be_bytes());
                write_blocks(out, &sr.reports);
                finish(out, at);
            }
            RtcpPacket::ReceiverReport(rr) => {
                let at = header(out, rr.reports.len(), PT_RR);
                out.extend_from_slice(&rr.ssrc.to_be_bytes());
                write_blocks(out, &rr.reports);
                finish(out, at);
            }
            RtcpPacket::SourceDescription(chunks) => {
                let at = header(out, chunks.len(), PT_SDES);
                for c in chunks.iter().take(31) {
                    out.extend_from_slice(&c.ssrc.to_be_bytes());
                    let start = out.len();
                    if let Some(cname) = &c.cname {
                        let bytes = truncate(cname.as_bytes());
                        out.push(1);
                        out.push(bytes.len() as u8);
                        out.extend_from_slice(bytes);
                    }
                    // Null terminator, then pad the chunk to 32 bits.
                    out.push(0);
                    while (out.len() - start) % 4 != 0 {
                        out.push(0);
                    }
                }
                finish(out, at);
            }
            RtcpPacket::Bye(bye) => {
                let at = header(out, bye.sources.len(), PT_BYE);
                for s in bye.sources.iter().take(31) {
                    out.extend_from_slice(&s.to_be_bytes());
                }
                if let Some(reason) = &bye.reason {
                    let bytes = truncate(reason.as_bytes());
                    out.push(bytes.len() as u8);
                    out.extend_from_slice(bytes);
                }
                finish(out, at);
            }
            RtcpPacket::Other { data, .. } => out.extend_from_slice(data),
        }
    }
}

/// At most 255 bytes, cut on a character boundary.
fn truncate(bytes: &[u8]) -> &[u8] {
    let mut n = bytes.len().min(255);
    while n > 0 && n < bytes.len() && (bytes[n] & 0xc0) == 0x80 {
        n -= 1;
    }
    &bytes[..n]
}

/// Serialize a compound packet.
pub fn write_compound(packets: &[RtcpPacket]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in packets {
        p.write(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> ReportBlock {
        ReportBlock {
            ssrc: 0xaabb_ccdd,
            fraction_lost: 25,
            cumulative_lost: -3,
            extended_highest_sequence: 0x0001_0005,
            jitter: 42,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 65536,
        }
    }

    #[test]
    fn compound_round_trip() {
        let packets = vec![
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 1,
                ntp_timestamp: 0x0102_0304_0506_0708,
                rtp_timestamp: 160,
                packet_count: 10,
                octet_count: 1600,
                reports: vec![block()],
            }),
            RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 1,
                cname: Some("alice@example".into()),
            }]),
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: 2,
                reports: vec![block(), block()],
            }),
            RtcpPacket::Bye(Bye {
                sources: vec![1, 2],
                reason: Some("bye".into()),
            }),
            RtcpPacket::Other {
                packet_type: 204,
                data: vec![0x80, 204, 0, 1, 0, 0, 0, 9],
            },
        ];
        let bytes = write_compound(&packets);
        assert_eq!(bytes.len() % 4, 0);
        assert_eq!(parse_compound(&bytes), Ok(packets));
    }

    #[test]
    fn known_receiver_report() {
        let bytes = [
            0x81, 201, 0, 7, 0, 0, 0, 1, // RR, one block, ssrc 1
            0, 0, 0, 2, 0x40, 0xff, 0xff, 0xff, // ssrc 2, fraction 64, cumulative -1
            0, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let parsed = parse_compound(&bytes).expect("valid");
        let RtcpPacket::ReceiverReport(rr) = &parsed[0] else {
            panic!("not an RR")
        };
        assert_eq!(rr.reports[0].fraction_lost, 64);
        assert_eq!(rr.reports[0].cumulative_lost, -1);
        assert_eq!(rr.reports[0].extended_highest_sequence, 100);
        assert_eq!(write_compound(&parsed), bytes);
    }

    #[test]
    fn rejects_malformed() {
        assert!(parse_compound(&[]).is_err());
        assert!(parse_compound(&[0x80, 201, 0]).is_err());
        assert_eq!(
            parse_compound(&[0x40, 201, 0, 1, 0, 0, 0, 1]),
            Err(PacketError::BadVersion)
        );
        // Length says 3 words, only 2 present.
        assert_eq!(
            parse_compound(&[0x80, 201, 0, 2, 0, 0, 0, 1]),
            Err(PacketError::BadLength)
        );
        // RR claims one block, has none.
        assert_eq!(
            parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 1]),
            Err(PacketError::BadLength)
        );
        // SDES chunk with an item running past the end.
        assert!(parse_compound(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'a', b'b']).is_err());
        // Padding larger than the packet.
        assert_eq!(
            parse_compound(&[0xa0, 201, 0, 1, 0, 0, 0, 9]),
            Err(PacketError::BadPadding)
        );
    }
}
