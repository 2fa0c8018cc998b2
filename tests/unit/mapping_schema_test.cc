// The JSON Schema shipped for editors is the one sql2mongo checks mappings against: compiled in from
// the file, readable by valijson as written, and in agreement with what the parser converts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mapping/mapping_schema.h"
#include "mapping/mapping_schema_text.h"
#include "sql2mongo/value.h"

namespace sql2mongo {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string ShippedSchemaText() {
  std::ifstream in(std::string(S2M_SOURCE_DIR) + "/mappings/sql2mongo-mapping.schema.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(MappingSchema, TheCompiledInTextIsTheShippedFile) {
  // The build regenerates the text whenever the file changes; a stale copy would check other rules.
  EXPECT_EQ(std::string(kMappingSchemaText), ShippedSchemaText());
}

TEST(MappingSchema, LoadsIntoValijson) { EXPECT_EQ(MappingSchema::Get().load_error(), ""); }

// valijson reads draft 7, where a keyword beside "$ref" is ignored; in draft 2020-12 (what editors read)
// it applies. Only annotations there keep the two readings the same.
void ExpectOnlyAnnotationsBesideRefs(const OrderedJson& node, const std::string& where) {
  if (node.is_object() && node.contains("$ref")) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      EXPECT_TRUE(key == "$ref" || key == "title" || key == "description" || key == "examples" || key == "$comment")
          << where << ": \"" << key << "\" beside \"$ref\" is ignored by valijson";
    }
  }
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) ExpectOnlyAnnotationsBesideRefs(*it, where + "/" + it.key());
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) ExpectOnlyAnnotationsBesideRefs(node[i], where + "/" + std::to_string(i));
  }
}

TEST(MappingSchema, HasNoValidationKeywordBesideARef) {
  ExpectOnlyAnnotationsBesideRefs(OrderedJson::parse(kMappingSchemaText), "");
}

TEST(MappingSchema, ItsTypesAreTheTypesTheParserKnows) {
  const OrderedJson* names = MappingSchema::Get().Keyword("/$defs/type", "enum");
  ASSERT_NE(names, nullptr);
  std::string listed;
  for (const auto& name : *names) {
    listed += (listed.empty() ? "" : ", ") + name.get<std::string>();
    TargetType type;
    EXPECT_TRUE(ParseTargetType(name.get<std::string>(), &type)) << name;
  }
  EXPECT_EQ(listed, KnownTargetTypeNames());
}

TEST(MappingSchema, AnnotationsBesideARefWinOverTheReferencedOnes) {
  const MappingSchema& schema = MappingSchema::Get();
  // "from": {"$ref": "#/$defs/column", "title": "a table name"}; the column's own title is "a column name".
  const OrderedJson* title = schema.Annotation("/$defs/collection/properties/from", "title");
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(*title, "a table name");
  EXPECT_EQ(*schema.Annotation("/$defs/embed/properties/value", "title"), "a column name");
  EXPECT_EQ(schema.Resolve("/$defs/embed/properties/value"), "/$defs/column");
}

TEST(MappingSchema, FormsAreTheBranchesOfABareOneOf) {
  const MappingSchema& schema = MappingSchema::Get();
  const std::string id = "/$defs/collection/properties/_id";
  EXPECT_EQ(schema.Forms(id), (std::vector<std::string>{id + "/oneOf/0", id + "/oneOf/1", id + "/oneOf/2"}));
  // A oneOf beside a "type" picks keys, not forms: {"column": ...} or {"expr": ...} is one form.
  EXPECT_EQ(schema.Forms("/$defs/field/oneOf/1"), std::vector<std::string>{"/$defs/field/oneOf/1"});
  EXPECT_TRUE(schema.TypeFits("/$defs/field/oneOf/0", "Name"));
  EXPECT_FALSE(schema.TypeFits("/$defs/field/oneOf/0", nlohmann::json::object()));
  EXPECT_TRUE(schema.TypeFits("/$defs/nulls", "drop"));  // by its values' type: a string, if not one of them
  EXPECT_FALSE(schema.TypeFits("/$defs/nulls", 5));
}

TEST(MappingSchema, FitsAskValijsonAboutOneSubSchema) {
  const MappingSchema& schema = MappingSchema::Get();
  EXPECT_TRUE(schema.Fits("/$defs/path", "name.first"));
  EXPECT_FALSE(schema.Fits("/$defs/path", "name..first"));
  EXPECT_FALSE(schema.Fits("/$defs/path", "$name"));
  EXPECT_TRUE(schema.Fits("/$defs/order_term", "InvoiceDate desc"));
  EXPECT_FALSE(schema.Fits("/$defs/order_term", "InvoiceDate sideways"));
}

}  // namespace
}  // namespace sql2mongo
