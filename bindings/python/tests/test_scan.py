"""Db.scan: offsets for CJK, astral and mixed text, str and bytes input."""

import unittest

from _support import lexicon_db

import shai


def spans(hits):
    return [(h.start, h.end, h.text) for h in hits]


class OffsetTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()

    def assertConsistent(self, text, hits):
        """Every hit's str indices and UTF-8 offsets name the same text."""
        data = text.encode("utf-8")
        for h in hits:
            self.assertEqual(text[h.start : h.end], h.text)
            self.assertEqual(data[h.byte_start : h.byte_end], h.text.encode("utf-8"))
            self.assertEqual(len(text[: h.start].encode("utf-8")), h.byte_start)
        # Scanning the bytes finds the same hits at the same byte offsets.
        as_bytes = self.db.scan(data, overlapping=True)
        as_str = self.db.scan(text, overlapping=True)
        self.assertEqual([(h.byte_start, h.byte_end, h.entry) for h in as_str],
                         [(h.start, h.end, h.entry) for h in as_bytes])

    def test_cjk(self):
        text = "我爱赌博"
        hits = self.db.scan(text)
        self.assertEqual(len(hits), 1)
        h = hits[0]
        self.assertEqual((h.start, h.end, h.byte_start, h.byte_end), (2, 4, 6, 12))
        self.assertEqual((h.text, h.entry, h.category, h.action), ("赌博", "赌博", "gambling", "block"))
        self.assertFalse(h.allow)
        self.assertIsNone(h.tag)
        self.assertIsNone(h.suggestion)
        self.assertEqual(self.db.entries[h.entry_index].text, "赌博")
        self.assertConsistent(text, hits)

    def test_emoji_before_and_after(self):
        text = "😀😀赌博🎉"
        hits = self.db.scan(text)
        self.assertEqual(spans(hits), [(2, 4, "赌博")])
        self.assertEqual((hits[0].byte_start, hits[0].byte_end), (8, 14))
        self.assertConsistent(text, hits)

    def test_astral_character_inside_entry(self):
        text = "吃𠮷野家吧"
        hits = self.db.scan(text)
        self.assertEqual(spans(hits), [(1, 4, "𠮷野家")])
        self.assertEqual((hits[0].byte_start, hits[0].byte_end), (3, 13))
        self.assertEqual((hits[0].category, hits[0].action), ("brand", "review"))
        self.assertConsistent(text, hits)

    def test_mixed_text(self):
        text = "Hello 世界, kiss my ass! this class is 最好的。😀 赌博彩"
        hits = self.db.scan(text)
        self.assertEqual([h.text for h in hits], ["ass", "最好", "赌博"])
        ass, best, gamble = hits
        self.assertEqual(ass.start, text.index("ass!"))
        self.assertEqual(best.start, text.index("最好"))
        self.assertEqual(best.suggestion, "很好")
        self.assertEqual(gamble.start, text.index("赌博"))
        self.assertConsistent(text, hits)

    def test_latin_word_boundaries(self):
        self.assertEqual(self.db.scan("this class is classy"), [])
        self.assertEqual(spans(self.db.scan("ass")), [(0, 3, "ass")])

    def test_ascii_text_offsets_are_byte_offsets(self):
        text = "well, fuck you and your ass"
        hits = self.db.scan(text)
        self.assertEqual(spans(hits), [(6, 14, "fuck you"), (24, 27, "ass")])
        for h in hits:
            self.assertEqual((h.start, h.end), (h.byte_start, h.byte_end))

    def test_nul_characters_are_text(self):
        text = "a\x00赌博\x00"
        self.assertEqual(spans(self.db.scan(text)), [(2, 4, "赌博")])

    def test_empty_and_clean_text(self):
        self.assertEqual(self.db.scan(""), [])
        self.assertEqual(self.db.scan(b""), [])
        self.assertEqual(self.db.scan("今天天气很好"), [])

    def test_overlapping(self):
        text = "赌博彩"
        self.assertEqual(spans(self.db.scan(text)), [(0, 2, "赌博")])
        both = self.db.scan(text, overlapping=True)
        self.assertEqual(sorted(spans(both)), [(0, 2, "赌博"), (1, 3, "博彩")])
        self.assertConsistent(text, both)

    def test_allow_entries_are_reported_by_scan(self):
        text = "中国赌博史"
        hits = self.db.scan(text, overlapping=True)
        by_entry = {h.entry: h for h in hits}
        self.assertTrue(by_entry["赌博史"].allow)
        self.assertFalse(by_entry["赌博"].allow)
        self.assertEqual((by_entry["赌博史"].start, by_entry["赌博史"].end), (2, 5))

    def test_tags(self):
        hits = self.db.scan("玩百家乐")
        self.assertEqual((hits[0].tag, hits[0].action), ("casino", "review"))

    def test_many_hits_grow_the_buffer(self):
        for n in (63, 64, 65, 1000, 5000):
            text = "x赌博" * n
            hits = self.db.scan(text)
            self.assertEqual(len(hits), n)
            self.assertEqual((hits[-1].start, hits[-1].end), (3 * n - 2, 3 * n))
            self.assertEqual((hits[-1].byte_start, hits[-1].byte_end), (7 * n - 6, 7 * n))
        # And the small buffer still works afterwards.
        self.assertEqual(len(self.db.scan("赌博")), 1)

    def test_many_overlapping_hits(self):
        text = "赌博彩" * 3000
        hits = self.db.scan(text, overlapping=True)
        self.assertEqual(len(hits), 6000)
        self.assertConsistent(text[:30], self.db.scan(text[:30]))


