"""The compiled lexicon (:class:`Db`) and what scanning returns."""

from __future__ import annotations

import ctypes
import enum
import os
import struct
import sys
import threading
from ctypes import byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint32, c_void_p
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

from . import _capi
from ._capi import (
    E_BAD_DB,
    E_BAD_OPTION,
    E_DB_VERSION,
    E_MATCH_LIMIT,
    E_REGEX,
    E_BUFFER_TOO_SMALL,
    E_INVALID_ARG,
    E_IO,
    E_NOMEM,
    E_NOT_FOUND,
    E_OUT_OF_RANGE,
    E_STATE,
    HIT_FORMAT,
    SCAN_NO_VARIANTS,
    SCAN_VERTICAL,
    VARIANT_NAMES,
    HIT_SIZE,
    OK,
    SCAN_OVERLAPPING,
    ALL_CATEGORIES,
    SCENE_KEEP,
    SCENE_OFF,
    shai_hit,
)
from ._errors import (
    BadDbError,
    DbVersionError,
    Error,
    FileError,
    InvalidArgumentError,
    InvalidTextError,
    LexiconError,
    MatchLimitError,
    NoMemoryError,
    OptionError,
)

__all__ = [
    "Db",
    "Policy",
    "Hit",
    "Verdict",
    "Entry",
    "Entries",
    "Fold",
    "fold",
    "fold_table_version",
    "default_lexicon_path",
    "default_db_path",
    "DEFAULT_LEXICON_ENV",
]

Text = Union[str, bytes, bytearray, memoryview]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
WordSpec = Union[str, Tuple[str, Mapping[str, Any]]]

DEFAULT_LEXICON_ENV = "SHAI_DEFAULT_LEXICON"



class Fold(enum.IntFlag):
    """Fold stages (``SHAI_FOLD_*``): what the normalizer folds, in lexicon
    entries and in text alike, so that variants meet the entry."""

    NONE = 0
    WIDTH = 0x01
    """Full/half width forms: ＶＰＮ -> VPN."""
    COMPAT = 0x02
    """Compatibility and styled forms: ⓓ 𝐝 -> d, ① -> 1."""
    CASE = 0x04
    """Case folding + NFC: Du -> du."""
    DIACRITICS = 0x08
    """Latin diacritics and combining marks: pórn -> porn."""
    CONFUSABLES = 0x10
    """Cyrillic/Greek/Latin lookalikes (UTS #39): fuсk -> fuck."""
    T2S = 0x20
    """Traditional -> Simplified Chinese: 賭博 -> 赌博."""
    IGNORABLES = 0x40
    """Drop zero-width, format characters and variation selectors."""
    ALL = 0x7F


def _fold_value(value: Any) -> int:
    """Fold, int, a stage name ("t2s") or an iterable of names -> bits."""
    if isinstance(value, bool):
        raise TypeError("fold takes Fold flags, not a bool")
    if isinstance(value, int):
        if value < 0 or value & ~int(Fold.ALL):
            raise ValueError(f"fold bits {value:#x} outside Fold.ALL ({int(Fold.ALL):#x})")
        return int(value)
    names = [value] if isinstance(value, str) else list(value)
    bits = 0
    for name in names:
        if isinstance(name, Fold):
            bits |= int(name)
            continue
        stages = _capi.get().fold_stages  # the library's names
        try:
            bits |= stages[str(name).lower()]
        except KeyError:
            known = ", ".join(stages)
            raise ValueError(f"unknown fold stage {name!r} (known: {known})") from None
    return bits


def _int_value(value: Any) -> int:
    """An int option: an int (not a bool, not a float that would be cut)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"must be an int, not {type(value).__name__}")
    return value


def _bool_value(value: Any) -> int:
    """A yes/no option: a bool (or 0 or 1)."""
    if not isinstance(value, int) or value not in (0, 1):
        raise TypeError(f"must be a bool, not {value!r}")
    return 1 if value else 0


# Python option name -> (SHAI_OPT_*, value to int64, int64 to value)
_OPTIONS: Dict[str, Tuple[int, Any, Any]] = {
    "fold": (_capi.OPT_FOLD, _fold_value, Fold),
    "max_gap": (_capi.OPT_MAX_GAP, _int_value, int),
    "repeats": (_capi.OPT_REPEATS, _bool_value, bool),
}


class Entry(NamedTuple):
    """One lexicon entry of a :class:`Db`, as written in the lexicon."""

    index: int
    """Position in ``db.entries`` (the C entry index)."""
    text: str
    """The word as written in the lexicon."""
    category: str
    action: str
    """``"review"`` or ``"block"``."""
    allow: bool
    """True for an allow-list entry."""
    tag: Optional[str]
    suggestion: Optional[str]
    exact: bool
    """True when the entry matches only as written: no folding, no skipping."""


class Hit(NamedTuple):
    """One match of a lexicon entry in a text.

    For ``str`` text, ``start``/``end`` are string indices (``text[start:end]``
    is the match) and ``byte_start``/``byte_end`` are offsets into its UTF-8
    encoding. For ``bytes`` text all four are byte offsets. End is exclusive.
    The match may differ from the entry (賭博 matches 赌博): ``text`` is what
    the user wrote, ``entry`` what the lexicon says.
    """

    start: int
    end: int
    byte_start: int
    byte_end: int
    text: Union[str, bytes]
    """The matched part of the scanned text (``bytes`` for bytes input)."""
    entry: str
    """The lexicon entry that matched, as written in the lexicon."""
    category: str
    action: str
    """``"review"`` or ``"block"``: the entry's action."""
    tag: Optional[str]
    suggestion: Optional[str]
    allow: bool
    """True when the entry is an allow-list entry (only in :meth:`Db.scan`)."""
    entry_index: int
    """Index of the entry in ``db.entries``."""
    variant: Optional[str] = None
    """How the text wrote the entry when it is a variant of it (``"pinyin"``,
    ``"initials"``, ``"homophone"``, ``"split"``, ``"emoji"``, ``"leet"``,
    ``"wildcard"``, ``"insert"``, ``"digit"``, ``"vertical"``), else None."""


class Verdict(NamedTuple):
    """The outcome of :meth:`Db.check`."""

    action: str
    """``"pass"``, ``"review"`` or ``"block"``: the strongest action among the
    deny hits that no allow hit covers, and among the flags of the scorers the
    scene turns on (:meth:`Db.score`), which no hit lists."""
    hits: List[Hit]
    """Those deny hits (the violations); allow hits are never listed."""

    @property
    def passed(self) -> bool:
        """True when the action is ``"pass"``."""
        return self.action == "pass"

    @property
    def blocked(self) -> bool:
        """True when the action is ``"block"``."""
        return self.action == "block"


