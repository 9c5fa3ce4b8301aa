"""Scenes: Db.scenes, db.check/check_batch/mask(scene=...), Db.policy."""

import threading
import unittest

from _support import LEXICON_DIR  # noqa: F401  (sets up the import path)

import shai

SCENES = """
@scene comments
ad-law   off
abuse    review
*        keep

@scene strict
ad-law   review
*        block
@end

@category porn
@action review
裸聊
"""


def scene_db() -> shai.Db:
    return shai.Db.compile(LEXICON_DIR, sources={"scenes.txt": SCENES})


class ScenesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = scene_db()

    def test_scenes_are_listed_in_order(self):
        self.assertEqual(self.db.scenes, ("comments", "strict"))
        self.assertEqual(shai.Db.compile(LEXICON_DIR).scenes, ())

    def test_scene_actions(self):
        actions = self.db.scene_actions("comments")
        self.assertEqual(actions["ad-law"], "off")
        self.assertEqual(actions["abuse"], "review")
        self.assertEqual(actions["gambling"], "keep")
        self.assertEqual(set(actions), set(self.db.categories))

    def test_no_scene_is_the_db_as_written(self):
        v = self.db.check("最好的赌博")
        self.assertEqual(v.action, "block")
        self.assertEqual([h.entry for h in v.hits], ["最好", "赌博"])

    def test_off_category_is_not_found(self):
        v = self.db.check("这是最好的", scene="comments")
        self.assertEqual(v.action, "pass")
        self.assertEqual(v.hits, [])

    def test_mapped_action(self):
        v = self.db.check("fuck you", scene="comments")
        self.assertEqual(v.action, "review")
        self.assertEqual([(h.entry, h.action) for h in v.hits], [("fuck you", "review")])
        v = self.db.check("在线裸聊", scene="strict")
        self.assertEqual(v.action, "block")
        self.assertEqual(v.hits[0].action, "block")
        self.assertEqual(self.db.check("在线裸聊", scene="comments").action, "review")

    def test_allow_entries_still_cover(self):
        self.assertEqual(self.db.check("中国赌博史", scene="strict").action, "pass")

    def test_unknown_scene(self):
        with self.assertRaises(shai.InvalidArgumentError) as cm:
            self.db.check("赌博", scene="nope")
        self.assertIn("comments", str(cm.exception))
        with self.assertRaises(shai.InvalidArgumentError):
            self.db.check("赌博", scene=3)

    def test_check_batch(self):
        texts = ["这是最好的", "赌博", "fuck you", ""]
        plain = [v.action for v in self.db.check_batch(texts)]
        self.assertEqual(plain, ["review", "block", "block", "pass"])
        got = self.db.check_batch(texts, scene="comments")
        self.assertEqual([v.action for v in got], ["pass", "block", "review", "pass"])
        self.assertEqual(got, [self.db.check(t, scene="comments") for t in texts])

    def test_mask(self):
        self.assertEqual(self.db.mask("最好的赌博"), "**的**")
        self.assertEqual(self.db.mask("最好的赌博", scene="comments"), "最好的**")
        self.assertEqual(self.db.mask(b"\xff\xe6\x9c\x80\xe5\xa5\xbd", scene="comments"), b"\xff\xe6\x9c\x80\xe5\xa5\xbd")


class PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = scene_db()

    def test_only(self):
        p = self.db.policy(only=["abuse"])
        self.assertEqual(self.db.check("最好的赌博", scene=p).action, "pass")
        self.assertEqual(self.db.check("fuck you 赌博", scene=p).action, "block")
        # a category the scene drops counts again when named
        p = self.db.policy("comments", only=["ad-law"])
        self.assertEqual(p.actions["ad-law"], "keep")
        self.assertEqual(self.db.check("最好的赌博", scene=p).action, "review")

    def test_exclude_and_actions(self):
        p = self.db.policy(exclude=["gambling"], actions={"ad-law": "block"})
        v = self.db.check("最好的赌博", scene=p)
        self.assertEqual(v.action, "block")
        self.assertEqual([(h.entry, h.action) for h in v.hits], [("最好", "block")])

    def test_bad_policies(self):
        with self.assertRaises(shai.InvalidArgumentError):
            self.db.policy(only=["nope"])
        with self.assertRaises(shai.InvalidArgumentError):
            self.db.policy(actions={"abuse": "maybe"})
        with self.assertRaises(shai.InvalidArgumentError):
            self.db.policy("nope")
        other = shai.Db.compile(LEXICON_DIR)
        with self.assertRaises(shai.InvalidArgumentError):
            other.check("赌博", scene=self.db.policy())

    def test_saved_db_keeps_its_scenes(self):
        copy = shai.Db.from_bytes(self.db.to_bytes())
        self.assertEqual(copy.scenes, self.db.scenes)
        self.assertEqual(copy.check("这是最好的", scene="comments").action, "pass")
        self.assertEqual(copy.scene_actions("strict"), self.db.scene_actions("strict"))

    def test_threads_share_a_policy(self):
        p = self.db.policy("comments")
        results = []

        def work():
            results.append([self.db.check(t, scene=p).action for t in ("这是最好的", "fuck you") * 200])

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [["pass", "review"] * 200] * 4)

    def test_malformed_scene_source(self):
        with self.assertRaises(shai.LexiconError) as cm:
            shai.Db.compile(sources={"s.txt": "@scene a\nabuse   sometimes\n"})
        self.assertEqual((cm.exception.file, cm.exception.line, cm.exception.column), ("s.txt", 2, 9))



class ScorerTest(unittest.TestCase):
    SOURCE = ("@scorer rude\n@category hate\n@bias -1\n@threshold 0\n@target 黑人\n"
              "2.5\t滚\n-3\t不\n@end\n"
              "@scene comments\nscore:rude review\n@end\n")

    @classmethod
    def setUpClass(cls):
        cls.db = shai.Db.compile(words=["傻瓜"], sources={"s.txt": cls.SOURCE})

    def test_score(self):
        self.assertEqual(self.db.scorers, ("rude",))
        value, flagged = self.db.score("黑人滚")
        self.assertAlmostEqual(value, -1 + 2.5 / 6 ** 0.5, places=5)
        self.assertTrue(flagged)
        self.assertEqual(self.db.score("黑人滚", scorer="rude"), (value, True))
        self.assertFalse(self.db.score("黑人不滚")[1])
        self.assertFalse(self.db.score(b"\xe6\xbb\x9a")[1])  # 滚 as bytes: no target
        with self.assertRaises(shai.InvalidArgumentError):
            self.db.score("x", scorer="nosuch")
        with self.assertRaises(TypeError):
            self.db.score("x", scorer=3)

    def test_check_verdict(self):
        self.assertEqual(self.db.check("黑人滚", scene="comments").action, "review")
        self.assertEqual(self.db.check("黑人滚").action, "pass")


if __name__ == "__main__":
    unittest.main()
