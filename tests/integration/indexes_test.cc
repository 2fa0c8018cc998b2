// Indexes and validators (docs/mapping.md#indexes): created after the load with their options, read
// back with listIndexes; a unique index the documents break names the duplicates and (with --drop)
// leaves the live collection as it was; an option the server refuses is named and the rest created;
// a re-run finds them there. Validators: sent as written (mongo-java-server keeps it, and ignores it),
// or refused with the schema written to a file (FerretDB v1); and every document a Chinook run writes
// fits that schema, checked with valijson, since neither test server enforces a validator.
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "common/handles.h"
#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

using nlohmann::json;

constexpr char kShopSql[] =
    "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT, seen TEXT);"
    "CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), total INTEGER);"
    "INSERT INTO customer VALUES (1, 'Ann', 'Oslo', '2026-01-01'), (2, 'Bob', 'Rome', '2026-02-01'),"
    " (3, 'Cid', 'Oslo', NULL), (4, 'Dan', NULL, NULL);"
    "INSERT INTO invoice VALUES (10, 1, 100), (11, 1, 110), (20, 2, 200);";

// listIndexes of db.collection, by index name, as JSON.
std::map<std::string, json> ListIndexes(const std::string& database, const std::string& collection) {
  MongoClient client(mongoc_client_new(TargetBaseUri().c_str()));
  MongoCollection handle(mongoc_client_get_collection(client.get(), database.c_str(), collection.c_str()));
  MongoCursor cursor(mongoc_collection_find_indexes_with_opts(handle.get(), nullptr));
  std::map<std::string, json> out;
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    json index = json::parse(Json(doc));
    out[index["name"].get<std::string>()] = index;
  }
  bson_error_t error;
  EXPECT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;
  return out;
}

// The "options" listCollections gives for db.collection.
json CollectionOptions(const std::string& database, const std::string& collection) {
  MongoClient client(mongoc_client_new(TargetBaseUri().c_str()));
  MongoDatabase handle(mongoc_client_get_database(client.get(), database.c_str()));
  BsonPtr options = BsonFromJson(R"({"filter": {"name": ")" + collection + R"("}})");
  MongoCursor cursor(mongoc_database_find_collections_with_opts(handle.get(), options.get()));
  const bson_t* doc = nullptr;
  json found;
  while (mongoc_cursor_next(cursor.get(), &doc)) found = json::parse(Json(doc));
  return found.value("options", json::object());
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class IndexesAndValidators : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("indexes");
    source_ = MakeSqliteDatabase("indexes.db", kShopSql);
    folder_ = std::filesystem::path(WriteTempFile("indexes.keep", "")).parent_path().string();
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }

  // customers (with `customer_extra`) and invoices, whose customer field is a reference.
  std::string Mapping(const std::string& customer_extra, const std::string& invoice_extra = "") {
    return WriteTempFile("indexes" + std::to_string(++mappings_) + ".json",
                         R"({"source": "sqlite:)" + source_ + R"(", "target": ")" + TargetBaseUri() + "/" + database_ +
                             R"(", "collections": {"customers": {"from": "customer")" + customer_extra +
                             R"(}, "invoices": {"from": "invoice", "fields": {"total": "total",
                             "customer": {"column": "customer_id", "ref": "customers"}})" + invoice_extra + "}}}");
  }
  CommandResult Run(const std::string& mapping, const std::string& extra = "") {
    return RunCli("run " + ShellQuote(mapping) + " --progress none " + extra);
  }
  bool IsFerretDb() const { return server().name == "ferretdb"; }

  std::string database_, source_, folder_;
  int mappings_ = 0;
};
S2M_ON_EVERY_TARGET(IndexesAndValidators);

