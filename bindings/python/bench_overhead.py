#!/usr/bin/env python3
"""How many short comments per second the Python binding screens, and what
the binding adds on top of the bare C call.

    SHAI_LIBRARY=build/lib/libshai.so SHAI_DEFAULT_LEXICON=wordlists \\
        python3 bindings/python/bench_overhead.py [--corpus FILE] [--count 1000]

Comments: the first --count non-empty lines of --corpus (default: the
food-delivery reviews in shared/corpora/ugc when present, else generated
Chinese/mixed comments). Lexicon: --lexicon PATH..., else the default
(bundled) lexicon. Each measurement runs the whole set repeatedly for about
--seconds and keeps the best of three rounds. Single-thread rows count CPU
time of the measuring thread, so other load on the machine barely moves them;
rows with threads are wall clock.

Rows:
  ctypes shai_scan_hits   the bare C call through ctypes on pre-encoded bytes
                          (the floor any ctypes binding pays)
  db.scan(bytes)          the binding on bytes: hits as Hit objects
  db.scan(str)            the usual call: encode + byte->str offsets
  db.check(str)           verdict + violations
  db.mask(str)            masked copy
  db.check(str) xN thr    N threads sharing one Db (aggregate)
  all comments joined     one long text: the GIL is released while C scans,
                          so here threads do scale
"""

import argparse
import ctypes
import os
import random
import sys
import threading
import time
from typing import Callable, List

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import shai  # noqa: E402
from shai import _capi  # noqa: E402
from shai._capi import shai_hit  # noqa: E402

DEFAULT_CORPUS = os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "shared", "corpora", "ugc", "waimai_10k_reviews.txt")
)


def generated_comments(count: int, db: shai.Db) -> List[str]:
    """Short comments of common words, emoji and ASCII, a few with a
    lexicon entry in them."""
    rng = random.Random(1)
    words = ("今天 天气 很好 外卖 送得 很快 味道 不错 就是 有点 咸 下次 还会 再来 老板 服务 态度 "
             "真的 太 贵了 包装 精美 推荐 大家 一般般 吧 哈哈 好吃 环境 干净 价格 实惠").split()
    extras = ["😀", "👍", "!!", "OK", "666", "nice", " ", "，", "。"]
    entries = [e.text for e in db.entries[: min(len(db), 5000)]] or ["赌博"]
    comments = []
    for i in range(count):
        parts = [rng.choice(words) for _ in range(rng.randint(3, 12))]
        for _ in range(rng.randint(0, 2)):
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(extras))
        if i % 10 == 0:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(entries))
        comments.append("".join(parts))
    return comments


def corpus_comments(path: str, count: int) -> List[str]:
    comments = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line:
                comments.append(line)
                if len(comments) == count:
                    break
    return comments


