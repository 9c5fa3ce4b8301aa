#!/usr/bin/env python3
"""`shai compile` and `shai scan` when an allocation fails.

Each allocation of the run, in turn, fails (through a preloaded allocator,
SHAI_FAIL_ALLOC_LIB, see fail_alloc.c): the tool either does its whole job
(the output of a run without failures) or exits 2 with a message on stderr;
never a crash, never another exit status, never a lexicon error made up
from a failed allocation.

    SHAI_BIN=BUILD/tools/shai SHAI_FAIL_ALLOC_LIB=BUILD/tests/cli/fail_alloc.so \\
        python3 tests/cli/test_alloc.py -v
"""

import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("SHAI_BIN", "")
LIB = os.environ.get("SHAI_FAIL_ALLOC_LIB", "")

LEXICON = "@category gambling\n赌博\n@category spam\nre:www\\.[a-z]+\\.cn\n@allow\n赌博机构\n"
TEXT = "x 赌博 www.abc.cn\n正规赌博机构 加微信\n"


def run(args, fail_at, cwd, stdin=b""):
    """Runs shai with allocation fail_at failing (0: none); returns the
    completed process and how many allocations it made."""
    count = os.path.join(cwd, "allocations")
    env = dict(os.environ, SHAI_FAIL_ALLOC=str(fail_at), SHAI_FAIL_ALLOC_COUNT=count,
               LD_PRELOAD=LIB)
    p = subprocess.run([BIN] + args, cwd=cwd, env=env, input=stdin, capture_output=True,
                       timeout=60)
    made = 0
    if os.path.exists(count):
        with open(count) as f:
            made = int(f.read())
        os.unlink(count)
    return p, made


class FailEachAllocation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "lex.txt"), "w", encoding="utf-8") as f:
            f.write(LEXICON)
        with open(os.path.join(self.dir, "in.txt"), "w", encoding="utf-8") as f:
            f.write(TEXT)

    def tearDown(self):
        self.tmp.cleanup()

    def fail_each(self, args, check_whole, stdin=b""):
        """Runs args with each allocation of a whole run failing in turn."""
        whole, made = run(args, 0, self.dir, stdin)
        check_whole(whole)
        self.assertGreater(made, 10)
        failed = 0
        for k in range(1, made + 1):
            p, _ = run(args, k, self.dir, stdin)
            err = p.stderr.decode("utf-8", "replace")
            what = "allocation %d of %d: exit %d, %r" % (k, made, p.returncode, err)
            self.assertIn(p.returncode, (whole.returncode, 2), what)
            if p.returncode == 2:
                failed += 1
                # says so: no lexicon error made up from a failed allocation
                self.assertIn("shai: ", err, what)
                self.assertIn("memory", err.lower(), what)
                self.assertNotIn("invalid", err, what)
            else:
                self.assertEqual(p.stdout, whole.stdout, what)
        self.assertGreater(failed, 5)

    def test_compile(self):
        def whole(p):
            self.assertEqual(p.returncode, 0, p.stderr)

        self.fail_each(["compile", "lex.txt", "-o", "out.shai"], whole)

    def test_scan(self):
        p, _ = run(["compile", "lex.txt", "-o", "db.shai"], 0, self.dir)
        self.assertEqual(p.returncode, 0, p.stderr)

        def whole(p):
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("www.abc.cn".encode(), p.stdout)

        os.mkdir(os.path.join(self.dir, "tree"))
        for name in ("a.txt", "b.txt"):
            with open(os.path.join(self.dir, "tree", name), "w", encoding="utf-8") as f:
                f.write(TEXT)
        for args in (["scan", "--db", "db.shai", "in.txt"], ["scan", "--db", "db.shai", "-"],
                     # the workers: a directory scanned as it is walked,
                     # records in chunks
                     ["scan", "--db", "db.shai", "-j2", "tree"],
                     ["scan", "--db", "db.shai", "-j2", "--verdicts", "in.txt", "-"]):
            with self.subTest(args=args):
                self.fail_each(args, whole, TEXT.encode())


if __name__ == "__main__":
    unittest.main()
