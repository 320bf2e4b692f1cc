#!/usr/bin/env python3
"""Exec-to-registered latency of softphone-cli against the bed's Kamailio, per transport.

Run inside the bed (build first):
    bash tests/bed/bed.sh run -- python3 tests/bench/register_latency.py [RUNS]
Prints one line per transport: median, p90 and min in milliseconds from exec() to the
`registered` event on stdout (digest challenge included: REGISTER, 401, REGISTER, 200).
"""
import json, os, statistics, subprocess, sys, tempfile, time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
cli = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/softphone/target")),
                   "debug", "softphone-cli")
env = dict(os.environ, SOFTPHONE_PASSWORD=os.environ["BED_PASS3"])
cases = [("udp", os.environ["BED_SIP_UDP"]), ("tcp", os.environ["BED_SIP_TCP"]),
         ("tls", os.environ["BED_SIP_TLS"]), ("ws", os.environ["BED_SIP_WS"]),
         ("wss", os.environ["BED_SIP_WSS"])]
with tempfile.TemporaryDirectory() as d:
    for transport, server in cases:
        path = os.path.join(d, transport + ".toml")
        with open(path, "w") as f:
            f.write(f'address = "sip:{os.environ["BED_USER3"]}@{os.environ["BED_DOMAIN"]}"\n'
                    f'transport = "{transport}"\nserver = "{server}"\n'
                    f'tls_ca_file = "{os.environ["BED_TLS_CA"]}"\n')
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.Popen([cli, "--account", path, "register"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, env=env, text=True)
            for line in p.stdout:
                ev = json.loads(line)
                if ev.get("type") == "account_state_changed" and ev.get("state") == "registered":
                    times.append((time.perf_counter() - t0) * 1000)
                    break
            p.wait(timeout=20)
        times.sort()
        print(f"{transport:4} exec->registered  median {statistics.median(times):6.1f} ms  "
              f"p90 {times[int(len(times) * 0.9) - 1]:6.1f} ms  min {times[0]:6.1f} ms  (n={len(times)})")
