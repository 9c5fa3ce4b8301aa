"""Exceptions raised by shai."""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "Error",
    "LexiconError",
    "FileError",
    "InvalidArgumentError",
    "OptionError",
    "InvalidTextError",
    "NoMemoryError",
    "LibraryError",
    "BadDbError",
    "DbVersionError",
    "MatchLimitError",
]


class Error(Exception):
    """Base class of every error raised by shai.

    Attributes:
        status: the C status code (a negative ``SHAI_E_*`` value), or None when
            the binding detected the problem itself and no C status applies.
        status_name: the short name of the status, e.g. ``"E_LEXICON"``
            (``None`` with ``status``).
        message: the complete message, as ``str(error)``.
        file, line, column: where in a lexicon source the error is, when it
            is about one (else None). ``line`` and ``column`` are 1-based, the
            column counted in code points.
    """

    status: Optional[int]
    status_name: Optional[str]
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]

    def __init__(
        self,
        message: str,
        status: Optional[int] = None,
        status_name: Optional[str] = None,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = status_name
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message


class LexiconError(Error, ValueError):
    """A lexicon source or a word is malformed (SHAI_E_LEXICON, E_BAD_UTF8,
    E_EMPTY_ENTRY, E_ENTRY_TOO_LONG, E_TOO_LARGE, E_REGEX). ``file``, ``line`` and
    ``column`` locate it when it comes from a lexicon source; the message is
    then ``file:line:col: what``."""


class FileError(Error, OSError):
    """A lexicon file or directory cannot be read (SHAI_E_IO), or the default
    lexicon cannot be found. ``file`` (and ``filename``) name it when known."""

    def __init__(self, message: str, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        Error.__init__(self, message, *args, **kwargs)
        self.filename = self.file

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """A bad argument (SHAI_E_INVALID_ARG, E_OUT_OF_RANGE, E_STATE), e.g. an
    unknown word attribute or a bad mask character."""


class OptionError(InvalidArgumentError):
    """An unknown compile option or a bad option value (SHAI_E_BAD_OPTION)."""


class InvalidTextError(Error, ValueError):
    """A ``str`` that cannot be encoded as UTF-8: it contains a lone surrogate
    (status SHAI_E_BAD_UTF8). ``index`` is its position in the string.

    ``bytes`` input is never rejected: invalid UTF-8 bytes are scanned as
    separate non-word characters."""

    index: int

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message, -5, "E_BAD_UTF8")
        self.index = index


class BadDbError(Error, ValueError):
    """A saved db is not a shai db, or is truncated or corrupted
    (SHAI_E_BAD_DB). ``file`` names it when it was read from a file."""


class DbVersionError(BadDbError):
    """A saved db of an unsupported format version or platform
    (SHAI_E_DB_VERSION): compile it again with this libshai."""


class MatchLimitError(Error, RuntimeError):
    """A regular-expression rule hit its match limit while scanning
    (SHAI_E_MATCH_LIMIT). The rule skipped the start that gave up and went
    on, so no other hit was lost, but the text was not screened in full.
    Raised by :meth:`Db.check` it has ``verdict``: the hits found, with an
    action of at least ``"review"`` (never ``"pass"``); by :meth:`Db.scan`,
    ``hits``: every hit found; by :meth:`Db.check_batch`, ``verdicts`` (one
    per text, as it returns them) and ``incomplete`` (the indices of the
    texts where a rule gave up)."""

    verdict: Any = None
    hits: Any = None
    verdicts: Any = None
    incomplete: Any = None
    _raw: Any = None


class NoMemoryError(Error, MemoryError):
    """The C library ran out of memory (SHAI_E_NOMEM)."""


class LibraryError(Error, OSError):
    """libshai cannot be found or loaded, or is an incompatible version. The
    message lists every place that was tried."""

    def __str__(self) -> str:
        return self.message
