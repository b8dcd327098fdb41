# SPDX-License-Identifier: MIT
"""Scanning on a Dask cluster: the files of a walk spread over workers,
the records back in the order `meshsentry scan` writes them.

    from distributed import Client
    from meshsentry.dask import scan_paths
    with Client("tcp://scheduler:8786") as client:
        for line in scan_paths(client, ["/data/models"], "set.msig"):
            print(line)          # the JSONL line `meshsentry scan --no-timing` writes

The driver walks the paths (the engine's own walk: same order, same
files passed over) and submits the files in chunks, a bounded number at a
time. The signature set goes to each worker once: its bytes travel inside a
worker plugin that opens it in every worker process (or, given
`shared_path=True`, each worker opens the same path on shared storage).
Each line is the record the local command writes for that file, byte for
byte. A file that cannot be scanned is an error record, as locally; a task
lost with its worker is run again on another (one that raised, `retries`
times more) and, lost every time, its files become error records rather
than gaps. Operators: `python3 -m
meshsentry.dask --help`; see docs/distributed.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import Engine, _existing, _path, _paths, _meshsentry

try:
    from distributed import Client, WorkerPlugin, as_completed
except ImportError as _e:  # the module imports; using it says what is missing
    Client = WorkerPlugin = as_completed = None  # type: ignore[assignment,misc]
    _IMPORT_ERROR: Optional[ImportError] = _e
else:
    _IMPORT_ERROR = None

__all__ = ["SignaturePlugin", "scan_bag", "scan_paths", "main"]

# One walk entry: (path bytes, error, from_walk, skipped line); see Engine.walk in module.cpp.
Entry = Tuple[bytes, str, bool, str]

# The engines opened in this process, by the plugin's name: one per worker
# process and set, kept for every task that process runs.
_ENGINES: Dict[str, Any] = {}


def _need_distributed() -> None:
    if _IMPORT_ERROR is not None:
        raise ImportError("meshsentry.dask needs Dask's `distributed` package "
                          "(Debian: apt-get install python3-distributed)") from _IMPORT_ERROR


def _engine_options(threshold: float, pieces: bool, max_file_bytes: Optional[int],
                    max_triangles: Optional[int], max_seconds: Optional[int], isolate: bool) -> Dict[str, Any]:
    return dict(threshold=threshold, pieces=pieces, max_file_bytes=max_file_bytes,
                max_triangles=max_triangles, max_seconds=max_seconds, isolate=isolate)


class SignaturePlugin(WorkerPlugin if WorkerPlugin is not None else object):  # type: ignore[misc]
    """Opens a signature set once in each worker process, for the tasks of
    scan_paths and scan_bag. Its files (the set, its .sig, trusted keys, the
    allow list) travel as bytes inside the plugin, so workers need no shared
    storage; with `shared=True` only their paths travel, and each worker opens
    them where they are (the same path on every machine)."""

    def __init__(self, signatures: Any, *, trusted_keys: Iterable[Any] = (), allow_list: Any = None,
                 shared: bool = False, threads: int = 1, **options: Any) -> None:
        sig = _existing(signatures, "signatures")
        keys = [_existing(k, "trusted_keys") for k in _paths(trusted_keys, "trusted_keys")]
        allow = None if allow_list is None else _existing(allow_list, "allow_list")
        self.shared = shared
        self.threads = threads
        self.options = options
        self.paths = {"set": sig, "keys": keys, "allow": allow}
        self.files: Dict[str, bytes] = {}
        digest = hashlib.sha256()
        if not shared:
            named = [("set.msig", sig)] + [(f"key{i}.pem", k) for i, k in enumerate(keys)]
            if allow is not None:
                named.append(("allow.txt", allow))
            if os.path.exists(sig + b".sig"):  # a signed set: its signature beside it
                named.append(("set.msig.sig", sig + b".sig"))
            for name, p in named:
                with open(p, "rb") as f:
                    self.files[name] = f.read()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        digest.update(repr((sorted(options.items()), shared, threads, self.paths)).encode())
        # The name is the content: the same set and options registered twice
        # is one plugin, and two scans with different sets never share one.
        self.name = "meshsentry-set-" + digest.hexdigest()[:24]

    def open(self, folder: Optional[str] = None) -> Any:
        """The set opened as an Engine; the shipped files written under
        `folder` first (a temporary folder when None)."""
        if self.shared:
            p = self.paths
            return Engine(p["set"], trusted_keys=p["keys"], allow_list=p["allow"], threads=self.threads,
                          **self.options)
        where = tempfile.mkdtemp(prefix="meshsentry-set-", dir=folder)
        for name, data in self.files.items():
            with open(os.path.join(where, name), "wb") as f:
                f.write(data)
        keys = [os.path.join(where, n) for n in sorted(self.files) if n.startswith("key")]
        allow = os.path.join(where, "allow.txt") if "allow.txt" in self.files else None
        return Engine(os.path.join(where, "set.msig"), trusted_keys=keys, allow_list=allow,
                      threads=self.threads, **self.options)

    def setup(self, worker: Any = None) -> None:
        # Registered again by a later scan: the name is the content, so the
        # engine already open is the same set.
        if self.name not in _ENGINES:
            _ENGINES[self.name] = self.open(getattr(worker, "local_directory", None))

    def teardown(self, worker: Any = None) -> None:
        _ENGINES.pop(self.name, None)


def _register(client: Any, plugin: SignaturePlugin) -> None:
    """Registers the plugin unless the cluster has it: registering it again
    would send the set to every worker again, and close and reopen it there."""
    name = plugin.name
    # A lambda travels by value: the scheduler needs no meshsentry installed.
    if not client.run_on_scheduler(lambda dask_scheduler: name in getattr(dask_scheduler, "worker_plugins", {})):
        client.register_worker_plugin(plugin, name=name)


def _scan_chunk(set_name: str, entries: Sequence[Entry]) -> List[Tuple[List[str], str]]:
    """A worker's task: the entries scanned with the set its plugin opened."""
    engine = _ENGINES.get(set_name)
    if engine is None:
        raise RuntimeError(f"signature set {set_name} is not open in this worker (plugin not registered)")
    e = engine._e()
    out = []
    for path, error, from_walk, skipped in entries:
        out.append(([], skipped) if skipped else tuple(e.scan_found(path, error, from_walk)))
    return out


