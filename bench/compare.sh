#!/bin/sh
# This build against another, in the same rounds: shai-bench on the four
# lexicons of run_all.sh (ugc_32mb.txt, overlapping, fold on), the two
# builds in turn within each round, per line and whole buffer. Prints, per
# lexicon and mode, each build's median MB/s (wall clock and per CPU second)
# and the median of the rounds' ratios this/baseline: the runs of a round
# share the host's load, so the ratios are steadier than the medians. The
# CPU figure leaves out the time the runs were not on a core. Then the same
# pairs in one process, taking turns (shai-interleave), whose ratios vary
# less from round to round.
#
#   BASELINE=/path/to/other/build bench/compare.sh CORPORA_DIR
#
# Environment:
#   BASELINE=DIR      the other build (required): its bench/shai-bench is run
#   BASELINE_LISTS=   `none` (default): both builds read the lists with an
#                     `@variants none` line first, the lexicon as plain words;
#                     `plain`: the baseline reads them without it (a build
#                     from before variants, such as issue 15's 0374ed7, which
#                     has no `@variants` and matches plain words anyway)
#   ROUNDS=N          rounds (default 5); RUNS=N timed runs per shai-bench (3)
#   LEXICONS="..."    default "jieba_1k jieba_10k jieba_100k houbb_64k"
#   CLASSES=1         also per class of line (line_classes.py: lines with
#                     marks, digits, full stops, Latin letters, the rest),
#                     per line in one process
#   OUT=DIR, BUILD_DIR=DIR  as for run_all.sh
set -eu

. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-3}
LEXICONS=${LEXICONS:-"jieba_1k jieba_10k jieba_100k houbb_64k"}
BASELINE_LISTS=${BASELINE_LISTS:-none}
if [ -z "${BASELINE:-}" ]; then
    echo "compare.sh: set BASELINE to the other build's directory" >&2
    exit 2
fi
case $BASELINE_LISTS in
none | plain) ;;
*)
    echo "compare.sh: BASELINE_LISTS is none or plain" >&2
    exit 2
    ;;
esac

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$REPO" --buildtype=release >&2
fi
ninja -C "$BUILD_DIR" bench/shai-bench >&2
ninja -C "$BASELINE" bench/shai-bench >&2
INPUTS=$OUT/inputs
[ -f "$INPUTS/ugc_32mb.txt" ] || python3 "$HERE/make_inputs.py" "$CORPORA" "$INPUTS" >&2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for lex in $LEXICONS; do
    # (make_inputs.py writes the line itself; a list from before it, not)
    grep -v '^@variants ' "$INPUTS/$lex.txt" >"$TMP/$lex.plain.txt"
    { echo "@variants none"; cat "$TMP/$lex.plain.txt"; } >"$TMP/$lex.txt"
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for lex in $LEXICONS; do
    base_list=$TMP/$lex.txt
    [ "$BASELINE_LISTS" = none ] || base_list=$TMP/$lex.plain.txt
    : >"$TMP/rows"
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        r=$((r + 1))
        for who in baseline this; do
            if [ $who = baseline ]; then
                bin=$BASELINE/bench/shai-bench list=$base_list
            else
                bin=$BUILD_DIR/bench/shai-bench list=$TMP/$lex.txt
            fi
            if ! "$bin" --lexicon "$list" --corpus "$INPUTS/ugc_32mb.txt" --runs "$RUNS" \
                --engine shai --fold on >"$TMP/out" 2>&1; then
                cat "$TMP/out" >&2
                if [ $who = baseline ] && grep -q "unknown directive '@variants'" "$TMP/out"; then
                    echo "compare.sh: the baseline predates variants: BASELINE_LISTS=plain" >&2
                fi
                exit 1
            fi
            grep '^RESULT ' "$TMP/out" | sed "s/^RESULT /$r $who /" >>"$TMP/rows"
        done
    done
    python3 - "$lex" "$TMP/rows" <<'EOF'
import statistics, sys
lex, path = sys.argv[1], sys.argv[2]
runs = {}
for line in open(path):
    r, who, *kv = line.split()
    kv = dict(x.split("=", 1) for x in kv if "=" in x)
    runs[(int(r), who, kv["mode"])] = (float(kv["mbps"]), float(kv["cpu_mbps"]))
rounds = sorted({k[0] for k in runs})
for mode in ("line", "whole"):
    out = []
    for i, what in ((0, "MB/s"), (1, "MB/CPU s")):
        b = [runs[(r, "baseline", mode)][i] for r in rounds]
        t = [runs[(r, "this", mode)][i] for r in rounds]
        ratio = statistics.median(x / y for x, y in zip(t, b))
        out.append("%s %.1f -> %.1f (%.3f)" % (what, statistics.median(b),
                                               statistics.median(t), ratio))
    print("%-10s %-5s %s" % (lex, mode, "; ".join(out)))
EOF
done
# The same in one process (shai-interleave): the two builds' libraries take
# turns every 2000 lines (per line) or every 2 MB block of lines (whole), so the host's
# load falls on both alike; the median ratio of the rounds and their range.
ninja -C "$BUILD_DIR" bench/shai-interleave >&2
cp "$BUILD_DIR/lib/libshai.so.0" "$TMP/this.so"
cp "$BASELINE/lib/libshai.so.0" "$TMP/baseline.so"
echo "in one process, taking turns (CPU ms of a round, baseline/this: above 1, this is faster):"
for lex in $LEXICONS; do
    base_list=$TMP/$lex.txt
    [ "$BASELINE_LISTS" = none ] || base_list=$TMP/$lex.plain.txt
    for mode in line whole; do
        printf '%-10s %-5s ' "$lex" "$mode"
        "$BUILD_DIR/bench/shai-interleave" "$TMP/baseline.so" "$base_list" "$TMP/this.so" \
            "$TMP/$lex.txt" "$INPUTS/ugc_32mb.txt" "$ROUNDS" "$mode"
    done
done
if [ -n "${CLASSES:-}" ]; then
    # per class of line (line_classes.py): where one build's scan costs more
    echo "per class of line, in one process (line_classes.py):"
    python3 "$HERE/line_classes.py" "$INPUTS/ugc_32mb.txt" "$TMP/classes" | sed 's/^/  /'
    for lex in $LEXICONS; do
        base_list=$TMP/$lex.txt
        [ "$BASELINE_LISTS" = none ] || base_list=$TMP/$lex.plain.txt
        for class in marks digits dots latin plain; do
            printf '%-10s %-6s ' "$lex" "$class"
            "$BUILD_DIR/bench/shai-interleave" "$TMP/baseline.so" "$base_list" "$TMP/this.so" \
                "$TMP/$lex.txt" "$TMP/classes/$class.txt" "$ROUNDS" line
        done
    done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
