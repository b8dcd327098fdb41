#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What opening a signature set costs, per format version, in one run
(issue 22).

From one large set (e.g. scale_bench.py's set-2000-s1.msig), per size the
first N entries are written by build/bench/sig_subset in each format asked
(--formats, default 6,5: format 6 maps the file and decodes an entry's
samples on first use; 5 reads, hashes and decodes it all; 3 measures every
sample extent again). A size past the set's entries repeats them with new
ids (sig_subset does), for a 10,000-entry set from a smaller one. Each is
opened by `meshsentry scan --signatures SET EMPTY_FOLDER` (open the set,
build the matcher's index, scan nothing), rounds interleaved over sizes and
formats so the drifts of a shared machine fall on all alike. Per open: CPU
seconds (user + system), wall seconds and peak RSS of that process alone
(wait4); medians over the rounds. --old adds a second build (e.g. the one
before the change) opening the last format's file.

Prints a Markdown table: per size and variant the medians, CPU ms and KiB of
peak RSS per entry, and the CPU ratio to the first format's open; then each
variant's line through the smallest and largest size, extrapolated (said
so) to 10,000 entries. --shared N: two `meshsentry serve` processes open the
N-entry file of each format, and their RSS and PSS (/proc/PID/smaps_rollup)
show how much of it they share.

  bench/open_cost.py --set SET.msig   # e.g. a 2,000-entry set made by bench/scale_bench.py
                     [--sizes 100,1000] [--formats 6,5] [--rounds 3] [--work DIR]
                     [--meshsentry build/meshsentry] [--old PATH] [--shared 1000]
"""
import argparse
import os
import statistics
import subprocess
import socket
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def open_once(ms, sig, empty):
    """CPU s, wall s and peak RSS (KiB) of one open, this child alone."""
    t0 = time.perf_counter()
    p = subprocess.Popen([ms, "scan", "--signatures", sig, empty], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"open_cost: {ms} could not open {sig}: {err.strip()}")
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss


def rollup(pid):
    """Rss and Pss (KiB) of a live process."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] in ("Rss:", "Pss:"):
                out[parts[0][:-1]] = int(parts[1])
    return out["Rss"], out["Pss"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_pair(ms, sig):
    """(Rss, Pss) KiB of each of two serve processes that opened `sig`."""
    procs, ports = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen([ms, "serve", "--signatures", sig, "--listen", f"127.0.0.1:{port}",
                                           "--no-isolation", "--threads", "1"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ports.append(port)
        for port in ports:
            for _ in range(600):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ready", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                sys.exit(f"open_cost: serve on {port} never got ready")
        return [rollup(p.pid) for p in procs]
    finally:
        for p in procs:
            p.terminate()
            p.wait()


def fit(xs, ys, at):
    """The line through the smallest and largest size, at `at`."""
    (x0, y0), (x1, y1) = (xs[0], ys[0]), (xs[-1], ys[-1])
    return y0 + (y1 - y0) * (at - x0) / (x1 - x0) if x1 != x0 else y0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, help="a set of at least the largest size (any readable format)")
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--formats", default="6,5", help="format versions to write and open, the first the baseline")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "meshsentry-open-cost"))
    ap.add_argument("--meshsentry", default=os.path.join(ROOT, "build", "meshsentry"))
    ap.add_argument("--old", help="a second build (e.g. the one before the change) to open the last format's files")
    ap.add_argument("--shared", type=int, help="a size whose files two serve processes open at once")
    a = ap.parse_args()
    sizes = sorted(int(s) for s in a.sizes.split(","))
    formats = [int(f) for f in a.formats.split(",")]
    subset = os.path.join(ROOT, "build", "bench", "sig_subset")
    os.makedirs(a.work, exist_ok=True)
    empty = os.path.join(a.work, "empty")
    os.makedirs(empty, exist_ok=True)
    stem = os.path.splitext(os.path.basename(a.set))[0]
    files = {}
    for n in sorted(set(sizes) | ({a.shared} if a.shared else set())):
        for fmt in formats:
            path = os.path.join(a.work, f"{stem}-{n}-v{fmt}.msig")
            if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(a.set):
                subprocess.run([subset, "--format", str(fmt), path, str(n), a.set], check=True)
            files[(n, fmt)] = path
    variants = [(f"format {f}", a.meshsentry, f) for f in formats]
    if a.old:
        variants.append((f"format {formats[-1]}, --old build", a.old, formats[-1]))
    runs = {(n, v[0]): [] for n in sizes for v in variants}
    for r in range(a.rounds):
        for n in sizes:
            for name, ms, fmt in variants:
                runs[(n, name)].append(open_once(ms, files[(n, fmt)], empty))
        print(f"open_cost: round {r + 1} of {a.rounds} done", file=sys.stderr)

    def med(n, name, k):
        return statistics.median(x[k] for x in runs[(n, name)])

    first = variants[0][0]
    print(f"Opening the first N entries of `{os.path.basename(a.set)}` (`meshsentry scan --signatures SET "
          f"EMPTY`), median of {a.rounds}; ratio: this variant's CPU over {first}'s, same run.\n")
    print("| entries | variant | MiB on disk | CPU s | wall s | peak RSS MiB | CPU ms / entry | "
          "peak KiB / entry | CPU ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        base = med(n, first, 0)
        for name, _, fmt in variants:
            cpu, wall, rss = med(n, name, 0), med(n, name, 1), med(n, name, 2)
            mib = os.path.getsize(files[(n, fmt)]) / 2**20
            print(f"| {n} | {name} | {mib:.1f} | {cpu:.3f} | {wall:.3f} | {rss / 1024:.0f} | "
                  f"{1000 * cpu / n:.3f} | {rss / n:.0f} | {cpu / base:.2f} |")
    if len(sizes) > 1 and sizes[-1] < 10000:
        print(f"\nExtrapolated (a line through {sizes[0]} and {sizes[-1]} entries, not measured) to 10,000:\n")
        for name, _, _ in variants:
            cpu = fit(sizes, [med(n, name, 0) for n in sizes], 10000)
            wall = fit(sizes, [med(n, name, 1) for n in sizes], 10000)
            rss = fit(sizes, [med(n, name, 2) for n in sizes], 10000)
            print(f"- {name}: {cpu:.1f} CPU s, {wall:.1f} s wall, {rss / 2**20:.1f} GiB peak RSS")
    if a.shared:
        print(f"\nTwo `meshsentry serve --no-isolation` processes holding the {a.shared}-entry set open "
              "(/proc/PID/smaps_rollup, MiB; PSS counts a shared page half to each):\n")
        print("| variant | RSS 1 | PSS 1 | RSS 2 | PSS 2 |")
        print("|---|---:|---:|---:|---:|")
        for fmt in formats:
            (r1, p1), (r2, p2) = shared_pair(a.meshsentry, files[(a.shared, fmt)])
            print(f"| format {fmt} | {r1 / 1024:.0f} | {p1 / 1024:.0f} | {r2 / 1024:.0f} | {p2 / 1024:.0f} |")

if __name__ == "__main__":
    main()
