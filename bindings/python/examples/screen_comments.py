#!/usr/bin/env python3
"""Screen user comments the way a backend does before showing them.

Reads JSONL, one comment per line: {"id": ..., "text": ...}, from FILEs or
standard input, and writes one JSON verdict per comment:

    {"id": 3, "verdict": "block", "masked": "加我一起****", "hits": [
        {"start": 4, "end": 8, "text": "网上赌场", "category": "gambling",
         "action": "block"}]}

`start`/`end` index the comment's text as a (Python / JSON) string, so a
front end can highlight the hits. A summary goes to standard error.

A comment on which a regular-expression rule hits its match limit (padding
chosen to make a badly written rule backtrack) is not screened in full: it
gets the hits found and a verdict of at least "review", never "pass", with
"incomplete": true and no "masked" text; it is reported on standard error,
and the next comments are screened as usual.

    python3 examples/screen_comments.py comments.jsonl
    python3 examples/screen_comments.py --lexicon wordlists/ --lexicon extra.txt < comments.jsonl

Exit status: 0 when every line was screened, 2 when some line was not a
comment (reported on standard error, and skipped) or was not screened in
full.
"""

import argparse
import collections
import json
import sys
from typing import Any, Dict, Iterable, Iterator, Tuple

import shai


def read_comments(paths: Iterable[str]) -> Iterator[Tuple[str, int, bytes]]:
    """(file name, line number, line) for every line of every input."""
    for path in paths:
        if path == "-":
            for number, line in enumerate(sys.stdin.buffer, 1):
                yield "<stdin>", number, line
        else:
            with open(path, "rb") as f:
                for number, line in enumerate(f, 1):
                    yield path, number, line


def screen(db: shai.Db, comment: Dict[str, Any]) -> Dict[str, Any]:
    """The verdict record for one comment."""
    text = comment["text"]
    incomplete = False
    try:
        verdict = db.check(text)
    except shai.MatchLimitError as exc:
        verdict = exc.verdict  # the hits found; at least "review"
        incomplete = True
    record: Dict[str, Any] = {"id": comment.get("id"), "verdict": verdict.action}
    if incomplete:
        record["incomplete"] = True
    if verdict.hits:
        if not incomplete:  # mask would hit the limit again
            record["masked"] = db.mask(text)
        record["hits"] = [
            {
                "start": h.start,
                "end": h.end,
                "text": h.text,
                "category": h.category,
                "action": h.action,
                **({"suggestion": h.suggestion} if h.suggestion else {}),
            }
            for h in verdict.hits
        ]
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexicon", action="append", default=[], metavar="PATH",
                        help="lexicon file or directory (repeatable; default: the default lexicon)")
    parser.add_argument("files", nargs="*", default=["-"], metavar="FILE")
    args = parser.parse_args()

    try:
        db = shai.Db.compile(args.lexicon) if args.lexicon else shai.Db.compile()
    except shai.Error as exc:
        print(f"screen_comments: {exc}", file=sys.stderr)
        return 2

    counts: Dict[str, int] = collections.Counter()
    status = 0
    out = sys.stdout
    for name, number, line in read_comments(args.files):
        if not line.strip():
            continue
        try:
            comment = json.loads(line)
            if not isinstance(comment, dict) or not isinstance(comment.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            record = screen(db, comment)
        except (ValueError, shai.InvalidTextError) as exc:  # JSONDecodeError is a ValueError
            print(f"screen_comments: {name}:{number}: skipped: {exc}", file=sys.stderr)
            counts["skipped"] += 1
            status = 2
            continue
        if record.get("incomplete"):
            print(f"screen_comments: {name}:{number}: not screened in full (a rule hit its match "
                  f"limit): {record['verdict']}", file=sys.stderr)
            counts["incomplete"] += 1
            status = 2
        counts[record["verdict"]] += 1
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    kinds = ("pass", "review", "block", "skipped")
    summary = ", ".join(f"{counts[k]} {k}" for k in kinds + ("incomplete",) if counts[k])
    total = sum(counts[k] for k in kinds)
    print(f"screen_comments: {total} comments: {summary or 'none'}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
