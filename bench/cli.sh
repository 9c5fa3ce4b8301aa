#!/bin/sh
# What a user of the command line sees: `shai scan` over the 34 MB corpus
# with the bundled db (words and the regex rules of contact.txt), and with a
# db of the same words without the rules, at -j1 and -j2. Settings run in
# turn, round by round; medians of the rounds are printed, in seconds.
#
#   bench/cli.sh CORPORA_DIR
#
# Environment (all optional):
#   OUT=DIR        inputs and build (default: bench/out, git-ignored)
#   BUILD_DIR=DIR  meson build directory (default: $OUT/build)
#   ROUNDS=N       rounds (default 5)
#   BASELINE=DIR   another build directory: its shai and db run in the same
#                  rounds, for a before/after comparison
set -eu

. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-5}
BASELINE=${BASELINE:-}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$REPO" --buildtype=release >&2
fi
ninja -C "$BUILD_DIR" >&2
python3 "$HERE/make_inputs.py" "$CORPORA" "$OUT/inputs" >&2
CORPUS=$OUT/inputs/ugc_32mb.txt
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# the words of the bundled lexicon without the rules (contact.txt, bigotry.txt)
WORDS=$(find "$REPO/wordlists" -maxdepth 1 -name '*.txt' ! -name contact.txt ! -name bigotry.txt | sort)
# shellcheck disable=SC2086
"$BUILD_DIR/tools/shai" compile $WORDS -o "$TMP/words.shai" >&2

# setting: name, shai binary, db, threads
set -- "bundled -j1|$BUILD_DIR/tools/shai|$BUILD_DIR/wordlists/default.shai|1" \
    "bundled -j2|$BUILD_DIR/tools/shai|$BUILD_DIR/wordlists/default.shai|2" \
    "words only -j1|$BUILD_DIR/tools/shai|$TMP/words.shai|1" \
    "words only -j2|$BUILD_DIR/tools/shai|$TMP/words.shai|2"
if [ -n "$BASELINE" ]; then
    ninja -C "$BASELINE" tools/shai wordlists/default.shai >&2 || ninja -C "$BASELINE" >&2
    set -- "$@" "baseline bundled -j1|$BASELINE/tools/shai|$BASELINE/wordlists/default.shai|1" \
        "baseline bundled -j2|$BASELINE/tools/shai|$BASELINE/wordlists/default.shai|2"
fi

now() {
    date +%s%N
}
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    i=0
    for s in "$@"; do
        i=$((i + 1))
        bin=$(echo "$s" | cut -d'|' -f2)
        db=$(echo "$s" | cut -d'|' -f3)
        j=$(echo "$s" | cut -d'|' -f4)
        t0=$(now)
        rc=0
        "$bin" scan --db "$db" -j"$j" "$CORPUS" >"$TMP/out.$i" || rc=$?
        t1=$(now)
        if [ "$rc" -gt 1 ]; then
            echo "shai scan failed ($s): status $rc" >&2
            exit 1
        fi
        echo $((t1 - t0)) >>"$TMP/times.$i"
    done
    r=$((r + 1))
done

# the same hits with one thread or two, and before and after
cmp -s "$TMP/out.1" "$TMP/out.2" || { echo "bundled: -j1 and -j2 differ" >&2; exit 1; }
cmp -s "$TMP/out.3" "$TMP/out.4" || { echo "words only: -j1 and -j2 differ" >&2; exit 1; }
if [ -n "$BASELINE" ]; then
    cmp -s "$TMP/out.1" "$TMP/out.5" || echo "note: the baseline's hits differ" >&2
fi

echo "## shai scan, $(wc -c <"$CORPUS") bytes, $ROUNDS rounds (seconds: median, all)"
echo ""
echo "| setting | median s | MB/s | runs |"
echo "|---|---:|---:|---|"
bytes=$(wc -c <"$CORPUS")
i=0
for s in "$@"; do
    i=$((i + 1))
    name=$(echo "$s" | cut -d'|' -f1)
    sort -n "$TMP/times.$i" | awk -v name="$name" -v bytes="$bytes" '
        { t[NR] = $1 / 1e9 }
        END {
            m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
            all = ""
            for (k = 1; k <= NR; k++) all = all sprintf("%s%.3f", k > 1 ? " " : "", t[k])
            printf "| %s | %.3f | %.0f | %s |\n", name, m, bytes / m / 1e6, all
        }'
done
echo ""
echo "hits (bundled): $(wc -l <"$TMP/out.1"), (words only): $(wc -l <"$TMP/out.3")"
# ratios taken round by round (the runs of one round share the host's
# load), then their median
ratio() {
    paste "$TMP/times.$1" "$TMP/times.$2" | awk '{ print $1 / $2 }' | sort -n | awk '
        { r[NR] = $1 }
        END { printf "%.2f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
echo "-j2 speedup, bundled: $(ratio 1 2)x; words only: $(ratio 3 4)x"
echo "time with the rules / without: -j1 $(ratio 1 3)x, -j2 $(ratio 2 4)x"
if [ -n "$BASELINE" ]; then
    echo "baseline time / this build's, bundled: -j1 $(ratio 5 1)x, -j2 $(ratio 6 2)x"
fi
