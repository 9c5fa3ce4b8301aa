"""One Db shared by many threads; scans release the GIL."""

import threading
import time
import unittest

from _support import lexicon_db

import shai

TEXTS = [
    "我爱赌博",
    "😀😀赌博🎉 还有百家乐",
    "Hello 世界, kiss my ass! 最好的",
    "中国赌博史是一门学问",
    "今天天气很好",
    "吃𠮷野家吧" * 3,
    "x赌博" * 100,  # more hits than the initial buffer
    "",
]


def results(db, text):
    return (
        db.scan(text),
        db.scan(text, overlapping=True),
        db.check(text),
        db.mask(text),
        db.scan(text.encode()),
    )


class SharedDbTest(unittest.TestCase):
    def test_threads_get_the_same_results(self):
        db = lexicon_db()
        expected = [results(db, t) for t in TEXTS]
        errors = []
        barrier = threading.Barrier(8)

        def work(seed):
            try:
                barrier.wait()
                for round_ in range(30):
                    for i in range(len(TEXTS)):
                        k = (i + seed + round_) % len(TEXTS)
                        got = results(db, TEXTS[k])
                        if got != expected[k]:
                            errors.append((seed, k, got))
                            return
            except Exception as exc:  # pragma: no cover - reported below
                errors.append((seed, exc))

        threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_dbs_compiled_in_threads(self):
        dbs = {}

        def build(i):
            dbs[i] = shai.Db.compile(words=[f"词{i}", "赌博"])

        threads = [threading.Thread(target=build, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, db in dbs.items():
            self.assertEqual([h.entry for h in db.scan(f"词{i}赌博")], [f"词{i}", "赌博"])

    def test_scan_releases_the_gil(self):
        db = lexicon_db()
        data = ("今天天气很好，我们去公园散步吧。" * 64).encode()
        # Grow the text until one scan takes a noticeable time.
        while True:
            t0 = time.perf_counter()
            db.scan(data)
            took = time.perf_counter() - t0
            if took >= 0.1 or len(data) >= 128 << 20:
                break
            data = data * 2
        if took < 0.02:
            self.skipTest("scan too fast to observe")

        # The worker enters the C scan while this thread loops. This thread
        # keeps running only if the scan released the GIL: its longest pause
        # must stay far below the length of the scan. A GIL held during the
        # scan fails every attempt; a busy machine may spoil one.
        failures = []
        for _attempt in range(3):
            longest, watched = self._watch_scan(db, data)
            if watched > took / 2 and longest < took / 2:
                return
            failures.append(f"paused {longest:.3f}s, watched {watched:.3f}s of a {took:.3f}s scan")
        self.fail("the main thread stalled while another thread scanned: " + "; ".join(failures))

    @staticmethod
    def _watch_scan(db, data):
        go = threading.Event()
        done = threading.Event()

        def scan():
            go.wait()
            db.scan(data)
            done.set()

        worker = threading.Thread(target=scan)
        worker.start()
        longest = 0.0
        start = last = time.perf_counter()
        go.set()
        while not done.is_set():
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now
        watched = time.perf_counter() - start
        worker.join()
        return longest, watched

if __name__ == "__main__":
    unittest.main()
