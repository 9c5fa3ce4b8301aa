#!/usr/bin/env python3
"""Quality report for shai's default lexicon over the bundled real corpora.

    python3 wordlists/tools/report.py [CORPORA] [--lexicon PATH] [--shai PATH]
        [--python] [--top N] [--sample N] [--blocks NAME] [--uncovered]
        [--adcopy-sample N] [--seed N] [--only NAMES]

CORPORA is the folder of the bundled corpora (with ugc/ and adlaw/ in it);
default: $SHAI_CORPORA, else the first `shared/corpora` folder found beside
the repository or one of its parent folders.  One run prints:

 1. per ugc corpus, the texts (lines) per 10k texts whose verdict is review or
    block, for all categories and in the lexicon's `comments` scene (checked
    by shai itself: `shai scan --scene comments`), plus the texts hit per
    category;
 2. COLDataset: precision / recall of "a `comments`-scene hit in abuse or
    hate" as a predictor of the label "offensive", per split (tune on train /
    dev, quote test);
 3. ad-law coverage of the public 极限词 list in CORPORA/adlaw by sector: a
    term counts as covered when scanning the term alone yields an ad-law hit.
    The list states no license: it is read here only to measure, never copied
    into the lexicon;
 4. the `ad-copy` scene on the ad-like lines of the corpora (lines with an
    ad-law hit): its hits, and the share of real claims in the judged sample
    tools/judged/adcopy_sample.tsv, adcopy_sample_2.tsv, then adcopy_sample_3.tsv
    (the last is the figure);
 5. `shai lint --strict` of the lexicon;
 6. the issue #16 targets with the measured figure beside each.

Matching: the C CLI (`shai scan --format jsonl --overlapping [--scene NAME]`),
found as build/tools/shai in the repository or given with --shai; --python
uses the exact matcher of lexicon.py instead (no folding, no rules; scenes
applied from their definitions in the lexicon, lint skipped).
--top N lists the N entries that flag most ordinary reviews in the comments
scene; --sample N prints N random flagged reviews per ordinary corpus;
--blocks NAME prints every block line of corpus NAME with its block hits (for
hand-judging); --uncovered lists the public ad-law terms nothing covers;
--adcopy-sample N prints N random ad-copy hits on ad-like lines, as the
judged sample's TSV rows (to judge by hand); --seed N draws another sample
(each judged file names the seed it was drawn with).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
WORDLISTS = os.path.dirname(HERE)
REPO = os.path.dirname(WORDLISTS)
sys.path.insert(0, HERE)
import lexicon  # noqa: E402

# (name, file in ugc/, ordinary reviews?)
CORPORA = [
    ("hotel", "chnsenticorp_hotel_reviews.txt", True),
    ("shopping", "online_shopping_10_cats_reviews.txt", True),
    ("takeaway", "waimai_10k_reviews.txt", True),
    ("weibo-covid", "weibo_covid19_posts_sample.txt", False),
    ("weibo-emotion", "weibo_emotion_posts.txt", False),
    ("cold", "cold_offensive_comments.txt", False),
]
CATS = ["politics", "porn", "gambling", "drugs", "violence", "weapons", "fraud",
        "cult", "abuse", "rude", "hate", "ad-law", "spam"]
OFFENSIVE_CATS = {"abuse", "hate"}

JUDGED = os.path.join(HERE, "judged")


def all_hits(hits):
    return hits


def without_mild(hits):
    """Leaving out entries tagged `mild` (恶心, 骗子, 放屁 ...): shown beside the
    comments scene so a scene that drops them can be judged."""
    return [h for h in hits if h[4] != "mild"]


def read_scenes(lexdir):
    """{scene: {category or '*': off|review|block|keep}} as the lexicon's
    `@scene` blocks say (docs/lexicon-format.md), for the Python matcher."""
    scenes, cur = {}, None
    for path in lexicon.lexicon_files(lexdir):
        for raw in open(path, encoding="utf-8"):
            s = raw.strip()
            if s.startswith("@scene"):
                cur = scenes.setdefault(s.split()[1], {})
            elif s == "@end" or (s.startswith("@") and cur is None):
                cur = None
            elif cur is not None and s and not s.startswith("#"):
                cat, act = s.split()[:2]
                cur[cat] = act
        cur = None
    return scenes


def apply_scene(hits, scene):
    """Hits (entry, category, action, start, tag) as the scene maps them."""
    out = []
    for h in hits:
        act = scene.get(h[1], scene.get("*", "keep"))
        if act == "off":
            continue
        out.append(h if act == "keep" else (h[0], h[1], act) + tuple(h[3:]))
    return out


def find_shai():
    cand = os.path.join(REPO, "build", "tools", "shai")
    return cand if os.access(cand, os.X_OK) else None


class Scanner:
    def __init__(self, lexdir, shai, variants=True):
        self.lexdir, self.shai, self.variants = lexdir, shai, variants
        self.matcher = None if shai else lexicon.Matcher(lexicon.load([lexdir]))
        self.scenes = None if shai else read_scenes(lexdir)

    def name(self):
        return f"C CLI {os.path.relpath(self.shai)}" if self.shai else "Python matcher (lexicon.py, exact)"

    def scan_file(self, path, scene=None):
        """Per line of PATH, the list of deny hits (entry, category, action, start,
        tag, suggestion, column), under SCENE (a scene of the lexicon) when given."""
        n = sum(1 for _ in open(path, encoding="utf-8"))
        per = [[] for _ in range(n)]
        if self.matcher is not None:
            with open(path, encoding="utf-8") as f:
                for i, line in enumerate(f):
                    deny, _ = self.matcher.scan(line.rstrip("\n"))
                    per[i] = [(e.word, e.category, e.action, s, e.tag, e.suggestion, s + 1)
                              for s, t, e in deny]
                    if scene:
                        per[i] = apply_scene(per[i], self.scenes[scene])
            return per
        argv = [self.shai, "scan", "--format", "jsonl", "--overlapping", "--lexicon", self.lexdir]
        if scene:
            # one record per line: its hits, and the flags of the scene's
            # scorers (the second stage), which only records report
            argv += ["--scene", scene, "--verdicts"]
        if not self.variants:
            argv += ["--no-variants"]
        p = subprocess.Popen(argv + [path], stdout=subprocess.PIPE, text=True)
        texts = open(path, encoding="utf-8").read().split("\n") if scene else None
        for line in p.stdout:
            h = json.loads(line)
            if not scene:
                per[h["line"] - 1].append((h["entry"], h["category"], h["action"], h["start"],
                                           h.get("tag"), h.get("suggestion"), h["col"]))
                continue
            raw = texts[h["line"] - 1].encode("utf-8")
            for x in h["hits"]:
                col = len(raw[:x["start"]].decode("utf-8", "replace")) + 1
                per[h["line"] - 1].append((x["entry"], x["category"], x["action"], x["start"],
                                           x.get("tag"), x.get("suggestion"), col))
            for x in h.get("scores", []):
                per[h["line"] - 1].append(("score:" + x["scorer"], x["category"], x["action"], 0,
                                           None, None, 1))
        if p.wait() not in (0, 1):
            sys.exit(f"{self.shai} failed with status {p.returncode}")
        return per

    def scan_lines(self, lines, scene=None):
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
            f.write("".join(x + "\n" for x in lines))
        try:
            return self.scan_file(f.name, scene)
        finally:
            os.unlink(f.name)

    def lint(self):
        """(exit status, summary line) of `shai lint --strict`, or None."""
        if not self.shai:
            return None
        p = subprocess.run([self.shai, "lint", "--strict", self.lexdir], capture_output=True,
                           text=True)
        return p.returncode, (p.stdout + p.stderr).strip().splitlines()


def verdict(hits):
    acts = {h[2] for h in hits}
    return "block" if "block" in acts else "review" if acts else "pass"


def rates(hits_per_line, scene):
    cnt = Counter()
    for hs in hits_per_line:
        cnt[verdict(scene(hs))] += 1
    n = len(hits_per_line)
    return cnt["review"] * 10000 / n, cnt["block"] * 10000 / n


# ---- ad-law sectors ------------------------------------------------------
# Which provision of the Advertising Law (广告法) a term of the public list
# falls under; first matching rule wins.  The rules name the sectors' usual
# vocabulary, they do not reproduce the list.
SECTORS = [
    ("state organs (Art. 9(2))", ["国家机关", "领导人", "国宴", "人大", "政协", "大会堂", "军队", "特供", "专供",
                                  "免检", "免抽检", "国家质量"]),
    ("health claims (Art. 16-18)", ["治", "愈", "病", "见效", "有效", "副作用", "毒", "依赖", "手术", "反复",
                                    "康复", "安全", "天然", "转基因", "保险", "退款"]),
    ("investment / income (Art. 25)", ["升值", "投资", "回报", "收益", "赚"]),
    ("education / exams (Art. 24)", ["过", "学会", "升学", "高考", "直接选", "通关"]),
    ("superstition (Art. 9(8))", ["旺", "运", "吉", "凶", "邪", "小人", "招财", "富贵", "护身", "能量", "镇宅",
                                  "灾", "冥", "亨通", "第六感", "气压", "精神压力", "招福"]),
    ("prize lures / sales pressure (Art. 28)", ["点击", "领奖", "获奖", "奖品", "免单",
                                                                   "抢购", "热销", "试用", "赠送", "大亏", "秒杀"]),
    ("endorsement / ranking (Art. 16(4), 28)", ["评比", "排序", "指定", "推荐", "选用"]),
    ("absolute terms (Art. 9(3))", [""]),
]


def sector_of(term):
    for name, keys in SECTORS:
        if any(k in term for k in keys):
            return name
    return SECTORS[-1][0]


def adlaw_coverage(scanner, corpora, show_uncovered):
    path = os.path.join(corpora, "adlaw", "adlaw_absolute_terms.txt")
    if not os.path.exists(path):
        print(f"(ad-law list not found: {path})\n")
        return None
    terms = [t.strip() for t in open(path, encoding="utf-8") if t.strip()]
    hits = scanner.scan_lines(terms)
    per = {}
    for t, hs in zip(terms, hits):
        covered = any(h[1] == "ad-law" for h in hs)
        per.setdefault(sector_of(t), []).append((t, covered))
    print(f"Ad-law: coverage of the public list ({len(terms)} terms, measurement only) by sector:\n")
    print("| sector | terms | covered | share |")
    print("|---|---|---|---|")
    total = cov = 0
    uncovered_sectors = []
    for name, _ in SECTORS:
        rows = per.get(name, [])
        if not rows:
            continue
        c = sum(1 for _, ok in rows if ok)
        total += len(rows)
        cov += c
        if c == 0:
            uncovered_sectors.append(name)
        print(f"| {name} | {len(rows)} | {c} | {c / len(rows):.0%} |")
    print(f"| **all** | {total} | {cov} | {cov / total:.0%} |")
    print()
    if show_uncovered:
        for name, rows in per.items():
            miss = [t for t, ok in rows if not ok]
            if miss:
                print(f"- {name}: not covered: {' '.join(miss)}")
        print()
    return cov, total, uncovered_sectors


ADCOPY_SEED = 20261205


def adcopy_report(scanner, adlike, sample_n, seed=ADCOPY_SEED):
    """The ad-copy scene on the ad-like lines (corpus, line number, text)."""
    hits = scanner.scan_lines([t for _, _, t in adlike], "ad-copy")
    claims = [(c, i, t, h) for (c, i, t), hs in zip(adlike, hits) for h in hs if h[1] == "ad-law"]
    lines_hit = sum(1 for hs in hits if any(h[1] == "ad-law" for h in hs))
    print(f"Ad-copy scene on the ad-like lines of the corpora (lines with an ad-law hit, "
          f"{len(adlike)} lines): {len(claims)} ad-law hits in {lines_hit} lines "
          f"(ad-law review with suggestions, spam review, the rest kept).")
    share = None
    # every judged sample, oldest first: the last one is the current figure
    for name in ("adcopy_sample.tsv", "adcopy_sample_2.tsv", "adcopy_sample_3.tsv"):
        judged = os.path.join(JUDGED, name)
        if not os.path.exists(judged):
            continue
        rows = [r.rstrip("\n").split("\t") for r in open(judged, encoding="utf-8")
                if r.strip() and not r.startswith("#")]
        rows = [r for r in rows if r[0] != "corpus"]
        real = sum(1 for r in rows if r[4] == "claim")
        share = real / len(rows) if rows else 0.0
        print(f"Judged sample ({os.path.relpath(judged)}): {real} of {len(rows)} hits are real "
              f"claims ({share:.0%}).")
    print()
    if sample_n:
        rnd = random.Random(seed)
        print("corpus\tline\tentry\tsuggestion\tjudgement\treason\ttext")
        for c, i, t, h in sorted(rnd.sample(claims, min(sample_n, len(claims))),
                                 key=lambda x: (x[0], x[1])):
            at = h[6] - 1  # the hit's column, in code points
            around = t[max(0, at - 25):at + 30].replace("\t", " ")
            print(f"{c}\t{i}\t{h[0]}\t{h[5] or ''}\t\t\t{around}")
        print()
    return share


def cold_report(texts_hits, labels):
    print("COLDataset, `comments` scene: a hit in abuse or hate, or a flag of the scene's"
          " scorer (score:offensive, category hate), predicts the label 'offensive'"
          " (tune on train/dev; test is the quoted figure):\n")
    print("| split | n | offensive | flagged | precision | recall |")
    print("|---|---|---|---|---|---|")
    out = {}
    for split in ("train", "dev", "test"):
        tp = fp = fn = tot = pos = 0
        for (sp, _topic, lab), hs in zip(labels, texts_hits):
            if sp != split:
                continue
            tot += 1
            off = lab == "1"
            pos += off
            pred = any(h[1] in OFFENSIVE_CATS for h in hs)
            tp += pred and off
            fp += pred and not off
            fn += off and not pred
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out[split] = (p, r)
        title = "**test**" if split == "test" else split
        print(f"| {title} | {tot} | {pos} | {tp + fp} | {p:.3f} | {r:.3f} |")
    print()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="?", default=None)
    ap.add_argument("--lexicon", default=WORDLISTS)
    ap.add_argument("--shai", help="path of the shai CLI (default: build/tools/shai)")
    ap.add_argument("--python", action="store_true", help="use the exact Python matcher")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--blocks", help="print the block lines of this corpus")
    ap.add_argument("--uncovered", action="store_true")
    ap.add_argument("--adcopy-sample", type=int, default=0,
                    help="print N random ad-copy hits on ad-like lines, to judge")
    ap.add_argument("--seed", type=int, default=ADCOPY_SEED,
                    help=f"seed of the --adcopy-sample draw (default {ADCOPY_SEED})")
    ap.add_argument("--only", help="comma-separated corpus names")
    ap.add_argument("--no-variants", action="store_true",
                    help="the words as written only (shai scan --no-variants): the figures "
                         "before the variant layer, to compare with a run without it")
    args = ap.parse_args()
    corpora = args.corpora or lexicon.find_corpora(REPO)
    ugc = os.path.join(corpora, "ugc")
    if not os.path.isdir(ugc):
        sys.exit(f"corpora not found: {corpora} (give the folder, or set SHAI_CORPORA)")
    shai = None if args.python else (args.shai or find_shai())
    if not args.python and not shai:
        print("(no build/tools/shai: using the exact Python matcher; build shai for real figures)")
    scanner = Scanner(args.lexicon, shai, variants=not args.no_variants)
    print(f"lexicon: {os.path.relpath(args.lexicon)}  matcher: {scanner.name()}\n")

    print("Texts per 10k texts: verdict review / block with all categories and in the lexicon's"
          " `comments` scene (shai scan --scene comments), the scene's review without `tag=mild`"
          " entries, and texts hit per category (all categories):\n")
    hdr = ("| corpus | texts | review | block | comments review | **comments block** | comments review w/o mild | "
           + " | ".join(CATS) + " |")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    top = Counter()
    samples, figures, block_lines = {}, {}, {}
    cold_hits = None
    adlike = []
    for name, fn, ordinary in CORPORA:
        if args.only and name not in args.only.split(","):
            continue
        path = os.path.join(ugc, fn)
        hits = scanner.scan_file(path)
        com = scanner.scan_file(path, "comments")
        n = len(hits)
        r_all, b_all = rates(hits, all_hits)
        r_com, b_com = rates(com, all_hits)
        r_mild, _ = rates(com, without_mild)
        figures[name] = (r_all, b_all, r_com, b_com)
        block_lines[name] = {i + 1 for i in range(n) if verdict(hits[i]) == "block"}
        percat = Counter()
        flagged = []
        texts = None
        for i, hs in enumerate(hits):
            for c in {h[1] for h in hs}:
                percat[c] += 1
            if any(h[1] == "ad-law" for h in hs):
                if texts is None:
                    texts = open(path, encoding="utf-8").read().split("\n")
                adlike.append((name, i + 1, texts[i]))
            sc = com[i]
            if ordinary and sc:
                for k in {(h[0], h[1], h[2]) for h in sc}:
                    top[k] += 1
                flagged.append(i)
        print(f"| {name} | {n} | {r_all:.1f} | {b_all:.1f} | {r_com:.1f} | **{b_com:.1f}** | {r_mild:.1f} | " +
              " | ".join(f"{percat[c] * 10000 / n:.1f}" for c in CATS) + " |")
        if (ordinary and args.sample) or args.blocks == name:
            texts = open(path, encoding="utf-8").read().split("\n")[:-1]
            if ordinary and args.sample:
                rnd = random.Random(20240601)
                pick = sorted(rnd.sample(flagged, min(args.sample, len(flagged))))
                samples[name] = [(texts[i], com[i]) for i in pick]
            if args.blocks == name:
                samples["block lines of " + name] = [(f"{i + 1}\t{texts[i]}", [h for h in hits[i] if h[2] == "block"])
                                                     for i in range(n) if verdict(hits[i]) == "block"]
        if name == "cold":
            cold_hits = com
    print()
    cold = None
    if cold_hits is not None:
        labels = [x.rstrip("\n").split("\t") for x in
                  open(os.path.join(ugc, "cold_offensive_comments.labels.tsv"), encoding="utf-8")]
        cold = cold_report(cold_hits, labels)
    adlaw = adlaw_coverage(scanner, corpora, args.uncovered)
    adcopy = adcopy_report(scanner, adlike, args.adcopy_sample, args.seed) if adlike else None
    lint = scanner.lint()
    if lint:
        print(f"shai lint --strict {os.path.relpath(args.lexicon)}: exit {lint[0]}")
        for line in lint[1][-5:]:
            print(f"    {line}")
        print()

    print("Targets (issue #16, default lexicon):\n")
    for name in ("hotel", "shopping", "takeaway"):
        if name in figures:
            _, _, r, b = figures[name]
            ok = r <= 150 and b <= 1
            print(f"- {name}: comments review {r:.1f} ≤ 150, block {b:.1f} ≤ 1 per 10k: {'met' if ok else 'NOT met'}")
    for name in ("weibo-covid", "weibo-emotion"):
        if name in figures:
            b = figures[name][1]
            print(f"- {name}: block {b:.1f} ≤ 3 per 10k (all categories): {'met' if b <= 3 else 'NOT met'}")
    judged = os.path.join(JUDGED, "weibo_covid19_block.tsv")
    if os.path.exists(judged):
        rows = [r.rstrip("\n").split("\t") for r in open(judged, encoding="utf-8")
                if r.strip() and not r.startswith("#")]
        right = sum(1 for r in rows if r[2] == "right")
        share = right / len(rows) if rows else 0.0
        stale = ""
        if "weibo-covid" in block_lines and {int(r[0]) for r in rows} != block_lines["weibo-covid"]:
            stale = " (STALE: not today's block lines; rejudge with --blocks weibo-covid)"
        print(f"- weibo-covid block lines judged by hand ({os.path.relpath(judged)}): {right} of "
              f"{len(rows)} right ({share:.0%}) ≥ 80%: {'met' if share >= 0.8 else 'NOT met'}{stale}")
    if cold:
        p, r = cold["test"]
        print(f"- COLD test: precision {p:.3f} ≥ 0.80 at recall {r:.3f} ≥ 0.45: "
              f"{'met' if p >= 0.80 and r >= 0.45 else 'NOT met'}")
    if adlaw:
        cov, total, miss = adlaw
        print(f"- ad-law: every sector of the public list covered: "
              f"{'met' if not miss else 'NOT met (' + ', '.join(miss) + ')'}; terms {cov}/{total}")
    if adcopy is not None:
        print(f"- ad-copy scene, judged sample of hits on ad-like lines: {adcopy:.0%} real claims "
              f"≥ 80%: {'met' if adcopy >= 0.8 else 'NOT met'}")
    if lint:
        print(f"- shai lint --strict: {'clean' if lint[0] == 0 else 'NOT clean'}")
    print()

    if args.top:
        print(f"Entries flagging most ordinary reviews (hotel+shopping+takeaway), comments scene, top {args.top}:\n")
        for (w, c, a), k in top.most_common(args.top):
            print(f"{k:6d}  {w}\t{c}\t{a}")
        print()
    for name, rows in samples.items():
        print(f"{'Sample of flagged ' + name if not name.startswith('block') else name.capitalize()} texts:\n")
        for t, hs in rows:
            hl = ", ".join(sorted({f"{h[0]}({h[1]}/{h[2]})" for h in hs}))
            print(f"- {t[:140]}{'…' if len(t) > 140 else ''}  →  {hl}")
        print()


if __name__ == "__main__":
    main()
