#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the JSON output's numbers: each is the shortest text that reads back
as its double (Python's repr is that shortest text), so none has more
significant digits than it needs; with two folders of bench/same_output.sh
(before and after a change), also that every file is the same JSON, value for
value and bit for bit, and that each textual difference is a number that now
prints shorter and parses to the same double.

  bench/json_numbers.py AFTER_DIR [BEFORE_DIR]
  bench/json_numbers.py FILE.json|FILE.jsonl ...   (the first check only)
"""
import json
import os
import re
import sys

# Numbers outside strings: a JSON string is skipped as a whole.
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')


def numbers(text):
    return [t for t in TOKEN.findall(text) if not t.startswith('"')]


def significant(num):
    mantissa = re.split(r"[eE]", num)[0].lstrip("-").replace(".", "")
    return len(mantissa.strip("0")) or 1


def is_real(num):
    return any(c in num for c in ".eE")


def needless_digits(text):
    """Real numbers printed with more significant digits than their double needs."""
    return [n for n in numbers(text) if is_real(n) and significant(n) > significant(repr(float(n)))]


def documents(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".jsonl"):
        return [line for line in text.splitlines() if line.strip()]
    return [text]


def same_bits(a, b):
    """Equal JSON values; floats equal as doubles (and of the same kind)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_bits(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a.hex() == b.hex()
    return a == b


def compare(before_doc, after_doc):
    """Problems in after_doc against before_doc (empty when it only got shorter numbers)."""
    if not same_bits(json.loads(before_doc), json.loads(after_doc)):
        return ["values differ"], 0
    problems = []
    # Outside numbers, the text is the same; number for number, a change is shorter and equal.
    skeleton = lambda t: TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "#", t)
    if skeleton(before_doc) != skeleton(after_doc):
        problems.append("text other than numbers differs")
    changed = 0
    for x, y in zip(numbers(before_doc), numbers(after_doc)):
        if x == y:
            continue
        changed += 1
        if float(x) != float(y) or significant(y) >= significant(x) or not is_real(x):
            problems.append(f"{x} -> {y}")
    return problems, changed


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    after = argv[0]
    before = argv[1] if len(argv) > 1 else None
    if os.path.isdir(after):
        files = sorted(f for f in os.listdir(after) if f.endswith((".json", ".jsonl")))
        paths = [os.path.join(after, f) for f in files]
    else:
        files, paths = argv, argv
        before = None
    bad = 0
    for name, path in zip(files, paths):
        docs = documents(path)
        count = sum(len([n for n in numbers(d) if is_real(n)]) for d in docs)
        long = [n for d in docs for n in numbers(d) if is_real(n) and significant(n) > 10]
        needless = [n for d in docs for n in needless_digits(d)]
        line = f"{name}: {len(docs)} documents, {count} real numbers, {len(long)} over 10 digits " \
               f"(all needed: {not needless})"
        bad += len(needless)
        if needless:
            line += f"; needless: {needless[:5]}"
        if before:
            old = documents(os.path.join(before, name))
            if len(old) != len(docs):
                line += f"; {len(old)} documents before"
                bad += 1
            else:
                changed, differ = 0, 0
                for i, (x, y) in enumerate(zip(old, docs)):
                    problems, n = compare(x, y) if x != y else ([], 0)
                    changed += n
                    if problems:
                        differ += 1
                        print(f"{name}:{i + 1}: {problems[:5]}")
                bad += differ
                line += f"; vs before: {changed} numbers shorter, " + \
                        (f"{differ} documents differ otherwise" if differ else "all else identical")
        print(line)
    print("json_numbers: " + ("ok" if not bad else f"{bad} problems"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
