"""Finding libshai and declaring its C functions (internal).

Nothing here is public API: use :func:`shai.load_library` and
:func:`shai.library_path` instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import sysconfig
import threading
from ctypes import POINTER, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import List, Optional, Tuple

from ._errors import LibraryError

# The binding speaks ABI 0 (SONAME libshai.so.0) and needs the functions
# of 0.2.0 (shai_check_batch, shai_default_db_path, scratches, ...): a library
# without them is refused below, by its missing symbols.
ABI_MAJOR = 0
MIN_VERSION = 200  # SHAI_VERSION_NUMBER of 0.2.0

LIBRARY_ENV = "SHAI_LIBRARY"

# ---------------------------------------------------------------- constants
# Pinned in shai.h: never renumbered.
OK = 0
TERMINATED = 1
E_INVALID_ARG = -1
E_NOMEM = -2
E_IO = -3
E_LEXICON = -4
E_BAD_UTF8 = -5
E_EMPTY_ENTRY = -6
E_ENTRY_TOO_LONG = -7
E_TOO_LARGE = -8
E_BUFFER_TOO_SMALL = -9
E_OUT_OF_RANGE = -10
E_BAD_OPTION = -11
E_STATE = -12
E_BAD_DB = -13
E_DB_VERSION = -14
E_REGEX = -15
E_MATCH_LIMIT = -16
E_NOT_FOUND = -17

ACTION_PASS = 0
ACTION_REVIEW = 1
ACTION_BLOCK = 2
SCENE_OFF = 0
SCENE_KEEP = 3
ALL_CATEGORIES = 0xFFFFFFFF
ENTRY_ALLOW = 0x1
ENTRY_EXACT = 0x2
OPT_FOLD = 1
OPT_MAX_GAP = 2
OPT_REPEATS = 3
DB_BORROW = 0x1
DB_COPY = 0x2
SCAN_OVERLAPPING = 0x1
SCAN_VIOLATIONS = 0x2
SCAN_NO_VARIANTS = 0x4
SCAN_VERTICAL = 0x8
# shai_variant_name, by kind (SHAI_VARIANT_*); kind 0 (none) is None
VARIANT_NAMES = (None, "pinyin", "initials", "homophone", "split", "emoji", "leet", "wildcard",
                 "insert", "digit", "vertical")
HIT_ALLOW = 0x1


class shai_hit(ctypes.Structure):
    """``struct shai_hit`` from shai.h."""

    _fields_ = [
        ("start", c_uint64),
        ("end", c_uint64),
        ("entry", c_uint32),
        ("category", c_uint32),
        ("action", c_uint32),
        ("flags", c_uint32),
        ("variant", c_uint32),
        ("reserved", c_uint32 * 1),
    ]


HIT_SIZE = ctypes.sizeof(shai_hit)
# (start, end, entry, category, action, flags, variant), read straight from
# the array; the reserved room is skipped.
HIT_FORMAT = "=QQIIIII4x"

_u32p = POINTER(c_uint32)
_i32p = POINTER(ctypes.c_int32)
_sizep = POINTER(c_size_t)
_charpp = POINTER(c_char_p)
_voidpp = POINTER(c_void_p)

# name: (restype, argtypes)
_PROTOTYPES = {
    "shai_version_number": (c_uint32, []),
    "shai_version_string": (c_char_p, []),
    "shai_status_name": (c_char_p, [c_int]),
    "shai_status_message": (c_char_p, [c_int]),
    "shai_builder_new": (c_int, [_voidpp]),
    "shai_builder_free": (None, [c_void_p]),
    "shai_builder_add_entry": (
        c_int,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_uint32, c_uint32, c_char_p, c_char_p],
    ),
    "shai_builder_add_source": (c_int, [c_void_p, c_char_p, c_char_p, c_size_t]),
    "shai_builder_add_path": (c_int, [c_void_p, c_char_p]),
    "shai_builder_set_option": (c_int, [c_void_p, c_uint32, c_int64]),
    "shai_builder_entry_count": (c_uint32, [c_void_p]),
    "shai_builder_error_message": (c_char_p, [c_void_p]),
    "shai_builder_error_file": (c_char_p, [c_void_p]),
    "shai_builder_error_line": (c_uint32, [c_void_p]),
    "shai_builder_error_column": (c_uint32, [c_void_p]),
    "shai_builder_compile": (c_int, [c_void_p, _voidpp]),
    "shai_db_free": (None, [c_void_p]),
    "shai_db_entry_count": (c_uint32, [c_void_p]),
    "shai_db_entry_text": (c_int, [c_void_p, c_uint32, _voidpp, _sizep]),
    "shai_db_entry_info": (
        c_int,
        [c_void_p, c_uint32, _u32p, _u32p, _u32p, _charpp, _charpp],
    ),
    "shai_db_option": (c_int, [c_void_p, c_uint32, POINTER(c_int64)]),
    "shai_fold_table_version": (c_char_p, []),
    "shai_fold": (c_int, [c_uint32, c_char_p, c_size_t, c_void_p, c_size_t, _sizep]),
    "shai_db_serialize": (c_int, [c_void_p, c_void_p, c_size_t, _sizep]),
    "shai_db_save": (c_int, [c_void_p, c_char_p]),
    "shai_db_open": (c_int, [c_char_p, _voidpp]),
    "shai_db_open_flags": (c_int, [c_char_p, c_uint32, _voidpp, _i32p]),
    "shai_db_from_buffer": (c_int, [c_void_p, c_size_t, c_uint32, _voidpp]),
    "shai_db_size": (c_int, [c_void_p, _sizep]),
    "shai_db_category_count": (c_uint32, [c_void_p]),
    "shai_db_category_name": (c_int, [c_void_p, c_uint32, _charpp]),
    "shai_scan_hits": (
        c_int,
        [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_size_t, c_void_p],
    ),
    "shai_check": (
        c_int,
        [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p, c_size_t, c_void_p],
    ),
    "shai_mask": (
        c_int,
        [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_size_t, c_void_p],
    ),
    "shai_check_batch": (
        c_int,
        [c_void_p, c_void_p, c_void_p, c_size_t, c_uint32, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p],
    ),
    "shai_scratch_new": (c_int, [c_void_p, _voidpp]),
    "shai_scratch_free": (None, [c_void_p]),
    "shai_scan_hits_with": (
        c_int,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_size_t, c_void_p],
    ),
    "shai_check_with": (
        c_int,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p, c_size_t, c_void_p],
    ),
    "shai_mask_with": (
        c_int,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_size_t, c_void_p],
    ),
    "shai_check_batch_with": (
        c_int,
        [c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_uint32, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p],
    ),
    "shai_db_scene_count": (c_uint32, [c_void_p]),
    "shai_db_scorer_count": (c_uint32, [c_void_p]),
    "shai_db_scorer": (c_int, [c_void_p, c_char_p, c_size_t, _u32p]),
    "shai_db_scorer_info": (c_int, [c_void_p, c_uint32, _charpp, _charpp, POINTER(c_double), _u32p]),
    "shai_score": (c_int, [c_void_p, c_uint32, c_char_p, c_size_t, POINTER(c_double), POINTER(c_int)]),
    "shai_db_scene_name": (c_int, [c_void_p, c_uint32, _charpp]),
    "shai_db_scene": (c_int, [c_void_p, c_char_p, c_size_t, _u32p]),
    "shai_db_scene_action": (c_int, [c_void_p, c_uint32, c_uint32, _u32p]),
    "shai_policy_new": (c_int, [c_void_p, _voidpp]),
    "shai_policy_free": (None, [c_void_p]),
    "shai_policy_set_scene": (c_int, [c_void_p, c_uint32]),
    "shai_policy_set_category": (c_int, [c_void_p, c_uint32, c_uint32]),
    "shai_policy_category": (c_int, [c_void_p, c_uint32, _u32p]),
    "shai_check_policy": (
        c_int,
        [c_void_p, c_void_p, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p, c_size_t, c_void_p],
    ),
    "shai_mask_policy": (
        c_int,
        [c_void_p, c_void_p, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_size_t, c_void_p],
    ),
    "shai_check_batch_policy": (
        c_int,
        [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_uint32, c_void_p, c_void_p, c_void_p,
         c_size_t, c_void_p],
    ),
    "shai_action_name": (c_char_p, [c_uint32]),
    "shai_fold_stage_name": (c_char_p, [c_uint32]),
    "shai_default_db_path": (c_char_p, [c_uint32]),
}

DEFAULT_DB_BUILTIN = 0x1


class Library:
    """A loaded libshai with its functions declared.

    Attribute names drop the ``shai_`` prefix: ``lib.scan_hits`` is
    ``shai_scan_hits``.
    """

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        missing = []
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                missing.append(name)
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("shai_"):], fn)
        # The per-text calls again, without argtypes: ctypes then skips its
        # argument conversion (a third of the cost of a short scan). Callers
        # must pass exactly typed arguments: c_void_p for pointers, c_size_t
        # for sizes, bytes for text, and a Python int only for uint32_t.
        if not missing:
            for name in ("shai_scan_hits_with", "shai_check_with"):
                fn = cdll[name]
                fn.restype = c_int
                setattr(self, name[len("shai_"):] + "_fast", fn)
        if missing:
            raise LibraryError(
                f"{path} is not a usable libshai: missing symbol(s) {', '.join(missing)}"
            )
        # Names live in the library: "pass", "review", "block" by
        # SHAI_ACTION_* value; fold stage name -> SHAI_FOLD_* bit.
        self.action_names = tuple(
            (cdll.shai_action_name(action) or b"").decode("ascii") for action in range(3)
        )
        self.fold_stages = {}
        bit = 1
        while cdll.shai_fold_stage_name(bit):
            self.fold_stages[cdll.shai_fold_stage_name(bit).decode("ascii")] = bit
            bit <<= 1
        self.version_number_value = int(cdll.shai_version_number())
        self.version = (cdll.shai_version_string() or b"?").decode("ascii", "replace")
        major = self.version_number_value // 10000
        if major != ABI_MAJOR or self.version_number_value < MIN_VERSION:
            raise LibraryError(
                f"{path} is libshai {self.version}; this binding needs "
                f"{ABI_MAJOR}.x, at least {MIN_VERSION // 10000}.{MIN_VERSION // 100 % 100}"
                f".{MIN_VERSION % 100}"
            )

    def name_of(self, status: int) -> str:
        return (self.cdll.shai_status_name(status) or b"UNKNOWN").decode("ascii", "replace")

    def message_of(self, status: int) -> str:
        return (self.cdll.shai_status_message(status) or b"").decode("utf-8", "replace")


# ------------------------------------------------------------------ loading

if sys.platform == "darwin":
    _SONAMES = ["libshai.0.dylib", "libshai.dylib"]
elif sys.platform == "win32":
    _SONAMES = ["shai-0.dll", "libshai-0.dll", "shai.dll", "libshai.dll"]
else:
    _SONAMES = ["libshai.so.0", "libshai.so"]


def _library_dirs() -> List[str]:
    """Install locations to look in when the dynamic loader does not know
    libshai (e.g. installed under /usr/local without running ldconfig)."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    libdirs = ["lib", "lib64"]
    if multiarch:
        libdirs.insert(1, "lib/" + multiarch)
    prefixes = []
    for prefix in (sys.prefix, sys.base_prefix, "/usr/local", "/usr"):
        if prefix and prefix not in prefixes:
            prefixes.append(prefix)
    return [os.path.join(p, d) for p in prefixes for d in libdirs]


