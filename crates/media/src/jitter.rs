//! Adaptive jitter buffer.
//!
//! Packets go in with their arrival time ([`JitterBuffer::insert`]); frames come out on the
//! playout clock, one per [`JitterBuffer::pull`] call every frame interval (20 ms).
//!
//! How the delay adapts:
//!
//! - For every packet, the *transit* `arrival − timestamp` (in ms) is measured. The *base*
//!   transit is a running minimum that may creep up by [`JitterBufferConfig::drift_tolerance`]
//!   of the elapsed media time (so a sender whose clock is slow, whose transit keeps growing,
//!   is followed without lag). A packet's *relative delay* is how much slower than the base it
//!   was.
//! - The target delay is the [`JitterBufferConfig::percentile`] of the relative delays of the
//!   last [`JitterBufferConfig::history`] packets plus [`JitterBufferConfig::margin_ms`], or
//!   the recent peak if higher (a spike raises the target at once; the peak then halves every
//!   [`JitterBufferConfig::spike_half_life_ms`]), bounded to `min_delay_ms..=max_delay_ms`
//!   (20–200 ms). A quiet network gets 20–30 ms; a jittery one gets what it needs instead of a
//!   fixed 60–80 ms.
//! - The playout delay (how long after its fastest possible arrival a frame is played) is
//!   steered toward the target one frame at a time, at most once every few pulls: a frame is
//!   dropped when the delay is too long (time compression), a concealment frame is inserted
//!   when it is too short (stretching). Sender clock drift moves the base transit slowly, so
//!   the same mechanism absorbs it: a fast sender causes an occasional dropped frame, a slow one
//!   an occasional inserted frame.
//!
//! Reordered packets are put back in order; duplicates and packets that arrive after their
//! playout time are counted and dropped. A missing frame is reported as
//! [`Playout::Conceal`] so the decoder can run PLC or FEC ([`JitterBuffer::peek_next`] gives
//! the next packet for Opus in-band FEC). After a long silence without packets, or a
//! timestamp discontinuity, the buffer starts over (buffering again).
//!
//! Each packet is assumed to carry one frame of `frame_ms`: configure `frame_ms` to the
//! negotiated ptime of the peer.

use std::collections::{BTreeMap, VecDeque};

/// Jitter buffer tuning.
#[derive(Debug, Clone, PartialEq)]
pub struct JitterBufferConfig {
    /// RTP clock rate of the stream.
    pub clock_rate: u32,
    /// Frame (and packet) duration in milliseconds.
    pub frame_ms: u32,
    /// Lower bound of the target delay (20 ms).
    pub min_delay_ms: u32,
    /// Upper bound of the target delay (200 ms).
    pub max_delay_ms: u32,
    /// Added to the jitter percentile (10 ms).
    pub margin_ms: u32,
    /// Percentile of the relative delays that the target covers (0.95).
    pub percentile: f64,
    /// Relative delays remembered for the percentile (500 packets, 10 s at 20 ms).
    pub history: usize,
    /// How fast the base transit may rise, as a fraction of media time (0.01: senders up to 1 %
    /// slow are followed without lag).
    pub drift_tolerance: f64,
    /// Half-life of the spike peak in milliseconds of media time (2000).
    pub spike_half_life_ms: f64,
    /// Pulls between two delay adjustments (3).
    pub adjust_interval: u32,
}

impl JitterBufferConfig {
    /// Defaults for a stream at `clock_rate` with `frame_ms` packets.
    pub fn new(clock_rate: u32, frame_ms: u32) -> Self {
        Self {
            clock_rate,
            frame_ms,
            min_delay_ms: 20,
            max_delay_ms: 200,
            margin_ms: 10,
            percentile: 0.95,
            history: 500,
            drift_tolerance: 0.01,
            spike_half_life_ms: 2000.0,
            adjust_interval: 3,
        }
    }
}

/// Why a frame must be concealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcealCause {
    /// The packet for this frame is missing (lost, or still late).
    Loss,
    /// The buffer is growing its delay: an extra frame is inserted.
    Stretch,
}