# ------------------------------------------------------------ scratch space

_HIT_STRUCT = struct.Struct(HIT_FORMAT)


def _flags(overlapping: bool, variants: bool, vertical: bool) -> int:
    """The scan flags of the keyword arguments."""
    return ((SCAN_OVERLAPPING if overlapping else 0) | (0 if variants else SCAN_NO_VARIANTS)
            | (SCAN_VERTICAL if vertical and variants else 0))
assert _HIT_STRUCT.size == HIT_SIZE
_INITIAL_HITS = 64
_MAX_KEPT_HITS = 4096  # larger one-off results do not stay allocated per thread


class _CScratch:
    """A libshai scratch (shai_scratch_new), freed with this object: the
    scanner's state and PCRE2's match data, kept from one call to the next."""

    __slots__ = ("lib", "ptr")

    def __init__(self, lib: _capi.Library) -> None:
        self.lib = lib
        self.ptr = c_void_p()
        status = lib.scratch_new(None, byref(self.ptr))
        if status:
            raise _status_error(lib, status, "cannot make a scratch")

    def __del__(self) -> None:
        if self.ptr:
            self.lib.scratch_free(self.ptr)
            self.ptr = c_void_p()


class _Scratch(threading.local):
    """Per-thread output space and libshai scratch, so that a scan allocates
    nothing in C and little in Python, and threads sharing a Db never share
    buffers."""

    def __init__(self) -> None:
        self.c: Optional[_CScratch] = None
        self.count = c_size_t()
        self.verdict = c_uint32()
        self.out_len = c_size_t()
        # Exactly typed arguments for the *_fast calls (no argtypes).
        self.count_p = c_void_p(ctypes.addressof(self.count))
        self.verdict_p = c_void_p(ctypes.addressof(self.verdict))
        self.out_len_p = c_void_p(ctypes.addressof(self.out_len))
        self.resize(_INITIAL_HITS)

    def c_for(self, lib: _capi.Library) -> c_void_p:
        """This thread's libshai scratch (made on first use)."""
        c = self.c
        if c is None or c.lib is not lib:
            c = self.c = _CScratch(lib)
        return c.ptr

    def resize(self, cap: int) -> None:
        self.cap = cap
        self.cap_arg = c_size_t(cap)
        self.hits = (shai_hit * cap)()
        self.hits_p = c_void_p(ctypes.addressof(self.hits))
        self.view = memoryview(self.hits).cast("B")


_scratch = _Scratch()

# Bytes that continue a UTF-8 sequence; deleting them leaves one byte per
# code point of valid UTF-8.
_CONTINUATION = bytes(range(0x80, 0xC0))


def _encode(text: Text) -> Tuple[bytes, bool]:
    """The UTF-8 bytes to scan and whether the input was a str."""
    if isinstance(text, str):
        try:
            return text.encode("utf-8"), True
        except UnicodeEncodeError as exc:
            raise _surrogate_error(text, exc) from None
    if isinstance(text, bytes):
        return text, False
    if isinstance(text, (bytearray, memoryview)):
        return bytes(text), False
    raise TypeError(f"text must be str or bytes, not {type(text).__name__}")


def _surrogate_error(text: str, exc: UnicodeEncodeError) -> InvalidTextError:
    ch = text[exc.start]
    return InvalidTextError(
        f"text contains a lone surrogate U+{ord(ch):04X} at index {exc.start}, which is not "
        "a Unicode character and has no UTF-8 form; fix the decoding that produced it, or "
        "pass bytes (e.g. text.encode('utf-8', 'surrogateescape') for text decoded with "
        "errors='surrogateescape')",
        exc.start,
    )


def _char_offsets(data: bytes, offsets: Iterable[int]) -> Dict[int, int]:
    """Map byte offsets (at code point boundaries of valid UTF-8 `data`) to
    code point indices, in one pass over the prefix that holds them."""
    result = {}
    prev_byte = 0
    prev_char = 0
    delete = _CONTINUATION
    for off in sorted(set(offsets)):
        prev_char += len(data[prev_byte:off].translate(None, delete))
        prev_byte = off
        result[off] = prev_char
    return result


# -------------------------------------------------------- default lexicon


def _lexicon_candidates(library_path: Optional[str]) -> List[str]:
    seen: List[str] = []

    def add(path: str) -> None:
        path = os.path.normpath(path)
        if path not in seen:
            seen.append(path)

    if library_path and os.path.isabs(library_path):
        # <prefix>/lib[/<multiarch>]/libshai.so -> <prefix>/share/shai/wordlists
        d = os.path.dirname(library_path)
        for _ in range(2):
            d = os.path.dirname(d)
            add(os.path.join(d, "share", "shai", "wordlists"))
    add(os.path.join(sys.prefix, "share", "shai", "wordlists"))
    add("/usr/local/share/shai/wordlists")
    add("/usr/share/shai/wordlists")
    return seen


def _has_lexicon_files(path: str) -> bool:
    if os.path.isfile(path):
        return True
    for _root, _dirs, files in os.walk(path):
        if any(f.endswith(".txt") for f in files):
            return True
    return False


def default_lexicon_path() -> str:
    """The default (bundled) lexicon: ``$SHAI_DEFAULT_LEXICON`` when set, else
    the first of ``<libshai's prefix>/share/shai/wordlists``,
    ``<sys.prefix>/share/shai/wordlists``, ``/usr/local/share/shai/wordlists``
    and ``/usr/share/shai/wordlists`` that holds ``*.txt`` files.

    Raises:
        FileError: none exists; the message lists what was tried.
    """
    env = os.environ.get(DEFAULT_LEXICON_ENV)
    if env:
        if os.path.exists(env):
            return env
        raise FileError(
            f"the default lexicon ${DEFAULT_LEXICON_ENV}={env!r} does not exist",
            E_IO,
            "E_IO",
            file=env,
        )
    tried = [f"${DEFAULT_LEXICON_ENV}: not set"]
    library_path = _capi.get().path
    for candidate in _lexicon_candidates(library_path):
        if not os.path.exists(candidate):
            tried.append(f"{candidate}: does not exist")
        elif not _has_lexicon_files(candidate):
            tried.append(f"{candidate}: holds no *.txt file")
        else:
            return candidate
    raise FileError(
        "cannot find the default lexicon. Tried:\n"
        + "\n".join("  - " + t for t in tried)
        + f"\nInstall shai's wordlists, set ${DEFAULT_LEXICON_ENV}, or pass lexicon_paths=.",
        E_IO,
        "E_IO",
    )


