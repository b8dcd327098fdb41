#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `meshsentry serve` as an operator runs it, over loopback with the standard
# library: /metrics counting, /openapi.json against the routes the server
# registers and the statuses it answered, bearer tokens (401 without, 200
# with), X-Request-Id, /v1/ready, a batch of two files, SIGHUP reloading an
# edited allow-list and token file, and the start-up lines (demo set,
# authentication).
#   tests/serve/test_operations.py MESHSENTRY_BINARY SOURCE_DIR
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

BIN, SRC = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
RACK = os.path.join(SRC, "models/refs/gear_rack_m2.stl")
KNOB = os.path.join(SRC, "models/benign/knob_fluted.stl")
TOKEN, TOKEN2 = "t0k-" + uuid.uuid4().hex, "rotated." + uuid.uuid4().hex
failures = []
seen = set()  # (method, path, status) answered, to hold against the OpenAPI document


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


class Server:
    def __init__(self, tmp, *flags, env=None, expect_start=True):
        self.log_path = os.path.join(tmp, "server-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--threads", "2", *flags],
                                     stderr=self.log, env=env)
        self.port = None
        deadline = time.monotonic() + 30
        while expect_start and time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(r" listening on 127\.0\.0\.1:(\d+),", self.text())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.text(), re.M):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        conn.close()
        seen.add((method, path.split("?")[0], res.status))
        return res.status, res.headers, data

    def json(self, method, path, body=None, headers=None):
        status, hdrs, data = self.request(method, path, body, headers)
        try:
            return status, hdrs, json.loads(data)
        except ValueError:
            return status, hdrs, {"unparsed": data[:300].decode("latin-1")}


def auth(token=TOKEN):
    return {"Authorization": "Bearer " + token}


def multipart(fields):
    """fields: (name, filename or None, bytes). Returns (body, content type)."""
    boundary = "b-" + uuid.uuid4().hex
    out = b""
    for name, filename, data in fields:
        out += b"--" + boundary.encode() + b"\r\n"
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += b"Content-Disposition: " + disp.encode() + b"\r\n"
        if filename:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def metrics(srv):
    status, hdrs, data = srv.request("GET", "/metrics")
    check(status == 200 and hdrs["Content-Type"].startswith("text/plain"), "/metrics answers text/plain without a token")
    values, types = {}, {}
    for line in data.decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            m = re.fullmatch(r'([a-z_]+(?:\{[^}]*\})?) (\S+)', line)
            check(m is not None, "metrics line in the text format: " + line)
            if m:
                values[m.group(1)] = float(m.group(2))
    return values, types


def scan(srv, path, name, headers=None):
    with open(path, "rb") as f:
        return srv.json("POST", "/v1/scan", f.read(), {"X-Filename": name, **auth(), **(headers or {})})


