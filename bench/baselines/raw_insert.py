#!/usr/bin/python3
"""The raw-insert ceiling of a target: ready-made documents inserted with pymongo, nothing else.

  raw_insert.py FILE.jsonl [--target mongodb://HOST:PORT/DB] [--collection NAME] [--batch-size 1000]

FILE holds one relaxed Extended JSON document a line (as `sql2mongo run ... --target jsonl:FILE` writes
them). The collection (default: FILE's name without .jsonl) is dropped, then the documents go in with
insert_many(ordered=False) in batches. Each batch is parsed and BSON-encoded before its insert, and only
the insert calls are timed: "seconds" is the time the target and the driver took, not the JSON parsing.
Prints one JSON line: {"docs", "bytes", "seconds", "parse_seconds"}.
"""
import argparse
import json
import os
import sys
import time

import bson
from bson import json_util
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--target", default="mongodb://127.0.0.1:37017/bench")
    parser.add_argument("--collection")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    name = args.collection or os.path.basename(args.file).rsplit(".jsonl", 1)[0]

    client = MongoClient(args.target)
    collection = client.get_default_database()[name]
    collection.drop()
    docs = size = 0
    insert_seconds = parse_seconds = 0.0

    def flush(batch):
        nonlocal insert_seconds
        started = time.perf_counter()
        collection.insert_many(batch, ordered=False)
        insert_seconds += time.perf_counter() - started

    batch = []
    started = time.perf_counter()
    with open(args.file, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            # Encoded once here; RawBSONDocument makes the driver send these bytes as they are.
            encoded = bson.encode(json_util.loads(line))
            size += len(encoded)
            batch.append(RawBSONDocument(encoded))
            if len(batch) == args.batch_size:
                parse_seconds += time.perf_counter() - started
                flush(batch)
                docs += len(batch)
                batch = []
                started = time.perf_counter()
    parse_seconds += time.perf_counter() - started
    if batch:
        flush(batch)
        docs += len(batch)
    print(json.dumps({"docs": docs, "bytes": size, "seconds": round(insert_seconds, 3),
                      "parse_seconds": round(parse_seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
