# SPDX-License-Identifier: MIT
"""Typed scan results: the JSONL objects of `meshsentry scan` as frozen
dataclasses, so that editors and type checkers know every field."""
from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

Row = Tuple[float, float, float, float]
Transform = Tuple[Row, Row, Row, Row]


class Verdict(str, enum.Enum):
    """A file's or a match's verdict. A str: `r.verdict == "match"` holds."""

    CLEAN = "clean"
    MATCH = "match"
    SUSPECT = "suspect"
    ERROR = "error"
    ALLOWED = "allowed"

    def __str__(self) -> str:
        return self.value


class ScanError(ValueError):
    """A file or buffer that could not be scanned (unreadable, not a mesh,
    over a limit). `result` is the ScanResult that says so, when there is one."""

    def __init__(self, message: str, result: Optional["ScanResult"] = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Match:
    """A signature found in a file (or a near miss, among `candidates`).

    `transform` maps the reference part into the file's coordinates, a 4x4
    row-major matrix as nested tuples (None for near misses); `matrix()` gives
    it as a numpy array."""

    signature: str
    score: float
    label: str
    cls: str
    method: str
    body: int
    scale: float
    verdict: Verdict = Verdict.CLEAN
    severity: str = ""
    mirrored: bool = False
    coverage: float = 0.0
    fit: float = 0.0
    explained: float = 0.0
    transform: Optional[Transform] = None

    def matrix(self) -> Any:
        """`transform` as a 4x4 numpy.ndarray (needs numpy)."""
        import numpy  # optional: only this method needs it

        if self.transform is None:
            raise ValueError("a near miss has no transform")
        return numpy.array(self.transform, dtype=float)

    @staticmethod
    def from_json(j: Dict[str, Any]) -> "Match":
        t = j.get("transform")
        transform = None
        if t is not None:
            transform = tuple(tuple(float(x) for x in t[r * 4 : r * 4 + 4]) for r in range(4))
        return Match(
            signature=j["signature"],
            score=j["score"],
            label=j["label"],
            cls=j["class"],
            method=j["method"],
            body=j["body"],
            scale=j["scale"],
            verdict=Verdict(j.get("verdict", "clean")),
            severity=j.get("severity", ""),
            mirrored=j.get("mirrored", False),
            coverage=j.get("coverage", 0.0),
            fit=j.get("fit", 0.0),
            explained=j.get("explained", 0.0),
            transform=transform,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class ScanResult:
    """One scanned file, archive member, buffer or mesh.

    An archive's or print project's result sums up its members, which are in
    `member_results` (from `Engine.scan` and `Engine.scan_bytes`; a folder
    scan lists them as results of their own). `members` is their count."""

    path: str
    verdict: Verdict
    matches: List[Match]
    candidates: List[Match]
    sha256: str
    format: str
    bytes: int
    triangles: int
    bodies: int
    error: Optional[str] = None
    allowed_by: Optional[str] = None
    geometry_hash: Optional[str] = None
    members: int = 0
    path_bytes_escaped: bool = False
    member_results: List["ScanResult"] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """A match or a suspect (an allowed file is not flagged)."""
        return self.verdict in (Verdict.MATCH, Verdict.SUSPECT)

    def to_dict(self) -> Dict[str, Any]:
        """Plain dicts and lists, for json.dumps."""
        return asdict(self)

    @staticmethod
    def from_json(j: Dict[str, Any], member_results: Sequence["ScanResult"] = ()) -> "ScanResult":
        return ScanResult(
            path=j["path"],
            verdict=Verdict(j["verdict"]),
            matches=[Match.from_json(m) for m in j["matches"]],
            candidates=[Match.from_json(m) for m in j["candidates"]],
            sha256=j["sha256"],
            format=j["format"],
            bytes=j["bytes"],
            triangles=j["triangles"],
            bodies=j["bodies"],
            error=j.get("error"),
            allowed_by=j.get("allowed_by"),
            geometry_hash=j.get("geometry_hash"),
            members=j.get("members", 0),
            path_bytes_escaped=j.get("path_bytes_escaped", False),
            member_results=list(member_results),
        )


@dataclass(frozen=True)
class SignatureInfo:
    """A signature set: its name, creation time (ISO 8601 UTC), entry count,
    file SHA-256, and the id of the trusted key that verified its signature
    (empty when none was checked)."""

    name: str
    created: str
    entries: int
    sha256: str
    signed_by: str = ""


def parse_lines(lines: Sequence[str]) -> List[ScanResult]:
    return [ScanResult.from_json(json.loads(line)) for line in lines]


def nest(lines: Sequence[str]) -> ScanResult:
    """One file's lines: the first, with the others as its member_results."""
    results = parse_lines(lines)
    return replace(results[0], member_results=results[1:])
