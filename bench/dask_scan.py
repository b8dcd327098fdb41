# SPDX-License-Identifier: MIT
"""Distributed scanning (meshsentry.dask) on one machine: checks that a
LocalCluster's scan of a set's cases is byte-identical to `meshsentry scan
--format jsonl --no-timing`, then times 1 and 2 (or --workers) worker
processes of one thread each on the same file list, RUNS times each, and
prints the medians and the speed-up. The cluster is started before the
clock, and one untimed scan warms it (the set opened in every worker), as a
long-lived cluster would be.

    PYTHONPATH=build/python python3 bench/dask_scan.py [--set ../shared/eval/dev] [--build build]
        [--workers 1 2] [--runs 3]

Without the set, models/ is scanned (too few files for a steady figure)."""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

here = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", default=str(here.parent / "shared" / "eval" / "dev"))
    p.add_argument("--build", default=str(here / "build"))
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--chunk", type=int, default=4)
    a = p.parse_args()
    sys.path.insert(0, str(pathlib.Path(a.build) / "python"))
    from distributed import Client, LocalCluster

    import meshsentry.dask as md

    ms = str(pathlib.Path(a.build) / "meshsentry")
    with tempfile.TemporaryDirectory() as tmp:
        if os.path.isdir(os.path.join(a.set, "cases")):
            sig = os.path.join(tmp, "set.msig")
            subprocess.run([ms, "sig", "build", "--manifest", os.path.join(a.set, "refs.tsv"), "--out", sig,
                            "--created", "2026-01-01T00:00:00Z"], check=True, capture_output=True)
            paths = [os.path.join(a.set, "cases")]
        else:
            print(f"dask_scan: no {a.set}/cases; scanning models/", file=sys.stderr)
            sig, paths = str(here / "signatures" / "demo.msig"), [str(here / "models")]
        t = time.perf_counter()
        local = subprocess.run([ms, "scan", "--format", "jsonl", "--no-timing", "--signatures", sig, *paths],
                               capture_output=True)
        local_s = time.perf_counter() - t
        want = local.stdout.decode().splitlines()
        print(f"files: {len(want)} records; local `meshsentry scan` (all cores): {local_s:.2f} s")
        times = {}
        for n in a.workers:
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                    Client(cluster) as client:
                got = list(md.scan_paths(client, paths, sig, chunk=a.chunk))  # warms the workers
                if got != want:
                    print(f"dask_scan: {n} workers: output differs from the CLI's", file=sys.stderr)
                    return 1
                runs = []
                for _ in range(a.runs):
                    t = time.perf_counter()
                    n_lines = sum(1 for _ in md.scan_paths(client, paths, sig, chunk=a.chunk))
                    runs.append(time.perf_counter() - t)
                    assert n_lines == len(want)
                times[n] = statistics.median(runs)
                print(f"{n} worker(s): median {times[n]:.2f} s of {a.runs} ({', '.join(f'{r:.2f}' for r in runs)}), "
                      f"{len(want) / times[n]:.1f} records/s; output identical to the CLI's")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")
        base = times[a.workers[0]]
        for n in a.workers[1:]:
            print(f"speed-up {a.workers[0]} -> {n} workers: {base / times[n]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
