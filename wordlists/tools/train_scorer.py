#!/usr/bin/python3
"""Train the offensive-language scorer (wordlists/scorer-offensive.txt) on
COLDataset's train split.

    /usr/bin/python3 wordlists/tools/train_scorer.py CORPORA [--shai PATH]
        [--out PATH] [--check]

The scorer is the second stage of a check (docs/lexicon-format.md,
"Scorers"): a logistic regression over the character 1- to 3-grams of a
folded line, counted once each, that applies only to a line naming a group
of people (a `@target` n-gram: 黑人, 河南, 女权 ...). It gives a line a score
for the incivility toward a group that no word list can name; a scene says
what a score at or over the scorer's threshold does (`score:offensive review`).

Training needs Debian's python3-sklearn (training only: the library reads
the weights, it never runs Python). Steps, all fixed here so that a run
reproduces the committed file:

 1. fold every line with `shai fold` (what the C scorer sees);
 2. features: the distinct n-grams of 1 to 3 code points of the folded line
    that hold no space (see SPACES), n-grams in at least MIN_DF train lines;
 3. for each regularisation C in C_GRID, a logistic regression on the train
    split; its threshold is the lowest one at which the scorer adds at most
    ADDED_BUDGET review lines per 10k to each ordinary review corpus (lines
    the comments scene's hits do not flag already), so that the scorer does
    not cost the reviews their precision; the C with the highest recall on
    the dev split at its threshold wins (the test split is never read before
    the model is written: its figures are printed last);
 4. weights under PRUNE in magnitude are dropped; the bias and the threshold
    absorb nothing (the C scorer sums exactly the weights written here).

--check prints the figures of the committed file without training (the
test split's precision and recall, the review lines per 10k).
"""
import argparse
import json
import math
import os
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
WORDLISTS = os.path.dirname(HERE)
REPO = os.path.dirname(WORDLISTS)
OUT = os.path.join(WORDLISTS, "scorer-offensive.txt")

NMAX = 3
MIN_DF = 3
C_GRID = (0.1, 0.3, 1.0)
ADDED_BUDGET = 1.0  # review lines per 10k the scorer may add to each ordinary review corpus
PRUNE = 0.02
OFFENSIVE = {"abuse", "hate"}
REVIEWS = ("chnsenticorp_hotel_reviews.txt", "online_shopping_10_cats_reviews.txt",
           "waimai_10k_reviews.txt")

# What separates n-grams (an n-gram never holds one): White_Space and the
# C0 and C1 controls, the C scorer's list (lib/score/score.c, shi_score_space).
SPACES = set(range(0x00, 0x21)) | set(range(0x7F, 0xA1)) | {0x1680, 0x2028, 0x2029, 0x202F,
                                                          0x205F, 0x3000} | set(range(0x2000, 0x200B))
WINDOW = 1024  # a line is scored in windows of this many code points (SHI_SCORE_WINDOW)

# Words that name a group of people: the scorer scores only a line holding
# one (after folding; at most 3 code points each). Written by hand for the
# kinds of group that incivility targets — origin and ethnicity, region,
# sex and gender, sexual orientation, religion, disability — not drawn from
# the corpora.
TARGETS = """
黑人 白人 黄种人 黑鬼 黑哥 老黑 黑妹 黑奴 洋人 老外 外国人 鬼佬 鬼子 犹太人 阿三 印度人 日本人 韩国人 棒子
朝鲜人 越南人 美国人 非洲人 亚裔 种族 少数民 汉族 回族 维族 藏族 穆斯林 绿绿 黑命贵
河南人 东北人 上海人 北京人 广东人 广西人 四川人 湖南人 湖北人 新疆人 西藏人 安徽人 江西人 福建人 浙江人
江苏人 山东人 山西人 陕西人 甘肃人 云南人 贵州人 天津人 重庆人 香港人 台湾人 澳门人 海南人 河北人 辽宁人
吉林人 内蒙人 宁夏人 青海人 温州人 潮汕人 南方人 北方人 农村人 乡下人 外地人 本地人 城里人 地域黑 地图炮
女人 男人 女性 男性 女权 男权 女拳 田园女 直男 剩女 娘们 婊 基佬 同性恋 gay 拉拉 lgb 跨性别 娘炮 伪娘
女司机 中国女 中国男 小仙女 普信男 普信女 凤凰男 妈宝男 渣男 绿茶
"""


def targets():
    out = []
    for t in TARGETS.split():
        assert 1 <= len(t) <= NMAX, t
        out.append(t)
    return sorted(set(out))