class FoldedMatchTest(unittest.TestCase):
    """Hits found through the normalizer: the offsets still point at what
    the user wrote, however long it is in code points and bytes."""

    def setUp(self):
        self.db = lexicon_db()

    def check_one(self, text, entry, match):
        hits = self.db.scan(text)
        self.assertEqual([(h.entry, h.text) for h in hits], [(entry, match)], text)
        h = hits[0]
        self.assertEqual((h.start, h.end), (text.index(match), text.index(match) + len(match)))
        self.assertEqual(text.encode()[h.byte_start : h.byte_end], match.encode())
        self.assertEqual(self.db.mask(text), text.replace(match, "*" * len(match)))

    def test_traditional(self):
        self.check_one("我愛賭博!", "赌博", "賭博")

    def test_fullwidth_and_case(self):
        self.check_one("你 ＡＳＳ 了", "ass", "ＡＳＳ")

    def test_noise_and_emoji_inside(self):
        self.check_one("🎉赌😀博🎉", "赌博", "赌😀博")
        self.check_one("x赌*博x", "赌博", "赌*博")

    def test_zero_width_inside(self):
        self.check_one("我爱赌\u200b博", "赌博", "赌\u200b博")

    def test_astral_styled_letters(self):
        self.check_one("kiss my 𝐚𝐬𝐬 now", "ass", "𝐚𝐬𝐬")


class BytesInputTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()

    def test_offsets_are_byte_offsets(self):
        data = "😀赌博".encode("utf-8")
        hits = self.db.scan(data)
        self.assertEqual(len(hits), 1)
        h = hits[0]
        self.assertEqual((h.start, h.end, h.byte_start, h.byte_end), (4, 10, 4, 10))
        self.assertEqual(h.text, "赌博".encode("utf-8"))
        self.assertEqual(h.entry, "赌博")

    def test_invalid_utf8_is_fine(self):
        data = b"\xff\xfe" + "赌博".encode() + b"\xe8\xb5" + b"\xc0\xaf" + "最好".encode() + b"\xed\xa0\x80"
        hits = self.db.scan(data)
        self.assertEqual([(h.start, h.end, h.entry) for h in hits], [(2, 8, "赌博"), (12, 18, "最好")])
        self.assertEqual(self.db.check(data).action, "block")
        self.assertEqual(self.db.scan(b"\xff" * 100), [])

    def test_bytes_like_inputs(self):
        data = "我爱赌博".encode()
        expected = [(h.start, h.end) for h in self.db.scan(data)]
        for value in (bytearray(data), memoryview(data)):
            self.assertEqual([(h.start, h.end) for h in self.db.scan(value)], expected)
            self.assertIsInstance(self.db.scan(value)[0].text, bytes)

    def test_other_types_are_rejected(self):
        for value in (None, 42, ["赌博"]):
            with self.assertRaises(TypeError):
                self.db.scan(value)


class SurrogateTest(unittest.TestCase):
    def test_lone_surrogate_is_a_clear_error(self):
        db = lexicon_db()
        text = "赌博\ud800x"
        for call in (db.scan, db.check, db.mask):
            with self.assertRaises(shai.InvalidTextError) as cm:
                call(text)
            err = cm.exception
            self.assertIsInstance(err, ValueError)
            self.assertIsInstance(err, shai.Error)
            self.assertEqual(err.index, 2)
            self.assertEqual(err.status_name, "E_BAD_UTF8")
            self.assertIn("U+D800", str(err))
            self.assertIn("index 2", str(err))

    def test_surrogateescape_text_can_be_scanned_as_bytes(self):
        raw = b"\xff" + "赌博".encode()
        text = raw.decode("utf-8", "surrogateescape")
        with self.assertRaises(shai.InvalidTextError):
            lexicon_db().scan(text)
        hits = lexicon_db().scan(text.encode("utf-8", "surrogateescape"))
        self.assertEqual((hits[0].start, hits[0].end), (1, 7))


if __name__ == "__main__":
    unittest.main()