/// What to play for one frame interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this payload.
    Frame {
        /// The payload.
        payload: Vec<u8>,
        /// Its RTP timestamp.
        timestamp: u32,
        /// Its sequence number.
        sequence: u16,
    },
    /// Run packet-loss concealment (or FEC from [`JitterBuffer::peek_next`]).
    Conceal {
        /// The RTP timestamp of the missing frame.
        timestamp: u32,
        /// Why.
        cause: ConcealCause,
    },
    /// Nothing to play yet (buffering): play silence or comfort noise.
    Empty,
}

/// What happened to an inserted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Buffered for playout.
    Buffered,
    /// Already buffered or already played: dropped.
    Duplicate,
    /// Its playout time has passed: dropped.
    Late,
    /// A timestamp discontinuity: the buffer started over with this packet.
    Resynchronized,
}

/// Counters and current state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JitterStats {
    /// Packets inserted.
    pub received: u64,
    /// Frames played from packets.
    pub played: u64,
    /// Frames concealed because their packet was missing.
    pub concealed: u64,
    /// Frames inserted to grow the delay.
    pub stretched: u64,
    /// Frames dropped to shrink the delay.
    pub compressed: u64,
    /// Packets dropped as late.
    pub late: u64,
    /// Packets dropped as duplicates.
    pub duplicates: u64,
    /// Packets dropped because the buffer was full.
    pub overflow: u64,
    /// Times the buffer started over.
    pub resyncs: u64,
    /// Current playout delay in ms (as of the last pull).
    pub delay_ms: f64,
    /// Current target delay in ms.
    pub target_delay_ms: f64,
}

#[derive(Debug, Clone)]
struct Entry {
    payload: Vec<u8>,
    timestamp: u32,
    sequence: u16,
}

/// A transit jump larger than this (ms) is a discontinuity, not jitter.
const RESYNC_MS: f64 = 1000.0;