def find_corpora(arg):
    if arg:
        return arg
    d = REPO
    for _ in range(4):
        cand = os.path.join(os.path.dirname(d), "shared", "corpora")
        if os.path.isdir(cand):
            return cand
        d = os.path.dirname(d)
    sys.exit("train_scorer.py: no corpora folder (give CORPORA)")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def fold_lines(shai, lines):
    """The folded form of each line, as `shai fold` prints it."""
    p = subprocess.run([shai, "fold"], input="\n".join(lines) + "\n", capture_output=True,
                       text=True, check=True)
    out = p.stdout.split("\n")[:-1]
    assert len(out) == len(lines), (len(out), len(lines))
    return out


def window_grams(folded):
    """The distinct n-grams (1..NMAX code points, no space inside) of each
    window of WINDOW code points of a folded line (one empty window for an
    empty line)."""
    out = []
    for w0 in range(0, max(len(folded), 1), WINDOW):
        win = folded[w0:w0 + WINDOW]
        s = set()
        for i in range(len(win)):
            for k in range(1, NMAX + 1):
                if i + k > len(win) or ord(win[i + k - 1]) in SPACES:
                    break
                s.add(win[i:i + k])
        out.append(frozenset(s))
    return out


def line_grams(wins):
    """All the n-grams of a line's windows (the features it is trained on)."""
    return frozenset().union(*wins)


def comments_flags(shai, lexdir, path, n):
    """Per line: whether the comments scene flags it (any hit), and whether
    it has an abuse or hate hit."""
    p = subprocess.run([shai, "scan", "-L", lexdir, "--scene", "comments", "--overlapping",
                        "-f", "jsonl", path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"train_scorer.py: shai scan {path}: {p.stderr.strip()}")
    any_hit, off = [False] * n, [False] * n
    for line in p.stdout.splitlines():
        h = json.loads(line)
        if "entry" not in h:
            continue
        i = h["line"] - 1
        any_hit[i] = True
        if h["category"] in OFFENSIVE:
            off[i] = True
    return any_hit, off


def write_model(path, bias, threshold, weights, targets_, info):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# The offensive-language scorer: a second stage of the comments scene\n"
                "# (docs/lexicon-format.md, \"Scorers\"). Generated by\n"
                "#   /usr/bin/python3 wordlists/tools/train_scorer.py ../shared/corpora\n"
                "# from COLDataset's train split (Apache-2.0, wordlists/SOURCES.md); do not\n"
                "# edit by hand. A folded line naming a group (@target) scores\n"
                "# bias + the weights of its distinct n-grams; a score at or over the\n"
                "# threshold flags the line.\n")
        for k, v in info:
            f.write(f"# {k}: {v}\n")
        f.write("@scorer offensive\n@category hate\n")
        f.write(f"@bias {bias:.6f}\n@threshold {threshold:.6f}\n")
        for t in targets_:
            f.write(f"@target {t}\n")
        for g, w in sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
            f.write(f"{w:.6f}\t{g}\n")
        f.write("@end\n")


def read_model(path):
    bias = threshold = None
    weights, tg = {}, set()
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith("#") or not line:
            continue
        if line.startswith("@bias "):
            bias = float(line.split()[1])
        elif line.startswith("@threshold "):
            threshold = float(line.split()[1])
        elif line.startswith("@target "):
            tg.add(line[len("@target "):])
        elif line.startswith("@"):
            continue
        else:
            w, g = line.split("\t", 1)
            weights[g] = float(w)
    return bias, threshold, weights, tg


