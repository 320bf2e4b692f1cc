//! `sip:`, `sips:`, `tel:` and `callto:` links: found among the command-line arguments (that is
//! how Linux desktops pass them, to the first instance or, through the single-instance plugin,
//! from a second one) and turned into a dial string after a check. The UI asks the user to
//! confirm before dialling.

use softphone_engine::target::parse_dial_target;

const SCHEMES: [&str; 4] = ["sip:", "sips:", "tel:", "callto:"];

/// Decodes `%XX` escapes (links often carry `%20` or `%2B`); malformed escapes stay as they are.
pub fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The dial string of a link, or `None` when it is not a call link or does not parse.
pub fn dial_target_from_link(link: &str) -> Option<String> {
    let link = link.trim();
    let lower = link.to_ascii_lowercase();
    if !SCHEMES.iter().any(|s| lower.starts_with(s)) {
        return None;
    }
    let decoded = percent_decode(link);
    // `sip:` links may carry headers (`?subject=…`) that a dial string should not.
    let decoded = if lower.starts_with("sip") {
        decoded.split('?').next().unwrap_or_default().to_string()
    } else {
        decoded
    };
    parse_dial_target(&decoded).ok()?;
    Some(decoded)
}

/// The first call link among command-line arguments.
pub fn dial_target_from_args<I, S>(args: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    args.into_iter()
        .skip(1)
        .find_map(|a| dial_target_from_link(a.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_dial_strings() {
        assert_eq!(
            dial_target_from_link("tel:+49%2030%20123").as_deref(),
            Some("tel:+49 30 123")
        );
        assert_eq!(
            dial_target_from_link("sip:bob@example.com?subject=hi").as_deref(),
            Some("sip:bob@example.com")
        );
        assert_eq!(
            dial_target_from_link("callto://+4930").as_deref(),
            Some("callto://+4930")
        );
        assert_eq!(
            dial_target_from_link("SIPS:alice@example.com").as_deref(),
            Some("SIPS:alice@example.com")
        );
        assert_eq!(dial_target_from_link("https://example.com"), None);
        assert_eq!(dial_target_from_link("tel:not a number"), None);
        assert_eq!(dial_target_from_link("sip:"), None);
    }

    #[test]
    fn first_link_in_argv() {
        let argv = ["softphone", "--minimised", "tel:100", "sip:x@y"];
        assert_eq!(dial_target_from_args(argv).as_deref(), Some("tel:100"));
        assert_eq!(dial_target_from_args(["softphone", "tel:"]), None);
        // argv[0] is never a link even if it looks like one.
        assert_eq!(dial_target_from_args(["tel:1"]), None);
    }

    #[test]
    fn bad_escapes_stay() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz1"), "%zz1");
        assert_eq!(percent_decode("%2B1"), "+1");
    }
}
