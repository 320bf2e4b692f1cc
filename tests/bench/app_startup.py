#!/usr/bin/env python3
"""Start-up and memory benchmark of the real desktop app (no asserts: it prints numbers).

For each run it starts the app with a fresh config dir and measures
  - start -> window shown: until the X server reports the "Softphone" window viewable;
  - start -> registered:   until the app log says the account registered (inside the test bed,
                           with an account whose password is in the bed's gnome-keyring);
  - PSS of the whole process tree (the app plus its WebKit web/network processes, from
    /proc/<pid>/smaps_rollup) after settling with the window open, and again after the window
    was closed to the tray (a real WM_DELETE_WINDOW, the app hides the window);
  - once more started with --minimised (what the autostart entry does): PSS in the tray.
The app turns WebKit's GPU compositing off itself; --env SOFTPHONE_GPU=1 measures WebKit's default.

Needs an X display (run it under xvfb-run). Registration needs the test bed:
  cargo build -p softphone [--release]
  bash tests/bed/bed.sh run -- xvfb-run -a -s "-screen 0 1280x800x24" \\
      python3 tests/bench/app_startup.py --app "$CARGO_TARGET_DIR/release/softphone" --runs 5
Outside the bed it measures the window and memory only (no account, no keyring).
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SERVICE = "org.softphone.desktop"
# The engine's log line once a REGISTER got its 2xx (not "Unregistered -> Registering").
REGISTERED = ": registered expires="


# --- X11 through ctypes (no extra packages) ---------------------------------------------------

class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
                ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
                ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("l", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


IS_VIEWABLE = 2
CLIENT_MESSAGE = 33


class X:
    def __init__(self):
        self.lib = ctypes.cdll.LoadLibrary("libX11.so.6")
        lib = self.lib
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        lib.XDefaultRootWindow.restype = ctypes.c_ulong
        lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        lib.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                   ctypes.POINTER(ctypes.c_ulong),
                                   ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                   ctypes.POINTER(ctypes.c_uint)]
        lib.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                             ctypes.POINTER(XWindowAttributes)]
        lib.XFree.argtypes = [ctypes.c_void_p]
        lib.XInternAtom.restype = ctypes.c_ulong
        lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                   ctypes.POINTER(XEvent)]
        lib.XFlush.argtypes = [ctypes.c_void_p]
        lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        # Windows come and go while we walk the tree: ignore BadWindow instead of letting
        # Xlib's default handler exit the process.
        handler_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
        self._on_error = handler_t(lambda _dpy, _ev: 0)
        lib.XSetErrorHandler.argtypes = [handler_t]
        lib.XSetErrorHandler.restype = ctypes.c_void_p
        lib.XSetErrorHandler(self._on_error)
        self.dpy = lib.XOpenDisplay(None)
        if not self.dpy:
            sys.exit("no X display (run under xvfb-run)")
        self.root = lib.XDefaultRootWindow(self.dpy)

    def windows(self, w=None):
        w = self.root if w is None else w
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.lib.XQueryTree(self.dpy, w, ctypes.byref(root), ctypes.byref(parent),
                                   ctypes.byref(children), ctypes.byref(n)):
            return []
        kids = [children[i] for i in range(n.value)]
        if children:
            self.lib.XFree(children)
        out = []
        for k in kids:
            out.append(k)
            out.extend(self.windows(k))
        return out

    def name(self, w):
        p = ctypes.c_char_p()
        if self.lib.XFetchName(self.dpy, w, ctypes.byref(p)) and p.value is not None:
            v = p.value.decode(errors="replace")
            self.lib.XFree(p)
            return v
        return None

    def viewable(self, w):
        a = XWindowAttributes()
        if not self.lib.XGetWindowAttributes(self.dpy, w, ctypes.byref(a)):
            return False
        return a.map_state == IS_VIEWABLE

    def app_window(self, title):
        """The window titled `title`, and whether it is viewable (None when absent)."""
        self.lib.XSync(self.dpy, 0)
        for w in self.windows():
            if self.name(w) == title:
                return w, self.viewable(w)
        return None, False

    def close(self, w):
        """Asks the window to close, as a window manager's close button does."""
        ev = XEvent()
        ev.xclient.type = CLIENT_MESSAGE
        ev.xclient.window = w
        ev.xclient.message_type = self.lib.XInternAtom(self.dpy, b"WM_PROTOCOLS", 0)
        ev.xclient.format = 32
        ev.xclient.l[0] = self.lib.XInternAtom(self.dpy, b"WM_DELETE_WINDOW", 0)
        ev.xclient.l[1] = 0  # CurrentTime
        self.lib.XSendEvent(self.dpy, w, 0, 0, ctypes.byref(ev))
        self.lib.XFlush(self.dpy)


# --- processes -----------------------------------------------------------------------------------

def children_map():
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(p))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss(pid):
    parts = {}
    for p in tree(pid):
        kib = pss_kib(p)
        if kib:
            name = comm(p)
            parts[name] = parts.get(name, 0) + kib
    return sum(parts.values()), parts


# --- the run -------------------------------------------------------------------------------------

def account_settings(user, domain):
    address = f"{user}@{domain}"
    config = {
        "id": address, "address": address, "display_name": None, "auth_user": None, "realm": None,
        "server": domain, "transport": "udp", "outbound_proxy": None, "register": True,
        "register_expires": 600, "user_agent": None, "tls_verify": True, "tls_ca_file": None,
        "srtp": "optional", "codecs": [], "ice_servers": [], "custom_headers": [],
        "no_answer_timeout_secs": 60, "auto_answer": False, "reconnect_min_secs": 2,
        "reconnect_max_secs": 30,
    }
    return {"version": 1, "accounts": [{"config": config, "secret_kind": "password", "remember": True}]}