def test_auth_and_ids(srv):
    with open(RACK, "rb") as f:
        rack = f.read()
    for method, path, body in [("POST", "/v1/scan", rack), ("GET", "/v1/signatures", None)]:
        status, hdrs, d = srv.json(method, path, body, {"X-Filename": "r.stl"})
        check(status == 401 and hdrs.get("WWW-Authenticate", "").startswith("Bearer"),
              f"{method} {path} without a token: 401 with WWW-Authenticate: Bearer")
        status, hdrs, d = srv.json(method, path, body, {"X-Filename": "r.stl", **auth("wrong")})
        check(status == 401 and "invalid_token" in hdrs.get("WWW-Authenticate", ""),
              f"{method} {path} with a wrong token: 401, error=invalid_token")
        status, hdrs, d = srv.json(method, path, body, {"X-Filename": "r.stl", **auth(TOKEN[:-1])})
        check(status == 401, f"{method} {path} with a token one character short: 401")
        status, hdrs, d = srv.json(method, path, body, {"X-Filename": "r.stl", "Authorization": "Basic " + TOKEN})
        check(status == 401, f"{method} {path} with the token under another scheme: 401")
        status, _, d = srv.json(method, path, body, {"X-Filename": "r.stl", **auth()})
        check(status == 200, f"{method} {path} with the token: 200")
    body, ctype = multipart([("file", "r.stl", rack)])
    status, _, _ = srv.json("POST", "/v1/scan/batch", body, {"Content-Type": ctype})
    check(status == 401, "POST /v1/scan/batch without a token: 401")
    for path in ["/v1/health", "/v1/ready", "/openapi.json"]:
        status, _, _ = srv.request("GET", path)
        check(status == 200, f"GET {path} stays open: 200 without a token")

    # Request ids: a sane one is echoed (header, body, log), others replaced.
    status, hdrs, d = scan(srv, RACK, "gear_rack_m2.stl", {"X-Request-Id": "job-42.a_b"})
    check(status == 200 and hdrs["X-Request-Id"] == "job-42.a_b" and d.get("request_id") == "job-42.a_b",
          "X-Request-Id echoed in the header and the body")
    check(srv.wait_log(r" POST /v1/scan 200 \d+ match [0-9.]+ms id=job-42\.a_b$", 5), "request id in the access log")
    for bad in ["has space", "x" * 65, "semi;colon", "ünï"]:
        status, hdrs, d = srv.json("GET", "/v1/health", headers={"X-Request-Id": bad.encode("utf-8").decode("latin-1")})
        rid = hdrs["X-Request-Id"]
        check(rid != bad and re.fullmatch(r"[0-9a-f]{16}", rid or "") is not None and d.get("request_id") == rid,
              f"an insane X-Request-Id ({bad[:12]!r}) is replaced by a generated one")
    status, hdrs, d = srv.json("GET", "/v1/nope", headers={"X-Request-Id": "err-1"})
    check(status == 404 and hdrs["X-Request-Id"] == "err-1" and d.get("request_id") == "err-1",
          "error responses carry the request id too")
    ids = {srv.request("GET", "/v1/health")[1]["X-Request-Id"] for _ in range(20)}
    check(len(ids) == 20, "generated request ids differ")


def test_metrics(srv):
    before, types = metrics(srv)
    check(types.get("meshsentry_scans_total") == "counter" and
          types.get("meshsentry_http_request_duration_seconds") == "histogram" and
          types.get("meshsentry_signature_set_age_seconds") == "gauge", "metric types declared")
    status, _, d = scan(srv, RACK, "gear_rack_m2.stl")
    status2, _, d2 = scan(srv, KNOB, "knob_fluted.stl")
    check(status == status2 == 200 and d["verdict"] == "match" and d2["verdict"] == "clean", "two scans")
    after, _ = metrics(srv)
    delta = lambda k: after.get(k, 0) - before.get(k, 0)
    check(delta('meshsentry_scans_total{verdict="match"}') == 1, "scans_total{verdict=match} +1")
    check(delta('meshsentry_scans_total{verdict="clean"}') == 1, "scans_total{verdict=clean} +1")
    check(delta("meshsentry_scanned_bytes_total") == os.path.getsize(RACK) + os.path.getsize(KNOB),
          "scanned_bytes_total grows by the two files' sizes")
    # The two scans and the first /metrics request itself: responses are
    # counted before they are written, so each is in by the next request.
    check(delta('meshsentry_http_requests_total{code="200"}') == 3, 'http_requests_total{code="200"} +3')
    check(after['meshsentry_http_requests_total{code="401"}'] >= 9, "401s counted by status code")
    check(after["meshsentry_http_unauthorized_total"] >= 9, "http_unauthorized_total counts them")
    buckets = [v for k, v in after.items() if k.startswith("meshsentry_http_request_duration_seconds_bucket")]
    check(buckets == sorted(buckets) and buckets[-1] == after["meshsentry_http_request_duration_seconds_count"]
          and 'meshsentry_http_request_duration_seconds_bucket{le="+Inf"}' in after
          and delta("meshsentry_http_request_duration_seconds_count") == 3
          and after["meshsentry_http_request_duration_seconds_sum"] > before["meshsentry_http_request_duration_seconds_sum"],
          "latency histogram: cumulative buckets ending in +Inf = count, count and sum grow")
    check(after["meshsentry_http_requests_in_flight"] >= 1, "in-flight gauge counts the /metrics request itself")
    # STL is read natively: the two workers of --threads 2 were forked at start and took nothing.
    check(after["meshsentry_isolation_workers_started_total"] == 2 and delta("meshsentry_isolation_files_total") == 0
          and after['meshsentry_isolation_workers_ended_total{reason="killed"}'] == 0,
          "isolation workers: two forked at start, none ended")
    check(after["meshsentry_signature_set_entries"] == 8 and after["meshsentry_signature_set_age_seconds"] > 0
          and after["meshsentry_signature_set_loaded"] == 1
          and abs(after["meshsentry_signature_set_load_timestamp_seconds"] - time.time()) < 600,
          "signature-set entries, age, loaded, load time")
    check(any(k.startswith('meshsentry_signature_set_info{name="demo",sha256="') for k in after), "set info labels")
    return after


