//! SRTP and SRTCP (RFC 3711) with `AES_CM_128_HMAC_SHA1_80` and `AES_CM_128_HMAC_SHA1_32`,
//! keyed from SDES (RFC 4568) inline master keys.
//!
//! One [`SrtpContext`] per direction: the outbound one is keyed with our own master key (the one
//! in our SDP), the inbound one with the peer's. Each keeps per-SSRC state (rollover counter,
//! highest sequence, SRTCP index, replay windows), so an SSRC change needs no new context.
//!
//! ```text
//! SRTP packet:   | RTP header | encrypted payload (+ padding) | auth tag (10 or 4 bytes) |
//! SRTCP packet:  | header + SSRC (8) | encrypted rest | E | SRTCP index (31) | auth tag (10) |
//! ```
//!
//! Key derivation rate is 0 (session keys derived once, as SDES without a KDR parameter). MKI is
//! not supported; [`crate::sdp::Crypto::inline_key`] refuses such lines. Authentication
//! failures and replays are dropped with an error and counted in [`SrtpStats`].

use aes::cipher::{BlockCipherEncrypt, KeyInit, KeyIvInit, StreamCipher};
use aes::Aes128;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::{PacketError, SrtpError};
use crate::rtp;
use crate::sdp::CryptoSuite;

type Aes128Ctr = ctr::Ctr128BE<Aes128>;
type HmacSha1 = Hmac<Sha1>;

/// SRTCP authentication tag length (both suites).
const SRTCP_TAG_LEN: usize = 10;
/// Replay window size in packets (RFC 3711 requires at least 64).
const REPLAY_WINDOW: u64 = 128;
/// At most this many SSRCs are tracked; the least recently used is forgotten.
const MAX_STREAMS: usize = 16;

/// Key derivation labels (RFC 3711 §4.3.2).
#[derive(Clone, Copy)]
enum Label {
    RtpEncryption = 0,
    RtpAuthentication = 1,
    RtpSalt = 2,
    RtcpEncryption = 3,
    RtcpAuthentication = 4,
    RtcpSalt = 5,
}

/// AES-CM keystream XOR: `data ^= AES-CTR(key, iv)`, counter in the low bits of the IV.
fn aes_cm_apply(key: &[u8; 16], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Aes128Ctr::new(key.into(), iv.into());
    cipher.apply_keystream(data);
}

/// The RFC 3711 §4.3 key derivation with key derivation rate 0.
fn derive(master_key: &[u8; 16], master_salt: &[u8; 14], label: Label, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    // key_id = label || r (48 bits, zero), right-aligned against the 112-bit salt.
    iv[7] ^= label as u8;
    out.fill(0);
    aes_cm_apply(master_key, &iv, out);
}

struct SessionKeys {
    cipher_key: [u8; 16],
    salt: [u8; 14],
    auth: HmacSha1,
}

impl SessionKeys {
    fn derive(master_key: &[u8; 16], master_salt: &[u8; 14], rtcp: bool) -> Self {
        let (enc, auth, salt) = if rtcp {
            (
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            )
        } else {
            (
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            )
        };
        let mut cipher_key = [0u8; 16];
        derive(master_key, master_salt, enc, &mut cipher_key);
        let mut salt_key = [0u8; 14];
        derive(master_key, master_salt, salt, &mut salt_key);
        // HMAC pads its key with zeros to the 64-byte block: a 20-byte key in a zeroed 64-byte
        // array is the same key, and this constructor cannot fail.
        let mut auth_key = [0u8; 64];
        derive(master_key, master_salt, auth, &mut auth_key[..20]);
        let auth = <HmacSha1 as KeyInit>::new(&auth_key.into());
        Self {
            cipher_key,
            salt: salt_key,
            auth,
        }
    }

    /// IV = (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16).
    fn iv(&self, ssrc: u32, index: u64) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        for (b, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
            *b ^= s;
        }
        for (b, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..8]) {
            *b ^= s;
        }
        iv
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.auth.clone();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }
}

/// A sliding replay window over packet indices.
#[derive(Debug, Clone, Default)]
struct ReplayWindow {
    highest: Option<u64>,
    /// Bit `i` set: index `highest - i` was received.
    bits: u128,
}

