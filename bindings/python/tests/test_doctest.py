"""The examples in the docstrings run."""

import doctest

import _support  # noqa: F401  (puts this tree's shai first on sys.path)

import shai


def load_tests(loader, tests, ignore):
    tests.addTests(doctest.DocTestSuite(shai))
    return tests
