#!/bin/sh
# The library exports exactly the symbols in exports.txt (the ABI baseline),
# and every one is declared in shai.h: an accidental export, a removal or an
# undeclared function fails here. Update exports.txt on purpose when the API
# grows (and only ever append).
set -eu
lib="$1"; baseline="$2"; header="$3"
actual=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
if [ "$actual" != "$(sort "$baseline")" ]; then
    echo "exported symbols differ from $baseline:"
    printf '%s\n' "$actual" | diff "$baseline" - || true
    exit 1
fi
for sym in $actual; do
    grep -q "\b$sym(" "$header" || { echo "$sym is exported but not declared in shai.h"; exit 1; }
done
echo "$(printf '%s\n' "$actual" | wc -l) passed, 0 failed"
