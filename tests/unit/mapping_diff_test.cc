// The diff classifier on pairs of small mappings, one change class each: what each change is called,
// its class, its paths, and the way the collection's stored documents can follow.
#include "diff/mapping_diff.h"

#include <gtest/gtest.h>

#include <string>

namespace sql2mongo {
namespace {

// A mapping of one or more collections, given as the text inside "collections": {...}.
Mapping Parse(const std::string& collections, const std::string& top = "\"schema_version\": 1,") {
  Result<Mapping> mapping = ParseMappingText("{" + top + "\"collections\": {" + collections + "}}", "m.json");
  EXPECT_TRUE(mapping.ok()) << mapping.status().message();
  return mapping.ok() ? std::move(mapping).value() : Mapping{};
}

constexpr char kV2[] = "\"schema_version\": 2,";

const char kCustomers[] =
    R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"},
        "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})";

// The one collection's diff, expecting exactly one change.
MappingChange OnlyChange(const MappingDiff& diff, size_t collection = 0) {
  EXPECT_LT(collection, diff.collections.size());
  if (collection >= diff.collections.size()) return {};
  const auto& changes = diff.collections[collection].changes;
  EXPECT_EQ(changes.size(), 1u);
  return changes.empty() ? MappingChange{} : changes[0];
}

MappingDiff Against(const std::string& new_customers, const std::string& extra_new = "") {
  return DiffMappings(Parse(kCustomers), Parse(new_customers + extra_new, kV2));
}

TEST(MappingDiff, SameMappingIsNoChange) {
  MappingDiff diff = DiffMappings(Parse(kCustomers), Parse(kCustomers));
  ASSERT_EQ(diff.collections.size(), 1u);
  EXPECT_TRUE(diff.collections[0].changes.empty());
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kNone);
  EXPECT_FALSE(diff.DocumentsDiffer());
  EXPECT_TRUE(diff.warnings.empty());
}

TEST(MappingDiff, AVersionBumpAloneIsAnInPlaceUpgradeOfTheVersionField) {
  MappingDiff diff = DiffMappings(Parse(kCustomers), Parse(kCustomers, kV2));
  ASSERT_EQ(diff.collections.size(), 1u);
  EXPECT_TRUE(diff.collections[0].changes.empty());
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
  EXPECT_EQ(diff.collections[0].set_fields, std::vector<std::string>{"_schema_version"});
  EXPECT_TRUE(diff.DocumentsDiffer());
}

TEST(MappingDiff, AddedFieldIsAdditive) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City", "email": "Email"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kAdditive);
  EXPECT_EQ(change.what, "field added");
  EXPECT_EQ(change.new_path, "email");
  EXPECT_EQ(change.detail, "column Email");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
  EXPECT_EQ(diff.collections[0].set_fields, (std::vector<std::string>{"_schema_version", "email"}));
  EXPECT_TRUE(diff.collections[0].unset_fields.empty());
  EXPECT_TRUE(diff.warnings.empty());
}

TEST(MappingDiff, AddedEmbeddedArrayIsAdditive) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}},
                    "invoices": {"from": "Invoice", "as": "array", "fields": {"total": "Total"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kAdditive);
  EXPECT_EQ(change.what, "embedded array added");
  EXPECT_EQ(change.new_path, "invoices");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
}

TEST(MappingDiff, SameColumnUnderANewNameIsARename) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"full_name": "Name", "city": "City"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "field renamed");
  EXPECT_EQ(change.old_path, "name");
  EXPECT_EQ(change.new_path, "full_name");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
  EXPECT_EQ(diff.collections[0].set_fields, (std::vector<std::string>{"_schema_version", "full_name"}));
  EXPECT_EQ(diff.collections[0].unset_fields, std::vector<std::string>{"name"});
}

TEST(MappingDiff, SameColumnUnderANewParentIsAMove) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "address.city": "City"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "field moved");
  EXPECT_EQ(change.old_path, "city");
  EXPECT_EQ(change.new_path, "address.city");
  EXPECT_EQ(diff.collections[0].unset_fields, std::vector<std::string>{"city"});
}

TEST(MappingDiff, MovedFieldInsideAnEmbedKeepsTheEmbedsPath) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"name.last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.what, "field moved");
  EXPECT_EQ(change.old_path, "rep.last");
  EXPECT_EQ(change.new_path, "rep.name.last");
  EXPECT_EQ(diff.collections[0].set_fields, (std::vector<std::string>{"_schema_version", "rep"}));
  EXPECT_TRUE(diff.collections[0].unset_fields.empty());  // rep stays, written whole
}

