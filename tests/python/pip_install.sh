#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `pip install <source tree>` into a fresh venv with no package index (as on
# an offline machine), then tests/python/test_module.py against the
# installed package, run from outside the source and build trees. The
# backend reuses this build folder's compiled engine (MESHSENTRY_BUILD_DIR),
# so the test takes seconds rather than the minutes a first build takes.
#   pip_install.sh SOURCE_DIR BUILD_DIR [PYTHON]
set -euo pipefail
src=$(realpath "$1")
build=$(realpath "$2")
py=${3:-python3}
# Debian's python3 (and its python3-numpy, through --system-site-packages)
# when its extensions are the kind the build folder made.
suffix() { "$1" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'; }
if [ -x /usr/bin/python3 ] && [ "$(suffix /usr/bin/python3)" = "$(suffix "$py")" ]; then py=/usr/bin/python3; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv --system-site-packages "$tmp/venv"
MESHSENTRY_BUILD_DIR="$build" CMAKE_BUILD_PARALLEL_LEVEL=1 \
  "$tmp/venv/bin/pip" install --no-index --no-cache-dir --disable-pip-version-check -q "$src"
cd "$tmp"
shown=$("$tmp/venv/bin/pip" show meshsentry)  # whole: grep -q on a pipe could cut pip off
grep -q '^Location: '"$tmp/venv/" <<<"$shown"
"$tmp/venv/bin/python" -c 'import meshsentry, sys; assert meshsentry.__file__.startswith(sys.prefix), meshsentry.__file__'
"$tmp/venv/bin/python" "$src/tests/python/test_module.py" "$src"
echo "python_pip: pip install of the source tree passed"
