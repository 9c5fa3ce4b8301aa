#!/usr/bin/env python3
"""The hits of the default lexicon whose span holds noise that the entry
lacks, to judge by hand (tools/judged/noise_hits.tsv).

    python3 wordlists/tools/noise_hits.py CORPORA [--shai PATH] [--context N]

Scans each corpus below (the bundled user-generated texts, then the
Traditional Chinese Wikipedia paragraphs and questions of DRCD) in the
default mode and with --overlapping (`shai scan --format jsonl`), leaves out
regex rules (they are not words) and keeps a hit once when its text holds a
noise character the entry does not: Unicode categories P*, S* or Z* after
NFKC, or one of 丨丶ノ〃. Prints one TSV row per hit: corpus, line, column,
entry, hit, the variant kind of a variant hit (`-` for an ordinary one),
and N characters of the line on each side (for judging only: the
corpora have no license, so only a few words of context go into the judged
file).
"""
import argparse
import json
import os
import subprocess
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

CORPORA = [
    ("hotel", "ugc/chnsenticorp_hotel_reviews.txt"),
    ("cold", "ugc/cold_offensive_comments.txt"),
    ("shopping", "ugc/online_shopping_10_cats_reviews.txt"),
    ("takeaway", "ugc/waimai_10k_reviews.txt"),
    ("weibo-covid", "ugc/weibo_covid19_posts_sample.txt"),
    ("weibo-emotion", "ugc/weibo_emotion_posts.txt"),
    ("drcd-wiki", "traditional/drcd_wiki_paragraphs_zh_tw.txt"),
    ("drcd-questions", "traditional/drcd_questions_zh_tw.txt"),
]

STROKES = set("丨丶ノ〃")


def is_noise(ch):
    for c in unicodedata.normalize("NFKC", ch):
        if c in STROKES or unicodedata.category(c)[0] in "PSZ":
            return True
    return False


def rules():
    out = set()
    for name in os.listdir(os.path.join(REPO, "wordlists")):
        if name.endswith(".txt"):
            with open(os.path.join(REPO, "wordlists", name), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("re:"):
                        out.add(line[3:].rstrip("\n").split("\t")[0])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora")
    ap.add_argument("--shai", default=os.path.join(REPO, "build", "tools", "shai"))
    ap.add_argument("--context", type=int, default=12)
    args = ap.parse_args()
    skip = rules()
    for name, rel in CORPORA:
        path = os.path.join(args.corpora, rel)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        seen = set()
        for mode in ([], ["--overlapping"]):
            run = subprocess.run([args.shai, "scan", "--format", "jsonl", *mode, path],
                                 capture_output=True, text=True)
            for row in run.stdout.splitlines():
                h = json.loads(row)
                if h["entry"] in skip:
                    continue
                entry = unicodedata.normalize("NFKC", h["entry"])
                if not any(is_noise(c) and c not in entry and
                           unicodedata.normalize("NFKC", c) not in entry for c in h["text"]):
                    continue
                key = (h["line"], h["col"], h["entry"], h["text"])
                if key in seen:
                    continue
                seen.add(key)
                text = lines[h["line"] - 1]
                c0 = h["col"] - 1
                c1 = c0 + len(h["text"])
                ctx = (text[max(0, c0 - args.context):c0] + "[" + text[c0:c1] + "]" +
                       text[c1:c1 + args.context])
                print("\t".join([name, str(h["line"]), str(h["col"]), h["entry"], h["text"],
                                 h.get("variant", "-"), ctx.replace("\t", " ")]))


if __name__ == "__main__":
    main()
