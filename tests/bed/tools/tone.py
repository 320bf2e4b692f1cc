#!/usr/bin/env python3
"""Rough dominant frequency and level of a recording (bed.sh exports this as $BED_TONE).

  tone.py FILE.wav [--expect HZ] [--tol FRACTION] [--skip S] [--min-rms R]
  tone.py FILE.raw --raw RATE [CHANNELS]      (raw s16le, e.g. from parec --raw)

Prints "freq=HZ rms=R secs=S". With --expect, exits 0 only if the frequency is within
--tol (default 0.05) of HZ and rms >= --min-rms (default 0.01, full scale = 1.0).
Frequency = zero crossings with hysteresis over the signal after --skip seconds (default
0.3): good enough for the pure sines the bed's peers play, no numpy needed.
"""
import array
import math
import sys
import wave


def load(path, raw_rate=None, raw_ch=1):
    if raw_rate:
        with open(path, "rb") as f:
            data = f.read()
        rate, ch, width = raw_rate, raw_ch, 2
    else:
        with wave.open(path, "rb") as w:
            rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            data = w.readframes(w.getnframes())
    if width != 2:
        raise SystemExit(f"{path}: only 16-bit PCM supported (got {width * 8} bit)")
    data = data[: len(data) - len(data) % (2 * ch)]
    s = array.array("h")
    s.frombytes(data)
    if sys.byteorder != "little":
        s.byteswap()
    return [s[i] / 32768.0 for i in range(0, len(s), ch)], rate


def analyse(x, rate, skip):
    x = x[int(skip * rate):]
    if len(x) < rate // 10:
        return 0.0, 0.0, len(x) / rate
    mean = sum(x) / len(x)
    x = [v - mean for v in x]
    rms = math.sqrt(sum(v * v for v in x) / len(x))
    hyst = max(rms * 0.3, 1e-4)
    state, crossings, first, last = 0, 0, None, None
    for i, v in enumerate(x):
        if state <= 0 and v > hyst:
            if state < 0:
                crossings += 1
                last = i
                if first is None:
                    first = i
            state = 1
        elif state >= 0 and v < -hyst:
            state = -1
    freq = 0.0
    if crossings > 2 and last > first:
        freq = (crossings - 1) * rate / (last - first)
    return freq, rms, len(x) / rate


def main():
    a = sys.argv[1:]
    if not a or a[0] in ("-h", "--help"):
        print(__doc__)
        return 2

    def opt(name, default, conv=float):
        if name in a:
            i = a.index(name)
            v = conv(a[i + 1])
            del a[i:i + 2]
            return v
        return default

    expect = opt("--expect", None)
    tol = opt("--tol", 0.05)
    skip = opt("--skip", 0.3)
    min_rms = opt("--min-rms", 0.01)
    raw_rate, raw_ch = None, 1
    if "--raw" in a:
        i = a.index("--raw")
        raw_rate = int(a[i + 1])
        if i + 2 < len(a) and a[i + 2].isdigit():
            raw_ch = int(a[i + 2])
            del a[i + 2]
        del a[i:i + 2]
    x, rate = load(a[0], raw_rate, raw_ch)
    freq, rms, secs = analyse(x, rate, skip)
    print(f"freq={freq:.1f} rms={rms:.4f} secs={secs:.2f}")
    if expect is None:
        return 0
    return 0 if (abs(freq - expect) <= tol * expect and rms >= min_rms) else 1


if __name__ == "__main__":
    sys.exit(main())
