//! Seeded packet-loss models: independent random loss and bursty (Gilbert) loss.

/// A small deterministic generator (xorshift64*), so a seed always gives the same loss pattern.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (zero is mapped to a fixed non-zero state).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Which packets to drop.
#[derive(Clone, Debug)]
pub enum LossModel {
    /// Drop nothing.
    None,
    /// Drop each packet independently with this probability.
    Random {
        /// Loss probability, 0..1.
        p: f64,
    },
    /// Two-state Gilbert model: every packet in the bad state is lost, none in the good state.
    Bursty {
        /// Probability of going from good to bad after a packet.
        good_to_bad: f64,
        /// Probability of going from bad to good after a packet (1 / mean burst length).
        bad_to_good: f64,
        /// Whether the chain is in the bad state.
        bad: bool,
    },
}

impl LossModel {
    /// Random loss of `rate` (0..1), in bursts of `mean_burst` packets on average when
    /// `mean_burst > 1`.
    pub fn new(rate: f64, mean_burst: f64) -> Self {
        let rate = rate.clamp(0.0, 0.99);
        if rate <= 0.0 {
            Self::None
        } else if mean_burst <= 1.0 {
            Self::Random { p: rate }
        } else {
            let bad_to_good = 1.0 / mean_burst;
            Self::Bursty {
                good_to_bad: rate * bad_to_good / (1.0 - rate),
                bad_to_good,
                bad: false,
            }
        }
    }

    /// Whether the next packet is lost.
    pub fn lose(&mut self, rng: &mut Rng) -> bool {
        match self {
            Self::None => false,
            Self::Random { p } => rng.next_f64() < *p,
            Self::Bursty {
                good_to_bad,
                bad_to_good,
                bad,
            } => {
                let lost = *bad;
                let flip = if *bad { *bad_to_good } else { *good_to_bad };
                if rng.next_f64() < flip {
                    *bad = !*bad;
                }
                lost
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(mut model: LossModel, seed: u64, n: usize) -> (f64, f64) {
        let mut rng = Rng::new(seed);
        let (mut lost, mut bursts, mut prev) = (0usize, 0usize, false);
        for _ in 0..n {
            let l = model.lose(&mut rng);
            if l {
                lost += 1;
                if !prev {
                    bursts += 1;
                }
            }
            prev = l;
        }
        let rate = lost as f64 / n as f64;
        let mean_burst = if bursts == 0 {
            0.0
        } else {
            lost as f64 / bursts as f64
        };
        (rate, mean_burst)
    }

    #[test]
    fn random_loss_hits_its_rate_and_is_reproducible() {
        for p in [0.05, 0.10, 0.20] {
            let (rate, burst) = measure(LossModel::new(p, 1.0), 7, 200_000);
            assert!((rate - p).abs() < 0.005, "{p}: {rate}");
            assert!(burst < 1.4, "random loss has short bursts: {burst}");
        }
        assert_eq!(
            measure(LossModel::new(0.1, 1.0), 42, 10_000),
            measure(LossModel::new(0.1, 1.0), 42, 10_000)
        );
    }

    #[test]
    fn bursty_loss_hits_its_rate_with_long_bursts() {
        let (rate, burst) = measure(LossModel::new(0.10, 4.0), 3, 400_000);
        assert!((rate - 0.10).abs() < 0.01, "{rate}");
        assert!((burst - 4.0).abs() < 0.3, "{burst}");
    }

    #[test]
    fn no_loss_loses_nothing() {
        assert_eq!(measure(LossModel::new(0.0, 3.0), 1, 1000).0, 0.0);
    }
}
