"""examples/screen_comments.py screens JSONL comments."""

import json
import os
import unittest

from _support import DATA_DIR, LEXICON_DIR, PACKAGE_DIR, run_python

EXAMPLE = os.path.join(PACKAGE_DIR, "examples", "screen_comments.py")


class ScreenCommentsTest(unittest.TestCase):
    def test_verdicts(self):
        r = run_python([EXAMPLE, "--lexicon", LEXICON_DIR, os.path.join(DATA_DIR, "comments.jsonl")])
        self.assertEqual(r.returncode, 0, r.stderr)
        records = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([(x["id"], x["verdict"]) for x in records],
                         [(1, "pass"), (2, "review"), (3, "block"), ("c-4", "pass")])
        self.assertEqual(records[1]["hits"][0]["suggestion"], "很好")
        self.assertEqual(records[2]["masked"], "加我一起******")
        self.assertEqual([(h["start"], h["end"]) for h in records[2]["hits"]], [(4, 8), (8, 10)])
        self.assertIn(b"4 comments", r.stderr)

    def test_bad_lines_are_reported_and_skipped(self):
        data = '{"id": 1, "text": "赌博"}\nnot json\n{"id": 2}\n{"id": 3, "text": "好"}\n'.encode()
        r = run_python([EXAMPLE, "--lexicon", LEXICON_DIR], input=data)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stdout.decode().splitlines()), 2)
        self.assertIn(b"<stdin>:2: skipped", r.stderr)
        self.assertIn(b"<stdin>:3: skipped", r.stderr)

    def test_match_limit_does_not_stop_the_screening(self):
        # A comment on which a rule gives up (issue #19) is sent to review
        # with the hits found, and the next comments are still screened.
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            lex = os.path.join(tmp, "lex.txt")
            with open(lex, "w", encoding="utf-8") as f:
                f.write("@category spam\n@action review\nre:k(?:a+)+b\n"
                        "@category gambling\n@action block\n赌博\n")
            pad = "k" + "a" * 40 + "cb"
            data = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(["好", pad + " 赌博", pad, "kab", "赌博"], 1))
            r = run_python([EXAMPLE, "--lexicon", lex], input=data.encode())
        self.assertEqual(r.returncode, 2, r.stderr)
        records = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([(x["id"], x["verdict"], x.get("incomplete", False)) for x in records],
                         [(1, "pass", False), (2, "block", True), (3, "review", True),
                          (4, "review", False), (5, "block", False)])
        self.assertEqual([h["text"] for h in records[1]["hits"]], ["赌博"])
        self.assertNotIn("hits", records[2])
        self.assertIn(b"<stdin>:2: not screened in full", r.stderr)
        self.assertIn(b"<stdin>:3: not screened in full", r.stderr)


if __name__ == "__main__":
    unittest.main()
