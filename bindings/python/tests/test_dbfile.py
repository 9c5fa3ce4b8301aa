"""Matching options, exact entries, shai.fold, and saved dbs."""

import os
import pickle
import tempfile
import unittest

from _support import LEXICON_DIR, lexicon_db

import shai
from shai import Fold


class OptionsTest(unittest.TestCase):
    def test_defaults(self):
        opts = shai.Db.compile(words=["赌博"]).options
        self.assertEqual(opts["fold"], Fold.ALL)
        self.assertIsInstance(opts["fold"], Fold)
        self.assertIsInstance(opts["max_gap"], int)
        self.assertIs(opts["repeats"], True)

    def test_fold(self):
        text = "我爱賭博"
        self.assertEqual(len(shai.Db.compile(words=["赌博"]).scan(text)), 1)
        for fold in (Fold.WIDTH | Fold.CASE, 5, ["width", "case"], "width"):
            db = shai.Db.compile(words=["赌博"], fold=fold)
            self.assertEqual(db.scan(text), [], fold)
        self.assertEqual(shai.Db.compile(words=["赌博"], fold=["width", "case"]).options["fold"],
                         Fold.WIDTH | Fold.CASE)
        self.assertEqual(len(shai.Db.compile(words=["赌博"], fold=Fold.T2S).scan(text)), 1)

    def test_max_gap(self):
        text = "赌***博"
        self.assertEqual(len(shai.Db.compile(words=["赌博"], max_gap=3).scan(text)), 1)
        self.assertEqual(shai.Db.compile(words=["赌博"], max_gap=2).scan(text), [])
        db = shai.Db.compile(words=["赌博"], max_gap=0)
        self.assertEqual(db.options["max_gap"], 0)
        self.assertEqual(db.scan("赌 博"), [])

    def test_repeats(self):
        self.assertEqual([h.text for h in shai.Db.compile(words=["赌博"]).scan("赌赌博博")], ["赌赌博博"])
        db = shai.Db.compile(words=["赌博"], repeats=False)
        self.assertIs(db.options["repeats"], False)
        self.assertEqual([h.text for h in db.scan("赌赌博博")], ["赌博"])

    def test_bad_options(self):
        for options in ({"max_gap": 99}, {"max_gap": -1}, {"fold": "bogus"}, {"fold": True},
                        {"max_gap": "three"}, {"colour": 1}):
            with self.subTest(options=options):
                with self.assertRaises(shai.OptionError) as cm:
                    shai.Db.compile(words=["x"], **options)
                self.assertEqual(cm.exception.status_name, "E_BAD_OPTION")
                self.assertIn(next(iter(options)), str(cm.exception))


class ExactEntryTest(unittest.TestCase):
    def test_exact_word(self):
        db = shai.Db.compile(words=[("fuck", {"exact": True}), "赌博"])
        self.assertTrue(db.entries[0].exact)
        self.assertFalse(db.entries[1].exact)
        self.assertEqual([h.text for h in db.scan("fuck ＦＵＣＫ f*u*c*k 賭博")], ["fuck", "賭博"])

    def test_exact_in_a_source(self):
        db = shai.Db.compile(sources={"e.txt": "@exact\nVPN\n@fold\n翻墙\n"})
        self.assertEqual([(e.text, e.exact) for e in db.entries], [("VPN", True), ("翻墙", False)])


class FoldFunctionTest(unittest.TestCase):
    def test_fold(self):
        self.assertEqual(shai.fold("賭博 ＶＰＮ"), "赌博 vpn")
        self.assertEqual(shai.fold("賭博", Fold.WIDTH), "賭博")
        self.assertEqual(shai.fold("賭博".encode()), "赌博".encode())
        self.assertEqual(shai.fold("赌\u200b博"), "赌博")
        self.assertEqual(shai.fold(""), "")
        self.assertIsInstance(shai.fold_table_version(), str)
        self.assertTrue(shai.fold_table_version())

    def test_long_text(self):
        text = "ＡＢＣ賭博①" * 10000
        self.assertEqual(shai.fold(text), "abc赌博1" * 10000)


