#!/usr/bin/env python3
"""End-to-end tests of the `shai` command-line tool.

Run by meson (`meson test -C BUILD cli`), or by hand:

    SHAI_BIN=BUILD/tools/shai SHAI_SOURCE_DIR=. python3 tests/cli/test_cli.py -v

SHAI_BIN is the built executable; SHAI_SOURCE_DIR the source tree (for the
bundled wordlists/). SHAI_TEST_SEED seeds the randomized differential tests.
Every test builds its own small lexicon in a temporary directory.

The tests marked @slow feed giant inputs (tens of MB). SHAI_TEST_PART=fast
runs the others, SHAI_TEST_PART=slow only those; unset, all run. meson
registers the two parts as `cli` and `cli-slow` (in the suite `slow`).
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import unittest

BIN = os.environ.get("SHAI_BIN", "")


def sanitized():
    """Whether the shai under test is built with AddressSanitizer: the
    giant-input tests then scan an eighth of their input (a 1 GiB line under
    ASan takes minutes and finds nothing a 128 MiB one would not)."""
    try:
        with open(BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False
SOURCE_DIR = os.environ.get("SHAI_SOURCE_DIR", "")
SEED = int(os.environ.get("SHAI_TEST_SEED", "20240611"))

def slow(test):
    """Marks a test of giant inputs: run by the `slow` part only."""
    test.slow = True
    return test


def load_tests(loader, tests, pattern):
    part = os.environ.get("SHAI_TEST_PART", "")
    if not part:
        return tests
    if part not in ("fast", "slow"):
        raise ValueError("SHAI_TEST_PART must be fast or slow, not %r" % part)

    def cases(suite):
        for t in suite:
            if isinstance(t, unittest.TestSuite):
                yield from cases(t)
            else:
                yield t

    def is_slow(t):
        return getattr(getattr(t, getattr(t, "_testMethodName", ""), None), "slow", False)

    return unittest.TestSuite(t for t in cases(tests) if is_slow(t) == (part == "slow"))


SANITIZER_MARKERS = (b"AddressSanitizer", b"LeakSanitizer", b"UndefinedBehaviorSanitizer",
                     b"runtime error:")

# A lexicon used by several tests. Entries are plain simplified Chinese or
# lower-case ASCII, so they match their own spelling in the input.
BASIC_LEXICON = """\
# 测试词库 — gambling, fraud and ad-law samples
@category gambling
@action block
赌博
网上赌博
博彩\ttag=g1
六合彩\taction=review
casino

@category fraud
代开发票\tsuggestion=开具发票 tag=invoice
刷单

@category ad-law
@action review
最好\tsuggestion=很好

@allow
赌博史
"""


def is_word_char(ch):
    """The Latin boundary rule's word characters (docs/lexicon-format.md)."""
    cp = ord(ch)
    if cp < 0x80:
        return ch.isascii() and ch.isalnum()
    if 0xC0 <= cp <= 0x24F:
        return cp not in (0xD7, 0xF7)
    if 0x1E00 <= cp <= 0x1EFF:
        return True
    return 0xFF10 <= cp <= 0xFF19 or 0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A


def byte_offsets(text):
    """offsets[i] = byte offset of code point i of `text` (len(text)+1 entries)."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode("utf-8")))
    return offsets


def naive_overlapping(text, entries):
    """Every occurrence of every entry in `text` (a str) under the boundary
    rule, as a set of (start_byte, end_byte, entry)."""
    offs = byte_offsets(text)
    hits = set()
    for e in set(entries):
        i = text.find(e)
        while i >= 0:
            j = i + len(e)
            ok = True
            if is_word_char(e[0]) and i > 0 and is_word_char(text[i - 1]):
                ok = False
            if is_word_char(e[-1]) and j < len(text) and is_word_char(text[j]):
                ok = False
            if ok:
                hits.add((offs[i], offs[j], e))
            i = text.find(e, i + 1)
    return hits


def leftmost_longest(hits):
    """Non-overlapping selection: leftmost start first, then the longest."""
    chosen = []
    pos = 0
    for start, end, entry in sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]))):
        if start >= pos:
            chosen.append((start, end, entry))
            pos = end
    return chosen


def line_col(data, start):
    """1-based line and column (code points; an invalid byte counts as one) of
    byte offset `start` in bytes `data`."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    prefix = data[line_start:start]
    # 'surrogateescape' turns each invalid byte (also each byte of a truncated
    # sequence) into a code point of its own, as the CLI counts them.
    col = len(prefix.decode("utf-8", errors="surrogateescape")) + 1
    return line, col


class CliTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not BIN or not os.path.exists(BIN):
            self.fail("SHAI_BIN must name the built shai executable (got %r)" % BIN)
        self._tmp = tempfile.TemporaryDirectory(prefix="shai-cli-")
        self.tmp = self._tmp.name
        self.empty_default = os.path.join(self.tmp, "empty-default")
        os.mkdir(self.empty_default)

    def tearDown(self):
        self._tmp.cleanup()

    # ------------------------------------------------------------ helpers

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        return p

    # the encodings a walked tree's files come in: the body as the kind says
    ENCODED = {
        "utf8": lambda b: b.encode(),
        "bom": lambda b: b"\xef\xbb\xbf" + b.encode(),
        "gbk": lambda b: b.encode("gbk"),
        "u16": lambda b: b"\xff\xfe" + b.encode("utf-16-le"),
        "bin": lambda b: b"\x00" + b.encode(),
        "empty": lambda b: b"",
    }

    def lexicon(self, text=BASIC_LEXICON, name="lex.txt"):
        return self.write(name, text)

    def env(self, **extra):
        env = dict(os.environ)
        env["SHAI_DEFAULT_LEXICON"] = self.empty_default
        env.update(extra)
        return env

    def run_shai(self, *args, input=b"", env=None, cwd=None, stdout=subprocess.PIPE,
                 timeout=600):
        if isinstance(input, str):
            input = input.encode("utf-8")
        proc = subprocess.run([BIN] + [str(a) for a in args], input=input,
                              stdout=stdout, stderr=subprocess.PIPE,
                              env=env if env is not None else self.env(), cwd=cwd,
                              timeout=timeout)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, proc.stderr, proc.stderr.decode("utf-8", "replace"))
        return proc

    def scan(self, *args, **kw):
        return self.run_shai("scan", *args, **kw)

    def jsonl(self, out):
        records = []
        for raw in out.split(b"\n")[:-1]:
            # Output must be valid UTF-8 JSON, one object per line.
            rec = json.loads(raw.decode("utf-8"))
            self.assertIsInstance(rec, dict)
            records.append(rec)
        self.assertTrue(out == b"" or out.endswith(b"\n"))
        return records

    def assert_exit(self, proc, code):
        self.assertEqual(proc.returncode, code,
                         "exit %d, stderr: %s" % (proc.returncode,
                                                  proc.stderr.decode("utf-8", "replace")))

    def check_record(self, rec, data):
        """Fields every JSONL record must satisfy against the input bytes."""
        for key in ("file", "line", "col", "start", "end", "text", "entry", "category",
                    "action"):
            self.assertIn(key, rec)
        self.assertIn(rec["action"], ("block", "review"))
        self.assertLess(rec["start"], rec["end"])
        self.assertLessEqual(rec["end"], len(data))
        self.assertEqual(data[rec["start"]:rec["end"]].decode("utf-8"), rec["text"])
        self.assertEqual((rec["line"], rec["col"]), line_col(data, rec["start"]), rec)


class TestCommandLine(CliTestCase):
    def test_help(self):
        p = self.run_shai("--help")
        self.assert_exit(p, 0)
        out = p.stdout.decode()
        self.assertIn("Usage: shai COMMAND", out)
        self.assertRegex(out, r"\n  scan +\S")
        self.assertEqual(p.stderr, b"")

    def test_scan_help_documents_everything(self):
        for args in (["scan", "--help"], ["scan", "-h"], ["help", "scan"]):
            p = self.run_shai(*args)
            self.assert_exit(p, 0)
            out = p.stdout.decode()
            self.assertIn("Usage: shai scan", out)
            for word in ("--lexicon", "--format", "--overlapping", "text", "jsonl",
                         "SHAI_DEFAULT_LEXICON", "Exit status", "<stdin>", "FILE:LINE:COL",
                         "start", "end", "entry", "category", "action", "tag", "suggestion"):
                self.assertIn(word, out, args)

    def test_version(self):
        for args in (["--version"], ["scan", "--version"]):
            p = self.run_shai(*args)
            self.assert_exit(p, 0)
            self.assertRegex(p.stdout.decode(), r"^shai \d+\.\d+\.\d+")

    def test_usage_errors(self):
        lex = self.lexicon()
        cases = [
            [],
            ["frobnicate"],
            ["--frobnicate"],
            ["scan", "--frobnicate"],
            ["scan", "-Z"],
            ["scan", "--format=xml"],
            ["scan", "--format"],
            ["scan", "--lexicon"],
            ["scan", "--overlapping=yes"],
            ["help", "frobnicate"],
        ]
        for args in cases:
            p = self.run_shai(*args, input="赌博\n")
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout, b"", args)
            self.assertTrue(p.stderr.startswith(b"shai"), (args, p.stderr))
        # Path options given twice or empty name the option.
        db = os.path.join(self.tmp, "usage.shai")
        for args, message in (
            (["scan", "--db", db, "--db", db], b"only one --db may be given"),
            (["scan", "--db="], b"empty db path"),
            (["stats", "--db", db, "--db", db], b"only one --db may be given"),
            (["stats", "--db="], b"empty db path"),
            (["compile", lex, "-o", db, "-o", db], b"only one --output may be given"),
            (["compile", lex, "--output="], b"empty output path"),
        ):
            p = self.run_shai(*args)
            self.assert_exit(p, 2)
            self.assertIn(message, p.stderr, args)
        self.assertFalse(os.path.exists(db))
        # Option syntax variants that must work.
        for args in (["--lexicon", lex], ["--lexicon=" + lex], ["-L", lex], ["-L" + lex]):
            p = self.scan(*args, "--format", "jsonl", input="网络赌博\n")
            self.assert_exit(p, 1)
            self.assertEqual(len(self.jsonl(p.stdout)), 1)

    def test_double_dash_ends_options(self):
        lex = self.lexicon()
        f = self.write("--overlapping", "赌博\n")
        p = self.scan("-L", lex, "--", f, cwd=self.tmp)
        self.assert_exit(p, 1)
        p = self.scan("-L", lex, "--", "--overlapping", cwd=self.tmp)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "--overlapping:1:1: 赌博 [gambling/block]\n")


class TestScanOutput(CliTestCase):
    def test_text_output_exact(self):
        lex = self.lexicon()
        src = self.write("comments.c", (
            "// 这段代码过滤评论：比如“网络赌博”和“六合彩”都要拦截。\n"
            "/* 本店代开发票，价格最好！ */\n"
            "\n"
            'print("casino royale")  # 提到casino也算\n'
            "int main(void) { return 0; }\n"))
        p = self.scan("--lexicon", lex, src)
        self.assert_exit(p, 1)
        self.assertEqual(p.stderr, b"")
        self.assertEqual(p.stdout.decode("utf-8").splitlines(), [
            src + ":1:18: 赌博 [gambling/block]",
            src + ":1:23: 六合彩 [gambling/review]",
            src + ":2:6: 代开发票 [fraud/block]",
            src + ":2:13: 最好 [ad-law/review]",
            src + ":4:8: casino [gambling/block]",
            src + ":4:29: casino [gambling/block]",
        ])

    def test_jsonl_fields(self):
        lex = self.lexicon()
        text = ("第一行：普通文字 plain ASCII\n"
                "😀🎉 表情后面是赌博，再来 casino!\n"
                "Ünïcödé 混合 代开发票 ok 最好\n"
                "no newline at end: 刷单")
        data = text.encode("utf-8")
        f = self.write("mixed.txt", data)
        p = self.scan("--lexicon", lex, "--format", "jsonl", f)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        for r in recs:
            self.check_record(r, data)
            self.assertEqual(r["file"], f)
        got = [(r["line"], r["col"], r["text"], r["entry"], r["category"], r["action"],
                r.get("tag"), r.get("suggestion")) for r in recs]
        self.assertEqual(got, [
            (2, 9, "赌博", "赌博", "gambling", "block", None, None),
            (2, 15, "casino", "casino", "gambling", "block", None, None),
            (3, 12, "代开发票", "代开发票", "fraud", "block", "invoice", "开具发票"),
            (3, 20, "最好", "最好", "ad-law", "review", None, "很好"),
            (4, 20, "刷单", "刷单", "fraud", "block", None, None),
        ])
        # Members that the entry lacks are absent, not null.
        self.assertNotIn("tag", recs[0])
        self.assertNotIn("suggestion", recs[0])
        # Byte offsets, explicitly.
        self.assertEqual(recs[0]["start"], data.index("赌博".encode()))
        self.assertEqual(recs[-1]["end"], len(data))

    def test_entry_is_lexicon_spelling(self):
        # The normalizer folds case: the hit text is the input's spelling,
        # `entry` the lexicon's.
        lex = self.lexicon("@category spam\nqq\n")
        data = "加我QQ领取红包\n".encode()
        p = self.scan("-L", lex, "-f", "jsonl", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["text"], r["entry"]) for r in recs], [("QQ", "qq")])
        self.check_record(recs[0], data)

    def test_overlapping_vs_default(self):
        lex = self.lexicon()
        data = "他在网上赌博彩票亏了钱\n".encode()
        p = self.scan("-L", lex, "-f", "jsonl", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([r["text"] for r in recs], ["网上赌博"])
        p = self.scan("-L", lex, "-f", "jsonl", "--overlapping", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        for r in recs:
            self.check_record(r, data)
        # Ordered by end, longer first.
        self.assertEqual([(r["text"], r["col"]) for r in recs],
                         [("网上赌博", 3), ("赌博", 5), ("博彩", 6)])
        p = self.scan("-L", lex, "--overlapping", input=data)
        self.assertEqual(p.stdout.decode().splitlines(), [
            "<stdin>:1:3: 网上赌博 [gambling/block]",
            "<stdin>:1:5: 赌博 [gambling/block]",
            "<stdin>:1:6: 博彩 [gambling/block]",
        ])

    def test_allow_entries_suppress(self):
        lex = self.lexicon()
        data = "他研究中国赌博史多年。\n他反对网络赌博。\n".encode()
        for mode in ([], ["--overlapping"]):
            p = self.scan("-L", lex, "-f", "jsonl", *mode, input=data)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["line"], r["col"], r["text"]) for r in recs],
                             [(2, 6, "赌博")], mode)
        p = self.scan("-L", lex, input="他研究中国赌博史多年。\n")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")

    def test_allow_entry_in_another_file(self):
        deny = self.write("lex/deny.txt", "@category abuse\n傻\n")
        allow = self.write("lex/zz-allow.txt", "@allow\n傻瓜相机\n")
        self.assertTrue(os.path.exists(allow))
        p = self.scan("-L", os.path.dirname(deny), input="买了台傻瓜相机，别说我傻。\n")
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:12: 傻 [abuse/block]\n")

    def test_latin_word_boundary(self):
        lex = self.lexicon("@category abuse\nass\nqq\n")
        cases = [
            ("first class", []),
            ("classic assassin", []),
            ("kiss my ass!", ["ass"]),
            ("ass", ["ass"]),
            ("you ass123", []),
            ("加我qq号", ["qq"]),
            ("qqq123", []),
            ("qq123", []),
            ("(qq)", ["qq"]),
            ("éass", []),
            ("ｘass", []),
            ("assé", []),
            ("2ass", []),
            ("×ass÷", ["ass"]),
            ("蠢ass蛋", ["ass"]),
        ]
        for text, want in cases:
            p = self.scan("-L", lex, "-f", "jsonl", input=text + "\n")
            self.assert_exit(p, 1 if want else 0)
            self.assertEqual([r["text"] for r in self.jsonl(p.stdout)], want, text)

    def test_tag_suggestion_and_json_escaping(self):
        lex = self.lexicon('@category fraud\n刷单\ttag=a"b\\c suggestion=说"明\\x\n')
        name = self.write("we\"ird\\name\t.txt", "在线刷单\n")
        raw_name = os.fsencode(self.tmp) + b"/bad\xffname.txt"
        with open(raw_name, "wb") as f:
            f.write("在线刷单\n".encode())
        p = subprocess.run([os.fsencode(BIN), b"scan", b"-L", os.fsencode(lex), b"-f",
                            b"jsonl", os.fsencode(name), raw_name],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env())
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual(len(recs), 2)
        self.assertEqual(recs[0]["file"], name)
        self.assertEqual(recs[0]["tag"], 'a"b\\c')
        self.assertEqual(recs[0]["suggestion"], '说"明\\x')
        # Invalid UTF-8 in a file name becomes U+FFFD; control characters are
        # escaped, so each record stays on one line.
        self.assertEqual(recs[1]["file"], os.fsdecode(self.tmp) + "/bad\ufffdname.txt")
        self.assertIn(b"\\t.txt", p.stdout)
        self.assertIn(b"\\ufffd", p.stdout)


