#!/usr/bin/env python3
"""Check the RESULT lines of shai-bench (and peer_pyahocorasick.py) against
the targets of the benchmark issue and print a markdown table.

    summarize.py RESULTS_FILE...

Throughput targets are ratios to Hyperscan measured in the same run of
shai-bench (per-line mode: one scan call per comment, which is what a
backend does; the whole-buffer ratio is shown next to it). MB = 10^6 bytes.
"""

import sys

# (description, lexicon, fold, minimum ratio to Hyperscan)
RATIO_TARGETS = [
    ("fold on, 1k jieba", "jieba_1k", "on", 0.8),
    ("fold on, 10k jieba", "jieba_10k", "on", 1.5),
    ("fold on, 64k houbb (real)", "houbb_64k", "on", 1.5),
    ("fold on, 100k jieba", "jieba_100k", "on", 4.0),
    ("fold off, 10k jieba", "jieba_10k", "off", 2.0),
    ("fold off, 64k houbb (real)", "houbb_64k", "off", 2.0),
    ("fold off, 100k jieba", "jieba_100k", "off", 2.0),
]


def parse(paths):
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("RESULT "):
                    continue
                kv = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
                rows.append(kv)
    return rows


def find(rows, **want):
    for r in rows:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def num(r, key):
    if r is None:
        return None
    try:
        return float(r[key])
    except (KeyError, ValueError):
        return None


def verdict(value, ok):
    if value is None:
        return "n/a"
    return "yes" if ok else "**no**"


def main(argv):
    rows = parse(argv[1:])
    out = []
    out.append("| target | measured | met |")
    out.append("|---|---|---|")
    for desc, lex, fold, want in RATIO_TARGETS:
        line = find(rows, engine="shai", lexicon=lex, fold=fold, mode="line", threads="1")
        whole = find(rows, engine="shai", lexicon=lex, fold=fold, mode="whole", threads="1")
        rl, rw = num(line, "ratio_hs"), num(whole, "ratio_hs")
        if rl is None:
            measured = "n/a"
        else:
            measured = "%.2fx per line (%.1f vs %.1f MB/s)" % (
                rl, num(line, "mbps"),
                num(find(rows, engine="hyperscan", lexicon=lex, mode="line", threads="1"),
                    "mbps") or 0)
            if rw is not None:
                measured += ", %.2fx whole buffer" % rw
        out.append("| %s: >= %.1fx Hyperscan | %s | %s |" % (
            desc, want, measured, verdict(rl, rl is not None and rl >= want)))

    big = find(rows, engine="shai", lexicon="jieba_100k", fold="on", mode="line", threads="1")
    ms = num(big, "build_ms")
    out.append("| compile 100k entries <= 150 ms | %s | %s |" % (
        "n/a" if ms is None else "%.1f ms (parse %.1f + compile %.1f)" % (
            ms, num(big, "parse_ms"), num(big, "compile_ms")),
        verdict(ms, ms is not None and ms <= 150)))
    size = num(big, "db_bytes")
    out.append("| db <= 8 MB for 100k entries | %s | %s |" % (
        "n/a" if size is None else "%d bytes" % size,
        verdict(size, size is not None and size <= 8e6)))
    opn = num(big, "open_ms")
    out.append("| open a saved 100k db <= 1 ms | %s | %s |" % (
        "n/a" if opn is None else "%.3f ms" % opn, verdict(opn, opn is not None and opn <= 1)))
    for r in rows:
        if r.get("engine") == "shai" and r.get("threads") not in (None, "1") \
                and r.get("fold") == "on":
            sp = num(r, "speedup")
            cpu = num(r, "cpu_pct")
            # what the machine gave a peer in the same run: the scaling
            # shai can be expected to reach here
            peer = num(find(rows, engine="hyperscan", lexicon=r["lexicon"], mode="line",
                            threads=r["threads"]), "speedup")
            out.append("| %s threads >= 1.8x one thread (%s, per line) | %s | %s |" % (
                r["threads"], r["lexicon"],
                "n/a" if sp is None else "%.2fx (%.1f MB/s; cpu %.0f%%)%s" % (
                    sp, num(r, "mbps"), cpu or 0,
                    "" if peer is None else "; Hyperscan %.2fx in the same run" % peer),
                verdict(sp, sp is not None and sp >= 1.8)))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
