#!/bin/sh
# Run the whole benchmark: build shai-bench if needed, derive the inputs,
# run shai and Hyperscan on the four lexicons, the 2-thread measurement and
# the Python peers, and print every table plus the targets check.
#
#   bench/run_all.sh CORPORA_DIR
#
# Environment (all optional):
#   OUT=DIR          inputs, build and results (default: bench/out, git-ignored)
#   BUILD_DIR=DIR    meson build directory (default: $OUT/build)
#   RUNS=N           timed runs per measurement, medians reported (default 5)
#   THREADS=N        threads of the scaling measurement (default 2)
#   PY_LEXICONS="…"  lexicons for the Python peers (default houbb_64k; empty: none;
#                    pyahocorasick is slow: about 6 s per run on 34 MB)
#   PYTHON=…         interpreter with python3-ahocorasick (default /usr/bin/python3)
#
# The results go to stdout and to $OUT/results-YYYYMMDD-HHMMSS.md.
set -eu

. "$(dirname "$0")/common.sh"
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
PY_LEXICONS=${PY_LEXICONS-houbb_64k}
PYTHON=${PYTHON:-/usr/bin/python3}
INPUTS=$OUT/inputs

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$REPO" --buildtype=release >&2
fi
ninja -C "$BUILD_DIR" bench/shai-bench >&2
# the AVX-512 pre-pass sketch, where the compiler could build it
ninja -C "$BUILD_DIR" bench/prepass-proto >&2 2>/dev/null || true
BENCH=$BUILD_DIR/bench/shai-bench
PREPASS=$BUILD_DIR/bench/prepass-proto
LIBSHAI=$(ls "$BUILD_DIR"/lib/libshai.so 2>/dev/null || true)

echo "== making inputs in $INPUTS" >&2
python3 "$HERE/make_inputs.py" "$CORPORA" "$INPUTS" >&2
CORPUS=$INPUTS/ugc_32mb.txt

RESULTS=$OUT/results-$(date +%Y%m%d-%H%M%S).md
: >"$RESULTS"
say() {
    printf '%s\n' "$*" | tee -a "$RESULTS"
}

MODEL=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
say "## shai-bench $(date -u '+%Y-%m-%d %H:%M UTC')"
say ""
say "- machine: ${MODEL:-unknown}, $(nproc) cores online, $(uname -sr)"
say "- shai: $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)," \
    "compiler: $(cc --version | head -n 1)"
say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "- corpus: ugc_32mb.txt ($(wc -c <"$CORPUS") bytes); $RUNS timed runs after a warm-up, medians"

for lex in jieba_1k jieba_10k houbb_64k jieba_100k; do
    echo "== $lex" >&2
    set -- --lexicon "$INPUTS/$lex.txt" --corpus "$CORPUS" --runs "$RUNS"
    case $lex in
    houbb_64k) set -- "$@" --threads "$THREADS" ;;
    jieba_100k) set -- "$@" --save-db "$OUT/jieba_100k.shai" ;;
    esac
    "$BENCH" "$@" | tee -a "$RESULTS"
done

if [ -x "$PREPASS" ]; then
    say ""
    say "### AVX-512 pre-pass sketch (prepass-proto; see README.md, \"What the targets need\")"
    say ""
    for lex in jieba_1k jieba_10k houbb_64k jieba_100k; do
        echo "== pre-pass sketch, $lex" >&2
        if out=$("$PREPASS" "$INPUTS/$lex.txt" "$CORPUS" "$RUNS" 2>&1); then
            say "- ${out#"$INPUTS"/}"
        else
            say "- $lex: not run ($out)"
        fi
    done
fi

for lex in $PY_LEXICONS; do
    echo "== Python peers, $lex" >&2
    if "$PYTHON" -c 'import ahocorasick' 2>/dev/null; then
        PYTHONPATH="$REPO/bindings/python${PYTHONPATH:+:$PYTHONPATH}" SHAI_LIBRARY="$LIBSHAI" \
            "$PYTHON" "$HERE/peer_pyahocorasick.py" --lexicon "$INPUTS/$lex.txt" \
            --corpus "$CORPUS" --runs "$RUNS" | tee -a "$RESULTS"
    else
        say ""
        say "(pyahocorasick not installed for $PYTHON: Python peers skipped)"
    fi
done

say ""
say "### Targets"
say ""
python3 "$HERE/summarize.py" "$RESULTS" | tee -a "$RESULTS"
say ""
say "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results in $RESULTS" >&2
