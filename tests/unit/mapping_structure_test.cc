// A mapping that does not fit the JSON Schema gets one message per problem: file:line:col of the
// offending key or value, where it is in the document, what is wrong and how to fix it.
#include <gtest/gtest.h>

#include <filesystem>

#include "mapping/mapping_structure.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

std::string ErrorOf(const std::string& text) {
  Result<Mapping> parsed = ParseMappingText(text, "orders.json");
  if (parsed.ok()) return "(parsed)";
  EXPECT_EQ(parsed.status().code(), StatusCode::kMappingError);
  return parsed.status().message();
}

// One collection, "orders", whose body is line 3 onwards.
std::string Orders(const std::string& body) { return "{\n  \"collections\": {\n    \"orders\": " + body + "\n  }\n}"; }

TEST(MappingStructure, UnknownKeySuggestsTheKeyItIsATypoOf) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\",\n"
                           "      \"embed\": {\"lines\": {\"from\": \"Lines\", \"as\": \"array\", \"foriegn\": \"OrderId\"}}}")),
            "orders.json:4:59: collections.orders.embed.lines: unknown key 'foriegn' (did you mean 'foreign'?); "
            "allowed keys: from, as, local, foreign, fields, exclude, value, where, order_by, nulls, embed, incremental, "
            "merge_key, comment");
}

TEST(MappingStructure, ATypoOfARequiredKeyIsOneProblemNotTwo) {
  // "form" is unknown and "from" is missing: one mistake, one message.
  EXPECT_EQ(ErrorOf(Orders("{\"form\": \"Orders\"}")),
            "orders.json:3:16: collections.orders: unknown key 'form' (did you mean 'from'?); allowed keys: from, _id, "
            "fields, exclude, where, order_by, nulls, embed, mode, incremental, drop, cutover, backups, indexes, validate, comment");
}

// "incremental": a typo of its keys gets the key it meant; "soft" needs its flag column, a flag needs "soft".
TEST(MappingStructure, IncrementalKeysAreCheckedWithTheirFix) {
  std::string typo = ErrorOf(Orders("{\"from\": \"Orders\", \"incremental\": {\"colum\": \"updated_at\"}}"));
  EXPECT_NE(typo.find("unknown key 'colum' (did you mean 'column'?)"), std::string::npos) << typo;
  std::string no_flag =
      ErrorOf(Orders("{\"from\": \"Orders\", \"incremental\": {\"column\": \"u\", \"deletes\": \"soft\"}}"));
  EXPECT_NE(no_flag.find("\"flag\""), std::string::npos) << no_flag;
  EXPECT_NE(no_flag.find("orders.json:3:"), std::string::npos) << no_flag;
  std::string stray_flag =
      ErrorOf(Orders("{\"from\": \"Orders\", \"incremental\": {\"column\": \"u\", \"flag\": \"gone\"}}"));
  EXPECT_NE(stray_flag.find("soft"), std::string::npos) << stray_flag;
  std::string deletes =
      ErrorOf(Orders("{\"from\": \"Orders\", \"incremental\": {\"column\": \"u\", \"deletes\": \"hard\"}}"));
  EXPECT_NE(deletes.find("\"none\", \"soft\", \"detect\""), std::string::npos) << deletes;
  Result<Mapping> parsed = ParseMappingText(
      Orders("{\"from\": \"Orders\", \"incremental\": {\"column\": \"u\", \"deletes\": \"soft\", \"flag\": \"gone\"},\n"
             "  \"embed\": {\"lines\": {\"from\": \"Lines\", \"as\": \"array\", \"incremental\": {\"column\": \"v\"}}}}"),
      "orders.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const CollectionSpec& orders = parsed->collections[0];
  ASSERT_TRUE(orders.incremental.has_value());
  EXPECT_EQ(orders.incremental->column, "u");
  EXPECT_EQ(orders.incremental->deletes, DeletePolicy::kSoft);
  EXPECT_EQ(orders.incremental->flag, "gone");
  ASSERT_TRUE(orders.embeds[0].incremental.has_value());
  EXPECT_EQ(orders.embeds[0].incremental->column, "v");
  EXPECT_EQ(orders.embeds[0].incremental->deletes, DeletePolicy::kNone);
}

TEST(MappingStructure, AModeIsOneOfTheThreeWithWhatEachDoes) {
  std::string error = ErrorOf(Orders("{\"from\": \"Orders\", \"mode\": \"upsert\"}"));
  EXPECT_NE(error.find("orders.json:3:42: collections.orders: 'mode' must be one of \"insert\", \"replace\", \"merge\", "
                       "got \"upsert\""),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("\"merge\" ($set of the mapped top-level fields"), std::string::npos) << error;
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"drop\": \"yes\"}")),
            "orders.json:3:42: collections.orders: 'drop' must be true or false, got a string");
}

