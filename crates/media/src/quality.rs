//! Call-quality estimate: the E-model of ITU-T G.107, simplified for one call leg.
//!
//! `R = R0 − Is − Id − Ie,eff + A` with the G.107 defaults folded in: `R0 − Is = 93.2`, `A = 0`.
//! The delay impairment is the usual simplification of `Idd` plus the talker-echo-free `Id`
//! (Cole & Rosenbluth): `Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)` with `d` the one-way
//! mouth-to-ear delay in milliseconds. The equipment impairment with packet loss is
//! `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)` (G.107 §7.4). `Ie` and `Bpl` per codec
//! come from ITU-T G.113 Appendix I where listed.

/// Codec impairment parameters (ITU-T G.113 Appendix I).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor `Ie` without loss.
    pub ie: f64,
    /// Packet-loss robustness factor `Bpl`.
    pub bpl: f64,
}

impl CodecImpairment {
    /// G.711 with packet-loss concealment (G.113: Ie 0, Bpl 25.1).
    pub const G711_PLC: Self = Self { ie: 0.0, bpl: 25.1 };
    /// G.711 without concealment (G.113: Ie 0, Bpl 4.3).
    pub const G711: Self = Self { ie: 0.0, bpl: 4.3 };
    /// Opus in narrowband terms (not in G.113; Ie 0 and Bpl 20 as a conservative estimate that
    /// accounts for its FEC and PLC).
    pub const OPUS: Self = Self { ie: 0.0, bpl: 20.0 };
}

/// Inputs to the E-model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelInput {
    /// One-way mouth-to-ear delay in milliseconds (network RTT/2 + jitter buffer + codec).
    pub one_way_delay_ms: f64,
    /// Packet loss in percent (0–100), after the jitter buffer (late packets count as lost).
    pub packet_loss_percent: f64,
    /// Burst ratio (1 for random loss, above 1 for bursty loss).
    pub burst_ratio: f64,
    /// The codec's impairment.
    pub codec: CodecImpairment,
}

/// The transmission rating factor `R` (0–100, 93.2 at best for narrowband).
pub fn r_factor(input: &EModelInput) -> f64 {
    let d = finite_or(input.one_way_delay_ms, 0.0).max(0.0);
    let mut id = 0.024 * d;
    if d > 177.3 {
        id += 0.11 * (d - 177.3);
    }
    let ppl = finite_or(input.packet_loss_percent, 0.0).clamp(0.0, 100.0);
    let burst = finite_or(input.burst_ratio, 1.0).max(1.0);
    let CodecImpairment { ie, bpl } = input.codec;
    let denominator = ppl / burst + bpl;
    let ie_eff = if denominator > 0.0 {
        ie + (95.0 - ie) * ppl / denominator
    } else {
        ie
    };
    (93.2 - id - ie_eff).clamp(0.0, 100.0)
}

/// Mean opinion score (1–4.5) from `R` (G.107 Annex B).
pub fn mos_from_r(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        (1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6).clamp(1.0, 4.5)
    }
}

/// Estimated MOS for a call.
pub fn mos(input: &EModelInput) -> f64 {
    mos_from_r(r_factor(input))
}

/// The E-model inputs for what we hear, from the stream's statistics: one-way delay is half the
/// RTCP round trip plus the jitter buffer delay plus `codec_delay_ms` (framing, look-ahead and
/// device buffers); loss is the share of frames the jitter buffer had to conceal (network loss
/// and late packets alike). `None` before any frame was played or concealed.
pub fn listening_conditions(
    session: &crate::session::SessionStats,
    jitter: &crate::jitter::JitterStats,
    codec: crate::negotiation::Codec,
    codec_delay_ms: f64,
) -> Option<EModelInput> {
    let frames = jitter.played + jitter.concealed;
    if frames == 0 {
        return None;
    }
    Some(EModelInput {
        one_way_delay_ms: session.rtt_ms.unwrap_or(0.0) / 2.0
            + jitter.delay_ms.max(0.0)
            + codec_delay_ms,
        packet_loss_percent: jitter.concealed as f64 * 100.0 / frames as f64,
        burst_ratio: 1.0,
        codec: codec.impairment(),
    })
}

impl crate::negotiation::Codec {
    /// The codec's E-model impairment (with packet-loss concealment).
    pub fn impairment(self) -> CodecImpairment {
        match self {
            crate::negotiation::Codec::Opus => CodecImpairment::OPUS,
            crate::negotiation::Codec::Pcmu | crate::negotiation::Codec::Pcma => {
                CodecImpairment::G711_PLC
            }
        }
    }
}

fn finite_or(v: f64, default: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(delay: f64, loss: f64) -> EModelInput {
        EModelInput {
            one_way_delay_ms: delay,
            packet_loss_percent: loss,
            burst_ratio: 1.0,
            codec: CodecImpairment::G711_PLC,
        }
    }

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn known_points() {
        // G.107: the default parameters give R = 93.2, MOS 4.41.
        assert!(close(r_factor(&input(0.0, 0.0)), 93.2, 1e-9));
        assert!(close(mos(&input(0.0, 0.0)), 4.41, 0.005));
        // 200 ms one-way: Id = 4.8 + 0.11 × 22.7 = 7.297.
        assert!(close(r_factor(&input(200.0, 0.0)), 93.2 - 7.297, 1e-6));
        // 1 % random loss, G.711 with PLC: Ie,eff = 95 / 26.1.
        assert!(close(r_factor(&input(0.0, 1.0)), 93.2 - 95.0 / 26.1, 1e-6));
        // MOS curve anchor points.
        assert!(close(mos_from_r(50.0), 2.575, 1e-9));
        assert_eq!(mos_from_r(0.0), 1.0);
        assert_eq!(mos_from_r(100.0), 4.5);
        assert_eq!(mos_from_r(f64::NAN), 1.0);
    }

    #[test]
    fn conditions_from_statistics() {
        use crate::jitter::JitterStats;
        use crate::negotiation::Codec;
        use crate::session::SessionStats;
        let session = SessionStats {
            rtt_ms: Some(100.0),
            ..SessionStats::default()
        };
        let mut jitter = JitterStats::default();
        assert_eq!(
            listening_conditions(&session, &jitter, Codec::Pcmu, 30.0),
            None
        );
        jitter.played = 98;
        jitter.concealed = 2;
        jitter.delay_ms = 40.0;
        let input = listening_conditions(&session, &jitter, Codec::Pcmu, 30.0).expect("frames");
        assert!(close(input.one_way_delay_ms, 120.0, 1e-9));
        assert!(close(input.packet_loss_percent, 2.0, 1e-9));
        assert_eq!(input.codec, CodecImpairment::G711_PLC);
        let score = mos(&input);
        assert!(score > 4.0 && score < 4.3, "{score}");
    }

    #[test]
    fn worse_conditions_lower_the_score() {
        let good = mos(&input(20.0, 0.0));
        let delayed = mos(&input(300.0, 0.0));
        let lossy = mos(&input(20.0, 5.0));
        let bursty = mos(&EModelInput {
            burst_ratio: 3.0,
            ..input(20.0, 5.0)
        });
        let no_plc = mos(&EModelInput {
            codec: CodecImpairment::G711,
            ..input(20.0, 5.0)
        });
        assert!(good > 4.3);
        assert!(delayed < good && lossy < good);
        assert!(bursty < lossy);
        assert!(no_plc < lossy);
        assert!(mos(&input(1000.0, 50.0)) >= 1.0);
        assert!(mos(&input(f64::INFINITY, f64::NAN)) > 4.0);
    }
}
