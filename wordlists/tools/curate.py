#!/usr/bin/env python3
"""Derive the seeded files of shai's default lexicon from the public lists.

    python3 wordlists/tools/curate.py [--check] [CORPORA]
                                     (default: $SHAI_CORPORA, else the
                                      first shared/corpora folder beside
                                      the repository or a parent folder)

--check writes nothing: it exits 1 naming each seeded file that differs from
what the script makes (a hand edit the curation data does not hold), and 77
(skipped) when the corpora are not there.

Reads the licensed word lists in CORPORA/lexicons (Apache-2.0 / MIT) and
CORPORA/profanity (CC-BY-4.0) plus OpenCC's TSCharacters table (Apache-2.0) for
Traditional->Simplified canonicalisation, applies the curation data in
wordlists/tools/curation/ and writes wordlists/<category>.txt for the seeded
categories.  Hand-written files (ad-law.txt, spam.txt, allow.txt) are
not touched.  The script never reads the ugc/ or adlaw/ corpora.

Steps, per source entry:
  1. drop entries with control characters or invalid text;
  2. canonicalise: NFKC (full width -> ASCII), lowercase, Traditional->Simplified
     (character table), trim;
  3. drop obfuscated / junk shapes: punctuation or symbols inside the word,
     spaces inside CJK words, pure digits, single CJK characters (except a few
     unambiguous ones), Latin-only words from the Chinese lists (unless listed
     in curation/keep.tsv), entries > 32 code points;
  4. drop words listed in curation/drop.tsv (ordinary words found by review),
     also when spelled with variant characters that shai's fold turns into
     them (tools/gen_fold/data/variants.txt: 処女 is 处女, 上妳 is 上你);
  5. assign a category: curation/recat.tsv, else keyword rules, else the
     source's category; assign the category's default action, overridden by
     curation/actions.tsv;
  6. merge duplicates (also spellings that match the same texts: `blow job`
     and `blowjob`, or that differ only in fold variants: the one without
     variants is kept if seen, else the first; of Latin spellings, the one
     with spaces or hyphens, or as curation/compounds.tsv splits it) and drop entries made
     redundant by a shorter entry of the
     same category and action that they contain (CJK only);
  7. add the hand-picked entries in curation/<category>.add.
"""
import io
import os
import re
import sys
import unicodedata
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
WORDLISTS = os.path.dirname(HERE)
REPO = os.path.dirname(WORDLISTS)
CUR = os.path.join(HERE, "curation")

# category -> (default action, description)
CATEGORIES = OrderedDict([
    ("politics", ("review", "political names, slogans and evasions (review: context decides)")),
    ("porn", ("block", "pornography, sexual services, explicit sexual terms")),
    ("gambling", ("block", "online casinos, betting, gambling services")),
    ("drugs", ("block", "illegal drugs and their trade")),
    ("violence", ("block", "violence and terrorism: bomb-making, killing for hire, terror groups")),
    ("weapons", ("block", "trade in guns, ammunition, explosives, controlled knives")),
    ("fraud", ("block", "fraud and illegal trade: fake invoices/certificates, counterfeit money, surveillance gear, data trade")),
    ("cult", ("block", "banned cults and their evasions")),
    ("abuse", ("review", "abuse and profanity, Chinese and English")),
    ("rude", ("review", "rude words that are not abuse by themselves: disgust and contempt said of things as often as of people (恶心, 扯淡), exclamations (卧槽)")),
    ("hate", ("review", "slurs against regions, ethnic groups, nationalities, genders")),
])

# The variant kinds (docs/lexicon-format.md, "Variants") each category's
# entries take by default: the spellings that need a Latin letter, an emoji, a
# split character or an inserted letter, which ordinary text rarely holds.
# Homophones, wildcards, initials and digits only for the entries listed in
# curation/variants.tsv: applied to every entry they would flag ordinary words
# (银河 sounds like 淫河, 花* masks a price).
BASE_VARIANTS = "pinyin,split,emoji,leet,insert"
CATEGORY_VARIANTS = {c: BASE_VARIANTS for c in CATEGORIES if c != "rude"}

