#!/usr/bin/env python3
"""The lexicon maintainer's commands, end to end: `shai lint` (every
malformed line, shadowed entries, rules that fire too often on a corpus),
`shai import --lenient` and `shai diff`. Python stdlib unittest only;
SHAI_BIN names the executable."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SHAI = os.environ.get("SHAI_BIN", "shai")


class MaintTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="shai-maint-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def run_shai(self, *args, input=b""):
        return subprocess.run([SHAI] + list(args), input=input, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=self.dir,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))

    def assert_exit(self, p, code):
        self.assertEqual(p.returncode, code,
                         "exit %d, stdout %r, stderr %r" % (p.returncode, p.stdout, p.stderr))


# A third-party list: control characters (U+0016 three times, U+0001, DEL),
# invalid UTF-8, a bad rule, an unknown directive, good lines between them.
THIRD_PARTY = (b"\xe8\xb5\x8c\xe5\x8d\x9a\n"            # 1 赌博
               b"\xe4\xbb\xa3\x16\xe5\xbc\x80\n"        # 2 代<U+0016>开, col 2
               b"\xe6\xaf\x92\xe5\x93\x81\n"            # 3 毒品
               b"\x16\xe5\x86\xb0\n"                    # 4 col 1
               b"ab\x16\n"                              # 5 col 3
               b"\x01x\n"                               # 6 col 1
               b"q\x7fq\n"                              # 7 col 2
               b"\xe5\x9d\x8f\xff\n"                    # 8 invalid UTF-8, col 2
               b"re:a(b\n"                              # 9 bad rule
               b"@colour red\n"                         # 10 unknown directive
               b"\xe5\x86\xb0\xe6\xaf\x92\n"            # 11 冰毒
               b"\xe8\xb5\x8c\xe5\x8d\x9a\n")           # 12 赌博 again: a duplicate

EXPECTED_BAD = [
    (2, 2, "entry: control character U+0016"),
    (4, 1, "entry: control character U+0016"),
    (5, 3, "entry: control character U+0016"),
    (6, 1, "entry: control character U+0001"),
    (7, 2, "entry: control character U+007F"),
    (8, 2, "invalid UTF-8 (byte 0xFF)"),
    (9, None, "regex: missing closing parenthesis"),
    (10, 1, "unknown directive '@colour'"),
]


class TestLintEveryProblem(MaintTestCase):
    def test_one_error_per_bad_line(self):
        lst = self.write("houbb.txt", THIRD_PARTY)
        p = self.run_shai("lint", lst)
        self.assert_exit(p, 1)
        out = p.stdout.decode().splitlines()
        errors = [l for l in out if re.search(r":\d+:\d+: error: ", l)]
        self.assertEqual(len(errors), len(EXPECTED_BAD), out)
        for line, (n, col, message) in zip(errors, EXPECTED_BAD):
            m = re.match(re.escape(lst) + r":(\d+):(\d+): error: (.*)$", line)
            self.assertTrue(m, line)
            self.assertEqual(int(m.group(1)), n)
            if col is not None:
                self.assertEqual(int(m.group(2)), col)
            self.assertEqual(m.group(3), message)
            self.assertNotIn("\x16", line)
        # the good lines are still checked: the duplicate is found
        self.assertIn(lst + ":12: error: duplicate entry '赌博' (also at line 1)", out)
        self.assertIn("9 errors", p.stderr.decode())

    def test_unreadable_file_is_exit_2(self):
        p = self.run_shai("lint", os.path.join(self.dir, "nope.txt"))
        self.assert_exit(p, 2)


class TestLintShadowed(MaintTestCase):
    def test_review_word_under_block_word(self):
        lex = self.write("s.txt", "@category gambling\n赌博\n网络赌博\taction=review\n"
                                  "六合彩\n六合彩游戏\taction=review\n@allow\n六合彩游戏机\n"
                                  "@deny\n@category drugs\n@action review\n赌博毒品\n")
        p = self.run_shai("lint", lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(), [
            lex + ":3: warning: entry '网络赌博' (review) is shadowed by block entry '赌博' "
                  "(line 2, same category): every text it matches contains that entry, "
                  "which no allow entry covers: the text is blocked and the review action "
                  "never counts",
        ])
        # 六合彩游戏: an allow word contains 六合彩 (it can be suppressed there
        # while 六合彩游戏 is not: 六合彩游戏机 covers one hit, not the other);
        # 赌博毒品: another category (a scene may turn gambling off)
        p = self.run_shai("lint", "--strict", lex)
        self.assert_exit(p, 1)

    def test_exact_twin_of_an_earlier_folded_word(self):
        a = self.write("a.txt", "@category x\n赌博\n")
        b = self.write("b.txt", "@category x\n赌博\texact\n毒品\texact\n")
        p = self.run_shai("lint", a, b)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(), [
            b + ":2: warning: exact entry '赌博' is shadowed by entry '赌博' (" + a + ":2): "
                "that entry matches every span this one does and is reported instead; this "
                "one never is",
        ])
        # in the other order the exact word comes first: nothing is shadowed
        p = self.run_shai("lint", b, a)
        self.assertEqual(p.stdout.decode(), "")


class TestLintPartialOverlap(MaintTestCase):
    def test_allow_that_overlaps_without_covering(self):
        lex = self.write("o.txt", "@category abuse\n妈的\n他妈\n@allow\n老妈\n中国\n")
        p = self.run_shai("lint", lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(), [
            lex + ":5: warning: allow entry '老妈' suppresses nothing: no deny entry matches "
                  "inside it; it overlaps deny entry '妈的' (line 2) without covering it: in "
                  "'老妈的' the allow hit does not cover that deny hit: it is still a violation",
            lex + ":6: warning: allow entry '中国' suppresses nothing: no deny entry matches "
                  "inside it",
        ])
        # with the allow entry it was meant to be, the deny hit is covered there
        self.write("o.txt", "@category abuse\n妈的\n他妈\n@allow\n老妈\n中国\n老妈的\n")
        p = self.run_shai("lint", lex)
        self.assertIn(lex + ":5: warning: allow entry '老妈' suppresses nothing: no deny entry "
                            "matches inside it\n", p.stdout.decode())


class TestLintCorpus(MaintTestCase):
    def setUp(self):
        super().setUp()
        self.lex = self.write("rules.txt", "@category spam\nre:\\d{5,}\nre:qq\\d{5,}\n"
                                           "@allow\nre:\\d{5,}元\n")
        lines = ["订单号 12345678 已发货"] * 3 + ["普通的一句话"] * 997
        self.corpus = self.write("corpus.txt", "\n".join(lines) + "\n")

    def test_rule_over_the_rate(self):
        # 3 lines of 1000: 30 per 10,000
        p = self.run_shai("lint", "--corpus", self.corpus, self.lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode().splitlines(), [
            self.lex + ":2: warning: rule fires too often: it hits 30.0 lines per 10,000 of "
                       "the reference corpus (3 of 1000 lines; the limit is 20), e.g. " +
                       self.corpus + ":1: '订单号 12345678 已发货'",
        ])
        p = self.run_shai("lint", "--corpus", self.corpus, "--max-rule-rate", "30", self.lex)
        self.assertEqual(p.stdout.decode(), "")
        p = self.run_shai("lint", "--strict", "--corpus", self.corpus, self.lex)
        self.assert_exit(p, 1)
        # several corpora count together; - is standard input
        # several corpora count together (- is standard input): 3 of 2000 lines
        p = self.run_shai("lint", "--corpus", self.corpus, "--corpus", "-", self.lex,
                          input=("x\n" * 1000).encode())
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode(), "")
        p = self.run_shai("lint", "--corpus", self.corpus, "--corpus", "-", "--max-rule-rate",
                          "14", self.lex, input=("x\n" * 1000).encode())
        self.assertIn("it hits 15.0 lines per 10,000 of the reference corpus (3 of 2000 lines",
                      p.stdout.decode())

    def test_allowed_hits_do_not_count(self):
        corpus = self.write("prices.txt", "价格 12345元\n" * 10)
        p = self.run_shai("lint", "--corpus", corpus, self.lex)
        self.assert_exit(p, 0)
        self.assertEqual(p.stdout.decode(), "")

    def test_errors(self):
        p = self.run_shai("lint", "--corpus", os.path.join(self.dir, "nope"), self.lex)
        self.assert_exit(p, 2)
        p = self.run_shai("lint", "--max-rule-rate", "x", self.lex)
        self.assert_exit(p, 2)
        p = self.run_shai("lint", "--corpus=", self.lex)
        self.assert_exit(p, 2)


class TestImport(MaintTestCase):
    def test_lenient(self):
        lst = self.write("houbb.txt", THIRD_PARTY)
        other = self.write("more/b.txt", "@category drugs\n@action review\n海洛因\n")
        out = os.path.join(self.dir, "out.txt")
        p = self.run_shai("import", "--lenient", lst, os.path.dirname(other), "-o", out)
        self.assert_exit(p, 1)
        err = p.stderr.decode().splitlines()
        skipped = [l for l in err if ": skipped: " in l]
        self.assertEqual(len(skipped), len(EXPECTED_BAD), err)
        for line, (n, col, message) in zip(skipped, EXPECTED_BAD):
            prefix = "%s:%d:" % (lst, n)
            self.assertTrue(line.startswith(prefix), line)
            self.assertTrue(line.endswith(": skipped: " + message), line)
        self.assertEqual(err[-1], "shai: import: 4 entries from 2 files to %s, 8 lines skipped"
                                  % out)
        # the output loads strictly and screens as the good lines say
        p = self.run_shai("lint", out)
        self.assertNotIn(": error: control", p.stdout.decode())
        db = os.path.join(self.dir, "out.shai")
        self.assert_exit(self.run_shai("compile", out, "-o", db), 0)
        p = self.run_shai("scan", "--db", db, "--format", "jsonl", "-",
                          input="赌博 毒品 冰毒 海洛因 开\n".encode())
        hits = {h["entry"]: (h["category"], h["action"])
                for h in map(json.loads, p.stdout.decode().splitlines())}
        # each source keeps its own defaults: 海洛因 is drugs/review, the
        # first source's words uncategorized/block
        self.assertEqual(hits, {"赌博": ("uncategorized", "block"),
                                "毒品": ("uncategorized", "block"),
                                "冰毒": ("uncategorized", "block"),
                                "海洛因": ("drugs", "review")})

    def test_strict_writes_nothing(self):
        lst = self.write("houbb.txt", THIRD_PARTY)
        out = os.path.join(self.dir, "out.txt")
        p = self.run_shai("import", lst, "-o", out)
        self.assert_exit(p, 2)
        self.assertIn(lst + ":2:2: entry: control character U+0016 (use --lenient to skip it)",
                      p.stderr.decode())
        self.assertFalse(os.path.exists(out))

    def test_clean_list_and_stdout(self):
        lst = self.write("ok.txt", "\ufeff赌博\r\n@category drugs\r\n冰毒\r\n")
        p = self.run_shai("import", "--lenient", "-q", lst, "-o", "-")
        self.assert_exit(p, 0)
        self.assertEqual(p.stderr, b"")
        text = p.stdout.decode()
        self.assertNotIn("\r", text)
        self.assertNotIn("\ufeff", text)
        self.assertIn("\n赌博\n@category drugs\n冰毒\n", text)

    def test_usage(self):
        self.assert_exit(self.run_shai("import", "-o", "x.txt"), 2)
        lst = self.write("ok.txt", "赌博\n")
        self.assert_exit(self.run_shai("import", lst), 2)


class TestDiff(MaintTestCase):
    def setUp(self):
        super().setUp()
        self.old = self.write("old/words.txt", "@category gambling\n赌博\n@category drugs\n冰毒\n"
                                               "@category ad-law\n@action review\n最好\n"
                                               "@scene comments\nad-law off\n@end\n")
        self.new = self.write("new/words.txt", "@category gambling\n赌博\taction=review\n"
                                               "@category drugs\n毒品\n"
                                               "@category ad-law\n@action review\n最好\n"
                                               "@scene comments\nad-law off\n@end\n")
        self.corpus = self.write("c.txt", "我去赌博了\n冰毒和毒品\n正常的一句话\n又去赌博\n"
                                          "这是最好的\n")

    def test_text(self):
        p = self.run_shai("diff", "--examples", "1", self.old, self.new, self.corpus)
        self.assert_exit(p, 1)
        self.assertEqual(p.stdout.decode(), "\n".join([
            "corpus: 5 lines in 1 file",
            "verdicts per 10,000 lines: old review 2000.0 block 6000.0, new review 6000.0 "
            "block 2000.0",
            "verdict changes (per 10,000 lines):",
            "  block -> review  2 (4000.0)",
            "      %s:1: 我去赌博了" % self.corpus,
            "entries gained (lines NEW reports the entry in and OLD does not):",
            "  +1 '毒品' drugs block (new entry)",
            "      %s:2: 冰毒和毒品" % self.corpus,
            "entries lost (lines OLD reports the entry in and NEW does not):",
            "  -1 '冰毒' drugs block (removed)",
            "      %s:2: 冰毒和毒品" % self.corpus,
            "entries changed (lines both report the entry in, with another category or "
            "action):",
            "  ~2 '赌博' gambling block->review",
            "      %s:1: 我去赌博了" % self.corpus,
            "",
        ]))

    def test_json_and_saved_dbs(self):
        db_old = os.path.join(self.dir, "old.shai")
        self.assert_exit(self.run_shai("compile", os.path.dirname(self.old), "-o", db_old), 0)
        p = self.run_shai("diff", "--json", db_old, os.path.dirname(self.new), self.corpus)
        self.assert_exit(p, 1)
        d = json.loads(p.stdout)
        self.assertEqual(d["lines"], 5)
        self.assertEqual(d["verdicts"], {"old": {"pass": 1, "review": 1, "block": 3},
                                         "new": {"pass": 1, "review": 3, "block": 1}})
        self.assertEqual([(t["from"], t["to"], t["lines"]) for t in d["transitions"]],
                         [("block", "review", 2)])
        self.assertEqual(len(d["transitions"][0]["examples"]), 2)
        self.assertEqual(d["transitions"][0]["examples"][1],
                         {"file": self.corpus, "line": 4, "text": "又去赌博"})
        by_text = {e["text"]: e for e in d["entries"]}
        self.assertEqual(set(by_text), {"赌博", "冰毒", "毒品"})
        self.assertEqual(by_text["赌博"]["action"], {"old": "block", "new": "review"})
        self.assertEqual(by_text["赌博"]["changed"], 2)
        self.assertEqual(by_text["冰毒"]["lost"], 1)
        self.assertEqual(by_text["冰毒"]["category"], {"old": "drugs", "new": None})
        self.assertEqual(by_text["毒品"]["gained"], 1)

    def test_scene_and_no_change(self):
        # under the comments scene ad-law is off in both: 最好 counts in neither
        p = self.run_shai("diff", "--json", "--scene", "comments", self.old, self.new,
                          self.corpus)
        d = json.loads(p.stdout)
        self.assertEqual(d["scene"], "comments")
        self.assertEqual(d["verdicts"]["old"], {"pass": 2, "review": 0, "block": 3})
        p = self.run_shai("diff", self.old, self.old, self.corpus)
        self.assert_exit(p, 0)
        self.assertIn("verdict changes (per 10,000 lines): none\n", p.stdout.decode())

    def test_usage(self):
        self.assert_exit(self.run_shai("diff", self.old, self.new), 2)
        self.assert_exit(self.run_shai("diff", self.old, self.new, "nope.txt"), 2)
        self.assert_exit(self.run_shai("diff", "--scene", "nope", self.old, self.new,
                                       self.corpus), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
