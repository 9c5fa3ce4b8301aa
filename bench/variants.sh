#!/bin/sh
# What the variant layer (docs/lexicon-format.md, "Variants") costs at scan
# time (issue 17: with phonetic entries, whole-corpus throughput at least 70%
# of the same db without them). Three lexicons are made from the bundled
# word lists and scanned in turn, round by round, by shai-bench (whole-buffer
# MB/s, medians):
#   none     every file `@variants none`, no `variants=` attribute
#   default  the word lists as they ship
#   pinyin   none, plus pinyin only on the hand-picked words of
#            wordlists/tools/curation/variants.tsv
#   phonetic the word lists as they ship with the phonetic kinds only
#            (pinyin, homophone, initials): every other kind dropped from
#            each `@variants` line and `variants=` attribute
# Each ratio to `none` is taken round by round (the runs of a round share
# the host's load), then its median. Then the same ratios in one process,
# the two lexicons taking turns on 2 MB blocks (shai-interleave), which
# vary less from round to round. The load average is printed.
#
#   bench/variants.sh CORPORA_DIR
#
# Environment (all optional):
#   OUT=DIR        inputs and build (default: bench/out, git-ignored)
#   BUILD_DIR=DIR  meson build directory (default: $OUT/build)
#   ROUNDS=N       rounds (default 3)
#   BASELINE=DIR   another build directory: its shai-bench runs the same
#                  lexicons in the same rounds, each round's runs of one
#                  build after the other's, for a before/after comparison
set -eu

. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
BASELINE=${BASELINE:-}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$REPO" --buildtype=release >&2
fi
ninja -C "$BUILD_DIR" bench/shai-bench >&2
[ -z "$BASELINE" ] || ninja -C "$BASELINE" bench/shai-bench >&2
[ -f "$OUT/ugc_32mb.txt" ] || python3 "$HERE/make_inputs.py" "$CORPORA" "$OUT" >&2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 - "$REPO/wordlists" "$TMP" <<'EOF'
import os, re, sys
src, out = sys.argv[1], sys.argv[2]
cur = os.path.join(src, "tools", "curation", "variants.tsv")
picked = {l.split("\t")[0] for l in open(cur, encoding="utf-8")
          if l.strip() and not l.startswith("#")}
for kind in ("none", "default", "pinyin", "phonetic"):
    d = os.path.join(out, kind)
    os.makedirs(d)
    for name in os.listdir(src):
        if not name.endswith(".txt"):
            continue
        text = open(os.path.join(src, name), encoding="utf-8").read()
        if kind == "phonetic":
            keep = ("pinyin", "homophone", "initials")
            def only(m):
                ks = [k for k in m.group(2).split(",") if k in keep]
                return m.group(1) + (",".join(ks) if ks else "none")
            text = re.sub(r"(?m)^(@variants )(\S+)", only, text)
            text = re.sub(r"(variants=)([a-z,]+)", only, text)
        elif kind != "default":
            text = re.sub(r"(?m)^@variants .*$", "@variants none", text)
            text = re.sub(r"[ \t]*variants=[a-z,]+", "", text)
        if kind == "pinyin":
            lines = text.split("\n")
            for i, l in enumerate(lines):
                w = l.split("\t")[0]
                if w in picked and not l.startswith(("#", "@")):
                    lines[i] = l + ("\t" if "\t" not in l else " ") + "variants=pinyin"
            text = "\n".join(lines)
        open(os.path.join(d, name), "w", encoding="utf-8").write(text)
EOF

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    for build in ${BASELINE:+baseline} this; do
        dir=$BUILD_DIR
        [ "$build" = this ] || dir=$BASELINE
        for kind in none default pinyin phonetic; do
            "$dir/bench/shai-bench" --lexicon "$TMP/$kind" --corpus "$OUT/ugc_32mb.txt" \
                --runs 3 --engine shai --fold on 2>&1 |
                sed -n 's/.*whole x1: *[0-9.]* ms *\([0-9.]*\) MB\/s.*/\1/p' |
                sed "s/^/$r $build $kind /" >>"$TMP/results"
        done
    done
    r=$((r + 1))
done
python3 - "$TMP/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for r, build, kind, mbps in rows:
    by.setdefault(build, {}).setdefault(kind, {})[r] = float(mbps)
for build in ("baseline", "this"):
    if build not in by:
        continue
    if len(by) > 1:
        print("%s build:" % build)
    for kind in ("none", "default", "pinyin", "phonetic"):
        v = list(by[build][kind].values())
        line = "%-8s %7.1f MB/s (median of %d)" % (kind, statistics.median(v), len(v))
        if kind != "none":
            ratios = [by[build][kind][r] / by[build]["none"][r] for r in by[build][kind]]
            line += "   %.0f%% of none" % (100 * statistics.median(ratios))
        print(line)
EOF
# The same ratios in one process (shai-interleave): none and each other
# lexicon take turns on 2 MB blocks, so the host's load falls on both alike
ninja -C "$BUILD_DIR" bench/shai-interleave >&2
echo "in one process, taking turns (this build; CPU ms of a round, none then the kind):"
for kind in default pinyin phonetic; do
    out=$("$BUILD_DIR/bench/shai-interleave" "$BUILD_DIR/lib/libshai.so.0" "$TMP/none" \
        "$BUILD_DIR/lib/libshai.so.0" "$TMP/$kind" "$OUT/ugc_32mb.txt" "$ROUNDS" whole)
    ratio=$(echo "$out" | sed -n 's/.*A\/B \([0-9.]*\) \[\([0-9.]*\)\.\.\([0-9.]*\)\].*/\1 \2 \3/p')
    set -- $ratio
    printf '%-8s %s\n         %s\n' "$kind" \
        "$(python3 -c "print('%.1f%% of none (rounds %.1f-%.1f%%)' % (100*$1, 100*$2, 100*$3))")" "$out"
done
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