class TestExitCodesAndErrors(CliTestCase):
    def test_exit_codes(self):
        lex = self.lexicon()
        clean = self.write("clean.txt", "今天天气很好，适合出去散步。\n")
        dirty = self.write("dirty.txt", "禁止网络赌博。\n")
        p = self.scan("-L", lex, clean)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(p.stderr, b"")
        p = self.scan("-L", lex, clean, dirty)
        self.assert_exit(p, 1)
        self.assertEqual(p.stderr, b"")
        # A missing file is an error (2) even with hits; the other files are
        # still scanned, in order.
        missing = self.path("missing.txt")
        p = self.scan("-L", lex, dirty, missing, dirty)
        self.assert_exit(p, 2)
        self.assertEqual(p.stdout.decode().splitlines(),
                         [dirty + ":1:5: 赌博 [gambling/block]"] * 2)
        err = p.stderr.decode()
        self.assertTrue(err.startswith("shai: "), err)
        self.assertIn(missing, err)
        p = self.scan("-L", lex, missing)
        self.assert_exit(p, 2)

    def test_match_limit_names_the_line_and_goes_on(self):
        # A rule that gives up on one line: its hits and every other hit are
        # printed, the line is named on standard error, the next lines and
        # files are scanned, and the exit status is 2 (issue #19).
        lex = self.lexicon("@category spam\n@action review\nre:k(?:a+)+b\n"
                           "@category gambling\n@action block\n赌博\n")
        pad = "k" + "a" * 40 + "cb"
        a = self.write("a.txt", "赌博\n%s kab 赌博\n好\n%s\n赌博\n" % (pad, pad))
        # a long line (over one read) that hits the limit at its start,
        # and a last line without a line break
        b = self.write("b.txt", "%s %s kab\n赌博\n%s" % (pad, " " * 200000, pad))
        want_out = [a + ":1:1: 赌博 [gambling/block]",
                    a + ":2:45: kab [spam/review]",  # a line's hits by column
                    a + ":2:49: 赌博 [gambling/block]",
                    a + ":5:1: 赌博 [gambling/block]",
                    b + ":1:200046: kab [spam/review]",
                    b + ":2:1: 赌博 [gambling/block]"]
        msg = "a regular expression rule hit its match limit; the line may hold more hits"
        want_err = ["shai: %s:%d: %s" % (a, 2, msg), "shai: %s:%d: %s" % (a, 4, msg),
                    "shai: %s:%d: %s" % (b, 1, msg), "shai: %s:%d: %s" % (b, 3, msg)]
        for j in ("-j1", "-j2", "-j3"):
            p = self.scan("-L", lex, j, a, b)
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout.decode().splitlines(), want_out, j)
            self.assertEqual(p.stderr.decode().splitlines(), want_err, j)
        with open(a, "rb") as f:
            p = self.scan("-L", lex, "-j1", input=f.read())
        self.assert_exit(p, 2)
        self.assertEqual(p.stderr.decode().splitlines(),
                         ["shai: <stdin>:2: " + msg, "shai: <stdin>:4: " + msg])

    def test_match_limit_rescans_within_budget(self):
        # The padding of issue #19 item 1 on every line, with a rule that
        # backtracks on it: the library bounds the scan's rule work by its
        # budget (32 times a rule gives up, plus one per 16 KiB); naming the
        # lines must not scan each one again with a budget of its own (1500
        # lines: 1500 budgets). As many lines as the scan's budget are named,
        # the rest of the scan's lines as one range.
        lex = self.lexicon("@category contact\n@action review\n"
                           "re:wechat\\s?[a-z_0-9]{8,}\nre:wechat(?:\\s|\\s)*[:：]\n")
        n = 1500
        line = "wechat" + " " * 200 + "。wechat abc_12345\n"
        f = self.write("pad.txt", line * n)
        size = len((line * n).encode())
        budget = 32 + size // 16384  # one block of the parallel engine
        msg = "a regular expression rule hit its match limit; the line may hold more hits"
        p = self.scan("-L", lex, "-j2", f)
        self.assert_exit(p, 2)
        err = p.stderr.decode().splitlines()
        named = [e for e in err if e.endswith(msg)]
        self.assertEqual(named, ["shai: %s:%d: %s" % (f, i, msg) for i in range(1, budget + 1)])
        self.assertEqual(len(err), budget + 1)
        self.assertRegex(err[-1], r"^shai: %s:%d-%d: a regular expression rule may have hit its "
                         r"match limit on these lines .*they may hold more hits$"
                         % (re.escape(f), budget + 1, n))
        # the hits found are printed, in order
        out = p.stdout.decode().splitlines()
        self.assertTrue(out and all(o.endswith("wechat abc_12345 [contact/review]") for o in out))
        # -j1: a read's lines are one scan (a budget each), named the same way
        p = self.scan("-L", lex, "-j1", f)
        self.assert_exit(p, 2)
        err = p.stderr.decode().splitlines()
        self.assertLess(len([e for e in err if e.endswith(msg)]), n // 4)
        self.assertTrue(any("-" in e.split(":")[2] for e in err), err[-1])

    def test_malformed_lexicon(self):
        bad = self.write("lexicons/bad.txt", "@category x\n赌博\n@colour red\n")
        p = self.scan("-L", bad, input="赌博\n")
        self.assert_exit(p, 2)
        self.assertEqual(p.stdout, b"")
        err = p.stderr.decode()
        self.assertTrue(err.startswith("shai: "), err)
        self.assertRegex(err, re.escape(bad) + r":3:\d+: .*colour")
        # The same error when the file is found through a directory.
        p = self.scan("-L", os.path.dirname(bad), input="赌博\n")
        self.assert_exit(p, 2)
        self.assertRegex(p.stderr.decode(), r"bad\.txt:3:\d+: .*colour")
        bad2 = self.write("bad2.txt", "# ok\n赌博\n六合彩\tactoin=block\n")
        p = self.scan("-L", bad2, input="赌博\n")
        self.assert_exit(p, 2)
        self.assertRegex(p.stderr.decode(), re.escape(bad2) + r":3:\d+: .*actoin")

    def test_missing_lexicon(self):
        p = self.scan("-L", self.path("nope.txt"), input="赌博\n")
        self.assert_exit(p, 2)
        self.assertIn("nope.txt", p.stderr.decode())

    def test_write_error(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        lex = self.lexicon()
        with open("/dev/full", "wb") as full:
            p = self.scan("-L", lex, input="网络赌博\n" * 1000, stdout=full)
        self.assert_exit(p, 2)
        self.assertIn("shai: ", p.stderr.decode())


class TestInputs(CliTestCase):
    def test_stdin_and_dash(self):
        lex = self.lexicon()
        a = self.write("a.txt", "甲：赌博\n")
        b = self.write("b.txt", "乙：\n丙：刷单\n")
        stdin = "从标准输入来的六合彩\n"
        p = self.scan("-L", lex, input=stdin)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:8: 六合彩 [gambling/review]\n")
        p = self.scan("-L", lex, a, "-", b, input=stdin)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode().splitlines(), [
            a + ":1:3: 赌博 [gambling/block]",
            "<stdin>:1:8: 六合彩 [gambling/review]",
            b + ":2:3: 刷单 [fraud/block]",
        ])

    def test_several_files_offsets_are_per_file(self):
        lex = self.lexicon()
        files = []
        for i in range(5):
            data = ("第%d个文件\n" % i + "前缀" * i + "赌博\n").encode()
            files.append((self.write("f%d.txt" % i, data), data))
        p = self.scan("-L", lex, "-f", "jsonl", *[f for f, _ in files])
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([r["file"] for r in recs], [f for f, _ in files])
        for r, (_, data) in zip(recs, files):
            self.check_record(r, data)

    def test_invalid_utf8_and_nul(self):
        lex = self.lexicon("@category spam\nqq\n赌博\n")
        data = (b"\xff\xfe\x00\x00abc \xe8\xb5\xe8\xb5\x8c\xe5\x8d\x9a\x00qq\x80 end\n"
                b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe8\xb5\x8c\xe5\x8d\x9a\n"
                b"\x00\x00\x00qq\x00" + b"\xf0\x9f\x98" + "赌博".encode())
        f = self.write("bad.bin", data)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        for r in recs:
            self.check_record(r, data)
        self.assertEqual([(r["line"], r["col"], r["text"]) for r in recs], [
            (1, 11, "赌博"),
            (1, 14, "qq"),
            (2, 10, "赌博"),
            (3, 4, "qq"),
            (3, 10, "赌博"),
        ])
        # The text format prints the same positions.
        p = self.scan("-L", lex, f)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "".join(
            "%s:%d:%d: %s [spam/block]\n" % (f, r["line"], r["col"], r["text"])
            for r in recs))

    def test_only_garbage(self):
        lex = self.lexicon()
        rng = random.Random(SEED)
        data = bytes(rng.choice([0x00, 0x80, 0xbf, 0xc0, 0xe8, 0xf5, 0xff, 0x0a])
                     for _ in range(200000))
        p = self.scan("-L", lex, "--overlapping", input=data)
        self.assert_exit(p, 0)

    def test_hit_split_across_reads(self):
        # Regular files are read in 64 KiB pieces: put hits across each
        # boundary position of a 3-byte character.
        lex = self.lexicon()
        for shift in range(4):
            pad = 65536 * 2 - shift
            data = b"x" * (pad - 1) + b" " + "赌博".encode() + b" " + b"y" * 100 + b"\n"
            f = self.write("split%d.txt" % shift, data)
            p = self.scan("-L", lex, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["start"], r["col"]) for r in recs], [(pad, pad + 1)])

    def test_pipe_with_tiny_writes(self):
        lex = self.lexicon()
        rng = random.Random(SEED)
        text = "".join(rng.choice(["普通文字", "赌博", "，", "\n", "casino ", "😀", "abc "])
                       for _ in range(3000))
        data = text.encode()
        # `with` closes the pipes: no ResourceWarning
        with subprocess.Popen([BIN, "scan", "-L", lex, "-f", "jsonl", "--overlapping"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=self.env()) as proc:

            def feed():
                i = 0
                while i < len(data):
                    n = rng.randint(1, 7)
                    proc.stdin.write(data[i:i + n])
                    proc.stdin.flush()
                    i += n
                proc.stdin.close()

            t = threading.Thread(target=feed)
            t.start()
            out = proc.stdout.read()
            err = proc.stderr.read()
            t.join()
            proc.wait()
        self.assertEqual(proc.returncode, 1, err)
        recs = self.jsonl(out)
        for r in recs:
            self.check_record(r, data)
        self.assertEqual(len(recs), text.count("赌博") + text.count("casino"))

    def test_long_line(self):
        # One 5 MB line: hits at the very start, in the middle (across a read
        # boundary) and at the very end.
        lex = self.lexicon()
        filler = "今天天气很好，我们一起去公园散步吧。Hello world 123! 😀 ".encode()
        size = 5 * 1024 * 1024
        body = bytearray(filler * (size // len(filler) + 1))[:size]
        # Cut the filler at a character boundary.
        body = bytearray(body.decode("utf-8", errors="ignore").encode())
        head = "赌博".encode()
        mid_at = 65536 * 40 - 1
        # Make room so that 六合彩 starts exactly at mid_at, after a space.
        prefix = bytes(body[:mid_at - len(head) - 1])
        prefix = prefix.decode("utf-8", errors="ignore").encode()
        prefix += b" " * (mid_at - len(head) - len(prefix))
        tail = bytes(body[mid_at:]).decode("utf-8", errors="ignore").encode()
        data = head + prefix + "六合彩".encode() + b" " + tail + "，casino".encode()
        self.assertEqual(data.index("六合彩".encode()), mid_at)
        f = self.write("long.txt", data)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["text"], r["start"], r["end"]) for r in recs], [
            ("赌博", 0, 6),
            ("六合彩", mid_at, mid_at + 9),
            ("casino", len(data) - 6, len(data)),
        ])
        for r in recs:
            self.check_record(r, data)
        self.assertEqual(recs[2]["col"], len(data.decode()) - 5)

    def test_many_lines(self):
        # An ~8 MB file of many lines, a hit every 997th line.
        lex = self.lexicon()
        parts = []
        expected = []
        offset = 0
        for i in range(1, 150001):
            if i % 997 == 0:
                line = "第%d行：有人在评论里推广赌博网站。\n" % i
                col = line.index("赌博") + 1
                start = offset + len(line[:col - 1].encode())
                expected.append((i, col, start))
            else:
                line = "第%d行：这是一条普通的评论，没有任何问题。\n" % i
            b = line.encode()
            parts.append(b)
            offset += len(b)
        data = b"".join(parts)
        self.assertGreater(len(data), 8_000_000)
        f = self.write("many.txt", data)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["line"], r["col"], r["start"]) for r in recs], expected)
        p = self.scan("-L", lex, f)
        self.assertEqual(len(p.stdout.splitlines()), len(expected))

    @slow
    def test_memory_stays_bounded_on_a_long_line(self):
        # A 96 MB line through a pipe must not be kept in memory.
        lex = self.lexicon()
        unit = "一条很长很长的单行评论，没有换行 abc 123 ".encode()
        total = 96 * 1024 * 1024
        count = total // len(unit)
        end = "赌博".encode()

        def peak_rss(n_units):
            def feed(stdin):
                block = unit * 4096
                left = n_units
                while left >= 4096:
                    stdin.write(block)
                    left -= 4096
                stdin.write(unit * left + end)

            rc, out, err, rss = peak_rss_of([BIN, "scan", "-L", lex, "-f", "jsonl"],
                                            self.env(), feed)
            self.assertEqual(rc, 1, err)
            recs = self.jsonl(out)
            self.assertEqual([(r["start"], r["col"]) for r in recs],
                             [(len(unit) * n_units, len(unit.decode()) * n_units + 1)])
            return rss

        small = peak_rss(16)
        big = peak_rss(count)
        self.assertLess(big - small, 40 * 1024 * 1024,
                        "peak RSS grew from %d to %d bytes" % (small, big))


class TestDefaultLexicon(CliTestCase):
    def test_env_override(self):
        d = os.path.join(self.tmp, "default")
        self.write("default/words.txt", "@category drugs\n冰毒\n")
        p = self.scan(input="出售冰毒\n", env=self.env(SHAI_DEFAULT_LEXICON=d))
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:3: 冰毒 [drugs/block]\n")
        # --lexicon replaces the default, even a broken one.
        lex = self.lexicon()
        p = self.scan("-L", lex, input="出售冰毒\n",
                      env=self.env(SHAI_DEFAULT_LEXICON=self.path("nowhere")))
        self.assert_exit(p, 0)

    def test_missing_default(self):
        where = self.path("nowhere")
        p = self.scan(input="出售冰毒\n", env=self.env(SHAI_DEFAULT_LEXICON=where))
        self.assert_exit(p, 2)
        self.assertIn(where, p.stderr.decode())

    def test_bundled_wordlists_load(self):
        if not SOURCE_DIR:
            self.skipTest("SHAI_SOURCE_DIR not set")
        wordlists = os.path.join(SOURCE_DIR, "wordlists")
        env = self.env(SHAI_DEFAULT_LEXICON=wordlists)
        p = self.scan(input="今天天气不错。\n", env=env)
        self.assertIn(p.returncode, (0, 1), p.stderr.decode())
        self.assertEqual(p.stderr, b"")
        p = self.scan("-f", "jsonl", "--overlapping", input="网上赌博\n", env=env)
        self.assertIn(p.returncode, (0, 1), p.stderr.decode())
        for r in self.jsonl(p.stdout):
            self.check_record(r, "网上赌博\n".encode())

    def test_bundled_rules_cost_is_bounded(self):
        # Padding chosen to make the contact rules backtrack (issue #19):
        # they must neither hit PCRE2's limits nor hide the contact after it.
        if not SOURCE_DIR:
            self.skipTest("SHAI_SOURCE_DIR not set")
        env = self.env(SHAI_DEFAULT_LEXICON=os.path.join(SOURCE_DIR, "wordlists"))
        cases = [
            ("wechat" + " " * 200 + "。wechat abc_12345", ["wechat abc_12345"]),
            (("加v" + " " * 60 + "信" + " " * 60 + "号" + " " * 60) * 20 + "加v abc_12345",
             ["加v abc_12345"]),
            (("qq" + " " * 300 + "号") * 10 + " qq 123456", ["qq 123456"]),
            ("x@" + "a." * 50000 + "1 y@b.cn", ["y@b.cn"]),
            (("13" + " " * 1000) * 100 + "13812345678", ["13812345678"]),
            ("a" * 100000 + "@ www.a.cn", ["www.a.cn"]),
            (("a" * 70 + ".") * 5000 + " bb.com", ["bb.com"]),
        ]
        for text, want in cases:
            p = self.scan("-f", "jsonl", input=text + "\n", env=env)
            self.assertEqual(p.stderr, b"", text[:40])
            self.assert_exit(p, 1)
            rules = ("phone", "qq", "wechat", "url", "domain", "email")
            got = [r["text"] for r in self.jsonl(p.stdout) if r.get("tag") in rules]
            self.assertEqual(got, want, text[:40])


class TestDifferential(CliTestCase):
    """Random texts over an alphabet the normalizer leaves alone, against a
    naive matcher. No character is ever doubled (the matcher may let a doubled
    character stand for a single one) and there are no noise characters
    (which may be skipped inside a word); '\n' must always separate words."""

    TEXT_ALPHABET = ["a", "b", "c", "1", "2", "赌", "博", "网", "中", "\n"]
    ENTRY_ALPHABET = ["a", "b", "c", "1", "赌", "博", "网"]

    @staticmethod
    def undoubled(rng, alphabet, n):
        out = []
        while len(out) < n:
            ch = rng.choice(alphabet)
            if not out or out[-1] != ch:
                out.append(ch)
        return "".join(out)

    def round(self, rng, n_files=60):
        entries = set()
        while len(entries) < rng.randint(4, 12):
            entries.add(self.undoubled(rng, self.ENTRY_ALPHABET, rng.randint(1, 4)))
        entries = sorted(entries)
        lex = self.lexicon("@category test\n@variants none\n" + "".join(e + "\n" for e in entries),
                           name="diff.txt")
        texts = {}
        for i in range(n_files):
            n = rng.randint(0, 400)
            text = self.undoubled(rng, self.TEXT_ALPHABET, n)
            texts[self.write("d/%03d.txt" % i, text)] = text
        files = sorted(texts)
        ctx = "seed %d, entries %r" % (SEED, entries)
        for mode in ("overlapping", "default"):
            args = ["--overlapping"] if mode == "overlapping" else []
            p = self.scan("-L", lex, "-f", "jsonl", *args, *files)
            self.assertIn(p.returncode, (0, 1), p.stderr.decode())
            got = {f: [] for f in files}
            for r in self.jsonl(p.stdout):
                got[r["file"]].append(r)
            for f in files:
                text = texts[f]
                data = text.encode()
                for r in got[f]:
                    self.check_record(r, data)
                    self.assertEqual(r["text"], r["entry"])
                hits = [(r["start"], r["end"], r["entry"]) for r in got[f]]
                want = naive_overlapping(text, entries)
                if mode == "overlapping":
                    self.assertEqual(sorted(hits), sorted(want), "%s %r %s" % (mode, text, ctx))
                    self.assertEqual(len(hits), len(set(hits)), ctx)
                    keys = [(e, -(e - s)) for s, e, _ in hits]
                    self.assertEqual(keys, sorted(keys), "order %r %s" % (text, ctx))
                else:
                    self.assertEqual(hits, leftmost_longest(want), "%s %r %s" % (mode, text, ctx))

    def test_random(self):
        rng = random.Random(SEED)
        for _ in range(4):
            self.round(rng)



def read_pty(master):
    """All that the process wrote to the terminal whose slave is closed: a
    pty hands data on in pieces (its flip buffer is pushed by a kernel
    worker), so one read may see only the first; read until EIO."""
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk


