"""``python3 -m shai``: the CLI's ``scan`` for quick use from Python."""

from __future__ import annotations

import argparse
import bisect
import os
import sys
from typing import IO, Optional, Sequence, Tuple

from . import __version__, library_version
from ._db import Db, Hit
from ._errors import Error, MatchLimitError

EXIT_CLEAN = 0
EXIT_HITS = 1
EXIT_ERROR = 2
STDIN_NAME = "<stdin>"

_INVALID_BYTES = range(0xDC80, 0xDD00)  # what surrogateescape makes of invalid bytes

# JSON string escapes, byte for byte those of the C CLI (cli_json_string).
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in list(range(0x20)) + [0x7F, 0x2028, 0x2029]}
_JSON_ESCAPES.update({0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_JSON_ESCAPES.update({c: "\\ufffd" for c in _INVALID_BYTES})
_TEXT_ESCAPES = {c: f"\\x{c:02x}" for c in list(range(0x20)) + [0x7F]}
_TEXT_ESCAPES.update({c: f"\\x{c - 0xDC00:02x}" for c in _INVALID_BYTES})


def _escaped(data: bytes) -> str:
    """Bytes for a human, as the C CLI writes them: valid UTF-8 as is,
    control characters and invalid bytes as \\xHH."""
    return data.decode("utf-8", "surrogateescape").translate(_TEXT_ESCAPES)


def _json(data: bytes) -> str:
    """A JSON string literal for bytes, as the C CLI writes it (invalid bytes
    as \\ufffd, one per byte)."""
    return '"' + data.decode("utf-8", "surrogateescape").translate(_JSON_ESCAPES) + '"'


class _Lines:
    """Byte offset -> (1-based line, 1-based column in code points; each
    invalid byte is one column)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0]
        find = data.find
        i = find(b"\n")
        while i >= 0:
            self.starts.append(i + 1)
            i = find(b"\n", i + 1)

    def position(self, offset: int) -> Tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        start = self.starts[line - 1]
        column = len(self.data[start:offset].decode("utf-8", "surrogateescape")) + 1
        return line, column


def _print_hits(name: str, data: bytes, hits: Sequence[Hit], args: argparse.Namespace, out: IO[bytes]) -> bool:
    """Print the violations in `data`; True when there was at least one."""
    if not hits:
        return False
    lines = _Lines(data)
    write = out.write
    jsonl = args.format == "jsonl"
    quoted_name = _json(name.encode("utf-8", "surrogateescape"))
    for hit in hits:
        line, column = lines.position(hit.byte_start)
        matched = data[hit.byte_start : hit.byte_end]
        if jsonl:
            record = (
                f'{{"file":{quoted_name},"line":{line},"col":{column},'
                f'"start":{hit.byte_start},"end":{hit.byte_end},"text":{_json(matched)},'
                f'"entry":{_json(hit.entry.encode())},"category":{_json(hit.category.encode())},'
                f'"action":"{hit.action}"'
            )
            if hit.tag is not None:
                record += f',"tag":{_json(hit.tag.encode())}'
            if hit.suggestion is not None:
                record += f',"suggestion":{_json(hit.suggestion.encode())}'
            write((record + "}\n").encode("utf-8", "surrogateescape"))
        else:
            write(
                f"{name}:{line}:{column}: {_escaped(matched)} [{hit.category}/{hit.action}]\n".encode(
                    "utf-8", "surrogateescape"
                )
            )
    return True



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m shai",
        description="Screen Chinese and mixed text against a sensitive-word lexicon "
        "(Python mirror of the shai CLI).",
    )
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = sub.add_parser(
        "scan",
        help="print every violation as FILE:LINE:COL: MATCH [CATEGORY/ACTION]",
        description="Screen each FILE (none or '-': standard input, named <stdin>) and "
        "print every violation -- a hit of a deny entry that no allow entry covers -- as "
        "FILE:LINE:COL: MATCH [CATEGORY/ACTION], or with --format jsonl one JSON object "
        "per hit (file, line, col, start, end (byte offsets), text, entry, category, "
        "action, tag, suggestion), exactly as the shai CLI does. Exit status: 0 no hit, "
        "1 some hit, 2 error.",
    )
    scan.add_argument(
        "-l",
        "--lexicon",
        action="append",
        default=[],
        metavar="PATH",
        help="lexicon file or directory (repeatable; default: the default lexicon, "
        "$SHAI_DEFAULT_LEXICON)",
    )
    scan.add_argument("-f", "--format", choices=("text", "jsonl"), default="text")
    scan.add_argument(
        "--overlapping",
        action="store_true",
        help="every occurrence of every entry (default: leftmost-longest, non-overlapping)",
    )
    scan.add_argument("files", nargs="*", metavar="FILE", help="files to scan; '-' or none: stdin")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        try:
            lib = library_version()
        except Error as exc:
            lib = f"not loaded ({exc})"
        print(f"shai (Python) {__version__}, libshai {lib}")
        return EXIT_CLEAN
    if args.command != "scan":
        parser.print_usage(sys.stderr)
        print("python3 -m shai: error: a command is required (scan)", file=sys.stderr)
        return EXIT_ERROR

    try:
        # The default as the shai command finds it: a saved db when there
        # is one, not a compile of the default lexicon.
        db = Db.compile(args.lexicon) if args.lexicon else Db.default()
    except Error as exc:
        print(f"shai: {exc}", file=sys.stderr)
        return EXIT_ERROR

    out = sys.stdout.buffer
    status = EXIT_CLEAN
    # Read every input, then check them all in one call into libshai.
    inputs = []  # (name, data, or None with the error)
    for path in args.files or ["-"]:
        name = STDIN_NAME if path == "-" else path
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as f:
                    data = f.read()
            inputs.append((name, data, None))
        except OSError as exc:
            inputs.append((name, None, exc.strerror or str(exc)))
    incomplete = set()
    try:
        checked = db.check_batch([data for _, data, _ in inputs if data is not None],
                                 overlapping=args.overlapping)
    except MatchLimitError as exc:
        # every input was checked; those where a rule gave up are named
        # below, and the run exits 2 as the shai command does
        checked, incomplete = exc.verdicts, set(exc.incomplete)
    except Error as exc:
        print(f"shai: {exc}", file=sys.stderr)
        return EXIT_ERROR
    verdicts = iter(enumerate(checked))
    try:
        for name, data, error in inputs:
            if data is None:
                out.flush()
                print(f"shai: {name}: {error}", file=sys.stderr)
                status = EXIT_ERROR
                continue
            index, verdict = next(verdicts)
            if _print_hits(name, data, verdict.hits, args, out) and status == EXIT_CLEAN:
                status = EXIT_HITS
            if index in incomplete:
                out.flush()
                print(f"shai: {name}: a regular expression rule hit its match limit; "
                      "it may hold more hits", file=sys.stderr)
                status = EXIT_ERROR
        out.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    return status
