#!/usr/bin/env python3
"""One-way latency from a recording that holds each chirp twice (direct, then through a call).

usage: latency_analyze.py CHIRP.wav RECORDING.wav
Prints every measured delay and the median in milliseconds.
"""
import sys
import wave

import numpy as np


def load(path):
    with wave.open(path) as w:
        rate, ch = w.getframerate(), w.getnchannels()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    return rate, x.reshape(-1, ch).mean(axis=1)


def main():
    rate, chirp = load(sys.argv[1])
    rate2, rec = load(sys.argv[2])
    assert rate == rate2, "same rate expected"
    n = 1 << int(np.ceil(np.log2(len(rec) + len(chirp))))
    corr = np.abs(np.fft.irfft(np.fft.rfft(rec, n) * np.conj(np.fft.rfft(chirp, n)), n))[: len(rec)]
    # Envelope of the matched filter, then peaks: a direct chirp is the strongest peak of its
    # 2 s period; the call's copy is the strongest peak 5–500 ms after it.
    period, delays = int(1.9 * rate), []
    threshold = 0.2 * corr.max()
    i = 0
    while i < len(corr) - period:
        window = corr[i : i + period]
        j = int(np.argmax(window))
        if window[j] < threshold:
            i += period
            continue
        direct = i + j
        lo, hi = direct + int(0.005 * rate), direct + int(0.5 * rate)
        if hi < len(corr):
            k = lo + int(np.argmax(corr[lo:hi]))
            if corr[k] > 0.1 * corr[direct]:
                delays.append(1000.0 * (k - direct) / rate)
        i = direct + int(0.9 * rate)
    if not delays:
        print("no chirp came through the call")
        sys.exit(1)
    delays.sort()
    print("delays ms:", " ".join(f"{d:.1f}" for d in delays))
    print(f"median one-way latency: {np.median(delays):.1f} ms ({len(delays)} chirps)")


if __name__ == "__main__":
    main()
