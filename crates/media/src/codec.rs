//! Audio codecs behind one small trait, so the media loop does not branch on the codec:
//! G.711 (µ-law/A-law with [`G711Plc`] concealment) and Opus (libopus: in-band FEC fed with
//! the measured loss, DTX, decoder PLC).
//!
//! PCM is 16-bit mono at [`AudioCodec::sample_rate`]; one call to [`AudioCodec::encode`] takes
//! exactly one packet's worth of samples (ptime × rate).

use crate::g711::{G711Plc, Law};
use crate::negotiation::Codec;

/// A codec failed on a frame (the frame is dropped or concealed by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{codec} codec: {message}")]
pub struct CodecError {
    /// Which codec.
    pub codec: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Encoder and decoder of one call's audio.
pub trait AudioCodec: Send {
    /// The negotiated codec this implements.
    fn codec(&self) -> Codec;

    /// Sample rate of the PCM going in and out (8 kHz for G.711, 48 kHz for Opus).
    fn sample_rate(&self) -> u32;

    /// Encodes one packet's worth of samples, appending the payload to `out`.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError>;

    /// Decodes a payload, appending the samples to `out`.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError>;

    /// Appends `samples` of concealment for a lost packet. `next` is the following packet if
    /// the jitter buffer already holds it (codecs with in-band FEC recover the lost one from it).
    fn conceal(&mut self, samples: usize, next: Option<&[u8]>, out: &mut Vec<i16>);

    /// The loss the network shows, in percent, so the encoder can add redundancy.
    fn set_expected_loss(&mut self, _percent: u8) {}

    /// Whether an encoded payload is a discontinuous-transmission frame that need not be sent
    /// (RFC 7587 §3.1.3: Opus DTX frames of one or two bytes).
    fn is_dtx(&self, _payload: &[u8]) -> bool {
        false
    }
}

/// Creates the codec for a negotiated session (`ptime` in ms).
pub fn new_codec(codec: Codec, ptime: u32) -> Result<Box<dyn AudioCodec>, CodecError> {
    Ok(match codec.g711_law() {
        Some(law) => Box::new(G711Codec::new(codec, law)),
        None => Box::new(OpusCodec::new(ptime)?),
    })
}

/// PCMU or PCMA with [`G711Plc`] concealment.
#[derive(Debug)]
pub struct G711Codec {
    codec: Codec,
    law: Law,
    plc: G711Plc,
    start: usize,
}

impl G711Codec {
    /// A G.711 codec for `codec` (PCMU or PCMA) using `law`.
    pub fn new(codec: Codec, law: Law) -> Self {
        Self {
            codec,
            law,
            plc: G711Plc::new(),
            start: 0,
        }
    }
}

impl AudioCodec for G711Codec {
    fn codec(&self) -> Codec {
        self.codec
    }

    fn sample_rate(&self) -> u32 {
        8_000
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.law.encode(pcm, out);
        Ok(())
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        self.start = out.len();
        self.law.decode(payload, out);
        if let Some(frame) = out.get_mut(self.start..) {
            self.plc.good_frame(frame);
        }
        Ok(())
    }

    fn conceal(&mut self, samples: usize, _next: Option<&[u8]>, out: &mut Vec<i16>) {
        let start = out.len();
        out.resize(start + samples, 0);
        if let Some(frame) = out.get_mut(start..) {
            self.plc.conceal(frame);
        }
    }
}

/// Opus at 48 kHz mono (VoIP application, in-band FEC, DTX).
pub struct OpusCodec {
    encoder: opus::Encoder,
    decoder: opus::Decoder,
    /// Scratch for decoding (the largest Opus frame: 120 ms at 48 kHz).
    scratch: Vec<i16>,
    loss: u8,
}

impl std::fmt::Debug for OpusCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusCodec")
            .field("loss", &self.loss)
            .finish_non_exhaustive()
    }
}

fn opus_error(e: opus::Error) -> CodecError {
    CodecError {
        codec: "opus",
        message: e.to_string(),
    }
}

impl OpusCodec {
    /// An Opus encoder/decoder pair for `ptime` ms packets.
    pub fn new(_ptime: u32) -> Result<Self, CodecError> {
        let mut encoder = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip)
            .map_err(opus_error)?;
        encoder.set_inband_fec(true).map_err(opus_error)?;
        encoder.set_dtx(true).map_err(opus_error)?;
        encoder.set_packet_loss_perc(0).map_err(opus_error)?;
        encoder
            .set_bitrate(opus::Bitrate::Bits(32_000))
            .map_err(opus_error)?;
        let decoder = opus::Decoder::new(48_000, opus::Channels::Mono).map_err(opus_error)?;
        Ok(Self {
            encoder,
            decoder,
            scratch: vec![0; 5760],
            loss: 0,
        })
    }

    fn decode_into(
        &mut self,
        payload: &[u8],
        fec: bool,
        out: &mut Vec<i16>,
        samples: usize,
    ) -> Result<(), CodecError> {
        // With FEC (or PLC) libopus produces exactly the requested duration.
        let want = if fec || payload.is_empty() {
            samples.min(self.scratch.len())
        } else {
            self.scratch.len()
        };
        let buf = self.scratch.get_mut(..want).unwrap_or_default();
        let n = self.decoder.decode(payload, buf, fec).map_err(opus_error)?;
        out.extend_from_slice(self.scratch.get(..n).unwrap_or_default());
        Ok(())
    }
}