TEST_P(IndexesAndValidators, AreCreatedAfterTheLoadWithTheirOptionsAndARefusedOptionIsNamed) {
  std::string mapping = Mapping(R"(, "indexes": [
      {"keys": {"name": 1}, "unique": true},
      {"keys": {"city": 1, "name": -1}, "name": "by_city", "sparse": true},
      {"keys": {"seen": 1}, "ttl": 3600},
      {"keys": {"city": -1}, "partial": {"city": {"$exists": true}}}])");
  CommandResult run = Run(mapping);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, json> customers = ListIndexes(database_, "customers");
  ASSERT_TRUE(customers.count("name_1")) << run.output;
  EXPECT_EQ(customers["name_1"]["key"], json({{"name", 1}}));
  EXPECT_EQ(customers["name_1"].value("unique", false), true);
  ASSERT_TRUE(customers.count("by_city")) << run.output;
  EXPECT_EQ(customers["by_city"]["key"].dump(), json::parse(R"({"city": 1, "name": -1})").dump());
  // FerretDB v1 takes "sparse" and keeps no trace of it in listIndexes.
  EXPECT_EQ(customers["by_city"].value("sparse", false), !IsFerretDb());
  if (IsFerretDb()) {
    // FerretDB v1 has neither TTL nor partial indexes: each is named as refused, with the option.
    EXPECT_FALSE(customers.count("seen_1"));
    EXPECT_FALSE(customers.count("city_-1"));
    EXPECT_TRUE(Contains(run.output, "index 'seen_1' (ttl 3600 s) refused")) << run.output;
    EXPECT_TRUE(Contains(run.output, "expireAfterSeconds")) << run.output;
    EXPECT_TRUE(Contains(run.output, "index 'city_-1' (partial")) << run.output;
    EXPECT_TRUE(Contains(run.output, "partialFilterExpression")) << run.output;
    EXPECT_TRUE(Contains(run.output, "Index REFUSED by the target: customers.seen_1")) << run.output;
  } else {
    ASSERT_TRUE(customers.count("seen_1")) << run.output;
    EXPECT_EQ(customers["seen_1"]["expireAfterSeconds"], 3600);
    ASSERT_TRUE(customers.count("city_-1")) << run.output;
    EXPECT_EQ(customers["city_-1"]["partialFilterExpression"], json::parse(R"({"city": {"$exists": true}})"));
  }
  // The reference field got its ascending index without being asked.
  std::map<std::string, json> invoices = ListIndexes(database_, "invoices");
  ASSERT_TRUE(invoices.count("customer_1")) << run.output;
  EXPECT_EQ(invoices["customer_1"]["key"], json({{"customer", 1}}));
  EXPECT_TRUE(Contains(run.output, "Indexes created: customers.name_1, customers.by_city")) << run.output;
}

TEST_P(IndexesAndValidators, AReferenceSaysNoIndexAndNoneIsMade) {
  std::string mapping = WriteTempFile(
      "indexes_noref.json", R"({"source": "sqlite:)" + source_ + R"(", "target": ")" + TargetBaseUri() + "/" +
                                database_ + R"(", "collections": {"customers": {"from": "customer"}, "invoices":
                                {"from": "invoice", "fields": {"customer": {"column": "customer_id", "ref":
                                "customers", "index": false}}}}})");
  CommandResult run = Run(mapping);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, json> invoices = ListIndexes(database_, "invoices");
  EXPECT_EQ(invoices.size(), 1u) << "only _id_ expected";
  EXPECT_TRUE(invoices.count("_id_"));
}

TEST_P(IndexesAndValidators, AUniqueIndexTheDocumentsBreakNamesTheDuplicatesAndLeavesTheLiveCollection) {
  ASSERT_EQ(Run(Mapping(R"(, "indexes": [{"keys": {"name": 1}}])")).exit_code, 0);
  std::vector<BsonPtr> before = FindDocuments(database_, "customers");
  ASSERT_EQ(before.size(), 4u);
  CommandResult run = Run(Mapping(R"(, "indexes": [{"keys": {"city": 1}, "unique": true}])"), "--drop");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(Contains(run.output, "unique index 'city_1' of collection 'customers' cannot be created")) << run.output;
  EXPECT_TRUE(Contains(run.output, R"({ "city" : "Oslo" } in 2 documents)")) << run.output;
  EXPECT_TRUE(Contains(run.output, "the live collection 'customers' is as it was")) << run.output;
  // The live collection: the same documents and the indexes of the first run, not the failed one.
  std::vector<BsonPtr> after = FindDocuments(database_, "customers");
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(Json(after[i].get()), Json(before[i].get()));
  std::map<std::string, json> live = ListIndexes(database_, "customers");
  EXPECT_TRUE(live.count("name_1"));
  EXPECT_FALSE(live.count("city_1"));
}

