#!/usr/bin/env bash
# meshsentry with the cut-piece search off, for score.py --scanner: what the
# piece stage adds, in recall, false positives and speed.
bin="$(cd "$(dirname "$0")/.." && pwd)/build/meshsentry"
if [ "${1:-}" = scan ]; then exec "$bin" "$@" --no-pieces; fi
exec "$bin" "$@"