class _DlInfo(ctypes.Structure):
    _fields_ = [
        ("dli_fname", c_char_p),
        ("dli_fbase", c_void_p),
        ("dli_sname", c_char_p),
        ("dli_saddr", c_void_p),
    ]


def _loaded_path(cdll: ctypes.CDLL, name: str) -> str:
    """The file the dynamic loader picked for `name` (`name` if unknown)."""
    if os.path.isabs(name) or sys.platform == "win32":
        return name
    try:
        dladdr = ctypes.CDLL(None).dladdr
        dladdr.argtypes = [c_void_p, POINTER(_DlInfo)]
        dladdr.restype = c_int
        info = _DlInfo()
        addr = ctypes.cast(cdll.shai_version_number, c_void_p)
        if dladdr(addr, ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(os.fsdecode(info.dli_fname))
    except (AttributeError, OSError):
        pass
    return name


def _open(path: str) -> Library:
    cdll = ctypes.CDLL(path)
    return Library(cdll, _loaded_path(cdll, path))


def _open_explicit(path: str, origin: str) -> Library:
    """Open an explicitly named file or a directory holding libshai."""
    tried: List[Tuple[str, str]] = []
    if os.path.isdir(path):
        candidates = [os.path.join(path, name) for name in _SONAMES]
    else:
        candidates = [path]
    for candidate in candidates:
        by_name = os.sep not in candidate and not os.path.exists(candidate)
        if not by_name and not os.path.exists(candidate):
            tried.append((candidate, "no such file"))
            continue
        try:
            # A bare name ("libshai.so.0") goes to the dynamic loader.
            return _open(candidate if by_name else os.path.abspath(candidate))
        except LibraryError as exc:
            tried.append((candidate, str(exc)))
        except OSError as exc:
            tried.append((candidate, str(exc)))
    raise LibraryError(_not_found_message(tried, f"{origin} names {path!r}, which is not usable."))


def _not_found_message(tried: List[Tuple[str, str]], headline: str) -> str:
    lines = [headline, "Tried:"]
    lines += [f"  - {what}: {why}" for what, why in tried]
    lines.append(
        "Install libshai (e.g. 'meson install' in a shai build), or set "
        f"{LIBRARY_ENV} to the path of libshai.so (in a build tree: <builddir>/lib/libshai.so), "
        "or call shai.load_library(path) before using shai."
    )
    return "\n".join(lines)


def find_and_open() -> Library:
    """Load libshai the usual ways, or raise LibraryError saying what was tried."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return _open_explicit(env, f"${LIBRARY_ENV}")
    tried: List[Tuple[str, str]] = [(f"${LIBRARY_ENV}", "not set")]

    # 1. The dynamic loader: LD_LIBRARY_PATH, the ld.so cache, system dirs.
    for name in _SONAMES[:1]:
        try:
            return _open(name)
        except (OSError, LibraryError) as exc:
            tried.append((f"dynamic loader, {name!r}", str(exc)))

    # 2. ctypes.util.find_library (ldconfig -p, the compiler's search path).
    found = ctypes.util.find_library("shai")
    if found:
        try:
            return _open(found)
        except (OSError, LibraryError) as exc:
            tried.append((f"ctypes.util.find_library('shai') -> {found!r}", str(exc)))
    else:
        tried.append(("ctypes.util.find_library('shai')", "not found"))

    # 3. Usual install directories.
    for directory in _library_dirs():
        for name in _SONAMES:
            candidate = os.path.join(directory, name)
            if not os.path.exists(candidate):
                continue
            try:
                return _open(candidate)
            except (OSError, LibraryError) as exc:
                tried.append((candidate, str(exc)))
                break
        else:
            tried.append((os.path.join(directory, _SONAMES[0]), "no such file"))

    raise LibraryError(_not_found_message(tried, "cannot find libshai, the shai C library."))


_lock = threading.Lock()
_library: Optional[Library] = None


def get() -> Library:
    """The library in use, loading it on first call."""
    lib = _library
    if lib is None:
        lib = _load_default()
    return lib


def _load_default() -> Library:
    global _library
    with _lock:
        if _library is None:
            _library = find_and_open()
        return _library


def load(path: "os.PathLike[str] | str") -> Library:
    """Load libshai from `path` (a file or a directory) and use it from now on."""
    global _library
    lib = _open_explicit(os.fspath(path), "shai.load_library()")
    with _lock:
        _library = lib
    return lib
