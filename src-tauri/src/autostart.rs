//! Start at login, the freedesktop way: an entry in `$XDG_CONFIG_HOME/autostart/`.
//! (Other platforms: the autostart plugin's mechanisms, not wired up yet.)

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The autostart entry's file name.
pub const FILE_NAME: &str = "org.softphone.desktop.desktop";

/// The content of the autostart entry for an executable: it starts minimised to the tray.
pub fn desktop_entry(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('"', "\\\"");
    format!(
        "[Desktop Entry]\nType=Application\nName=Softphone\nComment=SIP softphone\n\
         Exec=\"{exe}\" --minimised\nIcon=softphone\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// The autostart directory: `dir` when given (tests, private config dirs), else the XDG one.
pub fn autostart_dir(override_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = override_dir {
        return Some(d.join("autostart"));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("autostart"))
}

/// Creates or removes the autostart entry.
pub fn set_enabled(dir: &Path, exe: &Path, enabled: bool) -> io::Result<()> {
    let path = dir.join(FILE_NAME);
    if enabled {
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{FILE_NAME}.tmp"));
        fs::write(&tmp, desktop_entry(exe))?;
        fs::rename(tmp, path)
    } else {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_and_toggle() {
        let dir = std::env::temp_dir().join(format!("softphone-autostart-{}", std::process::id()));
        let exe = Path::new("/opt/soft phone/softphone");
        set_enabled(&dir, exe, true).unwrap();
        let text = fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        assert!(text.contains("Exec=\"/opt/soft phone/softphone\" --minimised"));
        set_enabled(&dir, exe, false).unwrap();
        assert!(!dir.join(FILE_NAME).exists());
        set_enabled(&dir, exe, false).unwrap();
        let _ = fs::remove_dir_all(dir);
    }
}
