#!/usr/bin/env python3
"""Checks lib/'s #include edges against the layering written in lib/README.md.

lib/README.md holds, between the lines `<!-- layers -->` and
`<!-- /layers -->`, one line per folder: `folder: the folders it may
include`. Every `#include "folder/..."` in lib/FOLDER/*.c|*.h must name
FOLDER itself or one of those; the table itself must have no cycle.

usage: check_layering.py LIBDIR            check the tree
       check_layering.py --self-test LIBDIR also prove that a forbidden
                                           edge is caught (on a copy)
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/[^"]+"', re.M)


def read_table(libdir):
    path = os.path.join(libdir, "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- layers -->(.*?)<!-- /layers -->", text, re.S)
    if not m:
        raise SystemExit(f"{path}: no <!-- layers --> table")
    table = {}
    for n, line in enumerate(m.group(1).splitlines(), 1):
        line = line.strip().strip("`")
        if not line or line.startswith("```"):
            continue
        name, sep, deps = line.partition(":")
        if not sep:
            raise SystemExit(f"{path}: table line '{line}' is not 'folder: deps'")
        table[name.strip()] = set(deps.split())
    return table


def cycles(table):
    state = {}
    found = []

    def visit(node, stack):
        state[node] = 1
        for dep in sorted(table.get(node, ())):
            if state.get(dep) == 1:
                found.append(stack[stack.index(dep):] + [dep] if dep in stack else [node, dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(table):
        if node not in state:
            visit(node, [node])
    return found


def check(libdir):
    table = read_table(libdir)
    problems = []
    for cyc in cycles(table):
        problems.append("lib/README.md: the layers form a cycle: " + " -> ".join(cyc))
    folders = sorted(d for d in os.listdir(libdir) if os.path.isdir(os.path.join(libdir, d)))
    for folder in folders:
        if folder not in table:
            problems.append(f"lib/{folder}/: not in lib/README.md's layer table")
            continue
        for name in sorted(os.listdir(os.path.join(libdir, folder))):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(libdir, folder, name), encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                dep = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                if dep != folder and dep not in table[folder]:
                    problems.append(f"lib/{folder}/{name}:{line}: includes {dep}/, "
                                    f"which lib/README.md does not allow for {folder}/")
    return problems


def self_test(libdir):
    """A forbidden edge planted in a copy must be reported."""
    table = read_table(libdir)
    lowest = [f for f in table if not table[f]]
    highest = [f for f in table if not any(f in deps for deps in table.values())]
    if not lowest or not highest or lowest[0] == highest[0]:
        raise SystemExit("self-test: the table has no distinct lowest and highest layer")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "lib")
        shutil.copytree(libdir, copy)
        victim = os.path.join(copy, lowest[0], "planted_edge.h")
        with open(victim, "w", encoding="utf-8") as f:
            f.write(f'#include "{highest[0]}/anything.h"\n')
        got = check(copy)
        if not any("planted_edge.h" in p for p in got):
            raise SystemExit("self-test: a forbidden edge was not reported")


def main(argv):
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 1:
        raise SystemExit(__doc__)
    libdir = args[0]
    if "--self-test" in argv:
        self_test(libdir)
    problems = check(libdir)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("layering: every #include of lib/ follows lib/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
