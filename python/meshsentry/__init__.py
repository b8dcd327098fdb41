# SPDX-License-Identifier: MIT
"""meshsentry: find known part geometry in 3D files.

    import meshsentry
    with meshsentry.Engine("signatures/demo.msig") as e:
        r = e.scan(pathlib.Path("part.stl"))        # a ScanResult
        if r.flagged:
            print(r.matches[0].signature, r.matches[0].matrix())

Call errors are exceptions: FileNotFoundError for a missing file, TypeError
for an argument of the wrong type, ValueError for a bad value, ScanError (a
ValueError) for a file or buffer that cannot be scanned. A folder scan
(`scan_paths`) returns one record per file instead, errors included.
Scans release the GIL: threads sharing one Engine scan in parallel.
See docs/python.md.
"""
from __future__ import annotations

import array
import os
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from . import _meshsentry
from ._results import Match, ScanError, ScanResult, SignatureInfo, Verdict, nest, parse_lines

__all__ = [
    "Engine", "Match", "ScanError", "ScanResult", "SignatureInfo", "Verdict", "__version__",
    "build_signatures", "generate_signing_key", "sign_signatures", "signature_info",
]
__version__: str = _meshsentry.__version__

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Buffer = Any  # bytes, bytearray, memoryview, numpy arrays: anything with the buffer protocol


def _path(p: Any, what: str = "path") -> bytes:
    """A path argument as the bytes the engine opens (exactly, even when
    the name is not UTF-8)."""
    if isinstance(p, (str, bytes)) or hasattr(p, "__fspath__"):
        return os.fsencode(p)
    raise TypeError(f"{what} must be a str, bytes or os.PathLike, not {type(p).__name__}")


def _existing(p: Any, what: str) -> bytes:
    b = _path(p, what)
    if not os.path.exists(b):
        raise FileNotFoundError(2, "No such file", os.fsdecode(b))
    return b


def _paths(ps: Any, what: str) -> List[Any]:
    if isinstance(ps, (str, bytes)) or hasattr(ps, "__fspath__"):
        return [ps]
    try:
        return list(ps)
    except TypeError:
        raise TypeError(f"{what} must be a path or an iterable of paths, not {type(ps).__name__}") from None


def _name(n: Any) -> str:
    if isinstance(n, (str, bytes)) or hasattr(n, "__fspath__"):
        return os.fsdecode(n)
    raise TypeError(f"name must be a str or os.PathLike, not {type(n).__name__}")


def _buffer(data: Any) -> Any:
    """`data` if it is a contiguous buffer, a copy if it is a strided one;
    a TypeError naming only its type otherwise."""
    if not isinstance(data, str):
        try:
            view = memoryview(data)
        except TypeError:
            pass
        else:
            return data if view.c_contiguous else view.tobytes()
    raise TypeError(f"data must be a bytes-like object (bytes, bytearray, memoryview, ...), not {type(data).__name__}")


def _rows(a: Any, what: str, integer: bool) -> Any:
    """An N x 3 array (numpy or nested sequences) as a flat float32 or
    uint32 buffer."""
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{what} must be an N x 3 array, not {type(a).__name__}")
    if hasattr(a, "__array_interface__") or hasattr(a, "__array__"):
        import numpy as np  # only for array inputs, which need numpy anyway

        arr = np.asarray(a)
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError(f"{what} must be an N x 3 array, not shape {arr.shape}")
        if integer:
            if not np.issubdtype(arr.dtype, np.integer):
                raise TypeError(f"{what} must hold integers, not {arr.dtype}")
            if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= 2**32):
                raise ValueError(f"{what}: vertex indices must be in [0, 2**32)")
            return np.ascontiguousarray(arr, dtype=np.uint32)
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise TypeError(f"{what} must hold real numbers, not {arr.dtype}")
        return np.ascontiguousarray(arr, dtype=np.float32)
    out = array.array("I" if integer else "f")
    try:
        for i, row in enumerate(a):
            if isinstance(row, (str, bytes)) or len(row) != 3:
                raise ValueError(f"{what} row {i} must have 3 values")
            out.extend(row)
    except OverflowError:
        raise ValueError(f"{what}: vertex indices must be in [0, 2**32)") from None
    except TypeError:
        kind = "integers" if integer else "numbers"
        raise TypeError(f"{what} must be an N x 3 array of {kind}") from None
    return out


