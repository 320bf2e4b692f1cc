//! RFC 4733 telephone-events (DTMF digits over RTP).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`DtmfSender`] turns queued digits into packets, one per packet interval: every packet of
//! one event carries the event's start timestamp, the first has the marker bit, the duration
//! grows by one packet interval each time, and the last is sent three times with the E bit.
//! Then a gap (70 ms by default) before the next digit. While [`DtmfSender::is_sending`] the
//! engine sends these packets instead of audio.
//!
//! [`DtmfReceiver`] reports each event once, when its first end packet arrives (retransmitted
//! end packets are ignored), or when a new event or later audio shows that the end was lost.

use std::collections::VecDeque;

/// The event code of a DTMF digit: `0`–`9`, `*`, `#`, `A`–`D` (case-insensitive).
pub fn event_code(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

/// The digit of a DTMF event code (0–15), `None` for other events (e.g. 16, flash).
pub fn event_digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

/// A telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code.
    pub event: u8,
    /// End of event.
    pub end: bool,
    /// Power level in −dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parse the first 4 bytes of a payload (further events in one packet are ignored).
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..4)?;
        Some(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3f,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3f),
            d[0],
            d[1],
        ]
    }
}

/// Sender timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSenderConfig {
    /// Clock rate of the telephone-event payload type (8000 or 48000).
    pub clock_rate: u32,
    /// Packet interval in milliseconds (the call's ptime, 20).
    pub packet_ms: u32,
    /// Tone length in milliseconds (100).
    pub tone_ms: u32,
    /// Silence between digits in milliseconds (70).
    pub gap_ms: u32,
    /// Volume in −dBm0 (10).
    pub volume: u8,
}

impl DtmfSenderConfig {
    /// Defaults for `clock_rate`: 20 ms packets, 100 ms tones, 70 ms gaps, −10 dBm0.
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate,
            packet_ms: 20,
            tone_ms: 100,
            gap_ms: 70,
            volume: 10,
        }
    }
}

/// One packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// The payload.
    pub payload: [u8; 4],
    /// Set on the first packet of an event.
    pub marker: bool,
    /// Media time (samples since the stream start) of the event start: the RTP timestamp to
    /// use, via [`crate::session::RtpSession::next_header`].
    pub media_time: u32,
    /// This is one of the end packets.
    pub end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SenderState {
    Idle,
    Tone {
        event: u8,
        start: u32,
        duration: u32,
        first: bool,
    },
    Ending {
        event: u8,
        start: u32,
        duration: u32,
        ends_left: u8,
        gap_left: i64,
    },
    Gap {
        gap_left: i64,
    },
}

/// RFC 4733 sender: see the module documentation.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    config: DtmfSenderConfig,
    queue: VecDeque<u8>,
    state: SenderState,
}

impl DtmfSender {
    /// A sender with nothing queued.
    pub fn new(config: DtmfSenderConfig) -> Self {
        Self {
            config,
            queue: VecDeque::new(),
            state: SenderState::Idle,
        }
    }

    /// Queue a digit; `false` (and nothing queued) if it is not a DTMF digit.
    pub fn queue_digit(&mut self, digit: char) -> bool {
        match event_code(digit) {
            Some(code) => {
                self.queue.push_back(code);
                true
            }
            None => false,
        }
    }

    /// Queue every DTMF digit of `digits`; returns how many were queued.
    pub fn queue_digits(&mut self, digits: &str) -> usize {
        digits.chars().filter(|d| self.queue_digit(*d)).count()
    }

    /// An event is being sent: send [`DtmfSender::poll`]'s packets instead of audio.
    pub fn is_sending(&self) -> bool {
        matches!(
            self.state,
            SenderState::Tone { .. } | SenderState::Ending { .. }
        ) || (self.state == SenderState::Idle && !self.queue.is_empty())
    }

    /// Nothing queued, sending or waiting.
    pub fn is_idle(&self) -> bool {
        self.state == SenderState::Idle && self.queue.is_empty()
    }

    fn samples(&self, ms: u32) -> u32 {
        (u64::from(ms) * u64::from(self.config.clock_rate) / 1000).min(u64::from(u16::MAX)) as u32
    }