impl AudioCodec for OpusCodec {
    fn codec(&self) -> Codec {
        Codec::Opus
    }

    fn sample_rate(&self) -> u32 {
        48_000
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        let start = out.len();
        out.resize(start + 1275, 0);
        let n = self
            .encoder
            .encode(pcm, out.get_mut(start..).unwrap_or_default())
            .map_err(opus_error);
        out.truncate(start + *n.as_ref().unwrap_or(&0));
        n.map(|_| ())
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        self.decode_into(payload, false, out, 0)
    }

    fn conceal(&mut self, samples: usize, next: Option<&[u8]>, out: &mut Vec<i16>) {
        let start = out.len();
        let recovered = match next {
            Some(next) if !next.is_empty() => self.decode_into(next, true, out, samples),
            _ => self.decode_into(&[], false, out, samples),
        };
        if recovered.is_err() || out.len() != start + samples {
            out.resize(start + samples, 0);
        }
    }

    fn set_expected_loss(&mut self, percent: u8) {
        let percent = percent.min(100);
        if percent != self.loss
            && self
                .encoder
                .set_packet_loss_perc(i32::from(percent))
                .is_ok()
        {
            self.loss = percent;
        }
    }

    fn is_dtx(&self, payload: &[u8]) -> bool {
        payload.len() <= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, hz: f32, n: usize, phase: &mut f32) -> Vec<i16> {
        (0..n)
            .map(|_| {
                *phase += hz / rate as f32;
                ((*phase * std::f32::consts::TAU).sin() * 12_000.0) as i16
            })
            .collect()
    }

    fn energy(x: &[i16]) -> f64 {
        x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len().max(1) as f64
    }

    #[test]
    fn both_codecs_round_trip_a_tone_through_the_same_trait() {
        for codec in [Codec::Opus, Codec::Pcmu, Codec::Pcma] {
            let mut c = new_codec(codec, 20).unwrap();
            assert_eq!(c.codec(), codec);
            let n = (c.sample_rate() / 50) as usize;
            let mut phase = 0.0;
            let mut decoded = Vec::new();
            for _ in 0..20 {
                let pcm = sine(c.sample_rate(), 440.0, n, &mut phase);
                let mut payload = Vec::new();
                c.encode(&pcm, &mut payload).unwrap();
                assert!(!c.is_dtx(&payload), "{codec:?} tone is not DTX");
                decoded.clear();
                c.decode(&payload, &mut decoded).unwrap();
                assert_eq!(decoded.len(), n, "{codec:?}");
            }
            assert!(energy(&decoded) > 1.0e7, "{codec:?} decodes the tone");
            let mut concealed = Vec::new();
            c.conceal(n, None, &mut concealed);
            assert_eq!(concealed.len(), n, "{codec:?} conceals one frame");
        }
    }

    #[test]
    fn opus_recovers_a_lost_frame_from_the_next_packets_fec() {
        let mut c = OpusCodec::new(20).unwrap();
        c.set_expected_loss(20);
        let mut phase = 0.0;
        let mut packets = Vec::new();
        for _ in 0..30 {
            let pcm = sine(48_000, 300.0, 960, &mut phase);
            let mut p = Vec::new();
            c.encode(&pcm, &mut p).unwrap();
            packets.push(p);
        }
        let mut out = Vec::new();
        for p in &packets[..20] {
            c.decode(p, &mut out).unwrap();
        }
        // Packet 20 is lost; 21 carries its redundancy.
        let mut fec = Vec::new();
        c.conceal(960, Some(&packets[21]), &mut fec);
        assert_eq!(fec.len(), 960);
        assert!(energy(&fec) > 1.0e7, "FEC brought the tone back");
    }

    #[test]
    fn opus_silence_becomes_dtx_and_garbage_is_an_error_not_a_panic() {
        let mut c = OpusCodec::new(20).unwrap();
        let silence = vec![0i16; 960];
        let mut dtx = 0;
        for _ in 0..50 {
            let mut p = Vec::new();
            c.encode(&silence, &mut p).unwrap();
            dtx += usize::from(c.is_dtx(&p));
        }
        assert!(dtx > 30, "{dtx} of 50 silent frames were DTX");
        let mut out = Vec::new();
        for garbage in [
            &[0xffu8; 3][..],
            &[0x0b, 0xff, 0xff, 0xff][..],
            &[7u8; 1400][..],
        ] {
            let _ = c.decode(garbage, &mut out);
        }
        let mut g = new_codec(Codec::Pcmu, 20).unwrap();
        g.decode(&[], &mut out).unwrap();
    }
}