impl ReplayWindow {
    fn check(&self, index: u64) -> Result<(), SrtpError> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if index > highest {
            return Ok(());
        }
        let age = highest - index;
        if age >= REPLAY_WINDOW || self.bits & (1u128 << age) != 0 {
            return Err(SrtpError::Replay);
        }
        Ok(())
    }

    fn accept(&mut self, index: u64) {
        match self.highest {
            None => {
                self.highest = Some(index);
                self.bits = 1;
            }
            Some(highest) if index > highest => {
                let shift = index - highest;
                self.bits = if shift >= 128 { 0 } else { self.bits << shift };
                self.bits |= 1;
                self.highest = Some(index);
            }
            Some(highest) => {
                let age = highest - index;
                if age < REPLAY_WINDOW {
                    self.bits |= 1u128 << age;
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
struct StreamState {
    ssrc: u32,
    /// Rollover counter and highest sequence number (s_l), once the first packet is seen.
    rtp: Option<(u32, u16)>,
    rtp_replay: ReplayWindow,
    /// Next outbound SRTCP index.
    rtcp_next: u32,
    rtcp_replay: ReplayWindow,
    last_used: u64,
}

/// Counters of a context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SrtpStats {
    /// Packets protected or unprotected successfully.
    pub packets: u64,
    /// Packets dropped because their tag did not verify.
    pub authentication_failures: u64,
    /// Packets dropped as replays (or too old for the window).
    pub replays: u64,
    /// Packets dropped as malformed.
    pub malformed: u64,
}

/// An SRTP/SRTCP crypto context for one direction.
pub struct SrtpContext {
    suite: CryptoSuite,
    rtp: SessionKeys,
    rtcp: SessionKeys,
    streams: Vec<StreamState>,
    clock: u64,
    stats: SrtpStats,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print keys.
        f.debug_struct("SrtpContext")
            .field("suite", &self.suite)
            .field("streams", &self.streams.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context from a 16-byte master key and a 14-byte master salt.
    pub fn new(suite: CryptoSuite, master_key: &[u8; 16], master_salt: &[u8; 14]) -> Self {
        Self {
            suite,
            rtp: SessionKeys::derive(master_key, master_salt, false),
            rtcp: SessionKeys::derive(master_key, master_salt, true),
            streams: Vec::new(),
            clock: 0,
            stats: SrtpStats::default(),
        }
    }

    /// A context from the 30 bytes of an SDES inline key (master key then master salt).
    pub fn from_key_and_salt(suite: CryptoSuite, key_and_salt: &[u8; 30]) -> Self {
        let mut key = [0u8; 16];
        let mut salt = [0u8; 14];
        key.copy_from_slice(&key_and_salt[..16]);
        salt.copy_from_slice(&key_and_salt[16..]);
        Self::new(suite, &key, &salt)
    }

    /// A context from the base64 text of an SDES `inline:` key (without the `inline:` prefix
    /// or any `|lifetime`).
    pub fn from_sdes_base64(suite: CryptoSuite, base64_key: &str) -> Result<Self, SrtpError> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_key.trim())
            .map_err(|_| SrtpError::BadKey)?;
        let key: [u8; 30] = bytes.try_into().map_err(|_| SrtpError::BadKey)?;
        Ok(Self::from_key_and_salt(suite, &key))
    }

    /// The suite.
    pub fn suite(&self) -> CryptoSuite {
        self.suite
    }

    /// Counters so far.
    pub fn stats(&self) -> SrtpStats {
        self.stats
    }

    fn stream(&mut self, ssrc: u32) -> &mut StreamState {
        self.clock += 1;
        let clock = self.clock;
        let position = match self.streams.iter().position(|s| s.ssrc == ssrc) {
            Some(p) => p,
            None => {
                if self.streams.len() >= MAX_STREAMS {
                    if let Some((oldest, _)) = self
                        .streams
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, s)| s.last_used)
                    {
                        self.streams.swap_remove(oldest);
                    }
                }
                self.streams.push(StreamState {
                    ssrc,
                    rtp: None,
                    rtp_replay: ReplayWindow::default(),
                    rtcp_next: 0,
                    rtcp_replay: ReplayWindow::default(),
                    last_used: clock,
                });
                self.streams.len() - 1
            }
        };
        let stream = &mut self.streams[position];
        stream.last_used = clock;
        stream
    }

    fn find(&self, ssrc: u32) -> Option<&StreamState> {
        self.streams.iter().find(|s| s.ssrc == ssrc)
    }

    fn malformed(&mut self, e: PacketError) -> SrtpError {
        self.stats.malformed += 1;
        SrtpError::Malformed(e)
    }

    /// Encrypt and authenticate an RTP packet.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let header_len = rtp::header_len(packet).map_err(|e| self.malformed(e))?;
        let seq = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        let stream = self.stream(ssrc);
        let roc = match stream.rtp {
            None => 0,
            Some((roc, s_l)) => estimate_roc(roc, s_l, seq),
        };
        update_rtp_state(stream, roc, seq);
        let index = u64::from(roc) << 16 | u64::from(seq);
        let mut out = Vec::with_capacity(packet.len() + self.suite.srtp_tag_len());
        out.extend_from_slice(packet);
        let iv = self.rtp.iv(ssrc, index);
        aes_cm_apply(&self.rtp.cipher_key, &iv, &mut out[header_len..]);
        let tag = self.rtp.tag(&[&out, &roc.to_be_bytes()]);
        out.extend_from_slice(&tag[..self.suite.srtp_tag_len()]);
        self.stats.packets += 1;
        Ok(out)
    }

    /// Verify, replay-check and decrypt an SRTP packet, returning the RTP packet.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let tag_len = self.suite.srtp_tag_len();
        let header_len = rtp::header_len(packet).map_err(|e| self.malformed(e))?;
        if packet.len() < header_len + tag_len {
            return Err(self.malformed(PacketError::Truncated));
        }
        let seq = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        let (body, tag) = packet.split_at(packet.len() - tag_len);
        // Look the stream up without creating it: state is only created or changed by packets
        // that authenticate, so forged SSRCs cannot evict or disturb real streams.
        let known = self.find(ssrc);
        let roc = match known.and_then(|s| s.rtp) {
            None => 0,
            Some((roc, s_l)) => estimate_roc(roc, s_l, seq),
        };
        let index = u64::from(roc) << 16 | u64::from(seq);
        if let Some(Err(e)) = known.map(|s| s.rtp_replay.check(index)) {
            self.stats.replays += 1;
            return Err(e);
        }
        let expected = self.rtp.tag(&[body, &roc.to_be_bytes()]);
        if !constant_time_eq(&expected[..tag_len], tag) {
            self.stats.authentication_failures += 1;
            return Err(SrtpError::AuthenticationFailed);
        }
        let stream = self.stream(ssrc);
        update_rtp_state(stream, roc, seq);
        stream.rtp_replay.accept(index);
        let mut out = body.to_vec();
        let iv = self.rtp.iv(ssrc, index);
        aes_cm_apply(&self.rtp.cipher_key, &iv, &mut out[header_len..]);
        self.stats.packets += 1;
        Ok(out)
    }

    /// Encrypt and authenticate a (compound) RTCP packet.
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < 8 {
            return Err(self.malformed(PacketError::Truncated));
        }
        if packet[0] >> 6 != 2 {
            return Err(self.malformed(PacketError::BadVersion));
        }
        let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let stream = self.stream(ssrc);
        let index = stream.rtcp_next;
        stream.rtcp_next = (index + 1) & 0x7fff_ffff;
        let mut out = Vec::with_capacity(packet.len() + 4 + SRTCP_TAG_LEN);
        out.extend_from_slice(packet);
        let iv = self.rtcp.iv(ssrc, u64::from(index));
        aes_cm_apply(&self.rtcp.cipher_key, &iv, &mut out[8..]);
        out.extend_from_slice(&(0x8000_0000 | index).to_be_bytes());
        let tag = self.rtcp.tag(&[&out]);
        out.extend_from_slice(&tag[..SRTCP_TAG_LEN]);
        self.stats.packets += 1;
        Ok(out)
    }

    /// Verify, replay-check and decrypt an SRTCP packet, returning the RTCP packet.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < 8 + 4 + SRTCP_TAG_LEN {
            return Err(self.malformed(PacketError::Truncated));
        }
        if packet[0] >> 6 != 2 {
            return Err(self.malformed(PacketError::BadVersion));
        }
        let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let (authenticated, tag) = packet.split_at(packet.len() - SRTCP_TAG_LEN);
        let (body, e_index) = authenticated.split_at(authenticated.len() - 4);
        let e_index = u32::from_be_bytes([e_index[0], e_index[1], e_index[2], e_index[3]]);
        let encrypted = e_index & 0x8000_0000 != 0;
        let index = e_index & 0x7fff_ffff;
        if let Some(Err(e)) = self
            .find(ssrc)
            .map(|s| s.rtcp_replay.check(u64::from(index)))
        {
            self.stats.replays += 1;
            return Err(e);
        }
        let expected = self.rtcp.tag(&[authenticated]);
        if !constant_time_eq(&expected[..SRTCP_TAG_LEN], tag) {
            self.stats.authentication_failures += 1;
            return Err(SrtpError::AuthenticationFailed);
        }
        self.stream(ssrc).rtcp_replay.accept(u64::from(index));
        let mut out = body.to_vec();
        if encrypted {
            let iv = self.rtcp.iv(ssrc, u64::from(index));
            aes_cm_apply(&self.rtcp.cipher_key, &iv, &mut out[8..]);
        }
        self.stats.packets += 1;
        Ok(out)
    }
}

