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
skipped_validator = jsonschema.Draft202012Validator({**schema["$defs"]["skipped_line"], "$defs": schema["$defs"]})

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
    # The inventory: a text file passed over, and a part renamed .png.
    with open(os.path.join(tmp, "README"), "w") as f:
        f.write("groff for Debian\n")
    with open(os.path.join(tmp, "rack.png"), "wb") as f:
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
    assert "case" not in doc  # only where a case field is given
    cased = json.loads(subprocess.run(args + ["--format", "json", "--case", "C-21", "--examiner", "J. O'Neil"],
                                      capture_output=True, text=True).stdout)
    assert not list(validator.iter_errors(cased)), "scan --format json --case does not follow the schema"
    assert cased["case"] == {"id": "C-21", "examiner": "J. O'Neil"}, cased["case"]
    odd = [r for r in doc["files"] if r.get("path_bytes_escaped")]
    assert [r["path"] for r in odd] == [os.path.join(tmp, "odd\\xff\\nname.stl")], odd
    readme = {"path": os.path.join(tmp, "README"), "reason": "not_3d", "content": "text", "bytes": 17}
    assert readme in doc["skipped"], doc["skipped"]
    assert doc["summary"]["skipped"] == len(doc["skipped"]) == doc["summary"]["skipped_by_reason"]["not_3d"]
    renamed = [r for r in doc["files"] if r["path"].endswith("rack.png")]
    assert renamed and renamed[0]["extension_mismatch"] == {"extension": "png", "content": "stl"}, renamed
    assert all("extension_mismatch" not in r for r in doc["files"] if r is not renamed[0])
    verdicts = {r["verdict"] for r in doc["files"]}
    assert {"match", "clean", "error", "allowed"} <= verdicts, verdicts
    lines = subprocess.run(args + ["--format", "jsonl"], capture_output=True, text=True).stdout.splitlines()
    assert len(lines) == len(doc["files"])
    for line in lines:
        r = json.loads(line)
        errs = list(result_validator.iter_errors(r))
        assert not errs, (r["path"], errs[0].message)
    listed = subprocess.run(args + ["--format", "jsonl", "--list-skipped"], capture_output=True, text=True).stdout.splitlines()
    assert len(listed) == len(lines) + len(doc["skipped"])
    for line in listed:
        r = json.loads(line)
        errs = list((skipped_validator if "skipped" in r else result_validator).iter_errors(r))
        assert not errs, (r["path"], errs[0].message)
print("validate_schema: json document and %d jsonl lines follow the schema" % len(lines))
