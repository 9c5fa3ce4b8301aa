"""Db.check verdicts, Db.mask, and what a Db tells about its entries."""

import unittest

from _support import LEXICON_DIR, lexicon_db

import shai


class VerdictTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()

    def test_pass(self):
        v = self.db.check("今天天气很好")
        self.assertEqual(v.action, "pass")
        self.assertEqual(v.hits, [])
        self.assertTrue(v.passed)
        self.assertFalse(v.blocked)

    def test_review(self):
        v = self.db.check("这是最好的")
        self.assertEqual(v.action, "review")
        self.assertEqual([(h.start, h.end, h.suggestion) for h in v.hits], [(2, 4, "很好")])
        self.assertFalse(v.passed)

    def test_block_beats_review(self):
        v = self.db.check("最好的赌博")
        self.assertEqual(v.action, "block")
        self.assertTrue(v.blocked)
        self.assertEqual([h.entry for h in v.hits], ["最好", "赌博"])

    def test_allow_entry_suppresses_the_deny_hit_it_covers(self):
        self.assertEqual(self.db.check("中国赌博史").action, "pass")
        self.assertEqual(self.db.check("中国赌博史").hits, [])
        v = self.db.check("网络赌博")
        self.assertEqual(v.action, "block")
        self.assertEqual([(h.start, h.end) for h in v.hits], [(2, 4)])

    def test_violations_never_list_allow_hits(self):
        v = self.db.check("中国赌博史和网络赌博", overlapping=True)
        self.assertEqual([(h.entry, h.start) for h in v.hits], [("赌博", 8)])
        self.assertFalse(any(h.allow for h in v.hits))

    def test_overlapping_changes_hits_not_the_action(self):
        text = "赌博彩"
        a = self.db.check(text)
        b = self.db.check(text, overlapping=True)
        self.assertEqual(a.action, b.action)
        self.assertEqual(len(a.hits), 1)
        self.assertEqual(len(b.hits), 2)

    def test_many_violations(self):
        v = self.db.check("最好" * 300 + "赌博")
        self.assertEqual(v.action, "block")
        self.assertEqual(len(v.hits), 301)
        self.assertEqual(v.hits[-1].start, 600)

    def test_bytes(self):
        v = self.db.check(b"\xff" + "赌博".encode())
        self.assertEqual((v.action, v.hits[0].start, v.hits[0].end), ("block", 1, 7))


class MaskTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()

    def test_mask(self):
        self.assertEqual(self.db.mask("我爱赌博"), "我爱**")
        self.assertEqual(self.db.mask("kiss my ass"), "kiss my ***")
        self.assertEqual(self.db.mask("今天天气很好"), "今天天气很好")
        self.assertEqual(self.db.mask(""), "")

    def test_mask_character(self):
        self.assertEqual(self.db.mask("我爱赌博", char="█"), "我爱██")
        self.assertEqual(self.db.mask("我爱赌博", "🚫"), "我爱🚫🚫")
        self.assertEqual(self.db.mask("kiss my ass", "🚫"), "kiss my 🚫🚫🚫")

    def test_mask_astral_and_emoji(self):
        self.assertEqual(self.db.mask("😀吃𠮷野家吧😀"), "😀吃***吧😀")

    def test_allowed_text_is_not_masked(self):
        self.assertEqual(self.db.mask("中国赌博史，网络赌博"), "中国赌博史，网络**")

    def test_bytes_in_bytes_out(self):
        data = b"\xff" + "赌博".encode() + b"\xfe"
        self.assertEqual(self.db.mask(data), b"\xff**\xfe")
        self.assertEqual(self.db.mask(bytearray(data), "#"), b"\xff##\xfe")

    def test_long_text(self):
        text = "这是最好的赌博。" * 2000
        self.assertEqual(self.db.mask(text, "〇"), "这是〇〇的〇〇。" * 2000)

    def test_mask_growing_a_large_text(self):
        # ASCII words masked by a 4-byte character: the result outgrows the
        # first buffer, and C reports the size needed.
        text = "kiss my ass. " * 100000
        masked = self.db.mask(text, "🚫")
        self.assertEqual(masked, "kiss my 🚫🚫🚫. " * 100000)

    def test_bad_mask_character(self):
        for char in ("", "ab", "\ud800", 42, None):
            with self.assertRaises(shai.InvalidArgumentError):
                self.db.mask("赌博", char)


class EntriesTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()

    def test_len_and_entries(self):
        texts = [e.text for e in self.db.entries]
        self.assertEqual(len(self.db), len(texts))
        self.assertEqual(len(self.db.entries), len(self.db))
        self.assertEqual(
            sorted(texts),
            sorted(["赌博", "博彩", "网上赌场", "百家乐", "赌博史", "最好", "国家级", "ass", "fuck you", "𠮷野家"]),
        )
        for i, e in enumerate(self.db.entries):
            self.assertEqual(e.index, i)

    def test_entry_attributes(self):
        entries = {e.text: e for e in self.db.entries}
        self.assertEqual(entries["百家乐"], entries["百家乐"]._replace(
            category="gambling", action="review", allow=False, tag="casino", suggestion=None))
        self.assertTrue(entries["赌博史"].allow)
        self.assertEqual((entries["国家级"].tag, entries["国家级"].suggestion), ("adlaw", "国内领先"))
        self.assertEqual(entries["ass"].category, "abuse")

    def test_sequence_protocol(self):
        entries = self.db.entries
        self.assertEqual(entries[-1], entries[len(entries) - 1])
        self.assertEqual(entries[1:3], [entries[1], entries[2]])
        with self.assertRaises(IndexError):
            entries[len(entries)]
        self.assertIn(entries[0], entries)

    def test_categories(self):
        cats = self.db.categories
        self.assertIsInstance(cats, tuple)
        for name in ("gambling", "ad-law", "abuse", "brand"):
            self.assertIn(name, cats)
        for h in self.db.scan("赌博 最好 ass 𠮷野家"):
            self.assertIn(h.category, cats)

    def test_repr(self):
        self.assertIn("entries", repr(self.db))


class CompileTest(unittest.TestCase):
    def test_words(self):
        db = shai.Db.compile(words=["赌博", ("最好", {"category": "ad-law", "action": "review",
                                                    "suggestion": "很好", "tag": "t1"}),
                                    ("赌博史", {"allow": True})])
        self.assertEqual(len(db), 3)
        self.assertEqual(db.check("最好").hits[0].suggestion, "很好")
        self.assertEqual(db.check("最好").hits[0].tag, "t1")
        self.assertEqual(db.check("中国赌博史").action, "pass")
        self.assertEqual(db.scan("赌博")[0].category, "uncategorized")
        self.assertEqual(db.scan("赌博")[0].action, "block")

    def test_words_from_a_generator(self):
        db = shai.Db.compile(words=(w for w in ["赌博", "博彩"]))
        self.assertEqual(len(db), 2)

    def test_duplicates_merge(self):
        db = shai.Db.compile(words=[("赌博", {"action": "review"}), ("赌博", {"action": "block", "tag": "x"})])
        self.assertEqual(len(db), 1)
        self.assertEqual((db.entries[0].action, db.entries[0].tag), ("block", "x"))

    def test_paths_words_and_sources_together(self):
        db = shai.Db.compile([LEXICON_DIR], words=["新词"], sources={"extra.txt": "@category x\n另一个\n"})
        self.assertEqual(len(db), len(lexicon_db()) + 2)
        self.assertEqual(db.scan("另一个")[0].category, "x")

    def test_single_path_and_pathlike(self):
        import pathlib

        for path in (LEXICON_DIR, pathlib.Path(LEXICON_DIR), LEXICON_DIR.encode()):
            self.assertEqual(len(shai.Db.compile(path)), len(lexicon_db()))

    def test_sources_as_pairs_and_bytes(self):
        db = shai.Db.compile(sources=[("a.txt", "赌博\n"), ("b.txt", "最好\n".encode())])
        self.assertEqual(len(db), 2)

    def test_empty_lexicon_matches_nothing(self):
        db = shai.Db.compile(words=[])
        self.assertEqual(len(db), 0)
        self.assertEqual(db.scan("赌博"), [])
        self.assertEqual(db.check("赌博").action, "pass")
        self.assertEqual(db.mask("赌博"), "赌博")

    def test_library_version(self):
        self.assertRegex(shai.library_version(), r"^\d+\.\d+\.\d+")
        self.assertEqual(lexicon_db().library_version, shai.library_version())

    def test_db_cannot_be_constructed_directly(self):
        with self.assertRaises(TypeError):
            shai.Db()


if __name__ == "__main__":
    unittest.main()
