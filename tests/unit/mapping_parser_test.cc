// Every way a mapping file can be malformed gives file:line:column and says how to fix it.
#include <gtest/gtest.h>

#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

struct BadMapping {
  const char* name;
  const char* text;
  const char* place;  // "line:column" expected after the file name
  const char* fix;    // a fragment of the message that tells what to do
};

// The collection under test sits on line 3. Each place was checked to point at the offending token.
const BadMapping kBadMappings[] = {
    {"malformed_json", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\",}\n  }\n}", "3:23", "trailing commas are not"},
    {"root_not_object", "[1, 2]", "1:1", "the mapping file must be an object"},
    {"unknown_top_key", "{\n  \"colections\": {}\n}", "2:3", "did you mean 'collections'?"},
    {"wrong_version", "{\n  \"version\": 2,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}", "2:14", "'version' must be 1, got 2"},
    {"source_not_string", "{\n  \"source\": 5,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}", "2:13", "must be a string"},
    {"bad_nulls", "{\n  \"nulls\": \"drop\",\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}", "2:12", "\"omit\""},
    {"missing_collections", "{\n  \"source\": \"sqlite:x\"\n}", "1:1", "add \"collections\""},
    {"empty_collections", "{\n  \"collections\": {}\n}", "2:18", "non-empty object"},
    {"collection_not_object", "{\n  \"collections\": {\n    \"c\": 5\n  }\n}", "3:10", "must be an object"},
    {"bad_collection_name", "{\n  \"collections\": {\n    \"a$b\": {\"from\": \"t\"}\n  }\n}", "3:5", "no '$'"},
    {"unknown_collection_key", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"feilds\": {}}\n  }\n}", "3:24",
     "did you mean 'fields'?"},
    {"missing_from", "{\n  \"collections\": {\n    \"c\": {\"fields\": {}}\n  }\n}", "3:10", "add \"from\""},
    {"empty_from", "{\n  \"collections\": {\n    \"c\": {\"from\": \"\"}\n  }\n}", "3:19", "'from' is empty; it must be a table name"},
    {"bad_id", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"_id\": 5}\n  }\n}", "3:31", "a list of columns"},
    {"fields_not_object", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": [\"a\"]}\n  }\n}", "3:34",
     "'fields' must be an object"},
    {"field_is_number", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": 1}}\n  }\n}", "3:40",
     "must be a column name or {\"column\""},
    {"field_unknown_key", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"colum\": \"x\"}}}\n  }\n}",
     "3:41", "did you mean 'column'?"},
    {"field_without_column", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"type\": \"int32\"}}}\n  }\n}",
     "3:40", "add \"column\""},
    {"unknown_type", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"column\": \"x\", \"type\": \"integer\"}}}\n  }\n}",
     "3:64", "must be one of \"auto\", \"int32\""},
    {"id_in_fields", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"_id\": \"x\"}}\n  }\n}", "3:35",
     "with \"_id\" at the collection level"},
    {"empty_path_segment", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a..b\": \"x\"}}\n  }\n}", "3:35",
     "write \"a.b\""},
    {"dollar_path", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"$a\": \"x\"}}\n  }\n}", "3:35",
     "may not start with '$'"},
    {"exclude_not_list", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"exclude\": \"x\"}\n  }\n}", "3:35",
     "list of column names"},
    {"bad_order_by", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"order_by\": \"a SIDEWAYS\"}\n  }\n}", "3:36",
     "\"Column DESC\""},
    {"embed_not_object", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": []}\n  }\n}", "3:33",
     "'embed' must be an object"},
    {"embed_entry_not_object", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": 1}}\n  }\n}", "3:39",
     "embed: 'e' must be an object"},
    {"embed_unknown_key", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"array\", \"on\": \"x\"}}}\n  }\n}",
     "3:68", "allowed keys: from, as, local, foreign"},
    {"embed_missing_as", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\"}}}\n  }\n}",
     "3:39", "missing required key 'as': \"array\" (1:N child rows"},
    {"embed_bad_as", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"list\"}}}\n  }\n}",
     "3:59", "'as' must be one of \"array\", \"object\", got \"list\""},
    {"embed_key_count_mismatch",
     "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"array\", \"local\": [\"a\", \"b\"], \"foreign\": \"x\"}}}\n  }\n}",
     "3:100", "pair up one to one"},
    {"embed_value_and_fields",
     "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"array\", \"value\": \"x\", \"fields\": {\"a\": \"b\"}}}}\n  }\n}",
     "3:77", "drop \"fields\" and \"embed\", or drop \"value\""},
    {"order_by_on_object_embed",
     "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"object\", \"order_by\": \"x\"}}}\n  }\n}",
     "3:81", "an \"object\" embed holds one row"},
    {"field_column_and_expr", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"column\": \"x\", \"expr\": \"LOWER(x)\"}}}\n  }\n}",
     "3:56", "keep one"},
    {"field_expr_not_string", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"expr\": 5}}}\n  }\n}",
     "3:49", "'expr' must be a string"},
    {"field_expr_empty", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"fields\": {\"a\": {\"expr\": \"\"}}}\n  }\n}",
     "3:49", "'expr' is empty; it must be an SQL expression"},
    {"expr_as_id_part", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"_id\": {\"k\": {\"expr\": \"x\"}}}\n  }\n}",
     "3:38", "allowed only in \"fields\""},
    {"expr_as_join_key", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"object\", \"local\": {\"expr\": \"x\"}}}}\n  }\n}",
     "3:79", "join keys (local/foreign)"},
    {"expr_as_value", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"embed\": {\"e\": {\"from\": \"u\", \"as\": \"array\", \"value\": {\"expr\": \"x\"}}}}\n  }\n}",
     "3:78", "'value' must name columns"},
    {"expr_in_order_by", "{\n  \"collections\": {\n    \"c\": {\"from\": \"t\", \"order_by\": [\"a\", {\"expr\": \"x\"}]}\n  }\n}",
     "3:43", "'order_by[1]' must name columns"},
    {"schema_version_zero", "{\n  \"schema_version\": 0,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}", "2:21",
     "greater than or equal to 1"},
    {"schema_version_misspelt", "{\n  \"schema_versoin\": 2,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}", "2:3",
     "did you mean 'schema_version'?"},
    {"schema_version_field_dotted",
     "{\n  \"schema_version\": 1, \"schema_version_field\": \"a.b\",\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}",
     "2:48", "must be a top-level field name"},
};

