#!/usr/bin/env python3
"""Remote control for the bed's baresip far ends (ctrl_tcp module: netstring-framed JSON).
bed.sh exports this script's path as $BED_CTL. PEER is a name (bob alice carol dave) or a
TCP control port (4444..4447).

  ctl.py PEER COMMAND [PARAMS...] [--wait S]
      send one baresip command, print the response and any events seen within S seconds
      (default 1) as JSON lines. Commands: dial URI, accept, hangup, sndcode DIGITS,
      listcalls, reginfo, ... (see baresip's "help").
      e.g. ctl.py bob dial sip:softphone@127.0.0.1 ; ctl.py bob sndcode 1 ; ctl.py bob hangup
  ctl.py PEER wait EVENT [TIMEOUT_S] [--param P]
      connect and wait for an event (CALL_INCOMING, CALL_ESTABLISHED, CALL_RTPESTAB,
      CALL_DTMF_START, CALL_CLOSED, ...); exit 0 when seen, 1 on timeout. Events are only
      delivered to connections that exist when they happen: start this before the action.
  ctl.py PEER events [SECONDS]
      print every event as one JSON line for SECONDS (default 10).
  ctl.py --call CALLER CALLEE TARGET_URI [--no-dtmf]
      scripted check: dial, both sides CALL_ESTABLISHED + CALL_RTPESTAB (RTP received),
      DTMF '7' seen by the callee (RFC 4733), hangup, CALL_CLOSED on both; exit 0 on success.
"""
import json
import socket
import sys
import time

PEERS = {"bob": 4444, "alice": 4445, "carol": 4446, "dave": 4447}


def port_of(peer):
    return PEERS[peer] if peer in PEERS else int(peer)


def ns_encode(b):
    return str(len(b)).encode() + b":" + b + b","


class Ctl:
    def __init__(self, peer):
        self.s = socket.create_connection(("127.0.0.1", port_of(peer)), timeout=5)
        self.buf = b""
        self.events = []
        self.msgs = []

    def send(self, cmd, params=""):
        msg = {"command": cmd, "params": params, "token": cmd}
        self.s.sendall(ns_encode(json.dumps(msg).encode()))

    def pump(self, secs):
        end = time.time() + secs
        while time.time() < end:
            self.s.settimeout(max(0.01, min(0.1, end - time.time())))
            try:
                d = self.s.recv(65536)
                if not d:
                    return
                self.buf += d
            except socket.timeout:
                pass
            while b":" in self.buf:
                n, rest = self.buf.split(b":", 1)
                n = int(n)
                if len(rest) < n + 1:
                    break
                m = json.loads(rest[:n])
                self.buf = rest[n + 1:]
                self.msgs.append(m)
                if m.get("event"):
                    self.events.append((m.get("type"), m.get("param")))

    def has(self, typ, param=None):
        return any(t == typ and (param is None or p == param) for t, p in self.events)

    def wait_for(self, typ, secs, param=None):
        end = time.time() + secs
        while time.time() < end and not self.has(typ, param):
            self.pump(0.1)
        return self.has(typ, param)


def scripted_call(caller, callee, target, dtmf=True):
    a = Ctl(caller)
    b = Ctl(callee) if callee not in ("0", 0) else None
    a.send("dial", target)
    ok = a.wait_for("CALL_ESTABLISHED", 10) and a.wait_for("CALL_RTPESTAB", 5)
    if b:
        ok = ok and b.wait_for("CALL_ESTABLISHED", 5) and b.wait_for("CALL_RTPESTAB", 5)
    ok_dtmf = True
    if b and dtmf:
        b.pump(1.0)
        a.send("sndcode", "7")
        ok_dtmf = b.wait_for("CALL_DTMF_START", 5, "7")
    a.pump(1.5)
    a.send("hangup")
    closed = a.wait_for("CALL_CLOSED", 5) and (b.wait_for("CALL_CLOSED", 5) if b else True)
    print("caller:", [t for t, _ in a.events])
    if b:
        print("callee:", [t for t, _ in b.events])
    print("established+rtp:", ok, "dtmf:", ok_dtmf, "closed:", closed)
    return 0 if (ok and ok_dtmf and closed) else 1


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    if args[0] == "--call":
        dtmf = "--no-dtmf" not in args
        args = [a for a in args if a != "--no-dtmf"]
        return scripted_call(args[1], args[2], args[3], dtmf)
    peer, cmd = args[0], args[1]
    if cmd == "wait":
        param = None
        if "--param" in args:
            i = args.index("--param")
            param = args[i + 1]
            del args[i:i + 2]
        c = Ctl(peer)
        ok = c.wait_for(args[2], float(args[3]) if len(args) > 3 else 10, param)
        return 0 if ok else 1
    if cmd == "events":
        c = Ctl(peer)
        end = time.time() + (float(args[2]) if len(args) > 2 else 10)
        seen = 0
        while time.time() < end:
            c.pump(0.1)
            for m in c.msgs[seen:]:
                print(json.dumps(m), flush=True)
            seen = len(c.msgs)
        return 0
    wait = 1.0
    if "--wait" in args:
        i = args.index("--wait")
        wait = float(args[i + 1])
        del args[i:i + 2]
    c = Ctl(peer)
    c.send(cmd, " ".join(args[2:]))
    c.pump(wait)
    for m in c.msgs:
        print(json.dumps(m))
    return 0 if any(m.get("response") and m.get("ok") for m in c.msgs) else 1


if __name__ == "__main__":
    sys.exit(main())
