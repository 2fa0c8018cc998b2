#!/usr/bin/python3
"""The migrator many teams write first, kept as a baseline for bench/run: customers with their orders
and each order's items, built the N+1 way.

  handwritten_migrator.py --source URI [--target mongodb://HOST:PORT/DB | --discard] [--page-size N]

It pages through customers with LIMIT/OFFSET; for each customer it runs one query for its orders, and for
each order one query for its items; it builds the documents as dicts and inserts each page with
insert_many. The documents are the ones sql2mongo builds from bench/mappings/customers_orders_items.json
(same field names, order and BSON types), so the two runs do the same work.

--discard builds and BSON-encodes every document and drops it (the counterpart of sql2mongo's null:
target). Sources: sqlite:PATH, postgresql://user@host:port/db (PGPASSWORD), mysql://user@host:port/db
(MYSQL_PWD). Prints one JSON line: {"docs", "rows", "bytes", "seconds"}; rows counts every row read.
"""
import argparse
import datetime
import decimal
import json
import os
import sys
import time
import urllib.parse

import bson
from bson.decimal128 import Decimal128
from bson.raw_bson import RawBSONDocument


def connect(uri):
    """Returns (DB-API connection, placeholder, whether timestamps arrive as text)."""
    if uri.startswith("sqlite:"):
        import sqlite3
        return sqlite3.connect(uri[len("sqlite:"):]), "?", True
    u = urllib.parse.urlsplit(uri)
    user = urllib.parse.unquote(u.username or "")
    database = urllib.parse.unquote(u.path.lstrip("/"))
    if u.scheme in ("postgresql", "postgres"):
        import psycopg2
        password = os.environ.get("PGPASSWORD") or (urllib.parse.unquote(u.password) if u.password else None)
        return psycopg2.connect(host=u.hostname, port=u.port or 5432, user=user, password=password,
                                dbname=database), "%s", False
    if u.scheme in ("mysql", "mariadb"):
        import MySQLdb
        password = os.environ.get("MYSQL_PWD") or (urllib.parse.unquote(u.password) if u.password else "")
        return MySQLdb.connect(host=u.hostname, port=u.port or 3306, user=user, passwd=password, db=database,
                               charset="utf8mb4"), "%s", False
    sys.exit(f"handwritten_migrator: unsupported source {uri!r} (sqlite:PATH, postgresql://, mysql://)")


def as_decimal(value):
    """NUMERIC(n,2) -> Decimal128 with its two decimals (SQLite hands back a float or an int)."""
    if isinstance(value, decimal.Decimal):
        return Decimal128(value)
    return Decimal128(f"{value:.2f}")


def as_date(value, text):
    if text:
        return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", default="mongodb://127.0.0.1:37017/bench")
    parser.add_argument("--collection", default="customers")
    parser.add_argument("--discard", action="store_true", help="build and encode documents, insert nothing")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()

    conn, p, text_dates = connect(args.source)
    cur = conn.cursor()
    collection = None
    if not args.discard:
        from pymongo import MongoClient
        client = MongoClient(args.target)
        collection = client.get_default_database()[args.collection]
        collection.drop()

    started = time.time()
    docs = rows = size = 0
    offset = 0
    while True:
        cur.execute(f"SELECT id, first_name, last_name, email, phone, created_at FROM customers "
                    f"ORDER BY id LIMIT {args.page_size} OFFSET {offset}")
        customers = cur.fetchall()
        if not customers:
            break
        offset += len(customers)
        rows += len(customers)
        page = []
        for cid, first_name, last_name, email, phone, created_at in customers:
            cur.execute(f"SELECT id, created_at, status, total FROM orders WHERE customer_id = {p} "
                        f"ORDER BY created_at, id", (cid,))
            orders = []
            for oid, order_created, status, total in cur.fetchall():
                rows += 1
                cur.execute(f"SELECT line_no, product_id, quantity, unit_price FROM order_items WHERE order_id = {p} "
                            f"ORDER BY line_no, id", (oid,))
                items = []
                for line_no, product_id, quantity, unit_price in cur.fetchall():
                    rows += 1
                    items.append({"line_no": line_no, "product_id": product_id, "quantity": quantity,
                                  "unit_price": as_decimal(unit_price)})
                orders.append({"order_id": oid, "created_at": as_date(order_created, text_dates), "status": status,
                               "total": as_decimal(total), "items": items})
            document = {"_id": cid, "first_name": first_name, "last_name": last_name, "email": email,
                        "phone": phone, "created_at": as_date(created_at, text_dates), "orders": orders}
            encoded = bson.encode(document)
            size += len(encoded)
            page.append(RawBSONDocument(encoded))
        if collection is not None:
            collection.insert_many(page, ordered=False)
        docs += len(page)
    seconds = time.time() - started
    print(json.dumps({"docs": docs, "rows": rows, "bytes": size, "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