# (file, source category, source id).  Order matters: the first source that
# names a word gives its default category.
SOURCES = [
    ("profanity/ldnoobw_en.txt", "abuse", "ldnoobw"),
    ("profanity/ldnoobw_zh.txt", "abuse", "ldnoobw"),
    ("lexicons/houbb2020_insult.txt", "abuse", "houbb"),
    ("lexicons/houbb2020_cult.txt", "cult", "houbb"),
    ("lexicons/houbb2020_drugs.txt", "drugs", "houbb"),
    ("lexicons/houbb_tag_drugs.txt", "drugs", "houbb"),
    ("lexicons/houbb_tag_gambling.txt", "gambling", "houbb"),
    ("lexicons/konsheng_guns_explosives.txt", "weapons", "konsheng"),
    ("lexicons/houbb2020_violence.txt", "violence", "houbb"),
    ("lexicons/konsheng_terrorism.txt", "violence", "konsheng"),
    ("lexicons/houbb2020_porn.txt", "porn", "houbb"),
    ("lexicons/konsheng_porn.txt", "porn", "konsheng"),
    ("lexicons/konsheng_porn_type.txt", "porn", "konsheng"),
    ("lexicons/houbb_tag_porn.txt", "porn", "houbb"),
    ("lexicons/houbb2020_ads_spam.txt", "fraud", "houbb"),
    ("lexicons/konsheng_ads_type.txt", "fraud", "konsheng"),
    ("lexicons/houbb_tag_illegal.txt", "fraud", "houbb"),
    ("lexicons/houbb2020_politics.txt", "politics", "houbb"),
    ("lexicons/houbb_tag_politics.txt", "politics", "houbb"),
    ("lexicons/konsheng_politics_type.txt", "politics", "konsheng"),
    ("lexicons/konsheng_reactionary.txt", "politics", "konsheng"),
    ("lexicons/toolgood_illegal_keywords.txt", None, "toolgood"),  # uncategorised: only words the rules classify
]

SOURCE_NAMES = {
    "houbb": "houbb/sensitive-word (Apache-2.0)",
    "konsheng": "konsheng/Sensitive-lexicon (MIT)",
    "toolgood": "toolgood/ToolGood.Words (Apache-2.0)",
    "ldnoobw": "LDNOOBW List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words (CC-BY-4.0)",
}

# keyword rules: first match wins; they re-file entries of mixed sources.
RULES = [
    ("abuse", r"你妈|他妈|她妈|它妈|你娘|她娘|他娘|操你|草你|日你|干你|cao你|艹你|你奶|妈了个|妈比|妈逼|傻逼|煞笔|傻比|草拟吗|你吗的"),
    ("cult", r"法轮|法輪|轮功|大法弟子|李洪志|全能神|东方闪电|门徒会|呼喊派|观音法门|统一教|血水圣灵|被立王|主神教|实际神|灵灵教|法lun|falun"),
    ("weapons", r"枪|弹药|子弹|炸药|雷管|炸弹|手雷|弓弩|弩|军刺|匕首|管制刀|砍刀|猎刀|弹簧刀|跳刀|甩刀|火药|tnt|导火索|军刀|刺刀|射钉"),
    ("drugs", r"冰毒|海洛因|摇头丸|氯胺酮|k粉|大麻|可卡因|鸦片|吗啡|麻古|麻黄|迷幻|罂粟|毒品|白粉|杜冷丁|美沙酮|安非他命|苯丙胺|三唑仑|迷药|迷奸|失忆|听话|催情|迷情|蒙汗药|迷魂|lsd|咔哇|神仙水|笑气"),
    ("gambling", r"赌|博彩|娱乐城|百家乐|老虎机|六合彩|时时彩|彩票网|真人娱乐|bet365|威尼斯人|葡京|下注|赔率|庄家|轮盘|骰宝|牌九|棋牌"),
    ("porn", r"淫|色情|av女优|成人电影|成人网|裸聊|裸体|小穴|鸡巴|阴茎|阴道|阴唇|口交|肛交|乳交|性交|做爱|嫖|妓|援交|一夜情|约炮|丝袜美腿|自慰|手淫|潮吹|射精|三级片|a片|黄片"),
    ("violence", r"杀手|买凶|雇凶|代杀|砍人|恐怖分子|恐怖袭击|人体炸弹|自杀式|圣战|基地组织|东突|爆炸|纵火|绑架|暗杀|灭门|投毒|制造爆炸|报仇"),
    ("fraud", r"发票|假证|办证|证件|文凭|学历|毕业证|学位证|驾照|身份证|假币|伪钞|答案|作弊|考试|窃听|偷拍|针孔|监听|定位|黑客|盗号|信用卡|套现|洗钱|贷款|器官|肾|代孕|私家侦探|删帖|公章|刻章|车牌|走私|枪手"),
]
RULES = [(c, re.compile(p)) for c, p in RULES]

SINGLE_OK = set("屄肏")
LATIN_RE = re.compile(r"^[a-z0-9][a-z0-9 '\-]*[a-z0-9]$|^[a-z]$")
CJK_RE = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
GOOD_CHAR = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134fa-z0-9]")


def load_ts(corpora):
    table = {}
    path = os.path.join(corpora, "traditional", "opencc_TSCharacters.txt")
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        t, s = line.rstrip("\n").split("\t", 1)
        s = s.split()[0]
        if len(t) == 1 and len(s) == 1 and t != s:
            table[ord(t)] = s
    return table


