#!/usr/bin/env python3
"""Signalling latency of calls from softphone-cli to the bed's baresip far ends (auto-answer).

Run inside the bed (build the CLI first: cargo build -p softphone-cli):
    bash tests/bed/bed.sh run -- python3 tests/bench/call_latency.py [CALLS]
One CLI process per (our transport, far end) pair registers once (`run` mode) and places CALLS
calls one after another, each hung up once active. For each call it times, from the moment the
`call` command is written to the CLI's stdin:
  dialing  the call exists (the INVITE is queued),
  180      the `ringing` state (180 Ringing received),
  200      the `active` state (200 OK received, ACK sent, media started).
and prints median / p90 / min in milliseconds; `INVITE->x` figures are measured from the
`dialing` event, so they exclude the CLI's stdin handling. bob registers over UDP and alice
over TCP at Kamailio. Audio comes from / goes to WAV files (no devices). No timing is asserted:
these are numbers to report. Goal in issue 3: INVITE->200 <= 10 ms on loopback.
"""
import json, os, statistics, subprocess, sys, tempfile, time, threading, queue

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20
target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/softphone/target"))
cli = os.path.join(target_dir, "debug", "softphone-cli")
env = dict(os.environ, SOFTPHONE_PASSWORD=os.environ["BED_PASS3"], SOFTPHONE_KEYRING="none")


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return "n=0"
    p90 = xs[max(0, int(round(len(xs) * 0.9)) - 1)]
    return f"median {statistics.median(xs):6.1f}  p90 {p90:6.1f}  min {xs[0]:6.1f} ms"


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


def state_is(*states):
    return lambda ev: ev.get("type") == "call_state_changed" and ev.get("state") in states


with tempfile.TemporaryDirectory() as d:
    wav_in = os.path.join(d, "in.wav")
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", wav_in, "synth", "30",
                    "sine", "440", "vol", "0.3"], check=True)
    for transport, server in [("udp", os.environ["BED_SIP_UDP"]), ("tcp", os.environ["BED_SIP_TCP"])]:
        path = os.path.join(d, transport + ".toml")
        with open(path, "w") as f:
            f.write(f'address = "sip:{os.environ["BED_USER3"]}@{os.environ["BED_DOMAIN"]}"\n'
                    f'transport = "{transport}"\nserver = "{server}"\n')
        for peer, uri in [("bob/udp", os.environ["BED_BOB_URI"]), ("alice/tcp", os.environ["BED_ALICE_URI"])]:
            p = subprocess.Popen([cli, "--account", path, "--wav-in", wav_in, "--wav-out",
                                  os.path.join(d, "out.wav"), "--timeout", "20", "run"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
            q = queue.Queue()
            threading.Thread(target=reader, args=(p.stdout, q), daemon=True).start()
            wait(q, lambda ev: ev.get("type") == "account_state_changed" and ev.get("state") == "registered")
            to_dial, to_180, to_200, inv_180, inv_200 = [], [], [], [], []
            for _ in range(calls):
                time.sleep(0.2)
                t0 = time.perf_counter()
                p.stdin.write(f"call {uri}\n")
                p.stdin.flush()
                t_dial, _ = wait(q, state_is("dialing"))
                t_ring, ev = wait(q, state_is("ringing", "early_media", "active", "ended"))
                if ev["state"] == "active":
                    t_act = t_ring
                else:
                    if ev["state"] == "ended":
                        raise RuntimeError(f"call ended: {ev}")
                    t_act, ev = wait(q, state_is("active", "ended"))
                    if ev["state"] == "ended":
                        raise RuntimeError(f"call ended: {ev}")
                    to_180.append((t_ring - t0) * 1000)
                    inv_180.append((t_ring - t_dial) * 1000)
                to_dial.append((t_dial - t0) * 1000)
                to_200.append((t_act - t0) * 1000)
                inv_200.append((t_act - t_dial) * 1000)
                p.stdin.write("hangup\n")
                p.stdin.flush()
                wait(q, state_is("ended"))
            p.stdin.write("quit\n")
            p.stdin.flush()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
            label = f"{transport} -> {peer}"
            print(f"{label:18} command->dialing {stats(to_dial)}")
            print(f"{label:18} INVITE->180      {stats(inv_180)}  (n={len(inv_180)})")
            print(f"{label:18} INVITE->200      {stats(inv_200)}  (n={len(inv_200)})")
            print(f"{label:18} command->200     {stats(to_200)}")
            sys.stdout.flush()
