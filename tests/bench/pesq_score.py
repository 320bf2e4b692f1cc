#!/usr/bin/env python3
"""Narrow-band PESQ of a call recording against its reference.

usage: pesq_score.py REFERENCE.wav DEGRADED.wav   -> prints MOS-LQO (P.862.1 mapped)

Both files are read as mono 16-bit PCM at any rate and resampled to 8 kHz with sox; the
degraded recording is cut around the reference (found by cross-correlation: a call adds set-up
delay and leading silence) before scoring; PESQ aligns the utterances itself.
"""
import subprocess
import sys
import tempfile
import wave

import numpy as np
from pesq import pesq


def load_8k(path):
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["sox", path, "-r", "8000", "-c", "1", "-b", "16", tmp.name], check=True)
        with wave.open(tmp.name) as w:
            data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype=np.int16).astype(np.float64)


def main():
    ref, deg = load_8k(sys.argv[1]), load_8k(sys.argv[2])
    if len(deg) < len(ref) // 2:
        print("short")
        return
    # Delay of ref inside deg: argmax of the cross-correlation (FFT).
    n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
    corr = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(corr[: len(deg)]))
    # Only a coarse cut: PESQ aligns each utterance itself, and a phone may legitimately move
    # its playout delay between talkspurts (silence suppression, adaptive jitter buffer).
    start = max(0, lag - 4000)
    cut = deg[start : start + len(ref) + 8000]
    print(f"{pesq(8000, ref, cut, 'nb'):.2f}")


if __name__ == "__main__":
    main()