    /// Advance by one packet interval; `media_time` is the current media time in samples (what
    /// the next audio packet would carry). Returns the packet to send, if any.
    pub fn poll(&mut self, media_time: u32) -> Option<DtmfPacket> {
        let step = self.samples(self.config.packet_ms).max(1);
        let tone = self.samples(self.config.tone_ms).max(step);
        if let SenderState::Gap { gap_left } = self.state {
            let left = gap_left - i64::from(self.config.packet_ms.max(1));
            self.state = if left > 0 {
                SenderState::Gap { gap_left: left }
            } else {
                SenderState::Idle
            };
            if left > 0 {
                return None;
            }
        }
        if self.state == SenderState::Idle {
            let event = self.queue.pop_front()?;
            self.state = SenderState::Tone {
                event,
                start: media_time,
                duration: 0,
                first: true,
            };
        }
        let volume = self.config.volume;
        match self.state {
            SenderState::Tone {
                event,
                start,
                duration,
                first,
            } => {
                let duration = (duration + step).min(tone);
                let end = duration >= tone;
                self.state = if end {
                    SenderState::Ending {
                        event,
                        start,
                        duration,
                        ends_left: 2,
                        // The gap counts from the end of the tone, one interval after this tick.
                        gap_left: i64::from(self.config.gap_ms)
                            + i64::from(self.config.packet_ms.max(1)),
                    }
                } else {
                    SenderState::Tone {
                        event,
                        start,
                        duration,
                        first: false,
                    }
                };
                let payload = TelephoneEvent {
                    event,
                    end,
                    volume,
                    duration: duration as u16,
                }
                .to_bytes();
                Some(DtmfPacket {
                    payload,
                    marker: first,
                    media_time: start,
                    end,
                })
            }
            SenderState::Ending {
                event,
                start,
                duration,
                ends_left,
                gap_left,
            } => {
                let gap_left = gap_left - i64::from(self.config.packet_ms.max(1));
                self.state = if ends_left > 1 {
                    SenderState::Ending {
                        event,
                        start,
                        duration,
                        ends_left: ends_left - 1,
                        gap_left,
                    }
                } else if gap_left > 0 {
                    SenderState::Gap { gap_left }
                } else {
                    SenderState::Idle
                };
                let payload = TelephoneEvent {
                    event,
                    end: true,
                    volume,
                    duration: duration as u16,
                }
                .to_bytes();
                Some(DtmfPacket {
                    payload,
                    marker: false,
                    media_time: start,
                    end: true,
                })
            }
            SenderState::Idle | SenderState::Gap { .. } => None,
        }
    }
}

/// A received digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The digit (`0`–`9`, `*`, `#`, `A`–`D`).
    pub digit: char,
    /// How long the tone lasted, in milliseconds.
    pub duration_ms: u32,
}

/// RFC 4733 receiver: see the module documentation.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    clock_rate: u32,
    /// The event in progress: (timestamp, event, duration).
    current: Option<(u32, u8, u16)>,
    /// Timestamps of recently reported events (end retransmissions are ignored).
    reported: VecDeque<u32>,
}

