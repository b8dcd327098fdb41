#!/usr/bin/env bash
# meshsentry with the cut-piece search on, for score.py --scanner.
bin="$(cd "$(dirname "$0")/.." && pwd)/build/meshsentry"
if [ "${1:-}" = scan ]; then exec "$bin" "$@" --pieces; fi
exec "$bin" "$@"
