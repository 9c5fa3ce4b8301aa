"""Db.check_batch (shai_check_batch), the library's names and default db
path, and the room in shai_hit."""

import ctypes
import os
import tempfile
import unittest

from _support import lexicon_db

import shai
from shai import _capi


class BatchTest(unittest.TestCase):
    def test_batch_is_check_of_each_text(self):
        db = lexicon_db()
        texts = ["我爱赌博", "", "今天天气很好", b"\xff\xfe\xe8\xb5\xe8\xb5\x8c\xe5\x8d\x9a",
                 "中国赌博史和网络赌博", "kiss my ass 赌博" * 50, bytearray("博彩".encode())]
        for overlapping in (False, True):
            with self.subTest(overlapping=overlapping):
                got = db.check_batch(texts, overlapping=overlapping)
                self.assertEqual(got, [db.check(t, overlapping=overlapping) for t in texts])
        self.assertGreater(len(db.check_batch(texts)[5].hits), 64)  # past the first buffer
        self.assertEqual(db.check_batch([]), [])
        self.assertEqual(db.check_batch(iter(["赌博"]))[0].action, "block")

    def test_many_texts(self):
        db = lexicon_db()
        texts = [f"第{i}条评论" + ("赌博" if i % 3 == 0 else "") for i in range(2000)]
        verdicts = db.check_batch(texts)
        self.assertEqual([v.action for v in verdicts],
                         ["block" if i % 3 == 0 else "pass" for i in range(2000)])

    def test_lone_surrogate(self):
        with self.assertRaises(shai.InvalidTextError):
            lexicon_db().check_batch(["ok", "\ud800"])


class LibraryTest(unittest.TestCase):
    def test_hit_has_room(self):
        self.assertEqual(ctypes.sizeof(_capi.shai_hit), 40)
        self.assertEqual(_capi.HIT_SIZE, 40)

    def test_names_come_from_the_library(self):
        lib = _capi.get()
        self.assertEqual(lib.action_names, ("pass", "review", "block"))
        self.assertEqual(list(lib.fold_stages), ["width", "compat", "case", "diacritics",
                                                 "confusables", "t2s", "ignorables"])
        self.assertEqual(sum(lib.fold_stages.values()), int(shai.Fold.ALL))

    def test_default_db_path(self):
        builtin = shai.default_db_path(builtin=True)
        self.assertTrue(builtin.endswith(os.path.join("shai", "default.shai")), builtin)
        old = os.environ.get("SHAI_DEFAULT_DB")
        try:
            os.environ["SHAI_DEFAULT_DB"] = "/elsewhere/x.shai"
            self.assertEqual(shai.default_db_path(), "/elsewhere/x.shai")
            self.assertEqual(shai.default_db_path(builtin=True), builtin)
        finally:
            if old is None:
                os.environ.pop("SHAI_DEFAULT_DB", None)
            else:
                os.environ["SHAI_DEFAULT_DB"] = old

    def test_default_opens_the_saved_db(self):
        saved = {k: os.environ.get(k) for k in ("SHAI_DEFAULT_DB", "SHAI_DEFAULT_LEXICON")}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "d.shai")
            lexicon_db().save(path)
            try:
                os.environ.pop("SHAI_DEFAULT_LEXICON", None)
                os.environ["SHAI_DEFAULT_DB"] = path
                self.assertEqual(len(shai.Db.default()), len(lexicon_db()))
                os.environ["SHAI_DEFAULT_DB"] = os.path.join(tmp, "missing.shai")
                with self.assertRaises(shai.FileError) as cm:
                    shai.Db.default()
                self.assertIn("No such file", str(cm.exception))
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v


if __name__ == "__main__":
    unittest.main()
