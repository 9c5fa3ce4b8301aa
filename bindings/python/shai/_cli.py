"""``python3 -m shai``: the CLI's ``scan`` for quick use from Python."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Optional, Sequence

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


def _columns(line: bytes, starts: Sequence[int]) -> dict:
    """Byte offset in `line` -> 1-based column in code points (each invalid
    byte one column), for every offset of `starts`: one pass over the line,
    however many hits it holds."""
    columns = {}
    at, column = 0, 1
    for start in sorted(set(starts)):
        column += len(line[at:start].decode("utf-8", "surrogateescape"))
        columns[start] = column
        at = start
    return columns


def _print_hits(name: str, quoted_name: str, number: int, offset: int, line: bytes,
                hits: Sequence[Hit], args: argparse.Namespace, out: IO[bytes]) -> bool:
    """Print the violations of one line (line `number` of its file, at byte
    `offset`); True when there was at least one."""
    if not hits:
        return False
    if not args.overlapping:
        hits = _select(hits)
    write = out.write
    jsonl = args.format == "jsonl"
    columns = _columns(line, [hit.byte_start for hit in hits])
    for hit in hits:
        column = columns[hit.byte_start]
        matched = line[hit.byte_start : hit.byte_end]
        if jsonl:
            record = (
                f'{{"file":{quoted_name},"line":{number},"col":{column},'
                f'"start":{offset + hit.byte_start},"end":{offset + hit.byte_end},'
                f'"text":{_json(matched)},'
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
                f"{name}:{number}:{column}: {_escaped(matched)} [{hit.category}/{hit.action}]\n".encode(
                    "utf-8", "surrogateescape"
                )
            )
    return True


def _select(hits: Sequence[Hit]) -> Sequence[Hit]:
    """One leftmost-longest selection over a line's word and rule hits, as
    `shai scan` makes in its default mode: by start, longer first, then in
    the library's order; a hit that starts inside a kept one is dropped."""
    order = sorted(range(len(hits)), key=lambda i: (hits[i].byte_start, -hits[i].byte_end, i))
    kept, reach = [], 0
    for i in order:
        if kept and hits[i].byte_start < reach:
            continue
        kept.append(hits[i])
        reach = hits[i].byte_end
    return kept


# Lines go to libshai in batches of at most this many lines or bytes: one
# crossing per batch, and memory bounded by a batch (and the longest line).
_BATCH_LINES = 4096
_BATCH_BYTES = 1 << 20
_LIMIT_MESSAGE = "a regular expression rule hit its match limit; the line may hold more hits"


def _scan_file(db: Db, name: str, f: IO[bytes], args: argparse.Namespace, out: IO[bytes]) -> int:
    """Check the lines of `f` in batches and print their violations as the
    shai command does; returns the exit status for this file. Raises
    OSError when reading fails, Error when libshai does."""
    status = EXIT_CLEAN
    quoted_name = _json(name.encode("utf-8", "surrogateescape"))
    number = 0  # lines before the batch
    offset = 0  # bytes before the batch
    batch: list = []
    size = 0

    def flush() -> None:
        nonlocal status, number, offset, batch, size
        if not batch:
            return
        texts = [line[:-1] if line.endswith(b"\n") else line for line in batch]
        incomplete: set = set()
        try:
            checked = db.check_batch(texts, overlapping=args.overlapping)
        except MatchLimitError as exc:
            checked, incomplete = exc.verdicts, set(exc.incomplete)
        for i, (line, verdict) in enumerate(zip(texts, checked)):
            if _print_hits(name, quoted_name, number + i + 1, offset, line, verdict.hits, args, out):
                if status == EXIT_CLEAN:
                    status = EXIT_HITS
            offset += len(batch[i])
        for i in sorted(incomplete):
            out.flush()
            print(f"shai: {name}:{number + i + 1}: {_LIMIT_MESSAGE}", file=sys.stderr)
            status = EXIT_ERROR
        number += len(batch)
        batch, size = [], 0

    for line in f:
        batch.append(line)
        size += len(line)
        if len(batch) >= _BATCH_LINES or size >= _BATCH_BYTES:
            flush()
    flush()
    return status


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
        "-L",
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
    try:
        # each input line by line, in batches: memory bounded by a batch
        for path in args.files or ["-"]:
            name = STDIN_NAME if path == "-" else path
            try:
                if path == "-":
                    file_status = _scan_file(db, name, sys.stdin.buffer, args, out)
                else:
                    with open(path, "rb") as f:
                        file_status = _scan_file(db, name, f, args, out)
            except OSError as exc:
                if isinstance(exc, BrokenPipeError):
                    raise
                out.flush()
                print(f"shai: {name}: {exc.strerror or exc}", file=sys.stderr)
                file_status = EXIT_ERROR
            except Error as exc:
                out.flush()
                print(f"shai: {name}: {exc}", file=sys.stderr)
                file_status = EXIT_ERROR
            status = max(status, file_status)
        out.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    return status
