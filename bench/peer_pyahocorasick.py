#!/usr/bin/python3
"""Python peers of shai-bench: pyahocorasick, and shai's own Python binding
when it can be imported.

    peer_pyahocorasick.py --lexicon FILE --corpus FILE [--runs 5] [--label NAME]

    PYTHONPATH=bindings/python SHAI_LIBRARY=BUILD/lib/libshai.so \\
        /usr/bin/python3 bench/peer_pyahocorasick.py --lexicon ... --corpus ...

pyahocorasick comes from the Debian package python3-ahocorasick (for
/usr/bin/python3). The lexicon is read as a bare word list, the way
shai-bench reads it for Hyperscan (blank, '#' and '@' lines skipped, anything
after a TAB dropped, spaces around the word trimmed, a leading '\\' dropped),
each word added with its line index, then make_automaton(). The corpus is read
and split on '\\n' once (not timed); a run calls iter() on every non-empty line
and counts every match (all overlapping matches, no folding). pyahocorasick
works on str, so lines are decoded once, before timing; the shai binding gets
the lines as bytes and runs db.scan(line, overlapping=True).

Throughput: corpus file bytes / 10^6 per second and code points / 10^6 per
second, median of --runs timed runs after one warm-up. Prints a markdown
table and one `RESULT key=value ...` line per engine, like shai-bench.
"""

import argparse
import os
import statistics
import sys
import time


def read_words(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    words = []
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        head = line.lstrip(" ")
        if not head or head[0] in "#@":
            continue
        word = line.split("\t", 1)[0].strip(" ")
        if word.startswith("\\"):
            word = word[1:]
        if word:
            words.append(word)
    return words


def timed_runs(fn, runs):
    """Warm-up, then `runs` timed calls; (median seconds, result)."""
    expected = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        got = fn()
        times.append(time.perf_counter() - t0)
        if got != expected:
            raise SystemExit("peer_pyahocorasick: hit count changed between runs")
    return statistics.median(times), expected


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lexicon", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--label", help="lexicon name in the output (default: file name without .txt)")
    args = ap.parse_args()
    label = args.label or os.path.basename(args.lexicon).removesuffix(".txt")

    with open(args.corpus, "rb") as f:
        data = f.read()
    nbytes = len(data)
    byte_lines = [line for line in data.split(b"\n") if line]
    str_lines = [line.decode("utf-8", "replace") for line in byte_lines]
    ncp = sum(1 for b in data if b & 0xC0 != 0x80) if nbytes < (1 << 20) else None
    if ncp is None:
        # Counting lead bytes in Python is slow: continuation bytes are
        # 0x80..0xBF, so count those with bytes.translate and subtract.
        cont = bytes(range(0x80, 0xC0))
        ncp = nbytes - (nbytes - len(data.translate(None, cont)))
    words = read_words(args.lexicon)
    rows = []

    # ------------------------------------------------------- pyahocorasick
    try:
        import ahocorasick
    except ImportError as e:
        print("pyahocorasick: not importable (%s); install python3-ahocorasick" % e,
              file=sys.stderr)
        ahocorasick = None
    if ahocorasick is not None:
        t0 = time.perf_counter()
        a = ahocorasick.Automaton()
        for i, w in enumerate(words):
            a.add_word(w, i)
        a.make_automaton()
        build_ms = (time.perf_counter() - t0) * 1e3

        def run_aho():
            n = 0
            it = a.iter
            for line in str_lines:
                for _ in it(line):
                    n += 1
            return n

        secs, hits = timed_runs(run_aho, args.runs)
        rows.append(("pyahocorasick", len(a), "-", build_ms, secs, hits))
        print("  pyahocorasick: %.1f MB/s, %d hits" % (nbytes / 1e6 / secs, hits), file=sys.stderr)

    # ------------------------------------------------- shai Python binding
    try:
        import shai
        t0 = time.perf_counter()
        db = shai.Db.compile(args.lexicon)
        build_ms = (time.perf_counter() - t0) * 1e3
    except Exception as e:  # not written yet, no libshai, ...: skip it
        print("shai binding: not usable (%s: %s); set PYTHONPATH=bindings/python and "
              "SHAI_LIBRARY=BUILD/lib/libshai.so" % (type(e).__name__, e), file=sys.stderr)
        db = None
    if db is not None:
        def run_shai():
            n = 0
            scan = db.scan
            for line in byte_lines:
                n += len(scan(line, overlapping=True))
            return n

        secs, hits = timed_runs(run_shai, args.runs)
        rows.append(("shai-python", len(db), "on", build_ms, secs, hits))
        print("  shai-python: %.1f MB/s, %d hits" % (nbytes / 1e6 / secs, hits), file=sys.stderr)

    ref = rows[0][4] if rows and rows[0][0] == "pyahocorasick" else None
    print("\n### Python peers: %s on %s\n" % (label, os.path.basename(args.corpus)))
    print("corpus %d bytes, %d code points, %d non-empty lines; %d timed runs after a warm-up, "
          "medians; Python %s\n" % (nbytes, ncp, len(byte_lines), args.runs,
                                    sys.version.split()[0]))
    print("| engine | lexicon | entries | fold | build ms | MB/s | Mcp/s | hits | vs pyahocorasick |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for engine, entries, fold, build_ms, secs, hits in rows:
        ratio = "%.2f" % (ref / secs) if ref else "n/a"
        print("| %s | %s | %d | %s | %.1f | %.1f | %.1f | %d | %s |" % (
            engine, label, entries, fold, build_ms, nbytes / 1e6 / secs, ncp / 1e6 / secs, hits,
            ratio))
    print()
    for engine, entries, fold, build_ms, secs, hits in rows:
        ratio = "%.2f" % (ref / secs) if ref else "n/a"
        print("RESULT engine=%s lexicon=%s corpus=%s fold=%s mode=line threads=1 entries=%d "
              "build_ms=%.2f scan_ms=%.2f mbps=%.2f mcps=%.2f hits=%d runs=%d ratio_pyaho=%s" % (
                  engine, label, os.path.basename(args.corpus), fold, entries, build_ms,
                  secs * 1e3, nbytes / 1e6 / secs, ncp / 1e6 / secs, hits, args.runs, ratio))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
