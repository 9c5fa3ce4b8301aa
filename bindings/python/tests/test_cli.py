"""`python3 -m shai scan`, and agreement with the C CLI ($SHAI_CLI)."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from _support import LEXICON_DIR, SAMPLE, child_env, lexicon_db, run_python

CLI_ENV = "SHAI_CLI"

# Bytes that stress offsets, columns and escaping: invalid UTF-8, a truncated
# sequence, CR LF, tabs, NULs, U+2028, astral characters, no final newline.
TRICKY = (
    b"\xff\xfe" + "赌博\n".encode()
    + "\t😀赌博\r\n".encode()
    + b"a\x00b\x00" + "赌博彩\n".encode()
    + "\u2028最好\u2029 kiss my ass\n".encode()
    + b"\xe8\xb5" + "赌博".encode() + b"\xc0\xaf" + "𠮷野家\n".encode()
    + "赌\t博 赌\u2028博 最\x7f好 赌\x01博 \"赌\\博\"\n".encode()
    + "中国赌博史和网络赌博".encode()
)


def parse_jsonl(data):
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


class PythonCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="shai-py-cli-")
        cls.tricky = os.path.join(cls.tmp, "tricky.txt")
        with open(cls.tricky, "wb") as f:
            f.write(TRICKY)
        cls.clean = os.path.join(cls.tmp, "clean.txt")
        with open(cls.clean, "w", encoding="utf-8") as f:
            f.write("今天天气很好\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def scan(self, *args, input=None):
        return run_python(["-m", "shai", "scan", "--lexicon", LEXICON_DIR] + list(args), input=input)

    def test_text_format(self):
        r = self.scan(SAMPLE)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertIn(f"{SAMPLE}:2:3: 赌博 [gambling/block]", lines)
        self.assertIn(f"{SAMPLE}:3:3: 赌博 [gambling/block]", lines)  # after two emoji
        self.assertIn(f"{SAMPLE}:4:19: ass [abuse/block]", lines)
        self.assertIn(f"{SAMPLE}:6:2: 𠮷野家 [brand/review]", lines)
        self.assertFalse(any("赌博史" in line for line in lines))  # allowed, not a violation

    def test_jsonl_format_matches_the_library(self):
        r = self.scan("--format", "jsonl", "--overlapping", self.tricky)
        self.assertEqual(r.returncode, 1, r.stderr)
        records = parse_jsonl(r.stdout)
        hits = lexicon_db().check(TRICKY, overlapping=True).hits
        self.assertEqual([(x["start"], x["end"], x["entry"]) for x in records],
                         [(h.start, h.end, h.entry) for h in hits])
        first = records[0]
        self.assertEqual((first["line"], first["col"], first["text"]), (1, 3, "赌博"))
        self.assertEqual(set(first), {"file", "line", "col", "start", "end", "text", "entry", "category", "action"})

    def test_columns_count_code_points_and_invalid_bytes(self):
        r = self.scan(self.tricky)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[0], f"{self.tricky}:1:3: 赌博 [gambling/block]")
        self.assertEqual(lines[1], f"{self.tricky}:2:3: 赌博 [gambling/block]")
        self.assertIn(f"{self.tricky}:5:3: 赌博 [gambling/block]", lines)
        self.assertIn(f"{self.tricky}:5:7: 𠮷野家 [brand/review]", lines)

    def test_stdin(self):
        r = self.scan("-", input="我爱赌博\n".encode())
        self.assertEqual((r.returncode, r.stdout.decode()), (1, "<stdin>:1:3: 赌博 [gambling/block]\n"))
        r = self.scan(input="我爱赌博".encode())
        self.assertEqual(r.stdout.decode(), "<stdin>:1:3: 赌博 [gambling/block]\n")

    def test_clean_input_exits_0(self):
        r = self.scan(self.clean)
        self.assertEqual((r.returncode, r.stdout), (0, b""))

    def test_errors_exit_2(self):
        r = self.scan(self.clean, "/nonexistent/file.txt", SAMPLE)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"/nonexistent/file.txt", r.stderr)
        self.assertIn(b"[gambling/block]", r.stdout)  # the other files are still scanned
        bad = os.path.join(self.tmp, "bad.txt")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("ok\n@colour red\n")
        r = run_python(["-m", "shai", "scan", "--lexicon", bad, self.clean])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"bad.txt:2:1: ", r.stderr)
        r = run_python(["-m", "shai", "scan", "--format", "xml", self.clean])
        self.assertEqual(r.returncode, 2)
        r = run_python(["-m", "shai"])
        self.assertEqual(r.returncode, 2)

    def test_long_line_of_hits_is_linear(self):
        # one 1.4 MB line with 200,000 hits: each column used to be found by
        # decoding the line up to the hit (minutes); now one pass
        data = ("赌博 " * 200000 + "\n").encode()
        r = self.scan("-", input=data)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 200000)
        self.assertEqual(lines[0], "<stdin>:1:1: 赌博 [gambling/block]".encode())
        self.assertEqual(lines[-1], "<stdin>:1:599998: 赌博 [gambling/block]".encode())

    def test_match_limit_names_the_line_and_goes_on(self):
        # as the shai command: every hit printed, each line where a rule gave
        # up named on standard error, the next lines and files scanned, exit 2
        lex = os.path.join(self.tmp, "limit.txt")
        with open(lex, "w", encoding="utf-8") as f:
            f.write("@category spam\n@action review\nre:k(?:a+)+b\n"
                    "@category gambling\n@action block\n赌博\n")
        pad = "k" + "a" * 40 + "cb"
        text = os.path.join(self.tmp, "limit-input.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("赌博\n%s kab 赌博\n好\n%s\n赌博" % (pad, pad))
        r = run_python(["-m", "shai", "scan", "--lexicon", lex, text, self.clean])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout.decode().splitlines(), [
            text + ":1:1: 赌博 [gambling/block]",
            text + ":2:45: kab [spam/review]",  # a line's hits by column
            text + ":2:49: 赌博 [gambling/block]",
            text + ":5:1: 赌博 [gambling/block]",
        ])
        msg = "a regular expression rule hit its match limit; the line may hold more hits"
        self.assertEqual(r.stderr.decode().splitlines(),
                         ["shai: %s:%d: %s" % (text, 2, msg), "shai: %s:%d: %s" % (text, 4, msg)])
        cli = os.environ.get(CLI_ENV)
        if cli:
            c = subprocess.run([cli, "scan", "--lexicon", lex, text, self.clean],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual((c.returncode, c.stdout, c.stderr), (r.returncode, r.stdout, r.stderr))

    def test_version(self):
        r = run_python(["-m", "shai", "--version"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"libshai", r.stdout)


class CCliAgreementTest(unittest.TestCase):
    """The C CLI (`shai scan`) and the binding agree on a sample. Skipped only
    when $SHAI_CLI is not set; a set but broken SHAI_CLI fails."""

    @classmethod
    def setUpClass(cls):
        cls.cli = os.environ.get(CLI_ENV)
        cls.tmp = tempfile.mkdtemp(prefix="shai-py-agree-")
        cls.sample = os.path.join(cls.tmp, "sample.txt")
        with open(SAMPLE, "rb") as f:
            data = f.read()
        cls.data = data + TRICKY + b"\n" + data * 3
        with open(cls.sample, "wb") as f:
            f.write(cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        if not self.cli:
            self.skipTest(f"${CLI_ENV} is not set (the path of the shai CLI)")

    def c_cli(self, *args):
        cmd = [self.cli, "scan", "--lexicon", LEXICON_DIR] + list(args) + [self.sample]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        except OSError as exc:
            self.fail(f"${CLI_ENV}={self.cli!r} cannot be run: {exc}")
        self.assertEqual(r.returncode, 1, f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
        return r.stdout

    def py_cli(self, *args):
        r = run_python(["-m", "shai", "scan", "--lexicon", LEXICON_DIR] + list(args) + [self.sample])
        self.assertEqual(r.returncode, 1, r.stderr)
        return r.stdout

    def test_jsonl_agrees_with_the_library(self):
        records = parse_jsonl(self.c_cli("--format", "jsonl", "--overlapping"))
        hits = lexicon_db().check(self.data, overlapping=True).hits
        self.assertGreater(len(hits), 30)
        expected = []
        for h in hits:
            record = {"start": h.start, "end": h.end, "entry": h.entry, "category": h.category,
                      "action": h.action, "text": h.text.decode("utf-8", "replace")}
            if h.tag is not None:
                record["tag"] = h.tag
            if h.suggestion is not None:
                record["suggestion"] = h.suggestion
            expected.append(record)
        got = [{k: v for k, v in r.items() if k not in ("file", "line", "col")} for r in records]
        self.assertEqual(got, expected)

    def test_python_cli_output_is_byte_identical(self):
        for args in ([], ["--overlapping"], ["--format", "jsonl"], ["--format", "jsonl", "--overlapping"]):
            with self.subTest(args=args):
                self.assertEqual(self.py_cli(*args).decode("utf-8", "replace").splitlines(),
                                 self.c_cli(*args).decode("utf-8", "replace").splitlines())
                self.assertEqual(self.py_cli(*args), self.c_cli(*args))

    def test_default_db_and_lexicon_agree(self):
        """Without --lexicon both take the same default: $SHAI_DEFAULT_LEXICON,
        else the saved db $SHAI_DEFAULT_DB; same output, same exit status."""
        db = os.path.join(self.tmp, "default.shai")
        other = os.path.join(self.tmp, "other")
        os.makedirs(other, exist_ok=True)
        with open(os.path.join(other, "x.txt"), "w", encoding="utf-8") as f:
            f.write("今天\n")  # a lexicon that finds nothing in the sample
        lexicon_db().save(db)
        cases = [
            {"SHAI_DEFAULT_LEXICON": None, "SHAI_DEFAULT_DB": db},
            {"SHAI_DEFAULT_LEXICON": LEXICON_DIR, "SHAI_DEFAULT_DB": None},
            {"SHAI_DEFAULT_LEXICON": other, "SHAI_DEFAULT_DB": db},
            {"SHAI_DEFAULT_LEXICON": None, "SHAI_DEFAULT_DB": os.path.join(self.tmp, "no.shai")},
        ]
        for env in cases:
            for args in ([], ["--format", "jsonl"]):
                with self.subTest(env=env, args=args):
                    c = subprocess.run([self.cli, "scan"] + args + [self.sample], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=child_env(**env), timeout=120)
                    py = run_python(["-m", "shai", "scan"] + args + [self.sample], **env)
                    self.assertEqual((py.returncode, py.stdout), (c.returncode, c.stdout),
                                     (py.stderr, c.stderr))
                    self.assertIn(c.returncode, (0, 1, 2))
        # The cases do differ: hits, none, an error.
        statuses = set()
        for env in cases:
            statuses.add(run_python(["-m", "shai", "scan", self.sample], **env).returncode)
        self.assertEqual(statuses, {0, 1, 2})


if __name__ == "__main__":
    unittest.main()