def peak_rss_of(argv, env, feed=None):
    """Run argv to completion, with feed(stdin) writing its standard input
    when given; (returncode, stdout, stderr, peak RSS in bytes). Under ASan
    the quarantine of freed memory (256 MB by default) is kept at 1 MB: the
    RSS it holds is ASan's, not the program's."""
    env = dict(env)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if feed else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = []

    def reader():
        out.append(proc.stdout.read())
        out.append(proc.stderr.read())

    t = threading.Thread(target=reader)
    t.start()
    if feed:
        feed(proc.stdin)
        proc.stdin.close()
    t.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, out[0], out[1], usage.ru_maxrss * 1024


class TestSavedDb(CliTestCase):
    INPUT = ("他在网上赌博彩票亏了钱\n"
             "他研究中国赌博史多年。\n"
             "本店代开发票，价格最好！casino royale\n"
             "\xff\x00 刷单 六合彩\n")

    def compile(self, *paths, out="lex.shai", extra=()):
        db = self.path(out)
        p = self.run_shai("compile", *extra, "-o", db, *paths)
        self.assert_exit(p, 0)
        self.assertTrue(os.path.getsize(db) > 0)
        return db, p

    def test_round_trip_same_output(self):
        lex = self.lexicon()
        db, p = self.compile(lex)
        self.assertEqual(p.stdout, b"")
        self.assertRegex(p.stderr.decode(),
                         r"^shai: compiled 9 entries \(3 categories\) into .*lex\.shai: "
                         r"\d+ bytes in \d+ ms\n$")
        data = self.INPUT.encode("utf-8", "surrogateescape")
        f = self.write("in.txt", data)
        for args in ([], ["--overlapping"], ["-f", "jsonl"], ["-f", "jsonl", "--overlapping"]):
            for j in ("-j1", "-j2"):
                a = self.scan("-L", lex, j, *args, f)
                b = self.scan("--db", db, j, *args, f)
                self.assert_exit(a, 1)
                self.assert_exit(b, 1)
                self.assertEqual(a.stdout, b.stdout, args)
                self.assertNotEqual(a.stdout, b"")
        p = self.scan("--db", db, f)
        self.assertEqual(p.stdout.decode().splitlines(), [
            f + ":1:3: 网上赌博 [gambling/block]",
            f + ":3:3: 代开发票 [fraud/block]",
            f + ":3:10: 最好 [ad-law/review]",
            f + ":3:13: casino [gambling/block]",
            f + ":4:4: 刷单 [fraud/block]",
            f + ":4:7: 六合彩 [gambling/review]",
        ])

    def test_directory_and_no_fold_db(self):
        self.write("dir/a.txt", "@category gambling\n赌博\n")
        self.write("dir/sub/b.txt", "@category spam\nvpn\n")
        db, _ = self.compile(self.path("dir"), extra=["--no-fold", "-q"])
        p = self.scan("--db", db, input="賭博 ＶＰＮ 赌博 vpn\n")
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:8: 赌博 [gambling/block]\n"
                                            "<stdin>:1:11: vpn [spam/block]\n")

    def test_verbose_and_quiet(self):
        lex = self.lexicon()
        db = self.path("v.shai")
        p = self.run_shai("compile", "-v", "-o", db, lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stderr, b"")
        self.assertRegex(p.stdout.decode(), r"^compiled 9 entries \(3 categories\) into "
                                            r".*v\.shai: \d+ bytes in \d+ ms\n$")
        p = self.run_shai("compile", "--quiet", "--output", db, "--lexicon", lex)
        self.assert_exit(p, 0)
        self.assertEqual((p.stdout, p.stderr), (b"", b""))

    def test_depfile(self):
        self.write("dir/a.txt", "赌博\n")
        self.write("dir/z/b.txt", "刷单\n")
        self.write("dir/not-a-lexicon.md", "x\n")
        dep = self.path("out.d")
        db, _ = self.compile(self.path("dir"), extra=["--depfile", dep, "-q"])
        with open(dep) as f:
            words = f.read().replace("\\\n", " ").split()
        self.assertEqual(words, [db + ":", self.path("dir/a.txt"), self.path("dir/z/b.txt"),
                                 self.path("dir"), self.path("dir/z")])

    def test_compile_errors(self):
        bad = self.write("bad.txt", "@category x\n赌博\n网上\t actoin=block\n")
        out = self.path("bad.shai")
        p = self.run_shai("compile", "-o", out, bad)
        self.assert_exit(p, 2)
        self.assertEqual(p.stdout, b"")
        self.assertRegex(p.stderr.decode(), "^shai: " + re.escape(bad) + r":3:5: .*actoin")
        self.assertFalse(os.path.exists(out))
        p = self.run_shai("compile", self.lexicon())
        self.assert_exit(p, 2)
        self.assertIn("--output", p.stderr.decode())
        p = self.run_shai("compile", "-o", out, self.path("missing.txt"))
        self.assert_exit(p, 2)
        self.assertIn("missing.txt", p.stderr.decode())
        self.assertFalse(os.path.exists(out))
        p = self.run_shai("compile", "-o", self.path("no/such/dir/x.shai"), self.lexicon())
        self.assert_exit(p, 2)
        self.assertIn("x.shai", p.stderr.decode())

    def test_compile_refuses_special_files(self):
        # -o never turns a FIFO, a socket or a directory into a db file: the
        # target is left as it was and nothing is written. Only stat() is
        # used here, so a FIFO that were opened by shai could not block us.
        import socket
        import stat
        lex = self.lexicon()
        fifo = self.path("fifo.shai")
        os.mkfifo(fifo)
        sock_path = self.path("sock.shai")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.bind(sock_path)
        folder = self.path("folder.shai")
        os.mkdir(folder)
        for target, kind, is_kind in ((fifo, "a FIFO", stat.S_ISFIFO),
                                      (sock_path, "a socket", stat.S_ISSOCK),
                                      (folder, "a directory", stat.S_ISDIR)):
            p = self.run_shai("compile", "-q", "-o", target, lex)
            self.assert_exit(p, 2)
            self.assertEqual(p.stderr.decode(),
                             "shai: %s: cannot write the db: not a regular file (%s)\n"
                             % (target, kind))
            self.assertTrue(is_kind(os.lstat(target).st_mode), target)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["empty-default", "fifo.shai", "folder.shai", "lex.txt", "sock.shai"])
        self.assertEqual(os.listdir(folder), [])

    def test_compile_temporary_is_not_predictable(self):
        # The old temporary was PATH.tmpPID, opened without O_EXCL: a symlink
        # planted there redirected the write into its target. The shell
        # plants one at its own pid, which exec gives to shai.
        lex = self.lexicon()
        victim = self.write("victim.txt", "keep me\n")
        out = self.path("out.shai")
        p = subprocess.run(["sh", "-c", 'ln -s "$1" "$2.tmp$$" && exec "$3" compile -q -o "$2" "$4"',
                            "sh", victim, out, BIN, lex], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env(), timeout=600)
        self.assert_exit(p, 0)
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"keep me\n")
        self.assertFalse(os.path.islink(out))
        self.assertEqual(self.scan("--db", out, input="赌博\n").returncode, 1)

    def test_compile_replaces_a_symlink_not_its_target(self):
        lex = self.lexicon()
        target = self.write("target.shai", "old contents\n")
        link = self.path("link.shai")
        os.symlink(target, link)
        p = self.run_shai("compile", "-q", "-o", link, lex)
        self.assert_exit(p, 0)
        self.assertFalse(os.path.islink(link))
        with open(target) as f:
            self.assertEqual(f.read(), "old contents\n")
        self.assertEqual(self.scan("--db", link, input="赌博\n").returncode, 1)
        # nothing else is left in the directory
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["empty-default", "lex.txt", "link.shai", "target.shai"])

    def test_compile_mode_follows_umask(self):
        lex = self.lexicon()
        for mask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
            out = self.path("m%o.shai" % mask)
            p = subprocess.run([BIN, "compile", "-q", "-o", out, lex], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env(), timeout=600, umask=mask)
            self.assert_exit(p, 0)
            self.assertEqual(os.stat(out).st_mode & 0o777, mode, oct(mask))
            # replacing an existing file gives the same mode
            os.chmod(out, 0o640)
            p = subprocess.run([BIN, "compile", "-q", "-o", out, lex], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env(), timeout=600, umask=mask)
            self.assert_exit(p, 0)
            self.assertEqual(os.stat(out).st_mode & 0o777, mode, oct(mask))

    def test_scan_db_errors(self):
        lex = self.lexicon()
        db, _ = self.compile(lex)
        cases = [
            (["--db", db, "-L", lex], "--lexicon"),
            (["--db", db, "--no-fold"], "compiled"),
            (["--db", self.path("missing.shai")], "missing.shai"),
            (["--db", lex], "not a shai db"),
            (["--db", self.tmp], "shai compile"),
        ]
        with open(db, "rb") as f:
            image = f.read()
        truncated = self.write("trunc.shai", image[:len(image) // 2])
        cases.append((["--db", truncated], "trunc.shai"))
        for args, needle in cases:
            p = self.scan(*args, input="赌博\n")
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout, b"", args)
            self.assertIn(needle, p.stderr.decode(), args)

    def test_default_db(self):
        lex = self.write("default.txt", "@category drugs\n冰毒\n")
        db, _ = self.compile(lex, out="default.shai")
        env = self.env(SHAI_DEFAULT_DB=db)
        del env["SHAI_DEFAULT_LEXICON"]
        p = self.scan(input="出售冰毒\n", env=env)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:3: 冰毒 [drugs/block]\n")
        p = self.run_shai("stats", "-f", "json", env=env)
        self.assert_exit(p, 0)
        self.assertEqual(json.loads(p.stdout)["source"], {"kind": "db", "paths": [db]})
        # SHAI_DEFAULT_LEXICON wins over any default db.
        p = self.scan(input="出售冰毒\n", env=self.env(SHAI_DEFAULT_DB=db))
        self.assert_exit(p, 0)
        # --no-fold compiles the default lexicon instead of opening the db.
        env2 = self.env(SHAI_DEFAULT_DB=self.path("missing.shai"),
                        SHAI_DEFAULT_LEXICON=lex)
        p = self.scan("--no-fold", input="出售冰毒\n", env=env2)
        self.assert_exit(p, 1)
        # A default db that cannot be opened is an error that names it.
        env3 = dict(env, SHAI_DEFAULT_DB=self.path("missing.shai"))
        p = self.scan(input="出售冰毒\n", env=env3)
        self.assert_exit(p, 2)
        self.assertIn("missing.shai", p.stderr.decode())
        self.assertIn("SHAI_DEFAULT_DB", p.stderr.decode())


class TestNoFold(CliTestCase):
    def test_evasions_need_fold(self):
        lex = self.lexicon("@category gambling\n赌博\n@category spam\nvpn\n")
        text = "賭博\nＶＰＮ\n赌*博\n赌博\nVPN\n"
        p = self.scan("-L", lex, input=text)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode().splitlines(), [
            "<stdin>:1:1: 賭博 [gambling/block]",
            "<stdin>:2:1: ＶＰＮ [spam/block]",
            "<stdin>:3:1: 赌*博 [gambling/block]",
            "<stdin>:4:1: 赌博 [gambling/block]",
            "<stdin>:5:1: VPN [spam/block]",
        ])
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, "--no-fold", j, input=text)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode(), "<stdin>:4:1: 赌博 [gambling/block]\n")
        p = self.scan("-L", lex, "--no-fold", input="賭博 ＶＰＮ 赌*博\n")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")


class TestThreads(CliTestCase):
    LEXICON = ("@category gambling\n赌博\n网上赌博\nbet365\n@category fraud\n刷单\n代开发票\n"
               "@category ad-law\n@action review\n最好\n@allow\n赌博史\n")

    def outputs_agree(self, args, input=b"", files=(), expect=1, jobs=("-j2", "-j3", "-j4")):
        base = self.scan(*args, "-j1", *files, input=input)
        self.assert_exit(base, expect)
        for j in jobs:
            p = self.scan(*args, j, *files, input=input)
            self.assert_exit(p, expect)
            self.assertTrue(p.stdout == base.stdout, "%s %s: output differs from -j1" % (args, j))
            self.assertEqual(p.stderr, base.stderr, (args, j))
        return base

    def big_input(self, size):
        rng = random.Random(SEED)
        pieces = ["今天天气很好，", "有人在网上赌博", "赌*博", "賭博", "中国赌博史", "刷单",
                  "bet365 ", "xbet365 ", "代开发票", "最好", "\n", "\n", "\r\n", "\x00",
                  "😀", "普通评论。", "ＶＰＮ"]
        out = bytearray()
        while len(out) < size:
            out += rng.choice(pieces).encode()
            if rng.random() < 0.01:
                out += bytes([rng.choice([0x80, 0xff, 0xe8, 0xc0])])
            if rng.random() < 0.0005:
                out += ("长" * rng.randint(1000, 300000)).encode()  # long lines
        return bytes(out)

    @slow
    def test_large_input_identical(self):
        lex = self.lexicon(self.LEXICON)
        data = self.big_input(10 * 1024 * 1024)  # more than two 4 MiB blocks
        f = self.write("big.txt", data)
        for args in ([], ["--overlapping"], ["-f", "jsonl"]):
            base = self.outputs_agree(["-L", lex, *args], files=[f])
            self.assertGreater(len(base.stdout.splitlines()), 10000)
        # The same through a pipe.
        self.outputs_agree(["-L", lex, "-f", "jsonl"], input=data, jobs=("-j2",))
        # Every record is right, not just the same.
        p = self.scan("-L", lex, "-f", "jsonl", "-j2", f)
        recs = self.jsonl(p.stdout)
        for r in recs[::97]:
            self.check_record(r, data)

    def test_many_files_identical(self):
        lex = self.lexicon(self.LEXICON)
        rng = random.Random(SEED)
        files = []
        for i in range(300):
            n = rng.choice([0, 1, 10, 100, 5000])
            text = "".join(rng.choice(["赌博", "刷单", "好", "\n", "a"]) for _ in range(n))
            files.append(self.write("many/%03d.txt" % i, text))
        files.insert(150, self.path("many/missing.txt"))
        base = self.outputs_agree(["-L", lex], files=files, expect=2)
        self.assertIn(b"missing.txt", base.stderr)
        self.assertEqual(base.stderr.count(b"\n"), 1)
        # Outputs of files keep the command-line order.
        seen = []
        for line in base.stdout.decode().splitlines():
            name = line.split(":", 1)[0]
            if not seen or seen[-1] != name:
                seen.append(name)
        self.assertEqual(seen, sorted(seen))
        self.outputs_agree(["-L", lex, "-f", "jsonl", "--overlapping"], files=files[:150])

    def test_directory_scanned_while_walked(self):
        # issue 18: with workers, the files of a directory are scanned as the
        # walk finds them; the output, -c, the summary and the exit status
        # are those of -j1 (walk order: byte order of names, depth first).
        lex = self.lexicon(self.LEXICON)
        rng = random.Random(SEED)
        root = self.path("tree")
        for i in range(400):
            d = "tree/%s/%s" % (rng.choice("abcde"), rng.choice(["", "x/", "y/z/", "Ä/"]))
            n = rng.choice([0, 1, 5, 50])
            text = "".join(rng.choice(["赌博", "刷单", "好", "\n", "a"]) for _ in range(n))
            self.write(d + "f%03d.txt" % i, text)
        self.write("tree/b/big.txt", ("赌博好\n" * 80000))  # over 512 KiB: blocks
        self.write("tree/c/page.html", "<p>网上&#36172;&#21338;</p>\n")
        self.write("tree/c/.hidden.txt", "赌博\n")
        self.write("tree/d/bin.dat", b"\x00\x01" + "赌博".encode())
        os.makedirs(self.path("tree/e"), exist_ok=True)
        os.symlink(self.path("tree/a"), self.path("tree/e/link"))
        f = self.write("named.txt", "刷单\n")
        for args in ([], ["-c"], ["--summary", "-f", "jsonl"], ["-l"]):
            self.outputs_agree(["-L", lex, *args], files=[f, root, "-", root + "/c"],
                               input="赌博\n")

    def test_walk_while_the_db_opens(self):
        # issue 18: with workers the walk starts while the db opens in a
        # thread of its own. A directory that cannot be read (its path is
        # over PATH_MAX: ENAMETOOLONG, even for root) is reported as with
        # -j1, before the files after it; when the db cannot be made,
        # nothing of the walk is printed, only why.
        lex = self.lexicon(self.LEXICON)
        self.write("tree/a/f.txt", "赌博\n")
        self.write("tree/c/g.txt", "刷单\n")
        fd = os.open(self.path("tree"), os.O_RDONLY)
        try:
            os.mkdir("b", dir_fd=fd)  # empty
            for _ in range(24):  # tree/ddd...: 24 levels of 200 bytes
                nfd = None
                os.mkdir("d" * 200, dir_fd=fd)
                nfd = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = nfd
            os.close(os.open("h.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
        finally:
            os.close(fd)
        root = self.path("tree")
        outs = set()
        for j in ("-j1", "-j2", "-j3"):
            p = self.scan("-L", lex, j, root)
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout.decode().splitlines(), [
                root + "/a/f.txt:1:1: 赌博 [gambling/block]",
                root + "/c/g.txt:1:1: 刷单 [fraud/block]"])
            err = p.stderr.decode()
            self.assertIn("File name too long", err)
            self.assertEqual(len(err.splitlines()), 1, err)
            outs.add((p.stdout, p.stderr))
            bad = self.write("bad.txt", "@category x\n@action never\n赌博\n")
            p = self.scan("-L", bad, j, root, self.path("missing.txt"))
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout, b"")
            err = p.stderr.decode()
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertIn("bad.txt", err)
            self.assertNotIn("too long", err)
            self.assertNotIn("missing.txt", err)
        self.assertEqual(len(outs), 1)

    def test_files_read_while_the_db_opens(self):
        # issue 18: with workers, the small files the walk finds while the db
        # opens are read by the workers meanwhile and scanned once it is
        # ready. A lexicon of 30,000 words takes long enough to compile that
        # many batches are read before it is. Every kind of file a worker
        # reads or leaves to the main thread: the output is -j1's; when the
        # db cannot be made (its last line is wrong), nothing of the files
        # read meanwhile is printed, only why.
        rng = random.Random(SEED)
        words = set()
        while len(words) < 30000:
            words.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 5))))
        big = "@category misc\n" + "\n".join(sorted(words)) + "\n" + self.LEXICON
        lex = self.lexicon(big)
        bad = self.write("bad.txt", big + "@category x\n@action never\n赌博\n")
        for i in range(1500):
            kind = rng.choice(["utf8", "utf8", "utf8", "bom", "gbk", "bin", "empty", "long"])
            body = "第%d个 " % i + rng.choice(["", "赌博", "刷单", "最好"]) * rng.randint(0, 2) + "\n"
            name = "tree/%02d/f%04d.txt" % (i % 30, i)
            if kind in self.ENCODED:
                self.write(name, self.ENCODED[kind](body))
            else:
                self.write(name, "好" * 2000 + body)  # over the 4 KiB a worker reads
        root = self.path("tree")
        named = self.write("named.txt", "刷单\n")
        outs = set()
        for j in ("-j1", "-j2", "-j3"):
            p = self.scan("-L", lex, j, "--summary", root, named)
            self.assert_exit(p, 1)
            self.assertGreater(len(p.stdout.splitlines()), 300)
            outs.add((p.stdout, p.stderr))
            p = self.scan("-L", bad, j, root, named)
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout, b"")
            err = p.stderr.decode()
            self.assertEqual(len(err.splitlines()), 1, err[:500])
            self.assertIn("bad.txt", err)
        self.assertEqual(len(outs), 1)

    @slow
    def test_giant_line_bounded(self):
        # A 40 MB line without '\n': the parallel reader gives up on blocks
        # after 16 MiB and streams the rest; memory stays bounded.
        lex = self.lexicon(self.LEXICON)
        unit = "一条很长很长的单行评论，赌博没有换行 abc 123 ".encode()
        n = 40 * 1024 * 1024 // len(unit)
        data = ("第一行 刷单\n".encode() + unit * n + "网上赌博".encode())
        f = self.write("giant.txt", data)
        small = self.write("small.txt", "第一行 刷单\n".encode() + unit * 100)
        argv = [BIN, "scan", "-L", lex, "-f", "jsonl"]
        rc1, out1, err1, _ = peak_rss_of(argv + ["-j1", f], self.env())
        rc2, out2, err2, rss_big = peak_rss_of(argv + ["-j2", f], self.env())
        rc3, _, _, rss_small = peak_rss_of(argv + ["-j2", small], self.env())
        self.assertEqual((rc1, rc2, rc3), (1, 1, 1), err2)
        self.assertEqual(err2, b"")
        self.assertTrue(out1 == out2, "-j2 output differs from -j1 on a giant line")
        recs = self.jsonl(out2)
        self.assertEqual(len(recs), n + 2)
        self.assertEqual((recs[-1]["line"], recs[-1]["text"], recs[-1]["end"]),
                         (2, "网上赌博", len(data)))
        self.assertLess(rss_big - rss_small, 36 * 1024 * 1024,
                        "peak RSS grew from %d to %d bytes" % (rss_small, rss_big))

    @slow
    def test_giant_line_then_more_files(self):
        lex = self.lexicon(self.LEXICON)
        giant = self.write("g.txt", b"\xe8" + "刷单".encode() * (6 * 1024 * 1024) +
                           "\n赌博\n".encode())
        other = self.write("o.txt", "赌博\n" * 1000)
        self.outputs_agree(["-L", lex], files=[other, giant, other, giant], jobs=("-j2",))

    def test_threads_option(self):
        lex = self.lexicon(self.LEXICON)
        for bad in ("0", "x", "-1", "257", "2x"):
            p = self.scan("-L", lex, "-j", bad, input="赌博\n")
            self.assert_exit(p, 2)
            self.assertIn("--threads", p.stderr.decode())
        for good in (["-j", "3"], ["-j3"], ["--threads=3"], ["--threads", "1"]):
            p = self.scan("-L", lex, *good, input="赌博\n")
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode(), "<stdin>:1:1: 赌博 [gambling/block]\n")

    def test_write_error_threads(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        lex = self.lexicon(self.LEXICON)
        f = self.write("w.txt", "网络赌博\n" * 300000)
        with open("/dev/full", "wb") as full:
            p = self.scan("-L", lex, "-j2", f, f, stdout=full)
        self.assert_exit(p, 2)
        self.assertIn("write error", p.stderr.decode())


class TestFold(CliTestCase):
    def test_evasions(self):
        p = self.run_shai("fold", "賭博", "ＶＰＮ", "赌*博", "赌 博", "赌\u200b博", "ⓓⓤ",
                          "fu\u0441k", "Ｄｕ博", "pórn", "①②③")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(),
                         ["赌博", "vpn", "赌*博", "赌 博", "赌博", "du", "fuck", "du博", "porn",
                          "123"])
        self.assertEqual(p.stderr, b"")

    def test_stdin_lines(self):
        data = "賭博\nＶＰＮ\n\n".encode() + b"\xff ab\x01c\r\n" + "最後".encode()
        p = self.run_shai("fold", input=data)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode(), "赌博\nvpn\n\n\ufffd ab\\x01c\\x0d\n最后\n")
        p = self.run_shai("fold", input=b"")
        self.assertEqual(p.stdout, b"")

    def test_long_line_from_stdin(self):
        line = "賭博ＶＰＮ" * 300000  # 4.5 MB, folded in pieces
        p = self.run_shai("fold", input=line + "\n" + line)
        self.assert_exit(p, 0)
        want = "赌博vpn" * 300000
        self.assertEqual(p.stdout.decode(), want + "\n" + want + "\n")

    def test_stages(self):
        p = self.run_shai("fold", "--no-t2s", "賭博ＶＰＮ")
        self.assertEqual(p.stdout.decode(), "賭博vpn\n")
        p = self.run_shai("fold", "--stages=t2s", "賭博ＶＰＮ")
        self.assertEqual(p.stdout.decode(), "赌博ＶＰＮ\n")
        p = self.run_shai("fold", "--stages", "width,case", "賭博ＶＰＮ")
        self.assertEqual(p.stdout.decode(), "賭博vpn\n")
        p = self.run_shai("fold", "--stages=none", "賭博ＶＰＮ\u200b")
        self.assertEqual(p.stdout.decode(), "賭博ＶＰＮ\u200b\n")
        p = self.run_shai("fold", "--stages=t2s,bogus", "x")
        self.assert_exit(p, 2)
        self.assertIn("bogus", p.stderr.decode())

    def test_verbose(self):
        p = self.run_shai("fold", "-v", "賭a\u200b")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode(), "赌a\n"
                                            "  賭 U+8CED -> 赌 U+8D4C\n"
                                            "  \u200b U+200B -> (nothing)\n")