def store_secret(account_id, password):
    """Puts the password where the app looks for it (keyring-core's Secret Service entry)."""
    subprocess.run(["secret-tool", "store", "--label", f"softphone bench {account_id}",
                    "service", SERVICE, "username", account_id],
                   input=password.encode(), check=True, timeout=20)


def wait_for(pred, timeout, step=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def log_has(path, needle):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return needle in f.read()
    except OSError:
        return False


def one_run(app, x, bed, settle, extra_env):
    work = tempfile.mkdtemp(prefix="softphone-bench-")
    config = os.path.join(work, "config")
    log = os.path.join(work, "softphone.log")
    os.makedirs(config)
    env = dict(os.environ, SOFTPHONE_CONFIG_DIR=config, SOFTPHONE_LOG_FILE=log, NO_AT_BRIDGE="1")
    if bed:
        with open(os.path.join(config, "settings.json"), "w") as f:
            json.dump(account_settings(os.environ["BED_USER"], os.environ["BED_DOMAIN"]), f)
        env["SOFTPHONE_KEYRING"] = "system"
    else:
        env["SOFTPHONE_KEYRING"] = "none"
    env.update(extra_env)
    result = {"window_s": None, "registered_s": None}
    t0 = time.monotonic()
    proc = subprocess.Popen([app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Both clocks run from the same start; each is read when first seen.
        end = t0 + 30
        while time.monotonic() < end:
            if result["window_s"] is None and x.app_window("Softphone")[1]:
                result["window_s"] = time.monotonic() - t0
            if bed and result["registered_s"] is None and log_has(log, REGISTERED):
                result["registered_s"] = time.monotonic() - t0
            if result["window_s"] is not None and (not bed or result["registered_s"] is not None):
                break
            time.sleep(0.005)
        time.sleep(settle)
        result["pss_open_kib"], result["parts_open"] = tree_pss(proc.pid)
        w, _ = x.app_window("Softphone")
        if w:
            x.close(w)
            hidden = wait_for(lambda: not x.app_window("Softphone")[1], 10)
            result["closed_to_tray"] = bool(hidden) and proc.poll() is None
            time.sleep(settle)
            result["pss_tray_kib"], result["parts_tray"] = tree_pss(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return result


def minimised_run(app, x, settle, extra_env):
    """Started with --minimised (the autostart entry): PSS in the tray, no web view ever made."""
    work = tempfile.mkdtemp(prefix="softphone-bench-")
    config = os.path.join(work, "config")
    log = os.path.join(work, "softphone.log")
    os.makedirs(config)
    env = dict(os.environ, SOFTPHONE_CONFIG_DIR=config, SOFTPHONE_LOG_FILE=log, NO_AT_BRIDGE="1",
               SOFTPHONE_KEYRING="none")
    env.update(extra_env)
    result = {}
    t0 = time.monotonic()
    proc = subprocess.Popen([app, "--minimised"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        up = wait_for(lambda: log_has(log, "started minimised to the tray"), 30)
        result["tray_s"] = time.monotonic() - t0 if up else None
        time.sleep(settle)
        result["window_shown"] = x.app_window("Softphone")[1]
        result["pss_kib"], result["parts"] = tree_pss(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return result


def fmt(v, unit="s"):
    return "n/a" if v is None else (f"{v:.3f} s" if unit == "s" else f"{v / 1024:.1f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser(
        "~/.cache/softphone/target")), "debug", "softphone"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds to idle before reading PSS")
    ap.add_argument("--env", action="append", default=[], metavar="K=V",
                    help="extra environment for the app (to compare WebKit settings)")
    args = ap.parse_args()
    app = os.path.realpath(args.app)
    if not os.access(app, os.X_OK):
        sys.exit(f"no app binary at {app}")
    bed = bool(os.environ.get("BED_RUN"))
    if bed:
        user, domain = os.environ["BED_USER"], os.environ["BED_DOMAIN"]
        store_secret(f"{user}@{domain}", os.environ["BED_PASS"])
    x = X()
    print(f"app: {app}\nextra env: {' '.join(args.env) or 'none'}\nbed: {'yes (registers with Kamailio, password from gnome-keyring)' if bed else 'no'}")
    runs = []
    for i in range(args.runs):
        r = one_run(app, x, bed, args.settle, dict(e.split("=", 1) for e in args.env))
        runs.append(r)
        print(f"run {i + 1}: window {fmt(r.get('window_s'))}, registered {fmt(r.get('registered_s'))}, "
              f"PSS open {fmt(r.get('pss_open_kib'), 'm')}, closed to tray {fmt(r.get('pss_tray_kib'), 'm')}"
              f"{'' if r.get('closed_to_tray', True) else ' (window did not hide!)'}")
        for key in ("parts_open", "parts_tray"):
            if r.get(key):
                print(f"       {key[6:]:>4} (MiB): " + ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(r[key].items())))
    def med(key):
        vals = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(vals) if vals else None
    extra = dict(e.split("=", 1) for e in args.env)
    m = minimised_run(app, x, args.settle, extra)
    print(f"started --minimised: in the tray after {fmt(m.get('tray_s'))}, PSS {fmt(m.get('pss_kib'), 'm')}"
          f"{' (a window was shown!)' if m.get('window_shown') else ''}; "
          + ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(m.get("parts", {}).items())))
    print(f"median of {len(runs)}: window {fmt(med('window_s'))} (goal <= 1 s), "
          f"registered {fmt(med('registered_s'))} (goal <= 1.5 s), "
          f"PSS open {fmt(med('pss_open_kib'), 'm')} (goal <= 150 MB), tray {fmt(med('pss_tray_kib'), 'm')}")


if __name__ == "__main__":
    main()
