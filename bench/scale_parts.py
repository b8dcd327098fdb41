#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Procedural stand-in parts for the scale benchmark: N genuinely different
closed meshes (200-3000 triangles) as binary STL, and a manifest in the
refs.tsv layout (../shared/EVAL-FORMAT.md).

Five parametric families, every parameter drawn from a generator seeded by
(seed, index), so the same command always writes the same bytes:

  ring     an extruded star-shaped outline (random radial harmonics) with a
           bore of its own random outline: flanges, cams, washers
  gear     a prism with 5-40 teeth of random depth, duty and flank, with or
           without a bore
  loft     a star-shaped outline lofted through 3-7 layers, each scaled and
           turned at random: twisted and tapered knobs
  revolved a random profile (r, z) turned about the axis with 16-63 sides:
           stepped shafts, spools, bottles
  block    a height field of 5-12 x 5-12 cells of random heights on a random
           footprint: boxes with pockets, bosses and steps

Usage: scale_parts.py OUTDIR --count N [--seed S] [--prefix P]
Writes OUTDIR/parts/P_00000.stl ... and OUTDIR/refs.tsv (paths relative to OUTDIR).
"""
import argparse
import math
import os
import struct
import sys

import numpy as np

FAMILIES = ("ring", "gear", "loft", "revolved", "block")


def write_stl(path, tris):
    """Binary STL of an (n, 3, 3) float array; normals from the winding."""
    tris = np.asarray(tris, dtype=np.float64)
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.divide(n, norm, out=np.zeros_like(n), where=norm > 0)
    rec = np.zeros(len(tris), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = n
    rec["v"] = tris
    with open(path, "wb") as f:
        f.write(b"meshsentry scale_parts".ljust(80, b" "))
        f.write(struct.pack("<I", len(tris)))
        f.write(rec.tobytes())


def quads(a, b, c, d):
    """Two triangles per quad a-b-c-d (counter-clockwise seen from outside)."""
    return [np.stack([a, b, c], axis=-2), np.stack([a, c, d], axis=-2)]


def tube(rings, closed_bottom=None, closed_top=None):
    """Side walls between consecutive rings ((m, 3) arrays, counter-clockwise
    seen from +z), plus optional fan caps: a cap is a centre point."""
    out = []
    for lo, hi in zip(rings[:-1], rings[1:]):
        out += quads(lo, np.roll(lo, -1, axis=0), np.roll(hi, -1, axis=0), hi)
    if closed_bottom is not None:
        r = rings[0]
        c = np.broadcast_to(closed_bottom, r.shape)
        out.append(np.stack([c, np.roll(r, -1, axis=0), r], axis=-2))
    if closed_top is not None:
        r = rings[-1]
        c = np.broadcast_to(closed_top, r.shape)
        out.append(np.stack([c, r, np.roll(r, -1, axis=0)], axis=-2))
    return out


def ring_solid(outer, inner, height):
    """Prism between outline `outer` and bore `inner` (same angles, (m, 2)),
    or a solid prism when inner is None."""
    z0 = np.zeros((len(outer), 1))
    z1 = np.full((len(outer), 1), height)
    ob, ot = np.hstack([outer, z0]), np.hstack([outer, z1])
    out = []
    out += quads(ob, np.roll(ob, -1, 0), np.roll(ot, -1, 0), ot)
    if inner is None:
        cb, ct = np.array([0, 0, 0.0]), np.array([0, 0, height])
        out.append(np.stack([np.broadcast_to(cb, ob.shape), np.roll(ob, -1, 0), ob], axis=-2))
        out.append(np.stack([np.broadcast_to(ct, ot.shape), ot, np.roll(ot, -1, 0)], axis=-2))
        return out
    ib, it = np.hstack([inner, z0]), np.hstack([inner, z1])
    out += quads(np.roll(ib, -1, 0), ib, it, np.roll(it, -1, 0))  # the bore faces inwards
    out += quads(ot, np.roll(ot, -1, 0), np.roll(it, -1, 0), it)  # top annulus
    out += quads(ob, ib, np.roll(ib, -1, 0), np.roll(ob, -1, 0))  # bottom annulus
    return out


def radial(rng, m, base, harmonics, amp):
    """A star-shaped outline: base radius times 1 + a few random harmonics."""
    t = np.linspace(0, 2 * np.pi, m, endpoint=False)
    r = np.ones(m)
    for _ in range(harmonics):
        k = int(rng.integers(1, 9))
        r += rng.uniform(0, amp) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r = np.maximum(r, 0.35) * base
    return t, r


def fam_ring(rng):
    m = int(rng.integers(56, 200))
    t, r = radial(rng, m, rng.uniform(8, 40), int(rng.integers(1, 5)), 0.25)
    outer = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    inner = None
    if rng.random() < 0.75:
        _, ri = radial(rng, m, 1.0, int(rng.integers(0, 3)), 0.15)
        ri = ri * rng.uniform(0.2, 0.6) * r.min()
        inner = np.stack([ri * np.cos(t), ri * np.sin(t)], axis=1)
    return ring_solid(outer, inner, rng.uniform(2, 30))


def fam_gear(rng):
    teeth = int(rng.integers(5, 41))
    per = max(int(rng.integers(4, 9)), -(-64 // teeth))
    m = teeth * per
    t = np.linspace(0, 2 * np.pi, m, endpoint=False)
    base = rng.uniform(10, 50)
    depth = rng.uniform(0.05, 0.25) * base
    duty = rng.uniform(0.3, 0.7)
    phase = (t * teeth / (2 * np.pi)) % 1.0
    flank = rng.uniform(0.02, 0.2)
    lift = np.clip((duty / 2 + flank - np.abs(phase - 0.5)) / (2 * flank), 0, 1)
    r = base + depth * lift
    outer = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    inner = None
    if rng.random() < 0.7:
        ri = np.full(m, rng.uniform(0.15, 0.6) * base)
        inner = np.stack([ri * np.cos(t), ri * np.sin(t)], axis=1)
    return ring_solid(outer, inner, rng.uniform(3, 25))


def fam_loft(rng):
    m = int(rng.integers(24, 110))
    t, r = radial(rng, m, rng.uniform(6, 30), int(rng.integers(1, 4)), 0.3)
    layers = int(rng.integers(3, 8))
    rings, z, turn = [], 0.0, 0.0
    twist = rng.uniform(-0.6, 0.6)
    for _ in range(layers):
        s = rng.uniform(0.5, 1.3)
        a = t + turn
        rings.append(np.stack([s * r * np.cos(a), s * r * np.sin(a), np.full(m, z)], axis=1))
        z += rng.uniform(3, 15)
        turn += twist * rng.uniform(0.3, 1.0)
    return tube(rings, closed_bottom=rings[0].mean(axis=0), closed_top=rings[-1].mean(axis=0))


def fam_revolved(rng):
    sides = int(rng.integers(16, 64))
    steps = int(rng.integers(4, 14))
    z = np.cumsum(rng.uniform(1, 12, steps))
    z = np.concatenate([[0.0], z])
    rad = rng.uniform(2, 20, steps + 1)
    if rng.random() < 0.5:  # stepped: every radius held for a segment
        z = np.repeat(z, 2)[1:-1]
        rad = np.repeat(rad[:-1], 2)
    t = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    rings = [np.stack([ri * np.cos(t), ri * np.sin(t), np.full(sides, zi)], axis=1) for zi, ri in zip(z, rad)]
    # Drop degenerate walls (two equal consecutive profile points).
    keep = [rings[0]]
    for k in range(1, len(rings)):
        if not np.allclose(rings[k], keep[-1]):
            keep.append(rings[k])
    return tube(keep, closed_bottom=np.array([0, 0, z[0]]), closed_top=np.array([0, 0, z[-1]]))


def fam_block(rng):
    nx, ny = int(rng.integers(5, 13)), int(rng.integers(5, 13))
    xs = np.concatenate([[0.0], np.cumsum(rng.uniform(2, 12, nx))])
    ys = np.concatenate([[0.0], np.cumsum(rng.uniform(2, 12, ny))])
    base = rng.uniform(2, 10)
    h = base + np.round(rng.uniform(-0.8, 1.5, (nx, ny)) * rng.uniform(1, 8)) * rng.choice([0.0, 1.0], (nx, ny), p=[0.4, 0.6])
    h = np.maximum(h, 1.0)
    out = []

    def quad(a, b, c, d):
        a, b, c, d = (np.array(p, dtype=float) for p in (a, b, c, d))
        out.append(np.array([a, b, c]))
        out.append(np.array([a, c, d]))

    for i in range(nx):
        for j in range(ny):
            x0, x1, y0, y1, z = xs[i], xs[i + 1], ys[j], ys[j + 1], h[i, j]
            quad((x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z))  # top
            quad((x0, y0, 0), (x0, y1, 0), (x1, y1, 0), (x1, y0, 0))  # bottom
            # walls towards -x / +x / -y / +y where this cell is the higher one (or the edge)
            zl = h[i - 1, j] if i > 0 else 0.0
            if z > zl:
                quad((x0, y0, zl), (x0, y0, z), (x0, y1, z), (x0, y1, zl))
            zr = h[i + 1, j] if i + 1 < nx else 0.0
            if z > zr:
                quad((x1, y0, zr), (x1, y1, zr), (x1, y1, z), (x1, y0, z))
            zd = h[i, j - 1] if j > 0 else 0.0
            if z > zd:
                quad((x0, y0, zd), (x1, y0, zd), (x1, y0, z), (x0, y0, z))
            zu = h[i, j + 1] if j + 1 < ny else 0.0
            if z > zu:
                quad((x0, y1, zu), (x0, y1, z), (x1, y1, z), (x1, y1, zu))
    return [np.array(out)]


def part(seed, index):
    rng = np.random.default_rng([seed, index])
    family = FAMILIES[index % len(FAMILIES)]
    pieces = globals()["fam_" + family](rng)
    tris = np.concatenate([p.reshape(-1, 3, 3) for p in pieces])
    # A random proportion per axis, so no two parts of a family share a shape.
    tris = tris * rng.uniform(0.7, 1.4, 3)
    return family, tris


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefix", default="scale")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.outdir, "parts"), exist_ok=True)
    rows = ["id\tlabel\tclass\tpath"]
    sizes = []
    for i in range(a.count):
        family, tris = part(a.seed, i)
        name = f"{a.prefix}_{i:05d}"
        write_stl(os.path.join(a.outdir, "parts", name + ".stl"), tris)
        rows.append(f"{name}\t{family} {i}\tdistractor\tparts/{name}.stl")
        sizes.append(len(tris))
    with open(os.path.join(a.outdir, "refs.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    if sizes:
        print(f"scale_parts: {a.count} parts, {min(sizes)}-{max(sizes)} triangles (median {int(np.median(sizes))})",
              file=sys.stderr)


if __name__ == "__main__":
    main()