def load_variants():
    """The variant table of shai's fold (variant -> Simplified character)."""
    table = {}
    path = os.path.join(REPO, "tools", "gen_fold", "data", "variants.txt")
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        v, s = line.rstrip("\n").split("\t")[:2]
        table[ord(v)] = s
    return table


def read_tsv(name, cols=1):
    path = os.path.join(CUR, name)
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        parts += [""] * (cols - len(parts))
        out.append(parts)
    return out


# variants that shai's fold maps but OpenCC's character table does not
FOLD_EXTRA = str.maketrans({"砲": "炮"})


def canon(word, ts):
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in word):
        return None
    w = unicodedata.normalize("NFKC", word).lower().strip()
    w = w.translate(ts).translate(FOLD_EXTRA)
    return w or None


def seps(w):
    """The spaces and hyphens inside a Latin word."""
    return w.count(" ") + w.count("-")


def same_text_key(w):
    """Entries with the same key match the same texts: the matcher skips
    spaces and hyphens inside Latin words (`blow job` is `blowjob`)."""
    return re.sub(r"[ \-]", "", w) if not CJK_RE.search(w) else w


def shape_ok(w, from_latin_list, keep):
    if w in keep:
        return True
    if len(w) > 32:
        return False
    has_cjk = bool(CJK_RE.search(w))
    if not has_cjk:
        if not from_latin_list:
            return False  # pinyin / ids / English fragments from the Chinese lists
        return bool(LATIN_RE.match(w)) and len(w) >= 3 and not w.isdigit()
    # CJK: every character must be CJK, a-z or 0-9 (no inserted punctuation or spaces)
    if not all(GOOD_CHAR.match(c) for c in w):
        return False
    if len(w) == 1 and w not in SINGLE_OK:
        return False
    if sum(1 for c in w if CJK_RE.match(c)) == 1 and len(w) <= 2:
        return False  # e.g. "a片" style halves, "x娘"
    return True


