"""A PEP 517 / PEP 660 build backend for the pure-Python ``shai`` package,
using the standard library only.

Why not setuptools: with build isolation (plain ``pip install``), pip first
downloads the backend named in ``[build-system] requires`` into a fresh
environment. shai must install offline, so the backend lives in the tree
(``backend-path``) and needs nothing: ``pip install bindings/python`` and
``pip install --no-build-isolation bindings/python`` both work without a
network, on any Python >= 3.9 and pip >= 21.

It builds a ``py3-none-any`` wheel of the ``shai`` package (every file under
``shai/`` except caches), an sdist of the project folder, and an editable
wheel that points a ``.pth`` file at this folder. Metadata comes from
``pyproject.toml`` ([project]) and the version from ``shai/__init__.py``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "shai"
TAG = "py3-none-any"
# Files of the project folder that go into an sdist (besides the package).
SDIST_EXTRA = ["pyproject.toml", "README.md", "_build_backend", "examples", "tests", "bench_overhead.py"]
EXCLUDED_DIRS = {"__pycache__", "build", "dist", ".mypy_cache", ".pytest_cache"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".so", ".egg-info")


# ---------------------------------------------------------------- metadata


def _project_table() -> Dict[str, object]:
    """The [project] table of pyproject.toml."""
    path = os.path.join(ROOT, "pyproject.toml")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        import tomllib  # Python >= 3.11
    except ImportError:
        return _parse_project_table(raw.decode("utf-8"))
    return dict(tomllib.loads(raw.decode("utf-8")).get("project", {}))


def _parse_project_table(text: str) -> Dict[str, object]:
    """Enough TOML for our own [project] table on Python < 3.11: `key =
    "string"`, `key = ["string", ...]` (on one or more lines) and
    `key = {text = "..."}`."""
    table: Dict[str, object] = {}
    in_project = False
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            in_project = stripped == "[project]"
            continue
        if not in_project or not stripped or stripped.startswith("#"):
            continue
        key, _, value = stripped.partition("=")
        key, value = key.strip(), value.strip()
        if value.startswith("[") and not value.endswith("]"):
            for more in lines:
                value += " " + more.strip()
                if more.strip().endswith("]"):
                    break
        if value.startswith("["):
            table[key] = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
        elif value.startswith("{"):
            table[key] = dict(re.findall(r'(\w[\w-]*)\s*=\s*"((?:[^"\\]|\\.)*)"', value))
        elif value.startswith('"'):
            table[key] = re.match(r'"((?:[^"\\]|\\.)*)"', value).group(1)  # type: ignore[union-attr]
    return table


def _version() -> str:
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        match = re.search(r'^__version__\s*=\s*"([^"]+)"', f.read(), re.M)
    if not match:
        raise RuntimeError("no __version__ in shai/__init__.py")
    return match.group(1)


def _metadata() -> Tuple[str, str, str]:
    """(distribution name, version, METADATA text)."""
    project = _project_table()
    name = str(project["name"])
    version = _version()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
    ]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    license_ = project.get("license")
    if isinstance(license_, dict) and license_.get("text"):
        lines.append(f"License: {license_['text']}")
    for classifier in project.get("classifiers", []) or []:  # type: ignore[union-attr]
        lines.append(f"Classifier: {classifier}")
    body = ""
    readme = project.get("readme")
    if isinstance(readme, str) and os.path.exists(os.path.join(ROOT, readme)):
        lines.append("Description-Content-Type: text/markdown; charset=UTF-8")
        with open(os.path.join(ROOT, readme), encoding="utf-8") as f:
            body = f.read()
    return name, version, "\n".join(lines) + "\n\n" + body


def _dist_info_name(name: str, version: str) -> str:
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}.dist-info"


def _wheel_text() -> str:
    return (
        "Wheel-Version: 1.0\n"
        "Generator: shai_build_backend\n"
        "Root-Is-Purelib: true\n"
        f"Tag: {TAG}\n"
    )


# ------------------------------------------------------------------ wheel


def _package_files() -> List[Tuple[str, str]]:
    """(path on disk, path in the wheel) for every file of the package."""
    files = []
    base = os.path.join(ROOT, PACKAGE)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS)
        for filename in sorted(filenames):
            if filename.endswith(EXCLUDED_SUFFIXES):
                continue
            path = os.path.join(dirpath, filename)
            files.append((path, os.path.relpath(path, ROOT).replace(os.sep, "/")))
    return files


def _timestamp() -> Tuple[int, int, int, int, int, int]:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01
    return time.gmtime(max(epoch, 315532800))[:6]


class _WheelWriter:
    def __init__(self, path: str) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.record: List[str] = []
        self.stamp = _timestamp()

    def add(self, arcname: str, data: bytes) -> None:
        info = zipfile.ZipInfo(arcname, self.stamp)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.record.append(f"{arcname},sha256={digest},{len(data)}")

    def close(self, dist_info: str) -> None:
        record = f"{dist_info}/RECORD"
        self.record.append(f"{record},,")
        info = zipfile.ZipInfo(record, self.stamp)
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, "\n".join(self.record) + "\n", zipfile.ZIP_DEFLATED)
        self.zip.close()


def _write_dist_info(add, dist_info: str, metadata: str) -> None:  # type: ignore[no-untyped-def]
    add(f"{dist_info}/METADATA", metadata.encode("utf-8"))
    add(f"{dist_info}/WHEEL", _wheel_text().encode("utf-8"))
    add(f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8"))


def _build(wheel_directory: str, editable: bool) -> str:
    name, version, metadata = _metadata()
    dist_info = _dist_info_name(name, version)
    filename = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-{TAG}.whl"
    os.makedirs(wheel_directory, exist_ok=True)
    writer = _WheelWriter(os.path.join(wheel_directory, filename))
    try:
        if editable:
            writer.add(f"__editable__.{PACKAGE}.pth", (ROOT + "\n").encode("utf-8"))
        else:
            for path, arcname in _package_files():
                with open(path, "rb") as f:
                    writer.add(arcname, f.read())
        _write_dist_info(writer.add, dist_info, metadata)
    finally:
        writer.close(dist_info)
    return filename


def _prepare_metadata(metadata_directory: str) -> str:
    name, version, metadata = _metadata()
    dist_info = _dist_info_name(name, version)
    target = os.path.join(metadata_directory, dist_info)
    os.makedirs(target, exist_ok=True)

    def add(arcname: str, data: bytes) -> None:
        with open(os.path.join(metadata_directory, arcname), "wb") as f:
            f.write(data)

    _write_dist_info(add, dist_info, metadata)
    return dist_info


# ------------------------------------------------------------- PEP 517 hooks


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[dict] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    return _prepare_metadata(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    return _prepare_metadata(metadata_directory)


def build_wheel(
    wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None
) -> str:
    return _build(wheel_directory, editable=False)


def build_editable(
    wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None
) -> str:
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    name, version, metadata = _metadata()
    base = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    filename = f"{base}.tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    mtime = time.mktime(_timestamp() + (0, 0, -1))

    def keep(info: tarfile.TarInfo) -> Optional[tarfile.TarInfo]:
        parts = info.name.split("/")
        if any(p in EXCLUDED_DIRS for p in parts) or info.name.endswith(EXCLUDED_SUFFIXES):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = int(mtime)
        return info

    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for entry in [PACKAGE] + SDIST_EXTRA:
            path = os.path.join(ROOT, entry)
            if os.path.exists(path):
                tar.add(path, arcname=f"{base}/{entry}", filter=keep)
        data = metadata.encode("utf-8")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(data)
        info.mtime = int(mtime)
        tar.addfile(info, io.BytesIO(data))
    return filename