TEST(MappingStructure, WrongTypeSaysWhatTheValueMustBeAndWhatItIs) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"where\": 5}")),
            "orders.json:3:43: collections.orders: 'where' must be a string (an SQL condition), got a number");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"exclude\": \"Note\"}")),
            "orders.json:3:45: collections.orders: 'exclude' must be a list of column names, got a string");
  EXPECT_EQ(ErrorOf("[]"), "orders.json:1:1: the mapping file must be an object, got a list; e.g. "
                           "{\"source\": \"sqlite:data.db\", \"collections\": {\"name\": {\"from\": \"Table\"}}}");
}

TEST(MappingStructure, MissingRequiredKeySaysWhatToAdd) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"embed\": {\"lines\": {\"as\": \"array\"}}}")),
            "orders.json:3:53: collections.orders.embed.lines: missing required key 'from': the table to embed; "
            "add \"from\": \"Table\"");
}

TEST(MappingStructure, ValueOutsideTheAllowedOnesListsThem) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"embed\": {\"lines\": {\"from\": \"Lines\", \"as\": \"arry\"}}}")),
            "orders.json:3:77: collections.orders.embed.lines: 'as' must be one of \"array\", \"object\", got \"arry\" "
            "(did you mean 'array'?); \"array\" (1:N child rows: the rows whose foreign key points at this row) or "
            "\"object\" (N:1 parent row: the row this row's foreign key points at)");
  EXPECT_EQ(ErrorOf("{\n  \"version\": 2,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}"),
            "orders.json:2:14: 'version' must be 1, got 2; this sql2mongo reads mapping format version 1");
}

TEST(MappingStructure, AValueOfNoAcceptedFormNamesTheForms) {
  // "_id" is oneOf three forms, a field oneOf two: the message lists them, not every branch's failure.
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"_id\": true}")),
            "orders.json:3:41: collections.orders: '_id' must be a column name, a list of columns (a composite _id) or "
            "{\"key\": \"Column\", ...}, got true");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\"total\": 12}}")),
            "orders.json:3:54: collections.orders.fields: 'total' must be a column name or {\"column\": ..., \"type\": ...} "
            "or {\"expr\": \"<SQL expression>\", \"type\": ...}, got a number");
}

TEST(MappingStructure, AProblemInsideAFormIsNotHiddenByTheOtherForms) {
  // The object form of a field was meant: its own problem is reported, not "must be a column name".
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\"total\": {\"column\": \"Total\", \"type\": \"dbl\"}}}")),
            "orders.json:3:82: collections.orders.fields.total: 'type' must be one of \"auto\", \"int32\", \"int\", "
            "\"int64\", \"long\", \"double\", \"decimal\", \"string\", \"bool\", \"date\", \"binary\", got \"dbl\" "
            "(did you mean 'double'?); the BSON type of the value; auto: the source type decides (docs/types.md)");
}

TEST(MappingStructure, PatternMismatchQuotesTheValue) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"order_by\": [\"Day\", \"Total upward\"]}")),
            "orders.json:3:54: collections.orders: 'order_by[1]' must be \"Column\", \"Column ASC\" or \"Column DESC\", "
            "got \"Total upward\"");
}