/// The adaptive jitter buffer; see the module documentation.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterBufferConfig,
    /// Timestamp unwrapping reference: (timestamp, extended timestamp).
    reference: Option<(u32, i64)>,
    packets: BTreeMap<i64, Entry>,
    /// Base transit (ms) and the extended timestamp it was last updated at.
    base: Option<(f64, i64)>,
    /// Recent peak relative delay (ms), decaying.
    peak: f64,
    /// Relative delay of the previous packet (a spike needs two slow packets in a row).
    last_relative: f64,
    /// Relative delays (ms) of recent packets, for the percentile.
    relative: VecDeque<f64>,
    target_ms: f64,
    /// Next extended timestamp to play, once playing.
    playout: Option<i64>,
    since_adjust: u32,
    missing_run: u32,
    played_sequences: VecDeque<u16>,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer.
    pub fn new(config: JitterBufferConfig) -> Self {
        let target_ms = f64::from(config.min_delay_ms);
        Self {
            config,
            reference: None,
            packets: BTreeMap::new(),
            base: None,
            peak: 0.0,
            last_relative: 0.0,
            relative: VecDeque::new(),
            target_ms,
            playout: None,
            since_adjust: 0,
            missing_run: 0,
            played_sequences: VecDeque::new(),
            stats: JitterStats {
                target_delay_ms: target_ms,
                ..JitterStats::default()
            },
        }
    }

    fn rate(&self) -> f64 {
        f64::from(self.config.clock_rate.max(1))
    }

    fn frame_samples(&self) -> i64 {
        (i64::from(self.config.frame_ms) * i64::from(self.config.clock_rate) / 1000).max(1)
    }

    fn to_ms(&self, ext: i64) -> f64 {
        ext as f64 * 1000.0 / self.rate()
    }

    fn unwrap(&mut self, timestamp: u32) -> i64 {
        let ext = match self.reference {
            Some((ts, ext)) => ext + i64::from(timestamp.wrapping_sub(ts) as i32),
            None => i64::from(timestamp),
        };
        self.reference = Some((timestamp, ext));
        ext
    }

    fn min_transit(&self) -> Option<f64> {
        self.base.map(|(b, _)| b)
    }

    /// Forget everything (e.g. on a new SSRC); counters are kept.
    pub fn reset(&mut self) {
        self.reference = None;
        self.packets.clear();
        self.base = None;
        self.peak = 0.0;
        self.relative.clear();
        self.playout = None;
        self.missing_run = 0;
        self.played_sequences.clear();
        self.target_ms = f64::from(self.config.min_delay_ms);
    }

    fn update_target(&mut self) {
        let mut sorted: Vec<f64> = self.relative.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let p = if sorted.is_empty() {
            0.0
        } else {
            let rank = (self.config.percentile.clamp(0.0, 1.0) * (sorted.len() - 1) as f64).ceil()
                as usize;
            sorted[rank.min(sorted.len() - 1)]
        };
        self.target_ms = (p.max(self.peak) + f64::from(self.config.margin_ms)).clamp(
            f64::from(self.config.min_delay_ms),
            f64::from(self.config.max_delay_ms.max(self.config.min_delay_ms)),
        );
        self.stats.target_delay_ms = self.target_ms;
    }

    /// Insert a received packet (RTP sequence number and timestamp, arrival time, payload).
    pub fn insert(
        &mut self,
        sequence: u16,
        timestamp: u32,
        arrival_ms: u64,
        payload: &[u8],
    ) -> InsertOutcome {
        self.stats.received += 1;
        let mut ext = self.unwrap(timestamp);
        let mut transit = arrival_ms as f64 - self.to_ms(ext);
        let mut outcome = InsertOutcome::Buffered;
        if let Some(min) = self.min_transit() {
            if (transit - min).abs() > RESYNC_MS + f64::from(self.config.max_delay_ms) {
                self.reset();
                self.stats.resyncs += 1;
                ext = self.unwrap(timestamp);
                transit = arrival_ms as f64 - self.to_ms(ext);
                outcome = InsertOutcome::Resynchronized;
            }
        }
        // Every packet, late ones included, informs the delay estimate.
        let min = match self.base {
            Some((base, at)) => {
                let elapsed_ms = self.to_ms(ext - at).max(0.0);
                let risen = base + elapsed_ms * self.config.drift_tolerance;
                self.peak *= 0.5f64.powf(elapsed_ms / self.config.spike_half_life_ms.max(1.0));
                let min = transit.min(risen);
                self.base = Some((min, ext.max(at)));
                min
            }
            None => {
                self.base = Some((transit, ext));
                transit
            }
        };
        let relative = transit - min;
        // Two slow packets in a row make a spike; one lone straggler does not.
        self.peak = self.peak.max(relative.min(self.last_relative));
        self.last_relative = relative;
        self.relative.push_back(relative);
        while self.relative.len() > self.config.history.max(1) {
            self.relative.pop_front();
        }
        self.update_target();

        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return InsertOutcome::Duplicate;
        }
        if let Some(playout) = self.playout {
            if ext < playout {
                if self.played_sequences.contains(&sequence) {
                    self.stats.duplicates += 1;
                    return InsertOutcome::Duplicate;
                }
                self.stats.late += 1;
                return InsertOutcome::Late;
            }
        }
        self.packets.insert(
            ext,
            Entry {
                payload: payload.to_vec(),
                timestamp,
                sequence,
            },
        );
        // Bound the memory: never hold more than twice the maximum delay.
        let capacity = (2 * self.config.max_delay_ms / self.config.frame_ms.max(1)).max(4) as usize;
        let frame = self.frame_samples();
        while self.packets.len() > capacity {
            if let Some((first, _)) = self.packets.pop_first() {
                self.stats.overflow += 1;
                if let Some(playout) = self.playout.as_mut() {
                    *playout = (*playout).max(first + frame);
                }
            }
        }
        outcome
    }

    /// The payload of the next frame to play, if already buffered (for Opus FEC after a
    /// [`Playout::Conceal`]).
    pub fn peek_next(&self) -> Option<&[u8]> {
        let playout = self.playout?;
        self.packets.get(&playout).map(|e| e.payload.as_slice())
    }

    /// Take the frame to play now. Call once per frame interval on the playout clock.
    pub fn pull(&mut self, now_ms: u64) -> Playout {
        let now = now_ms as f64;
        let Some(min_transit) = self.min_transit() else {
            return Playout::Empty;
        };
        let frame = self.frame_samples();
        let frame_ms = f64::from(self.config.frame_ms);
        let playout = match self.playout {
            Some(p) => p,
            None => {
                let Some((&first, _)) = self.packets.first_key_value() else {
                    return Playout::Empty;
                };
                let delay = now - (self.to_ms(first) + min_transit);
                if delay < self.target_ms {
                    self.stats.delay_ms = 0.0;
                    return Playout::Empty;
                }
                self.since_adjust = 0;
                self.playout = Some(first);
                first
            }
        };
        let mut playout = playout;
        self.since_adjust = self.since_adjust.saturating_add(1);
        let delay = now - (self.to_ms(playout) + min_transit);
        if self.since_adjust > self.config.adjust_interval {
            if delay > self.target_ms + 0.75 * frame_ms {
                // Too much delay: drop one frame.
                self.since_adjust = 0;
                if self.take(playout).is_some() {
                    self.stats.compressed += 1;
                }
                playout += frame;
            } else if delay < self.target_ms - 0.75 * frame_ms {
                // Too little delay: insert one frame.
                self.since_adjust = 0;
                self.stats.stretched += 1;
                self.stats.delay_ms = delay + frame_ms;
                self.playout = Some(playout);
                return Playout::Conceal {
                    timestamp: self.timestamp_of(playout),
                    cause: ConcealCause::Stretch,
                };
            }
        }
        self.stats.delay_ms = now - (self.to_ms(playout) + min_transit);
        let result = match self.take(playout) {
            Some((ext, entry)) => {
                // A packet that starts inside this frame (misaligned timestamps) realigns playout.
                playout = ext;
                self.missing_run = 0;
                self.stats.played += 1;
                if self.played_sequences.len() >= 64 {
                    self.played_sequences.pop_front();
                }
                self.played_sequences.push_back(entry.sequence);
                Playout::Frame {
                    payload: entry.payload,
                    timestamp: entry.timestamp,
                    sequence: entry.sequence,
                }
            }
            None => {
                self.missing_run += 1;
                self.stats.concealed += 1;
                Playout::Conceal {
                    timestamp: self.timestamp_of(playout),
                    cause: ConcealCause::Loss,
                }
            }
        };
        playout += frame;
        self.playout = Some(playout);
        // A long run of missing frames with nothing buffered: start over when packets return.
        let limit = (self.config.max_delay_ms / self.config.frame_ms.max(1)).max(1) + 5;
        if self.missing_run > limit && self.packets.is_empty() {
            self.playout = None;
            self.missing_run = 0;
            self.base = None;
            self.peak = 0.0;
            self.relative.clear();
            self.reference = None;
            self.stats.resyncs += 1;
        }
        result
    }

    /// Remove the packet covering the frame that starts at `playout`.
    fn take(&mut self, playout: i64) -> Option<(i64, Entry)> {
        let frame = self.frame_samples();
        let key = *self.packets.range(playout..playout + frame).next()?.0;
        self.packets.remove(&key).map(|e| (key, e))
    }

    fn timestamp_of(&self, ext: i64) -> u32 {
        match self.reference {
            Some((ts, ref_ext)) => ts.wrapping_add((ext - ref_ext) as u32),
            None => ext as u32,
        }
    }

    /// Current target delay in milliseconds.
    pub fn target_delay_ms(&self) -> f64 {
        self.target_ms
    }

    /// Current playout delay in milliseconds (as of the last pull).
    pub fn delay_ms(&self) -> f64 {
        self.stats.delay_ms
    }

    /// Packets waiting.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// No packet waiting.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet on the wire: sequence, timestamp, arrival time (ms); `None` arrival = lost.
    #[derive(Clone, Copy)]
    struct Sent {
        seq: u16,
        ts: u32,
        arrival: Option<u64>,
    }

    /// Packets every 20 ms from t=1000 with `delay(i)` network delay; `lost(i)`.
    fn stream(
        count: usize,
        delay: impl Fn(usize) -> i64,
        lost: impl Fn(usize) -> bool,
    ) -> Vec<Sent> {
        (0..count)
            .map(|i| Sent {
                seq: (60_000 + i) as u16,
                ts: (4_294_960_000u64 + i as u64 * 160) as u32,
                arrival: (!lost(i)).then(|| (1000 + i as i64 * 20 + delay(i)) as u64),
            })
            .collect()
    }

    struct Run {
        played: Vec<u16>,
        stats: JitterStats,
        outcomes: Vec<(u16, InsertOutcome)>,
        max_delay: f64,
    }

    /// Feed packets in arrival order and pull every 20 ms until `end_ms`.
    fn run(jb: &mut JitterBuffer, packets: &[Sent], end_ms: u64) -> Run {
        let mut arrivals: Vec<(u64, Sent)> = packets
            .iter()
            .filter_map(|p| p.arrival.map(|a| (a, *p)))
            .collect();
        arrivals.sort_by_key(|(a, _)| *a);
        let mut next = 0;
        let mut played = Vec::new();
        let mut concealed = 0;
        let mut outcomes = Vec::new();
        let mut max_delay: f64 = 0.0;
        for t in 1000..end_ms {
            while next < arrivals.len() && arrivals[next].0 <= t {
                let p = arrivals[next].1;
                outcomes.push((p.seq, jb.insert(p.seq, p.ts, t, &p.seq.to_be_bytes())));
                next += 1;
            }
            if next == arrivals.len() && jb.is_empty() {
                break;
            }
            if t % 20 == 5 {
                match jb.pull(t) {
                    Playout::Frame {
                        sequence, payload, ..
                    } => {
                        assert_eq!(payload, sequence.to_be_bytes());
                        played.push(sequence);
                        max_delay = max_delay.max(jb.delay_ms());
                    }
                    Playout::Conceal {
                        cause: ConcealCause::Loss,
                        ..
                    } => concealed += 1,
                    Playout::Conceal {
                        cause: ConcealCause::Stretch,
                        ..
                    } => {}
                    Playout::Empty => {}
                }
            }
        }
        let mut stats = jb.stats();
        stats.concealed = concealed as u64;
        Run {
            played,
            stats,
            outcomes,
            max_delay,
        }
    }

    fn jb() -> JitterBuffer {
        JitterBuffer::new(JitterBufferConfig::new(8000, 20))
    }

    fn in_order(played: &[u16]) -> bool {
        played
            .windows(2)
            .all(|w| w[1] == w[0].wrapping_add(1) || w[1].wrapping_sub(w[0]) < 100)
            && played.windows(2).all(|w| w[1] != w[0])
    }

    #[test]
    fn steady_stream_plays_everything_at_minimum_delay() {
        let mut jb = jb();
        let r = run(&mut jb, &stream(500, |_| 30, |_| false), 11_500);
        assert_eq!(r.played.len(), 500);
        assert!(in_order(&r.played));
        assert_eq!(r.stats.concealed, 0);
        assert_eq!(r.stats.target_delay_ms, 20.0);
        assert!(r.max_delay <= 40.0, "delay {}", r.max_delay);
        assert!(jb.is_empty());
    }

    #[test]
    fn single_loss_is_concealed_once() {
        let mut jb = jb();
        let r = run(&mut jb, &stream(200, |_| 30, |i| i == 50), 5_500);
        assert_eq!(r.played.len(), 199);
        assert_eq!(r.stats.concealed, 1);
        assert!(!r.played.contains(&60_050));
    }

    #[test]
    fn burst_loss_conceals_the_burst() {
        let mut jb = jb();
        let r = run(
            &mut jb,
            &stream(300, |_| 30, |i| (100..108).contains(&i)),
            7_500,
        );
        assert_eq!(r.played.len(), 292);
        assert_eq!(r.stats.concealed, 8);
        assert!(in_order(&r.played));
    }

    #[test]
    fn reordering_is_undone() {
        let mut jb = jb();
        // Every 10th packet arrives 25 ms late, after its successor.
        let r = run(
            &mut jb,
            &stream(300, |i| if i % 10 == 5 { 55 } else { 30 }, |_| false),
            7_500,
        );
        assert_eq!(r.played.len(), 300, "{:?}", r.stats);
        assert!(r.played.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
        assert_eq!(r.stats.late, 0);
        assert!(r.stats.target_delay_ms >= 35.0);
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut jb = jb();
        let mut packets = stream(100, |_| 30, |_| false);
        let dup_early = Sent {
            arrival: Some(1000 + 40 * 20 + 31),
            ..packets[40]
        };
        let dup_late = Sent {
            arrival: Some(1000 + 40 * 20 + 500),
            ..packets[40]
        };
        packets.push(dup_early);
        packets.push(dup_late);
        let r = run(&mut jb, &packets, 3_500);
        assert_eq!(r.played.len(), 100);
        assert_eq!(r.stats.duplicates, 2);
        assert_eq!(
            r.outcomes
                .iter()
                .filter(|(_, o)| *o == InsertOutcome::Duplicate)
                .count(),
            2
        );
    }

    #[test]
    fn late_packet_is_dropped_and_concealed() {
        let mut jb = jb();
        let r = run(
            &mut jb,
            &stream(200, |i| if i == 100 { 400 } else { 30 }, |_| false),
            5_500,
        );
        assert_eq!(r.stats.late, 1);
        assert_eq!(r.stats.concealed, 1);
        assert_eq!(r.played.len(), 199);
        assert!(r.outcomes.iter().any(|(_, o)| *o == InsertOutcome::Late));
    }

    /// Deterministic pseudo-random numbers in 0..1.
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as f64 / (1u64 << 31) as f64
    }

    #[test]
    fn jitter_raises_the_target_and_calm_lowers_it() {
        let mut jb = jb();
        let mut seed = 7;
        let delays: Vec<i64> = (0..3000)
            .map(|i| {
                if i < 1500 {
                    20 + (lcg(&mut seed) * 60.0) as i64
                } else {
                    20
                }
            })
            .collect();
        let packets = stream(3000, |i| delays[i], |_| false);
        let r = run(&mut jb, &packets[..1500], 31_000);
        assert!(
            r.stats.target_delay_ms >= 60.0 && r.stats.target_delay_ms <= 80.0,
            "target {}",
            r.stats.target_delay_ms
        );
        let late_ratio = r.stats.late as f64 / 1500.0;
        assert!(late_ratio < 0.03, "late {late_ratio}");
        // Calm network afterwards: the target comes back down within the history window.
        let mut jb2 = jb.clone();
        let r = run(&mut jb2, &packets, 62_000);
        assert!(
            r.stats.target_delay_ms <= 30.0,
            "target {}",
            r.stats.target_delay_ms
        );
        assert!(r.stats.compressed > 0);
        assert!(jb2.delay_ms() <= 50.0, "delay {}", jb2.delay_ms());
    }

    #[test]
    fn jitter_spikes_raise_the_target_at_once() {
        let mut jb = jb();
        // Two 120 ms spikes 2 s apart: packets delayed, then released in a bunch.
        let spike = |i: usize, at: usize| {
            (at..at + 8)
                .contains(&i)
                .then(|| 30 + 120 - (i - at) as i64 * 15)
        };
        let delay = |i: usize| spike(i, 200).or(spike(i, 300)).unwrap_or(30);
        let r = run(&mut jb, &stream(1000, delay, |_| false), 30_000);
        let late_in = |from: u16, to: u16| {
            r.outcomes
                .iter()
                .filter(|(seq, o)| {
                    *o == InsertOutcome::Late && (from..to).contains(&seq.wrapping_sub(60_000))
                })
                .count()
        };
        let (first, second) = (late_in(200, 208), late_in(300, 308));
        // The first spike is a surprise; the second finds the buffer ready.
        assert!(first >= 3, "first spike late {first}");
        assert!(second < first, "second spike late {second}, first {first}");
        // Every packet is played, late, or dropped to bring the delay back down.
        assert_eq!(
            r.played.len() + first + second + r.stats.compressed as usize,
            1000
        );
        assert!(in_order(&r.played));
        // Long after the spikes, the delay is back near the minimum.
        assert!(
            r.stats.target_delay_ms <= 30.0,
            "target {}",
            r.stats.target_delay_ms
        );
        assert!(jb.delay_ms() <= 50.0, "delay {}", jb.delay_ms());
    }

    #[test]
    fn lone_straggler_does_not_raise_the_target() {
        let mut jb = jb();
        let r = run(
            &mut jb,
            &stream(300, |i| if i == 100 { 150 } else { 30 }, |_| false),
            10_000,
        );
        assert_eq!(r.stats.late, 1);
        assert_eq!(r.stats.stretched, 0);
    }

    #[test]
    fn sender_clock_drift_fast_and_slow() {
        for (ppm, label) in [(5_000.0, "fast"), (-5_000.0, "slow")] {
            let mut jb = jb();
            // The sender's 20 ms frames take 20 / (1 + drift) ms of real time.
            let period = 20.0 / (1.0 + ppm / 1e6);
            let count = 3000;
            let packets: Vec<Sent> = (0..count)
                .map(|i| Sent {
                    seq: i as u16,
                    ts: (i * 160) as u32,
                    arrival: Some(1000 + (i as f64 * period) as u64 + 30),
                })
                .collect();
            let end = 1000 + (count as f64 * period) as u64;
            let r = run(&mut jb, &packets, end);
            let adjustments = r.stats.compressed + r.stats.stretched;
            // 0.5 % of 60 s is 300 ms: about 15 frames to drop or insert.
            assert!((10..=40).contains(&adjustments), "{label}: {:?}", r.stats);
            if ppm > 0.0 {
                assert!(r.stats.compressed >= 10, "{label}: {:?}", r.stats);
            } else {
                assert!(r.stats.stretched >= 10, "{label}: {:?}", r.stats);
            }
            assert!(r.stats.late <= 2, "{label}: {:?}", r.stats);
            assert!(r.max_delay <= 60.0, "{label}: delay {}", r.max_delay);
        }
    }

    #[test]
    fn timestamp_jump_resynchronizes() {
        let mut jb = jb();
        let mut packets = stream(100, |_| 30, |_| false);
        // The sender restarts its timestamps 10 minutes ahead.
        for p in packets.iter_mut().skip(50) {
            p.ts = p.ts.wrapping_add(8000 * 600);
        }
        let r = run(&mut jb, &packets, 3_500);
        assert_eq!(r.stats.resyncs, 1);
        assert!(r
            .outcomes
            .iter()
            .any(|(_, o)| *o == InsertOutcome::Resynchronized));
        assert!(r.played.len() >= 98, "{:?}", r.stats);
    }

    #[test]
    fn pause_then_resume_restarts_buffering() {
        let mut jb = jb();
        // Sender pauses 5 s without advancing timestamps (e.g. hold), then resumes.
        let mut packets = stream(200, |_| 30, |_| false);
        for p in packets.iter_mut().skip(100) {
            p.arrival = p.arrival.map(|a| a + 5000);
        }
        let r = run(&mut jb, &packets, 12_000);
        assert_eq!(r.played.len(), 200, "{:?}", r.stats);
        assert!(r.stats.resyncs >= 1);
    }

    #[test]
    fn opus_clock_and_30_ms_frames() {
        for (rate, frame_ms) in [(48_000u32, 20u32), (8_000, 30)] {
            let mut jb = JitterBuffer::new(JitterBufferConfig::new(rate, frame_ms));
            let step = rate / 1000 * frame_ms;
            let mut played = 0;
            let mut concealed = Vec::new();
            for t in 0..2_470u64 {
                if t % u64::from(frame_ms) == 0 && t < 2_400 {
                    let i = (t / u64::from(frame_ms)) as u32;
                    if i != 10 {
                        jb.insert(
                            i as u16,
                            i.wrapping_mul(step).wrapping_add(u32::MAX - 5000),
                            t + 25,
                            b"x",
                        );
                    }
                }
                if t % u64::from(frame_ms) == 7 {
                    match jb.pull(t) {
                        Playout::Frame { .. } => played += 1,
                        Playout::Conceal { timestamp, .. } => concealed.push(timestamp),
                        Playout::Empty => {}
                    }
                }
            }
            let frames = 2_400 / frame_ms;
            assert_eq!(
                played,
                frames - 1,
                "{rate} Hz, {frame_ms} ms: {:?}",
                jb.stats()
            );
            // The lost frame is concealed with its own timestamp (later ones follow the end).
            assert_eq!(
                concealed.first(),
                Some(&(10 * step).wrapping_add(u32::MAX - 5000))
            );
        }
    }

    #[test]
    fn peek_next_offers_fec_source() {
        let mut jb = jb();
        jb.insert(1, 160, 0, b"a");
        jb.insert(3, 480, 40, b"c");
        assert_eq!(
            jb.pull(100),
            Playout::Frame {
                payload: b"a".to_vec(),
                timestamp: 160,
                sequence: 1
            }
        );
        assert!(matches!(
            jb.pull(120),
            Playout::Conceal {
                timestamp: 320,
                cause: ConcealCause::Loss
            }
        ));
        assert_eq!(jb.peek_next(), Some(&b"c"[..]));
    }
}
