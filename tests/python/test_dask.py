# SPDX-License-Identifier: MIT
# meshsentry.dask against the command line: a LocalCluster of 2 worker
# processes scans models/, a made folder (a truncated STL: an error record;
# a text file and a symlink: passed over) and a missing file, and must write
# the bytes and exit status of `meshsentry scan --format jsonl --no-timing`,
# with and without --list-skipped; the API (scan_paths, scan_bag, a shared
# set path) gives the same lines; the set is open once per worker; a worker
# killed mid-scan loses nothing; a task lost on every try gives error
# records, not gaps. Exits 77 (ctest: skipped) when Dask's `distributed` is
# not installed.
#   python3 test_dask.py SOURCE_DIR BUILD_DIR
import json
import os
import pathlib
import struct
import subprocess
import sys
import sysconfig
import tempfile

try:
    import distributed  # noqa: F401
except ImportError:
    # Debian's python3 holds python3-distributed; it loads the build's module
    # when its extensions are the kind this interpreter's are.
    DEBIAN = "/usr/bin/python3"
    if sys.executable != DEBIAN and os.path.exists(DEBIAN) and subprocess.run(
            [DEBIAN, "-c", "import distributed, sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
            capture_output=True, text=True).stdout.strip() == sysconfig.get_config_var("EXT_SUFFIX"):
        os.execv(DEBIAN, [DEBIAN, *sys.argv])
    print("test_dask: SKIPPED: Dask's `distributed` is not importable (apt-get install python3-distributed)")
    sys.exit(77)

from distributed import Client, LocalCluster

import meshsentry.dask as md

SRC = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 2 else None
BUILD = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else None
SIG = str(SRC / "signatures" / "demo.msig") if SRC else ""


def cli(*args):
    r = subprocess.run([str(BUILD / "meshsentry"), "scan", "--format", "jsonl", "--no-timing", "--signatures", SIG,
                        *args], capture_output=True)
    return r.returncode, r.stdout


def distributed_cli(*args):
    r = subprocess.run([sys.executable, "-m", "meshsentry.dask", "--local", "2", "--signatures", SIG, "--chunk", "3",
                        "--window", "4", *args], capture_output=True, timeout=120)
    assert r.returncode in (0, 1, 2), r.stderr.decode()
    return r.returncode, r.stdout


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}:\n  cli:  {x[:300]}\n  dask: {y[:300]}"
    return f"line counts {len(a.splitlines())} vs {len(b.splitlines())}"


class DyingEngine:
    """An open set whose first use, on any worker, kills that worker's
    process (as a crash or a lost machine would); the marker file says it
    happened, so the worker started again scans."""

    def __init__(self, engine, marker):
        self.engine, self.marker = engine, marker

    def _e(self):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return self.engine._e()
        os._exit(1)


def die_once(marker):
    for name, engine in list(md._ENGINES.items()):
        md._ENGINES[name] = DyingEngine(engine, marker)


def main():
    src, sig = SRC, SIG
    with tempfile.TemporaryDirectory() as tmp:
        extra = pathlib.Path(tmp) / "extra"
        extra.mkdir()
        # A binary STL that says 1000 triangles and holds 2: an error record.
        tri = struct.pack("<12fH", *([0.0] * 3 + [0, 0, 0, 1, 0, 0, 0, 1, 0]), 0)
        (extra / "truncated.stl").write_bytes(b"\0" * 80 + struct.pack("<I", 1000) + tri * 2)
        (extra / "notes.txt").write_text("not a 3D file: passed over by the walk\n")
        (extra / "link.stl").symlink_to(src / "models" / "benign" / "wall_hook.stl")
        # A named file that is not there: an error record of the walk itself.
        paths = [str(src / "models"), str(extra), str(extra / "missing.stl")]

        want_rc, want = cli(*paths)
        assert want.count(b"\n") >= 10 and b'"verdict":"error"' in want.replace(b" ", b""), want[:500]
        assert want_rc == 1, want_rc  # models/ holds flagged files
        got_rc, got = distributed_cli(*paths)
        assert got == want, "distributed scan differs from the CLI at " + first_difference(want.decode(), got.decode())
        assert got_rc == want_rc, (got_rc, want_rc)

        want_rc, want = cli("--list-skipped", *paths)
        assert b"notes.txt" in want and b"link.stl" in want, want[-600:]
        got_rc, got = distributed_cli("--list-skipped", *paths)
        assert got == want, "--list-skipped differs at " + first_difference(want.decode(), got.decode())

        # Only the error: exit status 2, as the CLI's.
        bad = str(extra / "truncated.stl")
        assert cli(bad)[0] == 2 and distributed_cli(bad) == cli(bad), (cli(bad), distributed_cli(bad))

        lines = [line for line in cli(*paths)[1].decode().splitlines()]
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            assert list(md.scan_paths(client, paths, sig, chunk=2, window=3)) == lines
            assert list(md.scan_paths(client, paths, sig, shared_path=True, chunk=50)) == lines
            assert md.scan_bag(paths, sig, client=client, partition_size=4).compute() == lines
            # One engine per worker process and set (the shipped set and the shared path: two sets).
            opened = client.run(lambda: sorted(md._ENGINES))
            assert len(opened) == 2 and all(len(v) == 2 for v in opened.values()), opened
            # A different threshold is another plugin, and changes the records.
            strict = list(md.scan_paths(client, paths, sig, threshold=0.999))
            assert len(strict) == len(lines) and strict != lines
            # A worker lost mid-scan: its task runs again elsewhere, nothing lost, order kept.
            marker = os.path.join(tmp, "died")
            client.run(die_once, marker)
            assert list(md.scan_paths(client, paths, sig, chunk=2, window=3)) == lines
            assert os.path.exists(marker)

        # A task lost on every try: each of its files an error record, in place.
        entries = md._local_engine(md.SignaturePlugin(sig))._e().walk([bad.encode(), str(src / "models").encode()])
        lost = md._lost(entries, RuntimeError("worker died"))
        assert len(lost) == len(entries)
        # The walk orders entries by path, which puts `bad` first or last depending on where the
        # temp folder and the checkout lie: find its record by path.
        recs = [json.loads(line) for group in lost for line in group[0]]
        rec = next((r for r in recs if r.get("path") == bad), None)
        assert rec is not None and rec["verdict"] == "error" and "lost on every try" in rec["error"], recs[:3]

        # Without a cluster (dask's local scheduler): the bag opens the set in-process.
        assert md.scan_bag([str(src / "models")], sig).compute(scheduler="sync") == cli(str(src / "models"))[1].decode(
        ).splitlines()

    print("test_dask: distributed scans equal the CLI's output")


# Under a guard: the LocalCluster's spawned workers import this file.
if __name__ == "__main__":
    main()