impl DtmfReceiver {
    /// A receiver for a telephone-event payload type at `clock_rate`.
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate: clock_rate.max(1),
            current: None,
            reported: VecDeque::new(),
        }
    }

    fn report(&mut self, timestamp: u32, event: u8, duration: u16) -> Option<DtmfEvent> {
        if self.reported.len() >= 8 {
            self.reported.pop_front();
        }
        self.reported.push_back(timestamp);
        let digit = event_digit(event)?;
        Some(DtmfEvent {
            digit,
            duration_ms: (u64::from(duration) * 1000 / u64::from(self.clock_rate)) as u32,
        })
    }

    /// Process a telephone-event packet (its RTP timestamp and payload). Returns the digits
    /// completed by this packet: normally at most one; two if it starts a new event that ends
    /// at once while the previous one's end packets were lost.
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Vec<DtmfEvent> {
        let mut out = Vec::new();
        let Some(te) = TelephoneEvent::parse(payload) else {
            return out;
        };
        if self.reported.contains(&timestamp) {
            return out;
        }
        if let Some((ts, event, duration)) = self.current {
            if ts != timestamp {
                // A new event began: the previous one's end was lost.
                self.current = None;
                out.extend(self.report(ts, event, duration));
            }
        }
        if te.end {
            self.current = None;
            out.extend(self.report(timestamp, te.event, te.duration));
        } else {
            let duration = self
                .current
                .map_or(te.duration, |(_, _, d)| d.max(te.duration));
            self.current = Some((timestamp, te.event, duration));
        }
        out
    }

    /// Note an audio packet: if it is later than the event in progress, that event's end was
    /// lost and it is reported now.
    pub fn receive_audio(&mut self, timestamp: u32) -> Option<DtmfEvent> {
        let (ts, event, duration) = self.current?;
        let since = timestamp.wrapping_sub(ts);
        if since >= u32::from(duration) && since < 0x8000_0000 {
            self.current = None;
            return self.report(ts, event, duration);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_codes() {
        let digits = "0123456789*#ABCD";
        for (code, d) in digits.chars().enumerate() {
            assert_eq!(event_code(d), Some(code as u8));
            assert_eq!(event_digit(code as u8), Some(d));
        }
        assert_eq!(event_code('a'), Some(12));
        assert_eq!(event_code('x'), None);
        assert_eq!(event_digit(16), None);
    }

    #[test]
    fn payload_round_trip() {
        let te = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(te.to_bytes(), [11, 0x8a, 0x03, 0x20]);
        assert_eq!(TelephoneEvent::parse(&te.to_bytes()), Some(te));
        assert_eq!(TelephoneEvent::parse(&[1, 2, 3]), None);
    }

    #[test]
    fn sender_packet_sequence_8k() {
        let mut s = DtmfSender::new(DtmfSenderConfig::new(8000));
        assert!(s.is_idle());
        assert_eq!(s.queue_digits("1x#"), 2);
        let mut packets = Vec::new();
        let mut t = 1000u32;
        for _ in 0..25 {
            packets.push((t, s.is_sending(), s.poll(t)));
            t += 160;
        }
        let sent: Vec<(u32, DtmfPacket)> = packets
            .iter()
            .filter_map(|(t, _, p)| p.map(|p| (*t, p)))
            .collect();
        // Digit 1: 5 packets growing to 800, then 2 more ends. Digit #: the same.
        assert_eq!(sent.len(), 14);
        let first: Vec<TelephoneEvent> = sent[..7]
            .iter()
            .filter_map(|(_, p)| TelephoneEvent::parse(&p.payload))
            .collect();
        assert_eq!(
            first.iter().map(|e| e.duration).collect::<Vec<_>>(),
            vec![160, 320, 480, 640, 800, 800, 800]
        );
        assert_eq!(
            first.iter().map(|e| e.end).collect::<Vec<_>>(),
            vec![false, false, false, false, true, true, true]
        );
        assert!(first.iter().all(|e| e.event == 1 && e.volume == 10));
        assert!(sent[0].1.marker && sent[1..].iter().filter(|(_, p)| p.marker).count() == 1);
        assert!(sent[..7].iter().all(|(_, p)| p.media_time == 1000));
        // Second digit starts after at least 70 ms of gap after the tone ended.
        let second_start = sent[7].0;
        assert_eq!(sent[7].1.media_time, second_start);
        assert!(sent[7].1.marker);
        let first_tone_end = 1000 + 800;
        assert!(
            second_start - first_tone_end >= 70 * 8,
            "gap {}",
            second_start - first_tone_end
        );
        assert_eq!(
            TelephoneEvent::parse(&sent[7].1.payload).map(|e| e.event),
            Some(11)
        );
        assert!(s.is_idle());
    }

    #[test]
    fn sender_48k_and_custom_timing() {
        let mut config = DtmfSenderConfig::new(48000);
        config.tone_ms = 60;
        config.gap_ms = 0;
        let mut s = DtmfSender::new(config);
        s.queue_digit('5');
        let durations: Vec<u16> = (0..6)
            .filter_map(|i| s.poll(i * 960))
            .filter_map(|p| TelephoneEvent::parse(&p.payload))
            .map(|e| e.duration)
            .collect();
        assert_eq!(durations, vec![960, 1920, 2880, 2880, 2880]);
    }

    #[test]
    fn receiver_reports_once_with_duration() {
        let mut r = DtmfReceiver::new(8000);
        let mut s = DtmfSender::new(DtmfSenderConfig::new(8000));
        s.queue_digits("9*");
        let mut events = Vec::new();
        for i in 0..30u32 {
            if let Some(p) = s.poll(i * 160) {
                // Duplicate every packet on the wire.
                events.extend(r.receive(p.media_time, &p.payload));
                events.extend(r.receive(p.media_time, &p.payload));
            }
        }
        assert_eq!(
            events,
            vec![
                DtmfEvent {
                    digit: '9',
                    duration_ms: 100
                },
                DtmfEvent {
                    digit: '*',
                    duration_ms: 100
                }
            ]
        );
    }

    #[test]
    fn receiver_recovers_lost_end_packets() {
        let mut r = DtmfReceiver::new(8000);
        let start = |event, duration| {
            TelephoneEvent {
                event,
                end: false,
                volume: 10,
                duration,
            }
            .to_bytes()
        };
        assert!(r.receive(0, &start(4, 160)).is_empty());
        assert!(r.receive(0, &start(4, 480)).is_empty());
        // Ends lost; a new event begins.
        assert_eq!(
            r.receive(2000, &start(7, 160)),
            vec![DtmfEvent {
                digit: '4',
                duration_ms: 60
            }]
        );
        // Ends lost again; audio resumes after the event.
        assert_eq!(r.receive_audio(2100), None);
        assert_eq!(
            r.receive_audio(2400),
            Some(DtmfEvent {
                digit: '7',
                duration_ms: 20
            })
        );
        assert_eq!(r.receive_audio(2560), None);
        // Garbage.
        assert!(r.receive(5, &[1]).is_empty());
    }
}