def threshold_for(m, rev):
    """The lowest threshold (a multiple of 0.05) at which the scorer adds at
    most ADDED_BUDGET review lines per 10k to each ordinary review corpus
    (lines the comments scene does not flag already)."""
    t = 0.0
    for _, gs, anyh in rev:
        # per line the lexicon leaves alone: the highest score of a window
        # that names a target
        scores = sorted((max((m.window(w) for w in wins if w & m.tg), default=None)
                         for wins, a in zip(gs, anyh) if not a),
                        key=lambda x: -1e9 if x is None else x, reverse=True)
        allowed = int(ADDED_BUDGET * len(gs) / 1e4)
        if allowed < len(scores) and scores[allowed] is not None:
            # the (allowed+1)-th highest must fall under the threshold
            need = scores[allowed] + 1e-6
            step = -(-need // 0.05) * 0.05
            t = max(t, round(step, 2))
    return t


class Model:
    def __init__(self, bias, threshold, weights, tg):
        self.bias, self.threshold, self.weights, self.tg = bias, threshold, weights, tg

    def window(self, w):
        """A window's score: the bias, and the weights of its n-grams over
        the square root of how many distinct n-grams it has (an L2-normed
        vector of presences, so that a long text does not score high for
        its length alone)."""
        if not w:
            return self.bias
        return self.bias + sum(self.weights.get(g, 0.0) for g in w) / math.sqrt(len(w))

    def score(self, wins):
        """The highest score of a line's windows."""
        return max(self.window(w) for w in wins)

    def flags(self, wins):
        return any(w & self.tg and self.window(w) >= self.threshold for w in wins)


def pr(pred, gold):
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="?")
    ap.add_argument("--shai", default=os.path.join(REPO, "build", "tools", "shai"))
    ap.add_argument("--lexicon", default=WORDLISTS)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--check", action="store_true", help="figures of the committed file only")
    args = ap.parse_args()
    ugc = os.path.join(find_corpora(args.corpora), "ugc")

    cold = read_lines(os.path.join(ugc, "cold_offensive_comments.txt"))
    labels = [r.split("\t") for r in read_lines(os.path.join(ugc, "cold_offensive_comments.labels.tsv"))]
    assert len(cold) == len(labels)
    split = [r[0] for r in labels]
    gold = [r[2] == "1" for r in labels]
    grams = [window_grams(s) for s in fold_lines(args.shai, cold)]
    _, lex_off = comments_flags(args.shai, args.lexicon,
                                os.path.join(ugc, "cold_offensive_comments.txt"), len(cold))
    rev = []
    for name in REVIEWS:
        path = os.path.join(ugc, name)
        lines = read_lines(path)
        anyh, _ = comments_flags(args.shai, args.lexicon, path, len(lines))
        rev.append((name, [window_grams(s) for s in fold_lines(args.shai, lines)], anyh))
    tg = set(targets())
    idx = {s: [i for i, x in enumerate(split) if x == s] for s in ("train", "dev", "test")}

    def review_rates(model):
        return [sum(a or model.flags(g) for g, a in zip(gs, anyh)) * 1e4 / len(gs)
                for _, gs, anyh in rev]

    if not args.check:
        import numpy as np
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        df = Counter(g for i in idx["train"] for g in line_grams(grams[i]))
        vocab = sorted(g for g, c in df.items() if c >= MIN_DF)
        col = {g: j for j, g in enumerate(vocab)}

        def matrix(rows):
            ind, val, ptr = [], [], [0]
            for i in rows:
                lg = line_grams(grams[i])
                cols = sorted(col[g] for g in lg if g in col)
                ind.extend(cols)
                val.extend([1.0 / math.sqrt(len(lg))] * len(cols))
                ptr.append(len(ind))
            return csr_matrix((np.array(val), ind, ptr), shape=(len(rows), len(vocab)))

        xtr = matrix(idx["train"])
        ytr = np.array([gold[i] for i in idx["train"]])
        best = None
        for c in C_GRID:
            lr = LogisticRegression(C=c, max_iter=5000, solver="liblinear", random_state=0)
            lr.fit(xtr, ytr)
            w = {g: float(x) for g, x in zip(vocab, lr.coef_[0]) if abs(x) >= PRUNE}
            m = Model(float(lr.intercept_[0]), 0.0, w, tg)
            # the lowest threshold (step 0.05) that keeps every review corpus in budget
            t = threshold_for(m, rev)
            m.threshold = t
            pred = [lex_off[i] or m.flags(grams[i]) for i in idx["dev"]]
            p, r = pr(pred, [gold[i] for i in idx["dev"]])
            print(f"C={c}: {len(w)} weights, threshold {t:.2f}, dev precision {p:.3f} recall {r:.3f}", flush=True)
            if best is None or r > best[0]:
                best = (r, c, m)
        _, c, m = best
        info = [("regularisation C", c), ("n-grams", f"1 to {NMAX} code points, in at least {MIN_DF} train lines"),
                ("weights under", f"{PRUNE} dropped"),
                ("threshold", f"the lowest adding at most {ADDED_BUDGET} review lines per 10k to each review corpus")]
        write_model(args.out, m.bias, m.threshold, m.weights, sorted(tg), info)
        print(f"wrote {os.path.relpath(args.out)}: C={c}, {len(m.weights)} weights")

    m = Model(*read_model(args.out))
    for s in ("train", "dev", "test"):
        pred = [lex_off[i] or m.flags(grams[i]) for i in idx[s]]
        p, r = pr(pred, [gold[i] for i in idx[s]])
        ps, rs = pr([m.flags(grams[i]) for i in idx[s]], [gold[i] for i in idx[s]])
        print(f"{s}: lexicon or scorer precision {p:.3f} recall {r:.3f}; scorer alone {ps:.3f} / {rs:.3f}")
    for (name, _, _), rate in zip(rev, review_rates(m)):
        print(f"{name}: comments-scene review lines {rate:.1f} per 10k")


if __name__ == "__main__":
    main()