def _walk(plugin: SignaturePlugin, paths: Iterable[Any]) -> List[Entry]:
    """The driver's walk: the engine's, so the order and the files passed
    over are those of `meshsentry scan` (the engine opened here only for
    its options)."""
    return _local_engine(plugin)._e().walk([_path(p) for p in _paths(paths, "paths")])


def _local_engine(plugin: SignaturePlugin) -> Any:
    return Engine(plugin.paths["set"], trusted_keys=plugin.paths["keys"], allow_list=plugin.paths["allow"],
                  threads=1, **plugin.options)


def _chunks(entries: Sequence[Entry], size: int) -> Iterator[Tuple[int, Sequence[Entry]]]:
    for i in range(0, len(entries), size):
        yield i // size, entries[i:i + size]


def _lost(entries: Sequence[Entry], why: BaseException) -> List[Tuple[List[str], str]]:
    """Error records for the files of a task that failed on every try: the
    files are reported, never dropped."""
    message = f"distributed scan: the task was lost on every try ({type(why).__name__}: {why})"
    return [([], skipped) if skipped else ([_meshsentry.error_line(path, message)], "")
            for path, _, _, skipped in entries]


def scan_paths(client_or_address: Any, paths: Any, signatures: Any, *, chunk: int = 8,
               window: Optional[int] = None, retries: int = 2, list_skipped: bool = False,
               shared_path: bool = False, trusted_keys: Iterable[Any] = (), allow_list: Any = None,
               threshold: float = 0.90, pieces: bool = True, max_file_bytes: Optional[int] = None,
               max_triangles: Optional[int] = None, max_seconds: Optional[int] = None,
               isolate: bool = True) -> Iterator[str]:
    """Scan files and folders on a Dask cluster; yields the JSONL lines (no
    newline) of `meshsentry scan --format jsonl --no-timing`, in its order.

    `client_or_address`: a distributed.Client or a scheduler address.
    `chunk` files make one task; at most `window` tasks (default: 4 per
    worker thread, at least 8) are submitted or held for ordering at once, so
    memory stays bounded for any number of files. A task whose worker is
    lost runs again on another (Dask reschedules it), one that raised is
    tried `retries` more times, and one lost for good gives error records
    for its files. `list_skipped` also yields the
    walk's skip records, as `scan --list-skipped`. `shared_path`: workers
    open `signatures` (and the keys and allow list) by path, on storage they
    share, instead of receiving their bytes. The other arguments are
    Engine's."""
    _need_distributed()
    if chunk < 1 or (window is not None and window < 1) or retries < 0:
        raise ValueError("chunk and window must be >= 1 and retries >= 0")
    plugin = SignaturePlugin(signatures, trusted_keys=trusted_keys, allow_list=allow_list, shared=shared_path,
                             **_engine_options(threshold, pieces, max_file_bytes, max_triangles, max_seconds, isolate))
    entries = _walk(plugin, paths)
    own = not isinstance(client_or_address, Client)
    client = Client(client_or_address) if own else client_or_address
    try:
        _register(client, plugin)
        if window is None:
            window = max(8, 4 * sum(client.nthreads().values()))
        yield from _ordered(client, plugin.name, entries, chunk, window, retries, list_skipped)
    finally:
        if own:
            client.close()


