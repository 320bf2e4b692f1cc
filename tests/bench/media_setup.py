#!/usr/bin/env python3
"""Time from dial to media flowing, classic vs WebRTC account, on loopback (issue 5 bench).

Run inside the bed (build the CLI first: cargo build -p softphone-cli):
    bash tests/bed/bed.sh run -- python3 tests/bench/media_setup.py [CALLS]
softphone-cli (`run` mode, audio from/to WAV files) registers once per account and calls the
bed's baresip `bob` (auto-answer, plays a 440 Hz tone) CALLS times:
  classic  UDP account: RTP/AVP straight to bob;
  webrtc   WS account: ICE + DTLS-SRTP to rtpengine, which bridges to bob's plain RTP.
Per call, from the `call` command written to the CLI:
  active   200 OK received (the call state `active`),
  media    the first audio-level event whose speaker level is above -40 dBFS: bob's tone
           decoded and played (events come every 100 ms, so this is rounded up to 100 ms),
  connected  (WebRTC only) the media connection's `connected` event (ICE + DTLS done).
Prints median / p90 / min in milliseconds. No timing is asserted: numbers to report.
"""
import json, os, statistics, subprocess, sys, tempfile, time, threading, queue

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 10
target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/softphone/target"))
cli = os.path.join(target_dir, "debug", "softphone-cli")
env = dict(os.environ, SOFTPHONE_PASSWORD=os.environ["BED_PASS3"], SOFTPHONE_KEYRING="none")


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return "n=0"
    p90 = xs[max(0, int(round(len(xs) * 0.9)) - 1)]
    return f"median {statistics.median(xs):6.0f}  p90 {p90:6.0f}  min {xs[0]:6.0f} ms  (n={len(xs)})"


def reader(stream, q):
    for line in stream:
        try:
            q.put((time.perf_counter(), json.loads(line)))
        except json.JSONDecodeError:
            pass
    q.put((time.perf_counter(), None))


def wait(q, pred, timeout=20.0):
    end = time.perf_counter() + timeout
    while True:
        left = end - time.perf_counter()
        if left <= 0:
            raise TimeoutError("no matching event")
        t, ev = q.get(timeout=left)
        if ev is None:
            raise EOFError("the CLI exited")
        if pred(ev):
            return t, ev


with tempfile.TemporaryDirectory() as d:
    wav_in = os.path.join(d, "in.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav_in, "synth", "1",
                    "sine", "700", "vol", "0.3"], check=True)
    for label, transport, server in [("classic", "udp", os.environ["BED_SIP_UDP"]),
                                     ("webrtc", "ws", os.environ["BED_SIP_WS"])]:
        path = os.path.join(d, transport + ".toml")
        with open(path, "w") as f:
            f.write(f'address = "sip:{os.environ["BED_USER3"]}@{os.environ["BED_DOMAIN"]}"\n'
                    f'transport = "{transport}"\nserver = "{server}"\n')
        p = subprocess.Popen([cli, "--account", path, "--wav-in", wav_in, "--wav-out",
                              os.path.join(d, "out.wav"), "--timeout", "30", "run"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        q = queue.Queue()
        threading.Thread(target=reader, args=(p.stdout, q), daemon=True).start()
        wait(q, lambda ev: ev.get("type") == "account_state_changed" and ev.get("state") == "registered")
        active, media, connected = [], [], []
        for _ in range(calls):
            time.sleep(0.3)
            t0 = time.perf_counter()
            p.stdin.write(f"call {os.environ['BED_BOB_URI']}\n")
            p.stdin.flush()
            seen_active = seen_connected = None
            while True:
                t, ev = wait(q, lambda ev: True)
                kind = ev.get("type")
                if kind == "call_state_changed" and ev.get("state") == "active" and seen_active is None:
                    seen_active = t
                elif kind == "call_state_changed" and ev.get("state") == "ended":
                    raise RuntimeError(f"call ended: {ev}")
                elif kind == "media_state_changed" and ev.get("state") == "connected":
                    seen_connected = t
                elif kind == "audio_levels" and ev.get("output_dbfs", -200) > -40:
                    media.append((t - t0) * 1000)
                    break
            if seen_active:
                active.append((seen_active - t0) * 1000)
            if seen_connected:
                connected.append((seen_connected - t0) * 1000)
            p.stdin.write("hangup\n")
            p.stdin.flush()
            wait(q, lambda ev: ev.get("type") == "call_state_changed" and ev.get("state") == "ended")
        p.stdin.write("quit\n")
        p.stdin.flush()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
        print(f"{label:8} dial->active     {stats(active)}")
        if connected:
            print(f"{label:8} dial->connected  {stats(connected)}")
        print(f"{label:8} dial->media      {stats(media)}")
        sys.stdout.flush()