TEST_P(IndexesAndValidators, ARunAgainFindsThemThereAndAnotherSpecOfTheSameNameIsAnError) {
  std::string extra = R"(, "indexes": [{"keys": {"name": 1}, "name": "by_name", "unique": true}])";
  ASSERT_EQ(Run(Mapping(extra)).exit_code, 0);
  CommandResult again = Run(Mapping(extra), "--mode replace");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(Contains(again.output, "customers.by_name (already there)")) << again.output;
  EXPECT_EQ(ListIndexes(database_, "customers")["by_name"].value("unique", false), true);

  CommandResult other = Run(Mapping(R"(, "indexes": [{"keys": {"city": 1}, "name": "by_name"}])"), "--mode replace");
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_TRUE(Contains(other.output, "already has an index named 'by_name' with another spec")) << other.output;
  EXPECT_TRUE(Contains(other.output, "keys {name: 1} there, {city: 1} in the mapping")) << other.output;
  EXPECT_EQ(ListIndexes(database_, "customers")["by_name"]["key"], json({{"name", 1}}));
}

TEST_P(IndexesAndValidators, AKeyThatNamesNoFieldIsAMappingErrorNamingTheNearest) {
  CommandResult run = Run(Mapping(R"(, "indexes": [{"keys": {"nmae": 1}}])"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(Contains(run.output, ":1:")) << run.output;  // file:line:col
  EXPECT_TRUE(Contains(run.output, "index key 'nmae' names no field of the documents of collection 'customers'; "
                                   "the nearest field is 'name'"))
      << run.output;
  EXPECT_TRUE(CollectionNames(database_).empty());
}

// The $jsonSchema `sql2mongo schema` prints for the mapping, by collection.
json SchemaOf(const std::string& mapping, const std::string& extra = "") {
  CommandResult printed = RunCli("schema " + ShellQuote(mapping) + " " + extra + " 2>/dev/null");
  EXPECT_EQ(printed.exit_code, 0) << printed.output;
  return json::parse(printed.output);
}

// Neither test server keeps a validator: FerretDB v1 refuses collMod and create's "validator";
// mongo-java-server answers ok and listCollections then shows none. Both are said, and the schema
// goes beside the report. (That the validator is sent as written is checked on the dump's metadata.)
TEST_P(IndexesAndValidators, AValidatorTheTargetDoesNotKeepIsSaidAndItsSchemaWrittenBesideTheReport) {
  std::string mapping = Mapping(R"(, "validate": "strict")");
  std::string report = folder_ + "/validate-" + server().name + "/report.json";
  CommandResult run = Run(mapping, "--report " + ShellQuote(report));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json expected = SchemaOf(mapping)["customers"];  // {"$jsonSchema": ...}
  json written = json::parse(ReadWholeFile(report));
  ASSERT_EQ(written["validators"].size(), 1u) << written.dump(2);
  std::string schema_file = (std::filesystem::path(report).parent_path() / "customers.schema.json").string();
  EXPECT_TRUE(Contains(run.output, IsFerretDb() ? "refuses the validator of collection 'customers': create: "
                                                  "support for field \"validator\""
                                                : "accepted the validator of collection 'customers' but keeps none"))
      << run.output;
  EXPECT_TRUE(Contains(run.output, "its schema is in " + schema_file)) << run.output;
  EXPECT_EQ(written["validators"][0]["installed"], false);
  EXPECT_EQ(written["validators"][0]["level"], "strict");
  EXPECT_EQ(written["validators"][0]["schema_file"], schema_file);
  ASSERT_TRUE(std::filesystem::exists(schema_file));
  EXPECT_EQ(json::parse(ReadWholeFile(schema_file)), expected);
  EXPECT_FALSE(CollectionOptions(database_, "customers").contains("validator"));
  EXPECT_EQ(CountDocuments(database_, "customers"), 4);
}

// mongorestore recreates what a dump's .metadata.json holds: the validator exactly as `schema` prints
// it, and the indexes with their options.
TEST(IndexesInADump, TheMetadataHoldsTheValidatorAsWrittenAndTheIndexes) {
  std::string source = MakeSqliteDatabase("dump_indexes.db", kShopSql);
  std::string mapping = WriteTempFile(
      "dump_indexes.json", R"({"source": "sqlite:)" + source + R"(", "validate": "moderate", "collections":
      {"customers": {"from": "customer", "indexes": [{"keys": {"name": 1}, "unique": true},
      {"keys": {"seen": 1}, "ttl": 60, "partial": {"seen": {"$exists": true}}}]}}})");
  std::string dir = std::filesystem::path(mapping).parent_path().string() + "/dump_indexes";
  std::filesystem::remove_all(dir);
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote("dump:" + dir + "?db=shop") +
                             " --progress none");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json metadata = json::parse(ReadWholeFile(dir + "/shop/customers.metadata.json"));
  json expected = SchemaOf(mapping)["customers"];
  EXPECT_EQ(metadata["options"]["validator"], expected);
  EXPECT_EQ(metadata["options"]["validationLevel"], "moderate");
  EXPECT_EQ(metadata["options"]["validationAction"], "error");
  ASSERT_EQ(metadata["indexes"].size(), 3u) << metadata.dump(2);
  EXPECT_EQ(metadata["indexes"][0]["name"], "_id_");
  EXPECT_EQ(metadata["indexes"][1], json::parse(R"({"v": 2, "key": {"name": 1}, "name": "name_1", "unique": true})"));
  EXPECT_EQ(metadata["indexes"][2], json::parse(R"({"v": 2, "key": {"seen": 1}, "name": "seen_1",
      "expireAfterSeconds": 60, "partialFilterExpression": {"seen": {"$exists": true}}})"));
}