class BadMappingTest : public ::testing::TestWithParam<BadMapping> {};

TEST_P(BadMappingTest, NamesFileLineColumnAndTheFix) {
  const BadMapping& bad = GetParam();
  Result<Mapping> parsed = ParseMappingText(bad.text, "dir/job.json");
  ASSERT_FALSE(parsed.ok()) << bad.name;
  EXPECT_EQ(parsed.status().code(), StatusCode::kMappingError);
  const std::string& message = parsed.status().message();
  EXPECT_EQ(message.rfind(std::string("dir/job.json:") + bad.place + ": ", 0), 0u) << "GOT: " << message;
  EXPECT_NE(message.find(bad.fix), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(EveryErrorPath, BadMappingTest, ::testing::ValuesIn(kBadMappings),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MappingParser, ReadsComputedFieldsInCollectionsAndEmbeds) {
  const char* text = R"json({
    "collections": {
      "invoices": {
        "from": "Invoice",
        "fields": {"number": {"expr": "'ORD-' || CAST(InvoiceId AS TEXT)", "type": "string"},
                   "total": "Total",
                   "city": {"expr": "LOWER(BillingCity)", "nulls": "omit"}},
        "embed": {"lines": {"from": "InvoiceLine", "as": "array",
                            "fields": {"amount": {"expr": "UnitPrice * Quantity", "type": "double"}}}}
      }
    }
  })json";
  Result<Mapping> parsed = ParseMappingText(text, "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const CollectionSpec& invoices = parsed->collections[0];
  ASSERT_EQ(invoices.fields.size(), 3u);
  const FieldSpec& number = invoices.fields[0];
  EXPECT_EQ(number.expr, "'ORD-' || CAST(InvoiceId AS TEXT)");  // the user's SQL, untouched
  EXPECT_TRUE(number.column.empty());
  EXPECT_EQ(number.type, TargetType::kString);
  EXPECT_EQ(number.place.line, 5);  // the place of the expression itself, for the database's errors
  EXPECT_EQ(number.place.column, 39);
  EXPECT_EQ(invoices.fields[1].column, "Total");
  EXPECT_TRUE(invoices.fields[1].expr.empty());
  EXPECT_EQ(invoices.fields[2].nulls, NullPolicy::kOmit);
  ASSERT_EQ(invoices.embeds.size(), 1u);
  ASSERT_EQ(invoices.embeds[0].fields.size(), 1u);
  EXPECT_EQ(invoices.embeds[0].fields[0].expr, "UnitPrice * Quantity");
  EXPECT_EQ(invoices.embeds[0].fields[0].type, TargetType::kDouble);
}

TEST(MappingParser, AnIdKeyNamedExprIsStillAColumn) {
  // {"key": "Column"} names the _id's keys: a key called "expr" is allowed and reads a column.
  Result<Mapping> parsed =
      ParseMappingText(R"({"collections": {"c": {"from": "t", "_id": {"expr": "Code", "n": "Number"}}}})", "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->collections[0].id_parts[0], (std::pair<std::string, std::string>{"expr", "Code"}));
}

TEST(MappingParser, ReadsAFullMappingInFileOrder) {
  const char* text = R"({
    // comments are allowed
    "source": "sqlite:data/shop.db",
    "target": "mongodb://localhost:27017/shop",
    "nulls": "omit",
    "collections": {
      "orders": {
        "from": "orders", "_id": ["shop", "number"],
        "fields": {"when": "created_at", "total": {"column": "total", "type": "double", "nulls": "keep"},
                   "buyer.id": {"column": "customer_id", "ref": "customers"}},
        "where": "status <> 'void'",
        "order_by": ["created_at DESC", "number"],
        "embed": {
          "items": {"from": "order_items", "as": "array", "foreign": ["shop", "order_no"], "local": ["shop", "number"],
                    "exclude": ["note"],
                    "embed": {"product": {"from": "products", "as": "object", "local": "product_id", "value": "name"}}}
        }
      },
      "customers": {"from": "customers"}
    }
  })";
  Result<Mapping> parsed = ParseMappingText(text, "/jobs/shop.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const Mapping& m = parsed.value();
  EXPECT_EQ(m.source_uri, "sqlite:/jobs/data/shop.db");  // relative to the mapping's folder
  EXPECT_EQ(m.target_uri, "mongodb://localhost:27017/shop");
  EXPECT_EQ(m.nulls, NullPolicy::kOmit);
  ASSERT_EQ(m.collections.size(), 2u);
  const CollectionSpec& orders = m.collections[0];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_TRUE(orders.id_is_composite);
  ASSERT_EQ(orders.id_parts.size(), 2u);
  EXPECT_EQ(orders.id_parts[1].second, "number");
  ASSERT_EQ(orders.fields.size(), 3u);
  EXPECT_EQ(orders.fields[0].path, "when");
  EXPECT_EQ(orders.fields[1].type, TargetType::kDouble);
  EXPECT_EQ(orders.fields[1].nulls, NullPolicy::kKeep);
  EXPECT_EQ(orders.fields[2].ref, "customers");
  EXPECT_EQ(orders.fields[2].place.line, 10);
  EXPECT_FALSE(orders.all_columns);
  EXPECT_EQ(orders.where, "status <> 'void'");
  ASSERT_EQ(orders.order_by.size(), 2u);
  EXPECT_TRUE(orders.order_by[0].descending);
  EXPECT_FALSE(orders.order_by[1].descending);
  ASSERT_EQ(orders.embeds.size(), 1u);
  const EmbedSpec& items = orders.embeds[0];
  EXPECT_EQ(items.kind, EmbedKind::kArray);
  EXPECT_EQ(items.foreign, (std::vector<std::string>{"shop", "order_no"}));
  EXPECT_TRUE(items.all_columns);
  EXPECT_EQ(items.exclude, std::vector<std::string>{"note"});
  ASSERT_EQ(items.embeds.size(), 1u);
  EXPECT_EQ(items.embeds[0].kind, EmbedKind::kObject);
  EXPECT_EQ(items.embeds[0].value_column, "name");
  EXPECT_TRUE(m.collections[1].all_columns);
}

TEST(MappingParser, TheBundledChinookMappingParses) {
  Result<Mapping> parsed = ParseMappingFile(std::string(S2M_SOURCE_DIR) + "/mappings/chinook.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->collections.size(), 4u);
}

TEST(MappingParser, ReadsTheSchemaVersionAndItsField) {
  auto parse = [](const std::string& top) {
    Result<Mapping> parsed = ParseMappingText("{" + top + "\"collections\": {\"c\": {\"from\": \"t\"}}}", "v.json");
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return parsed.ok() ? std::move(parsed).value() : Mapping{};
  };
  Mapping unversioned = parse("");
  EXPECT_FALSE(unversioned.schema_version.has_value());
  Mapping versioned = parse("\"schema_version\": 4,");
  EXPECT_EQ(versioned.schema_version, 4);
  EXPECT_EQ(versioned.schema_version_field, "_schema_version");
  EXPECT_EQ(parse("\"schema_version\": 4, \"schema_version_field\": \"v\",").schema_version_field, "v");
  Mapping off = parse("\"schema_version\": 4, \"schema_version_field\": false,");
  EXPECT_EQ(off.schema_version, 4);
  EXPECT_EQ(off.schema_version_field, "");
}

TEST(MappingParser, MissingFileSaysSo) {
  Result<Mapping> parsed = ParseMappingFile("/no/such/mapping.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("/no/such/mapping.json: cannot open the mapping file (no such file)"),
            std::string::npos);
}

}  // namespace
}  // namespace sql2mongo
