//! Small edits of a WebRTC call's SDP text for re-INVITEs: the WebRTC stack makes the first
//! offer or answer; hold and answers to the peer's re-offers reuse it with another direction,
//! the DTLS role the call already has, and the next `o=` version (RFC 3264 §8).

use softphone_media::sdp::Direction;

/// The media direction of an SDP (the first direction attribute; `sendrecv` when none).
pub(crate) fn direction(sdp: &str) -> Direction {
    for line in sdp.lines().map(str::trim) {
        match line {
            "a=sendrecv" => return Direction::SendRecv,
            "a=sendonly" => return Direction::SendOnly,
            "a=recvonly" => return Direction::RecvOnly,
            "a=inactive" => return Direction::Inactive,
            _ => {}
        }
    }
    Direction::SendRecv
}

/// The first `a=ice-ufrag` value (an ICE restart changes it).
pub(crate) fn ice_ufrag(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=ice-ufrag:"))
        .map(str::trim)
}

/// The first `a=setup` value.
pub(crate) fn setup(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=setup:"))
        .map(str::trim)
}

fn direction_attribute(d: Direction) -> &'static str {
    match d {
        Direction::SendRecv => "a=sendrecv",
        Direction::SendOnly => "a=sendonly",
        Direction::RecvOnly => "a=recvonly",
        Direction::Inactive => "a=inactive",
    }
}

/// `sdp` with every direction attribute set to `direction`, every `a=setup` to `setup`, and
/// the `o=` session version one higher. Lines end in CRLF.
pub(crate) fn rewrite(sdp: &str, direction: Direction, setup: &str) -> String {
    let mut out = String::with_capacity(sdp.len() + 16);
    for line in sdp.lines().map(str::trim_end) {
        if line.is_empty() {
            continue;
        }
        let replaced;
        let line = match line {
            "a=sendrecv" | "a=sendonly" | "a=recvonly" | "a=inactive" => {
                direction_attribute(direction)
            }
            l if l.starts_with("a=setup:") => {
                replaced = format!("a=setup:{setup}");
                replaced.as_str()
            }
            l if l.starts_with("o=") => {
                replaced = bump_version(l);
                replaced.as_str()
            }
            l => l,
        };
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// `o=<user> <id> <version> ...` with the version one higher (unchanged when unparsable).
fn bump_version(origin: &str) -> String {
    let fields: Vec<&str> = origin.split(' ').collect();
    match fields.get(2).and_then(|v| v.parse::<u64>().ok()) {
        Some(v) => {
            let next = v.wrapping_add(1).to_string();
            let mut f = fields.clone();
            f[2] = next.as_str();
            f.join(" ")
        }
        None => origin.to_string(),
    }
}

/// Our direction in an answer to an offer with direction `theirs`, given whether we hold.
pub(crate) fn answer_direction(theirs: Direction, we_hold: bool) -> Direction {
    let (they_send, they_receive) = match theirs {
        Direction::SendRecv => (true, true),
        Direction::SendOnly => (true, false),
        Direction::RecvOnly => (false, true),
        Direction::Inactive => (false, false),
    };
    // Holding, we stop receiving (music on hold may still go out).
    match (they_receive, they_send && !we_hold) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        (false, true) => Direction::RecvOnly,
        (false, false) => Direction::Inactive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDP: &str = "v=0\r\no=- 123 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
                       m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:abcd\r\n\
                       a=setup:actpass\r\na=sendrecv\r\n";

    #[test]
    fn hold_offer_changes_direction_setup_and_version_only() {
        let held = rewrite(SDP, Direction::SendOnly, "actpass");
        assert!(held.contains("o=- 123 3 IN IP4"));
        assert!(held.contains("a=sendonly\r\n"));
        assert!(!held.contains("a=sendrecv"));
        assert_eq!(direction(&held), Direction::SendOnly);
        assert_eq!(ice_ufrag(&held), Some("abcd"));
        let answer = rewrite(&held, Direction::SendRecv, "passive");
        assert_eq!(setup(&answer), Some("passive"));
        assert!(answer.contains("o=- 123 4 IN IP4"));
    }

    #[test]
    fn answers_follow_rfc_3264_directions() {
        use Direction::*;
        assert_eq!(answer_direction(SendRecv, false), SendRecv);
        assert_eq!(answer_direction(SendOnly, false), RecvOnly);
        assert_eq!(answer_direction(RecvOnly, false), SendOnly);
        assert_eq!(answer_direction(Inactive, false), Inactive);
        assert_eq!(answer_direction(SendRecv, true), SendOnly);
        assert_eq!(answer_direction(SendOnly, true), Inactive);
        assert_eq!(answer_direction(RecvOnly, true), SendOnly);
    }

    #[test]
    fn garbage_is_left_alone() {
        assert_eq!(direction("nonsense"), Direction::SendRecv);
        assert_eq!(bump_version("o=broken"), "o=broken");
        assert_eq!(ice_ufrag(""), None);
    }
}
