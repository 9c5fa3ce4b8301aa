"""``python3 -m shai scan [--lexicon P]... [--format text|jsonl] [--overlapping] [FILE|-]...``"""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
