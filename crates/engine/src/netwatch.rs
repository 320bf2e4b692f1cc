//! Noticing network changes and resumes from suspend, so accounts re-register at once instead
//! of waiting for a keepalive or a refresh to fail.
//!
//! One thread per process polls the interface addresses every few seconds
//! (`SOFTPHONE_NETWATCH_MS`, default 3000) and compares the wall clock with the monotonic one
//! (the monotonic clock stops while the machine sleeps, the wall clock does not). Each change
//! bumps a counter that every account task watches ([`subscribe`]). The decision itself is
//! [`Watcher::observe`], a pure function of what was seen.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// The environment variable with the polling period in milliseconds.
pub const NETWATCH_MS_ENV: &str = "SOFTPHONE_NETWATCH_MS";
/// The default polling period.
const DEFAULT_PERIOD: Duration = Duration::from_secs(3);
/// How far the wall clock may run ahead of the monotonic one between two polls before it
/// counts as a resume from suspend (NTP slews are far smaller).
const RESUME_THRESHOLD: Duration = Duration::from_secs(10);

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetChange {
    /// Interface addresses appeared or went away.
    Addresses {
        /// New addresses.
        added: Vec<IpAddr>,
        /// Addresses that went away.
        removed: Vec<IpAddr>,
    },
    /// The machine slept: the wall clock moved this much more than the monotonic clock.
    Resumed {
        /// How long the machine was away (about).
        slept: Duration,
    },
}

/// The decision logic: feed it what each poll saw.
#[derive(Debug, Default)]
pub struct Watcher {
    last: Option<(BTreeSet<IpAddr>, SystemTime, Instant)>,
}

impl Watcher {
    /// Compares this poll with the previous one. The first poll only sets the baseline.
    pub fn observe(
        &mut self,
        addrs: BTreeSet<IpAddr>,
        wall: SystemTime,
        mono: Instant,
    ) -> Option<NetChange> {
        let previous = self.last.replace((addrs.clone(), wall, mono));
        let (old, old_wall, old_mono) = previous?;
        let mono_step = mono.saturating_duration_since(old_mono);
        if let Ok(wall_step) = wall.duration_since(old_wall) {
            if wall_step > mono_step + RESUME_THRESHOLD {
                return Some(NetChange::Resumed {
                    slept: wall_step - mono_step,
                });
            }
        }
        if old != addrs {
            return Some(NetChange::Addresses {
                added: addrs.difference(&old).copied().collect(),
                removed: old.difference(&addrs).copied().collect(),
            });
        }
        None
    }
}

/// The addresses of every interface now (empty when they cannot be listed).
pub fn interface_addresses() -> BTreeSet<IpAddr> {
    match if_addrs::get_if_addrs() {
        Ok(list) => list.into_iter().map(|i| i.ip()).collect(),
        Err(e) => {
            tracing::debug!(error = %e, "cannot list interface addresses");
            BTreeSet::new()
        }
    }
}

fn period() -> Duration {
    std::env::var(NETWATCH_MS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms >= 100)
        .map_or(DEFAULT_PERIOD, Duration::from_millis)
}

/// The latest network change (`None` before the first).
pub type Latest = Option<NetChange>;

impl NetChange {
    /// Whether a flow bound to `local` must be given up: after a resume (NAT bindings and
    /// connections are stale) or when its address went away. A new address elsewhere only
    /// calls for a new registration when nothing else (a call) depends on the flow.
    pub fn breaks(&self, local: IpAddr) -> bool {
        match self {
            NetChange::Resumed { .. } => true,
            NetChange::Addresses { removed, .. } => removed.contains(&local),
        }
    }
}

/// A receiver that changes at each network change; its value is the latest one. The
/// watching thread starts with the first subscriber.
pub fn subscribe() -> watch::Receiver<Latest> {
    static CHANGES: OnceLock<watch::Sender<Latest>> = OnceLock::new();
    CHANGES
        .get_or_init(|| {
            let (tx, _) = watch::channel(None);
            let sender = tx.clone();
            let spawned = std::thread::Builder::new()
                .name("netwatch".into())
                .spawn(move || {
                    let period = period();
                    let mut watcher = Watcher::default();
                    loop {
                        if let Some(change) = watcher.observe(
                            interface_addresses(),
                            SystemTime::now(),
                            Instant::now(),
                        ) {
                            tracing::info!(?change, "network changed");
                            sender.send_replace(Some(change));
                        }
                        std::thread::sleep(period);
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot start the network watcher");
            }
            tx
        })
        .subscribe()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(a: &[&str]) -> BTreeSet<IpAddr> {
        a.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn address_changes_and_resumes_are_seen_and_nothing_else() {
        let mut w = Watcher::default();
        let t0 = Instant::now();
        let w0 = SystemTime::now();
        let s = Duration::from_secs;
        assert_eq!(w.observe(set(&["127.0.0.1", "10.0.0.5"]), w0, t0), None);
        // quiet poll (a little clock slew is normal)
        assert_eq!(
            w.observe(set(&["10.0.0.5", "127.0.0.1"]), w0 + s(4), t0 + s(3)),
            None
        );
        // a new address (Wi-Fi → other network)
        assert_eq!(
            w.observe(
                set(&["127.0.0.1", "10.0.0.5", "192.168.1.9"]),
                w0 + s(6),
                t0 + s(6)
            ),
            Some(NetChange::Addresses {
                added: set(&["192.168.1.9"]).into_iter().collect(),
                removed: vec![]
            })
        );
        assert_eq!(
            w.observe(set(&["127.0.0.1", "192.168.1.9"]), w0 + s(9), t0 + s(9)),
            Some(NetChange::Addresses {
                added: vec![],
                removed: set(&["10.0.0.5"]).into_iter().collect()
            })
        );
        // a suspend of an hour: wall clock jumps, monotonic does not
        assert_eq!(
            w.observe(set(&["127.0.0.1", "192.168.1.9"]), w0 + s(3612), t0 + s(12)),
            Some(NetChange::Resumed { slept: s(3600) })
        );
        // the wall clock set back: not a resume, not a change
        assert_eq!(
            w.observe(set(&["127.0.0.1", "192.168.1.9"]), w0, t0 + s(15)),
            None
        );
    }

    #[test]
    fn what_breaks_a_flow() {
        let local: IpAddr = "10.0.0.5".parse().unwrap();
        let added = NetChange::Addresses {
            added: vec!["192.168.1.9".parse().unwrap()],
            removed: vec![],
        };
        assert!(!added.breaks(local));
        let removed = NetChange::Addresses {
            added: vec![],
            removed: vec![local],
        };
        assert!(removed.breaks(local));
        assert!(NetChange::Resumed {
            slept: Duration::from_secs(60)
        }
        .breaks(local));
    }

    #[test]
    fn this_machine_has_addresses() {
        assert!(!interface_addresses().is_empty());
    }
}