def default_db_path(builtin: bool = False) -> str:
    """Where the saved default db is (``shai_default_db_path``):
    ``$SHAI_DEFAULT_DB`` when set and not empty (unless `builtin`), else the
    ``default.shai`` installed with libshai
    (``<prefix>/<datadir>/shai/default.shai``, as the library was built;
    ``pkg-config --variable=default_db shai``). The file may not exist."""
    lib = _capi.get()
    raw = lib.default_db_path(_capi.DEFAULT_DB_BUILTIN if builtin else 0) or b""
    return os.fsdecode(raw)


# ------------------------------------------------------------------ errors

_LEXICON_STATUSES = frozenset({-4, -5, -6, -7, -8, E_REGEX})


def _error_class(status: int) -> type:
    if status in _LEXICON_STATUSES:
        return LexiconError
    if status == E_BAD_DB:
        return BadDbError
    if status == E_DB_VERSION:
        return DbVersionError
    if status == E_MATCH_LIMIT:
        return MatchLimitError
    if status == E_IO:
        return FileError
    if status == E_NOMEM:
        return NoMemoryError
    if status == E_BAD_OPTION:
        return OptionError
    if status in (E_INVALID_ARG, E_OUT_OF_RANGE, E_STATE, E_NOT_FOUND):
        return InvalidArgumentError
    return Error


def _status_error(lib: _capi.Library, status: int, what: str, file: Optional[str] = None) -> Error:
    message = lib.message_of(status)
    return _error_class(status)(f"{what}: {message}", status, lib.name_of(status), file=file)


def _limit_error(lib: _capi.Library, raw: List[Tuple[int, ...]]) -> Error:
    """A MatchLimitError that keeps the raw hits found (the caller turns them
    into its `hits` or `verdict`)."""
    exc = _status_error(lib, E_MATCH_LIMIT, "scan failed")
    exc._raw = raw  # type: ignore[attr-defined]
    return exc


def _builder_error(lib: _capi.Library, builder: c_void_p, status: int, prefix: str = "") -> Error:
    raw = lib.builder_error_message(builder) or b""
    message = raw.decode("utf-8", "replace") or lib.message_of(status)
    file = (lib.builder_error_file(builder) or b"").decode("utf-8", "surrogateescape") or None
    line = int(lib.builder_error_line(builder)) or None
    column = int(lib.builder_error_column(builder)) or None
    return _error_class(status)(
        prefix + message,
        status,
        lib.name_of(status),
        file=file,
        line=line,
        column=column,
    )


def _opt_str(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else value.decode("utf-8", "replace")


# --------------------------------------------------------------------- Db

_WORD_KEYS = ("category", "action", "allow", "exact", "tag", "suggestion")


def _c_string(what: str, value: Any) -> bytes:
    """A NUL-terminated UTF-8 string for libshai: str(value), which may hold
    no NUL (C would cut it there) and no lone surrogate."""
    text = str(value)
    if "\x00" in text:
        raise InvalidArgumentError(f"{what} contains a NUL character: {text!r}", E_INVALID_ARG,
                                   "E_INVALID_ARG")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            f"{what} contains a lone surrogate U+{ord(text[exc.start]):04X} at index {exc.start}",
            E_INVALID_ARG,
            "E_INVALID_ARG",
        ) from None


def _word_args(index: int, item: WordSpec) -> Tuple[bytes, Optional[bytes], int, int, Optional[bytes], Optional[bytes]]:
    if isinstance(item, str):
        word, attrs = item, None
    elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
        word, attrs = item
    else:
        raise InvalidArgumentError(
            f"words[{index}] must be a str or a (str, dict) pair, not {item!r}",
            E_INVALID_ARG,
            "E_INVALID_ARG",
        )
    try:
        encoded = word.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _surrogate_error(word, exc) from None
    category = tag = suggestion = None
    action = _capi.ACTION_BLOCK
    flags = 0
    if attrs:
        unknown = [k for k in attrs if k not in _WORD_KEYS]
        if unknown:
            raise InvalidArgumentError(
                f"words[{index}] ({word!r}): unknown attribute {unknown[0]!r} "
                f"(known: {', '.join(_WORD_KEYS)})",
                E_INVALID_ARG,
                "E_INVALID_ARG",
            )
        if attrs.get("category") is not None:
            category = _c_string(f"words[{index}] ({word!r}): category", attrs["category"])
        if attrs.get("action") is not None:
            names = _capi.get().action_names
            try:
                action = names.index(attrs["action"])
                if action == _capi.ACTION_PASS:
                    raise ValueError("pass is only a verdict")
            except (ValueError, TypeError):
                raise InvalidArgumentError(
                    f"words[{index}] ({word!r}): action must be 'block' or 'review', "
                    f"not {attrs['action']!r}",
                    E_INVALID_ARG,
                    "E_INVALID_ARG",
                ) from None
        if attrs.get("allow"):
            flags |= _capi.ENTRY_ALLOW
        if attrs.get("exact"):
            flags |= _capi.ENTRY_EXACT
        if attrs.get("tag") is not None:
            tag = _c_string(f"words[{index}] ({word!r}): tag", attrs["tag"])
        if attrs.get("suggestion") is not None:
            suggestion = _c_string(f"words[{index}] ({word!r}): suggestion", attrs["suggestion"])
    return encoded, category, action, flags, tag, suggestion


def _as_paths(lexicon_paths: Union[PathLike, Iterable[PathLike]]) -> List[bytes]:
    if isinstance(lexicon_paths, (str, bytes, os.PathLike)):
        items: Iterable[PathLike] = [lexicon_paths]
    else:
        items = lexicon_paths
    return [os.fsencode(p) for p in items]


_SCENE_ACTIONS = {"off": SCENE_OFF, "review": 1, "block": 2, "keep": SCENE_KEEP}
_SCENE_ACTION_NAMES = {v: k for k, v in _SCENE_ACTIONS.items()}

Scene = Union[str, "Policy", None]