def _ordered(client: Any, set_name: str, entries: Sequence[Entry], chunk: int, window: int, retries: int,
             list_skipped: bool) -> Iterator[str]:
    """Submits chunks while fewer than `window` are in flight or waiting for
    an earlier one, and yields each chunk's lines once all before it are out."""
    todo = _chunks(entries, chunk)
    done: Dict[int, List[Tuple[List[str], str]]] = {}
    chunks: Dict[Any, Tuple[int, Sequence[Entry]]] = {}
    pending = as_completed()
    nxt = 0  # the first chunk not yet yielded
    submitted = 0

    def submit() -> bool:
        nonlocal submitted
        item = next(todo, None)
        if item is None:
            return False
        fut = client.submit(_scan_chunk, set_name, item[1], retries=retries, pure=False)
        chunks[fut] = item
        pending.add(fut)
        submitted += 1
        return True

    while submitted - nxt < window and submit():
        pass
    for fut in pending:
        i, part = chunks.pop(fut)
        try:
            done[i] = fut.result()
        except Exception as why:  # the worker died on every try, or the set could not be opened
            done[i] = _lost(part, why)
        fut.release()
        while nxt in done:
            for lines, skipped in done.pop(nxt):
                yield from lines
                if skipped and list_skipped:
                    yield skipped
            nxt += 1
        while submitted - nxt < window and submit():
            pass


def scan_bag(paths: Any, signatures: Any, *, client: Any = None, partition_size: int = 8,
             shared_path: bool = False, trusted_keys: Iterable[Any] = (), allow_list: Any = None,
             threshold: float = 0.90, pieces: bool = True, max_file_bytes: Optional[int] = None,
             max_triangles: Optional[int] = None, max_seconds: Optional[int] = None, isolate: bool = True) -> Any:
    """A dask.bag of the JSONL lines of a scan, in `meshsentry scan`'s order
    (one partition per `partition_size` files; skip records left out): for
    pipelines that go on with the records (`.map(json.loads).filter(...)`).
    The set is opened once per worker process through the plugin registered
    on `client` (default: the current client, if any); with no client (dask's
    local schedulers), once per process that runs a partition. The other
    arguments are scan_paths'."""
    _need_distributed()
    import dask.bag as db

    plugin = SignaturePlugin(signatures, trusted_keys=trusted_keys, allow_list=allow_list, shared=shared_path,
                             **_engine_options(threshold, pieces, max_file_bytes, max_triangles, max_seconds, isolate))
    entries = _walk(plugin, paths)
    if client is None:
        try:
            from distributed import get_client
            client = get_client()
        except ValueError:
            client = None
    if client is not None:
        _register(client, plugin)
        ref: Any = plugin.name
    else:
        ref = plugin  # no workers to hold it: the partitions carry the plugin itself
    bag = db.from_sequence(entries, partition_size=partition_size)
    return bag.map_partitions(_bag_partition, ref)


