//! Per-stream RTP session state (RFC 3550): what we send and what we receive.
//!
//! Sending: [`RtpSession::next_header`] numbers packets from the caller's random initial
//! sequence number and maps the caller's media clock (samples since the stream started) onto
//! the random initial timestamp.
//!
//! Receiving: [`RtpSession::receive_rtp`] keeps the statistics of RFC 3550 Appendix A:
//! extended highest sequence number with cycle counting (A.1), cumulative loss and loss
//! fraction per report interval (A.3), interarrival jitter (A.8), and detects a change of the
//! sender's SSRC (statistics restart). [`RtpSession::receive_rtcp`] records the peer's sender
//! reports (for LSR/DLSR) and computes the round-trip time from report blocks about us:
//! `RTT = A − LSR − DLSR`.
//!
//! Reports: [`RtpSession::build_report`] returns a compound SR (if we sent since the last
//! report) or RR, followed by SDES CNAME. The NTP timestamps are derived from the caller's
//! clock plus [`RtpSessionConfig::ntp_offset_ms`]: only differences matter for the RTT, which
//! uses our own timestamps echoed back.
//!
//! Time is always a `now_ms: u64` argument (milliseconds on any monotonic clock).

use crate::rtcp::{Bye, ReceiverReport, ReportBlock, RtcpPacket, SdesChunk, SenderReport};
use crate::rtp::RtpHeader;

/// Packets out of order by more than this are treated as a restart (RFC 3550 A.1).
const MAX_DROPOUT: u16 = 3000;
/// Packets older than this are considered from before a restart (RFC 3550 A.1).
const MAX_MISORDER: u16 = 100;
/// Default RTCP report interval in milliseconds (RFC 3550 §6.2 minimum of 5 s).
pub const RTCP_INTERVAL_MS: u64 = 5000;

/// Configuration of one stream; the random values come from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpSessionConfig {
    /// Our SSRC (random).
    pub ssrc: u32,
    /// First sequence number (random).
    pub initial_sequence: u16,
    /// Timestamp of media time 0 (random).
    pub initial_timestamp: u32,
    /// RTP clock rate of the sent and received payload.
    pub clock_rate: u32,
    /// Our CNAME for SDES.
    pub cname: String,
    /// Added to `now_ms` to form NTP timestamps (milliseconds since 1900 at `now_ms == 0`);
    /// 0 is fine when the peer does not need wallclock time.
    pub ntp_offset_ms: u64,
}

/// What [`RtpSession::receive_rtp`] concluded about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveOutcome {
    /// An in-order or reordered packet of the current source.
    Accepted,
    /// A duplicate or a packet too old to matter; it was counted but should not be played.
    Duplicate,
    /// The first packet of a source, or a new SSRC replacing `previous` (the jitter buffer and
    /// decoder should be reset).
    NewSource {
        /// The SSRC that was being received before, if any.
        previous: Option<u32>,
    },
    /// A large sequence jump; the packet is dropped unless the next one confirms the jump.
    SequenceJump,
}

/// Receive statistics about the remote source.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReceiveStats {
    /// The remote SSRC.
    pub ssrc: u32,
    /// Packets received (including duplicates, as RFC 3550 counts them).
    pub packets_received: u64,
    /// Payload octets received.
    pub octets_received: u64,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Packets expected minus received since the start (negative with duplicates).
    pub cumulative_lost: i64,
    /// Loss fraction over the last report interval, 0–255 in 1/256 units.
    pub fraction_lost: u8,
    /// Interarrival jitter in timestamp units.
    pub jitter: f64,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f64,
}

/// Everything the session knows, for call statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionStats {
    /// Packets sent.
    pub packets_sent: u64,
    /// Payload octets sent.
    pub octets_sent: u64,
    /// About the remote source, once a packet arrived.
    pub receive: Option<ReceiveStats>,
    /// The latest report block the peer sent about our stream.
    pub remote_report: Option<ReportBlock>,
    /// Latest round-trip time estimate, in milliseconds.
    pub rtt_ms: Option<f64>,
    /// The peer sent BYE.
    pub remote_bye: bool,
}

