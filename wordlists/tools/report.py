#!/usr/bin/env python3
"""Quality report for shai's default lexicon over the real UGC corpora.

    /usr/bin/python3 wordlists/tools/report.py [CORPORA] [--lexicon DIR]
        [--shai PATH/TO/shai] [--top N] [--sample N] [--markdown]

CORPORA defaults to ../shared/corpora relative to the repo's parent.  For each
corpus in CORPORA/ugc it prints texts flagged per 10k texts, per category and
overall (any hit, review, block), and for COLDataset the precision/recall of
"a hit in abuse or hate" as a predictor of the "offensive" label, on the
train+dev rows (tuning) and on the test rows (the reported number).

Matching is done by the Python matcher in lexicon.py (exact, overlapping, Latin
word boundaries, allow-suppression); with --shai the C CLI is run instead:
`shai scan --format jsonl --overlapping --lexicon DIR FILE`.
--top N lists the N entries that flag most texts in the ordinary-review corpora;
--sample N prints N random flagged texts per ordinary corpus (seeded, stable).
"""
import argparse
import json
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
WORDLISTS = os.path.dirname(HERE)
REPO = os.path.dirname(WORDLISTS)
sys.path.insert(0, HERE)
import lexicon  # noqa: E402

CORPORA = [
    ("hotel", "chnsenticorp_hotel_reviews.txt", True),
    ("shopping", "online_shopping_10_cats_reviews.txt", True),
    ("takeaway", "waimai_10k_reviews.txt", True),
    ("weibo-covid", "weibo_covid19_posts_sample.txt", False),
    ("weibo-emotion", "weibo_emotion_posts.txt", False),
    ("cold", "cold_offensive_comments.txt", False),
]
CATS = ["politics", "porn", "gambling", "drugs", "violence", "weapons", "fraud",
        "cult", "abuse", "hate", "ad-law", "spam"]
OFFENSIVE_CATS = {"abuse", "hate"}


def scan_python(lexdir, path):
    m = lexicon.Matcher(lexicon.load([lexdir]))
    with open(path, encoding="utf-8") as f:
        for line in f:
            deny, _ = m.scan(line.rstrip("\n"))
            yield [(e.word, e.category, e.action, s) for s, t, e in deny]


def scan_cli(shai, lexdir, path):
    n = sum(1 for _ in open(path, encoding="utf-8"))
    per = [[] for _ in range(n)]
    p = subprocess.Popen([shai, "scan", "--format", "jsonl", "--overlapping", "--lexicon", lexdir, path],
                         stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        h = json.loads(line)
        per[h["line"] - 1].append((h["entry"], h["category"], h["action"], h.get("start", 0)))
    if p.wait() not in (0, 1, 2):
        sys.exit(f"{shai} failed with status {p.returncode}")
    return per


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="?", default=os.path.join(os.path.dirname(REPO), "shared", "corpora"))
    ap.add_argument("--lexicon", default=WORDLISTS)
    ap.add_argument("--shai")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--only", help="comma-separated corpus names")
    args = ap.parse_args()
    ugc = os.path.join(args.corpora, "ugc")
    matcher = "C CLI " + args.shai if args.shai else "Python matcher (wordlists/tools/lexicon.py)"
    print(f"lexicon: {os.path.relpath(args.lexicon, REPO)}  matcher: {matcher}")
    print()
    hdr = f"| corpus | texts | any hit | review | **block** | " + " | ".join(CATS) + " |"
    print("Texts flagged per 10k texts (a text counts once per column):\n")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    top = Counter()
    samples = {}
    cold_rows = None
    for name, fn, ordinary in CORPORA:
        if args.only and name not in args.only.split(","):
            continue
        path = os.path.join(ugc, fn)
        texts = open(path, encoding="utf-8").read().split("\n")[:-1]
        hits = scan_cli(args.shai, args.lexicon, path) if args.shai else list(scan_python(args.lexicon, path))
        n = len(texts)
        cnt = Counter()
        flagged = []
        for i, hs in enumerate(hits):
            if not hs:
                continue
            cnt["any"] += 1
            acts = {h[2] for h in hs}
            cnt["block" if "block" in acts else "review"] += 1
            if "block" in acts:
                pass
            for c in {h[1] for h in hs}:
                cnt[c] += 1
            if ordinary:
                for w in {(h[0], h[1], h[2]) for h in hs}:
                    top[w] += 1
                flagged.append(i)
        rate = lambda k: f"{cnt[k] * 10000 / n:.1f}"
        blocks = cnt["block"] + 0  # texts whose verdict is block
        print(f"| {name} | {n} | {rate('any')} | {rate('review')} | **{rate('block')}** | " +
              " | ".join(rate(c) for c in CATS) + " |")
        if ordinary and args.sample:
            rnd = random.Random(20240601)
            pick = sorted(rnd.sample(flagged, min(args.sample, len(flagged))))
            samples[name] = [(texts[i], hits[i]) for i in pick]
        if name == "cold":
            cold_rows = (texts, hits)
    print()
    if cold_rows is not None:
        labels = [l.rstrip("\n").split("\t") for l in open(os.path.join(ugc, "cold_offensive_comments.labels.tsv"), encoding="utf-8")]
        print("COLDataset: a hit in abuse or hate predicts label 'offensive':\n")
        print("| rows | n | offensive | flagged | precision | recall |")
        print("|---|---|---|---|---|---|")
        for title, splits in (("train+dev (tuning)", {"train", "dev"}), ("**test (reported)**", {"test"})):
            tp = fp = fn = pos = tot = 0
            for (split, _topic, lab), hs in zip(labels, cold_rows[1]):
                if split not in splits:
                    continue
                tot += 1
                off = lab == "1"
                pos += off
                pred = any(h[1] in OFFENSIVE_CATS for h in hs)
                tp += pred and off
                fp += pred and not off
                fn += off and not pred
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / (tp + fn) if tp + fn else 0.0
            print(f"| {title} | {tot} | {pos} | {tp + fp} | {prec:.3f} | {rec:.3f} |")
        print()
    if args.top:
        print(f"Entries flagging most ordinary reviews (hotel+shopping+takeaway), top {args.top}:\n")
        for (w, c, a), k in top.most_common(args.top):
            print(f"{k:6d}  {w}\t{c}\t{a}")
        print()
    for name, rows in samples.items():
        print(f"Sample of flagged {name} texts:\n")
        for t, hs in rows:
            hl = ", ".join(sorted({f"{h[0]}({h[1]}/{h[2]})" for h in hs}))
            print(f"- {t[:90]}{'…' if len(t) > 90 else ''}  →  {hl}")
        print()


if __name__ == "__main__":
    main()