TEST(MappingDiff, AValueBecomingASubDocumentIsASplit) {
  MappingDiff diff = DiffMappings(
      Parse(R"("c": {"from": "Customer", "fields": {"name": {"expr": "First || ' ' || Last"}}})"),
      Parse(R"("c": {"from": "Customer", "fields": {"name.first": "First", "name.last": "Last"}})", kV2));
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "field split");
  EXPECT_EQ(change.old_path, "name");
  EXPECT_EQ(change.new_path, "name.first, name.last");
  EXPECT_EQ(diff.collections[0].set_fields, (std::vector<std::string>{"_schema_version", "name"}));
}

TEST(MappingDiff, TypeChangeIsTransformative) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": {"column": "City", "type": "string"}},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "type changed");
  EXPECT_EQ(change.old_path, "city");
  EXPECT_EQ(change.detail, "auto -> string");
}

TEST(MappingDiff, NullsPolicyChangeIsTransformative) {
  MappingDiff diff = DiffMappings(Parse(R"("c": {"from": "T", "fields": {"a": "A"}})"),
                                  Parse(R"("c": {"from": "T", "nulls": "omit", "fields": {"a": "A"}})", kV2));
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "nulls policy changed");
  EXPECT_EQ(change.detail, "keep -> omit");
}

TEST(MappingDiff, ObjectEmbedReplacedByARefOnItsJoinColumnIsEmbedToReference) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id",
          "fields": {"name": "Name", "city": "City", "rep_id": {"column": "RepId", "ref": "employees"}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "embed turned into a reference");
  EXPECT_EQ(change.old_path, "rep");
  EXPECT_EQ(change.new_path, "rep_id");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
  EXPECT_EQ(diff.collections[0].unset_fields, std::vector<std::string>{"rep"});
}

TEST(MappingDiff, RefReplacedByAnObjectEmbedIsReferenceToEmbed) {
  MappingDiff diff = DiffMappings(
      Parse(R"("c": {"from": "Customer", "fields": {"rep": {"column": "RepId", "ref": "employees"}}})"),
      Parse(R"("c": {"from": "Customer", "fields": {},
                "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId"}}})", kV2));
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "reference turned into an embed");
  EXPECT_EQ(change.old_path, "rep");
  EXPECT_EQ(change.new_path, "rep");
}

TEST(MappingDiff, IdChangeNeedsAReload) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": ["Id", "City"], "fields": {"name": "Name", "city": "City"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kTransformative);
  EXPECT_EQ(change.what, "_id changed");
  EXPECT_EQ(change.detail, "Id -> {Id, City}");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kReload);
  EXPECT_EQ(diff.collections[0].reload_reason, "_id changed");
}

TEST(MappingDiff, RenamedCollectionNeedsAReload) {
  MappingDiff diff = DiffMappings(Parse(kCustomers), Parse(std::string(kCustomers).replace(1, 9, "clients"), kV2));
  ASSERT_EQ(diff.collections.size(), 1u);
  EXPECT_EQ(diff.collections[0].name, "clients");
  EXPECT_EQ(diff.collections[0].old_name, "customers");
  EXPECT_EQ(OnlyChange(diff).what, "collection renamed");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kReload);
}

TEST(MappingDiff, RemovedFieldIsDestructive) {
  MappingDiff diff = Against(
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name"},
          "embed": {"rep": {"from": "Employee", "as": "object", "local": "RepId", "fields": {"last": "LastName"}}}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kDestructive);
  EXPECT_EQ(change.what, "field removed");
  EXPECT_EQ(change.old_path, "city");
  EXPECT_EQ(diff.collections[0].way, UpgradeWay::kInPlace);
  EXPECT_EQ(diff.collections[0].set_fields, std::vector<std::string>{"_schema_version"});
  EXPECT_EQ(diff.collections[0].unset_fields, std::vector<std::string>{"city"});
}

TEST(MappingDiff, RemovedEmbedIsDestructive) {
  MappingDiff diff = Against(R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"}})");
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kDestructive);
  EXPECT_EQ(change.what, "embedded object removed");
  EXPECT_EQ(change.old_path, "rep");
  EXPECT_EQ(diff.collections[0].unset_fields, std::vector<std::string>{"rep"});
}