def _bag_partition(entries: Sequence[Entry], ref: Any) -> List[str]:
    if isinstance(ref, SignaturePlugin):
        if ref.name not in _ENGINES:
            ref.setup()
        ref = ref.name
    return [line for lines, _ in _scan_chunk(ref, list(entries)) for line in lines]


# The command line ------------------------------------------------------------


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python3 -m meshsentry.dask",
        description="Scan files and folders on a Dask cluster; JSONL on stdout, as "
                    "`meshsentry scan --format jsonl --no-timing`. Exit status: 0 nothing flagged, "
                    "1 a file flagged, 2 an error (and nothing flagged).")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", metavar="ADDRESS", help="the scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--local", metavar="N", type=int, help="start a LocalCluster of N worker processes")
    p.add_argument("--signatures", required=True, metavar="SET", help="the signature set (.msig)")
    p.add_argument("--shared-signatures", action="store_true",
                   help="workers open SET (keys, allow list) by this path on shared storage, not shipped bytes")
    p.add_argument("--trusted-key", action="append", default=[], metavar="PEM")
    p.add_argument("--allow", metavar="FILE", help="allow list")
    p.add_argument("--threshold", type=float, default=0.90)
    p.add_argument("--no-pieces", action="store_true")
    p.add_argument("--no-isolation", action="store_true")
    p.add_argument("--max-file-size", type=int, metavar="BYTES")
    p.add_argument("--max-triangles", type=int)
    p.add_argument("--max-seconds", type=int)
    p.add_argument("--list-skipped", action="store_true", help="also the walk's skip records")
    p.add_argument("--files-from", metavar="LIST", help="paths to scan, one per line ('-': stdin)")
    p.add_argument("--chunk", type=int, default=8, help="files per task (8)")
    p.add_argument("--window", type=int, help="tasks in flight at most (4 per worker thread)")
    p.add_argument("--retries", type=int, default=2,
                   help="tries again of a task that raised (2); one whose worker was lost is rerun anyway")
    p.add_argument("--threads-per-worker", type=int, default=1, help="with --local (1)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    a = p.parse_args(argv)
    if a.files_from:
        f = sys.stdin.buffer if a.files_from == "-" else open(a.files_from, "rb")
        with f:
            a.paths += [os.fsdecode(line) for line in f.read().split(b"\n") if line]
    if not a.paths:
        p.error("no files or folders given")
    if a.local is not None and a.local < 1:
        p.error("--local needs N >= 1")
    return a


def main(argv: Optional[Sequence[str]] = None) -> int:
    a = _arguments(argv)
    try:
        _need_distributed()
    except ImportError as e:
        print(f"meshsentry.dask: {e}", file=sys.stderr)
        return 2
    cluster = None
    flagged = errors = 0
    out = sys.stdout.buffer
    try:
        if a.local is not None:
            from distributed import LocalCluster
            cluster = LocalCluster(n_workers=a.local, threads_per_worker=a.threads_per_worker, processes=True,
                                   dashboard_address=":0")
        with Client(cluster if cluster is not None else a.scheduler) as client:
            for line in scan_paths(client, a.paths, a.signatures, chunk=a.chunk, window=a.window,
                                   retries=a.retries, list_skipped=a.list_skipped,
                                   shared_path=a.shared_signatures, trusted_keys=a.trusted_key,
                                   allow_list=a.allow, threshold=a.threshold, pieces=not a.no_pieces,
                                   max_file_bytes=a.max_file_size, max_triangles=a.max_triangles,
                                   max_seconds=a.max_seconds, isolate=not a.no_isolation):
                verdict = json.loads(line).get("verdict")
                flagged += verdict in ("match", "suspect")
                errors += verdict == "error"
                out.write(line.encode() + b"\n")
                out.flush()
    except (OSError, ValueError, TypeError) as e:
        print(f"meshsentry.dask: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # as the command: what was written stands, files not yet out are not
        print("meshsentry.dask: interrupted, files not yet written were not scanned", file=sys.stderr)
        return 1 if flagged else 2
    finally:
        if cluster is not None:
            cluster.close()
    return 1 if flagged else 2 if errors else 0


if __name__ == "__main__":
    # Run as a script, this file is `__main__`: the tasks must name the
    # importable module instead, which workers can load.
    from meshsentry.dask import main as _main

    sys.exit(_main())
