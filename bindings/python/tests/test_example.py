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


if __name__ == "__main__":
    unittest.main()
