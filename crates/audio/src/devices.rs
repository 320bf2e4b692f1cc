//! The device list: which inputs and outputs exist, their names, which are the defaults.
//!
//! Listing talks to the sound server (a few round trips on PulseAudio, a scan of PCMs on
//! ALSA): call it from the engine's blocking pool or a timer on its own thread, not from an
//! async task's hot path.

use cpal::traits::{DeviceTrait, HostTrait};

use crate::error::AudioError;

/// Capture or playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// A microphone (capture, source).
    Input,
    /// A speaker (playback, sink).
    Output,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
        })
    }
}

/// One device as the user sees it. A device that can do both appears twice, once per
/// direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceInfo {
    /// The backend's stable identifier (PulseAudio: the sink or source name such as `spk` or
    /// `spk.monitor`; ALSA: the PCM name). Store this in settings.
    pub id: String,
    /// The human-readable name (PulseAudio: the description such as `VirtualSpeaker`).
    pub name: String,
    /// Input or output.
    pub direction: Direction,
    /// Whether this is the system default for its direction.
    pub is_default: bool,
}

impl DeviceInfo {
    /// Whether `wanted` names this device: its id, its id with the host prefix
    /// (`pulseaudio:spk`), or its name (case-insensitive).
    pub fn matches(&self, wanted: &str) -> bool {
        self.id == wanted
            || wanted.split_once(':').is_some_and(|(_, id)| id == self.id)
            || self.name.eq_ignore_ascii_case(wanted)
    }
}

/// The audio host (sound system) the crate talks to.
///
/// On Linux this is PulseAudio (and PipeWire through pipewire-pulse) when a server is
/// reachable, ALSA otherwise; CoreAudio on macOS; WASAPI on Windows.
pub struct AudioHost {
    host: cpal::Host,
}

impl std::fmt::Debug for AudioHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioHost")
            .field("name", &self.name())
            .finish()
    }
}

impl AudioHost {
    /// The platform's preferred host (see the type doc). Connecting to PulseAudio can take up to
    /// two seconds when the server hangs.
    pub fn new() -> Self {
        Self {
            host: cpal::default_host(),
        }
    }

    /// A specific host by its cpal name (`"PulseAudio"`, `"ALSA"`, …, case-insensitive).
    pub fn by_name(name: &str) -> Result<Self, AudioError> {
        let id = cpal::available_hosts()
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                AudioError::InvalidArgument(format!("audio host {name} is not available"))
            })?;
        let host = cpal::host_from_id(id).map_err(AudioError::backend("connecting to the host"))?;
        Ok(Self { host })
    }

    /// The host's name, e.g. `"PulseAudio"` or `"ALSA"`.
    pub fn name(&self) -> &'static str {
        self.host.id().name()
    }

    /// Lists every input and output device.
    pub fn devices(&self) -> Result<Vec<DeviceInfo>, AudioError> {
        Ok(self
            .cpal_devices()?
            .into_iter()
            .map(|(info, _)| info)
            .collect())
    }

    /// The default device's info for `direction`, if there is one.
    pub fn default_device(&self, direction: Direction) -> Option<DeviceInfo> {
        let device = self.default_cpal_device(direction)?;
        let id = device_id(&device)?;
        let name = device_name(&device).unwrap_or_else(|| id.clone());
        Some(DeviceInfo {
            id,
            name,
            direction,
            is_default: true,
        })
    }

    pub(crate) fn default_cpal_device(&self, direction: Direction) -> Option<cpal::Device> {
        match direction {
            Direction::Input => self.host.default_input_device(),
            Direction::Output => self.host.default_output_device(),
        }
    }

    /// Every device with its info, one entry per direction it supports.
    pub(crate) fn cpal_devices(&self) -> Result<Vec<(DeviceInfo, cpal::Device)>, AudioError> {
        let default_input = self.host.default_input_device().and_then(|d| device_id(&d));
        let default_output = self
            .host
            .default_output_device()
            .and_then(|d| device_id(&d));
        let devices = self
            .host
            .devices()
            .map_err(AudioError::backend("listing devices"))?;
        let mut out = Vec::new();
        for device in devices {
            // A device that vanished between listing and querying is simply skipped.
            let Some(id) = device_id(&device) else {
                continue;
            };
            let name = device_name(&device).unwrap_or_else(|| id.clone());
            for (direction, supported, default) in [
                (Direction::Input, device.supports_input(), &default_input),
                (Direction::Output, device.supports_output(), &default_output),
            ] {
                if supported {
                    out.push((
                        DeviceInfo {
                            id: id.clone(),
                            name: name.clone(),
                            direction,
                            is_default: default.as_deref() == Some(id.as_str()),
                        },
                        device.clone(),
                    ));
                }
            }
        }
        Ok(out)
    }
}

impl Default for AudioHost {
    fn default() -> Self {
        Self::new()
    }
}

fn device_id(device: &cpal::Device) -> Option<String> {
    device.id().ok().map(|id| id.id().to_owned())
}

fn device_name(device: &cpal::Device) -> Option<String> {
    device.description().ok().map(|d| d.name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_id_prefixed_id_and_name() {
        let d = DeviceInfo {
            id: "spk".into(),
            name: "VirtualSpeaker".into(),
            direction: Direction::Output,
            is_default: true,
        };
        assert!(d.matches("spk"));
        assert!(d.matches("pulseaudio:spk"));
        assert!(d.matches("virtualspeaker"));
        assert!(!d.matches("spk.monitor"));
        assert!(!d.matches("mic"));
    }
}
