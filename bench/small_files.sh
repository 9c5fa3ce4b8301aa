#!/bin/sh
# `shai scan DIR` over many small files (issue 18: 10,000 small files at -j2
# should take at most 1/1.6 of the time of -j1). The files are lines of the
# shared UGC corpus: FILES files of LINES lines each, in 100 directories.
# -j1 and -j2 (and, with BASELINE, another build's) run in turn, round by
# round; medians of the rounds are printed, and the -j1/-j2 ratio taken
# round by round (the runs of a round share the host's load), then its
# median. The load average before and after is printed: the speed-up needs
# two idle cores. The CPU time of each run (user + system, all its threads)
# is printed too: on a loaded machine the wall times say little, while the
# CPU time of -j2 against -j1's shows what the threads cost in all.
#
#   bench/small_files.sh CORPORA_DIR
#
# Environment (all optional):
#   OUT=DIR        inputs and build (default: bench/out, git-ignored)
#   BUILD_DIR=DIR  meson build directory (default: $OUT/build)
#   ROUNDS=N       rounds (default 15)
#   FILES=N        files (default 10000)
#   LINES=N        lines per file (default 1)
#   BASELINE=DIR   another build directory, run in the same rounds
set -eu

. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-15}
FILES=${FILES:-10000}
LINES=${LINES:-1}
BASELINE=${BASELINE:-}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$REPO" --buildtype=release >&2
fi
ninja -C "$BUILD_DIR" tools/shai wordlists/default.shai >&2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DIR=$TMP/files
python3 - "$CORPORA/ugc" "$DIR" "$FILES" "$LINES" <<'EOF'
import os, sys
src, out, files, lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = []
for name in sorted(os.listdir(src)):
    if name.endswith(".txt"):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            text += [l for l in f.read().splitlines() if l.strip()]
k = 0
for i in range(files):
    d = os.path.join(out, "%02d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.txt" % i), "w", encoding="utf-8") as f:
        for _ in range(lines):
            f.write(text[k % len(text)][:100] + "\n")
            k += 1
EOF

set -- "-j1|$BUILD_DIR|1" "-j2|$BUILD_DIR|2"
if [ -n "$BASELINE" ]; then
    ninja -C "$BASELINE" tools/shai wordlists/default.shai >&2
    set -- "$@" "baseline -j1|$BASELINE|1" "baseline -j2|$BASELINE|2"
fi

# python3 run.py OUTPUT COMMAND...: the command's wall and CPU time (user
# + system of all its threads), in ns, on one line; exit status 1 when the
# command's was over 1 (hits are 1).
cat >"$TMP/run.py" <<'PY'
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(sys.argv[2:], stdout=out)
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter_ns()
print(t1 - t0, int((ru.ru_utime + ru.ru_stime) * 1e9))
sys.exit(1 if os.waitstatus_to_exitcode(status) > 1 else 0)
PY
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# one run of each to warm the page cache
for s in "$@"; do
    b=$(echo "$s" | cut -d'|' -f2)
    "$b/tools/shai" scan --db "$b/wordlists/default.shai" -j1 "$DIR" >/dev/null || true
done
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    i=0
    for s in "$@"; do
        i=$((i + 1))
        b=$(echo "$s" | cut -d'|' -f2)
        j=$(echo "$s" | cut -d'|' -f3)
        python3 "$TMP/run.py" "$TMP/out.$i" "$b/tools/shai" scan --db "$b/wordlists/default.shai" \
            -j"$j" "$DIR" >"$TMP/run" || {
            echo "shai scan failed ($s)" >&2
            exit 1
        }
        cut -d' ' -f1 "$TMP/run" >>"$TMP/times.$i"
        cut -d' ' -f2 "$TMP/run" >>"$TMP/cpu.$i"
    done
    r=$((r + 1))
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cmp -s "$TMP/out.1" "$TMP/out.2" || { echo "-j1 and -j2 differ" >&2; exit 1; }

echo "## shai scan DIR, $FILES files of $LINES line(s), $(du -sb "$DIR" | cut -f1) bytes, $ROUNDS rounds"
echo ""
echo "load average (1, 5, 15 min) before: $load_before; after: $load_after; $(nproc) CPUs"
echo ""
median() {
    sort -n "$1" | awk '
        { t[NR] = $1 / 1e6 }
        END { printf "%.1f", (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}
echo "| setting | median ms | runs (ms) | median CPU ms |"
echo "|---|---:|---|---:|"
i=0
for s in "$@"; do
    i=$((i + 1))
    name=$(echo "$s" | cut -d'|' -f1)
    all=$(sort -n "$TMP/times.$i" | awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1e6 }')
    echo "| $name | $(median "$TMP/times.$i") | $all | $(median "$TMP/cpu.$i") |"
done
echo ""
ratio() {
    paste "$TMP/times.$1" "$TMP/times.$2" | awk '{ print $1 / $2 }' | sort -n | awk '
        { r[NR] = $1 }
        END { printf "%.2f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
echo "-j2 speedup (median of the rounds' -j1/-j2): $(ratio 1 2)x"
if [ -n "$BASELINE" ]; then
    echo "baseline -j2 speedup: $(ratio 3 4)x; this build's -j2 against the baseline's: $(ratio 4 2)x"
fi