class SavedDbTest(unittest.TestCase):
    def setUp(self):
        self.db = lexicon_db()
        self.tmp = tempfile.mkdtemp(prefix="shai-py-db-")

    def tearDown(self):
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)

    def assertSameDb(self, a, b):
        self.assertEqual(len(a), len(b))
        self.assertEqual(a.categories, b.categories)
        self.assertEqual(list(a.entries), list(b.entries))
        self.assertEqual(a.options, b.options)
        for text in ("我爱賭博", "中国赌博史和网络赌博", "kiss my ass", "最好的𠮷野家"):
            self.assertEqual(a.scan(text, overlapping=True), b.scan(text, overlapping=True))
            self.assertEqual(a.check(text), b.check(text))

    def test_save_and_load(self):
        path = os.path.join(self.tmp, "test.shai")
        self.db.save(path)
        loaded = shai.Db.load(path)
        self.assertSameDb(self.db, loaded)
        # the loaded db holds the whole image, header included
        self.assertGreater(loaded.nbytes, os.path.getsize(path))
        self.assertGreater(loaded.nbytes, self.db.nbytes)

    def test_copy_survives_rewrite_in_place(self):
        path = os.path.join(self.tmp, "live.shai")
        self.db.save(path)
        loaded = shai.Db.load(path, copy=True)
        text = "中国赌博史和网络赌博"
        expect = self.db.scan(text, overlapping=True)
        self.assertTrue(expect)
        os.truncate(path, 0)
        self.assertEqual(loaded.scan(text, overlapping=True), expect)
        with open(path, "wb") as f:  # overwritten in place, as cp does
            f.write(shai.Db.compile(words=["网络"]).to_bytes())
        self.assertEqual(loaded.scan(text, overlapping=True), expect)
        self.assertEqual(len(shai.Db.load(path, copy=True)), 1)
        self.assertSameDb(self.db, loaded)
        for bad in (1, None, "yes"):
            with self.assertRaises(TypeError):
                shai.Db.load(path, copy=bad)

    def test_options_are_kept(self):
        db = shai.Db.compile(LEXICON_DIR, fold=Fold.WIDTH, max_gap=1, repeats=False)
        path = os.path.join(self.tmp, "opts.shai")
        db.save(path)
        self.assertEqual(shai.Db.load(path).options, db.options)

    def test_bytes_and_pickle(self):
        image = self.db.to_bytes()
        self.assertGreater(self.db.nbytes, len(image))
        self.assertSameDb(self.db, shai.Db.from_bytes(image))
        self.assertSameDb(self.db, shai.Db.from_bytes(bytearray(image)))
        self.assertSameDb(self.db, pickle.loads(pickle.dumps(self.db)))

    def test_bad_images(self):
        image = self.db.to_bytes()
        corrupted = bytearray(image)
        corrupted[len(corrupted) // 2] ^= 0xFF
        for data in (b"", b"not a db" * 100, image[:-8], bytes(corrupted)):
            with self.assertRaises(shai.BadDbError) as cm:
                shai.Db.from_bytes(data)
            self.assertIn(cm.exception.status_name, ("E_BAD_DB", "E_DB_VERSION"))
            self.assertIsInstance(cm.exception, ValueError)

    def test_bad_files(self):
        with self.assertRaises(shai.FileError) as cm:
            shai.Db.load(os.path.join(self.tmp, "missing.shai"))
        self.assertEqual(os.path.basename(cm.exception.file), "missing.shai")
        path = os.path.join(self.tmp, "text.shai")
        with open(path, "w", encoding="utf-8") as f:
            f.write("赌博\n" * 100)
        with self.assertRaises(shai.BadDbError) as cm:
            shai.Db.load(path)
        self.assertEqual(cm.exception.file, path)
        with self.assertRaises(shai.FileError):
            self.db.save(os.path.join(self.tmp, "no", "such", "dir.shai"))


if __name__ == "__main__":
    unittest.main()