def main(argv):
    sys.path.insert(0, HERE)
    import lexicon
    check = "--check" in argv[1:]
    args = [a for a in argv[1:] if a != "--check"]
    corpora = args[0] if args else lexicon.find_corpora(REPO)
    if not os.path.isdir(corpora):
        if check:
            print(f"corpora not found: {corpora} (nothing to check against)")
            sys.exit(77)
        sys.exit(f"corpora not found: {corpora}")
    stale = []
    ts = load_ts(corpora)
    drop = {canon(r[0], ts) for r in read_tsv("drop.tsv")}
    variants = load_variants()
    keep = {canon(r[0], ts) for r in read_tsv("keep.tsv")}
    recat = {canon(r[0], ts): r[1] for r in read_tsv("recat.tsv", 2)}
    actions = {canon(r[0], ts): r[1] for r in read_tsv("actions.tsv", 2)}
    entry_variants = {canon(r[0], ts): r[1] for r in read_tsv("variants.tsv", 2)}
    for a in actions.values():
        assert a in ("block", "review", "drop"), a

    tags = {}
    words = OrderedDict()  # word -> [category, set(source ids)]
    spelled = {}  # same-text key (variants folded) -> the spelling kept (the first seen)
    plain = {}  # same-text key -> a spelling seen without variants
    spaced = {}  # same-text key -> the Latin spelling with the most spaces and hyphens
    for r in read_tsv("compounds.tsv"):
        c = canon(r[0], ts)
        spaced[same_text_key(c)] = c
    stats = OrderedDict()
    for rel, srccat, sid in SOURCES:
        path = os.path.join(corpora, rel)
        st = stats.setdefault(rel, {"read": 0, "kept": 0, "ctrl": 0, "shape": 0, "drop": 0, "nocat": 0})
        latin_list = rel.startswith("profanity/") or srccat in ("drugs", "cult")
        for line in open(path, encoding="utf-8"):
            raw = line.rstrip("\n")
            st["read"] += 1
            w = canon(raw, ts)
            if w is None:
                st["ctrl"] += 1
                continue
            if not shape_ok(w, latin_list, keep):
                st["shape"] += 1
                continue
            if w in drop or w.translate(variants) in drop or actions.get(w) == "drop":
                st["drop"] += 1
                continue
            key = same_text_key(w.translate(variants))  # 伱妈 and 你妈 are one word
            if w == w.translate(variants):
                plain.setdefault(key, w)
            if not CJK_RE.search(w) and seps(w) > seps(spaced.get(key, "")):
                spaced[key] = w
            w = spelled.setdefault(key, w)
            if w in words:
                words[w][1].add(sid)
                st["kept"] += 1
                continue
            cat = recat.get(w)
            if cat is None:
                for c, rx in RULES:
                    if rx.search(w):
                        cat = c
                        break
            if cat is None or (srccat in ("abuse", "cult", "drugs") and w not in recat):
                cat = srccat or cat
            if cat is None:
                st["nocat"] += 1
                continue
            words[w] = [cat, {sid}]
            st["kept"] += 1

    # of the spellings that match the same texts, the one written: of Latin
    # ones the one with its space or hyphen (`blow job` also matches blowjob,
    # blowjob not `blow job`: docs/lexicon-format.md, "Noise inside a Latin
    # word"), else the one without variants (你妈, not 伱妈)
    for key, w in list(spelled.items()):
        k = spaced.get(key) or plain.get(key)
        if k is not None and k != w:
            words = OrderedDict((k if x == w else x, v) for x, v in words.items())
            for d in (recat, actions, tags, entry_variants):
                if w in d and k not in d:
                    d[k] = d.pop(w)
            spelled[key] = k

    # hand-picked additions
    for cat in CATEGORIES:
        for r in read_tsv(cat + ".add", 3):
            w = canon(r[0], ts)
            w = spelled.setdefault(same_text_key(w.translate(variants)), w)
            if w not in words:
                words[w] = [cat, {"shai"}]
            else:
                words[w][0] = cat
                words[w][1].add("shai")
            if r[1]:
                actions.setdefault(w, r[1])
            if r[2]:
                tags[w] = r[2]

    listed = set(entry_variants)
    bycat = OrderedDict((c, []) for c in CATEGORIES)
    for w, (cat, srcs) in words.items():
        if cat not in bycat:
            sys.exit(f"unknown category {cat} for {w}")
        act = actions.get(w, CATEGORIES[cat][0])
        bycat[cat].append((w, act, srcs))

    # redundancy: a CJK entry containing a shorter entry of the same category and action
    removed_redundant = 0
    for cat, items in bycat.items():
        short = {}
        for w, act, _ in items:
            short.setdefault(act, set()).add(w)
        kept = []
        for w, act, srcs in items:
            red = False
            if CJK_RE.search(w) and len(w) > 2 and "shai" not in srcs:
                s = short[act]
                n = len(w)
                for L in range(2 if not SINGLE_OK.intersection(w) else 1, n):
                    for i in range(0, n - L + 1):
                        sub = w[i:i + L]
                        if sub != w and sub in s:
                            red = True
                            break
                    if red:
                        break
            if red:
                removed_redundant += 1
            else:
                kept.append((w, act, srcs))
        items[:] = sorted(kept, key=lambda x: (x[1] != "block", x[0]))

    for cat, items in bycat.items():
        default = CATEGORIES[cat][0]
        srcs_all = sorted({s for _, _, ss in items for s in ss})
        path = os.path.join(WORDLISTS, cat + ".txt")
        with io.StringIO() as f:
            f.write(f"# {cat}.txt — shai default lexicon, category '{cat}': {CATEGORIES[cat][1]}.\n")
            f.write("# GENERATED by wordlists/tools/curate.py from:\n")
            for s in srcs_all:
                f.write(f"#   {SOURCE_NAMES.get(s, 'shai project (hand-picked, wordlists/tools/curation/' + cat + '.add)')}\n")
            f.write("# See wordlists/SOURCES.md for commits, licenses and changes. Edit the curation\n")
            f.write("# data in wordlists/tools/curation/ and rerun the script instead of this file.\n")
            f.write(f"@category {cat}\n@action {default}\n@variants {CATEGORY_VARIANTS.get(cat, 'none')}\n\n")
            for w, act, _ in items:
                word = ("\\" + w) if w[0] in "#@\\" else w
                attrs = ([f"action={act}"] if act != default else []) + ([f"tag={tags[w]}"] if w in tags else [])
                if w in entry_variants:
                    attrs.append(f"variants={entry_variants[w]}")
                    listed.discard(w)
                f.write(word + ("\t" + " ".join(attrs) if attrs else "") + "\n")
            text = f.getvalue()
        if check:
            try:
                same = open(path, encoding="utf-8").read() == text
            except OSError:
                same = False
            if not same:
                stale.append(os.path.relpath(path, REPO))
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{cat:10s} {len(items):6d} entries -> {os.path.relpath(path, REPO)}")
    if listed:
        sys.exit("curation/variants.tsv names words that are not entries: " + " ".join(sorted(listed)))
    if check:
        if stale:
            sys.exit("not what curate.py makes of the curation data (edit that, then rerun "
                     "wordlists/tools/curate.py): " + " ".join(stale))
        print("the seeded word lists are what curate.py makes of the curation data")
        return
    print(f"redundant (contain a shorter entry of same category+action): {removed_redundant}")
    print("per source: read / kept / control-char / shape / drop-listed / uncategorised")
    for rel, st in stats.items():
        print(f"  {rel:45s} {st['read']:6d} {st['kept']:6d} {st['ctrl']:4d} {st['shape']:6d} {st['drop']:5d} {st['nocat']:6d}")


if __name__ == "__main__":
    main(sys.argv)
