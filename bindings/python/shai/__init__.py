"""shai (筛): screen Chinese and mixed text against a sensitive-word lexicon.

A thin ``ctypes`` binding over libshai (the C library)::

    >>> import shai
    >>> db = shai.Db.compile(words=["赌博", ("最好", {"category": "ad-law",
    ...                                              "action": "review",
    ...                                              "suggestion": "很好"})])
    >>> [(h.start, h.end, h.text) for h in db.scan("我爱赌博")]
    [(2, 4, '赌博')]
    >>> db.check("这是最好的").action
    'review'
    >>> db.mask("我爱赌博")
    '我爱**'

libshai is found through ``$SHAI_LIBRARY`` (a file or a directory), else the
dynamic loader (``libshai.so.0``), ``ctypes.util.find_library``, and the usual
install directories; :func:`load_library` names it explicitly. It is loaded on
first use, so ``import shai`` never fails for want of it.
"""

from __future__ import annotations

import os
from typing import Union

from . import _capi
from ._db import (
    DEFAULT_LEXICON_ENV,
    Db,
    Entries,
    Entry,
    Fold,
    Hit,
    Policy,
    Verdict,
    default_db_path,
    default_lexicon_path,
    fold,
    fold_table_version,
)
from ._errors import (
    BadDbError,
    DbVersionError,
    Error,
    FileError,
    InvalidArgumentError,
    InvalidTextError,
    LexiconError,
    LibraryError,
    MatchLimitError,
    NoMemoryError,
    OptionError,
)

__version__ = "0.2.0"

LIBRARY_ENV = _capi.LIBRARY_ENV

__all__ = [
    "Db",
    "Entries",
    "Entry",
    "Hit",
    "Policy",
    "Verdict",
    "Fold",
    "Error",
    "BadDbError",
    "DbVersionError",
    "MatchLimitError",
    "FileError",
    "InvalidArgumentError",
    "InvalidTextError",
    "LexiconError",
    "LibraryError",
    "NoMemoryError",
    "OptionError",
    "default_db_path",
    "default_lexicon_path",
    "fold",
    "fold_table_version",
    "library_path",
    "library_version",
    "load_library",
    "DEFAULT_LEXICON_ENV",
    "LIBRARY_ENV",
    "__version__",
]


def load_library(path: Union[str, "os.PathLike[str]"]) -> str:
    """Use the libshai at `path` (the library file, or a directory holding
    it) for every Db compiled from now on; Dbs compiled before keep theirs.
    Returns the version of the library, e.g. ``"0.2.0"``.

    Raises:
        LibraryError: it cannot be loaded or is an incompatible version.
    """
    return _capi.load(path).version


def library_path() -> str:
    """The file libshai was loaded from (loading it if needed)."""
    return _capi.get().path


def library_version() -> str:
    """The version of libshai in use, e.g. ``"0.2.0"`` (loading it if needed)."""
    return _capi.get().version
