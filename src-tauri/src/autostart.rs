//! Start at login, the freedesktop way: an entry in `$XDG_CONFIG_HOME/autostart/`.
//! (Other platforms: the autostart plugin's mechanisms, not wired up yet.)
//!
//! The entry starts the app with [`MINIMISED_FLAG`], so it comes up in the tray without a
//! window (and without the web view's memory) until the user opens it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The autostart entry's file name.
pub const FILE_NAME: &str = "org.softphone.desktop.desktop";

/// The command-line flag that starts the app hidden in the tray.
pub const MINIMISED_FLAG: &str = "--minimised";

/// Whether the command line asks to start hidden in the tray (`--minimised`, `--minimized`).
pub fn minimised_requested<I, S>(args: I) -> bool
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    args.into_iter()
        .skip(1)
        .any(|a| matches!(a.as_ref(), "--minimised" | "--minimized"))
}

/// Quotes one argument of an `Exec=` line (Desktop Entry spec: double quotes, with `"`, `` ` ``,
/// `$` and `\` escaped by a backslash, `%` doubled; then the string escape of `\` once more).
fn exec_quote(arg: &str) -> String {
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            '%' => out.push_str("%%"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The content of the autostart entry for an executable: it starts minimised to the tray.
pub fn desktop_entry(exe: &Path) -> String {
    let exe = exec_quote(&exe.display().to_string());
    format!(
        "[Desktop Entry]\nType=Application\nName=Softphone\nComment=SIP softphone\n\
         Exec={exe} {MINIMISED_FLAG}\nIcon=softphone\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// The autostart directory: `dir` when given (tests, private config dirs), else the XDG one
/// (`$XDG_CONFIG_HOME/autostart`, by default `~/.config/autostart`).
pub fn autostart_dir(override_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = override_dir {
        return Some(d.join("autostart"));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("autostart"))
}

/// Whether the autostart entry exists in `dir`.
pub fn is_enabled(dir: &Path) -> bool {
    dir.join(FILE_NAME).is_file()
}

/// Creates (atomically, through a temporary file) or removes the autostart entry.
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

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("softphone-autostart-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entry_and_toggle() {
        let dir = temp("toggle");
        let exe = Path::new("/opt/soft phone/softphone");
        set_enabled(&dir, exe, true).unwrap();
        assert!(is_enabled(&dir));
        let text = fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        assert!(
            text.contains("\nExec=\"/opt/soft phone/softphone\" --minimised\n"),
            "{text}"
        );
        assert!(text.starts_with("[Desktop Entry]\nType=Application\n"));
        set_enabled(&dir, exe, false).unwrap();
        assert!(!dir.join(FILE_NAME).exists());
        assert!(!is_enabled(&dir));
        set_enabled(&dir, exe, false).unwrap();
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn exec_reserved_characters_are_escaped() {
        let entry = desktop_entry(Path::new("/home/a$b/100%/x\"y"));
        // Spec escapes, then the string-value escape of the backslash.
        assert!(
            entry.contains("Exec=\"/home/a\\\\$b/100%%/x\\\\\"y\" --minimised\n"),
            "{entry}"
        );
    }

    #[test]
    fn both_spellings_of_the_flag_start_minimised() {
        assert!(minimised_requested(["softphone", "--minimised"]));
        assert!(minimised_requested(["softphone", "sip:1@x", "--minimized"]));
        assert!(!minimised_requested(["softphone", "sip:1@x"]));
        assert!(
            !minimised_requested(["--minimised"]),
            "argv[0] is the program"
        );
    }
}
