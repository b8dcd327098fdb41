# SPDX-License-Identifier: MIT
# Validates `scan --format json` and every `scan --format jsonl` line against
# engine/schema/scan-report.schema.json, over models/ plus an archive, a
# broken file and an allow-listed one. Needs python3-jsonschema.
#   /usr/bin/python3 validate_schema.py MESHSENTRY SOURCE_DIR
import hashlib, json, os, subprocess, sys, tempfile, zipfile

try:
    import jsonschema
except ImportError:
    print("validate_schema: python3-jsonschema is not installed; skipped")
    sys.exit(0)

cli, src = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(src, "engine/schema/scan-report.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
result_validator = jsonschema.Draft202012Validator({**schema["$defs"]["result"], "$defs": schema["$defs"]})

with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(tmp, "broken.stl"), "w") as f:
        f.write("solid x\nfacet normal 0 0 1\n")
    rack = os.path.join(src, "models/refs/gear_rack_m2.stl")
    with zipfile.ZipFile(os.path.join(tmp, "parts.zip"), "w") as z:
        z.write(rack, "rack.stl")
        z.writestr("bad.stl", "solid")
    # A name that is not UTF-8: written escaped, with its flag.
    with open(os.path.join(tmp.encode(), b"odd\xff\nname.stl"), "wb") as f:
        f.write(open(rack, "rb").read())
    allowed = os.path.join(src, "models/refs/flange_3hole.stl")
    with open(os.path.join(tmp, "allow.txt"), "w") as f:
        f.write("sha256:%s\n" % hashlib.sha256(open(allowed, "rb").read()).hexdigest())
    args = [cli, "scan", "--allow", os.path.join(tmp, "allow.txt"), os.path.join(src, "models"), tmp]
    doc = json.loads(subprocess.run(args + ["--format", "json"], capture_output=True, text=True).stdout)
    errors = sorted(validator.iter_errors(doc), key=str)
    for e in errors[:5]:
        print("schema:", e.json_path, e.message)
    assert not errors, "scan --format json does not follow the schema"
    assert doc["summary"]["interrupted"] is False
    odd = [r for r in doc["files"] if r.get("path_bytes_escaped")]
    assert [r["path"] for r in odd] == [os.path.join(tmp, "odd\\xff\\nname.stl")], odd
    verdicts = {r["verdict"] for r in doc["files"]}
    assert {"match", "clean", "error", "allowed"} <= verdicts, verdicts
    lines = subprocess.run(args + ["--format", "jsonl"], capture_output=True, text=True).stdout.splitlines()
    assert len(lines) == len(doc["files"])
    for line in lines:
        r = json.loads(line)
        errs = list(result_validator.iter_errors(r))
        assert not errs, (r["path"], errs[0].message)
print("validate_schema: json document and %d jsonl lines follow the schema" % len(lines))
