//! Hot-plug by polling: no backend gives reliable plug events everywhere, so the engine calls
//! [`DevicePoller::poll`] on its own timer (every one or two seconds is plenty) and publishes a
//! `DevicesChanged` event when the returned [`DeviceChanges`] is not empty. No thread is
//! started here.

use crate::devices::{AudioHost, DeviceInfo, Direction};
use crate::error::AudioError;

/// The difference between two device lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceChanges {
    /// Devices present now and not before.
    pub added: Vec<DeviceInfo>,
    /// Devices present before and gone now.
    pub removed: Vec<DeviceInfo>,
    /// The new default input, if the default input changed (including to a new device).
    pub default_input: Option<DeviceInfo>,
    /// The new default output, if the default output changed.
    pub default_output: Option<DeviceInfo>,
}

impl DeviceChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.default_input.is_none()
            && self.default_output.is_none()
    }
}

fn same_device(a: &DeviceInfo, b: &DeviceInfo) -> bool {
    a.id == b.id && a.direction == b.direction
}

fn default_of(list: &[DeviceInfo], direction: Direction) -> Option<&DeviceInfo> {
    list.iter()
        .find(|d| d.direction == direction && d.is_default)
}

/// Compares two lists. Devices are identified by id and direction; a renamed device is
/// neither added nor removed.
pub fn diff_devices(old: &[DeviceInfo], new: &[DeviceInfo]) -> DeviceChanges {
    let added = new
        .iter()
        .filter(|n| !old.iter().any(|o| same_device(o, n)))
        .cloned()
        .collect();
    let removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| same_device(o, n)))
        .cloned()
        .collect();
    let changed_default = |direction| {
        let before = default_of(old, direction);
        let after = default_of(new, direction);
        match (before, after) {
            (Some(b), Some(a)) if same_device(a, b) => None,
            (_, after) => after.cloned(),
        }
    };
    DeviceChanges {
        added,
        removed,
        default_input: changed_default(Direction::Input),
        default_output: changed_default(Direction::Output),
    }
}

/// Remembers the last device list and reports what changed since.
#[derive(Debug, Clone, Default)]
pub struct DevicePoller {
    known: Vec<DeviceInfo>,
}

impl DevicePoller {
    /// A poller that knows `initial` (for example the list shown to the user at start-up).
    pub fn new(initial: Vec<DeviceInfo>) -> Self {
        Self { known: initial }
    }

    /// The list as of the last poll.
    pub fn devices(&self) -> &[DeviceInfo] {
        &self.known
    }

    /// Lists the host's devices and returns what changed since the last call.
    pub fn poll(&mut self, host: &AudioHost) -> Result<DeviceChanges, AudioError> {
        Ok(self.update(host.devices()?))
    }

    /// Replaces the known list with `current` and returns what changed (the pure half of
    /// [`poll`](Self::poll)).
    pub fn update(&mut self, current: Vec<DeviceInfo>) -> DeviceChanges {
        let changes = diff_devices(&self.known, &current);
        self.known = current;
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(id: &str, direction: Direction, is_default: bool) -> DeviceInfo {
        DeviceInfo {
            id: id.into(),
            name: format!("{id} device"),
            direction,
            is_default,
        }
    }

    #[test]
    fn no_change_is_empty() {
        let list = vec![
            dev("spk", Direction::Output, true),
            dev("spk.monitor", Direction::Input, true),
        ];
        let mut poller = DevicePoller::new(list.clone());
        assert!(poller.update(list).is_empty());
    }

    #[test]
    fn plug_and_unplug_a_headset() {
        let before = vec![
            dev("spk", Direction::Output, true),
            dev("mic", Direction::Input, true),
        ];
        let mut poller = DevicePoller::new(before.clone());
        let with_headset = vec![
            dev("spk", Direction::Output, false),
            dev("mic", Direction::Input, true),
            dev("headset", Direction::Output, true),
            dev("headset", Direction::Input, false),
        ];
        let changes = poller.update(with_headset);
        assert_eq!(changes.added.len(), 2);
        assert!(changes.removed.is_empty());
        assert_eq!(
            changes.default_output.map(|d| d.id).as_deref(),
            Some("headset")
        );
        assert_eq!(changes.default_input, None);

        let changes = poller.update(before);
        assert!(changes.added.is_empty());
        assert_eq!(
            changes
                .removed
                .iter()
                .map(|d| (d.id.as_str(), d.direction))
                .collect::<Vec<_>>(),
            [
                ("headset", Direction::Output),
                ("headset", Direction::Input)
            ]
        );
        assert_eq!(changes.default_output.map(|d| d.id).as_deref(), Some("spk"));
        assert_eq!(poller.devices().len(), 2);
    }

    #[test]
    fn same_id_other_direction_is_a_different_device_and_renames_are_ignored() {
        let old = vec![dev("x", Direction::Output, false)];
        let mut renamed = dev("x", Direction::Output, false);
        renamed.name = "Renamed".into();
        assert!(diff_devices(&old, &[renamed]).is_empty());
        let changes = diff_devices(&old, &[dev("x", Direction::Input, false)]);
        assert_eq!((changes.added.len(), changes.removed.len()), (1, 1));
    }

    #[test]
    fn losing_the_default_is_not_reported_as_a_new_default() {
        let old = vec![dev("spk", Direction::Output, true)];
        let changes = diff_devices(&old, &[]);
        assert_eq!(changes.removed.len(), 1);
        assert_eq!(changes.default_output, None);
    }
}