// A $jsonSchema (MongoDB's bsonType) as plain JSON Schema over relaxed Extended JSON, for valijson:
// int and long are JSON integers, double a number, date / decimal / binData / objectId the objects
// relaxed Extended JSON writes them as ({"$date": ...}, ...).
json PlainJsonSchema(const json& schema) {
  if (schema.is_array()) {
    json out = json::array();
    for (const auto& item : schema) out.push_back(PlainJsonSchema(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  json out = json::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (it.key() == "properties") {
      out["properties"] = json::object();
      for (auto p = it->begin(); p != it->end(); ++p) out["properties"][p.key()] = PlainJsonSchema(*p);
    } else if (it.key() != "bsonType") {
      out[it.key()] = PlainJsonSchema(*it);
    }
  }
  if (!schema.contains("bsonType")) return out;
  static const std::map<std::string, json> kAlternatives = {
      {"object", {{"type", "object"}}},      {"array", {{"type", "array"}}},
      {"string", {{"type", "string"}}},      {"bool", {{"type", "boolean"}}},
      {"null", {{"type", "null"}}},          {"int", {{"type", "integer"}}},
      {"long", {{"type", "integer"}}},       {"double", {{"type", "number"}}},
      {"date", {{"type", "object"}, {"required", {"$date"}}}},
      {"decimal", {{"type", "object"}, {"required", {"$numberDecimal"}}}},
      {"binData", {{"type", "object"}, {"required", {"$binary"}}}},
      {"objectId", {{"type", "object"}, {"required", {"$oid"}}}}};
  json types = schema["bsonType"].is_array() ? schema["bsonType"] : json::array({schema["bsonType"]});
  json any_of = json::array();
  for (const auto& type : types) {
    auto found = kAlternatives.find(type.get<std::string>());
    EXPECT_NE(found, kAlternatives.end()) << "bsonType " << type;
    if (found != kAlternatives.end()) any_of.push_back(found->second);
  }
  out["anyOf"] = any_of;
  return out;
}

TEST_P(IndexesAndValidators, EveryChinookDocumentWrittenFitsTheSchemaOfItsCollection) {
  std::string mapping = SourceDir() + "/mappings/chinook.json";
  std::string target = ShellQuote(TargetBaseUri() + "/" + database_);
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --target " + target + " --progress none --drop");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json schemas = SchemaOf(mapping, "--target " + target);
  ASSERT_FALSE(schemas.empty());
  for (auto it = schemas.begin(); it != schemas.end(); ++it) {
    json plain = PlainJsonSchema((*it)["$jsonSchema"]);
    valijson::Schema schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter schema_adapter(plain);
    parser.populateSchema(schema_adapter, schema);
    std::vector<BsonPtr> documents = FindDocuments(database_, it.key());
    EXPECT_GT(documents.size(), 0u) << it.key();
    size_t failed = 0;
    for (const auto& doc : documents) {
      json document = json::parse(Json(doc.get()));
      valijson::Validator validator;
      valijson::ValidationResults results;
      valijson::adapters::NlohmannJsonAdapter document_adapter(document);
      if (validator.validate(schema, document_adapter, &results)) continue;
      if (++failed > 3) continue;
      valijson::ValidationResults::Error error;
      std::string why;
      while (results.popError(error)) {
        std::string at;
        for (const auto& part : error.context) at += part;
        why += "\n  " + at + ": " + error.description;
      }
      ADD_FAILURE() << it.key() << " document " << document.dump().substr(0, 300) << " breaks its schema:" << why;
    }
    EXPECT_EQ(failed, 0u) << it.key() << ": " << failed << " of " << documents.size() << " documents break the schema";
  }
}

}  // namespace
}  // namespace sql2mongo::testing
