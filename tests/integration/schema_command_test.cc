// sql2mongo schema: the $jsonSchema it derives from the mapping and the source's column types holds for
// every document `run` writes, on every target server; and a document that breaks it is caught by the
// same check, so the check is not vacuous. (FerretDB v1 refuses validators and mongo-java-server ignores
// them, so neither server can enforce it: the test checks the schema itself, document by document.)
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

std::string BsonTypeName(const bson_iter_t* iter) {
  switch (bson_iter_type(iter)) {
    case BSON_TYPE_INT32: return "int";
    case BSON_TYPE_INT64: return "long";
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_DECIMAL128: return "decimal";
    case BSON_TYPE_UTF8: return "string";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "date";
    case BSON_TYPE_BINARY: return "binData";
    case BSON_TYPE_DOCUMENT: return "object";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_OID: return "objectId";
    default: return "other";
  }
}

// The subset of $jsonSchema the schema command writes: bsonType, required, properties, items. Returns
// the first violation as "path: what", or "".
std::string Violation(const nlohmann::ordered_json& schema, const bson_iter_t* value, const std::string& path) {
  std::string type = BsonTypeName(value);
  if (schema.contains("bsonType")) {
    const auto& allowed = schema["bsonType"];
    bool ok = allowed.is_string() ? allowed == type
                                  : std::find(allowed.begin(), allowed.end(), type) != allowed.end();
    if (!ok) return path + ": " + type + " is not " + allowed.dump();
  }
  if (type == "object") {
    bson_iter_t child;
    bson_iter_recurse(value, &child);
    std::set<std::string> present;
    while (bson_iter_next(&child)) {
      std::string key = bson_iter_key(&child);
      present.insert(key);
      if (schema.contains("properties") && schema["properties"].contains(key)) {
        std::string inner = Violation(schema["properties"][key], &child, path + "." + key);
        if (!inner.empty()) return inner;
      }
    }
    if (schema.contains("required"))
      for (const auto& key : schema["required"])
        if (!present.count(key.get<std::string>())) return path + ": required field " + key.get<std::string>() + " is missing";
  }
  if (type == "array" && schema.contains("items")) {
    bson_iter_t child;
    bson_iter_recurse(value, &child);
    while (bson_iter_next(&child)) {
      std::string inner = Violation(schema["items"], &child, path + "." + bson_iter_key(&child));
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

std::string DocumentViolation(const nlohmann::ordered_json& schema, const bson_t* doc) {
  ScopedBson wrapper;
  BSON_APPEND_DOCUMENT(wrapper.get(), "doc", doc);
  bson_iter_t iter;
  bson_iter_init_find(&iter, wrapper.get(), "doc");
  return Violation(schema, &iter, "");
}

class SchemaCommandTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("schema");
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }

  // Runs `mapping` into the target and returns its schema; `extra`: source options.
  nlohmann::ordered_json RunAndSchema(const std::string& mapping, const std::string& extra) {
    CommandResult run = RunCli("run " + ShellQuote(mapping) + " --drop --target " +
                               ShellQuote(TargetBaseUri() + "/" + database_) + " --rejects " +
                               ShellQuote(WriteTempFile("schema.rejects.jsonl", "")) + " " + extra);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    std::string out = WriteTempFile("schema.json", "");
    CommandResult schema = RunCli("schema " + ShellQuote(mapping) + " -o " + ShellQuote(out) + " " + extra);
    EXPECT_EQ(schema.exit_code, 0) << schema.output;
    std::ifstream in(out);
    return nlohmann::ordered_json::parse(in, nullptr, false);
  }

  void ExpectEveryDocumentValid(const nlohmann::ordered_json& validators) {
    ASSERT_FALSE(validators.is_discarded());
    ASSERT_EQ(validators.size(), 4u) << validators.dump();
    for (const auto& [collection, validator] : validators.items()) {
      const auto& schema = validator["$jsonSchema"];
      auto docs = FindDocuments(database_, collection);
      ASSERT_FALSE(docs.empty()) << collection;
      size_t invalid = 0;
      for (const auto& doc : docs) {
        std::string violation = DocumentViolation(schema, doc.get());
        if (!violation.empty() && ++invalid <= 3) ADD_FAILURE() << collection << " " << violation << "\n" << Json(doc.get());
      }
      EXPECT_EQ(invalid, 0u) << collection << ": " << invalid << " of " << docs.size() << " documents break the schema";
    }
  }

  std::string database_;
};
S2M_ON_EVERY_TARGET(SchemaCommandTest);

TEST_P(SchemaCommandTest, EveryDocumentOfTheChinookRunFromSqliteHoldsToItsSchema) {
  auto validators = RunAndSchema(SourceDir() + "/mappings/chinook.json", "");
  ExpectEveryDocumentValid(validators);
  // What the schema says, in a few places: required fields, nullability, embedded arrays' items.
  const auto& customers = validators["customers"]["$jsonSchema"];
  EXPECT_EQ(customers["properties"]["name"]["properties"]["first"]["bsonType"], "string");
  EXPECT_EQ(customers["properties"]["company"]["bsonType"], nlohmann::ordered_json({"string", "null"}));
  EXPECT_EQ(customers["properties"]["invoices"]["bsonType"], "array");
  EXPECT_EQ(customers["properties"]["invoices"]["items"]["properties"]["date"]["bsonType"], "date");
  EXPECT_EQ(customers["properties"]["invoices"]["items"]["properties"]["total"]["bsonType"], "double");
  auto required = customers["required"].get<std::vector<std::string>>();
  EXPECT_EQ(required.front(), "_id");
  EXPECT_NE(std::find(required.begin(), required.end(), "invoices"), required.end());

  // Not vacuous: a document that breaks it is found.
  auto docs = FindDocuments(database_, "tracks", "{\"_id\": 1}");
  ASSERT_EQ(docs.size(), 1u);
  BsonPtr broken(bson_new());
  bson_copy_to_excluding_noinit(docs[0].get(), broken.get(), "milliseconds", nullptr);
  BSON_APPEND_UTF8(broken.get(), "milliseconds", "343719");
  EXPECT_NE(DocumentViolation(validators["tracks"]["$jsonSchema"], broken.get()).find(".milliseconds: string is not"),
            std::string::npos);
  BsonPtr missing(bson_new());
  bson_copy_to_excluding_noinit(docs[0].get(), missing.get(), "name", nullptr);
  EXPECT_NE(DocumentViolation(validators["tracks"]["$jsonSchema"], missing.get()).find("required field name is missing"),
            std::string::npos);
}

TEST_P(SchemaCommandTest, EveryDocumentOfTheChinookRunFromPostgresHoldsToItsSchema) {
  if (Env("S2M_TEST_POSTGRES_URI").empty()) GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set (scripts/services start postgres)";
  std::string extra = "--source " + ShellQuote(Env("S2M_TEST_POSTGRES_URI")) + " --password-file " +
                      ShellQuote(WriteTempFile("pg.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n"));
  auto validators = RunAndSchema(SourceDir() + "/mappings/chinook.postgres.json", extra);
  ExpectEveryDocumentValid(validators);
  // PostgreSQL declares integer widths: int4 columns are int, never long.
  EXPECT_EQ(validators["tracks"]["$jsonSchema"]["properties"]["milliseconds"]["bsonType"], "int");
}

}  // namespace
}  // namespace sql2mongo::testing