#[derive(Debug, Clone)]
struct Source {
    ssrc: u32,
    base_seq: u16,
    max_seq: u16,
    cycles: u32,
    bad_seq: Option<u16>,
    received: u64,
    octets: u64,
    expected_prior: u64,
    received_prior: u64,
    fraction_lost: u8,
    last_transit: Option<i64>,
    jitter: f64,
    /// Middle 32 bits of the NTP time of the last SR, and when it arrived.
    last_sr: Option<(u32, u64)>,
}

impl Source {
    fn new(ssrc: u32, seq: u16) -> Self {
        Self {
            ssrc,
            base_seq: seq,
            max_seq: seq,
            cycles: 0,
            bad_seq: None,
            received: 0,
            octets: 0,
            expected_prior: 0,
            received_prior: 0,
            fraction_lost: 0,
            last_transit: None,
            jitter: 0.0,
            last_sr: None,
        }
    }

    fn restart(&mut self, seq: u16) {
        let ssrc = self.ssrc;
        let last_sr = self.last_sr;
        *self = Source::new(ssrc, seq);
        self.last_sr = last_sr;
    }

    fn extended_max(&self) -> u64 {
        u64::from(self.cycles) + u64::from(self.max_seq)
    }

    fn expected(&self) -> u64 {
        (self.extended_max() + 1).saturating_sub(u64::from(self.base_seq))
    }

    fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }
}

/// Per-stream RTP state. See the module documentation.
#[derive(Debug, Clone)]
pub struct RtpSession {
    config: RtpSessionConfig,
    next_sequence: u16,
    packets_sent: u64,
    octets_sent: u64,
    last_sent: Option<(u32, u64)>,
    sent_since_report: bool,
    source: Option<Source>,
    remote_report: Option<ReportBlock>,
    rtt_ms: Option<f64>,
    remote_bye: bool,
    last_report_ms: Option<u64>,
}

/// 64-bit NTP timestamp of `ms` milliseconds.
fn ntp_from_ms(ms: u64) -> u64 {
    let seconds = ms / 1000;
    let fraction = ((ms % 1000) << 32) / 1000;
    (seconds << 32) | fraction
}

/// Middle 32 bits of an NTP timestamp (the "compact" format of LSR).
fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

impl RtpSession {
    /// A session with nothing sent or received.
    pub fn new(config: RtpSessionConfig) -> Self {
        Self {
            next_sequence: config.initial_sequence,
            config,
            packets_sent: 0,
            octets_sent: 0,
            last_sent: None,
            sent_since_report: false,
            source: None,
            remote_report: None,
            rtt_ms: None,
            remote_bye: false,
            last_report_ms: None,
        }
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.config.ssrc
    }