def test_ready(srv, allow_rules):
    status, _, d = srv.json("GET", "/v1/ready")
    sig = d.get("signatures") or {}
    check(status == 200 and d["status"] == "ready", "/v1/ready: 200 ready")
    check(sig.get("name") == "demo" and sig.get("entries") == 8 and sig.get("created") == "2026-11-28T00:00:00Z"
          and len(sig.get("sha256", "")) == 64 and isinstance(sig.get("age_seconds"), int) and sig["age_seconds"] > 0
          and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sig.get("loaded_at", "")) is not None
          and 0 < sig.get("load_seconds", -1) < 60, "/v1/ready: set name, entries, created, age, load time")
    check(d.get("allow_list", {}).get("loaded") is True and d["allow_list"].get("entries") == allow_rules,
          f"/v1/ready: allow-list loaded with {allow_rules} rules")


def test_batch(srv):
    with open(RACK, "rb") as f:
        rack = f.read()
    with open(KNOB, "rb") as f:
        knob = f.read()
    body, ctype = multipart([("batch", None, b"nightly-7"), ("file", "gear_rack_m2.stl", rack),
                             ("file", "knob_fluted.stl", knob)])
    status, hdrs, d = srv.json("POST", "/v1/scan/batch", body, {"Content-Type": ctype, **auth()})
    files = d.get("files", [])
    check(status == 200 and d.get("batch") == "nightly-7" and d.get("verdict") == "match" and len(files) == 2,
          "batch of 2: 200, batch id echoed, overall verdict match")
    check([f.get("name") for f in files] == ["gear_rack_m2.stl", "knob_fluted.stl"]
          and [f.get("verdict") for f in files] == ["match", "clean"], "batch: one record per file, in order")
    _, _, single = scan(srv, RACK, "gear_rack_m2.stl")
    check(files and files[0]["results"] == single["results"], "a batch record's results equal /v1/scan's")
    check(d.get("request_id") == hdrs["X-Request-Id"], "batch: request id in the body")
    for fields, want, what in [
        ([("file", "a.stl", rack), ("comment", None, b"x")], 400, "a part without a filename"),
        ([("batch", None, b"bad id!"), ("file", "a.stl", rack)], 400, "a bad batch id"),
        ([("batch", None, b"only")], 400, "no file"),
        ([("file", "f%d.stl" % i, knob) for i in range(4)], 413, "more files than --max-batch-files 3"),
    ]:
        body, ctype = multipart(fields)
        status, _, d = srv.json("POST", "/v1/scan/batch", body, {"Content-Type": ctype, **auth()})
        check(status == want and "error" in d, f"batch with {what}: {want}")
    status, _, _ = srv.json("POST", "/v1/scan/batch", rack, {"X-Filename": "a.stl", **auth()})
    check(status == 400, "batch without multipart: 400")
    big = b"x" * 600000
    body, ctype = multipart([("file", "a.stl", big), ("file", "b.stl", big)])
    status, _, _ = srv.json("POST", "/v1/scan/batch", body, {"Content-Type": ctype, **auth()})
    check(status == 413, "batch over --max-request-size in total (two 600 kB parts, 1 MB limit): 413")


