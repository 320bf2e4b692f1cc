#!/usr/bin/env python3
"""One-way latency from a recording that holds each chirp twice (direct, then through a call).

usage: latency_analyze.py CHIRP.wav RECORDING.wav
Prints every measured delay, the median and the 90th percentile in milliseconds.
"""
import sys
import wave

import numpy as np

# Longest delay looked for (baresip with its default buffers is around 350 ms).
MAX_DELAY_S = 1.0
# Shortest: nothing crosses a call faster (one 20 ms frame plus device buffers); closer peaks are
# side lobes of the direct chirp.
MIN_DELAY_S = 0.025


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
    # Peaks of the matched filter: each 2 s period holds a direct chirp and, 25 ms to 1 s later,
    # the call's copy. The strongest peak of a period is either; a comparable peak up to 1 s
    # before it makes it the copy, otherwise the copy is the strongest peak after it.
    period, delays = int(1.9 * rate), []
    lo_lag, hi_lag = int(MIN_DELAY_S * rate), int(MAX_DELAY_S * rate)
    threshold = 0.2 * corr.max()
    i = 0
    while i < len(corr) - period:
        window = corr[i : i + period]
        j = i + int(np.argmax(window))
        if corr[j] < threshold:
            i += period
            continue
        before = corr[max(i, j - hi_lag) : max(i, j - lo_lag)]
        if len(before) and before.max() > 0.3 * corr[j]:
            direct, copy = max(i, j - hi_lag) + int(np.argmax(before)), j
        else:
            direct = j
            after = corr[j + lo_lag : j + hi_lag]
            if len(after) < hi_lag - lo_lag or after.max() < 0.1 * corr[j]:
                i = j + int(0.9 * rate)
                continue
            copy = j + lo_lag + int(np.argmax(after))
        delays.append(1000.0 * (copy - direct) / rate)
        i = copy + int(0.5 * rate)
    if not delays:
        print("no chirp came through the call")
        sys.exit(1)
    delays.sort()
    print("delays ms:", " ".join(f"{d:.1f}" for d in delays))
    p90 = np.percentile(delays, 90)
    print(f"median one-way latency: {np.median(delays):.1f} ms, p90 {p90:.1f} ms ({len(delays)} chirps)")


if __name__ == "__main__":
    main()
