#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`meshsentry serve` at load: requests per second and p50/p99 latency with
C concurrent clients, the pool of isolation workers against a child forked
per Assimp/CAD file, measured in the same run.

Two servers are started on free ports with the same signatures and scan
threads, one with the pool (the default) and one with --fork-per-file. The
mix is fixed: the STL parts of models/ (their first --parts, by name), each
also written by this script as OBJ, binary PLY and 3MF (Assimp reads OBJ and
PLY, so they go through the isolation path; STL and 3MF are read natively).
For each repetition and client count the two servers are measured one after
the other on the same requests; the table gives the medians of the
repetitions and the pool/fork ratios. Standard library only.

  bench/serve_load.py [--build build] [--clients 1,2,4,8] [--requests 96] [--reps 3]
                      [--threads 4] [--parts 8] [--formats stl,obj,ply,3mf]
"""
import argparse
import http.client
import io
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def read_stl(path):
    """Triangles of a binary or ASCII STL as lists of 3 (x, y, z)."""
    data = open(path, "rb").read()
    if len(data) >= 84:
        n = struct.unpack_from("<I", data, 80)[0]
        if 84 + 50 * n == len(data):
            tris = []
            for i in range(n):
                v = struct.unpack_from("<9f", data, 84 + 50 * i + 12)
                tris.append([v[0:3], v[3:6], v[6:9]])
            return tris
    verts = [tuple(map(float, m)) for m in re.findall(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)", data)]
    return [verts[i:i + 3] for i in range(0, len(verts) - 2, 3)]


def indexed(tris):
    index, verts, faces = {}, [], []
    for t in tris:
        face = []
        for v in t:
            if v not in index:
                index[v] = len(verts)
                verts.append(v)
            face.append(index[v])
        faces.append(face)
    return verts, faces


def as_obj(verts, faces):
    out = io.StringIO()
    for v in verts:
        out.write("v %.6g %.6g %.6g\n" % v)
    for f in faces:
        out.write("f %d %d %d\n" % (f[0] + 1, f[1] + 1, f[2] + 1))
    return out.getvalue().encode()


def as_ply(verts, faces):
    head = ("ply\nformat binary_little_endian 1.0\nelement vertex %d\nproperty float x\nproperty float y\n"
            "property float z\nelement face %d\nproperty list uchar int vertex_indices\nend_header\n"
            % (len(verts), len(faces))).encode()
    body = b"".join(struct.pack("<3f", *v) for v in verts)
    body += b"".join(struct.pack("<B3i", 3, *f) for f in faces)
    return head + body


def as_3mf(verts, faces):
    vx = "".join('<vertex x="%.6g" y="%.6g" z="%.6g"/>' % v for v in verts)
    tx = "".join('<triangle v1="%d" v2="%d" v3="%d"/>' % tuple(f) for f in faces)
    model = ('<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" '
             'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"><resources>'
             '<object id="1" type="model"><mesh><vertices>%s</vertices><triangles>%s</triangles></mesh></object>'
             '</resources><build><item objectid="1"/></build></model>' % (vx, tx))
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing'
             '-3dmodel+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.'
            'com/3dmanufacturing/2013/01/3dmodel"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", types), ("_rels/.rels", rels), ("3D/3dmodel.model", model)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, text, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def make_mix(parts):
    """(name, bytes) for each part as STL, OBJ, PLY and 3MF, in a fixed order."""
    found = [os.path.join(d, f) for d in ("benign", "refs", "test")
             for f in os.listdir(os.path.join(ROOT, "models", d)) if f.endswith(".stl")]
    stls = sorted(found, key=lambda p: (os.path.getsize(os.path.join(ROOT, "models", p)), p))[:parts]
    mix = []
    for rel in stls:
        path = os.path.join(ROOT, "models", rel)
        base = os.path.basename(rel)[:-4]
        verts, faces = indexed(read_stl(path))
        mix.append((base + ".stl", open(path, "rb").read()))
        mix.append((base + ".obj", as_obj(verts, faces)))
        mix.append((base + ".ply", as_ply(verts, faces)))
        mix.append((base + ".3mf", as_3mf(verts, faces)))
    return mix


class Server:
    def __init__(self, binary, signatures, threads, flags, log):
        self.log = open(log, "w+")
        self.proc = subprocess.Popen([binary, "serve", "--signatures", signatures, "--listen", "127.0.0.1:0",
                                      "--threads", str(threads), *flags], stderr=self.log, stdout=subprocess.DEVNULL)
        for _ in range(600):
            self.log.seek(0)
            m = re.search(r" listening on 127\.0\.0\.1:(\d+),", self.log.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("serve did not start: see " + log)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def post(conn, name, body):
    conn.request("POST", "/v1/scan", body=body, headers={"X-Filename": name,
                                                         "Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError("%s: HTTP %d %s" % (name, r.status, data[:200]))
    return data


def run_load(port, mix, clients, requests):
    """`requests` posts of the mix (in order, cycling) by `clients` threads,
    each on its own keep-alive connection taking the next request in turn."""
    lock = threading.Lock()
    next_i = [0]
    latencies, errors = [], []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= requests:
                break
            name, body = mix[i % len(mix)]
            t0 = time.perf_counter()
            try:
                post(conn, name, body)
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors.append(str(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit("%d requests failed, first: %s" % (len(errors), errors[0]))
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {"rps": len(latencies) / wall, "p50": pick(0.50) * 1000, "p99": pick(0.99) * 1000}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--signatures", default=os.path.join(ROOT, "signatures", "demo.msig"))
    ap.add_argument("--clients", default="1,2,4,8")
    ap.add_argument("--threads", type=int, default=4, help="serve --threads (and so pool workers)")
    ap.add_argument("--parts", type=int, default=8, help="STL parts of models/ in the mix (x4 formats)")
    ap.add_argument("--formats", default="stl,obj,ply,3mf", help="which of stl,obj,ply,3mf the mix holds")
    ap.add_argument("--requests", type=int, default=96, help="requests per measurement")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    binary = os.path.join(args.build, "meshsentry")
    keep = set(args.formats.split(","))
    mix = [(n, b) for n, b in make_mix(args.parts) if n.rsplit(".", 1)[1] in keep]
    clients = [int(c) for c in args.clients.split(",")]
    work = tempfile.mkdtemp(prefix="serve_load-")
    modes = {"pool": [], "fork": ["--fork-per-file"]}
    servers = {m: Server(binary, args.signatures, args.threads, f, os.path.join(work, m + ".log"))
               for m, f in modes.items()}
    results = {(m, c): [] for m in modes for c in clients}
    try:
        for m in modes:  # warm-up: the first scans load the set's pages, fork the workers
            run_load(servers[m].port, mix, 1, len(mix))
        for rep in range(args.reps):
            for c in clients:
                for m in modes:
                    r = run_load(servers[m].port, mix, c, args.requests)
                    results[(m, c)].append(r)
                    print("rep %d  %-4s C=%d  %6.1f req/s  p50 %6.1f ms  p99 %6.1f ms"
                          % (rep + 1, m, c, r["rps"], r["p50"], r["p99"]), file=sys.stderr, flush=True)
    finally:
        for s in servers.values():
            s.stop()
    kinds = sorted({n.rsplit(".", 1)[1] for n, _ in mix})
    print("mix: %d files (%s), %d requests per measurement, serve --threads %d, median of %d"
          % (len(mix), "/".join(kinds), args.requests, args.threads, args.reps))
    print("| clients | pool req/s | fork req/s | ratio | pool p50 ms | fork p50 ms | pool p99 ms | fork p99 ms |"
          " p99 ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = lambda m, c, k: statistics.median(r[k] for r in results[(m, c)])  # noqa: E731
    for c in clients:
        p, f = med("pool", c, "rps"), med("fork", c, "rps")
        print("| %d | %.1f | %.1f | %.2fx | %.1f | %.1f | %.1f | %.1f | %.2fx |"
              % (c, p, f, p / f, med("pool", c, "p50"), med("fork", c, "p50"), med("pool", c, "p99"),
                 med("fork", c, "p99"), med("pool", c, "p99") / med("fork", c, "p99")))


if __name__ == "__main__":
    main()