class TestStats(CliTestCase):
    def test_text(self):
        lex = self.lexicon()
        p = self.run_shai("stats", "-l", lex)
        self.assert_exit(p, 0)
        out = p.stdout.decode()
        self.assertEqual(out.splitlines()[:11], [
            "source:       lexicon " + lex,
            "entries:      9",
            "  deny:       8 (block 6, review 2)",
            "  allow:      1",
            "  exact:      0",
            "  rules:      0",
            "categories:   3",
            "     block   review    allow    total  category",
            "         4        1        0        5  gambling",
            "         2        0        0        2  fraud",
            "         0        1        1        2  ad-law",
        ])
        self.assertRegex(out, r"\ndb size:      [1-9]\d* bytes\n")
        self.assertIn("\nfold stages:  width,compat,case,diacritics,confusables,t2s,"
                      "ignorables\nmax gap:      3\nrepeats:      on\n", out)
        self.assertRegex(out, r"\nfold tables:  \S+.*\nlibrary:      \d+\.\d+\.\d+\n$")

    def test_json_db_and_no_fold(self):
        lex = self.lexicon()
        db = self.path("s.shai")
        self.assert_exit(self.run_shai("compile", "-q", "-o", db, lex), 0)
        a = json.loads(self.run_shai("stats", "-l", lex, "-f", "json").stdout)
        b = json.loads(self.run_shai("stats", "--db", db, "--format=json").stdout)
        self.assertEqual(a["source"], {"kind": "lexicon", "paths": [lex]})
        self.assertEqual(b["source"], {"kind": "db", "paths": [db]})
        self.assertEqual(b["db_size"], os.path.getsize(db))
        del a["source"], b["source"]
        self.assertEqual(a, b)
        self.assertEqual((a["entries"], a["deny"], a["allow"], a["exact"], a["rules"]),
                         (9, {"block": 6, "review": 2}, 1, 0, 0))
        self.assertEqual(a["categories"][0], {"name": "gambling", "block": 4, "review": 1,
                                              "allow": 0})
        self.assertEqual(a["options"], {"fold": ["width", "compat", "case", "diacritics",
                                                 "confusables", "t2s", "ignorables"],
                                        "max_gap": 3, "repeats": True})
        self.assertTrue(a["fold_table_version"])
        c = json.loads(self.run_shai("stats", "-l", lex, "--no-fold", "-f", "json").stdout)
        self.assertEqual(c["options"], {"fold": [], "max_gap": 0, "repeats": False})
        p = self.run_shai("stats", "--db", db, "--no-fold")
        self.assert_exit(p, 2)
        p = self.run_shai("stats", lex)
        self.assert_exit(p, 2)


SCENES = """\
@scene comments
ad-law   off
fraud    review
*        keep

@scene strict
ad-law   review
*        block
@end
"""


class TestScenes(CliTestCase):
    TEXT = "最好的网上赌博，代开发票，六合彩\n"

    def lexicons(self):
        return ["--lexicon", self.lexicon(), "--lexicon", self.write("scenes.txt", SCENES)]

    def test_without_flags_the_output_is_unchanged(self):
        plain = self.scan("-L", self.lexicon(), input=self.TEXT)
        with_scenes = self.scan(*self.lexicons(), input=self.TEXT)
        self.assert_exit(with_scenes, 1)
        self.assertEqual(plain.stdout, with_scenes.stdout)
        self.assertEqual(with_scenes.stdout.decode(), (
            "<stdin>:1:1: 最好 [ad-law/review]\n"
            "<stdin>:1:4: 网上赌博 [gambling/block]\n"
            "<stdin>:1:9: 代开发票 [fraud/block]\n"
            "<stdin>:1:14: 六合彩 [gambling/review]\n"))

    def test_scene(self):
        p = self.scan(*self.lexicons(), "--scene", "comments", input=self.TEXT)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), (
            "<stdin>:1:4: 网上赌博 [gambling/block]\n"
            "<stdin>:1:9: 代开发票 [fraud/review]\n"
            "<stdin>:1:14: 六合彩 [gambling/review]\n"))
        p = self.scan(*self.lexicons(), "--scene=strict", "-f", "jsonl", input=self.TEXT)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["entry"], r["action"]) for r in recs], [
            ("最好", "review"), ("网上赌博", "block"), ("代开发票", "block"), ("六合彩", "block")])
        for r in recs:
            self.check_record(r, self.TEXT.encode())

    def test_only_ad_law_lines_pass_under_comments(self):
        p = self.scan(*self.lexicons(), "--scene", "comments", input="这是最好的\n")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")

    def test_categories(self):
        p = self.scan(*self.lexicons(), "--category", "gambling", input=self.TEXT)
        self.assertEqual(p.stdout.decode(), (
            "<stdin>:1:4: 网上赌博 [gambling/block]\n"
            "<stdin>:1:14: 六合彩 [gambling/review]\n"))
        p = self.scan(*self.lexicons(), "--category", "gambling", "--category", "ad-law",
                      "--exclude-category", "gambling", input=self.TEXT)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:1: 最好 [ad-law/review]\n")
        # a category the scene turns off counts again when named
        p = self.scan(*self.lexicons(), "--scene", "comments", "--category", "ad-law",
                      input=self.TEXT)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:1: 最好 [ad-law/review]\n")
        p = self.scan("-L", self.lexicon(), "--exclude-category", "ad-law", input=self.TEXT)
        self.assertNotIn("最好", p.stdout.decode())
        self.assertIn("网上赌博", p.stdout.decode())

    def test_threads_and_streaming_agree(self):
        data = (self.TEXT * 5000).encode()
        src = self.write("in.txt", data)
        outs = [self.scan(*self.lexicons(), "--scene", "comments", "-j", j, src).stdout
                for j in ("1", "3")]
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0].count(b"\n"), 3 * 5000)

    def test_saved_db_keeps_scenes(self):
        db = self.path("s.shai")
        self.assert_exit(self.run_shai("compile", "-q", "-o", db, *self.lexicons()[1::2]), 0)
        a = self.scan(*self.lexicons(), "--scene", "comments", input=self.TEXT)
        b = self.scan("--db", db, "--scene", "comments", input=self.TEXT)
        self.assertEqual(a.stdout, b.stdout)

    def test_errors(self):
        p = self.scan(*self.lexicons(), "--scene", "nope", input=self.TEXT)
        self.assert_exit(p, 2)
        self.assertIn("no scene 'nope' in the db (scenes: comments, strict)", p.stderr.decode())
        self.assertEqual(p.stdout, b"")
        p = self.scan("-L", self.lexicon(), "--scene", "comments", input=self.TEXT)
        self.assert_exit(p, 2)
        self.assertIn("it has no scenes", p.stderr.decode())
        for flag in ("--category", "--exclude-category"):
            p = self.scan(*self.lexicons(), flag, "gamblng", input=self.TEXT)
            self.assert_exit(p, 2)
            self.assertIn("no category 'gamblng' in the db", p.stderr.decode())
        bad = self.write("bad.txt", "@scene x\nad-law  blcok\n")
        p = self.scan("-L", bad, input=self.TEXT)
        self.assert_exit(p, 2)
        self.assertIn(bad + ":2:9: scene action must be 'off', 'review', 'block' or 'keep', "
                      "not 'blcok'", p.stderr.decode())

    def test_stats_lists_scenes(self):
        p = self.run_shai("stats", *self.lexicons())
        self.assert_exit(p, 0)
        out = p.stdout.decode()
        self.assertIn("\nscenes:       2\n"
                      "  comments: off: ad-law; review: fraud; others keep\n"
                      "  strict: review: ad-law; block: gambling, fraud\n"
                      "db size:", out)
        j = json.loads(self.run_shai("stats", *self.lexicons(), "-f", "json").stdout)
        self.assertEqual(j["scenes"], [
            {"name": "comments", "categories": {"gambling": "keep", "fraud": "review",
                                                "ad-law": "off"}, "scorers": {}},
            {"name": "strict", "categories": {"gambling": "block", "fraud": "block",
                                              "ad-law": "review"}, "scorers": {}},
        ])
        self.assertEqual(j["scorers"], [])
        p = self.run_shai("stats", "-l", self.lexicon())
        self.assertIn("\nscenes:       0\ndb size:", p.stdout.decode())

    def test_stats_corpus(self):
        corpus = self.write("corpus.txt", "这是最好的\n网上赌博，网上赌博\n代开发票\n今天天气不错\n")
        p = self.run_shai("stats", *self.lexicons(), "--corpus", corpus)
        self.assert_exit(p, 0)
        out = p.stdout.decode()
        self.assertIn("scene:        (none)\nlines:        4\n"
                      "  review:     1 (2500.0 per 10k)\n"
                      "  block:      2 (5000.0 per 10k)\nhits:         4\n", out)
        self.assertIn("\n         2        1  网上赌博 [gambling/block]\n", out)
        self.assertIn("entries:      3 hit, 6 never hit\n", out)
        p = self.run_shai("stats", *self.lexicons(), "--corpus", corpus, "--scene", "comments",
                          "-f", "json")
        j = json.loads(p.stdout)
        self.assertEqual((j["scene"], j["lines"], j["review"], j["block"], j["hits"]),
                         ("comments", 4, 1, 1, 3))
        self.assertEqual(j["entries"][0]["entry"], "网上赌博")
        self.assertEqual((j["entries"][0]["hits"], j["entries"][0]["lines"]), (2, 1))
        self.assertEqual([(e["entry"], e["action"]) for e in j["entries"]],
                         [("网上赌博", "block"), ("代开发票", "review")])
        cats = {c["name"]: (c["hits"], c["lines"]) for c in j["categories"]}
        self.assertEqual(cats, {"gambling": (2, 1), "fraud": (1, 1), "ad-law": (0, 0)})
        # standard input, and the policy options only with --corpus
        p = self.run_shai("stats", *self.lexicons(), "--corpus", "-", "-f", "json",
                          input="最好\n")
        self.assertEqual(json.loads(p.stdout)["review"], 1)
        p = self.run_shai("stats", *self.lexicons(), "--scene", "comments")
        self.assert_exit(p, 2)
        p = self.run_shai("stats", *self.lexicons(), "--corpus", self.path("missing.txt"))
        self.assert_exit(p, 2)
        self.assertIn("missing.txt", p.stderr.decode())

    def test_bundled_scenes(self):
        if not SOURCE_DIR:
            self.skipTest("SHAI_SOURCE_DIR not set")
        wordlists = os.path.join(SOURCE_DIR, "wordlists")
        j = json.loads(self.run_shai("stats", "-l", wordlists, "-f", "json").stdout)
        names = [s["name"] for s in j["scenes"]]
        for name in ("default", "comments", "ad-copy", "strict"):
            self.assertIn(name, names)
        scenes = {s["name"]: s["categories"] for s in j["scenes"]}
        self.assertEqual(set(scenes["default"].values()), {"keep"})
        self.assertEqual(scenes["comments"]["ad-law"], "off")
        self.assertEqual(scenes["ad-copy"]["ad-law"], "review")
        self.assertNotIn("off", scenes["strict"].values())
        text = "这家酒店是我住过最好的，服务第一\n"
        env = self.env(SHAI_DEFAULT_LEXICON=wordlists)
        plain = self.scan("-L", wordlists, input=text, env=env)
        default = self.scan("-L", wordlists, "--scene", "default", input=text, env=env)
        self.assertEqual(plain.stdout, default.stdout)
        self.assertIn("最好", plain.stdout.decode())
        comments = self.scan("-L", wordlists, "--scene", "comments", input=text, env=env)
        self.assertNotIn("ad-law", comments.stdout.decode())


