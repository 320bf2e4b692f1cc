//! The CLI as scripts use it, against the bed's Kamailio (bed tier).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use std::process::Command;

fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

fn account_file(dir: &std::path::Path, transport: &str, server: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{transport}.toml"));
    std::fs::write(
        &path,
        format!(
            "address = \"sip:{}@{}\"\ntransport = \"{transport}\"\nserver = \"{server}\"\ntls_ca_file = \"{}\"\n",
            bed("BED_USER3"),
            bed("BED_DOMAIN"),
            bed("BED_TLS_CA")
        ),
    )
    .unwrap();
    path
}

fn cli(account: &std::path::Path, password: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .arg("--account")
        .arg(account)
        .args(["--timeout", "15"])
        .args(args)
        .env("SOFTPHONE_PASSWORD", password)
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs the test bed (Kamailio)"]
fn register_prints_json_events_and_exits_zero() {
    let dir = tempdir();
    for (transport, server) in [
        ("udp", bed("BED_SIP_UDP")),
        ("tls", bed("BED_SIP_TLS")),
        ("wss", bed("BED_SIP_WSS")),
    ] {
        let out = cli(
            &account_file(&dir, transport, &server),
            &bed("BED_PASS3"),
            &["register"],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{transport}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let states: Vec<String> = stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).expect("one JSON object per line")
            })
            .filter(|v| v["type"] == "account_state_changed")
            .map(|v| v["state"].as_str().unwrap().to_string())
            .collect();
        assert!(
            states.contains(&"registered".to_string()),
            "{transport}: {states:?}"
        );
        assert_eq!(
            states.last().map(String::as_str),
            Some("stopped"),
            "{transport}: unregistered and stopped"
        );
        assert!(!stdout.contains(&bed("BED_PASS3")));
    }
}

#[test]
#[ignore = "needs the test bed (Kamailio)"]
fn wrong_password_exits_with_a_clear_message() {
    let dir = tempdir();
    let out = cli(
        &account_file(&dir, "tcp", &bed("BED_SIP_TCP")),
        "wrong",
        &["register"],
    );
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("registration failed: 401 wrong user name or password"),
        "{stderr}"
    );
}