    /// The SSRC being received, once known.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.source.as_ref().map(|s| s.ssrc)
    }

    /// The RTP clock rate.
    pub fn clock_rate(&self) -> u32 {
        self.config.clock_rate
    }

    /// The header for the next packet we send. `media_time` is the position of its first
    /// sample in samples since the stream started (telephone-event packets of one event share
    /// it). `payload_len` feeds the octet count.
    pub fn next_header(
        &mut self,
        now_ms: u64,
        payload_type: u8,
        marker: bool,
        media_time: u32,
        payload_len: usize,
    ) -> RtpHeader {
        let timestamp = self.config.initial_timestamp.wrapping_add(media_time);
        let mut header = RtpHeader::new(
            payload_type,
            self.next_sequence,
            timestamp,
            self.config.ssrc,
        );
        header.marker = marker;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.packets_sent += 1;
        self.octets_sent += payload_len as u64;
        // Map RTP time to wallclock from the first packet with a timestamp: the packets of one
        // telephone-event all carry its start timestamp.
        if self.last_sent.is_none_or(|(ts, _)| ts != timestamp) {
            self.last_sent = Some((timestamp, now_ms));
        }
        self.sent_since_report = true;
        header
    }

    /// Convenience: the next packet's bytes with `payload`.
    pub fn build_packet(
        &mut self,
        now_ms: u64,
        payload_type: u8,
        marker: bool,
        media_time: u32,
        payload: &[u8],
    ) -> Vec<u8> {
        self.next_header(now_ms, payload_type, marker, media_time, payload.len())
            .to_packet(payload)
    }

    /// Account for a received RTP packet (after SRTP, before the jitter buffer).
    pub fn receive_rtp(
        &mut self,
        now_ms: u64,
        header: &RtpHeader,
        payload_len: usize,
    ) -> ReceiveOutcome {
        let seq = header.sequence_number;
        let mut outcome = ReceiveOutcome::Accepted;
        let source = match &mut self.source {
            Some(s) if s.ssrc == header.ssrc => s,
            other => {
                let previous = other.as_ref().map(|s| s.ssrc);
                outcome = ReceiveOutcome::NewSource { previous };
                let mut fresh = Source::new(header.ssrc, seq);
                // A restarted source keeps nothing of the old one.
                fresh.last_sr = None;
                *other = Some(fresh);
                match other {
                    Some(s) => s,
                    None => return outcome,
                }
            }
        };
        if outcome == ReceiveOutcome::Accepted {
            // RFC 3550 A.1 update_seq.
            let delta = seq.wrapping_sub(source.max_seq);
            if delta == 0 && source.received > 0 {
                outcome = ReceiveOutcome::Duplicate;
            } else if delta < MAX_DROPOUT {
                if seq < source.max_seq {
                    source.cycles = source.cycles.wrapping_add(1 << 16);
                }
                source.max_seq = seq;
            } else if delta <= u16::MAX - MAX_MISORDER {
                // A very large jump: accept only if the next packet follows it.
                if source.bad_seq == Some(seq) {
                    source.restart(seq);
                } else {
                    source.bad_seq = Some(seq.wrapping_add(1));
                    return ReceiveOutcome::SequenceJump;
                }
            } else {
                // Reordered or duplicate of an older packet: counted, not a new maximum.
                outcome = ReceiveOutcome::Accepted;
            }
        }
        source.received += 1;
        source.octets += payload_len as u64;
        // RFC 3550 A.8 interarrival jitter, in timestamp units.
        let arrival = (now_ms as u128 * u128::from(self.config.clock_rate) / 1000) as u32;
        let transit = i64::from(arrival.wrapping_sub(header.timestamp) as i32);
        if let Some(last) = source.last_transit {
            let d = (i64::from((transit - last) as i32)).abs() as f64;
            source.jitter += (d - source.jitter) / 16.0;
        }
        source.last_transit = Some(transit);
        outcome
    }

    /// Account for a received (decrypted, parsed) compound RTCP packet.
    pub fn receive_rtcp(&mut self, now_ms: u64, packets: &[RtcpPacket]) {
        for packet in packets {
            let blocks: &[ReportBlock] = match packet {
                RtcpPacket::SenderReport(sr) => {
                    if let Some(source) = self.source.as_mut().filter(|s| s.ssrc == sr.ssrc) {
                        source.last_sr = Some((ntp_middle(sr.ntp_timestamp), now_ms));
                    }
                    &sr.reports
                }
                RtcpPacket::ReceiverReport(rr) => &rr.reports,
                RtcpPacket::Bye(bye) => {
                    if self
                        .source
                        .as_ref()
                        .is_some_and(|s| bye.sources.contains(&s.ssrc))
                    {
                        self.remote_bye = true;
                    }
                    &[]
                }
                _ => &[],
            };
            for block in blocks.iter().filter(|b| b.ssrc == self.config.ssrc) {
                self.remote_report = Some(*block);
                if block.last_sr != 0 {
                    let a = ntp_middle(ntp_from_ms(
                        now_ms.saturating_add(self.config.ntp_offset_ms),
                    ));
                    let rtt = a
                        .wrapping_sub(block.last_sr)
                        .wrapping_sub(block.delay_since_last_sr);
                    // A negative result (clock trouble) wraps to a huge value: ignore it.
                    if rtt < 0x8000_0000 {
                        self.rtt_ms = Some(f64::from(rtt) * 1000.0 / 65536.0);
                    }
                }
            }
        }
    }

    fn report_block(&mut self, now_ms: u64) -> Option<ReportBlock> {
        let source = self.source.as_mut()?;
        let expected = source.expected();
        let expected_interval = expected.saturating_sub(source.expected_prior);
        source.expected_prior = expected;
        let received_interval = source.received.saturating_sub(source.received_prior);
        source.received_prior = source.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        source.fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        let (last_sr, delay) = match source.last_sr {
            Some((lsr, at)) => (
                lsr,
                (now_ms.saturating_sub(at).saturating_mul(65536) / 1000).min(u64::from(u32::MAX))
                    as u32,
            ),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: source.ssrc,
            fraction_lost: source.fraction_lost,
            cumulative_lost: source.cumulative_lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            extended_highest_sequence: source.extended_max() as u32,
            jitter: source.jitter as u32,
            last_sr,
            delay_since_last_sr: delay,
        })
    }

    /// Build the periodic compound report: SR if we sent since the last report, else RR; then
    /// SDES CNAME. Updates the loss fraction.
    pub fn build_report(&mut self, now_ms: u64) -> Vec<u8> {
        self.last_report_ms = Some(now_ms);
        let reports: Vec<ReportBlock> = self.report_block(now_ms).into_iter().collect();
        let first = if self.sent_since_report {
            let (rtp_timestamp, at) = self
                .last_sent
                .unwrap_or((self.config.initial_timestamp, now_ms));
            let elapsed = now_ms
                .saturating_sub(at)
                .saturating_mul(u64::from(self.config.clock_rate))
                / 1000;
            RtcpPacket::SenderReport(SenderReport {
                ssrc: self.config.ssrc,
                ntp_timestamp: ntp_from_ms(now_ms.saturating_add(self.config.ntp_offset_ms)),
                rtp_timestamp: rtp_timestamp.wrapping_add(elapsed as u32),
                packet_count: self.packets_sent as u32,
                octet_count: self.octets_sent as u32,
                reports,
            })
        } else {
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: self.config.ssrc,
                reports,
            })
        };
        self.sent_since_report = false;
        let sdes = RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: self.config.ssrc,
            cname: Some(self.config.cname.clone()),
        }]);
        crate::rtcp::write_compound(&[first, sdes])
    }

    /// Build a final compound report followed by BYE.
    pub fn build_bye(&mut self, now_ms: u64) -> Vec<u8> {
        let mut out = self.build_report(now_ms);
        RtcpPacket::Bye(Bye {
            sources: vec![self.config.ssrc],
            reason: None,
        })
        .write(&mut out);
        out
    }

    /// Whether a report is due (none yet, or [`RTCP_INTERVAL_MS`] since the last one).
    pub fn report_due(&self, now_ms: u64) -> bool {
        self.last_report_ms
            .is_none_or(|at| now_ms.saturating_sub(at) >= RTCP_INTERVAL_MS)
    }

    /// When the next report is due.
    pub fn next_report_at(&self) -> u64 {
        self.last_report_ms.map_or(0, |at| at + RTCP_INTERVAL_MS)
    }

    /// Current statistics.
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            packets_sent: self.packets_sent,
            octets_sent: self.octets_sent,
            receive: self.source.as_ref().map(|s| ReceiveStats {
                ssrc: s.ssrc,
                packets_received: s.received,
                octets_received: s.octets,
                extended_highest_sequence: s.extended_max() as u32,
                cumulative_lost: s.cumulative_lost(),
                fraction_lost: s.fraction_lost,
                jitter: s.jitter,
                jitter_ms: s.jitter * 1000.0 / f64::from(self.config.clock_rate.max(1)),
            }),
            remote_report: self.remote_report,
            rtt_ms: self.rtt_ms,
            remote_bye: self.remote_bye,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::parse_compound;

    fn config(ssrc: u32) -> RtpSessionConfig {
        RtpSessionConfig {
            ssrc,
            initial_sequence: 65534,
            initial_timestamp: 0xffff_ff00,
            clock_rate: 8000,
            cname: format!("{ssrc}@test"),
            ntp_offset_ms: 0,
        }
    }

    fn header(seq: u16, ts: u32, ssrc: u32) -> RtpHeader {
        RtpHeader::new(0, seq, ts, ssrc)
    }

    #[test]
    fn sending_numbers_and_timestamps() {
        let mut s = RtpSession::new(config(7));
        let h: Vec<RtpHeader> = (0..4)
            .map(|i| s.next_header(i * 20, 0, i == 0, i as u32 * 160, 160))
            .collect();
        assert_eq!(
            h.iter().map(|h| h.sequence_number).collect::<Vec<_>>(),
            vec![65534, 65535, 0, 1]
        );
        assert_eq!(
            h.iter().map(|h| h.timestamp).collect::<Vec<_>>(),
            vec![0xffff_ff00, 0xffff_ffa0, 0x40, 0xe0]
        );
        assert!(h[0].marker && !h[1].marker);
        assert_eq!(s.stats().packets_sent, 4);
        assert_eq!(s.stats().octets_sent, 640);
    }

    #[test]
    fn loss_reorder_duplicate_and_wrap() {
        let mut s = RtpSession::new(config(1));
        // seq 65533..=2 with 65535 lost, 1 and 0 swapped, 2 duplicated.
        let order = [65533u16, 65534, 1, 0, 2, 2];
        let mut outcomes = Vec::new();
        for (i, seq) in order.iter().enumerate() {
            outcomes.push(s.receive_rtp(
                i as u64 * 20,
                &header(*seq, u32::from(*seq) * 160, 99),
                160,
            ));
        }
        assert_eq!(outcomes[0], ReceiveOutcome::NewSource { previous: None });
        assert_eq!(outcomes[5], ReceiveOutcome::Duplicate);
        let r = s.stats().receive.expect("receiving");
        assert_eq!(r.extended_highest_sequence, 65536 + 2);
        // Expected 6 (65533..=2), received 6 including the duplicate: cumulative 0, as RFC 3550.
        assert_eq!(r.cumulative_lost, 0);
        let report = parse_compound(&s.build_report(200)).expect("valid");
        let RtcpPacket::ReceiverReport(rr) = &report[0] else {
            panic!("RR expected")
        };
        assert_eq!(rr.reports[0].ssrc, 99);
        assert_eq!(rr.reports[0].extended_highest_sequence, 65538);
        assert!(
            matches!(&report[1], RtcpPacket::SourceDescription(c) if c[0].cname.as_deref() == Some("1@test"))
        );
    }

    #[test]
    fn fraction_lost_per_interval() {
        let mut s = RtpSession::new(config(1));
        for seq in 0..100u16 {
            if seq % 4 != 0 || seq == 0 {
                s.receive_rtp(
                    u64::from(seq) * 20,
                    &header(seq, u32::from(seq) * 160, 5),
                    160,
                );
            }
        }
        s.build_report(2000);
        let r = s.stats().receive.expect("receiving");
        assert_eq!(r.cumulative_lost, 24);
        assert_eq!(r.fraction_lost, (24 * 256 / 100) as u8);
        // Next interval without loss.
        for seq in 100..150u16 {
            s.receive_rtp(
                u64::from(seq) * 20,
                &header(seq, u32::from(seq) * 160, 5),
                160,
            );
        }
        s.build_report(3000);
        assert_eq!(
            s.stats()
                .receive
                .map(|r| (r.fraction_lost, r.cumulative_lost)),
            Some((0, 24))
        );
    }

    #[test]
    fn jitter_follows_rfc3550_a8() {
        let mut s = RtpSession::new(config(1));
        // Perfect pacing: no jitter.
        for i in 0..50u16 {
            s.receive_rtp(u64::from(i) * 20, &header(i, u32::from(i) * 160, 5), 160);
        }
        assert!(s.stats().receive.expect("rx").jitter < 1e-9);
        // Alternate 10 ms early/late: |D| = 160 units each time, jitter converges to 160 (20 ms).
        for i in 50..400u16 {
            let wobble: i64 = if i % 2 == 0 { 10 } else { -10 };
            let at = (i64::from(i) * 20 + wobble) as u64;
            s.receive_rtp(at, &header(i, u32::from(i) * 160, 5), 160);
        }
        let r = s.stats().receive.expect("rx");
        assert!((r.jitter - 160.0).abs() < 1.0, "jitter {}", r.jitter);
        assert!((r.jitter_ms - 20.0).abs() < 0.2);
    }

    #[test]
    fn ssrc_change_restarts_statistics() {
        let mut s = RtpSession::new(config(1));
        s.receive_rtp(0, &header(10, 0, 5), 160);
        s.receive_rtp(20, &header(11, 160, 5), 160);
        let outcome = s.receive_rtp(40, &header(5000, 9999, 6), 160);
        assert_eq!(outcome, ReceiveOutcome::NewSource { previous: Some(5) });
        let r = s.stats().receive.expect("rx");
        assert_eq!(
            (r.ssrc, r.packets_received, r.extended_highest_sequence),
            (6, 1, 5000)
        );
        // A sequence jump within one SSRC needs confirmation.
        assert_eq!(
            s.receive_rtp(60, &header(40000, 0, 6), 160),
            ReceiveOutcome::SequenceJump
        );
        assert_eq!(
            s.receive_rtp(80, &header(40001, 160, 6), 160),
            ReceiveOutcome::Accepted
        );
        assert_eq!(
            s.stats().receive.map(|r| r.extended_highest_sequence),
            Some(40001)
        );
    }

    #[test]
    fn round_trip_time_from_lsr_dlsr() {
        let mut alice = RtpSession::new(config(1));
        let mut bob = RtpSession::new(RtpSessionConfig {
            ntp_offset_ms: 123_456_789,
            ..config(2)
        });
        // Both send a packet so each knows the other.
        let a = alice.next_header(0, 0, true, 0, 160);
        let b = bob.next_header(0, 0, true, 0, 160);
        // One-way delay 40 ms each way: RTT 80 ms.
        bob.receive_rtp(40, &a, 160);
        alice.receive_rtp(40, &b, 160);
        let sr = alice.build_report(1000);
        let parsed = parse_compound(&sr).expect("valid");
        assert!(matches!(parsed[0], RtcpPacket::SenderReport(_)));
        bob.receive_rtcp(1040, &parsed);
        // Bob answers 300 ms later.
        let rr = bob.build_report(1340);
        alice.receive_rtcp(1380, &parse_compound(&rr).expect("valid"));
        let rtt = alice.stats().rtt_ms.expect("rtt");
        assert!((rtt - 80.0).abs() < 1.0, "rtt {rtt}");
        assert!(alice.stats().remote_report.is_some());
        // BYE.
        let bye = bob.build_bye(2000);
        alice.receive_rtcp(2040, &parse_compound(&bye).expect("valid"));
        assert!(alice.stats().remote_bye);
    }

    #[test]
    fn report_schedule() {
        let mut s = RtpSession::new(config(1));
        assert!(s.report_due(0));
        s.build_report(0);
        assert!(!s.report_due(4999));
        assert!(s.report_due(5000));
        assert_eq!(s.next_report_at(), 5000);
        let parsed = parse_compound(&s.build_report(5000)).expect("valid");
        assert!(matches!(&parsed[0], RtcpPacket::ReceiverReport(rr) if rr.reports.is_empty()));
    }
}