class TestLint(CliTestCase):
    def lint(self, *args, **kw):
        return self.run_shai("lint", *args, **kw)

    def test_clean(self):
        lex = self.lexicon()
        p = self.lint(lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(p.stderr.decode(), "shai: lint: 0 errors, 0 warnings in 9 entries, "
                                            "1 file\n")
        p = self.lint("-q", "--strict", lex)
        self.assert_exit(p, 0)
        self.assertEqual((p.stdout, p.stderr), (b"", b""))

    def test_declared_categories(self):
        words = self.write("lex/a.txt", "@category gamblng\n赌博\n赌场\n@category abuse\n傻瓜\n"
                                        "@category hate\n地域黑\n")
        decl = self.write("lex/b.txt", "@categories gambling abuse\n@categories ad-law\n"
                                       "@scene c\nad-law off\nabsue review\n")
        p = self.lint(os.path.dirname(words))
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode().splitlines(), [
            words + ":2: error: unknown category 'gamblng' (not declared with @categories; "
                    "did you mean 'gambling'?), used by 2 entries of this file",
            words + ":7: error: unknown category 'hate' (not declared with @categories), "
                    "used by 1 entry of this file",
            decl + ":1: warning: declared category 'gambling' has no entries",
            decl + ":2: warning: declared category 'ad-law' has no entries",
            decl + ":5: error: scene 'c': unknown category 'absue' (not declared with "
                   "@categories; did you mean 'abuse'?)",
        ])
        # without a declaration, categories are not checked
        p = self.lint(words)
        self.assert_exit(p, 0)
        # a malformed declaration is an error at its line
        bad = self.write("bad.txt", "@categories\n")
        p = self.lint(bad)
        self.assert_exit(p, 1)
        self.assertIn(bad + ":1:1: error: directive '@categories' needs a value",
                      p.stdout.decode())

    def test_bundled_wordlists_declare_their_categories(self):
        if not SOURCE_DIR:
            self.skipTest("SHAI_SOURCE_DIR not set")
        p = self.lint("-q", os.path.join(SOURCE_DIR, "wordlists"))
        self.assertNotIn("unknown category", p.stdout.decode())
        self.assertNotIn("declared category", p.stdout.decode())

    def test_leading_ignorable_is_no_error(self):
        # An entry with a U+FEFF before it (not at the file's start) matches
        # its own text in scan: lint must not call it unmatchable.
        lex = self.write("bom.txt", "赌博\n\ufeff六合彩\n")
        p = self.lint(lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")

    def test_duplicates_and_collisions(self):
        a = self.write("lex/a.txt", "@category gambling\n赌博\n六合彩\n赌博\taction=review\n"
                                    "法.轮.功\n法轮功\n")
        b = self.write("lex/b.txt", "@category other\n赌博\n賭博\n@allow\n赌博\n")
        p = self.lint(os.path.dirname(a))
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode().splitlines(), [
            a + ":4: error: duplicate entry '赌博' (also at line 2); its action review is "
                "ignored for block (the stronger one wins)",
            a + ":6: warning: entry '法轮功' matches the same texts as '法.轮.功' (line 5): "
                "one of them is redundant",
            b + ":2: warning: duplicate entry '赌博' (also at " + a + ":2); its category "
                "'other' is ignored, the first one's, 'gambling', is kept",
            b + ":3: warning: entry '賭博' (folded: '赌博') matches the same texts as '赌博' "
                "(" + a + ":2): one of them is redundant",
            b + ":5: warning: allow entry '赌博' covers every hit of deny entry '赌博' "
                "(" + a + ":2): that entry can never be a violation",
        ])
        self.assertEqual(p.stderr.decode(), "shai: lint: 1 error, 4 warnings in 8 entries, "
                                            "2 files\n")
        # Warnings alone exit 0, unless --strict.
        p = self.lint(b)
        self.assert_exit(p, 0)
        self.assertEqual(len(p.stdout.splitlines()), 2)
        self.assertEqual(p.stdout.count(b": warning: "), 2)
        p = self.lint("--strict", b)
        self.assert_exit(p, 1)

    def test_reach(self):
        lex = self.write("r.txt", "@category x\n\u200b\u200c\n的\n屌\n屌毛\taction=review\n"
                                  "@action review\n屄\n")
        p = self.lint(lex)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode().splitlines(), [
            lex + ":2: error: entry '\u200b\u200c' (U+200B U+200C) folds to nothing: it can "
                  "never match",
            lex + ":3: error: entry '的' is a single very common character: it matches a "
                  "large share of all texts",
            lex + ":4: warning: single-character entry '屌' with action block: it also "
                  "matches inside ordinary words (use review, or longer entries)",
            lex + ":5: warning: entry '屌毛' (review) is shadowed by block entry '屌' (line 4, "
                  "same category): every text it matches contains that entry, which no allow "
                  "entry covers: the text is blocked and the review action never counts",
        ])

    def test_allow_suppresses_nothing(self):
        lex = self.write("al.txt", "@category gambling\n赌博\nre:博彩[0-9]+\n@allow\n赌博史\n"
                                   "中国\n博彩123\n")
        p = self.lint(lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode(),
                         lex + ":6: warning: allow entry '中国' suppresses nothing: no deny "
                               "entry matches inside it\n")

    def test_rules_are_not_words(self):
        lex = self.write("rules.txt", "@category spam\nre:qq[0-9]{5,}\nre:qq[0-9]{5,}\n"
                                      "\\re:think\n")
        p = self.lint(lex)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(),
                         lex + ":3: error: duplicate rule 'qq[0-9]{5,}' (also at line 2)\n")

    def test_parse_errors(self):
        # every malformed line of every file is an error; the rest is checked
        good = self.write("g/a.txt", "赌博\n")
        bad = self.write("g/b.txt", "# x\n赌博\n@colour red\n")
        worse = self.write("g/c.txt", "re:(unclosed\n")
        p = self.lint(os.path.dirname(good))
        self.assert_exit(p, 1)
        out = p.stdout.decode().splitlines()
        self.assertIn(bad + ":3:1: error: unknown directive '@colour'", out)
        self.assertTrue(any(re.match(re.escape(worse) + r":1:\d+: error: ", l) for l in out),
                        out)
        self.assertIn(bad + ":2: warning: duplicate entry '赌博' (also at " + good + ":1)", out)
        p = self.lint(self.path("nope"))
        self.assert_exit(p, 2)
        self.assertIn("nope", p.stderr.decode())

    def test_no_fold(self):
        lex = self.write("nf.txt", "@category x\n赌博\n賭博\n")
        p = self.lint("--no-fold", lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")
        p = self.lint(lex)
        self.assertIn(b"redundant", p.stdout)

    def test_lint_reports_partial_allow_overlap(self):
        lex = self.write("lex.txt", "是垃圾\n操你妈\n@allow\n垃圾桶\n妈妈\n")
        p = self.lint(lex)
        out = p.stdout.decode()
        self.assertIn("entry '是垃圾' and allow entry '垃圾桶' (line 4) overlap in '垃圾'", out)
        # 妈妈 does not cover 操你妈 in 操你妈妈: not such a pair (the allow
        # entry's own warning names that text as one where it covers nothing)
        self.assertNotIn("entry '操你妈' and allow entry", out)
        self.assertIn("allow entry '妈妈' suppresses nothing: no deny entry matches inside it; "
                      "it overlaps deny entry '操你妈' (line 2) without covering it: in '操你妈妈' "
                      "the allow hit does not cover that deny hit: it is still a violation", out)
        # an allow entry for the meeting text says the pass is intended
        self.write("lex.txt", "是垃圾\n操你妈\n@allow\n垃圾桶\n妈妈\n是垃圾桶\n")
        self.assertNotIn("overlap in", self.lint(lex).stdout.decode())

    def test_bundled_wordlists_lint_clean(self):
        # May fail until the bundled lexicon is cleaned up: it reports what
        # to fix, as FILE:LINE: messages.
        if not SOURCE_DIR:
            self.skipTest("SHAI_SOURCE_DIR not set")
        p = self.lint(os.path.join(SOURCE_DIR, "wordlists"))
        self.assert_exit(p, 0)
        self.assertNotIn(b"rule cost", p.stdout)

    def test_rule_cost(self):
        # Rules whose backtracking is not bounded by the line length are
        # warnings at their column (issue #19); rewritten ones are not.
        lex = self.write("rc.txt", "\n".join([
            "@category spam",
            "re:(a+)+$",                                      # 2: nested
            "re:(a|a)*b",                                     # 3: alternatives
            "re:x\\s*\\s*y",                                  # 4: adjacent
            "re:wechat\\s*(?:号)?\\s*[:=]?\\s*[a-z]{6}",      # 5: adjacent, past 号?
            "re:[一-龥]+\\s*[\\x{4e00}-\\x{9fa5}]+",           # 6: adjacent, CJK
            "re:(\\d+\\s?)+$",                                # 7: nested
            "re:.*.*=",                                       # 8: adjacent
            "re:wechat\\s*+(?:号\\s*+)?(?:[:=]\\s*+)?[a-z]{6}",  # possessive: fine
            "re:(?<![0-9])1[3-9](?:[\\s\\-.]*[0-9]){9}",       # disjoint: fine
            "re:[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}",     # disjoint: fine
            "re:(?>a+)+b|\\d+(?:\\.\\d+)?x|\\p{Han}+\\s+\\p{Han}+",  # fine
            "re:(?x) a+ a+",                                  # extended: not read
        ]) + "\n")
        p = self.lint(lex)
        self.assert_exit(p, 0)
        got = [(int(m.group(1)), int(m.group(2)), m.group(3))
               for m in re.finditer(r"^.*rc\.txt:(\d+):(\d+): warning: rule cost: (\w+)",
                                    p.stdout.decode(), re.M)]
        self.assertEqual(got, [(2, 4, "repeated"), (3, 4, "repeated"), (4, 8, "unbounded"),
                               (5, 19, "unbounded"), (6, 13, "unbounded"), (7, 4, "repeated"),
                               (8, 6, "unbounded")])
        self.assertEqual(len(p.stdout.decode().splitlines()), 7)
        self.assert_exit(self.lint("--strict", lex), 1)


class TestHelp(CliTestCase):
    def test_every_command_has_help(self):
        p = self.run_shai("--help")
        out = p.stdout.decode()
        for cmd in ("scan", "mask", "fix", "fold", "compile", "stats", "lint", "help"):
            self.assertRegex(out, r"\n  %s +\S" % cmd)
            for args in ([cmd, "--help"], ["help", cmd]):
                q = self.run_shai(*args)
                self.assert_exit(q, 0)
                self.assertIn("Usage: shai " + cmd, q.stdout.decode())
        self.assertIn("SHAI_DEFAULT_DB", out)
        scan = self.run_shai("scan", "--help").stdout.decode()
        for word in ("--db", "--no-fold", "--threads", "-j", "SHAI_DEFAULT_DB"):
            self.assertIn(word, scan)
        lint = self.run_shai("lint", "--help").stdout.decode()
        for word in ("--strict", "error", "warning", "FILE:LINE"):
            self.assertIn(word, lint)

# ------------------------------------------------------------------ issue 18
# `shai scan` for editors and analysts: each test names the complaint of the
# issue that it checks.

class TestReportsAndExitStatus(CliTestCase):
    REVIEW_ONLY = "他说这是最好的。\n"
    WITH_BLOCK = "他在网上赌博，说这是最好的。\n"

    def test_fail_on(self):
        # "Exit 1 for review-only hits: a pre-publish gate cannot fail on
        # block and only warn on review."
        lex = self.lexicon()
        review = self.write("review.txt", self.REVIEW_ONLY)
        block = self.write("block.txt", self.WITH_BLOCK)
        for args, f, code in (([], review, 1), ([], block, 1),
                              (["--fail-on", "review"], review, 1),
                              (["--fail-on=block"], review, 0),
                              (["--fail-on", "block"], block, 1),
                              (["--fail-on", "never"], block, 0),
                              (["--exit-zero"], block, 0)):
            for j in ("-j1", "-j2"):
                p = self.scan("-L", lex, j, *args, f)
                self.assert_exit(p, code)
                self.assertIn("最好", p.stdout.decode())  # the hits are printed all the same
        # errors are errors whatever --fail-on says
        p = self.scan("-L", lex, "--exit-zero", review, self.path("missing.txt"))
        self.assert_exit(p, 2)
        p = self.scan("-L", lex, "--fail-on", "sometimes", review)
        self.assert_exit(p, 2)
        self.assertIn(b"--fail-on", p.stderr)

    def test_dash_l_is_files_with_matches(self):
        # "`shai scan -l draft.md` silently loads the draft as a lexicon and
        # waits on stdin."
        lex = self.lexicon()
        draft = self.write("draft.md", self.WITH_BLOCK)
        clean = self.write("clean.md", "今天天气很好。\n")
        env = self.env(SHAI_DEFAULT_LEXICON=lex)
        for j in ("-j1", "-j2"):
            p = self.scan(j, "-l", draft, clean, env=env)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode(), draft + "\n")
            p = self.scan(j, "--files-with-matches", clean, env=env)
            self.assert_exit(p, 0)
            self.assertEqual(p.stdout, b"")
        # the lexicon keeps -L and --lexicon
        p = self.scan("-L", lex, "-l", draft)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), draft + "\n")

    def test_count_and_quiet(self):
        lex = self.lexicon()
        a = self.write("a.txt", self.WITH_BLOCK * 3)
        b = self.write("b.txt", "干净\n")
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-c", a, b)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode(), "%s:6\n%s:0\n" % (a, b))
            p = self.scan("-L", lex, j, "--count", "-", input=self.REVIEW_ONLY)
            self.assertEqual(p.stdout.decode(), "<stdin>:1\n")
            p = self.scan("-L", lex, j, "-q", a, b)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout, b"")
            self.assert_exit(self.scan("-L", lex, j, "--quiet", b), 0)

    def test_suggestion_in_text(self):
        # "Text output has no suggestion (全网第一 → 全网热销 is only in JSONL)"
        lex = self.lexicon("@category ad-law\n@action review\n全网第一\tsuggestion=全网热销\n")
        p = self.scan("-L", lex, "--suggest", "always", input="本品全网第一！\n")
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:3: 全网第一 [ad-law/review → 全网热销]\n")
        # piped, by default, the lines of before (tools parse them)
        p = self.scan("-L", lex, input="本品全网第一！\n")
        self.assertEqual(p.stdout.decode(), "<stdin>:1:3: 全网第一 [ad-law/review]\n")


class TestInputsAndEncodings(CliTestCase):
    LEX = "@category gambling\n@action block\n网上赌场\n"
    TEXT = "第一行\n他在网上赌场输了钱\n"

    def hits(self, p):
        return [(r["file"], r["line"], r["col"], r["start"], r["end"], r["text"])
                for r in self.jsonl(p.stdout)]

    def test_directory_is_walked(self):
        # "`shai scan drafts/` exits 2 with `drafts/: Is a directory`", and a
        # subdirectory among drafts/* made the whole run exit 2.
        lex = self.lexicon(self.LEX)
        self.write("drafts/b.txt", self.TEXT)
        self.write("drafts/a.md", self.TEXT)
        self.write("drafts/sub/c.txt", self.TEXT)
        self.write("drafts/.hidden/d.txt", self.TEXT)
        self.write("drafts/.e.txt", self.TEXT)
        self.write("drafts/image.png", b"\x89PNG\r\n\x1a\n\x00\x00" + self.TEXT.encode())
        d = self.path("drafts")
        want = [d + "/a.md", d + "/b.txt", d + "/sub/c.txt"]
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-l", d)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode().split(), want)
            self.assertIn("1 binary file skipped", p.stderr.decode())
            p = self.scan("-L", lex, j, "-l", *sorted(self.path("drafts/" + n)
                                                      for n in ("a.md", "b.txt", "sub")))
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout.decode().split(), want)
            p = self.scan("-L", lex, j, "-l", "--glob", "*.txt", d)
            self.assertEqual(p.stdout.decode().split(), want[1:])
            p = self.scan("-L", lex, j, "-l", "-g", "!c.txt", "--type", "md", d)
            self.assertEqual(p.stdout.decode().split(), want[:1])
            # a binary file named on the command line is scanned, as before
            p = self.scan("-L", lex, j, "-l", self.path("drafts/image.png"))
            self.assert_exit(p, 1)
        p = self.scan("-L", lex, "--type", "nosuch", d)
        self.assert_exit(p, 2)

    def test_walked_files_of_every_size(self):
        # The walk takes a file's type from its directory entry and looks up
        # no size: a worker reads a small one whole, and leaves a longer one
        # (past a batch's share) or a non-UTF-8 one to the main thread. Every
        # size, around those bounds, gives the same hits at -j1 and -j2.
        lex = self.lexicon(self.LEX)
        names = []
        for i, size in enumerate((0, 1, 4095, 4096, 4097, 70000, 600000, 2 << 20)):
            # ASCII padding: a file cut anywhere is still valid UTF-8
            body = "x" * size + "\n他在网上赌场\n"
            names.append("big/%02d.txt" % i)
            self.write(names[-1], body)
        self.write("big/gbk.txt", ("好" * 3000 + "\n网上赌场\n").encode("gbk"))
        d = self.path("big")
        runs = {}
        for j in ("-j1", "-j2", "-j3"):
            p = self.scan("-L", lex, j, "-f", "jsonl", d)
            self.assert_exit(p, 1)
            runs[j] = [(r["file"], r["line"], r["start"], r["text"]) for r in self.jsonl(p.stdout)]
        self.assertEqual(len(runs["-j1"]), 9)
        self.assertEqual(runs["-j1"], runs["-j2"])
        self.assertEqual(runs["-j1"], runs["-j3"])

    def check_encoded(self, data, codec, args=()):
        lex = self.lexicon(self.LEX)
        f = self.write("in." + codec, data)
        start = data.index("网上赌场".encode(codec.replace("-sig", "")))
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-f", "jsonl", *args, f)
            self.assert_exit(p, 1)
            (rec,) = self.jsonl(p.stdout)
            self.assertEqual((rec["line"], rec["col"], rec["text"]), (2, 3, "网上赌场"), codec)
            self.assertEqual(rec["start"], start, codec)
            self.assertEqual(data[rec["start"]:rec["end"]].decode(codec.replace("-sig", "")),
                             "网上赌场")
            p = self.scan("-L", lex, j, *args, f)
            self.assertEqual(p.stdout.decode(), f + ":2:3: 网上赌场 [gambling/block]\n")
            p = self.scan("-L", lex, j, *args, "-", input=data)
            self.assertEqual(p.stdout.decode(), "<stdin>:2:3: 网上赌场 [gambling/block]\n")

    def test_utf8_bom(self):
        self.check_encoded(b"\xef\xbb\xbf" + self.TEXT.encode(), "utf-8")

    def test_utf16_bom(self):
        # "A UTF-16 file with BOM ... exits 0 with no hit"
        self.check_encoded(b"\xff\xfe" + self.TEXT.encode("utf-16-le"), "utf-16-le")
        self.check_encoded(b"\xfe\xff" + self.TEXT.encode("utf-16-be"), "utf-16-be")
        self.check_encoded(b"\xff\xfe" + ("😀" + self.TEXT).encode("utf-16-le"), "utf-16-le")

    def test_gbk_and_gb18030(self):
        # "a GBK file ... exits 0 with no hit"
        self.check_encoded(self.TEXT.encode("gbk"), "gbk")
        self.check_encoded(("€" + self.TEXT + "𠀀\n").encode("gb18030"), "gb18030")
        # a 4-byte character before the hit, on its line
        data = "第一行\n𠀀€a网上赌场\n".encode("gb18030")
        lex = self.lexicon(self.LEX)
        f = self.write("four.txt", data)
        (rec,) = self.jsonl(self.scan("-L", lex, "-f", "jsonl", f).stdout)
        self.assertEqual((rec["line"], rec["col"]), (2, 4))
        self.assertEqual(data[rec["start"]:rec["end"]].decode("gb18030"), "网上赌场")

    def test_big5(self):
        text = "第一行\n他在網上賭場輸了錢\n"
        lex = self.lexicon(self.LEX)
        data = text.encode("big5")
        f = self.write("in.big5", data)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        (rec,) = self.jsonl(p.stdout)
        self.assertEqual((rec["line"], rec["col"], rec["text"]), (2, 3, "網上賭場"))
        self.assertEqual(data[rec["start"]:rec["end"]].decode("big5"), "網上賭場")

    def test_many_small_files_all_engines_agree(self):
        # small files are read by the workers in batches; the ones they
        # cannot take (not UTF-8, a document) are scanned in their turn
        lex = self.lexicon(self.LEX + "@category ad-law\n@action review\n最好\tsuggestion=很好\n")
        rng = random.Random(SEED)
        for i in range(300):
            kind = rng.choice(["utf8", "utf8", "bom", "gbk", "u16", "bin", "empty", "big"]
                              + (["docx"] if MAKE_DOCX else []))
            body = "第%d个\n" % i + rng.choice(["", "网上赌场", "最好"]) * rng.randint(0, 3) + "\n"
            name = "many/%02d/f%03d.txt" % (i % 7, i)
            if kind in self.ENCODED:
                self.write(name, self.ENCODED[kind](body))
            elif kind == "big":
                self.write(name, body * 40000)  # over the workers' 512 KiB
            else:
                make_docx(self.path(name[:-4] + ".docx"), [[l] for l in body.strip().split("\n")])
        d = self.path("many")
        outs = set()
        for j in ("-j1", "-j2", "-j3"):
            for fmt in ("text", "jsonl"):
                p = self.scan("-L", lex, j, "-f", fmt, "--summary", d)
                self.assert_exit(p, 1)
                outs.add((fmt, p.stdout, p.stderr))
        self.assertEqual(len(outs), 2, [o[2][:200] for o in outs])

    def test_forced_encoding(self):
        data = self.TEXT.encode("gbk")
        self.check_encoded(data, "gbk", args=("--encoding", "GBK"))
        lex = self.lexicon(self.LEX)
        f = self.write("x.txt", data)
        p = self.scan("-L", lex, "--encoding", "no-such-charset", f)
        self.assert_exit(p, 2)
        self.assertIn("no-such-charset", p.stderr.decode())

    def test_undecodable_is_reported(self):
        lex = self.lexicon(self.LEX)
        f = self.write("bad.txt", b"\xff\xff\xff " + "网上赌场\n".encode())
        p = self.scan("-L", lex, f)
        self.assert_exit(p, 1)  # scanned as UTF-8: the valid part still matches
        self.assertIn("bad.txt: neither UTF-8, GB18030 nor Big5", p.stderr.decode())