class Policy:
    """What each category of one :class:`Db` does in a check: ``"off"`` (its
    hits are not found: not reported, not counted, not masked), ``"review"``,
    ``"block"``, or ``"keep"`` (each entry's own action). Make one with
    :meth:`Db.policy`; pass it as ``scene=`` to :meth:`Db.check`,
    :meth:`Db.check_batch` and :meth:`Db.mask`. Immutable, and safe to share
    between threads. Only for the Db that made it."""

    __slots__ = ("_db", "_ptr", "_actions", "__weakref__")

    def __init__(self) -> None:
        raise TypeError("use Db.policy() to make a Policy")

    def __del__(self) -> None:
        ptr = getattr(self, "_ptr", None)
        if ptr:
            try:
                self._db._lib.policy_free(ptr)
            except Exception:  # interpreter shutdown
                pass
            self._ptr = None

    @property
    def actions(self) -> Dict[str, str]:
        """Category name -> ``"off"``, ``"review"``, ``"block"`` or ``"keep"``."""
        return dict(self._actions)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._actions.items() if v != "keep"}
        return f"<shai.Policy {changed or 'every category keeps its actions'}>"


class Db:
    """An immutable, compiled lexicon.

    Create one with :meth:`Db.compile`. A Db is safe to share between threads:
    any number of them may scan at once, and scanning releases the GIL, so
    threads scale across cores. The C db is freed when the last reference to
    the Db goes away (there is no ``close()``, so no scan can outlive it).
    """

    __slots__ = (
        "_lib", "_handle", "_n_entries", "_categories", "_entry_cache", "_scenes", "_scene_policies",
        "__weakref__",
    )

    def __init__(self) -> None:
        raise TypeError("use shai.Db.compile() to make a Db")

    @classmethod
    def compile(
        cls,
        lexicon_paths: Optional[Union[PathLike, Iterable[PathLike]]] = None,
        words: Optional[Iterable[WordSpec]] = None,
        *,
        sources: Optional[Union[Mapping[str, str], Iterable[Tuple[str, str]]]] = None,
        **options: Any,
    ) -> "Db":
        """Compile a lexicon.

        Args:
            lexicon_paths: lexicon files (format v1, see docs/lexicon-format.md)
                or directories (every ``*.txt`` below them). One path or an
                iterable of paths.
            words: entries given directly: each a word (category
                ``uncategorized``, action ``block``) or a ``(word, attrs)``
                pair where attrs may hold ``category`` (str), ``action``
                (``"block"``/``"review"``), ``allow`` (bool), ``tag`` and
                ``suggestion`` (str).
            sources: lexicon source texts, as ``{name: text}`` or
                ``(name, text)`` pairs; the name appears in errors.
            **options: matching options, recorded in the db:
                ``fold`` (:class:`Fold` flags, an int, or stage names such as
                ``["width", "case"]``; default ``Fold.ALL``), ``max_gap``
                (noise characters skipped between two characters of an
                entry, 0..16, default 3) and ``repeats`` (a character doubled
                in the text matches where the entry has it once; default
                True).

        With no lexicon_paths, words or sources at all, the default lexicon is
        compiled (see :func:`default_lexicon_path`).

        Raises:
            LexiconError: a malformed source or word (with file/line/column).
            FileError: a path cannot be read, or no default lexicon exists.
            OptionError: an unknown option or a bad option value.
            LibraryError: libshai cannot be loaded.
        """
        lib = _capi.get()
        settings = []
        for name, value in options.items():
            if name not in _OPTIONS:
                raise OptionError(
                    f"unknown compile option {name!r} (known: {', '.join(_OPTIONS)})",
                    E_BAD_OPTION,
                    "E_BAD_OPTION",
                )
            option, to_int, _ = _OPTIONS[name]
            try:
                settings.append((name, value, option, to_int(value)))
            except (TypeError, ValueError) as exc:
                raise OptionError(f"option {name}={value!r}: {exc}", E_BAD_OPTION, "E_BAD_OPTION") from None
        if lexicon_paths is None and words is None and sources is None:
            lexicon_paths = [default_lexicon_path()]

        builder = c_void_p()
        status = lib.builder_new(byref(builder))
        if status:
            raise _status_error(lib, status, "cannot create a lexicon builder")
        try:
            for name, value, option, number in settings:
                status = lib.builder_set_option(builder, option, number)
                if status:
                    raise _status_error(lib, status, f"option {name}={value!r}")
            if lexicon_paths is not None:
                for path in _as_paths(lexicon_paths):
                    status = lib.builder_add_path(builder, path)
                    if status:
                        prefix = ""
                        msg = lib.builder_error_message(builder) or b""
                        if path not in msg:
                            prefix = os.fsdecode(path) + ": "
                        raise _builder_error(lib, builder, status, prefix)
            if sources is not None:
                items = sources.items() if isinstance(sources, Mapping) else sources
                for name, text in items:
                    data, _ = _encode(text)
                    status = lib.builder_add_source(builder, _c_string("source name", name), data,
                                                    len(data))
                    if status:
                        raise _builder_error(lib, builder, status)
            if words is not None:
                if isinstance(words, (str, bytes)):
                    raise InvalidArgumentError(
                        "words must be an iterable of words, not a single str",
                        E_INVALID_ARG,
                        "E_INVALID_ARG",
                    )
                add = lib.builder_add_entry
                for index, item in enumerate(words):
                    text, category, action, flags, tag, suggestion = _word_args(index, item)
                    status = add(builder, text, len(text), category, action, flags, tag, suggestion)
                    if status:
                        raise _builder_error(lib, builder, status, f"words[{index}] ({item!r}): ")
            handle = c_void_p()
            status = lib.builder_compile(builder, byref(handle))
            if status:
                raise _builder_error(lib, builder, status, "cannot compile the lexicon: ")
        finally:
            lib.builder_free(builder)
        return cls._wrap(lib, handle)

    @classmethod
    def load(cls, path: PathLike, *, copy: bool = False) -> "Db":
        """Open a db saved with :meth:`save` (or ``shai compile``), by
        memory-mapping it: no rebuild, and processes that load the same file
        share its pages. The file is validated (bounds, checksum) first.

        A mapped file must not be rewritten in place while the db is in use
        (``cp new.shai live.shai`` kills the process with SIGBUS): replace
        it by writing a temporary file in the same directory and renaming it
        over the old one, as :meth:`save` does. With ``copy=True`` the file
        is read into memory instead, and nothing done to it later affects
        the db.

        Raises:
            FileError: the file cannot be read.
            BadDbError: it is not a shai db, or is truncated or corrupted.
            DbVersionError: it has another format version or platform.
        """
        if not isinstance(copy, bool):
            raise TypeError(f"copy must be a bool, not {type(copy).__name__}")
        lib = _capi.get()
        handle = c_void_p()
        flags = _capi.DB_COPY if copy else 0
        os_error = ctypes.c_int32()
        status = lib.db_open_flags(os.fsencode(path), flags, byref(handle), byref(os_error))
        if status:
            name = os.fsdecode(path)
            why = f": {os.strerror(os_error.value)}" if os_error.value else ""
            raise _status_error(lib, status, f"cannot open the db {name}{why}", file=name)
        return cls._wrap(lib, handle)

    @classmethod
    def default(cls) -> "Db":
        """The default lexicon, found as the ``shai`` command finds it:

        1. ``$SHAI_DEFAULT_LEXICON`` when set: that lexicon, compiled;
        2. else the saved default db, opened (memory-mapped, no compile):
           ``$SHAI_DEFAULT_DB`` when set, else the ``default.shai`` installed
           with libshai (:func:`default_db_path`) when it exists;
        3. else the default lexicon (:func:`default_lexicon_path`), compiled.

        Raises:
            FileError, BadDbError, DbVersionError: as :meth:`load` or
                :meth:`compile`.
        """
        if os.environ.get(DEFAULT_LEXICON_ENV):
            return cls.compile()
        path = default_db_path()
        from_env = path != default_db_path(builtin=True)
        try:
            return cls.load(path)
        except FileError:
            if from_env or os.path.exists(path) and not os.path.isdir(path):
                raise
        return cls.compile()

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Db":
        """A db from an image made by :meth:`to_bytes` (copied and validated).

        Raises:
            BadDbError, DbVersionError: as for :meth:`load`.
        """
        lib = _capi.get()
        view = memoryview(data).cast("B")
        buf = (ctypes.c_char * len(view)).from_buffer_copy(view) if len(view) else None
        handle = c_void_p()
        status = lib.db_from_buffer(buf, len(view), 0, byref(handle))
        if status:
            raise _status_error(lib, status, "cannot open the db image")
        return cls._wrap(lib, handle)

    def to_bytes(self) -> bytes:
        """The db as a position-independent image (what :meth:`save`
        writes); :meth:`from_bytes` opens it again."""
        lib = self._lib
        size = c_size_t()
        cap = 0  # the first call gives the size
        while True:
            buf = ctypes.create_string_buffer(cap)
            status = lib.db_serialize(self._handle, buf, cap, byref(size))
            if status == 0:
                return ctypes.string_at(buf, size.value)
            if status != E_BUFFER_TOO_SMALL or size.value <= cap:
                raise _status_error(lib, status, "cannot serialize the db")
            cap = size.value

    def save(self, path: PathLike) -> None:
        """Write the db to `path` atomically (a temporary file renamed into
        place); :meth:`load` opens it.

        Raises:
            FileError: the file cannot be written.
        """
        status = self._lib.db_save(self._handle, os.fsencode(path))
        if status:
            name = os.fsdecode(path)
            raise _status_error(self._lib, status, f"cannot save the db to {name}", file=name)

    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]:
        # Pickles as its image, so a Db can be sent to worker processes.
        return (Db.from_bytes, (self.to_bytes(),))

    @classmethod
    def _wrap(cls, lib: _capi.Library, handle: c_void_p) -> "Db":
        self = object.__new__(cls)
        self._lib = lib
        self._handle = handle
        self._n_entries = int(lib.db_entry_count(handle))
        names = []
        name_p = c_char_p()
        for i in range(int(lib.db_category_count(handle))):
            status = lib.db_category_name(handle, i, byref(name_p))
            if status:
                raise _status_error(lib, status, f"category {i}")
            names.append((name_p.value or b"").decode("utf-8", "replace"))
        self._categories = tuple(names)
        scenes = []
        for i in range(int(lib.db_scene_count(handle))):
            status = lib.db_scene_name(handle, i, byref(name_p))
            if status:
                raise _status_error(lib, status, f"scene {i}")
            scenes.append((name_p.value or b"").decode("utf-8", "replace"))
        self._scenes = tuple(scenes)
        self._scene_policies: Dict[str, Policy] = {}
        self._entry_cache: List[Optional[Entry]] = [None] * self._n_entries
        return self

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            try:
                self._lib.db_free(handle)
            except Exception:  # interpreter shutdown
                pass
            self._handle = None

    def __repr__(self) -> str:
        return f"<shai.Db: {self._n_entries} entries, {len(self._categories)} categories>"

    # ------------------------------------------------------------- entries

    def __len__(self) -> int:
        """The number of (merged) entries."""
        return self._n_entries

    @property
    def categories(self) -> Tuple[str, ...]:
        """Category names, indexed by the C category id."""
        return self._categories

    @property
    def scenes(self) -> Tuple[str, ...]:
        """Names of the db's scenes (``@scene`` in the lexicon), indexed by
        the C scene id: pass one as ``scene=`` to :meth:`check`,
        :meth:`check_batch` or :meth:`mask`."""
        return self._scenes

    @property
    def scorers(self) -> Tuple[str, ...]:
        """Names of the db's scorers (``@scorer`` in the lexicon), indexed by
        the C scorer id: the second stage of a check, which a scene turns
        on (``score:NAME review``); see :meth:`score`."""
        lib = self._lib
        names = []
        for i in range(lib.db_scorer_count(self._handle)):
            name = c_char_p()
            status = lib.db_scorer_info(self._handle, i, byref(name), None, None, None)
            if status:
                raise _status_error(lib, status, "cannot read a scorer")
            names.append(name.value.decode("utf-8"))
        return tuple(names)

    def score(self, text: Text, scorer: Optional[str] = None) -> Tuple[float, bool]:
        """Score `text` with scorer `scorer` (None: the db's only scorer):
        the highest score of a line, and whether some line is flagged (it
        names a target and scores at or over the scorer's threshold).

        Raises:
            InvalidArgumentError: no such scorer (or none, or several and
                `scorer` is None).
        """
        lib = self._lib
        data, _ = _encode(text)
        if scorer is None:
            if lib.db_scorer_count(self._handle) != 1:
                raise InvalidArgumentError(
                    f"name a scorer (the db has {lib.db_scorer_count(self._handle)})",
                    E_INVALID_ARG,
                    "E_INVALID_ARG",
                )
            sid = c_uint32(0)
        else:
            if not isinstance(scorer, str):
                raise TypeError(f"scorer must be str, not {type(scorer).__name__}")
            name, _ = _encode(scorer)
            sid = c_uint32()
            status = lib.db_scorer(self._handle, name, len(name), byref(sid))
            if status:
                raise _status_error(lib, status, f"no scorer {scorer!r} in the db")
        value, flagged = c_double(), c_int()
        status = lib.score(self._handle, sid.value, data, len(data), byref(value), byref(flagged))
        if status:
            raise _status_error(lib, status, "cannot score the text")
        return value.value, bool(flagged.value)

    def scene_actions(self, scene: str) -> Dict[str, str]:
        """What scene `scene` does with each category: category name ->
        ``"off"``, ``"review"``, ``"block"`` or ``"keep"``."""
        return self.policy(scene).actions

    def policy(
        self,
        scene: Optional[str] = None,
        *,
        only: Optional[Iterable[str]] = None,
        exclude: Optional[Iterable[str]] = None,
        actions: Optional[Mapping[str, str]] = None,
    ) -> Policy:
        """A :class:`Policy`: scene `scene` (None: every category keeps its
        entries' actions), then only the categories in `only` count (as the
        scene says; a category the scene drops counts with its entries'
        actions), the categories in `exclude` are off, and `actions` sets
        any category to ``"off"``, ``"review"``, ``"block"`` or ``"keep"``.
        A scene of one's own needs no new db.

        Raises:
            InvalidArgumentError: an unknown scene, category or action.
        """
        lib = self._lib
        ptr = c_void_p()
        status = lib.policy_new(self._handle, byref(ptr))
        if status:
            raise _status_error(lib, status, "cannot make a policy")
        policy = object.__new__(Policy)
        policy._db = self
        policy._ptr = ptr
        policy._actions = {}
        if scene is not None:
            data = scene.encode("utf-8") if isinstance(scene, str) else bytes(scene)
            sid = c_uint32()
            status = lib.db_scene(self._handle, data, len(data), byref(sid))
            if status == 0:
                status = lib.policy_set_scene(ptr, sid.value)
            if status:
                raise _status_error(
                    lib, status, f"no scene {scene!r} in the db (scenes: {', '.join(self._scenes) or 'none'})"
                )

        def category_id(name: str) -> int:
            try:
                return self._categories.index(name)
            except ValueError:
                raise InvalidArgumentError(
                    f"no category {name!r} in the db", E_INVALID_ARG, "E_INVALID_ARG"
                ) from None

        value = c_uint32()
        if only is not None:
            keep = {category_id(name) for name in only}
            for c in range(len(self._categories)):
                lib.policy_category(ptr, c, byref(value))
                if c not in keep:
                    lib.policy_set_category(ptr, c, SCENE_OFF)
                elif value.value == SCENE_OFF:
                    lib.policy_set_category(ptr, c, SCENE_KEEP)
        for name in exclude or ():
            lib.policy_set_category(ptr, category_id(name), SCENE_OFF)
        for name, action in (actions or {}).items():
            if action not in _SCENE_ACTIONS:
                raise InvalidArgumentError(
                    f"action must be 'off', 'review', 'block' or 'keep', not {action!r}",
                    E_INVALID_ARG,
                    "E_INVALID_ARG",
                )
            lib.policy_set_category(ptr, category_id(name), _SCENE_ACTIONS[action])
        for c, name in enumerate(self._categories):
            lib.policy_category(ptr, c, byref(value))
            policy._actions[name] = _SCENE_ACTION_NAMES[value.value]
        return policy

    def _policy_of(self, scene: Scene) -> Optional[Policy]:
        """The Policy a ``scene=`` argument names (None for None); policies
        of the db's scenes are made once."""
        if scene is None:
            return None
        if isinstance(scene, Policy):
            if scene._db is not self:
                raise InvalidArgumentError(
                    "the policy was made for another db", E_INVALID_ARG, "E_INVALID_ARG"
                )
            return scene
        if not isinstance(scene, str):
            raise InvalidArgumentError(
                f"scene must be a scene name or a Policy, not {type(scene).__name__}",
                E_INVALID_ARG,
                "E_INVALID_ARG",
            )
        policy = self._scene_policies.get(scene)
        if policy is None:
            policy = self._scene_policies.setdefault(scene, self.policy(scene))
        return policy

    @property
    def entries(self) -> "Entries":
        """The entries, as a read-only sequence of :class:`Entry` (loaded on
        demand)."""
        return Entries(self)

    @property
    def options(self) -> Dict[str, Any]:
        """The matching options the db was compiled with: ``fold``
        (:class:`Fold`), ``max_gap`` (int), ``repeats`` (bool)."""
        value = c_int64()
        result = {}
        for name, (option, _, from_int) in _OPTIONS.items():
            status = self._lib.db_option(self._handle, option, byref(value))
            if status:
                raise _status_error(self._lib, status, f"option {name}")
            result[name] = from_int(value.value)
        return result

    @property
    def nbytes(self) -> int:
        """Bytes of memory the db holds: its tables (for a loaded db, the
        whole image), the tables derived from them and its compiled regular
        expressions. More than ``len(db.to_bytes())``."""
        size = c_size_t()
        status = self._lib.db_size(self._handle, byref(size))
        if status:
            raise _status_error(self._lib, status, "cannot size the db")
        return size.value

    @property
    def library_version(self) -> str:
        """Version of the libshai this db was compiled with, e.g. ``"0.2.0"``."""
        return self._lib.version

    def _entry(self, index: int) -> Entry:
        entry = self._entry_cache[index]
        if entry is None:
            entry = self._load_entry(index)
            self._entry_cache[index] = entry
        return entry

    def _load_entry(self, index: int) -> Entry:
        lib = self._lib
        text_p = c_void_p()
        length = c_size_t()
        status = lib.db_entry_text(self._handle, index, byref(text_p), byref(length))
        if status:
            raise _status_error(lib, status, f"entry {index}")
        category, action, flags = c_uint32(), c_uint32(), c_uint32()
        tag, suggestion = c_char_p(), c_char_p()
        status = lib.db_entry_info(
            self._handle, index, byref(category), byref(action), byref(flags), byref(tag), byref(suggestion)
        )
        if status:
            raise _status_error(lib, status, f"entry {index}")
        text = ctypes.string_at(text_p.value, length.value).decode("utf-8", "replace") if length.value else ""
        cat = category.value
        return Entry(
            index,
            text,
            self._categories[cat] if cat < len(self._categories) else str(cat),
            self._lib.action_names[action.value] if action.value < 3 else str(action.value),
            bool(flags.value & _capi.ENTRY_ALLOW),
            _opt_str(tag.value),
            _opt_str(suggestion.value),
            bool(flags.value & _capi.ENTRY_EXACT),
        )

    # ---------------------------------------------------------------- scan

    def _raw_hits(self, fn: Any, data: bytes, flags: int, verdict: bool) -> List[Tuple[int, ...]]:
        """Run shai_scan_hits_with or shai_check_with (`fn`, a *_fast function: every
        argument exactly typed) into the per-thread buffer and return the raw
        hit tuples (start, end, entry, category, action, flags, variant)."""
        sc = _scratch
        cs = sc.c_for(self._lib)
        size = c_size_t(len(data))
        if verdict:
            status = fn(self._handle, cs, data, size, flags, sc.verdict_p, sc.hits_p, sc.cap_arg, sc.count_p)
        else:
            status = fn(self._handle, cs, data, size, flags, sc.hits_p, sc.cap_arg, sc.count_p)
        n = sc.count.value
        if status == 0 or (status == E_MATCH_LIMIT and n <= sc.cap):
            raw = list(_HIT_STRUCT.iter_unpack(sc.view[: n * HIT_SIZE])) if n else []
            if status:
                raise _limit_error(self._lib, raw)
            return raw
        if status not in (E_BUFFER_TOO_SMALL, E_MATCH_LIMIT):
            raise _status_error(self._lib, status, "scan failed")
        # More hits than the buffer holds: scan again with room for all.
        while True:
            if n <= _MAX_KEPT_HITS:
                sc.resize(min(max(n, 2 * sc.cap), _MAX_KEPT_HITS))
                hits, cap, view = sc.hits, sc.cap, sc.view
            else:
                cap = n
                hits = (shai_hit * cap)()
                view = memoryview(hits).cast("B")
            hits_p = c_void_p(ctypes.addressof(hits))
            if verdict:
                status = fn(self._handle, cs, data, size, flags, sc.verdict_p, hits_p, c_size_t(cap), sc.count_p)
            else:
                status = fn(self._handle, cs, data, size, flags, hits_p, c_size_t(cap), sc.count_p)
            n = sc.count.value
            if status == 0 or (status == E_MATCH_LIMIT and n <= cap):
                raw = list(_HIT_STRUCT.iter_unpack(view[: n * HIT_SIZE]))
                if status:
                    raise _limit_error(self._lib, raw)
                return raw
            if status not in (E_BUFFER_TOO_SMALL, E_MATCH_LIMIT):
                raise _status_error(self._lib, status, "scan failed")

    def _make_hits(self, text: Text, data: bytes, is_str: bool, raw: List[Tuple[int, ...]]) -> List[Hit]:
        entry_of = self._entry
        categories = self._categories
        actions = self._lib.action_names
        hits = []
        if not is_str or len(data) == len(text):  # bytes, or ASCII: indices are bytes
            src = text if is_str else data
            for start, end, index, category, action, flags, kind in raw:
                e = entry_of(index)
                hits.append(
                    Hit(start, end, start, end, src[start:end], e.text, categories[category],
                        actions[action], e.tag, e.suggestion, bool(flags & 1), index,
                        VARIANT_NAMES[kind] if kind < len(VARIANT_NAMES) else None)
                )
            return hits
        offsets = []
        for h in raw:
            offsets.append(h[0])
            offsets.append(h[1])
        chars = _char_offsets(data, offsets)
        for start, end, index, category, action, flags, kind in raw:
            e = entry_of(index)
            s = chars[start]
            t = chars[end]
            hits.append(
                Hit(s, t, start, end, text[s:t], e.text, categories[category],  # type: ignore[index]
                    actions[action], e.tag, e.suggestion, bool(flags & 1), index,
                    VARIANT_NAMES[kind] if kind < len(VARIANT_NAMES) else None)
            )
        return hits

    def scan(
        self, text: Text, *, overlapping: bool = False, variants: bool = True, vertical: bool = False
    ) -> List[Hit]:
        """Every hit of the lexicon in `text`, allow-list entries included.

        Args:
            text: a ``str``, or ``bytes`` (UTF-8; invalid bytes are fine and
                never match).
            overlapping: report every occurrence of every entry, ordered by
                end. By default: the leftmost-longest hits that do not
                overlap, ordered by start.
            variants: also the entries written another way (pinyin,
                homophones, ...: ``Hit.variant`` says which); False: only
                as folded text (``SHAI_SCAN_NO_VARIANTS``).
            vertical: also read runs of one-character lines as one line
                (``SHAI_SCAN_VERTICAL``).

        Raises:
            InvalidTextError: `text` is a str with a lone surrogate.
        """
        data, is_str = _encode(text)
        try:
            raw = self._raw_hits(self._lib.scan_hits_with_fast, data, _flags(overlapping, variants, vertical), False)
        except MatchLimitError as exc:
            exc.hits = self._make_hits(text, data, is_str, exc._raw) if exc._raw else []
            raise
        if not raw:
            return []
        return self._make_hits(text, data, is_str, raw)

    def check(
        self,
        text: Text,
        *,
        overlapping: bool = False,
        scene: Scene = None,
        variants: bool = True,
        vertical: bool = False,
    ) -> Verdict:
        """The verdict on `text`: the strongest action among its deny hits
        that no allow hit covers, with those hits (non-overlapping unless
        `overlapping`; the action does not depend on it).

        `scene` (a name in :attr:`scenes`, or a :class:`Policy`) says which
        categories count and with what action: hits of categories that are
        off are not found, the others carry the scene's action. `variants`
        and `vertical` as in :meth:`scan`."""
        data, is_str = _encode(text)
        policy = self._policy_of(scene)
        fn = self._lib.check_with_fast
        if policy is not None:
            check_policy, ptr = self._lib.check_policy, policy._ptr

            def fn(db: Any, cs: Any, *rest: Any) -> int:
                return check_policy(db, ptr, cs, *rest)

        try:
            raw = self._raw_hits(fn, data, _flags(overlapping, variants, vertical), True)
        except MatchLimitError as exc:
            # shai_check filled the hits found and made the verdict at least
            # review: the screening was incomplete, never a pass
            hits = self._make_hits(text, data, is_str, exc._raw) if exc._raw else []
            exc.verdict = Verdict(self._lib.action_names[_scratch.verdict.value], hits)
            raise
        action = self._lib.action_names[_scratch.verdict.value]
        if not raw:
            return Verdict(action, [])
        return Verdict(action, self._make_hits(text, data, is_str, raw))

    def check_batch(
        self, texts: Iterable[Text], *, overlapping: bool = False, scene: Scene = None
    ) -> List[Verdict]:
        """:meth:`check` of every text of `texts`, in one call into libshai
        (``shai_check_batch_with``, with this thread's scratch): for many
        short texts (comments, titles) this costs a fraction of one
        :meth:`check` per text. `scene` as in :meth:`check`.

        Raises:
            InvalidTextError: a text is a str with a lone surrogate.
            MatchLimitError: a rule gave up on some texts; every text was
                checked all the same. It has ``verdicts`` (the whole list,
                as returned otherwise; those texts' actions are at least
                ``"review"``) and ``incomplete`` (the indices of those texts).
        """
        policy = self._policy_of(scene)
        items = [_encode(text) + (text,) for text in texts]
        n = len(items)
        if n == 0:
            return []
        datas = (ctypes.c_char_p * n)(*[data for data, _, _ in items])
        lens = (c_size_t * n)(*[len(data) for data, _, _ in items])
        verdicts = (c_uint32 * n)()
        statuses = (ctypes.c_int32 * n)()
        offsets = (c_size_t * (n + 1))()
        flags = SCAN_OVERLAPPING if overlapping else 0
        cap = max(_INITIAL_HITS, 2 * n)
        while True:
            hits = (shai_hit * cap)()
            if policy is None:
                status = self._lib.check_batch_with(
                    self._handle, _scratch.c_for(self._lib), datas, lens, n, flags, verdicts,
                    statuses, hits, cap, offsets,
                )
            else:
                status = self._lib.check_batch_policy(
                    self._handle, policy._ptr, _scratch.c_for(self._lib), datas, lens, n, flags,
                    verdicts, statuses, hits, cap, offsets,
                )
            if status != E_BUFFER_TOO_SMALL and offsets[n] <= cap:
                break
            cap = offsets[n]
        if status not in (OK, E_MATCH_LIMIT):
            raise _status_error(self._lib, status, "check failed")
        total = offsets[n]
        raw = list(_HIT_STRUCT.iter_unpack(memoryview(hits).cast("B")[: total * HIT_SIZE]))
        actions = self._lib.action_names
        result = []
        for i, (data, is_str, text) in enumerate(items):
            mine = raw[offsets[i] : offsets[i + 1]]
            found = self._make_hits(text, data, is_str, mine) if mine else []
            result.append(Verdict(actions[verdicts[i]], found))
        if status == E_MATCH_LIMIT:
            exc = _status_error(self._lib, status, "check failed")
            exc.verdicts = result  # type: ignore[attr-defined]
            exc.incomplete = [i for i in range(n) if statuses[i] == E_MATCH_LIMIT]  # type: ignore[attr-defined]
            raise exc
        return result

    @overload
    def mask(self, text: str, char: str = "*", *, scene: Scene = None) -> str: ...
    @overload
    def mask(self, text: Union[bytes, bytearray, memoryview], char: str = "*", *, scene: Scene = None) -> bytes: ...

    def mask(self, text: Text, char: str = "*", *, scene: Scene = None) -> Union[str, bytes]:
        """`text` with every code point of every violation (as in
        :meth:`check`, under `scene`) replaced by `char`. Returns the same
        type as `text`."""
        if not isinstance(char, str) or len(char) != 1 or 0xD800 <= ord(char) <= 0xDFFF:
            raise InvalidArgumentError(
                f"char must be one Unicode character, not {char!r}", E_INVALID_ARG, "E_INVALID_ARG"
            )
        policy = self._policy_of(scene)
        data, is_str = _encode(text)
        lib = self._lib
        sc = _scratch
        out_len = sc.out_len
        # A masked code point (at least one byte) becomes len(char) bytes: room
        # for the worst case, unless that is large; then C tells the size.
        width = len(char.encode("utf-8"))
        cap = len(data) + 1 if width == 1 or len(data) > 1 << 20 else len(data) * width + 1
        while True:
            out = ctypes.create_string_buffer(cap)
            if policy is None:
                status = lib.mask_with(
                    self._handle, sc.c_for(lib), data, len(data), ord(char), out, cap, sc.out_len_p
                )
            else:
                status = lib.mask_policy(
                    self._handle, policy._ptr, sc.c_for(lib), data, len(data), ord(char), out, cap,
                    sc.out_len_p,
                )
            if status == 0:
                break
            if status != E_BUFFER_TOO_SMALL or out_len.value + 1 <= cap:
                raise _status_error(lib, status, "mask failed")
            cap = out_len.value + 1
        result = ctypes.string_at(out, out_len.value)
        return result.decode("utf-8") if is_str else result


