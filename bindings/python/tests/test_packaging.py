"""The in-tree build backend (stdlib only, so pip needs no network)."""

import base64
import hashlib
import importlib
import os
import sys
import tarfile
import tempfile
import unittest
import zipfile

from _support import PACKAGE_DIR

import shai

sys.path.insert(0, os.path.join(PACKAGE_DIR, "_build_backend"))
backend = importlib.import_module("shai_build_backend")


class BackendTest(unittest.TestCase):
    def test_fallback_toml_parser_agrees_with_tomllib(self):
        try:
            import tomllib
        except ImportError:
            self.skipTest("tomllib needs Python 3.11")
        with open(os.path.join(PACKAGE_DIR, "pyproject.toml"), "rb") as f:
            raw = f.read()
        expected = tomllib.loads(raw.decode())["project"]
        self.assertEqual(backend._parse_project_table(raw.decode()), expected)

    def test_version_comes_from_the_package(self):
        name, version, metadata = backend._metadata()
        self.assertEqual((name, version), ("shai", shai.__version__))
        self.assertIn("Requires-Python: >=3.9", metadata)

    def test_wheel(self):
        with tempfile.TemporaryDirectory() as tmp:
            filename = backend.build_wheel(tmp)
            self.assertEqual(filename, f"shai-{shai.__version__}-py3-none-any.whl")
            with zipfile.ZipFile(os.path.join(tmp, filename)) as whl:
                names = whl.namelist()
                self.assertIn("shai/__init__.py", names)
                self.assertIn("shai/py.typed", names)
                self.assertFalse([n for n in names if "__pycache__" in n or n.endswith(".pyc")])
                dist_info = f"shai-{shai.__version__}.dist-info"
                record = whl.read(f"{dist_info}/RECORD").decode().splitlines()
                self.assertEqual(len(record), len(names))
                for line in record:
                    path, digest, size = line.rsplit(",", 2)
                    if path.endswith("RECORD"):
                        continue
                    data = whl.read(path)
                    self.assertEqual(int(size), len(data))
                    expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    self.assertEqual(digest, "sha256=" + expected)
                self.assertIn("Root-Is-Purelib: true", whl.read(f"{dist_info}/WHEEL").decode())

    def test_editable_wheel_points_here(self):
        with tempfile.TemporaryDirectory() as tmp:
            filename = backend.build_editable(tmp)
            with zipfile.ZipFile(os.path.join(tmp, filename)) as whl:
                pth = [n for n in whl.namelist() if n.endswith(".pth")]
                self.assertEqual(len(pth), 1)
                self.assertEqual(whl.read(pth[0]).decode().strip(), PACKAGE_DIR)

    def test_sdist(self):
        with tempfile.TemporaryDirectory() as tmp:
            filename = backend.build_sdist(tmp)
            with tarfile.open(os.path.join(tmp, filename)) as tar:
                names = tar.getnames()
            base = f"shai-{shai.__version__}"
            for needed in ("pyproject.toml", "PKG-INFO", "shai/__init__.py",
                           "_build_backend/shai_build_backend.py", "tests/test_scan.py"):
                self.assertIn(f"{base}/{needed}", names)

    def test_no_build_requirements(self):
        self.assertEqual(backend.get_requires_for_build_wheel(), [])
        self.assertEqual(backend.get_requires_for_build_editable(), [])


if __name__ == "__main__":
    unittest.main()
