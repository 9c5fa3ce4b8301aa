"""Matching rules against the shipped lexicon (issue 15): a doubled character
that an entry needs is not swallowed by the repeats rule (小鸡鸡 has 鸡鸡).

Runs the built CLI over wordlists/ (SHAI_BIN, SHAI_SOURCE_DIR from meson)."""
import unittest

import wordlists_cli


# (line, a text the line's hits must include)
DOUBLED = [
    ("小鸡鸡", "鸡鸡"),
    ("大鸡鸡", "鸡鸡"),
    ("干机机歪歪", "机机歪歪"),
]


def hit_texts(lines, *extra):
    return {k: [h["text"] for h in v] for k, v in wordlists_cli.scan(lines, *extra).items()}


class MatchingRules(unittest.TestCase):
    def test_doubled_character_entries(self):
        for extra in ((), ("--overlapping",)):
            got = hit_texts([line for line, _ in DOUBLED], *extra)
            for n, (line, text) in enumerate(DOUBLED, 1):
                with self.subTest(line=line, mode=extra):
                    self.assertIn(text, got.get(n, []))


if __name__ == "__main__":
    unittest.main()
