#!/usr/bin/env bash
# The two README commands. On a fresh Debian 12 machine, as root:
#   bash scripts/quickstart.sh demo   # install what is missing, build, install, scan the sample comments
#   bash scripts/quickstart.sh test   # install what is missing, build, run every test (also under ASan+UBSan)
set -euo pipefail

cd "$(dirname "$0")/.."
what="${1:-demo}"

packages=(build-essential meson ninja-build pkg-config libicu-dev libpcre2-dev libcmocka-dev
          libzip-dev libxml2-dev unicode-data
          python3 python3-setuptools python3-pip python3-venv)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "== installing: ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then
            echo "quickstart: run as root to install packages (or install them yourself)" >&2
            exit 2
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

build() { # dir, extra meson options...
    local dir="$1"; shift
    if [ -d "$dir" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
    ninja -C "$dir"
}

case "$what" in
demo)
    install_missing
    build build
    meson install -C build --quiet
    ldconfig
    echo "== shai scan samples/comments.txt (bundled lexicon)"
    set +e
    shai scan samples/comments.txt
    rc=$?
    set -e
    echo "== exit status $rc (0 no hit, 1 hits, 2 error)"
    [ "$rc" -le 1 ]
    ;;
test)
    install_missing
    build build
    echo "== test suite"
    meson test -C build --print-errorlogs
    echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
    # ASan costs several times the CPU of a release build: the timeouts are
    # the release ones, tripled.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --timeout-multiplier 3
    echo "== public-API tests with the general step alone (-Dfast_paths=false)"
    # The fast loops serve most text in the builds above; here every
    # character goes through the general step, so the API tests check it too.
    build build-general -Dfast_paths=false
    meson test -C build-general --print-errorlogs --suite api
    echo "== threads under ThreadSanitizer (shared db, scratches, streams, reloads)"
    # only that test is built (about 10 s), not the whole tree
    if [ -d build-tsan ]; then
        meson setup --reconfigure build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread >/dev/null
    else
        meson setup build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread >/dev/null
    fi
    ninja -C build-tsan tests/test_threads_tsan
    TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --no-rebuild --print-errorlogs threads-tsan
    ;;
*)
    echo "usage: bash scripts/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