/// RFC 3711 §3.3.1: guess the rollover counter of `seq` from the highest `s_l` seen with `roc`.
fn estimate_roc(roc: u32, s_l: u16, seq: u16) -> u32 {
    if s_l < 32768 {
        if seq > s_l && seq - s_l > 32768 {
            roc.wrapping_sub(1)
        } else {
            roc
        }
    } else if s_l - 32768 > seq {
        roc.wrapping_add(1)
    } else {
        roc
    }
}

fn update_rtp_state(stream: &mut StreamState, roc: u32, seq: u16) {
    match stream.rtp {
        None => stream.rtp = Some((roc, seq)),
        Some((cur_roc, s_l)) => {
            let new = (u64::from(roc) << 16) | u64::from(seq);
            let old = (u64::from(cur_roc) << 16) | u64::from(s_l);
            if new > old {
                stream.rtp = Some((roc, seq));
            }
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Encrypt one AES block (exposed for the RFC test vectors and diagnostics).
#[doc(hidden)]
pub fn aes_block(key: &[u8; 16], block: &mut [u8; 16]) {
    let cipher = <Aes128 as KeyInit>::new(key.into());
    cipher.encrypt_block(block.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    fn arr<const N: usize>(s: &str) -> [u8; N] {
        hex(s).try_into().expect("length")
    }

    /// RFC 3711 Appendix B.2: AES-CM keystream.
    #[test]
    fn rfc3711_b2_keystream() {
        let key: [u8; 16] = arr("2B7E151628AED2A6ABF7158809CF4F3C");
        let keys = SessionKeys {
            cipher_key: key,
            salt: arr("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
            auth: <HmacSha1 as KeyInit>::new(&[0u8; 64].into()),
        };
        let iv = keys.iv(0, 0);
        assert_eq!(iv.to_vec(), hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"));
        let mut stream = vec![0u8; 48];
        aes_cm_apply(&key, &iv, &mut stream);
        assert_eq!(stream[..16], hex("E03EAD0935C95E80E166B16DD92B4EB4"));
        assert_eq!(stream[16..32], hex("D23513162B02D0F72A43A2FE4A5F97AB"));
        assert_eq!(stream[32..], hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
        // The same keystream, continued from counter 0xFEFF (as the RFC lists it).
        let mut late_iv = iv;
        late_iv[14..].copy_from_slice(&[0xfe, 0xff]);
        let mut late = vec![0u8; 48];
        aes_cm_apply(&key, &late_iv, &mut late);
        assert_eq!(late[..16], hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
        assert_eq!(late[16..32], hex("362B7C3C6773516318A077D7FC5073AE"));
        assert_eq!(late[32..], hex("6A2CC3787889374FBEB4C81B17BA6C44"));
        let mut first = arr::<16>("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        aes_block(&key, &mut first);
        assert_eq!(first.to_vec(), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    }

    /// RFC 3711 Appendix B.3: key derivation.
    #[test]
    fn rfc3711_b3_key_derivation() {
        let master_key: [u8; 16] = arr("E1F97A0D3E018BE0D64FA32C06DE4139");
        let master_salt: [u8; 14] = arr("0EC675AD498AFEEBB6960B3AABE6");
        let mut cipher_key = [0u8; 16];
        derive(
            &master_key,
            &master_salt,
            Label::RtpEncryption,
            &mut cipher_key,
        );
        assert_eq!(cipher_key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut salt = [0u8; 14];
        derive(&master_key, &master_salt, Label::RtpSalt, &mut salt);
        assert_eq!(salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut auth = [0u8; 94];
        derive(
            &master_key,
            &master_salt,
            Label::RtpAuthentication,
            &mut auth,
        );
        assert_eq!(
            auth.to_vec(),
            hex(
                "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
                 E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
                 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"
            )
        );
        let keys = SessionKeys::derive(&master_key, &master_salt, false);
        assert_eq!(keys.cipher_key, cipher_key);
        assert_eq!(keys.salt, salt);
    }

    fn rtp_packet(seq: u16, ssrc: u32) -> Vec<u8> {
        let h = rtp::RtpHeader::new(0, seq, u32::from(seq) * 160, ssrc);
        h.to_packet(&[0x55; 160])
    }

    fn pair(suite: CryptoSuite) -> (SrtpContext, SrtpContext) {
        let key: [u8; 30] = std::array::from_fn(|i| i as u8 * 7 + 1);
        (
            SrtpContext::from_key_and_salt(suite, &key),
            SrtpContext::from_key_and_salt(suite, &key),
        )
    }

    #[test]
    fn rtp_round_trip_both_suites() {
        for (suite, tag) in [
            (CryptoSuite::AesCm128HmacSha1_80, 10),
            (CryptoSuite::AesCm128HmacSha1_32, 4),
        ] {
            let (mut tx, mut rx) = pair(suite);
            for seq in [65530u16, 65531, 65535, 0, 1, 2] {
                let plain = rtp_packet(seq, 0x1234);
                let protected = tx.protect_rtp(&plain).expect("protect");
                assert_eq!(protected.len(), plain.len() + tag);
                assert_eq!(protected[..12], plain[..12], "header in the clear");
                assert_ne!(protected[12..172], plain[12..]);
                assert_eq!(rx.unprotect_rtp(&protected).expect("unprotect"), plain);
            }
            assert_eq!(rx.stats().packets, 6);
        }
    }

    #[test]
    fn rollover_counter_follows_wrap_and_reordering() {
        let (mut tx, mut rx) = pair(CryptoSuite::AesCm128HmacSha1_80);
        let mut protected = Vec::new();
        for i in 65_400..65_600u32 {
            let seq = (i % 65536) as u16;
            let p = tx.protect_rtp(&rtp_packet(seq, 9)).expect("protect");
            if (65_530..65_542).contains(&i) {
                protected.push(p);
            }
        }
        // Deliver across the wrap out of order; earlier packets were never seen by rx.
        protected.swap(3, 8);
        for p in &protected {
            assert!(rx.unprotect_rtp(p).is_ok());
        }
    }

    #[test]
    fn tampering_and_replay_are_dropped_and_counted() {
        let (mut tx, mut rx) = pair(CryptoSuite::AesCm128HmacSha1_80);
        let p1 = tx.protect_rtp(&rtp_packet(100, 1)).expect("protect");
        let p2 = tx.protect_rtp(&rtp_packet(101, 1)).expect("protect");
        let mut bad = p2.clone();
        bad[20] ^= 1;
        assert_eq!(rx.unprotect_rtp(&bad), Err(SrtpError::AuthenticationFailed));
        assert!(rx.unprotect_rtp(&p1).is_ok());
        assert_eq!(rx.unprotect_rtp(&p1), Err(SrtpError::Replay));
        assert!(rx.unprotect_rtp(&p2).is_ok());
        assert_eq!(rx.unprotect_rtp(&p2), Err(SrtpError::Replay));
        // Too old for the window.
        let mut old = Vec::new();
        for seq in 102..400u16 {
            let p = tx.protect_rtp(&rtp_packet(seq, 1)).expect("protect");
            if seq == 150 {
                old = p;
            } else {
                assert!(rx.unprotect_rtp(&p).is_ok());
            }
        }
        assert_eq!(rx.unprotect_rtp(&old), Err(SrtpError::Replay));
        assert!(rx.unprotect_rtp(&[0x80, 0, 0]).is_err());
        assert!(rx.unprotect_rtp(&rtp_packet(1, 1)[..14]).is_err());
        let stats = rx.stats();
        assert_eq!(
            (
                stats.authentication_failures,
                stats.replays,
                stats.malformed
            ),
            (1, 3, 2)
        );
        // Forged packets with fresh SSRCs do not disturb the real stream's state.
        for ssrc in 1000..1100u32 {
            let mut forged = rtp_packet(7, ssrc);
            forged.extend_from_slice(&[0; 10]);
            assert!(rx.unprotect_rtp(&forged).is_err());
        }
        assert_eq!(rx.streams.len(), 1);
        // Wrong key.
        let mut other = SrtpContext::from_key_and_salt(CryptoSuite::AesCm128HmacSha1_80, &[9; 30]);
        assert_eq!(
            other.unprotect_rtp(&p1),
            Err(SrtpError::AuthenticationFailed)
        );
    }

    #[test]
    fn rtcp_round_trip_replay_and_tamper() {
        for suite in [
            CryptoSuite::AesCm128HmacSha1_80,
            CryptoSuite::AesCm128HmacSha1_32,
        ] {
            let (mut tx, mut rx) = pair(suite);
            let rr = [0x80u8, 201, 0, 1, 0, 0, 0, 42];
            let sdes = crate::rtcp::write_compound(&[
                crate::rtcp::RtcpPacket::ReceiverReport(crate::rtcp::ReceiverReport {
                    ssrc: 42,
                    reports: vec![],
                }),
                crate::rtcp::RtcpPacket::SourceDescription(vec![crate::rtcp::SdesChunk {
                    ssrc: 42,
                    cname: Some("x@y".into()),
                }]),
            ]);
            let p1 = tx.protect_rtcp(&rr).expect("protect");
            assert_eq!(p1.len(), 8 + 4 + 10);
            let p2 = tx.protect_rtcp(&sdes).expect("protect");
            assert_ne!(p2[8..sdes.len()], sdes[8..]);
            assert_eq!(rx.unprotect_rtcp(&p2).expect("ok"), sdes);
            assert_eq!(rx.unprotect_rtcp(&p1).expect("ok"), rr);
            assert_eq!(rx.unprotect_rtcp(&p1), Err(SrtpError::Replay));
            let mut bad = tx.protect_rtcp(&sdes).expect("protect");
            bad[9] ^= 0x80;
            assert_eq!(
                rx.unprotect_rtcp(&bad),
                Err(SrtpError::AuthenticationFailed)
            );
        }
    }

    #[test]
    fn sdes_base64_keys() {
        assert!(SrtpContext::from_sdes_base64(
            CryptoSuite::AesCm128HmacSha1_80,
            "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
        )
        .is_ok());
        assert_eq!(
            SrtpContext::from_sdes_base64(CryptoSuite::AesCm128HmacSha1_80, "c2hvcnQ=").map(|_| ()),
            Err(SrtpError::BadKey)
        );
        assert!(SrtpContext::from_sdes_base64(CryptoSuite::AesCm128HmacSha1_80, "!!").is_err());
    }

    #[test]
    fn replay_window_edges() {
        let mut w = ReplayWindow::default();
        assert!(w.check(5).is_ok());
        w.accept(5);
        assert!(w.check(5).is_err());
        assert!(w.check(4).is_ok());
        w.accept(5 + 1000);
        assert!(w.check(6).is_err());
        assert!(w.check(1005 - 127).is_ok());
        assert!(w.check(1005 - 128).is_err());
    }
}
