//! Rewrites the audio address in a SIP message's SDP body so the far end sends its RTP to the
//! proxy, and fixes `Content-Length` to match.

use std::net::{IpAddr, SocketAddr};

/// The audio address an SDP body announces (session or media `c=` line, `m=audio` port).
pub fn audio_address(body: &str) -> Option<SocketAddr> {
    let mut ip: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    for line in body.lines() {
        let line = line.trim_end();
        if let Some(rest) = line
            .strip_prefix("c=IN IP4 ")
            .or(line.strip_prefix("c=IN IP6 "))
        {
            // A media-level c= after m=audio overrides the session one; either is fine here.
            if let Ok(a) = rest.split('/').next().unwrap_or(rest).parse() {
                ip = Some(a);
            }
        } else if let Some(rest) = line.strip_prefix("m=audio ") {
            port = rest.split(' ').next().and_then(|p| p.parse().ok());
        }
    }
    Some(SocketAddr::new(ip?, port?))
}

/// The message with every `c=` address replaced by `relay`'s IP and the `m=audio` port by
/// `relay`'s port, and `Content-Length` fixed; `None` when there is no SDP audio to rewrite.
pub fn rewrite(message: &[u8], relay: SocketAddr) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(message).ok()?;
    let split = text.find("\r\n\r\n")?;
    let (head, body) = (&text[..split], &text[split + 4..]);
    audio_address(body)?;
    let family = if relay.is_ipv4() { "IP4" } else { "IP6" };
    let mut new_body = String::with_capacity(body.len() + 16);
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        let ending = &line[bare.len()..];
        if bare.starts_with("c=IN ") {
            new_body.push_str(&format!("c=IN {family} {}{ending}", relay.ip()));
        } else if let Some(rest) = bare.strip_prefix("m=audio ") {
            let tail = rest.split_once(' ').map_or("", |(_, t)| t);
            new_body.push_str(&format!("m=audio {} {tail}{ending}", relay.port()));
        } else if bare.starts_with("a=rtcp:") {
            // Keep RTCP on the relay too (port + 1), or drop the attribute for rtcp-mux peers.
            new_body.push_str(&format!("a=rtcp:{}{ending}", relay.port() + 1));
        } else {
            new_body.push_str(line);
        }
    }
    let mut out = String::with_capacity(head.len() + new_body.len() + 8);
    for (i, line) in head.split("\r\n").enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("content-length:") || lower.starts_with("l:") {
            let name = &line[..line.find(':').unwrap_or(0)];
            out.push_str(&format!("{name}: {}", new_body.len()));
        } else {
            out.push_str(line);
        }
    }
    out.push_str("\r\n\r\n");
    out.push_str(&new_body);
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060\r\nContent-Type: application/sdp\r\nContent-Length: 122\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n";

    #[test]
    fn finds_the_audio_address() {
        let body = &INVITE[INVITE.find("\r\n\r\n").unwrap() + 4..];
        assert_eq!(
            audio_address(body),
            Some("127.0.0.1:40000".parse().unwrap())
        );
    }

    #[test]
    fn rewrites_address_port_and_length() {
        let out = rewrite(INVITE.as_bytes(), "127.0.0.1:50000".parse().unwrap()).unwrap();
        let out = String::from_utf8(out).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(body.contains("m=audio 50000 RTP/AVP 0 101\r\n"), "{body}");
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        assert_eq!(
            audio_address(body),
            Some("127.0.0.1:50000".parse().unwrap())
        );
    }

    #[test]
    fn messages_without_sdp_are_left_alone() {
        assert!(rewrite(
            b"BYE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n",
            "127.0.0.1:1".parse().unwrap()
        )
        .is_none());
        assert!(rewrite(&[0xff, 0xfe, 0x00], "127.0.0.1:1".parse().unwrap()).is_none());
    }
}