class TestOutputForPeople(CliTestCase):
    def test_column_byte(self):
        # "Columns count code points, so vim's quickfix jumps into the middle
        # of a character (grep and ripgrep count bytes)."
        lex = self.lexicon()
        text = "ab€代开发票\n最好\n"
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "--column", "byte", "--suggest=always", input=text)
            self.assertEqual(p.stdout.decode().splitlines(), [
                "<stdin>:1:6: 代开发票 [fraud/block → 开具发票]",
                "<stdin>:2:1: 最好 [ad-law/review → 很好]"])
            p = self.scan("-L", lex, j, "--column=char", input=text)
            self.assertIn("<stdin>:1:4: 代开发票", p.stdout.decode())
            # grep -b agrees on where the hit's line starts; the column is
            # the byte offset in the line plus one
            p = self.scan("-L", lex, j, "--column", "byte", "-f", "jsonl", input=text)
            rec = self.jsonl(p.stdout)[0]
            self.assertEqual(rec["col"], rec["start"] + 1)
        self.assert_exit(self.scan("-L", lex, "--column", "nibble", input=text), 2)

    def test_color(self):
        # "no colour on a TTY"
        lex = self.lexicon()
        p = self.scan("-L", lex, "--color", "always", input="赌博\n")
        out = p.stdout.decode()
        self.assertIn("\033[1;31m赌博\033[0m", out)
        # colour brings the context line (--context's default follows --color)
        self.assertEqual(re.sub("\033\\[[0-9;]*m", "", out),
                         "<stdin>:1:1: 赌博 [gambling/block]\n    赌博\n")
        p = self.scan("-L", lex, "--color", "always", "--no-context", input="赌博\n")
        self.assertEqual(re.sub("\033\\[[0-9;]*m", "", p.stdout.decode()),
                         "<stdin>:1:1: 赌博 [gambling/block]\n")
        # not a terminal: no colour, whatever NO_COLOR says
        p = self.scan("-L", lex, input="赌博\n")
        self.assertNotIn(b"\033", p.stdout)
        self.assertNotIn(b"\033", self.scan("-L", lex, "--color=never", input="赌博\n").stdout)
        self.assert_exit(self.scan("-L", lex, "--color", "sometimes", input="x"), 2)

    def test_context(self):
        # "no context": the hit's line around it, the hit marked
        lex = self.lexicon()
        text = "这是一段很长的前文，他在网上赌博输了钱，还说最好别告诉别人。\r\n代开发票\n"
        want = ("<stdin>:1:13: 网上赌博 [gambling/block]\n"
                "    这是一段很长的前文，他在»网上赌博«输了钱，还说最好别告诉别人。\n"
                "<stdin>:1:23: 最好 [ad-law/review]\n"
                "    这是一段很长的前文，他在网上赌博输了钱，还说»最好«别告诉别人。\n"
                "<stdin>:2:1: 代开发票 [fraud/block]\n"
                "    »代开发票«\n")
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "--context", input=text)
            self.assertEqual(p.stdout.decode(), want)
        # 24 characters each side at most
        p = self.scan("-L", lex, "--context", input="前" * 40 + "赌博" + "后" * 40 + "\n")
        self.assertEqual(p.stdout.decode().split("\n")[1],
                         "    " + "前" * 24 + "»赌博«" + "后" * 24)
        self.assertNotIn("»", self.scan("-L", lex, input=text).stdout.decode())

    def test_color_on_a_terminal(self):
        import pty
        lex = self.lexicon()
        f = self.write("a.txt", "赌博\n")
        for env, colored in (({"NO_COLOR": ""}, True), ({"NO_COLOR": "1"}, False)):
            master, slave = pty.openpty()
            proc = subprocess.run([BIN, "scan", "-L", lex, f], stdout=slave,
                                  stderr=subprocess.PIPE, env=self.env(TERM="xterm", **env),
                                  timeout=60)
            os.close(slave)
            out = read_pty(master)
            os.close(master)
            self.assertEqual(proc.returncode, 1)
            self.assertEqual(b"\033[" in out, colored, out)


class TestSummaryAndTerminal(CliTestCase):
    def test_summary(self):
        # "a long run shows ... no summary"
        lex = self.lexicon()
        a = self.write("a.txt", "网上赌博\n最好\n")
        b = self.write("b.txt", "干净\n")
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "--summary", a, b)
            self.assert_exit(p, 1)
            err = p.stderr.decode().splitlines()
            self.assertEqual(err[0], "shai: 2 files scanned, 1 with hits; 2 hits: 1 block, 1 review")
            self.assertRegex(p.stderr.decode(), r"category ad-law +1\n")
            self.assertRegex(p.stderr.decode(), r"category gambling +1\n")
            self.assertIn("file %s: 2 (1 block)" % a, p.stderr.decode())
            self.assertNotIn("b.txt", p.stderr.decode())
            self.assertEqual(self.scan("-L", lex, j, a, b).stderr, b"")  # not a terminal

    def test_progress(self):
        # "a long run shows no progress": a line on a terminal's stderr,
        # erased at the end; nothing when stderr is not a terminal. The
        # one-second delay is set to 0 for the test.
        import pty
        lex = self.lexicon()
        files = [self.write("p%d.txt" % i, "网上赌博\n" * 1000) for i in range(3)]
        for j in ("-j1", "-j2"):
            master, slave = pty.openpty()
            p = subprocess.run([BIN, "scan", "-L", lex, j, *files], stdout=subprocess.PIPE,
                               stderr=slave, env=self.env(SHAI_PROGRESS_DELAY_MS="0", TERM="xterm"),
                               timeout=60)
            os.close(slave)
            err = read_pty(master).decode()
            os.close(master)
            self.assertEqual(p.returncode, 1)
            self.assertRegex(err, r"shai: \d/3 files, [0-9.]+ MB, \d+ hits, [0-9.]+ MB/s")
            self.assertTrue(err.endswith("\r\033[K"), repr(err[-20:]))
            self.assertEqual(len(p.stdout.decode().splitlines()), 3000)
            q = self.scan("-L", lex, j, *files, env=self.env(SHAI_PROGRESS_DELAY_MS="0"))
            self.assertEqual(q.stderr, b"")
        # records: the same line
        master, slave = pty.openpty()
        p = subprocess.run([BIN, "scan", "-L", lex, "--verdicts", *files], stdout=subprocess.PIPE,
                           stderr=slave, env=self.env(SHAI_PROGRESS_DELAY_MS="0", TERM="xterm"),
                           timeout=60)
        os.close(slave)
        err = read_pty(master).decode()
        os.close(master)
        self.assertRegex(err, r"shai: \d/3 files, [0-9.]+ MB, \d+ hits")

    def test_notice_when_stdin_is_a_terminal(self):
        # "a notice when reading a terminal's stdin"
        import pty
        lex = self.lexicon()
        master, slave = pty.openpty()
        proc = subprocess.Popen([BIN, "scan", "-L", lex], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env())
        os.close(slave)
        os.write(master, "网上赌博\n".encode() + b"\x04")
        out, err = proc.communicate(timeout=60)
        os.close(master)
        self.assertIn(b"reading standard input from the terminal", err)
        self.assertEqual(out.decode(), "<stdin>:1:1: 网上赌博 [gambling/block]\n")
        p = self.scan("-L", lex, input="网上赌博\n")
        self.assertEqual(p.stderr, b"")


