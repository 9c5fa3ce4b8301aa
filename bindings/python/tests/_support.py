"""Shared set-up of the binding's tests: import shai from this source tree,
and the test lexicon."""

import os
import subprocess
import sys
from typing import Dict, List, Optional

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(TESTS_DIR)
DATA_DIR = os.path.join(TESTS_DIR, "data")
LEXICON_DIR = os.path.join(DATA_DIR, "lexicon")
SAMPLE = os.path.join(DATA_DIR, "sample.txt")

# Test this tree's package, not an installed one.
if sys.path[:1] != [PACKAGE_DIR]:
    sys.path.insert(0, PACKAGE_DIR)

import shai  # noqa: E402

_db: Optional[shai.Db] = None


def lexicon_db() -> shai.Db:
    """The test lexicon (tests/data/lexicon), compiled once."""
    global _db
    if _db is None:
        _db = shai.Db.compile(LEXICON_DIR)
    return _db


def child_env(**changes: Optional[str]) -> Dict[str, str]:
    """os.environ for a child Python that imports this tree's shai; a value of
    None removes the variable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(args: List[str], input: Optional[bytes] = None, **env: Optional[str]) -> subprocess.CompletedProcess:
    """Run `python3 args...` with this tree's shai importable."""
    return subprocess.run(
        [sys.executable] + args,
        input=input,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(**env),
        timeout=120,
    )
