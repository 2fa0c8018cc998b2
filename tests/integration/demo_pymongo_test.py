"""The demo's documents open in a current MongoDB client (pymongo 4.11+, which refuses servers older
than MongoDB 4.4), field by field, and the README's query script prints what it says.

Runs the real CLI with mappings/chinook.json into FerretDB. Exit 77 (ctest: skipped) when FerretDB is
not available, with the reason.
"""
import os
import sqlite3
import subprocess
import sys

SKIP = 77
root = os.environ.get("S2M_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
uri = os.environ.get("S2M_TEST_FERRETDB_URI")
if not uri:
    print("skipped: FerretDB is not available:", os.environ.get("S2M_TEST_FERRETDB_UNAVAILABLE", "S2M_TEST_FERRETDB_URI unset"))
    sys.exit(SKIP)
# Run under the interpreter that has pymongo 4 (scripts/setup's venv), as a user's client would be.
python = os.environ.get("S2M_TEST_PYTHON") or os.path.join(root, ".work", "python", "bin", "python")
# (A venv's python is a link to the system one, so the paths cannot tell which one runs: an env var does.)
if not os.environ.get("S2M_PYMONGO_TEST_CHILD"):
    if not os.access(python, os.X_OK):
        print(f"skipped: no interpreter with pymongo 4 at {python} (scripts/setup installs it from PyPI)")
        sys.exit(SKIP)
    sys.exit(subprocess.run([python, __file__], env={**os.environ, "S2M_PYMONGO_TEST_CHILD": "1"}).returncode)

import pymongo  # noqa: E402 (after the skips: its absence is a reason to skip, not a failure)
binary = os.environ.get("S2M_BINARY", os.path.join(root, "build", "sql2mongo"))
database = f"s2m_test_pymongo_{os.getpid()}"
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAILED:", what)


assert pymongo.version_tuple >= (4, 11), f"pymongo {pymongo.version}: this test needs 4.11+ (the client that refuses old servers)"
run = subprocess.run([binary, "run", os.path.join(root, "mappings", "chinook.json"), "--drop",
                      "--target", f"{uri}/{database}", "--rejects", os.devnull],
                     capture_output=True, text=True, timeout=300)
check(run.returncode == 0, f"sql2mongo run exited {run.returncode}: {run.stdout}{run.stderr}")

client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
try:
    db = client[database]
    source = sqlite3.connect(os.path.join(root, "samples", "chinook", "Chinook_Sqlite.sqlite"))
    check(db.customers.count_documents({}) == 59, "59 customers")
    check(db.tracks.count_documents({}) == 3503, "3503 tracks")
    customer = db.customers.find_one({"_id": 1})
    check(customer["name"] == {"first": "Luís", "last": "Gonçalves"}, f"customer 1's name: {customer['name']}")
    rows = source.execute("SELECT InvoiceId, Total FROM Invoice WHERE CustomerId = 1 ORDER BY InvoiceDate, InvoiceId").fetchall()
    check([(i["invoice_id"], i["total"]) for i in customer["invoices"]] == rows,
          "customer 1's invoices, in date order, with totals as the same floats")
    check(all(isinstance(i["total"], float) for i in customer["invoices"]), "totals are doubles")
    check(customer["support_rep"]["last_name"] == "Peacock", "support rep folded in")
    track = db.tracks.find_one({"_id": 1})
    name, unit_price = source.execute("SELECT Name, UnitPrice FROM Track WHERE TrackId = 1").fetchone()
    check(track["name"] == name and track["unit_price"] == unit_price, f"track 1: {track}")
    check(track["album"]["artist"] == "AC/DC", "track 1's artist")
    # The README's query script, as a user runs it.
    query = subprocess.run([sys.executable, os.path.join(root, "scripts", "demo_query.py"), uri, database],
                           capture_output=True, text=True, timeout=60)
    check(query.returncode == 0, f"demo_query.py exited {query.returncode}: {query.stderr}")
    check("customer 1: Luís Gonçalves, 7 invoices, support rep Jane Peacock" in query.stdout, query.stdout)
    spent = source.execute("SELECT c.Country, round(sum(i.Total), 2) FROM Invoice i JOIN Customer c USING (CustomerId) "
                           "GROUP BY c.Country ORDER BY 2 DESC LIMIT 1").fetchone()
    check(f"{spent[0]} {spent[1]:.2f}" in query.stdout, f"top country {spent} in: {query.stdout}")
finally:
    client.drop_database(database)

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
