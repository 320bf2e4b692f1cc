//! G.711 (ITU-T G.711) µ-law and A-law companding, and a simple packet-loss concealment.
//!
//! The conversions are the classic segment algorithms (as in the ITU-T reference and the Sun
//! `g711.c`), bit-exact with the G.711 tables. One byte per sample, 8000 samples per second:
//! a 20 ms frame is 160 bytes. RTP payload types 0 (PCMU) and 8 (PCMA).

/// µ-law bias (33 in the 14-bit domain, shifted).
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude µ-law can represent before clipping.
const ULAW_CLIP: i32 = 32635;

/// Encode one 16-bit linear sample to µ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(ULAW_CLIP) + ULAW_BIAS;
    // Exponent: position of the highest set bit above bit 7.
    let exponent = (31 - (pcm >> 7).leading_zeros() as i32).max(0);
    let mantissa = (pcm >> (exponent + 3)) & 0x0f;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// Decode one µ-law byte to a 16-bit linear sample.
pub fn ulaw_to_linear(byte: u8) -> i16 {
    let u = !byte;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    (if u & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// Encode one 16-bit linear sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    // 13-bit magnitude domain.
    let mut pcm = i32::from(sample) >> 3;
    let mask: u8 = if pcm >= 0 {
        0xd5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    // Segment: number of bits above the 5 low bits (segment end points 0x1F, 0x3F, … 0xFFF).
    let segment = (32 - (pcm >> 5).leading_zeros() as i32).max(0);
    if segment >= 8 {
        return 0x7f ^ mask;
    }
    let quant = if segment < 2 {
        (pcm >> 1) & 0x0f
    } else {
        (pcm >> segment) & 0x0f
    };
    (((segment << 4) | quant) as u8) ^ mask
}

/// Decode one A-law byte to a 16-bit linear sample.
pub fn alaw_to_linear(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = i32::from(a & 0x0f) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= segment - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

/// Which G.711 law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// µ-law, PCMU, payload type 0.
    Ulaw,
    /// A-law, PCMA, payload type 8.
    Alaw,
}

impl Law {
    /// Encode samples, appending one byte per sample to `out`.
    pub fn encode(self, samples: &[i16], out: &mut Vec<u8>) {
        let f = match self {
            Law::Ulaw => linear_to_ulaw,
            Law::Alaw => linear_to_alaw,
        };
        out.extend(samples.iter().map(|s| f(*s)));
    }

    /// Decode bytes, appending one sample per byte to `out`.
    pub fn decode(self, bytes: &[u8], out: &mut Vec<i16>) {
        let f = match self {
            Law::Ulaw => ulaw_to_linear,
            Law::Alaw => alaw_to_linear,
        };
        out.extend(bytes.iter().map(|b| f(*b)));
    }

    /// The encoded silence byte.
    pub fn silence(self) -> u8 {
        match self {
            Law::Ulaw => 0xff,
            Law::Alaw => 0xd5,
        }
    }
}

/// Packet-loss concealment for G.711 (or any PCM stream): repeat the last good frame with a
/// gain that falls linearly to silence over [`G711Plc::FADE_FRAMES`] lost frames.
///
/// Feed every decoded frame to [`G711Plc::good_frame`]; when the jitter buffer reports a
/// missing frame, call [`G711Plc::conceal`]. The first good frame after a loss is faded in over
/// a few milliseconds to avoid a click.
#[derive(Debug, Clone, Default)]
pub struct G711Plc {
    last: Vec<i16>,
    lost: u32,
}

impl G711Plc {
    /// Lost frames after which concealment is silent (5 × 20 ms = 100 ms).
    pub const FADE_FRAMES: u32 = 5;
    /// Samples over which the first good frame after a loss is faded in (2 ms at 8 kHz).
    const FADE_IN: usize = 16;

    /// A concealer with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a good decoded frame; smooths it in place if it follows concealment.
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        if self.lost > 0 {
            let n = Self::FADE_IN.min(frame.len());
            for (i, s) in frame.iter_mut().take(n).enumerate() {
                *s = (i32::from(*s) * (i as i32 + 1) / (n as i32 + 1)) as i16;
            }
        }
        self.lost = 0;
        self.last.clear();
        self.last.extend_from_slice(frame);
    }

    /// Fill `out` with a concealment frame.
    pub fn conceal(&mut self, out: &mut [i16]) {
        self.lost = self.lost.saturating_add(1);
        if self.last.is_empty() || self.lost > Self::FADE_FRAMES {
            out.fill(0);
            return;
        }
        let fade = f64::from(Self::FADE_FRAMES);
        let start = 1.0 - f64::from(self.lost - 1) / fade;
        let end = 1.0 - f64::from(self.lost) / fade;
        let len = out.len().max(1) as f64;
        let source_len = self.last.len();
        for (i, s) in out.iter_mut().enumerate() {
            let gain = start + (end - start) * (i as f64 / len);
            *s = (f64::from(self.last[i % source_len]) * gain) as i16;
        }
    }

    /// Consecutive frames concealed so far.
    pub fn lost_frames(&self) -> u32 {
        self.lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ulaw_values() {
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(linear_to_ulaw(-1), 0x7f);
        assert_eq!(linear_to_ulaw(32767), 0x80);
        assert_eq!(linear_to_ulaw(-32768), 0x00);
        assert_eq!(linear_to_ulaw(1000), 0xce);
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(ulaw_to_linear(0x7f), 0);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0xce), 988);
    }

    #[test]
    fn known_alaw_values() {
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(linear_to_alaw(32767), 0xaa);
        assert_eq!(linear_to_alaw(-32768), 0x2a);
        assert_eq!(alaw_to_linear(0xd5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xaa), 32256);
        assert_eq!(alaw_to_linear(0x2a), -32256);
    }

    #[test]
    fn every_code_round_trips() {
        for byte in 0..=255u8 {
            let u = ulaw_to_linear(byte);
            // 0x7f and 0xff both decode to 0 (negative and positive zero).
            let expect = if byte == 0x7f { 0xff } else { byte };
            assert_eq!(linear_to_ulaw(u), expect, "ulaw {byte:#x}");
            assert_eq!(linear_to_alaw(alaw_to_linear(byte)), byte, "alaw {byte:#x}");
        }
    }

    #[test]
    fn encoding_is_monotonic_and_close() {
        let mut prev_u = i16::MIN;
        let mut prev_a = i16::MIN;
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let u = ulaw_to_linear(linear_to_ulaw(s));
            let a = alaw_to_linear(linear_to_alaw(s));
            assert!(u >= prev_u && a >= prev_a, "monotonic at {s}");
            prev_u = u;
            prev_a = a;
            // Quantization error stays under ~3.2% of the magnitude (plus a small floor).
            let tolerance = (i32::from(s).abs() / 16).max(16) + 64;
            assert!(
                (i32::from(u) - i32::from(s)).abs() <= tolerance,
                "ulaw error at {s}: {u}"
            );
            assert!(
                (i32::from(a) - i32::from(s)).abs() <= tolerance,
                "alaw error at {s}: {a}"
            );
        }
    }

    #[test]
    fn slice_codecs() {
        let samples = [0i16, 1000, -1000, 32767];
        let mut bytes = Vec::new();
        Law::Ulaw.encode(&samples, &mut bytes);
        let mut back = Vec::new();
        Law::Ulaw.decode(&bytes, &mut back);
        assert_eq!(back, vec![0, 988, -988, 32124]);
        assert_eq!(Law::Alaw.silence(), linear_to_alaw(0));
    }

    #[test]
    fn plc_fades_to_silence() {
        let mut plc = G711Plc::new();
        let mut out = [1i16; 160];
        plc.conceal(&mut out);
        assert!(out.iter().all(|s| *s == 0), "no history: silence");
        let mut good = [10_000i16; 160];
        plc.good_frame(&mut good);
        let mut energies = Vec::new();
        for _ in 0..6 {
            plc.conceal(&mut out);
            energies.push(out.iter().map(|s| i64::from(*s).abs()).sum::<i64>());
        }
        assert!(
            energies.windows(2).all(|w| w[1] < w[0]),
            "attenuates: {energies:?}"
        );
        assert_eq!(energies[5], 0);
        assert_eq!(out[0], 0);
        let mut next = [10_000i16; 160];
        plc.good_frame(&mut next);
        assert!(
            next[0] < 10_000 && next[159] == 10_000,
            "fade-in after loss"
        );
        assert_eq!(plc.lost_frames(), 0);
    }
}