TEST(MappingStructure, ABadKeyNameSaysWhichRuleItBreaks) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\"buyer..name\": \"Name\"}}")),
            "orders.json:3:45: collections.orders.fields: 'buyer..name' is not a valid target path: a segment is empty; "
            "write \"a.b\", not \"a..b\"");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"_id\": {\"shop.id\": \"ShopId\"}}")),
            "orders.json:3:42: collections.orders._id: 'shop.id' is not a key of the _id sub-document: '.' would nest, "
            "'$' is reserved; use {\"key\": \"Column\"} with a plain key");
}

TEST(MappingStructure, EmptyValuesSayWhatTheyMustHold) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"\"}")),
            "orders.json:3:24: collections.orders: 'from' is empty; it must be a table name");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"order_by\": []}")),
            "orders.json:3:46: collections.orders: 'order_by' must be a non-empty list");
  EXPECT_EQ(ErrorOf("{\n  \"collections\": {}\n}"),
            "orders.json:2:18: 'collections' must be a non-empty object, e.g. {\"name\": {\"from\": \"Table\"}}");
}

TEST(MappingStructure, AComputedValueWhereAColumnIsReadIsPlacedAtExpr) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"embed\": {\"buyer\": {\"from\": \"Customers\", \"as\": \"object\",\n"
                           "      \"local\": {\"expr\": \"LOWER(Email)\"}}}}")),
            "orders.json:4:17: collections.orders.embed.buyer: 'local' must name columns of the table: a computed value "
            "(\"expr\") is allowed only in \"fields\"; _id, join keys (local/foreign), \"value\" and order_by are read as "
            "columns. Compute it in a view of the source and map the view, or make it a field");
}

TEST(MappingStructure, KeysThatExcludeEachOtherAreNamed) {
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"embed\": {\"buyer\": {\"from\": \"Customers\", \"as\": \"object\",\n"
                           "      \"order_by\": \"Name\"}}}")),
            "orders.json:4:19: collections.orders.embed.buyer: \"order_by\" orders array items; an \"object\" embed holds "
            "one row");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\"total\": {\"column\": \"Total\", \"expr\": \"Total * 2\"}}}")),
            "orders.json:3:74: collections.orders.fields.total: has both 'column' and 'expr'; keep one: exactly one of "
            "\"column\" (read a column as it is) and \"expr\" (have the source compute the value with an SQL expression)");
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\"total\": {\"type\": \"double\"}}}")),
            "orders.json:3:54: collections.orders.fields.total: missing 'column' or 'expr': exactly one of \"column\" (read "
            "a column as it is) and \"expr\" (have the source compute the value with an SQL expression); add \"column\": "
            "\"Name\" or \"expr\": \"LOWER(Email)\"");
}

TEST(MappingStructure, EveryProblemIsReportedOneLineEachInTheFilesOrder) {
  EXPECT_EQ(ErrorOf("{\n"
                    "  \"nulls\": \"drop\",\n"
                    "  \"collections\": {\n"
                    "    \"orders\": {\"from\": \"Orders\", \"where\": \"\"},\n"
                    "    \"items\": {\"from\": \"Items\", \"feilds\": {}}\n"
                    "  }\n"
                    "}"),
            "orders.json:2:12: 'nulls' must be one of \"keep\", \"omit\", got \"drop\"; \"keep\": a NULL becomes null "
            "(default); \"omit\": the field is left out\n"
            "orders.json:4:43: collections.orders: 'where' is empty; it must be an SQL condition\n"
            "orders.json:5:32: collections.items: unknown key 'feilds' (did you mean 'fields'?); allowed keys: from, _id, "
            "fields, exclude, where, order_by, nulls, embed, mode, incremental, drop, cutover, backups, indexes, validate, comment");
}

