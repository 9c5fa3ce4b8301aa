"""Errors: C status and message, lexicon file:line:col, library loading,
the default lexicon."""

import ctypes.util
import os
import tempfile
import unittest

from _support import LEXICON_DIR, run_python

import shai


class MatchLimitTest(unittest.TestCase):
    """A rule that gives up on padding hides no hit, and check never says
    pass then (issue #19)."""

    SOURCE = "@category spam\n@action review\nre:k(?:a+)+b\n@category gambling\n@action block\n赌博\n"
    PAD = "k" + "a" * 40 + "cb"

    def test_check_gives_the_hits_found_and_at_least_review(self):
        db = shai.Db.compile(sources={"lex.txt": self.SOURCE})
        with self.assertRaises(shai.MatchLimitError) as cm:
            db.check(self.PAD + " kab 赌博")
        verdict = cm.exception.verdict
        self.assertEqual(verdict.action, "block")
        self.assertEqual(sorted(h.text for h in verdict.hits), ["kab", "赌博"])
        with self.assertRaises(shai.MatchLimitError) as cm:
            db.check(self.PAD)
        self.assertEqual(cm.exception.verdict, shai.Verdict("review", []))
        with self.assertRaises(shai.MatchLimitError) as cm:
            db.scan(self.PAD + " kab")
        self.assertEqual([h.text for h in cm.exception.hits], ["kab"])
        self.assertEqual(db.check("kab 好").action, "review")
        self.assertEqual(db.check("好").action, "pass")

    def test_check_batch_checks_every_text_and_names_the_incomplete(self):
        db = shai.Db.compile(sources={"lex.txt": self.SOURCE})
        texts = ["好", self.PAD + " kab 赌博", "赌博", self.PAD]
        with self.assertRaises(shai.MatchLimitError) as cm:
            db.check_batch(texts)
        self.assertEqual(cm.exception.incomplete, [1, 3])
        self.assertEqual([v.action for v in cm.exception.verdicts],
                         ["pass", "block", "block", "review"])
        self.assertEqual(sorted(h.text for h in cm.exception.verdicts[1].hits), ["kab", "赌博"])
        self.assertEqual(db.check_batch(["好", "赌博"]), [db.check("好"), db.check("赌博")])


class LexiconErrorTest(unittest.TestCase):
    def test_source_error_keeps_file_line_column(self):
        with self.assertRaises(shai.LexiconError) as cm:
            shai.Db.compile(sources={"bad.txt": "赌博\n# comment\n@colour red\n"})
        err = cm.exception
        self.assertEqual((err.file, err.line, err.column), ("bad.txt", 3, 1))
        self.assertEqual(err.status, -4)
        self.assertEqual(err.status_name, "E_LEXICON")
        self.assertTrue(str(err).startswith("bad.txt:3:1: "), str(err))
        self.assertIn("@colour", str(err))
        self.assertIsInstance(err, shai.Error)
        self.assertIsInstance(err, ValueError)

    def test_file_error_keeps_path_line_column(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "words.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write("赌博\n最好\tactoin=review\n")
            with self.assertRaises(shai.LexiconError) as cm:
                shai.Db.compile([LEXICON_DIR, path])
            err = cm.exception
            self.assertEqual(os.path.basename(err.file), "words.txt")
            self.assertEqual((err.line, err.column), (2, 4))
            self.assertIn("words.txt:2:4: ", str(err))
            self.assertIn("actoin", str(err))

    def test_invalid_utf8_in_a_source(self):
        with self.assertRaises(shai.LexiconError) as cm:
            shai.Db.compile(sources={"bin.txt": "赌博\n".encode() + b"ab\xffcd\n"})
        err = cm.exception
        self.assertEqual((err.file, err.line, err.status_name), ("bin.txt", 2, "E_BAD_UTF8"))

    def test_missing_path(self):
        with self.assertRaises(shai.FileError) as cm:
            shai.Db.compile("/nonexistent/shai/words.txt")
        err = cm.exception
        self.assertIsInstance(err, OSError)
        self.assertEqual(err.status_name, "E_IO")
        self.assertIn("/nonexistent/shai/words.txt", str(err))

    def test_bad_words(self):
        cases = [
            ([""], shai.LexiconError, "E_EMPTY_ENTRY"),
            (["字" * 129], shai.LexiconError, "E_ENTRY_TOO_LONG"),
        ]
        for words, cls, status in cases:
            with self.subTest(words=words):
                with self.assertRaises(cls) as cm:
                    shai.Db.compile(words=words)
                self.assertEqual(cm.exception.status_name, status)
                self.assertIn("words[0]", str(cm.exception))
        self.assertEqual(len(shai.Db.compile(words=["字" * 128])), 1)

    def test_bad_word_attributes(self):
        for item in [("赌博", {"colour": "red"}), ("赌博", {"action": "blok"}), 42, ("赌博",), (1, {})]:
            with self.subTest(item=item):
                with self.assertRaises(shai.InvalidArgumentError) as cm:
                    shai.Db.compile(words=["ok", item])
                self.assertIn("words[1]", str(cm.exception))

    def test_words_must_not_be_a_string(self):
        with self.assertRaises(shai.InvalidArgumentError):
            shai.Db.compile(words="赌博")

    def test_word_with_lone_surrogate(self):
        with self.assertRaises(shai.InvalidTextError):
            shai.Db.compile(words=["赌\udc00博"])

    def test_unknown_option(self):
        with self.assertRaises(shai.OptionError) as cm:
            shai.Db.compile(words=["赌博"], colour="red")
        self.assertEqual(cm.exception.status_name, "E_BAD_OPTION")
        self.assertIn("colour", str(cm.exception))
        self.assertIsInstance(cm.exception, ValueError)


class ArgumentCheckTest(unittest.TestCase):
    """Every argument is checked in Python: nothing is cut or truncated on
    its way to C, and the errors are the binding's own (issue #19)."""

    def test_fold_stages(self):
        for stages in (2**40, 2**32 + 1, 0x80, -1):
            with self.subTest(stages=stages):
                with self.assertRaises(shai.InvalidArgumentError):
                    shai.fold("賭博", stages=stages)
        self.assertEqual(shai.fold("賭博", stages=int(shai.Fold.ALL)), "赌博")
        with self.assertRaises(shai.OptionError):
            shai.Db.compile(words=["a"], fold=2**40)

    def test_int_and_bool_options(self):
        for options in ({"max_gap": 1.9}, {"max_gap": True}, {"max_gap": "2"}, {"repeats": 2},
                        {"repeats": "yes"}, {"repeats": 1.0}):
            with self.subTest(options=options):
                with self.assertRaises(shai.OptionError):
                    shai.Db.compile(words=["a"], **options)
        db = shai.Db.compile(words=["a"], max_gap=2, repeats=False)
        self.assertEqual((db.options["max_gap"], db.options["repeats"]), (2, False))

    def test_attributes_hold_no_nul_and_no_lone_surrogate(self):
        for key in ("category", "tag", "suggestion"):
            for value in ("a\x00b", "\udc80x"):
                with self.subTest(key=key, value=value):
                    with self.assertRaises(shai.InvalidArgumentError):
                        shai.Db.compile(words=[("赌博", {key: value})])
        with self.assertRaises(shai.InvalidArgumentError):
            shai.Db.compile(sources={"a\x00b.txt": "赌博\n"})


class DefaultLexiconTest(unittest.TestCase):
    def test_env_variable(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "a.txt"), "w", encoding="utf-8") as f:
                f.write("@category test\n默认词\n")
            old = os.environ.get(shai.DEFAULT_LEXICON_ENV)
            os.environ[shai.DEFAULT_LEXICON_ENV] = tmp
            try:
                self.assertEqual(shai.default_lexicon_path(), tmp)
                db = shai.Db.compile()
            finally:
                if old is None:
                    del os.environ[shai.DEFAULT_LEXICON_ENV]
                else:
                    os.environ[shai.DEFAULT_LEXICON_ENV] = old
        self.assertEqual(len(db), 1)
        self.assertEqual(db.scan("这是默认词")[0].category, "test")

    def test_env_variable_naming_nothing(self):
        r = run_python(["-c", "import shai; shai.Db.compile()"], SHAI_DEFAULT_LEXICON="/nonexistent/wordlists")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"FileError", r.stderr)
        self.assertIn(b"/nonexistent/wordlists", r.stderr)

    def test_search_says_what_it_tried(self):
        # Without the variable, either an installed lexicon is found, or the
        # error lists the places tried.
        code = (
            "import shai\n"
            "try:\n    print('found', shai.default_lexicon_path())\n"
            "except shai.FileError as e:\n    print(e)\n"
        )
        r = run_python(["-c", code], SHAI_DEFAULT_LEXICON=None)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        if not out.startswith("found"):
            self.assertIn("Tried:", out)
            self.assertIn("/usr/share/shai/wordlists", out)
            self.assertIn("SHAI_DEFAULT_LEXICON", out)


