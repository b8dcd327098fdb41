#!/usr/bin/env bash
# `meshsentry serve` end to end, over loopback with curl: scans (raw body and
# multipart), the JSON errors (400, 404, 405, 413), 16 scans at once, a
# SIGHUP reload under load, a failed reload, and a clean SIGTERM exit.
#   tests/serve/test_serve.sh MESHSENTRY_BINARY SOURCE_DIR
set -euo pipefail
bin=$(realpath "$1") src=$(realpath "$2")
py=/usr/bin/python3 curl=/usr/bin/curl
tmp=$(mktemp -d)
srv_pid=
cleanup() {
  # The server and any curl still running in the background: never left behind.
  set +e
  [ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
t0=$EPOCHREALTIME
fail() {
  echo "test_serve: FAIL: $*" >&2
  [ -f "$tmp/server.log" ] && { echo "--- server log (tail):" >&2; tail -n 40 "$tmp/server.log" >&2; }
  exit 1
}
step() { awk -v s="$*" -v now="$EPOCHREALTIME" -v t0="$t0" 'BEGIN { printf "test_serve: %-56s %5.1fs\n", s, now - t0 }'; }

# json FILE EXPR: EXPR (Python, the document is `d`) must be true.
json() {
  "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" \
    || fail "$1: expected $2, got: $(head -c 600 "$1")"
}
# http CODE OUT CURL_ARGS...: the request must answer CODE.
http() {
  local want=$1 out=$2 got
  shift 2
  got=$("$curl" -s -o "$out" -w '%{http_code}' --max-time 60 "$@") || fail "curl $* failed"
  [ "$got" = "$want" ] || fail "expected HTTP $want, got $got for: $* -> $(head -c 300 "$out")"
}

sigs=$tmp/live.msig
cp "$src/signatures/demo.msig" "$sigs"
"$bin" sig build --manifest "$src/signatures/demo.tsv" --out "$tmp/reloaded.msig" --name reloaded 2>/dev/null
rack=$src/models/refs/gear_rack_m2.stl knob=$src/models/benign/knob_fluted.stl
head -c 2000000 /dev/zero | tr '\0' 'x' >"$tmp/2mb.bin"

# Port 0: the server binds a free port and logs it; no race with other tests.
# The log exists before the server does, so the first look never fails.
: >"$tmp/server.log"
"$bin" serve --signatures "$sigs" --listen 127.0.0.1:0 --threads 4 --max-request-size 1000000 2>"$tmp/server.log" &
srv_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  kill -0 "$srv_pid" 2>/dev/null || fail "server exited at start"
  sleep 0.05
done
[ -n "$port" ] || fail "server did not log its port"
url=http://127.0.0.1:$port
for _ in $(seq 100); do "$curl" -sf -o /dev/null "$url/v1/health" && break; sleep 0.05; done
http 200 "$tmp/health.json" "$url/v1/health"
json "$tmp/health.json" 'd["status"] == "ok" and d["version"]'
step "up on port $port"

# Errors at start: exit 2 with a message.
rc=0; timeout 20 "$bin" serve --signatures "$sigs" --listen "127.0.0.1:$port" 2>"$tmp/busy.log" || rc=$?
[ "$rc" = 2 ] && grep -q "cannot listen on 127.0.0.1:$port" "$tmp/busy.log" || fail "port in use: rc $rc, $(cat "$tmp/busy.log")"
rc=0; timeout 20 "$bin" serve --signatures "$tmp/missing.msig" --listen 127.0.0.1:0 2>"$tmp/missing.log" || rc=$?
[ "$rc" = 2 ] && grep -q "cannot open signatures" "$tmp/missing.log" || fail "missing set: rc $rc"
step "exit 2 on a busy port and a missing set"
# A trusted key: an unsigned set does not start the service; a signed one does.
"$bin" sig keygen --out "$tmp/k.pem" 2>/dev/null
rc=0; timeout 20 "$bin" serve --signatures "$sigs" --trusted-key "$tmp/k.pub.pem" --listen 127.0.0.1:0 \
  2>"$tmp/unsigned.log" || rc=$?
[ "$rc" = 2 ] && grep -q "not signed" "$tmp/unsigned.log" || fail "unsigned set with a trusted key: rc $rc"
step "exit 2 on an unsigned set when a key is trusted"

http 200 "$tmp/sigs.json" "$url/v1/signatures"
json "$tmp/sigs.json" 'd["name"] == "demo" and d["entries"] == 8 and len(d["sha256"]) == 64 and d["created"] and d["engine_version"]'

http 200 "$tmp/rack.json" -X POST -H "X-Filename: gear_rack_m2.stl" --data-binary "@$rack" "$url/v1/scan"
json "$tmp/rack.json" 'd["verdict"] == "match" and d["results"][0]["path"] == "gear_rack_m2.stl"
  and d["results"][0]["matches"][0]["signature"] == "gear_rack_m2" and d["signatures"]["name"] == "demo"'
# The results are exactly what `scan --format jsonl` prints for the same bytes.
cp "$rack" "$tmp/gear_rack_m2.stl"
(cd "$tmp" && "$bin" scan --signatures "$sigs" --format jsonl --no-timing gear_rack_m2.stl >cli.jsonl) || true
"$py" -c 'import json, sys; a = json.load(open(sys.argv[1]))["results"]; b = [json.loads(l) for l in open(sys.argv[2])]
sys.exit(a != b)' "$tmp/rack.json" "$tmp/cli.jsonl" || fail "serve and scan --format jsonl differ"
http 200 "$tmp/rack2.json" -X POST --data-binary "@$rack" "$url/v1/scan?name=rack%20copy.stl"
json "$tmp/rack2.json" 'd["verdict"] == "match" and d["results"][0]["path"] == "rack copy.stl"'
http 200 "$tmp/knob.json" -F "file=@$knob" "$url/v1/scan"
json "$tmp/knob.json" 'd["verdict"] == "clean" and d["results"][0]["path"] == "knob_fluted.stl" and d["results"][0]["triangles"] > 0'
step "scans: raw body (header and ?name=), multipart"

http 400 "$tmp/e1.json" -X POST -H "X-Filename: a.stl" --data-binary "" "$url/v1/scan"
json "$tmp/e1.json" '"empty" in d["error"]'
http 400 "$tmp/e2.json" -X POST --data-binary "@$rack" "$url/v1/scan"
json "$tmp/e2.json" '"name" in d["error"]'
http 400 "$tmp/e3.json" -F "other=@$knob" "$url/v1/scan"
http 413 "$tmp/e4.json" -X POST -H "X-Filename: big.stl" --data-binary "@$tmp/2mb.bin" "$url/v1/scan"
json "$tmp/e4.json" '"limit" in d["error"]'
http 413 "$tmp/e5.json" -X POST -H "Expect:" -H "X-Filename: big.stl" --data-binary "@$tmp/2mb.bin" "$url/v1/scan"
http 413 "$tmp/e6.json" -X POST -H "Transfer-Encoding: chunked" -H "X-Filename: big.stl" --data-binary "@$tmp/2mb.bin" "$url/v1/scan"
http 404 "$tmp/e7.json" "$url/v1/nope"
json "$tmp/e7.json" '"error" in d'
http 405 "$tmp/e8.json" "$url/v1/scan"
http 405 "$tmp/e9.json" -X POST --data-binary x "$url/v1/health"
json "$tmp/e9.json" '"error" in d'
step "errors: 400 x3, 413 x3 (length, no Expect, chunked), 404, 405 x2"

# burst N TAG: N scans at once, alternating a match and a clean file.
burst() {
  local n=$1 tag=$2 i f want
  local pids=()
  for i in $(seq "$n"); do
    if [ $((i % 2)) = 0 ]; then f=$rack; else f=$knob; fi
    "$curl" -s -o "$tmp/$tag.$i.json" -w '%{http_code}' --max-time 120 -X POST -H "X-Filename: $(basename "$f")" \
      --data-binary "@$f" "$url/v1/scan" >"$tmp/$tag.$i.code" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "$tag: curl $((i + 1)) failed"; done
  for i in $(seq "$n"); do
    [ "$(cat "$tmp/$tag.$i.code")" = 200 ] || fail "$tag: request $i answered $(cat "$tmp/$tag.$i.code")"
    if [ $((i % 2)) = 0 ]; then want=match; else want=clean; fi
    json "$tmp/$tag.$i.json" "d['verdict'] == '$want'"
  done
}
burst 16 burst
step "16 parallel scans"

# SIGHUP with requests in flight: the set is swapped, no request fails.
cp "$tmp/reloaded.msig" "$sigs"
(burst 16 during) &
during=$!
kill -HUP "$srv_pid"
for _ in $(seq 200); do
  http 200 "$tmp/sigs2.json" "$url/v1/signatures"
  "$py" -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["name"] != "reloaded")' "$tmp/sigs2.json" && break
  sleep 0.05
done
json "$tmp/sigs2.json" 'd["name"] == "reloaded" and d["entries"] == 8'
wait "$during" || fail "requests during the reload failed"
http 200 "$tmp/after.json" -X POST -H "X-Filename: r.stl" --data-binary "@$rack" "$url/v1/scan"
json "$tmp/after.json" 'd["verdict"] == "match" and d["signatures"]["name"] == "reloaded"'
grep -q "reloaded $sigs: 'reloaded'" "$tmp/server.log" || fail "no reload line in the log"
step "SIGHUP reload during 16 scans"

# A broken set on SIGHUP: logged, the loaded one stays.
echo "not a signature set" >"$sigs"
kill -HUP "$srv_pid"
for _ in $(seq 200); do grep -q "reload failed" "$tmp/server.log" && break; sleep 0.05; done
grep -q "reload failed, keeping 'reloaded'" "$tmp/server.log" || fail "no 'reload failed' line"
http 200 "$tmp/sigs3.json" "$url/v1/signatures"
json "$tmp/sigs3.json" 'd["name"] == "reloaded"'
step "failed reload keeps the loaded set"

# One log line per request: client, method, path, status, bytes, verdict, ms.
grep -Eq "^[0-9T:.-]+Z 127\.0\.0\.1:[0-9]+ POST /v1/scan 200 16284 match [0-9.]+ms id=[0-9a-f]{16}$" "$tmp/server.log" \
  || fail "no scan line in the expected format"
grep -Eq " GET /v1/nope 404 0 - " "$tmp/server.log" || fail "no 404 log line"

kill -TERM "$srv_pid"
for _ in $(seq 300); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.05; done
rc=0; wait "$srv_pid" || rc=$?
srv_pid=
[ "$rc" = 0 ] || fail "server exit status $rc after SIGTERM"
grep -q "stopped" "$tmp/server.log" || fail "no 'stopped' line"
step "SIGTERM: exit 0"
echo "test_serve: all passed ($(grep -c ' /v1/' "$tmp/server.log") requests logged)"
