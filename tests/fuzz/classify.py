#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Replays fuzz artifacts and says whose bug each one is, from the first stack
# frame that is neither the sanitizer/libFuzzer runtime nor another system
# library (libc, libstdc++, zlib, ...), which only pass the call through:
#   assimp / libarchive   inside that library (see KNOWN-ASSIMP.md)
#   ours                  our code (engine/, cli/, tests/fuzz/, namespace meshsentry),
#                         or a crash with no stack
#   no-repro              the replay ran clean
#   unclear               a timeout whose replay printed no stack (not counted as ours)
#   classify.py FUZZ_BINARY ARTIFACT...    -> one line per artifact;
# exit 1 when any artifact is "ours". run.sh uses it for fuzz_assimp_loader,
# whose fork mode keeps fuzzing past Assimp's crashes.
import os
import re
import subprocess
import sys

RUNTIME = re.compile(r"in (__sanitizer|__asan|__ubsan|__lsan|__interceptor|fuzzer::|operator (new|delete)"
                     r"|(m|c|re)alloc\b|free\b|abort\b|raise\b|__pthread_kill|__libc|_start\b|main\b|LLVMFuzzerTestOneInput)"
                     r"|[ /](nptl|stdlib|signal|string|sysdeps|csu)/")  # libc's own sources
SYSTEM_LIB = re.compile(r"\(/(usr/)?lib/[^ ]*\.so")
FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ (.*)$")
# A frame the sanitizer could not name (no llvm-symbolizer on the machine):
# "  (/path/binary+0x14fb5d) (BuildId: ...)".
UNNAMED = re.compile(r"^\s*\((/[^+()]+)\+(0x[0-9a-f]+)\)")


OURS = re.compile(r"meshsentry|/engine/|/tests/|/cli/")  # in a frame's function or source, not its module
MODULE = re.compile(r"\((/[^+()]+)\+0x[0-9a-f]+\)|\(BuildId: [0-9a-f]+\)")


def own_binary(binary, frame):
    """Whether the frame lies in the fuzz binary itself (not a shared library)."""
    u = re.search(r"\((/[^+()]+)\+0x[0-9a-f]+\)", frame)
    return bool(u) and os.path.realpath(u.group(1)) == os.path.realpath(binary)


def name_frames(binary, lines):
    """Names the fuzz binary's own unnamed frames with addr2line, so that the
    sanitizer and libFuzzer runtime linked into it is still told from our code
    on a machine without llvm-symbolizer (CI installs clang without it)."""
    real = os.path.realpath(binary)
    offsets = sorted({u.group(2) for l in lines for m in [FRAME.match(l)] if m
                      for u in [UNNAMED.match(m.group(1))] if u and os.path.realpath(u.group(1)) == real})
    if not offsets:
        return lines
    try:
        out = subprocess.run(["addr2line", "-f", "-C", "-e", binary] + offsets, capture_output=True,
                             text=True, errors="replace", timeout=60).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return lines
    names = {o: out[2 * i] for i, o in enumerate(offsets) if 2 * i < len(out) and out[2 * i] != "??"}
    named = []
    for l in lines:
        m = FRAME.match(l)
        u = UNNAMED.match(m.group(1)) if m else None
        if u and u.group(2) in names and os.path.realpath(u.group(1)) == real:
            l = l[:m.start(1)] + "in " + names[u.group(2)] + " " + m.group(1)
        named.append(l)
    return named


def replay(binary, artifact, asan_extra=""):
    env = dict(os.environ)
    # A huge allocation fails with its stack instead of an RSS OOM without one
    # (ASan writes the block's shadow before libFuzzer's malloc hook runs).
    env["ASAN_OPTIONS"] = ":".join(filter(None, ["max_allocation_size_mb=2048", env.get("ASAN_OPTIONS"), asan_extra]))
    p = subprocess.run([binary, "-timeout=10", "-rss_limit_mb=2048", artifact], capture_output=True,
                       text=True, errors="replace", timeout=120, env=env)
    return p.returncode, name_frames(binary, (p.stdout + p.stderr).splitlines())


def classify(binary, artifact):
    try:
        rc, lines = replay(binary, artifact)
        # Leak stacks need the slow unwinder: the fast one stops in libraries
        # built without frame pointers (zlib under Assimp). Only for leaks: it
        # leaves a timeout's stack empty.
        if any("LeakSanitizer" in l for l in lines):
            rc, lines = replay(binary, artifact, "fast_unwind_on_malloc=0")
    except subprocess.TimeoutExpired:
        return "ours", "replay hung past 120 s"
    if rc == 0:
        return "no-repro", "replay ran clean"
    what = next((l.strip() for l in lines if "ERROR:" in l or "runtime error" in l or "ai_assert" in l),
                "exit %d" % rc)
    if "runtime error" in what:  # UBSan names the source line, not a frame
        return ("ours" if "/engine/" in what or "/tests/" in what else "assimp"), what
    for l in lines:
        m = FRAME.match(l)
        if not m or RUNTIME.search(m.group(1)):
            continue
        # Assimp's own code: its library, or its header-only classes
        # (MemoryIOStream, Importer::ReadFile) compiled into our binary.
        if "libassimp.so" in m.group(1) or re.match(r"in Assimp::|.*/usr/include/assimp/", MODULE.sub("", m.group(1))):
            return "assimp", what
        if "libarchive.so" in m.group(1):
            return "libarchive", what
        if SYSTEM_LIB.search(m.group(1)):
            continue
        # Code linked into the fuzz binary that is not ours: the sanitizer's
        # interceptors under libc's names (strncmp, memcpy), its allocator,
        # libFuzzer. Ours names our namespace or our sources.
        if own_binary(binary, m.group(1)) and not OURS.search(MODULE.sub("", m.group(1))):
            continue
        return "ours", what + " at " + m.group(1)[:160]
    # A timeout whose replay printed no frames says nothing about whose loop
    # it was (the alarm can land while the stack is being printed, under load).
    if "timeout" in what:
        return "unclear", what + " (no stack)"
    return "ours", what + " (no stack)"


def main():
    binary, artifacts = sys.argv[1], sys.argv[2:]
    ours = 0
    for a in artifacts:
        who, what = classify(binary, a)
        ours += who == "ours"
        print("%-10s %s  %s" % (who, a, what[:300]))
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