def test_reload(srv, tmp, allow, tokens):
    # The rack matches; put its sha256 on the allow-list, SIGHUP, and it is allowed.
    with open(RACK, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(allow, "a") as f:
        f.write("sha256:%s\n" % digest)
    with open(tokens, "w") as f:
        f.write(TOKEN2 + "\n")
    srv.proc.send_signal(signal.SIGHUP)
    check(srv.wait_log(r"reloaded .*allow-list .*: 2 rules"), "SIGHUP: reload logged with the allow-list's rules")
    check(srv.wait_log(r"reloaded tokens from "), "SIGHUP: token file re-read")
    status, _, d = srv.json("POST", "/v1/scan", open(RACK, "rb").read(), {"X-Filename": "r.stl", **auth(TOKEN2)})
    r = (d.get("results") or [{}])[0]
    check(status == 200 and r.get("verdict") == "allowed" and digest in r.get("allowed_by", "")
          and d.get("verdict") == "clean", "after SIGHUP the edited allow-list allows the rack")
    status, _, _ = srv.json("GET", "/v1/signatures", headers=auth(TOKEN))
    check(status == 401, "after SIGHUP the removed token is refused")
    test_ready(srv, 2)
    values, _ = metrics(srv)
    check(values['meshsentry_reloads_total{result="ok"}'] == 1 and values["meshsentry_allow_list_entries"] == 2
          and values['meshsentry_scans_total{verdict="allowed"}'] == 0, "metrics: one reload, 2 allow rules")
    # A broken allow-list on SIGHUP: refused, the loaded set and list stay.
    with open(allow, "w") as f:
        f.write("sha256:not-hex\n")
    srv.proc.send_signal(signal.SIGHUP)
    check(srv.wait_log(r"reload failed, keeping 'demo' and the allow-list: allow-list .*allow.txt"), "a broken allow-list is refused")
    status, _, d = srv.json("POST", "/v1/scan", open(RACK, "rb").read(), {"X-Filename": "r.stl", **auth(TOKEN2)})
    check(status == 200 and d["results"][0]["verdict"] == "allowed", "the previous allow-list is kept")
    values, _ = metrics(srv)
    check(values['meshsentry_reloads_total{result="failed"}'] == 1, "metrics: the failed reload counted")


def test_openapi(srv):
    status, hdrs, doc = srv.json("GET", "/openapi.json")
    check(status == 200 and hdrs["Content-Type"] == "application/json" and doc.get("openapi", "").startswith("3.0"),
          "/openapi.json: an OpenAPI 3.0 document")
    with open(os.path.join(SRC, "cli/openapi.json")) as f:
        check(json.load(f) == doc, "/openapi.json serves cli/openapi.json")
    # Every $ref points at something in the document.
    def refs(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from ([v] if k == "$ref" else refs(v))
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)
    for ref in sorted(set(refs(doc))):
        target = doc
        for part in ref.lstrip("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        check(ref.startswith("#/components/") and target is not None, f"$ref {ref} resolves")
    # Every route the server registers (server.Get/Post with a literal path).
    with open(os.path.join(SRC, "cli/serve_routes.cpp")) as f:
        registered = {(m.lower(), p) for m, p in re.findall(r'server\.(Get|Post)\("(/[^"]*)"', f.read())}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    check(len(registered) >= 7 and registered == documented,
          f"OpenAPI paths = registered routes ({sorted(registered ^ documented) or 'same'})")
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            for code, r in op["responses"].items():
                check("Retry:" in r.get("description", ""), f"{m.upper()} {p} {code}: says whether to retry")
                if code == "503":
                    check("Retry-After" in r.get("headers", {}), f"{m.upper()} {p} 503: Retry-After header")
            secured = any(s for s in op.get("security", doc.get("security", [])))
            check(secured == ("401" in op["responses"]), f"{m.upper()} {p}: a 401 exactly where a token may be needed")
    # Every status this run saw on a documented route is documented.
    for method, path, code in sorted(seen):
        op = doc["paths"].get(path, {}).get(method.lower())
        if op is not None:
            check(str(code) in op["responses"], f"{method} {path} answered {code}: documented")


def test_busy(tmp):
    # Past --max-connections the answer is a 503 written before any request
    # is read: it still has Retry-After and a request id, and is counted.
    srv = Server(tmp, "--signatures", os.path.join(SRC, "signatures/demo.msig"), "--max-connections", "1")
    try:
        held = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        held.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # headers not finished: holds the slot
        time.sleep(0.3)
        status, hdrs, d = srv.json("GET", "/v1/health")
        rid = hdrs.get("X-Request-Id", "")
        check(status == 503 and hdrs.get("Retry-After") == "1" and re.fullmatch(r"[0-9a-f]{16}", rid) is not None
              and d.get("request_id") == rid, "past --max-connections: 503 with Retry-After and a request id")
        check(srv.wait_log(r" - - 503 0 busy - id=" + rid + "$", 5), "the busy 503 logged with its id")
        held.sendall(b"Connection: close\r\n\r\n")  # answered, then closed by the server
        held.recv(4096)
        held.close()
        time.sleep(0.3)
        values, _ = metrics(srv)
        check(values.get("meshsentry_http_connections_refused_total") == 1, "metrics: one connection refused")
    finally:
        srv.stop()


def test_startup_lines(tmp):
    env = {k: v for k, v in os.environ.items() if k != "MESHSENTRY_SIGNATURES"}
    srv = Server(tmp, env=env)
    try:
        text = srv.text()
        check(srv.port is not None and "WARNING: no --signatures given: serving the 8-part DEMO set" in text,
              "without --signatures: a start-up warning about the demo set")
        check("authentication: off" in text, "without --token-file: 'authentication: off' at start")
        status, _, _ = srv.json("POST", "/v1/scan", open(RACK, "rb").read(), {"X-Filename": "r.stl"})
        check(status == 200, "authentication off: a scan needs no token")
    finally:
        srv.stop()
    empty = os.path.join(tmp, "empty-tokens")
    with open(empty, "w") as f:
        f.write("# nothing\n\n")
    srv = Server(tmp, "--token-file", empty, expect_start=False)
    rc = srv.proc.wait(20)
    check(rc == 2 and "has no token" in srv.text(), "a token file without tokens: exit 2")
    srv.stop()
    srv = Server(tmp, "--token-file", os.path.join(tmp, "missing"), expect_start=False)
    rc = srv.proc.wait(20)
    check(rc == 2 and "cannot read the token file" in srv.text(), "a missing token file: exit 2")
    srv.stop()
    broken = os.path.join(tmp, "broken-allow.txt")
    with open(broken, "w") as f:
        f.write("sha256:xyz\n")
    srv = Server(tmp, "--allow", broken, expect_start=False)
    rc = srv.proc.wait(20)
    check(rc == 2 and "cannot open allow-list " + broken in srv.text(), "a broken --allow at start: exit 2, named")
    srv.stop()
    loose = os.path.join(tmp, "loose-tokens")
    with open(loose, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(loose, 0o644)
    srv = Server(tmp, "--signatures", os.path.join(SRC, "signatures/demo.msig"), "--token-file", loose)
    text = srv.text()
    check(srv.port is not None and "warning: the token file" in text and "chmod 600" in text
          and "DEMO" not in text, "a world-readable token file: warned at start; --signatures: no demo warning")
    srv.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="serve-ops-")
    srv = None
    try:
        allow = os.path.join(tmp, "allow.txt")
        with open(allow, "w") as f:
            f.write("# appeals\ngeometry:" + "0" * 32 + "\n")
        tokens = os.path.join(tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("# service tokens\n\n  %s  \nother-token\n" % TOKEN)
        os.chmod(tokens, 0o600)
        sigs = os.path.join(tmp, "set.msig")
        shutil.copy(os.path.join(SRC, "signatures/demo.msig"), sigs)
        srv = Server(tmp, "--signatures", sigs, "--allow", allow, "--token-file", tokens, "--max-batch-files", "3",
                     "--max-request-size", "1000000")
        if srv.port is None:
            sys.exit("test_operations: the server did not start: " + srv.text()[-2000:])
        text = srv.text()
        check("authentication: bearer tokens from " + tokens in text and "warning" not in text.lower(),
              "start-up says 'authentication: bearer tokens from FILE'; no warning for a 0600 file and a set")
        check("allow-list " + allow + ": 1 rules" in text, "start-up names the allow-list")
        test_auth_and_ids(srv)
        test_metrics(srv)
        test_ready(srv, 1)
        test_batch(srv)
        test_reload(srv, tmp, allow, tokens)
        test_openapi(srv)
        srv.stop()
        check(srv.proc.returncode == 0, "SIGTERM: exit 0")
        srv = None
        test_busy(tmp)
        test_startup_lines(tmp)
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("test_operations: %d FAILED:\n  %s" % (len(failures), "\n  ".join(failures)))
        sys.exit(1)
    print("test_operations: all passed")


if __name__ == "__main__":
    main()