def fold(text: Text, stages: Union[Fold, int] = Fold.ALL) -> Union[str, bytes]:
    """What the matcher sees of `text` under the fold `stages`: ignorable
    characters dropped, noise characters kept, invalid UTF-8 as U+FFFD.
    Returns the same type as `text`. For looking into why something (does
    not) match; offsets in it do not map to `text`.

    >>> fold("賭博 ＶＰＮ")
    '赌博 vpn'
    """
    lib = _capi.get()
    data, is_str = _encode(text)
    try:
        bits = _fold_value(stages)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"stages={stages!r}: {exc}", E_INVALID_ARG, "E_INVALID_ARG") from None
    out_len = c_size_t()
    cap = 2 * len(data) + 16
    while True:
        out = ctypes.create_string_buffer(cap)
        status = lib.fold(bits, data, len(data), out, cap, byref(out_len))
        if status == 0:
            break
        if status != E_BUFFER_TOO_SMALL or out_len.value + 1 <= cap:
            raise _status_error(lib, status, "fold failed")
        cap = out_len.value + 1
    result = ctypes.string_at(out, out_len.value)
    return result.decode("utf-8") if is_str else result


def fold_table_version() -> str:
    """Version of the fold tables built into libshai, e.g.
    ``"shai-fold-3 unicode 15.0 icu 72.1"``."""
    return (_capi.get().cdll.shai_fold_table_version() or b"").decode("utf-8", "replace")


class Entries(Sequence[Entry]):
    """The entries of a :class:`Db` (a read-only sequence)."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    def __len__(self) -> int:
        return self._db._n_entries

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> List[Entry]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[Entry, List[Entry]]:
        n = self._db._n_entries
        if isinstance(index, slice):
            return [self._db._entry(i) for i in range(*index.indices(n))]
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("entry index out of range")
        return self._db._entry(i)

    def __iter__(self) -> Iterator[Entry]:
        for i in range(self._db._n_entries):
            yield self._db._entry(i)

    def __repr__(self) -> str:
        return f"<shai.Entries of {self._db!r}>"
