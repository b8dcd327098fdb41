# SPDX-License-Identifier: MIT
"""An in-tree PEP 517 build backend for `pip install <source tree>`.

Standard library only, so that pip needs nothing from PyPI: Debian 12's
cmake, g++, pybind11-dev, python3-dev and the engine's -dev packages are all
it uses. (setuptools and meson-python would each be a build requirement
that pip fetches into its isolated build environment, and scikit-build-core
is not packaged in Debian 12.) It configures the project with CMake (tests,
benchmarks and the command off), builds the `meshsentry_python` target,
which assembles the package in <build>/python/meshsentry, and zips that
into a wheel.

Environment:
  MESHSENTRY_BUILD_DIR        build there and keep it (a configured build
                              folder is reused as it is: its compiled engine
                              makes a rebuild take seconds)
  CMAKE_BUILD_PARALLEL_LEVEL  compile jobs (default: all CPUs)
  CMAKE_CXX_COMPILER_LAUNCHER e.g. ccache
"""
from __future__ import annotations

import base64
import hashlib
import importlib.machinery
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
NAME = "meshsentry"
PACKAGE_FILES = ("__init__.py", "_results.py", "dask.py", "_meshsentry.pyi", "py.typed")
# Zip entries get one fixed time, so that one build gives one wheel.
EPOCH = (1980, 1, 1, 0, 0, 0)


def _version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*meshsentry\s+VERSION\s+([0-9.]+)", text)
    if not m:
        raise RuntimeError("no project(meshsentry VERSION ...) in CMakeLists.txt")
    return m.group(1)


def _dist_info() -> str:
    return f"{NAME}-{_version()}.dist-info"


def _tag() -> str:
    """The wheel's tag: this interpreter's, and this platform's."""
    if sys.implementation.name != "cpython":
        raise RuntimeError("meshsentry's extension module is built for CPython only")
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    plat = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return f"{py}-{py}{sys.abiflags}-{plat}"


def _metadata() -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {_version()}\n"
        "Summary: Find known part geometry in 3D files (STL, 3MF, OBJ, G-code, archives)\n"
        "License: MIT\n"
        "Requires-Python: >=3.8\n"
        "Provides-Extra: numpy\n"
        "Requires-Dist: numpy; extra == 'numpy'\n"
        "Provides-Extra: dask\n"
        "Requires-Dist: distributed; extra == 'dask'\n"
        "\n"
        "Python bindings of the meshsentry engine; see docs/python.md.\n"
    )


def _wheel_file() -> str:
    return f"Wheel-Version: 1.0\nGenerator: meshsentry_build\nRoot-Is-Purelib: false\nTag: {_tag()}\n"


def _run(cmd: List[str]) -> None:
    print("meshsentry_build:", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=sys.stderr)


def _build(build_dir: Path) -> Path:
    """Configure (unless already configured) and build the extension;
    returns the folder holding the assembled package."""
    if not (build_dir / "CMakeCache.txt").exists():
        print(
            "meshsentry_build: compiling the engine with CMake in %s: minutes on one core"
            " (MESHSENTRY_BUILD_DIR keeps and reuses a build)" % build_dir,
            file=sys.stderr,
            flush=True,
        )
        _run(
            [
                "cmake", "-S", str(ROOT), "-B", str(build_dir),
                "-DCMAKE_BUILD_TYPE=Release",
                "-DMESHSENTRY_TESTS=OFF", "-DMESHSENTRY_BENCH=OFF", "-DMESHSENTRY_CLI=OFF",
                "-DMESHSENTRY_PYTHON=ON",
                f"-DPython3_EXECUTABLE={sys.executable}",
            ]
        )
    elif "MESHSENTRY_PYTHON:BOOL=OFF" in (build_dir / "CMakeCache.txt").read_text(errors="replace"):
        # A reused build folder configured without the module (say, before
        # pybind11-dev was installed).
        _run(["cmake", "-B", str(build_dir), "-DMESHSENTRY_PYTHON=ON"])
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    _run(["cmake", "--build", str(build_dir), "--target", "meshsentry_python", "--parallel", jobs])
    package = build_dir / "python" / NAME
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    if not (package / f"_meshsentry{suffix}").exists():
        built = sorted(p.name for p in package.glob("_meshsentry*"))
        raise RuntimeError(
            f"{package} has {built or 'no extension'}, not _meshsentry{suffix} for {sys.executable}:"
            " that build folder was configured for another Python"
        )
    return package


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write_wheel(path: Path, files: List[Tuple[str, bytes, int]]) -> None:
    """files: (name in the wheel, content, mode); RECORD is added last."""
    record = _dist_info() + "/RECORD"
    lines = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
            lines.append(f"{name},{_record_hash(data)},{len(data)}")
        lines.append(f"{record},,")
        info = zipfile.ZipInfo(record, EPOCH)
        info.external_attr = 0o100644 << 16
        zf.writestr(info, "\n".join(lines) + "\n")


# PEP 517 hooks.


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, str]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, str]] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: Optional[Dict[str, str]] = None) -> str:
    d = Path(metadata_directory) / _dist_info()
    d.mkdir(parents=True, exist_ok=True)
    (d / "METADATA").write_text(_metadata())
    (d / "WHEEL").write_text(_wheel_file())
    return d.name


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, str]] = None,
                metadata_directory: Optional[str] = None) -> str:
    kept = os.environ.get("MESHSENTRY_BUILD_DIR")
    build_dir = Path(kept).resolve() if kept else Path(tempfile.mkdtemp(prefix="meshsentry-build-"))
    try:
        package = _build(build_dir)
        extension = package / f"_meshsentry{importlib.machinery.EXTENSION_SUFFIXES[0]}"
        files = [(f"{NAME}/{f}", (ROOT / "python" / NAME / f).read_bytes(), 0o644) for f in PACKAGE_FILES]
        files.append((f"{NAME}/{extension.name}", extension.read_bytes(), 0o755))
        dist = _dist_info()
        files += [
            (f"{dist}/METADATA", _metadata().encode(), 0o644),
            (f"{dist}/WHEEL", _wheel_file().encode(), 0o644),
            (f"{dist}/LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ]
        name = f"{NAME}-{_version()}-{_tag()}.whl"
        _write_wheel(Path(wheel_directory) / name, files)
        return name
    finally:
        if not kept:
            shutil.rmtree(build_dir, ignore_errors=True)


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, str]] = None) -> str:
    """The files git tracks, with PKG-INFO; needs a git checkout."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise RuntimeError(f"build_sdist needs a git checkout: {err}") from None
    base = f"{NAME}-{_version()}"
    name = base + ".tar.gz"
    with tarfile.open(Path(sdist_directory) / name, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(p for p in out.decode().split("\0") if p):
            if (ROOT / rel).is_file():
                tar.add(ROOT / rel, arcname=f"{base}/{rel}", recursive=False)
        data = _metadata().encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(data)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    return name