class TestRecords(CliTestCase):
    ROWS = [{"id": 1, "text": "他在网上赌博输了"},
            {"id": "b", "meta": {"x": [1, 2.5e3, {"y": None, "z": "\\\"}"}], "t": True}, "text": "干净的"},
            {"text": "😀\n代开发票 and 最好", "id": [3]},
            {"id": 4, "text": ""}]

    def lines(self, ensure_ascii):
        return "".join(json.dumps(r, ensure_ascii=ensure_ascii) + "\n" for r in self.ROWS)

    def test_jsonl_escaped_and_not(self):
        # "`\u`-escaped rows (Python's default json.dumps) give no hit and
        # exit 0, and unescaped rows give offsets into the JSON line with no
        # record id."
        lex = self.lexicon()
        for ensure_ascii in (True, False):
            p = self.scan("-L", lex, "--input", "jsonl", "--field", "text", "--id", "id",
                          input=self.lines(ensure_ascii))
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            got = [(r["line"], r["id"], r["text"], r["start"], r["end"]) for r in recs]
            t0, t2 = self.ROWS[0]["text"].encode(), self.ROWS[2]["text"].encode()
            self.assertEqual(got, [
                (1, 1, "网上赌博", t0.index("网上赌博".encode()), t0.index("网上赌博".encode()) + 12),
                (3, [3], "代开发票", t2.index("代开发票".encode()), t2.index("代开发票".encode()) + 12),
                (3, [3], "最好", t2.index("最好".encode()), t2.index("最好".encode()) + 6)])

    def test_verdicts_and_offsets(self):
        # "There is no per-record verdict (records without hits vanish)"
        lex = self.lexicon()
        data = self.lines(True)
        for unit in ("byte", "char", "utf16"):
            p = self.scan("-L", lex, "--input", "jsonl", "--field", "text", "--id", "id",
                          "--verdicts", "--offsets", unit, input=data)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["id"], r["verdict"], r["categories"]) for r in recs], [
                (1, "block", ["gambling"]), ("b", "pass", []),
                ([3], "block", ["fraud", "ad-law"]), (4, "pass", [])])
            for row, rec in zip(self.ROWS, recs):
                text = row["text"]
                for h in rec["hits"]:
                    if unit == "byte":
                        got = text.encode()[h["start"]:h["end"]].decode()
                    elif unit == "char":
                        got = text[h["start"]:h["end"]]
                    else:
                        got = text.encode("utf-16-le")[2 * h["start"]:2 * h["end"]].decode("utf-16-le")
                    self.assertEqual(got, h["text"], unit)
            self.assertEqual(recs[2]["hits"][0]["suggestion"], "开具发票")
        # plain lines: one verdict per line
        p = self.scan("-L", lex, "--verdicts", input="网上赌博\n\n最好\n")
        self.assertEqual([(r["line"], r["verdict"]) for r in self.jsonl(p.stdout)],
                         [(1, "block"), (2, "pass"), (3, "review")])

    SCORER = ("@category abuse\n@action review\n傻瓜\n"
              "@scorer rude\n@category hate\n@bias -1\n@threshold 0\n@target 黑人\n"
              "2.5\t滚\n-3\t不\n@end\n"
              "@scene comments\nabuse review\nscore:rude review\n@scene quiet\n* keep\n@end\n")

    def test_scorer_flags(self):
        # A scene that turns a scorer on: --verdicts gives a flagged line the
        # scorer's action, its category and a "scores" member; one record per
        # flag follows a record's hits without --verdicts; other scenes and
        # plain scans report hits only.
        lex = self.lexicon(self.SCORER)
        text = "黑人滚\n黑人不滚\n傻瓜\n滚\n"
        p = self.scan("-L", lex, "--scene", "comments", "--verdicts", input=text)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["line"], r["verdict"], r["categories"]) for r in recs],
                         [(1, "review", ["hate"]), (2, "pass", []), (3, "review", ["abuse"]),
                          (4, "pass", [])])
        score = recs[0]["scores"][0]
        self.assertEqual((score["scorer"], score["category"], score["action"]),
                         ("rude", "hate", "review"))
        # 黑 人 滚 黑人 人滚 黑人滚: -1 + 2.5 / sqrt(6)
        self.assertAlmostEqual(score["score"], -1 + 2.5 / 6 ** 0.5, places=3)
        self.assertNotIn("scores", recs[1])
        data = '{"id": 7, "text": "黑人滚"}\n{"id": 8, "text": "傻瓜"}\n'
        p = self.scan("-L", lex, "--scene", "comments", "--input", "jsonl", "--field", "text",
                      "--id", "id", input=data)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["id"], r.get("scorer"), r.get("entry")) for r in recs],
                         [(7, "rude", None), (8, None, "傻瓜")])
        for args in (["--scene", "quiet", "--verdicts"], ["--verdicts"]):
            p = self.scan("-L", lex, *args, input=text)
            self.assertEqual([r["verdict"] for r in self.jsonl(p.stdout)],
                             ["pass", "pass", "review", "pass"], args)
        p = self.run_shai("stats", "--lexicon", lex)
        self.assertIn("\nscorers:      1\n  rude: category hate, threshold 0.0000, 2 weights; "
                      "on in comments (review)\ndb size:", p.stdout.decode())
        stats = json.loads(self.run_shai("stats", "--lexicon", lex, "-f", "json").stdout)
        self.assertEqual(stats["scorers"], [{"name": "rude", "category": "hate",
                                             "threshold": 0, "weights": 2}])
        self.assertEqual([(s["name"], s["scorers"]) for s in stats["scenes"]],
                         [("comments", {"rude": "review"}), ("quiet", {"rude": "off"})])
        # lint: a score: line naming no scorer turns nothing on (a warning,
        # with the nearest name); one that names a scorer is fine
        scenes = self.lexicon("@scene ads\nscore:rued block\nscore:rude review\n"
                              "score:zzzzzzzz review\n", name="scenes.txt")
        p = self.run_shai("lint", lex, scenes)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(), [
            scenes + ":2: warning: scene 'ads': no scorer is named 'rued'; did you mean 'rude'?",
            scenes + ":4: warning: scene 'ads': no scorer is named 'zzzzzzzz'"])
        self.assertIn("no scorer is named 'rude' (the sources define no @scorer)",
                      self.run_shai("lint", scenes).stdout.decode())
        self.assert_exit(self.run_shai("lint", "--strict", lex, scenes), 1)
        # a malformed scorer is a lexicon error with its place
        bad = self.lexicon("@scorer rude\n@category hate\n@bias x\n", name="bad.txt")
        p = self.scan("-L", bad, input="x\n")
        self.assert_exit(p, 2)
        self.assertIn("bad.txt:3:7: not a finite number: 'x'", p.stderr.decode())

    def test_bad_records(self):
        lex = self.lexicon()
        data = '{"text": "赌博"}\nnot json\n{"other": 1}\n{"text": 5}\n{"text": "赌博"} x\n{"text": "最好"}\n'
        p = self.scan("-L", lex, "--input", "jsonl", "--field", "text", "--verdicts", input=data)
        self.assert_exit(p, 2)
        self.assertEqual([r["line"] for r in self.jsonl(p.stdout)], [1, 6])
        err = p.stderr.decode()
        for line in (2, 3, 4, 5):
            self.assertIn("<stdin>:%d:" % line, err)
        self.assert_exit(self.scan("-L", lex, "--input", "jsonl", input=data), 2)  # no --field

    def test_threads_same_bytes(self):
        # Records are scanned by the -jN workers in chunks of lines; the
        # output, the diagnostics and their interleaving are those of -j1.
        lex = self.lexicon(BASIC_LEXICON + "@category spam\n@action review\n"
                           "re:k(?:a+)+b\nre:qq[0-9]{5,}\n")
        rng = random.Random(SEED)
        texts = ["他在网上赌博输了", "干净的评论", "代开发票 and 最好", "加qq123456 最好",
                 "k" + "a" * 40 + "c", "😀赌博\u2028", "", "普通的一句话，没有问题。" * 20]
        rows = []
        for i in range(40000):
            r = rng.random()
            if r < 0.002:
                rows.append("not json")
            elif r < 0.004:
                rows.append(json.dumps({"id": i}))
            elif r < 0.006:
                rows.append("")
            else:
                rows.append(json.dumps({"id": i, "text": rng.choice(texts)},
                                       ensure_ascii=rng.random() < 0.5))
        data = "\n".join(rows) + "\r\n" + json.dumps({"id": "last", "text": "赌博"})
        self.assertGreater(len(data.encode()), 4 * 256 * 1024)  # several chunks
        f = self.write("records.jsonl", data)
        modes = (["--input", "jsonl", "--field", "text", "--id", "id"],
                 ["--input", "jsonl", "--field", "text", "--id", "id", "--verdicts",
                  "--offsets", "utf16"],
                 ["--verdicts"], ["--verdicts", "--overlapping", "--offsets", "char"])
        for args in modes:
            runs = {}
            for j in ("-j1", "-j2", "-j3"):
                # stdout and stderr into one pipe: the diagnostics keep
                # their places between the records' lines
                p = subprocess.run([BIN, "scan", "-L", lex, *args, j, f],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=self.env(), timeout=300)
                runs[j] = (p.returncode, p.stdout)
            if "jsonl" in args:  # bad records
                self.assertEqual(runs["-j1"][0], 2, args)
                self.assertIn(b"not a JSON object", runs["-j1"][1])
            else:
                self.assertIn(runs["-j1"][0], (1, 2), args)
            self.assertGreater(runs["-j1"][1].count(b"\n"), 1000)
            for j in ("-j2", "-j3"):
                self.assertTrue(runs[j] == runs["-j1"], "%s %s: differs from -j1" % (args, j))
        # through a pipe, with a second file after it
        args = modes[1]
        base = self.scan("-L", lex, *args, "-j1", "-", f, input=data)
        p = self.scan("-L", lex, *args, "-j2", "-", f, input=data)
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (base.returncode, base.stdout, base.stderr))

    def test_threads_answer_each_line(self):
        # A co-process that writes a record and waits for its verdict before
        # it writes the next one gets each answer with -j2 as with -j1.
        import select
        lex = self.lexicon()
        for j in ("-j1", "-j2"):
            proc = subprocess.Popen([BIN, "scan", "-L", lex, "--verdicts", j],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env())
            try:
                for i, text in enumerate(["网上赌博", "干净的", "最好"]):
                    proc.stdin.write((text + "\n").encode())
                    proc.stdin.flush()
                    ready, _, _ = select.select([proc.stdout], [], [], 30)
                    self.assertTrue(ready, "%s: no answer to line %d" % (j, i + 1))
                    rec = json.loads(proc.stdout.readline())
                    self.assertEqual(rec["line"], i + 1)
                proc.stdin.close()
                self.assertEqual(proc.wait(timeout=30), 1)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
                proc.stderr.close()

    def test_mapper_example(self):
        # "exit 1 on hits breaks Hadoop Streaming and Spark RDD.pipe()": the
        # documented mapper, run as Hadoop Streaming runs it (stdin to stdout).
        lex = self.lexicon()
        script = os.path.join(SOURCE_DIR, "docs", "shai-mapper.sh")
        bindir = self.path("bin")
        os.makedirs(bindir)
        os.symlink(BIN, os.path.join(bindir, "shai"))
        env = self.env(PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                       SHAI_DEFAULT_LEXICON=lex)
        p = subprocess.run(["sh", script], input=self.lines(True).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = self.jsonl(p.stdout)
        self.assertEqual([r["id"] for r in recs], [r["id"] for r in self.ROWS])
        self.assertEqual([r["verdict"] for r in recs], ["block", "pass", "block", "pass"])
        emoji = recs[2]["hits"][0]
        self.assertEqual((emoji["start"], emoji["end"]), (3, 7))  # UTF-16: 😀 is 2 units, \n 1


def check_sarif(test, log):
    """The required properties and enumerations of the SARIF 2.1.0 schema
    (sarif-schema-2.1.0.json, OASIS), for the objects shai writes, checked by
    hand (no network, no schema file): sarifLog {version, runs}, run {tool},
    tool {driver}, toolComponent {name}, reportingDescriptor {id}, result
    {message}, message {text | id}, location.physicalLocation {artifactLocation
    | address}, region (startLine, startColumn, endColumn >= 1, byteOffset,
    byteLength >= 0), fix {artifactChanges, minItems 1}, artifactChange
    {artifactLocation, replacements, minItems 1}, replacement {deletedRegion},
    artifactContent {text | binary | rendered}; result.level and
    run.columnKind enumerations; ruleIndex agrees with ruleId."""
    test.assertEqual(log["version"], "2.1.0")
    test.assertIsInstance(log["runs"], list)
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        test.assertIsInstance(driver["name"], str)
        rules = driver.get("rules", [])
        ids = [r["id"] for r in rules]
        test.assertEqual(len(ids), len(set(ids)))  # unique rule ids
        test.assertIn(run.get("columnKind", "unicodeCodePoints"),
                      ("utf16CodeUnits", "unicodeCodePoints"))
        for res in run.get("results", []):
            msg = res["message"]
            test.assertTrue("text" in msg or "id" in msg)
            test.assertIn(res.get("level", "warning"), ("none", "note", "warning", "error"))
            if "ruleIndex" in res:
                test.assertEqual(rules[res["ruleIndex"]]["id"], res["ruleId"])
            for loc in res.get("locations", []):
                phys = loc["physicalLocation"]
                test.assertTrue("artifactLocation" in phys or "address" in phys)
                test.assertRegex(phys["artifactLocation"]["uri"], r"^[A-Za-z0-9._~/%-]+$")
                reg = phys["region"]
                for k in ("startLine", "startColumn", "endColumn"):
                    test.assertGreaterEqual(reg[k], 1)
                for k in ("byteOffset", "byteLength"):
                    test.assertGreaterEqual(reg[k], 0)
            for fix in res.get("fixes", []):
                test.assertGreaterEqual(len(fix["artifactChanges"]), 1)
                for ch in fix["artifactChanges"]:
                    test.assertIn("uri", ch["artifactLocation"])
                    test.assertGreaterEqual(len(ch["replacements"]), 1)
                    for rep in ch["replacements"]:
                        test.assertIn("startLine", rep["deletedRegion"])
                        c = rep.get("insertedContent", {"text": ""})
                        test.assertTrue("text" in c or "binary" in c or "rendered" in c)


class TestSarif(CliTestCase):
    def test_sarif(self):
        lex = self.lexicon()
        a = self.write("dir with space/a.txt", "本店代开发票，价格最好！\n他在网上赌博\n")
        b = self.write("b.txt", "干净\n")
        gbk = self.write("c.txt", "第一行\n价格最好\n".encode("gbk"))
        p = self.scan("-L", lex, "-f", "sarif", a, b, gbk)
        self.assert_exit(p, 1)
        log = json.loads(p.stdout)
        check_sarif(self, log)
        run = log["runs"][0]
        res = run["results"]
        self.assertEqual([r["ruleId"] for r in res],
                         ["shai/fraud", "shai/ad-law", "shai/gambling", "shai/ad-law"])
        self.assertEqual([r["level"] for r in res], ["error", "warning", "error", "warning"])
        loc = res[1]["locations"][0]["physicalLocation"]
        self.assertEqual(loc["artifactLocation"]["uri"], a.replace(" ", "%20"))
        self.assertEqual((loc["region"]["startLine"], loc["region"]["startColumn"],
                          loc["region"]["endColumn"]), (1, 10, 12))
        fix = res[1]["fixes"][0]["artifactChanges"][0]["replacements"][0]
        self.assertEqual(fix["insertedContent"]["text"], "很好")
        self.assertNotIn("fixes", res[2])
        # a GBK file: byte offsets into the file as it is
        reg = res[3]["locations"][0]["physicalLocation"]["region"]
        data = slurp(gbk)
        self.assertEqual(data[reg["byteOffset"]:reg["byteOffset"] + reg["byteLength"]].decode("gbk"), "最好")
        # no hit: a valid log with no results
        p = self.scan("-L", lex, "-f", "sarif", b)
        self.assert_exit(p, 0)
        log = json.loads(p.stdout)
        check_sarif(self, log)
        self.assertEqual(log["runs"][0]["results"], [])
        self.assert_exit(self.scan("-L", lex, "-f", "sarif", "--verdicts", b), 2)


class TestNoOverlapAcrossWordsAndRules(CliTestCase):
    LEX = ("@category spam\n@action review\n加V\n加v\nqq\n"
           "re:加v[:：]?[a-z][a-z0-9_]{5,19}\n"
           "re:qq\\s*[1-9][0-9]{4,11}\n"
           "@category gambling\n@action block\n赌博\n网上赌博网站\n")

    def test_default_mode_does_not_overlap(self):
        # "In the default mode a rule hit and a word hit overlap (`加V` and
        # `加V：abc_12345` both printed)."
        lex = self.lexicon(self.LEX)
        text = ("加V：abc_12345 和 加v：abcdef\n"
                "qq 123456 赌博 网上赌博网站 qq\n" + "没有\n" * 3 + "加V\n")
        want = [(1, 1, "加V：abc_12345"), (1, 16, "加v：abcdef"),
                (2, 1, "qq 123456"), (2, 11, "赌博"), (2, 14, "网上赌博网站"), (2, 21, "qq"),
                (6, 1, "加V")]
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-f", "jsonl", input=text)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["line"], r["col"], r["text"]) for r in recs], want)
            spans = [(r["start"], r["end"]) for r in recs]
            for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
                self.assertLessEqual(e1, s2)
            self.assertEqual(self.scan("-L", lex, j, "-c", input=text).stdout, b"<stdin>:7\n")
        # records too
        p = self.scan("-L", lex, "--verdicts", input=text)
        self.assertEqual([h["text"] for h in self.jsonl(p.stdout)[0]["hits"]],
                         ["加V：abc_12345", "加v：abcdef"])
        # --overlapping still reports every hit
        p = self.scan("-L", lex, "--overlapping", "-f", "jsonl", input=text)
        texts = [r["text"] for r in self.jsonl(p.stdout)]
        self.assertIn("加V", texts)
        self.assertIn("加V：abc_12345", texts)


SCAN_OPTIONS = ("--lexicon", "-L", "--db", "--no-fold", "--format", "--overlapping", "--threads",
                "--help", "--version", "--fail-on", "--exit-zero", "--count", "-c",
                "--files-with-matches", "-l", "--quiet", "-q", "--glob", "-g", "--type", "-t",
                "--encoding", "-E", "--column", "--color", "--suggest", "--summary",
                "--no-summary", "--context", "--no-context", "--input", "--field", "--id",
                "--verdicts", "--offsets", "sarif", "docx")


class TestDocumentation(CliTestCase):
    def test_help_and_man_page_name_every_option(self):
        # "`docs/cli.md` and `shai scan --help` describe every flag; a man
        # page shai(1) is generated and installed, and bash completion"
        scan = self.run_shai("scan", "--help").stdout.decode()
        with open(os.environ["SHAI_MAN"], encoding="utf-8") as f:
            man = f.read().replace("\\-", "-").replace("\\e", "\\")
        with open(os.path.join(SOURCE_DIR, "docs", "cli.md"), encoding="utf-8") as f:
            doc = f.read()
        for opt in SCAN_OPTIONS:
            self.assertRegex(scan, r"(^|[ ,=(])%s\b" % re.escape(opt), opt)
            self.assertIn(opt, man, opt)
            if opt.startswith("--") and opt not in ("--help", "--version", "--threads"):
                self.assertIn(opt, doc, opt)
        self.assertIn(".TH SHAI 1", man)

    def test_bash_completion(self):
        bindir = self.path("bin")
        os.makedirs(bindir)
        os.symlink(BIN, os.path.join(bindir, "shai"))
        script = os.path.join(SOURCE_DIR, "tools", "shai.bash-completion")

        def complete(*words):
            words = ["shai"] + list(words)
            cmd = ('source "%s"; COMP_WORDS=(%s); COMP_CWORD=%d; _shai; printf "%%s\\n" "${COMPREPLY[@]}"'
                   % (script, " ".join("'%s'" % w for w in words), len(words) - 1))
            p = subprocess.run(["bash", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=self.env(PATH=bindir + os.pathsep + os.environ["PATH"]),
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.decode().split()

        self.assertEqual(complete("sc"), ["scan"])
        self.assertEqual(sorted(complete("scan", "--fa")), ["--fail-on"])
        self.assertEqual(complete("scan", "--fail-on", "b"), ["block"])
        self.assertIn("sarif", complete("scan", "-f", ""))
        self.assertIn("--verdicts", complete("scan", "--"))


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


class TestMaskAndFix(CliTestCase):
    LEX = ("@category ad-law\n@action review\n全网第一\tsuggestion=全网热销\n"
           "最好\tsuggestion=很好\n@category gambling\n赌博\n")
    TEXT = "本品全网第一\r\n他说赌博最好\r\n没有\n最后一行没有换行：最好"
    FIXED = "本品全网热销\r\n他说赌博很好\r\n没有\n最后一行没有换行：很好"

    ENCODINGS = (("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""),
                 ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"))

    def test_mask_keeps_encoding_and_line_endings(self):
        # "There is no mask command"
        lex = self.lexicon(self.LEX)
        masked = "本品****\r\n他说****\r\n没有\n最后一行没有换行：**"
        for codec, bom in self.ENCODINGS:
            f = self.write("m.txt", bom + self.TEXT.encode(codec))
            p = self.run_shai("mask", "-L", lex, f)
            self.assert_exit(p, 1)
            self.assertEqual(p.stdout, bom + masked.encode(codec), codec)
        f = self.write("m.txt", self.TEXT)
        p = self.run_shai("mask", "-L", lex, "--char", "×", "--phrase-for", "gambling=【屏蔽】", f)
        self.assertEqual(p.stdout.decode(), "本品××××\r\n他说【屏蔽】××\r\n没有\n最后一行没有换行：××")
        p = self.run_shai("mask", "-L", lex, "--phrase", "[x]", "-", input="干净\n赌博\n")
        self.assertEqual(p.stdout.decode(), "干净\n[x]\n")
        p = self.run_shai("mask", "-L", lex, "-", input="干净\n")
        self.assert_exit(p, 0)
        # in place, with a backup
        g = self.write("g.txt", self.TEXT.encode("gbk"))
        p = self.run_shai("mask", "-L", lex, "-i", g)
        self.assert_exit(p, 1)
        self.assertEqual(slurp(g), masked.encode("gbk"))
        self.assertEqual(slurp(g + ".bak"), self.TEXT.encode("gbk"))

    def test_fix_in_place_and_diff(self):
        # "no way to apply suggestions"
        lex = self.lexicon(self.LEX)
        for codec, bom in self.ENCODINGS:
            data = bom + self.TEXT.encode(codec)
            f = self.write("f.txt", data)
            os.chmod(f, 0o640)
            p = self.run_shai("fix", "-L", lex, "--diff", f)
            self.assert_exit(p, 1)
            self.assertEqual(slurp(f), data)  # --diff changes nothing
            if not codec.startswith("utf-16"):
                # the diff is in the file's bytes: patch(1) applies it
                q = subprocess.run(["patch", "-s", "-p0", "-o", self.path("patched"), f],
                                   input=p.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   timeout=60)
                self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
                self.assertEqual(slurp(self.path("patched")),
                                 bom + self.FIXED.encode(codec))
            p = self.run_shai("fix", "-L", lex, f)
            self.assert_exit(p, 1)
            self.assertEqual(slurp(f), bom + self.FIXED.encode(codec), codec)
            self.assertEqual(slurp(f + ".bak"), data)
            self.assertEqual(os.stat(f).st_mode & 0o777, 0o640)
            # nothing left to fix (赌博 has no suggestion)
            self.assert_exit(self.run_shai("fix", "-L", lex, "--no-backup", f), 0)
        p = self.run_shai("fix", "-L", lex, "--diff", "-", input="最好\n")
        self.assertIn("-最好\n+很好\n", p.stdout.decode())
        self.assert_exit(self.run_shai("fix", "-L", lex, input="最好\n"), 2)


MAKE_DOCX = os.environ.get("SHAI_MAKE_DOCX", "")


def docx_run(args, description):
    """Run tests/cli/make_docx.c (built with libzip and libxml2, the
    libraries shai reads a .docx with) with `args` and `description` (str or
    bytes) on its standard input."""
    if not MAKE_DOCX:
        raise unittest.SkipTest("SHAI_MAKE_DOCX not set: shai is built without libzip and libxml2")
    if isinstance(description, str):
        description = description.encode()
    os.makedirs(os.path.dirname(os.path.abspath(args[-1])), exist_ok=True)
    p = subprocess.run([MAKE_DOCX] + list(args), input=description, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise AssertionError("make_docx failed: %s" % p.stderr.decode(errors="replace"))


# A table appended to every document make_docx() writes: its cells are
# paragraphs too.
DOCX_TABLE = [[["表格里的代开发票"]]]


def docx_description(paragraphs, table=DOCX_TABLE):
    """make_docx.c's description of `paragraphs` (each a list of runs, a
    run a string, or ("tab",) / ("br",) / ("bold", text)) then of `table`
    (rows of cells of paragraphs)."""
    lines = []

    def par(runs):
        lines.append("p")
        for r in runs:
            if isinstance(r, tuple):
                lines.append(r[0] if len(r) == 1 else "b " + r[1])
            else:
                assert "\n" not in r
                lines.append("t " + r)

    for runs in paragraphs:
        par(runs)
    if table:
        lines.append("table")
        for row in table:
            lines.append("row")
            for cell in row:
                lines.append("cell")
                for runs in cell:
                    par(runs)
        lines.append("end")
    return "\n".join(lines) + "\n"


def docx_text(paragraphs, table=DOCX_TABLE):
    """The text shai extracts from that document (docs/cli.md): a line per
    paragraph in document order, a tab for w:tab, a space for w:br."""
    pars = list(paragraphs) + [runs for row in table or [] for cell in row for runs in cell]
    out = ""
    for runs in pars:
        for r in runs:
            if r == ("tab",):
                out += "\t"
            elif r == ("br",):
                out += " "
            else:
                out += r[1] if isinstance(r, tuple) else r
        out += "\n"
    return out


def make_docx(path, paragraphs, table=DOCX_TABLE, args=()):
    """A real .docx (content types, package and document relationships,
    word/document.xml, deflated) written by make_docx.c with one w:p per
    paragraph, then `table`."""
    docx_run(list(args) + [path], docx_description(paragraphs, table))


class TestDocuments(CliTestCase):
    def test_docx(self):
        # "A .docx ... containing 网上赌场 ... exits 0 with no hit"
        lex = self.lexicon("@category gambling\n@action block\n网上赌场\n"
                           "@category fraud\n代开发票\n")
        d = self.write("drafts/keep.txt", "")
        f = self.path("drafts/draft.docx")
        make_docx(f, [["第一段"], ["他在网上", "赌场输了", ("tab",), "钱"], [], ["<网上&赌场>"]])
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            got = [(r["line"], r["col"], r["text"]) for r in self.jsonl(p.stdout)]
            # a line is a paragraph; the runs of a paragraph join
            self.assertEqual(got, [(2, 3, "网上赌场"), (4, 2, "网上&赌场"), (5, 5, "代开发票")])
            # found in a directory too, not skipped as binary
            p = self.scan("-L", lex, j, "-l", os.path.dirname(d))
            self.assertEqual(p.stdout.decode(), f + "\n")
            self.assertEqual(p.stderr, b"")
        bad = self.write("bad.docx", b"PK\x03\x04 not really")
        p = self.scan("-L", lex, bad)
        self.assert_exit(p, 2)
        self.assertIn("bad.docx: not a .docx", p.stderr.decode())

    DOCX_LEX = ("@category gambling\n@action block\n网上赌场\n"
                "@category fraud\n代开发票\n@category ad-law\n@action review\n最好\n")

    def test_docx_structure(self):
        # A .docx written with libzip and libxml2 (make_docx.c): runs that
        # split a word, a bold run, tabs, breaks, an empty paragraph, text
        # libxml2 escapes, spaces kept by xml:space, and a table whose cells
        # are paragraphs of their own. Its hits are those of the text the
        # document holds (one line a paragraph, docs/cli.md) scanned as a
        # .txt: the same lines, columns and byte offsets.
        lex = self.lexicon(self.DOCX_LEX)
        paragraphs = [
            ["第一段：最好的"],
            ["他在网上", ("bold", "赌"), "场输了", ("tab",), "钱"],
            [],
            ["  <网上&赌场> \"引号\" 'x' &amp; ", ("tab",), "最", "好  "],
            ["网上", ("br",), "赌场", ("br",), "代开发票", ("tab",), "网上", ("tab",), "赌场"],
        ]
        table = [[[["代开"]], [["发票"]]],
                 [[["单元格里", "网上赌场"], ["第二段", "最好"]], [[]]]]
        text = docx_text(paragraphs, table)
        data = text.encode()
        f = self.path("drafts/draft.docx")
        stored = self.path("drafts/stored.docx")
        make_docx(f, paragraphs, table)
        make_docx(stored, paragraphs, table, args=["--store"])
        with open(f, "rb") as fh:
            self.assertIn(b"word/document.xml", fh.read())
        txt = self.write("draft.txt", data)
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual(p.stderr, b"")
            # offsets are into the document's text
            for r in recs:
                self.assertEqual(data[r["start"]:r["end"]].decode(), r["text"], r)
            self.assertEqual([(r["line"], r["text"], r["entry"]) for r in recs], [
                (1, "最好", "最好"),
                (2, "网上赌场", "网上赌场"),
                (4, "网上&赌场", "网上赌场"),
                (4, "最好", "最好"),
                (5, "网上 赌场", "网上赌场"),
                (5, "代开发票", "代开发票"),
                (5, "网上\t赌场", "网上赌场"),
                (8, "网上赌场", "网上赌场"),
                (9, "最好", "最好")])
            want = self.jsonl(self.scan("-L", lex, j, "-f", "jsonl", txt).stdout)
            for r in want:
                r["file"] = f
            self.assertEqual(recs, want)
            # text output too, and a stored (not deflated) package alike
            p = self.scan("-L", lex, j, "--column", "byte", f)
            q = self.scan("-L", lex, j, "--column", "byte", txt)
            self.assertEqual(p.stdout.decode(), q.stdout.decode().replace(txt, f))
            p = self.scan("-L", lex, j, "-f", "jsonl", stored)
            self.assertEqual(self.jsonl(p.stdout), [dict(r, file=stored) for r in recs])

    def test_docx_references(self):
        # word/document.xml as Word may write it: character references,
        # predefined entities and CDATA are text once parsed.
        lex = self.lexicon(self.DOCX_LEX)
        W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<w:document xmlns:w="%s"><w:body>'
               '<w:p><w:r><w:t>&#32593;&#x4E0A;赌场</w:t></w:r></w:p>'
               '<w:p><w:r><w:t>a&lt;b&gt;&amp;&quot;&apos;</w:t></w:r>'
               '<w:r><w:t><![CDATA[代开<发票>]]></w:t></w:r><w:r><w:t>发票</w:t></w:r></w:p>'
               '<w:p><w:r><w:t>最</w:t></w:r><w:proofErr w:type="spellStart"/>'
               '<w:r><w:t>好</w:t></w:r></w:p>'
               '<x:p xmlns:x="urn:other"><x:t>网上赌场</x:t></x:p>'
               '</w:body></w:document>' % W)
        f = self.path("refs.docx")
        docx_run(["--raw", f], xml)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        self.assertEqual([(r["line"], r["col"], r["start"], r["text"]) for r in self.jsonl(p.stdout)],
                         [(1, 1, 0, "网上赌场"), (2, 8, 20, "代开<发票"), (3, 1, 41, "最好")])
        p = self.scan("-L", lex, "--summary", f)
        self.assertEqual(p.stdout.decode().splitlines(), [
            f + ":1:1: 网上赌场 [gambling/block]", f + ":2:8: 代开<发票 [fraud/block]",
            f + ":3:1: 最好 [ad-law/review]"])

    def test_corrupt_docx(self):
        # A .docx that cannot be read is an error on standard error, counted
        # in the summary, exit 2, and nothing of it is scanned: never
        # "clean". Truncated, a damaged deflate stream, no
        # word/document.xml, a document.xml that is not XML (with a hit in
        # it), not a zip at all, empty.
        lex = self.lexicon(self.DOCX_LEX)
        d = self.path("drafts")
        good = self.path("drafts/good.docx")
        make_docx(good, [["网上赌场"]], table=None)
        with open(good, "rb") as fh:
            data = fh.read()
        self.write("drafts/truncated.docx", data[:len(data) // 2])
        # flip a byte in the middle of word/document.xml's deflated data
        name = b"word/document.xml"
        h = data.index(b"PK\x03\x04" + data[4:6])  # first local header
        while data[h + 30:h + 30 + len(name)] != name:
            h = data.index(b"PK\x03\x04", h + 4)
        size = int.from_bytes(data[h + 18:h + 22], "little")
        at = h + 30 + len(name) + int.from_bytes(data[h + 28:h + 30], "little") + size // 2
        self.write("drafts/damaged.docx", data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:])
        make_docx(self.path("drafts/nodoc.docx"), [["网上赌场"]], args=["--no-document"])
        docx_run(["--raw", self.path("drafts/notxml.docx")],
                 '<w:document xmlns:w="urn:x"><w:body><w:p><w:t>网上赌场</w:p>')
        self.write("drafts/notzip.docx", "网上赌场\n")
        self.write("drafts/empty.docx", b"")
        why = {
            "truncated": "not a .docx (a zip archive cut short or damaged)",
            "damaged": "a damaged .docx (word/document.xml cannot be read)",
            "nodoc": "not a .docx (no word/document.xml)",
            "notxml": "a damaged .docx (word/document.xml is not XML)",
            "notzip": "not a .docx (not a zip archive)",
            "empty": "not a .docx (an empty file)",
        }
        for j in ("-j1", "-j2"):
            for stem, msg in sorted(why.items()):
                f = os.path.join(d, stem + ".docx")
                p = self.scan("-L", lex, j, "-f", "jsonl", f)
                self.assert_exit(p, 2)
                self.assertEqual(p.stdout, b"")
                self.assertEqual(p.stderr.decode(), "shai: %s: %s\n" % (f, msg))
            p = self.scan("-L", lex, j, "--summary", d)
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout.decode(), good + ":1:1: 网上赌场 [gambling/block]\n")
            err = p.stderr.decode().splitlines()
            self.assertEqual(err[:6], ["shai: %s: %s" % (os.path.join(d, k + ".docx"), why[k])
                                       for k in ("damaged", "empty", "nodoc", "notxml",
                                                 "notzip", "truncated")])
            self.assertEqual(err[6:8], [
                "shai: 1 file scanned, 1 with hits; 1 hit: 1 block, 0 review",
                "  not scanned (errors above): 6 files"])
            # -l and -c: not listed as clean, and still exit 2
            p = self.scan("-L", lex, j, "-l", d)
            self.assert_exit(p, 2)
            self.assertEqual(p.stdout.decode(), good + "\n")

    def test_committed_docx(self):
        # A .docx made by python-docx from its Word-saved template (styles,
        # settings, theme, numbering, properties: tests/cli/data/
        # make_draft_docx.py), not by hand: a heading, runs in bold, a tab, a
        # line break inside a paragraph, an empty paragraph, a table, and a
        # character reference that in a .docx is text.
        lex = self.lexicon("@category gambling\n@action block\n网上赌场\n赌博\n"
                           "@category fraud\n代开发票\n@category ad-law\n@action review\n"
                           "全网第一\n")
        f = os.path.join(SOURCE_DIR, "tests", "cli", "data", "draft.docx")
        for j in ("-j1", "-j2"):
            p = self.scan("-L", lex, j, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            self.assertEqual([(r["line"], r["col"], r["text"], r["category"])
                              for r in self.jsonl(p.stdout)],
                             [(2, 3, "网上赌场", "gambling"), (3, 6, "代开发票", "fraud"),
                              (5, 5, "全网第一", "ad-law"), (7, 1, "网上赌场", "gambling")])

    def test_html_character_references(self):
        # "&#36172;&#21338;" is 赌博 to a browser: references are decoded
        # before matching in .html and .md (numeric, hexadecimal, and the
        # named ones libxml2 knows), offsets and the text printed are the
        # file's; in a .txt they stay text.
        lex = self.lexicon("@category gambling\n@action block\n赌博\n网上赌博\n"
                           "@category ad-law\n@action review\n最好\n")
        html = ("<p>他在网上&#36172;&#21338;，&#x8D4C;&#X535a;和&amp;赌博</p>\n"
                "<p>赌<b>&#21338;</b> &lt;最&#22909;&gt; AT&amp;T &ne; &bogus; &#0; "
                "&#xD800;&#21338</p>\n")
        data = html.encode()
        for name in ("page.html", "page.md"):
            f = self.write(name, html)
            p = self.scan("-L", lex, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["line"], r["col"], r["text"], r["entry"]) for r in recs], [
                (1, 6, "网上&#36172;&#21338;", "网上赌博"),
                (1, 25, "&#x8D4C;&#X535a;", "赌博"),
                (1, 47, "赌博", "赌博"),
                (2, 4, "赌<b>&#21338;", "赌博"),
                (2, 25, "最&#22909;", "最好")])
            for r in recs:
                self.assertEqual(data[r["start"]:r["end"]].decode(), r["text"])
            p = self.scan("-L", lex, f)
            self.assertEqual(p.stdout.decode().splitlines()[0],
                             f + ":1:6: 网上&#36172;&#21338; [gambling/block]")
        f = self.write("page.txt", html)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assertEqual([r["text"] for r in self.jsonl(p.stdout)], ["赌博"])

    def test_html_and_markdown_markup_is_not_text(self):
        lex = self.lexicon("@category gambling\n赌博\n@category spam\n"
                           "re:www\\.[a-z0-9]+\\.cn\n")
        html = ('<html><head><title>赌博</title><style>.赌博{}</style>'
                '<script>var x="赌博";</script></head>\n'
                '<body class="赌博" data-x=\'赌博\'><!-- 赌博 -->\n<p>他在<b>赌</b>博，'
                '<a href="http://www.abc.cn">看这里</a> 赌博</p></body></html>\n')
        f = self.write("page.html", html)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        recs = self.jsonl(p.stdout)
        # the title's text and the body's text; not the style, script,
        # attributes, comment or link target; offsets are the file's
        self.assertEqual([(r["line"], r["text"]) for r in recs],
                         [(1, "赌博"), (3, "赌</b>博"), (3, "赌博")])
        data = html.encode()
        for r in recs:
            self.assertEqual(data[r["start"]:r["end"]].decode(), r["text"])
        md = "# 标题\n看[这里](http://www.abc.cn/赌博)和 <span title=\"赌博\">x</span>\n**赌**博 www.abc.cn\n"
        f = self.write("note.md", md)
        p = self.scan("-L", lex, "-f", "jsonl", f)
        self.assertEqual([(r["line"], r["col"], r["text"]) for r in self.jsonl(p.stdout)],
                         [(3, 3, "赌**博"), (3, 8, "www.abc.cn")])
        # a .txt file with the same text is text
        f = self.write("note.txt", md)
        self.assertEqual(len(self.jsonl(self.scan("-L", lex, "-f", "jsonl", f).stdout)), 5)


class TestLongLines(CliTestCase):
    def test_rule_hits_on_a_long_line_are_linear(self):
        # issue 19 item 5: each rule hit walked back to the last word hit to
        # find its column, so a 1 MB line of word and rule hits took minutes.
        lex = self.lexicon("@category gambling\n赌博\n@category spam\n"
                           "re:www\\.[a-z]+\\.cn\n")
        unit = "赌博 www.a.cn "
        n = 60000  # 960 KB, under the rules' 1 MiB line pieces
        f = self.write("long.txt", unit * n + "\n")
        for j in ("-j1", "-j2"):
            # about a second; minutes before
            p = self.scan("-L", lex, j, "-f", "jsonl", f, timeout=60)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual(len(recs), 2 * n)
            cols = sorted((r["col"], r["text"]) for r in recs)
            want = sorted([(1 + len(unit) * i, "赌博") for i in range(n)] +
                          [(4 + len(unit) * i, "www.a.cn") for i in range(n)])
            self.assertEqual(cols, want)
            for r in recs[:: 997]:
                self.assertEqual(r["start"], len((unit * (r["col"] // len(unit))).encode())
                                 + (0 if r["text"] == "赌博" else 7))


    def test_held_hits_of_a_long_line_are_decided_in_parts(self):
        # issue 19: in the default mode a line's word and rule hits were held
        # until the line ended (one selection over both), so a line of hits
        # cost memory in proportion to its length (a 50 MB line: 280 MB).
        # Bounded now; the same output as the whole line decided at once.
        lex = self.lexicon("@category gambling\n@action block\n赌博\n网上赌博\n"
                           "@category spam\n@action review\nre:qq[0-9]{5,}\n"
                           "re:网上赌[博场]qq\n")
        unit = "他在网上赌博qq123456，网上赌场 qq7654321 " + "普通的文字。" * 30
        n = 3000
        f = self.write("held.txt", "赌博\n" + unit * n + "\n赌博")
        base = self.scan("-L", lex, "-j1", f)
        self.assert_exit(base, 1)
        lines = base.stdout.decode().splitlines()
        # overlapping word and rule hits: the rule's 网上赌博qq is longer than
        # the word 网上赌博, and qq123456 begins inside it
        want = [f + ":1:1: 赌博 [gambling/block]"]
        for i in range(n):
            want += [f + ":2:%d: 网上赌博qq [spam/review]" % (3 + len(unit) * i),
                     f + ":2:%d: qq7654321 [spam/review]" % (21 + len(unit) * i)]
        want.append(f + ":3:1: 赌博 [gambling/block]")
        self.assertEqual(lines, want)
        # -j2 decides the line at once (one block)
        for j in ("-j2", "-j3"):
            p = self.scan("-L", lex, j, f)
            self.assertEqual(p.stdout, base.stdout, j)

    @slow
    def test_one_gib_line_in_bounded_memory(self):
        # issue 19: "scanning a 2 GB single line through a pipe ... in
        # constant memory": a 1 GiB line of word and rule hits (the default
        # mode holds them for one selection over both) through a pipe, as
        # text with -j1 and as JSONL with -j2; peak RSS against a 4 MiB line.
        lex = self.lexicon("@category gambling\n@action block\n赌博\n"
                           "@category spam\n@action review\nre:qq[0-9]{5,}\n")
        unit = ("普通的文字，没有问题。" * 120 + "他在网上赌博 加qq123456 ").encode()
        chars = len(unit.decode())

        def feeder(total):
            def feed(w):
                block = unit * 64
                for _ in range(total // len(block)):
                    w.write(block)
            return feed

        big, small = (1 << 27 if sanitized() else 1 << 30), 4 << 20
        n = big // (len(unit) * 64) * 64
        for j, fmt in (("-j1", "text"), ("-j2", "jsonl")):
            argv = [BIN, "scan", "-L", lex, j, "-f", fmt, "-"]
            rc, _, _, rss_small = peak_rss_of(argv, self.env(), feeder(small))
            self.assertEqual(rc, 1)
            rc, out, err, rss_big = peak_rss_of(argv, self.env(), feeder(big))
            self.assertEqual((rc, err), (1, b""))
            self.assertLess(rss_big - rss_small, 48 * 1024 * 1024,
                            "%s %s: peak RSS %d bytes for 1 GiB, %d for 4 MiB"
                            % (j, fmt, rss_big, rss_small))
            # every word hit, at its column (and byte offset); the rule's
            # hits too, but for one cut by a boundary of the 1 MiB pieces
            # rules match a long line in (shai.h)
            word_col = chars - len("赌博 加qq123456 ") + 1
            if fmt == "text":
                hits = [(int(h.split(":")[2]), h.split(" ", 2)[1])
                        for h in out.decode().splitlines()]
            else:
                recs = self.jsonl(out)
                for r in recs[::4099]:
                    self.assertEqual(r["start"], len(unit[:-len(" 加qq123456 ".encode())])
                                     + (r["col"] - 1) // chars * len(unit)
                                     + (-len("赌博".encode()) if r["text"] == "赌博" else 4))
                hits = [(r["col"], r["text"]) for r in recs]
            words = [c for c, t in hits if t == "赌博"]
            self.assertEqual(words, [i * chars + word_col for i in range(n)])
            rules = [c for c, t in hits if t == "qq123456"]
            self.assertGreater(len(rules), n - big // (1 << 20))
            self.assertTrue(all((c - word_col - 4) % chars == 0 for c in rules))


if __name__ == "__main__":
    argv = [a for a in sys.argv]
    unittest.main(argv=argv, verbosity=2)
