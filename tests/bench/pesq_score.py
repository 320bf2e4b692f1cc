#!/usr/bin/env python3
"""Narrow-band PESQ of a call recording against its reference.

usage: pesq_score.py REFERENCE.wav DEGRADED.wav
prints: MOS-LQO (P.862.1 mapped) and how much of the reference's start the recording lacks

Both files are read as mono 16-bit PCM at any rate and resampled to 8 kHz with sox. The delay
of the recording is the median of the per-second cross-correlation lags (robust to the odd
silent second). A call may lose the first moments of audio (set-up, device opening): that part
is reported as "start clipped" and left out of the score, so the score measures the audio path
itself; the clipping is a separate finding.
"""
import subprocess
import sys
import tempfile
import wave

import numpy as np
from pesq import pesq

RATE = 8000


def load_8k(path):
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["sox", path, "-r", str(RATE), "-c", "1", "-b", "16", tmp.name], check=True)
        with wave.open(tmp.name) as w:
            data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype=np.int16).astype(np.float64)


def lag_of(ref, deg):
    n = 1 << int(np.ceil(np.log2(len(deg) + RATE)))
    spectrum = np.fft.rfft(deg, n)
    lags = []
    for start in range(0, len(ref) - RATE, RATE):
        seg = ref[start : start + RATE // 2]
        if np.sqrt(np.mean(seg**2)) < 300:  # a quiet second says nothing
            continue
        corr = np.fft.irfft(spectrum * np.conj(np.fft.rfft(seg, n)), n)[: len(deg)]
        lags.append(int(np.argmax(corr)) - start)
    return int(np.median(lags)) if lags else None


def main():
    ref, deg = load_8k(sys.argv[1]), load_8k(sys.argv[2])
    lag = lag_of(ref, deg)
    if lag is None or len(deg) < len(ref) // 2:
        print("no-speech")
        return
    clipped = max(0, -lag)
    ref_cut = ref[clipped:]
    deg_cut = deg[max(0, lag) : max(0, lag) + len(ref_cut)]
    n = min(len(ref_cut), len(deg_cut))
    score = pesq(RATE, ref_cut[:n], deg_cut[:n], "nb")
    print(f"{score:.2f} (start clipped {1000 * clipped / RATE:.0f} ms)")


if __name__ == "__main__":
    main()
