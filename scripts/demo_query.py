"""What a user of the demo does next: open the migrated documents with a current MongoDB client.

    .work/python/bin/python scripts/demo_query.py mongodb://127.0.0.1:37018 [DATABASE]
"""
import sys

from pymongo import MongoClient

client = MongoClient(sys.argv[1] if len(sys.argv) > 1 else "mongodb://127.0.0.1:37018",
                     serverSelectionTimeoutMS=5000)
db = client[sys.argv[2] if len(sys.argv) > 2 else "chinook"]
print(f"server {client.server_info()['version']}, pymongo {__import__('pymongo').version}")
customer = db.customers.find_one({"_id": 1})
invoices = customer["invoices"]
print(f"customer 1: {customer['name']['first']} {customer['name']['last']}, {len(invoices)} invoices, "
      f"support rep {customer['support_rep']['first_name']} {customer['support_rep']['last_name']}")
# Summed here rather than with $group: FerretDB v1 groups by a nested path ("$address.country") as null.
spent = {}
for c in db.customers.find({}, {"address.country": 1, "invoices.total": 1}):
    country = c["address"]["country"]
    spent[country] = spent.get(country, 0) + sum(i["total"] for i in c["invoices"])
top = sorted(spent.items(), key=lambda item: -item[1])[:3]
print("top countries by spending:", ", ".join(f"{country} {total:.2f}" for country, total in top))
print("tracks:", db.tracks.count_documents({}), " playlists:", db.playlists.count_documents({}))