#[test]
fn bad_input_exits_non_zero_with_a_message() {
    let dir = tempdir();
    let missing = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .args(["--account", "/nonexistent/account.toml", "register"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read account file"));
    let with_password = dir.join("p.toml");
    std::fs::write(&with_password, "address = \"a@b\"\npassword = \"x\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .arg("--account")
        .arg(&with_password)
        .arg("register")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOFTPHONE_PASSWORD"));
    let usage = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "softphone-cli-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[test]
#[ignore = "needs the test bed (Kamailio, baresip)"]
fn call_with_wav_files_sends_and_records_audio() {
    let dir = tempdir();
    let wav_in = dir.join("in.wav");
    let wav_out = dir.join("out.wav");
    let made = Command::new("sox")
        .args(["-n", "-r", "16000", "-c", "1", "-b", "16"])
        .arg(&wav_in)
        .args(["synth", "10", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(made.success());
    let account = account_file(&dir, "tcp", &bed("BED_SIP_TCP"));
    let out = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .arg("--account")
        .arg(&account)
        .arg("--wav-in")
        .arg(&wav_in)
        .arg("--wav-out")
        .arg(&wav_out)
        .args(["call", &bed("BED_BOB_URI"), "--duration", "4"])
        .env("SOFTPHONE_PASSWORD", bed("BED_PASS3"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"state\":\"active\""), "{stdout}");
    // What we recorded is bob's tone.
    let check = Command::new("python3")
        .arg(bed("BED_TONE"))
        .arg(&wav_out)
        .args([
            "--expect",
            &bed("BED_BOB_TONE_HZ"),
            "--tol",
            "0.03",
            "--skip",
            "1.0",
        ])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
#[ignore = "needs the test bed (Kamailio, gnome-keyring on the session bus)"]
fn the_password_comes_from_the_keyring_after_password_set() {
    use std::io::Write;
    let dir = tempdir();
    // An id of its own (the keyring of the bed run is shared by the tests).
    let id = format!("keyring-{}", rand_suffix());
    let path = dir.join("keyring.toml");
    std::fs::write(
        &path,
        format!(
            "id = \"{id}\"\naddress = \"sip:{}@{}\"\ntransport = \"tcp\"\nserver = \"{}\"\n",
            bed("BED_USER3"),
            bed("BED_DOMAIN"),
            bed("BED_SIP_TCP")
        ),
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
            .args(args)
            .env_remove("SOFTPHONE_PASSWORD")
            .env_remove("SOFTPHONE_KEYRING")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let file = path.to_str().unwrap();
    // Nothing stored yet and no SOFTPHONE_PASSWORD: the registrar's challenge cannot be met.
    let out = run(&["--account", file, "--timeout", "15", "register"], "");
    assert!(!out.status.success(), "registered without any password");
    // An empty line is refused.
    let out = run(&["password", "set", file], "\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty password"));
    // Store it, then register with it.
    let out = run(
        &["password", "set", file],
        &format!("{}\n", bed("BED_PASS3")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&id));
    let out = run(&["--account", file, "--timeout", "15", "register"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"registered\""), "{stdout}");
    assert!(!stdout.contains(&bed("BED_PASS3")));
    // The entry is the desktop app's: Secret Service attributes service + username/user.
    let lookup = Command::new("secret-tool")
        .args(["search", "--all", "service", "org.softphone.desktop"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&lookup.stdout).to_string()
        + &String::from_utf8_lossy(&lookup.stderr);
    assert!(listing.contains(&id), "{listing}");
}

#[test]
#[ignore = "needs the test bed (Kamailio over WSS, gnome-keyring on the session bus)"]
fn a_jssip_configuration_is_imported_and_registers_over_wss() {
    let dir = tempdir();
    let id = format!("jssip-{}", rand_suffix());
    let json = dir.join("jssip.json");
    // What a WebRTC SIP service hands a browser SDK (the bed's WSS server, with a dead
    // second socket of lower weight).
    std::fs::write(
        &json,
        format!(
            r#"{{"uri": "sip:{user}@{domain}", "password": "{pass}",
                "sockets": [{{"socket": "{wss}", "weight": 10}},
                            {{"socket": "wss://127.0.0.1:9/", "weight": 1}}],
                "register_expires": 120, "session_timers": false,
                "pcConfig": {{"iceServers": [{{"urls": "stun:127.0.0.1:3478"}}]}}}}"#,
            user = bed("BED_USER3"),
            domain = bed("BED_DOMAIN"),
            pass = bed("BED_PASS3"),
            wss = bed("BED_SIP_WSS"),
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .args(["import-jssip", json.to_str().unwrap(), "--id", &id])
        .env_remove("SOFTPHONE_KEYRING")
        .output()
        .unwrap();
    let account = String::from_utf8_lossy(&out.stdout).to_string();
    let notes = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{notes}");
    // The password went to the keyring, not into the account file.
    assert!(!account.contains(&bed("BED_PASS3")), "{account}");
    assert!(account.contains("transport = \"wss\""), "{account}");
    assert!(account.contains("session_expires_secs = 0"), "{account}");
    assert!(
        notes.contains("127.0.0.1:9"),
        "the unused socket is reported: {notes}"
    );
    let path = dir.join("jssip.toml");
    // The bed's WSS certificate is from the bed's own CA.
    std::fs::write(
        &path,
        format!("tls_ca_file = \"{}\"\n{account}", bed("BED_TLS_CA")),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_softphone-cli"))
        .args([
            "--account",
            path.to_str().unwrap(),
            "--timeout",
            "15",
            "register",
        ])
        .env_remove("SOFTPHONE_PASSWORD")
        .env_remove("SOFTPHONE_KEYRING")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"registered\""), "{stdout}");
}
