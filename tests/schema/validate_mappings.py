#!/usr/bin/python3
"""Every bundled mapping validates against mappings/sql2mongo-mapping.schema.json read as draft 2020-12,
as editors read it. sql2mongo itself checks mappings against the same file with valijson (draft 7;
tests/unit/mapping_schema_test.cc keeps the two readings equal), so the mistakes listed here are the ones
sql2mongo refuses."""
import glob
import json
import os
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def strip_comments(text):
    """Removes // and /* */ comments outside strings (mapping files allow them; JSON does not)."""
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def main():
    with open(os.path.join(ROOT, "mappings", "sql2mongo-mapping.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    checked = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "mappings", "*.json")) + glob.glob(os.path.join(ROOT, "bench", "mappings", "*.json"))):
        if path.endswith(".schema.json"):
            continue
        with open(path) as f:
            mapping = json.loads(strip_comments(f.read()))
        errors = sorted(validator.iter_errors(mapping), key=lambda e: e.path)
        checked += 1
        for e in errors:
            failures += 1
            print(f"FAIL {os.path.relpath(path, ROOT)}: {'/'.join(map(str, e.path))}: {e.message}")
    bad = {
        "unknown key": {"collections": {"c": {"from": "t", "form": "x"}}},
        "missing as": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u"}}}}},
        "bad type": {"collections": {"c": {"from": "t", "fields": {"a": {"column": "x", "type": "integer"}}}}},
        "dollar path": {"collections": {"c": {"from": "t", "fields": {"$a": "x"}}}},
        "empty segment": {"collections": {"c": {"from": "t", "fields": {"a..b": "x"}}}},
        "order_by on object": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u", "as": "object", "order_by": "x"}}}}},
        "value with fields": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u", "as": "array", "value": "x", "fields": {"a": "b"}}}}}},
        "no collections": {"source": "sqlite:x"},
        "version 2": {"version": 2, "collections": {"c": {"from": "t"}}},
        "column and expr": {"collections": {"c": {"from": "t", "fields": {"a": {"column": "x", "expr": "LOWER(x)"}}}}},
        "neither column nor expr": {"collections": {"c": {"from": "t", "fields": {"a": {"type": "string"}}}}},
        "empty expr": {"collections": {"c": {"from": "t", "fields": {"a": {"expr": ""}}}}},
        "expr as join key": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u", "as": "object", "local": {"expr": "x"}}}}}},
        "expr as value": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u", "as": "array", "value": {"expr": "x"}}}}}},
        "expr in order_by": {"collections": {"c": {"from": "t", "order_by": [{"expr": "x"}]}}},
        "expr as an _id part": {"collections": {"c": {"from": "t", "_id": {"k": {"expr": "x"}}}}},
        "dotted _id key": {"collections": {"c": {"from": "t", "_id": {"a.b": "x"}}}},
        "dollar _id key": {"collections": {"c": {"from": "t", "_id": {"$a": "x"}}}},
        "comment not text": {"collections": {"c": {"from": "t", "comment": ["a", "b"]}}},
        "order_by sideways": {"collections": {"c": {"from": "t", "order_by": "a SIDEWAYS"}}},
        "dollar collection name": {"collections": {"a$b": {"from": "t"}}},
        "schema_version 0": {"schema_version": 0, "collections": {"c": {"from": "t"}}},
        "schema_version as text": {"schema_version": "2", "collections": {"c": {"from": "t"}}},
        "fractional schema_version": {"schema_version": 1.5, "collections": {"c": {"from": "t"}}},
        "dotted schema_version_field": {"schema_version": 1, "schema_version_field": "a.b", "collections": {"c": {"from": "t"}}},
        "schema_version_field _id": {"schema_version": 1, "schema_version_field": "_id", "collections": {"c": {"from": "t"}}},
        "schema_version_field true": {"schema_version": 1, "schema_version_field": True, "collections": {"c": {"from": "t"}}},
    }
    good = {
        "computed field": {"collections": {"c": {"from": "t", "fields": {"a": {"expr": "LOWER(x)", "type": "string", "nulls": "omit"}}}}},
        "computed embed field": {"collections": {"c": {"from": "t", "embed": {"e": {"from": "u", "as": "array", "fields": {"n": {"expr": "q * 2"}}}}}}},
        "empty exclude": {"collections": {"c": {"from": "t", "exclude": []}}},
        "lower-case desc": {"collections": {"c": {"from": "t", "order_by": ["a desc", "b Asc"]}}},
        "_id key named expr": {"collections": {"c": {"from": "t", "_id": {"expr": "Code"}}}},
        "named version field": {"schema_version": 3, "schema_version_field": "v", "collections": {"c": {"from": "t"}}},
        "version field off": {"schema_version": 3, "schema_version_field": False, "collections": {"c": {"from": "t"}}},
    }
    for name, mapping in good.items():
        checked += 1
        for e in validator.iter_errors(mapping):
            failures += 1
            print(f"FAIL the schema refuses a mapping with a {name}: {e.message}")
    for name, mapping in bad.items():
        checked += 1
        if validator.is_valid(mapping):
            failures += 1
            print(f"FAIL the schema accepts a mapping with {name}")
    passed = checked - min(failures, checked)
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