def measure(fn: Callable[[], None], n_items: int, seconds: float, cpu: bool = True) -> float:
    """Best items/s over three rounds of about `seconds` each, per CPU second
    of this thread (`cpu`: unaffected by other processes competing for the
    cores) or per wall-clock second (for rows that use several threads)."""
    clock = time.thread_time if cpu else time.perf_counter
    best = 0.0
    for _ in range(3):
        loops = 0
        wall = time.perf_counter()
        start = clock()
        while True:
            fn()
            loops += 1
            if time.perf_counter() - wall >= seconds:
                break
        best = max(best, loops * n_items / max(clock() - start, 1e-9))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="one comment per line (default: %(default)s if present)",
                        default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=1000, help="number of comments (default 1000)")
    parser.add_argument("--lexicon", action="append", default=[], metavar="PATH")
    parser.add_argument("--seconds", type=float, default=1.0, help="per round (default 1.0)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    t0 = time.perf_counter()
    db = shai.Db.compile(args.lexicon) if args.lexicon else shai.Db.compile()
    compile_s = time.perf_counter() - t0
    source = ", ".join(args.lexicon) if args.lexicon else shai.default_lexicon_path()

    if args.corpus and os.path.exists(args.corpus):
        comments = corpus_comments(args.corpus, args.count)
        origin = args.corpus
    else:
        comments = generated_comments(args.count, db)
        origin = "generated"
    encoded = [c.encode("utf-8") for c in comments]
    n = len(comments)
    total_chars = sum(len(c) for c in comments)
    hits = sum(len(db.scan(c)) for c in comments)
    flagged = sum(1 for c in comments if db.check(c).action != "pass")

    print(f"python {sys.version.split()[0]} ({sys.executable}), libshai {shai.library_version()} "
          f"({shai.library_path()})")
    print(f"lexicon: {source}: {len(db)} entries, {len(db.categories)} categories, "
          f"compiled in {compile_s * 1000:.0f} ms")
    print(f"comments: {n} from {origin}, {total_chars / max(n, 1):.1f} chars on average, "
          f"{hits} hits, {flagged} not 'pass'")
    print()

    lib = _capi.get()
    handle = db._handle
    buf = (shai_hit * 64)()
    count = ctypes.c_size_t()
    buf_p = ctypes.c_void_p(ctypes.addressof(buf))
    count_p = ctypes.c_void_p(ctypes.addressof(count))
    cap = ctypes.c_size_t(64)
    size_t = ctypes.c_size_t
    raw_scan = lib.scan_hits_fast  # no argtypes: the cheapest ctypes call

    def bare() -> None:
        for b in encoded:
            raw_scan(handle, b, size_t(len(b)), 0, buf_p, cap, count_p)

    def scan_bytes() -> None:
        for b in encoded:
            db.scan(b)

    def scan_str() -> None:
        for c in comments:
            db.scan(c)

    def scan_str_overlapping() -> None:
        for c in comments:
            db.scan(c, overlapping=True)

    def check_str() -> None:
        for c in comments:
            db.check(c)

    def mask_str() -> None:
        for c in comments:
            db.mask(c)

    rows = [
        ("ctypes shai_scan_hits", bare),
        ("db.scan(bytes)", scan_bytes),
        ("db.scan(str)", scan_str),
        ("db.scan(str, overlapping=True)", scan_str_overlapping),
        ("db.check(str)", check_str),
        ("db.mask(str)", mask_str),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"single-thread rows: per CPU second of this thread; thread rows: wall clock "
          f"(load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"{'call':34} {'scans/s':>12} {'us/scan':>9}")
    results = {}
    for name, fn in rows:
        rate = measure(fn, n, args.seconds)
        results[name] = rate
        print(f"{name:34} {rate:12,.0f} {1e6 / rate:9.2f}")

    if args.threads > 1:
        def threaded() -> None:
            parts = [comments[i :: args.threads] for i in range(args.threads)]

            def work(part: List[str]) -> None:
                for c in part:
                    db.check(c)

            ts = [threading.Thread(target=work, args=(p,)) for p in parts]
            for t in ts:
                t.start()
            for t in ts:
                t.join()

        # Threads pay off on long texts; for short comments the Python work
        # around each call holds the GIL, so this shows the ceiling.
        rate = measure(threaded, n, args.seconds, cpu=False)
        print(f"{f'db.check(str) x{args.threads} threads':34} {rate:12,.0f} {1e6 / rate:9.2f}")

        # On long texts the scan itself dominates and runs without the GIL.
        long_text = "\n".join(comments).encode("utf-8")
        mb = len(long_text) / 1e6

        def long_single() -> None:
            for _ in range(args.threads):
                db.check(long_text)

        def long_threaded() -> None:
            ts = [threading.Thread(target=db.check, args=(long_text,)) for _ in range(args.threads)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()

        one = measure(long_single, args.threads, args.seconds, cpu=False) * mb
        many = measure(long_threaded, args.threads, args.seconds, cpu=False) * mb
        print(f"{'db.check(all comments joined)':34} {one:9,.1f} MB/s on 1 thread, "
              f"{many:,.1f} MB/s on {args.threads} ({len(long_text) // 1000} kB text)")

    overhead = 1e6 / results["db.check(str)"] - 1e6 / results["ctypes shai_scan_hits"]
    print()
    print(f"binding overhead over the bare ctypes call: {overhead:.2f} us per db.check(str)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