TEST(MappingStructure, PastTwentyProblemsTheRestAreCounted) {
  std::string fields;
  for (int i = 0; i < 25; ++i) fields += (i ? ",\n" : "") + std::string("      \"f") + std::to_string(i) + "\": 1";
  std::string message = ErrorOf(Orders("{\"from\": \"Orders\", \"fields\": {\n" + fields + "}}"));
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 20) << message;
  EXPECT_EQ(message.rfind("orders.json:4:13: collections.orders.fields: 'f0' must be a column name", 0), 0u) << message;
  EXPECT_NE(message.find("\norders.json:23:14: collections.orders.fields: 'f19' must be"), std::string::npos) << message;
  EXPECT_TRUE(message.ends_with("\norders.json: 5 more problems of the mapping's structure not shown")) << message;
}

TEST(MappingStructure, ProblemsCarryThePointerOfTheOffendingKeyOrValue) {
  auto document = nlohmann::ordered_json::parse(
      R"({"collections": {"c": {"from": "t", "feilds": {}, "embed": {"e": {"from": "u", "as": "set"}}}}})");
  std::vector<StructureProblem> problems = CheckMappingStructure(document);
  ASSERT_EQ(problems.size(), 2u);
  std::sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.pointer < b.pointer; });
  EXPECT_EQ(problems[0].pointer, "/collections/c/embed/e/as");
  EXPECT_FALSE(problems[0].at_key);
  EXPECT_EQ(problems[1].pointer, "/collections/c/feilds");
  EXPECT_TRUE(problems[1].at_key);
}

// Where the parser and the schema used to disagree, the schema now decides; each such case, both ways.
TEST(MappingStructure, AgreesWithTheParserOnWhatItOnceAcceptedAlone) {
  // The parser refused an empty "exclude"; it excludes nothing, and the schema allows it.
  Result<Mapping> empty_exclude = ParseMappingText(Orders("{\"from\": \"Orders\", \"exclude\": []}"), "orders.json");
  ASSERT_TRUE(empty_exclude.ok()) << empty_exclude.status().message();
  EXPECT_TRUE(empty_exclude->collections[0].exclude.empty());
  // The parser took any "comment"; the schema (what editors check) says it is text.
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"comment\": [\"a\", \"b\"]}")),
            "orders.json:3:45: collections.orders: 'comment' must be a string, got a list");
  // The schema took any key for {"key": "Column"}; the parser refused '.', '$' and empty keys, now the schema does.
  EXPECT_NE(ErrorOf(Orders("{\"from\": \"Orders\", \"_id\": {\"$k\": \"Id\"}}")).find("'$k' is not a key of the _id"),
            std::string::npos);
  // A list of columns names the _id's keys after the columns: a rule about parts, still the parser's.
  EXPECT_EQ(ErrorOf(Orders("{\"from\": \"Orders\", \"_id\": [\"Shop\", \"Order.No\"]}")),
            "orders.json:3:50: column 'Order.No' cannot be a key of the _id sub-document ('.' would nest, '$' is "
            "reserved); use {\"key\": \"Order.No\"} to name it");
  // Both read "asc"/"desc" in any case.
  Result<Mapping> lower_case =
      ParseMappingText(Orders("{\"from\": \"Orders\", \"order_by\": \"Day desc\"}"), "orders.json");
  ASSERT_TRUE(lower_case.ok()) << lower_case.status().message();
  EXPECT_TRUE(lower_case->collections[0].order_by[0].descending);
}

TEST(MappingStructure, EveryBundledMappingFits) {
  int checked = 0;
  for (const char* folder : {"mappings", "bench/mappings", "samples"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(S2M_SOURCE_DIR) + "/" + folder)) {
      std::string path = entry.path().string();
      if (entry.path().extension() != ".json" || path.ends_with(".schema.json")) continue;
      Result<Mapping> parsed = ParseMappingFile(path);
      EXPECT_TRUE(parsed.ok()) << path << ": " << parsed.status().message();
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);  // 3 in mappings/, 5 in bench/mappings/
}

}  // namespace
}  // namespace sql2mongo