TEST(MappingDiff, RemovedCollectionIsDestructive) {
  MappingDiff diff = DiffMappings(Parse(std::string(kCustomers) + R"(, "genres": {"from": "Genre"})"),
                                  Parse(kCustomers, kV2));
  ASSERT_EQ(diff.collections.size(), 2u);
  EXPECT_EQ(diff.collections[1].name, "genres");
  MappingChange change = OnlyChange(diff, 1);
  EXPECT_EQ(change.change_class, ChangeClass::kDestructive);
  EXPECT_EQ(change.what, "collection removed");
  EXPECT_EQ(diff.collections[1].way, UpgradeWay::kDrop);
}

TEST(MappingDiff, AddedCollectionIsAdditive) {
  MappingDiff diff = DiffMappings(Parse(kCustomers), Parse(std::string(kCustomers) + R"(, "genres": {"from": "Genre"})", kV2));
  ASSERT_EQ(diff.collections.size(), 2u);
  MappingChange change = OnlyChange(diff, 1);
  EXPECT_EQ(change.change_class, ChangeClass::kAdditive);
  EXPECT_EQ(change.what, "collection added");
  EXPECT_EQ(diff.collections[1].way, UpgradeWay::kLoad);
}

TEST(MappingDiff, ExcludingAColumnOfEveryColumnRemovesItsField) {
  MappingDiff diff = DiffMappings(Parse(R"("g": {"from": "Genre"})"),
                                  Parse(R"("g": {"from": "Genre", "exclude": ["Notes"]})", kV2));
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kDestructive);
  EXPECT_EQ(change.old_path, "Notes");
}

TEST(MappingDiff, WarnsWhenTheDocumentsChangeButTheVersionDoesNotGrow) {
  MappingDiff same_version = DiffMappings(Parse(kCustomers), Parse(R"("customers": {"from": "Customer", "_id": "Id"})"));
  ASSERT_EQ(same_version.warnings.size(), 1u);
  EXPECT_NE(same_version.warnings[0].find("is not greater than OLD's (1): raise it to 2"), std::string::npos)
      << same_version.warnings[0];
  MappingDiff unversioned = DiffMappings(Parse(kCustomers, ""), Parse(R"("customers": {"from": "Customer"})", ""));
  ASSERT_EQ(unversioned.warnings.size(), 1u);
  EXPECT_NE(unversioned.warnings[0].find("NEW has no \"schema_version\""), std::string::npos);
}

TEST(MappingDiff, TurningTheVersionFieldOnIsAdditive) {
  MappingDiff diff = DiffMappings(Parse(kCustomers, ""), Parse(kCustomers));
  MappingChange change = OnlyChange(diff);
  EXPECT_EQ(change.change_class, ChangeClass::kAdditive);
  EXPECT_EQ(change.what, "version field added");
  EXPECT_EQ(change.new_path, "_schema_version");
}

// Indexes, validators, cut-over and mode change no document: they are setup changes, which leave the
// documents' verdict (and so diff's exit code) alone.
TEST(MappingDiff, IndexValidatorCutoverAndModeChangesAreSetupChangesThatLeaveTheDocumentsAlone) {
  const char* old_customers =
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"},
          "indexes": [{"keys": {"name": 1}}, {"keys": {"city": 1}, "name": "by_city"}]})";
  const char* new_customers =
      R"("customers": {"from": "Customer", "_id": "Id", "fields": {"name": "Name", "city": "City"},
          "indexes": [{"keys": {"name": 1}, "unique": true}, {"keys": {"city": -1, "name": 1}}],
          "validate": "strict", "cutover": "swap", "backups": 3, "mode": "replace"})";
  MappingDiff diff = DiffMappings(Parse(old_customers), Parse(new_customers));
  ASSERT_EQ(diff.collections.size(), 1u);
  const CollectionDiff& c = diff.collections[0];
  EXPECT_TRUE(c.changes.empty());
  EXPECT_EQ(c.way, UpgradeWay::kNone);
  EXPECT_FALSE(diff.DocumentsDiffer());
  EXPECT_EQ(c.setup_changes,
            (std::vector<std::string>{
                "index added: city_-1_name_1 (city -1, name 1)",
                "index changed: name_1 (name 1) -> name_1 (name 1; unique) (the run stops on an index of the same name "
                "and another spec: drop it first with db.customers.dropIndex(\"name_1\"))",
                "index removed: by_city (city 1) (no run drops it: db.customers.dropIndex(\"by_city\"))",
                "validator off -> strict", "cut-over none -> swap (3 backups)", "mode insert -> replace"}));
  MappingDiff same = DiffMappings(Parse(new_customers), Parse(new_customers));
  EXPECT_TRUE(same.collections[0].setup_changes.empty());
}

}  // namespace
}  // namespace sql2mongo
