# Sourced by the bench scripts (`. "$(dirname "$0")/common.sh"`), which take
# one argument, the corpora directory: checks it and sets what each script
# uses: CORPORA, HERE (bench/), REPO, OUT (created; default bench/out,
# git-ignored) and BUILD_DIR (default $OUT/build).
if [ $# -ne 1 ]; then
    echo "usage: $0 CORPORA_DIR" >&2
    exit 2
fi
CORPORA=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT=${OUT:-$HERE/out}
BUILD_DIR=${BUILD_DIR:-$OUT/build}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
