#!/usr/bin/env python3
"""End-to-end tests of the `shai` command-line tool.

Run by meson (`meson test -C BUILD cli`), or by hand:

    SHAI_BIN=BUILD/tools/shai SHAI_SOURCE_DIR=. python3 tests/cli/test_cli.py -v

SHAI_BIN is the built executable; SHAI_SOURCE_DIR the source tree (for the
bundled wordlists/). SHAI_TEST_SEED seeds the randomized differential tests.
Every test builds its own small lexicon in a temporary directory.
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
SOURCE_DIR = os.environ.get("SHAI_SOURCE_DIR", "")
SEED = int(os.environ.get("SHAI_TEST_SEED", "20240611"))

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

    def lexicon(self, text=BASIC_LEXICON, name="lex.txt"):
        return self.write(name, text)

    def env(self, **extra):
        env = dict(os.environ)
        env["SHAI_DEFAULT_LEXICON"] = self.empty_default
        env.update(extra)
        return env

    def run_shai(self, *args, input=b"", env=None, cwd=None, stdout=subprocess.PIPE):
        if isinstance(input, str):
            input = input.encode("utf-8")
        proc = subprocess.run([BIN] + [str(a) for a in args], input=input,
                              stdout=stdout, stderr=subprocess.PIPE,
                              env=env if env is not None else self.env(), cwd=cwd,
                              timeout=600)
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
        # Option syntax variants that must work.
        for args in (["--lexicon", lex], ["--lexicon=" + lex], ["-l", lex], ["-l" + lex]):
            p = self.scan(*args, "--format", "jsonl", input="网络赌博\n")
            self.assert_exit(p, 1)
            self.assertEqual(len(self.jsonl(p.stdout)), 1)

    def test_double_dash_ends_options(self):
        lex = self.lexicon()
        f = self.write("--overlapping", "赌博\n")
        p = self.scan("-l", lex, "--", f, cwd=self.tmp)
        self.assert_exit(p, 1)
        p = self.scan("-l", lex, "--", "--overlapping", cwd=self.tmp)
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
        p = self.scan("-l", lex, "-f", "jsonl", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["text"], r["entry"]) for r in recs], [("QQ", "qq")])
        self.check_record(recs[0], data)

    def test_overlapping_vs_default(self):
        lex = self.lexicon()
        data = "他在网上赌博彩票亏了钱\n".encode()
        p = self.scan("-l", lex, "-f", "jsonl", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([r["text"] for r in recs], ["网上赌博"])
        p = self.scan("-l", lex, "-f", "jsonl", "--overlapping", input=data)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        for r in recs:
            self.check_record(r, data)
        # Ordered by end, longer first.
        self.assertEqual([(r["text"], r["col"]) for r in recs],
                         [("网上赌博", 3), ("赌博", 5), ("博彩", 6)])
        p = self.scan("-l", lex, "--overlapping", input=data)
        self.assertEqual(p.stdout.decode().splitlines(), [
            "<stdin>:1:3: 网上赌博 [gambling/block]",
            "<stdin>:1:5: 赌博 [gambling/block]",
            "<stdin>:1:6: 博彩 [gambling/block]",
        ])

    def test_allow_entries_suppress(self):
        lex = self.lexicon()
        data = "他研究中国赌博史多年。\n他反对网络赌博。\n".encode()
        for mode in ([], ["--overlapping"]):
            p = self.scan("-l", lex, "-f", "jsonl", *mode, input=data)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["line"], r["col"], r["text"]) for r in recs],
                             [(2, 6, "赌博")], mode)
        p = self.scan("-l", lex, input="他研究中国赌博史多年。\n")
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")

    def test_allow_entry_in_another_file(self):
        deny = self.write("lex/deny.txt", "@category abuse\n傻\n")
        allow = self.write("lex/zz-allow.txt", "@allow\n傻瓜相机\n")
        self.assertTrue(os.path.exists(allow))
        p = self.scan("-l", os.path.dirname(deny), input="买了台傻瓜相机，别说我傻。\n")
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
            p = self.scan("-l", lex, "-f", "jsonl", input=text + "\n")
            self.assert_exit(p, 1 if want else 0)
            self.assertEqual([r["text"] for r in self.jsonl(p.stdout)], want, text)

    def test_tag_suggestion_and_json_escaping(self):
        lex = self.lexicon('@category fraud\n刷单\ttag=a"b\\c suggestion=说"明\\x\n')
        name = self.write("we\"ird\\name\t.txt", "在线刷单\n")
        raw_name = os.fsencode(self.tmp) + b"/bad\xffname.txt"
        with open(raw_name, "wb") as f:
            f.write("在线刷单\n".encode())
        p = subprocess.run([os.fsencode(BIN), b"scan", b"-l", os.fsencode(lex), b"-f",
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
        p = self.scan("-l", lex, clean)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(p.stderr, b"")
        p = self.scan("-l", lex, clean, dirty)
        self.assert_exit(p, 1)
        self.assertEqual(p.stderr, b"")
        # A missing file is an error (2) even with hits; the other files are
        # still scanned, in order.
        missing = self.path("missing.txt")
        p = self.scan("-l", lex, dirty, missing, dirty)
        self.assert_exit(p, 2)
        self.assertEqual(p.stdout.decode().splitlines(),
                         [dirty + ":1:5: 赌博 [gambling/block]"] * 2)
        err = p.stderr.decode()
        self.assertTrue(err.startswith("shai: "), err)
        self.assertIn(missing, err)
        p = self.scan("-l", lex, missing)
        self.assert_exit(p, 2)

    def test_directory_as_input(self):
        lex = self.lexicon()
        p = self.scan("-l", lex, self.tmp)
        self.assert_exit(p, 2)
        self.assertIn(self.tmp, p.stderr.decode())

    def test_malformed_lexicon(self):
        bad = self.write("lexicons/bad.txt", "@category x\n赌博\n@colour red\n")
        p = self.scan("-l", bad, input="赌博\n")
        self.assert_exit(p, 2)
        self.assertEqual(p.stdout, b"")
        err = p.stderr.decode()
        self.assertTrue(err.startswith("shai: "), err)
        self.assertRegex(err, re.escape(bad) + r":3:\d+: .*colour")
        # The same error when the file is found through a directory.
        p = self.scan("-l", os.path.dirname(bad), input="赌博\n")
        self.assert_exit(p, 2)
        self.assertRegex(p.stderr.decode(), r"bad\.txt:3:\d+: .*colour")
        bad2 = self.write("bad2.txt", "# ok\n赌博\n六合彩\tactoin=block\n")
        p = self.scan("-l", bad2, input="赌博\n")
        self.assert_exit(p, 2)
        self.assertRegex(p.stderr.decode(), re.escape(bad2) + r":3:\d+: .*actoin")

    def test_missing_lexicon(self):
        p = self.scan("-l", self.path("nope.txt"), input="赌博\n")
        self.assert_exit(p, 2)
        self.assertIn("nope.txt", p.stderr.decode())

    def test_write_error(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        lex = self.lexicon()
        with open("/dev/full", "wb") as full:
            p = self.scan("-l", lex, input="网络赌博\n" * 1000, stdout=full)
        self.assert_exit(p, 2)
        self.assertIn("shai: ", p.stderr.decode())


class TestInputs(CliTestCase):
    def test_stdin_and_dash(self):
        lex = self.lexicon()
        a = self.write("a.txt", "甲：赌博\n")
        b = self.write("b.txt", "乙：\n丙：刷单\n")
        stdin = "从标准输入来的六合彩\n"
        p = self.scan("-l", lex, input=stdin)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "<stdin>:1:8: 六合彩 [gambling/review]\n")
        p = self.scan("-l", lex, a, "-", b, input=stdin)
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
        p = self.scan("-l", lex, "-f", "jsonl", *[f for f, _ in files])
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
        p = self.scan("-l", lex, "-f", "jsonl", f)
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
        p = self.scan("-l", lex, f)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "".join(
            "%s:%d:%d: %s [spam/block]\n" % (f, r["line"], r["col"], r["text"])
            for r in recs))

    def test_only_garbage(self):
        lex = self.lexicon()
        rng = random.Random(SEED)
        data = bytes(rng.choice([0x00, 0x80, 0xbf, 0xc0, 0xe8, 0xf5, 0xff, 0x0a])
                     for _ in range(200000))
        p = self.scan("-l", lex, "--overlapping", input=data)
        self.assert_exit(p, 0)

    def test_hit_split_across_reads(self):
        # Regular files are read in 64 KiB pieces: put hits across each
        # boundary position of a 3-byte character.
        lex = self.lexicon()
        for shift in range(4):
            pad = 65536 * 2 - shift
            data = b"x" * (pad - 1) + b" " + "赌博".encode() + b" " + b"y" * 100 + b"\n"
            f = self.write("split%d.txt" % shift, data)
            p = self.scan("-l", lex, "-f", "jsonl", f)
            self.assert_exit(p, 1)
            recs = self.jsonl(p.stdout)
            self.assertEqual([(r["start"], r["col"]) for r in recs], [(pad, pad + 1)])

    def test_pipe_with_tiny_writes(self):
        lex = self.lexicon()
        rng = random.Random(SEED)
        text = "".join(rng.choice(["普通文字", "赌博", "，", "\n", "casino ", "😀", "abc "])
                       for _ in range(3000))
        data = text.encode()
        proc = subprocess.Popen([BIN, "scan", "-l", lex, "-f", "jsonl", "--overlapping"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env())

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
        p = self.scan("-l", lex, "-f", "jsonl", f)
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
        p = self.scan("-l", lex, "-f", "jsonl", f)
        self.assert_exit(p, 1)
        recs = self.jsonl(p.stdout)
        self.assertEqual([(r["line"], r["col"], r["start"]) for r in recs], expected)
        p = self.scan("-l", lex, f)
        self.assertEqual(len(p.stdout.splitlines()), len(expected))

    def test_memory_stays_bounded_on_a_long_line(self):
        # A 96 MB line through a pipe must not be kept in memory.
        lex = self.lexicon()
        unit = "一条很长很长的单行评论，没有换行 abc 123 ".encode()
        total = 96 * 1024 * 1024
        count = total // len(unit)
        end = "赌博".encode()

        def peak_rss(n_units):
            proc = subprocess.Popen([BIN, "scan", "-l", lex, "-f", "jsonl"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env())
            out = []

            def reader():
                out.append(proc.stdout.read())
                out.append(proc.stderr.read())

            t = threading.Thread(target=reader)
            t.start()
            block = unit * 4096
            left = n_units
            while left >= 4096:
                proc.stdin.write(block)
                left -= 4096
            proc.stdin.write(unit * left + end)
            proc.stdin.close()
            t.join()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            self.assertEqual(proc.returncode, 1, out[1])
            recs = self.jsonl(out[0])
            self.assertEqual([(r["start"], r["col"]) for r in recs],
                             [(len(unit) * n_units, len(unit.decode()) * n_units + 1)])
            return usage.ru_maxrss * 1024  # Linux: KiB

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
        p = self.scan("-l", lex, input="出售冰毒\n",
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
        lex = self.lexicon("@category test\n" + "".join(e + "\n" for e in entries),
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
            p = self.scan("-l", lex, "-f", "jsonl", *args, *files)
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


if __name__ == "__main__":
    argv = [a for a in sys.argv]
    unittest.main(argv=argv, verbosity=2)