class Engine:
    """A signature set opened for scanning; immutable and thread-safe.

    Raises FileNotFoundError when `signatures` does not exist and ValueError
    when it is not a usable set (not a .msig, empty, or not signed by one of
    `trusted_keys`, public key PEM files, when any are given). pieces=True
    also looks for cut pieces (verdict "suspect"). `allow_list` is a file of
    allow rules (files and geometry never flagged: verdict "allowed");
    max_file_bytes, max_triangles and max_seconds (per file) replace the
    limits of `meshsentry scan`; isolate=False parses Assimp's formats in
    this process instead of a forked child (faster, not safe on hostile
    files)."""

    def __init__(
        self,
        signatures: PathArg,
        *,
        threads: int = 0,
        threshold: float = 0.90,
        pieces: bool = True,
        trusted_keys: Iterable[PathArg] = (),
        allow_list: Optional[PathArg] = None,
        max_file_bytes: Optional[int] = None,
        max_triangles: Optional[int] = None,
        max_seconds: Optional[int] = None,
        isolate: bool = True,
    ) -> None:
        sig = _existing(signatures, "signatures")
        keys = [_existing(k, "trusted_keys") for k in _paths(trusted_keys, "trusted_keys")]
        allow = None if allow_list is None else _existing(allow_list, "allow_list")
        for what, v in (("max_file_bytes", max_file_bytes), ("max_triangles", max_triangles),
                        ("max_seconds", max_seconds)):
            if v is not None and (not isinstance(v, int) or v < 1):
                raise ValueError(f"{what} must be a positive int")
        self._engine: Optional[Any] = _meshsentry.Engine(
            sig, threads, threshold, pieces, keys, allow, max_file_bytes, max_triangles, max_seconds, isolate)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Free the signature set; later calls raise ValueError."""
        self._engine = None

    def _e(self) -> Any:
        if self._engine is None:
            raise ValueError("the Engine is closed")
        return self._engine

    @property
    def signatures(self) -> SignatureInfo:
        """The set's name, creation time, entry count and sha256."""
        return SignatureInfo(**self._e().signatures)

    @staticmethod
    def _checked(r: ScanResult, raise_errors: bool) -> ScanResult:
        if raise_errors and r.verdict == Verdict.ERROR:
            raise ScanError(f"{r.path}: {r.error}", r)
        return r

    def scan(self, path: PathArg, *, raise_errors: bool = True) -> ScanResult:
        """Scan one file (an archive's members in `member_results`).

        FileNotFoundError if it does not exist, IsADirectoryError for a
        folder (see scan_paths), ScanError if it cannot be scanned, unless
        raise_errors=False: then the error is returned as a result."""
        p = _path(path)
        if os.path.isdir(p):
            raise IsADirectoryError(21, "Is a folder: use scan_paths", os.fsdecode(p))
        if not os.path.lexists(p):
            raise FileNotFoundError(2, "No such file", os.fsdecode(p))
        return self._checked(nest(self._e().scan_file(p)), raise_errors)

    def scan_bytes(self, data: Buffer, name: Union[str, "os.PathLike[str]"] = "buffer", *,
                   raise_errors: bool = True) -> ScanResult:
        """Scan a file's bytes held in memory: bytes, bytearray, memoryview
        or any buffer. `name` is the reported path and a format hint."""
        return self._checked(nest(self._e().scan_buffer(_buffer(data), _name(name))), raise_errors)

    def scan_mesh(self, vertices: Any, faces: Any, name: str = "mesh", *,
                  raise_errors: bool = True) -> ScanResult:
        """Scan a mesh in memory: `vertices` an N x 3 array of coordinates,
        `faces` an M x 3 array of 0-based vertex indices (numpy arrays or
        nested sequences). ScanError for an invalid or empty mesh."""
        v = _rows(vertices, "vertices", integer=False)
        f = _rows(faces, "faces", integer=True)
        return self._checked(parse_lines([self._e().scan_mesh(v, f, _name(name))])[0], raise_errors)

    def scan_paths(self, paths: Union[PathArg, Iterable[PathArg]]) -> List[ScanResult]:
        """Scan files and folders (recursively): one result per file and per
        archive member, sorted by path. Files that cannot be scanned, missing
        ones included, are results with verdict "error", not exceptions."""
        return parse_lines(self._e().scan_paths([_path(p) for p in _paths(paths, "paths")]))


def signature_info(path: PathArg, trusted_keys: Iterable[PathArg] = ()) -> SignatureInfo:
    """Read a signature set (.msig) and, when trusted keys (public key PEM
    files) are given, verify its signature: ValueError if it is damaged or
    not signed by one of them."""
    keys = [_existing(k, "trusted_keys") for k in _paths(trusted_keys, "trusted_keys")]
    return SignatureInfo(**_meshsentry.signature_info(_existing(path, "path"), keys))


def build_signatures(manifest: PathArg, output: PathArg, *, name: str = "", created: str = "",
                     threads: int = 0) -> SignatureInfo:
    """Build a signature set from a manifest (TSV: id, label, class, path,
    optional severity; as `meshsentry sig build`) and write it to `output`,
    replacing it atomically. `name` defaults to the manifest's stem,
    `created` to SOURCE_DATE_EPOCH or now. ValueError naming the first
    reference that cannot be read."""
    out = _path(output, "output")
    _meshsentry.build_signatures(_existing(manifest, "manifest"), out, name, created, threads)
    return signature_info(out)


def generate_signing_key(private_key: PathArg, public_key: PathArg) -> None:
    """Write a new Ed25519 key pair (PEM; the private key mode 0600). Never
    overwrites: ValueError if either file exists."""
    _meshsentry.generate_signing_key(_path(private_key, "private_key"), _path(public_key, "public_key"))


def sign_signatures(signatures: PathArg, private_key: PathArg) -> None:
    """Sign a set with a private key: writes SET.sig beside it."""
    _meshsentry.sign_signatures(_existing(signatures, "signatures"), _existing(private_key, "private_key"))