class LibraryLoadingTest(unittest.TestCase):
    def test_import_needs_no_library(self):
        r = run_python(["-c", "import shai; print(shai.__version__)"], SHAI_LIBRARY="/nonexistent/libshai.so")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_explicit_path_that_does_not_exist(self):
        r = run_python(["-c", "import shai; shai.Db.compile(words=['x'])"], SHAI_LIBRARY="/nonexistent/libshai.so")
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        self.assertIn("LibraryError", err)
        self.assertIn("$SHAI_LIBRARY", err)
        self.assertIn("/nonexistent/libshai.so: no such file", err)

    def test_not_libshai(self):
        other = ctypes.util.find_library("z") or ctypes.util.find_library("c")
        if other is None:
            self.skipTest("no other shared library to try")
        try:
            shai.load_library(other)
        except shai.LibraryError as exc:
            self.assertIn("missing symbol", str(exc))
        else:
            self.fail("loading a library that is not libshai succeeded")

    def test_nothing_found_lists_what_was_tried(self):
        # An empty SHAI_LIBRARY counts as unset; names and directories that
        # hold no libshai (this machine may have a real one installed).
        code = (
            "import ctypes.util, shai, shai._capi as c\n"
            "c._library_dirs = lambda: ['/nonexistent/lib']\n"
            "ctypes.util.find_library = lambda name: None\n"
            "c._SONAMES[:] = ['libshai-test-none.so.0']\n"
            "try:\n    shai.library_path()\n"
            "except shai.LibraryError as e:\n    print(e)\n"
        )
        r = run_python(["-c", code], SHAI_LIBRARY="")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        for expected in ("cannot find libshai", "Tried:", "$SHAI_LIBRARY: not set", "dynamic loader",
                         "find_library", "/nonexistent/lib/libshai-test-none.so.0", "shai.load_library"):
            self.assertIn(expected, out)

    def test_load_library_from_directory(self):
        path = shai.library_path()
        if not os.path.isabs(path):
            self.skipTest("library loaded by name")
        version = shai.load_library(os.path.dirname(path))
        self.assertEqual(version, shai.library_version())
        self.assertEqual(len(shai.Db.compile(words=["x"])), 1)


if __name__ == "__main__":
    unittest.main()
