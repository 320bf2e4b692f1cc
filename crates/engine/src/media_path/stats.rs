//! Call-quality figures and audio levels from the media loop's counters.

use super::transport::TransportCounters;
use crate::api::CallStats;
use softphone_media::jitter::JitterStats;
use softphone_media::negotiation::Codec;
use softphone_media::quality;
use softphone_media::session::SessionStats;

/// Framing, look-ahead and device buffers added to the network and jitter-buffer delay for
/// the MOS estimate (20 ms packets, 40 ms playback ring, a capture period).
const CODEC_DELAY_MS: f64 = 70.0;

/// Everything the figures are made of.
pub(super) struct StatsInput<'a> {
    pub(super) codec: Codec,
    pub(super) session: &'a SessionStats,
    pub(super) jitter: &'a JitterStats,
    pub(super) transport: TransportCounters,
    /// Packets dropped by the loop itself (foreign SSRC, unknown payload type).
    pub(super) foreign: u64,
    pub(super) encrypted: bool,
    pub(super) summary: bool,
}

/// The figures for [`crate::api::Event::CallStatsUpdated`].
pub(super) fn call_stats(input: &StatsInput<'_>) -> CallStats {
    let receive = input.session.receive.as_ref();
    let received = receive.map_or(0, |r| r.packets_received);
    let lost = receive.map_or(0, |r| r.cumulative_lost.max(0) as u64);
    let expected = received + lost;
    let loss = if expected == 0 {
        0.0
    } else {
        lost as f32 / expected as f32
    };
    let mos =
        quality::listening_conditions(input.session, input.jitter, input.codec, CODEC_DELAY_MS)
            .map_or(0.0, |c| quality::mos(&c) as f32);
    let t = input.transport;
    CallStats {
        codec: input.codec.encoding_name().to_string(),
        jitter_ms: receive.map_or(0.0, |r| r.jitter_ms as f32),
        loss,
        rtt_ms: input.session.rtt_ms.map(|r| r as f32),
        buffer_ms: input.jitter.delay_ms.max(0.0) as f32,
        mos,
        packets_sent: input.session.packets_sent,
        packets_received: received,
        packets_dropped: t.malformed + t.auth_failures + t.replays + input.foreign,
        encrypted: input.encrypted,
        summary: input.summary,
    }
}

/// Loss in percent over the last report interval, as the encoder's expected loss.
pub(super) fn loss_percent(session: &SessionStats) -> u8 {
    let from_us = session
        .receive
        .as_ref()
        .map_or(0, |r| u32::from(r.fraction_lost));
    // What the peer reports about our stream is what the encoder should protect against.
    let from_peer = session
        .remote_report
        .as_ref()
        .map_or(0, |b| u32::from(b.fraction_lost));
    (from_peer.max(from_us) * 100 / 256).min(100) as u8
}

/// RMS level of the audio that went through over a window, in dBFS.
#[derive(Debug, Default)]
pub(super) struct LevelMeter {
    sum: f64,
    count: u64,
}

impl LevelMeter {
    /// Adds samples (−1…1).
    pub(super) fn add(&mut self, samples: &[f32]) {
        self.sum += samples.iter().map(|&s| f64::from(s * s)).sum::<f64>();
        self.count += samples.len() as u64;
    }

    /// The level since the last take, and starts a new window.
    pub(super) fn take_dbfs(&mut self) -> f32 {
        let level = if self.count == 0 || self.sum <= 0.0 {
            softphone_audio::level::SILENCE_DBFS
        } else {
            ((10.0 * (self.sum / self.count as f64).log10()) as f32)
                .max(softphone_audio::level::SILENCE_DBFS)
        };
        self.sum = 0.0;
        self.count = 0;
        level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_sine_reads_minus_three_dbfs_and_silence_the_floor() {
        let mut m = LevelMeter::default();
        let sine: Vec<f32> = (0..4800).map(|i| (i as f32 * 0.05).sin()).collect();
        m.add(&sine);
        assert!((m.take_dbfs() + 3.01).abs() < 0.1);
        assert_eq!(m.take_dbfs(), softphone_audio::level::SILENCE_DBFS);
    }

    #[test]
    fn stats_count_loss_and_drops() {
        let session = SessionStats {
            packets_sent: 50,
            receive: Some(softphone_media::session::ReceiveStats {
                packets_received: 90,
                cumulative_lost: 10,
                jitter_ms: 3.0,
                ..Default::default()
            }),
            rtt_ms: Some(12.0),
            ..Default::default()
        };
        let jitter = JitterStats {
            played: 90,
            concealed: 10,
            delay_ms: 40.0,
            ..Default::default()
        };
        let s = call_stats(&StatsInput {
            codec: Codec::Opus,
            session: &session,
            jitter: &jitter,
            transport: TransportCounters {
                malformed: 1,
                auth_failures: 2,
                replays: 3,
            },
            foreign: 4,
            encrypted: true,
            summary: false,
        });
        assert_eq!(s.codec, "opus");
        assert!((s.loss - 0.1).abs() < 1e-6);
        assert_eq!(s.packets_dropped, 10);
        assert_eq!(s.rtt_ms, Some(12.0));
        assert!(s.mos > 1.0 && s.mos < 4.5, "{}", s.mos);
    }
}
