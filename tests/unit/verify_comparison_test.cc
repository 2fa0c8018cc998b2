// What verify compares documents by: the index of stored documents (pairing, digests, claims) and the
// first difference between two documents, as a person would look for it.
#include <gtest/gtest.h>

#include "common/handles.h"
#include "support/test_support.h"
#include "verify/document_difference.h"
#include "verify/stored_index.h"

namespace sql2mongo {
namespace {

BsonPtr FromJson(const char* json) { return testing::BsonFromJson(json); }

std::string Difference(const char* expected, const char* stored) {
  auto difference = FirstDifference(FromJson(expected).get(), FromJson(stored).get());
  return difference ? difference->path + " | " + difference->message : "none";
}

TEST(FirstDifference, EqualDocumentsHaveNone) {
  EXPECT_EQ(Difference(R"({"_id": 1, "a": [1, {"b": "x"}], "c": {"d": null}})",
                       R"({"_id": 1, "a": [1, {"b": "x"}], "c": {"d": null}})"),
            "none");
}

TEST(FirstDifference, AnArrayOfAnotherLengthIsSaidWithBothLengths) {
  EXPECT_EQ(Difference(R"({"_id": 1, "invoices": [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]})",
                       R"({"_id": 1, "invoices": [{"n": 1}, {"n": 2}, {"n": 3}]})"),
            "invoices | invoices: 3 elements stored, 5 expected");
  EXPECT_EQ(Difference(R"({"_id": 1, "tags": ["a"]})", R"({"_id": 1, "tags": []})"),
            "tags | tags: 0 elements stored, 1 expected");
}

TEST(FirstDifference, ADeepValueIsNamedByItsPath) {
  EXPECT_EQ(Difference(R"({"_id": 1, "invoices": [{"lines": [{"q": 1}]}, {"lines": [{"q": 1}, {"q": 2}]}]})",
                       R"({"_id": 1, "invoices": [{"lines": [{"q": 1}]}, {"lines": [{"q": 1}, {"q": 3}]}]})"),
            "invoices.1.lines.1.q | invoices.1.lines.1.q: stored 3, expected 2");
}

TEST(FirstDifference, AnotherTypeIsSaidWithBothTypes) {
  EXPECT_EQ(Difference(R"({"_id": 1, "n": 5})", R"({"_id": 1, "n": {"$numberLong": "5"}})"),
            "n | n: stored long 5, expected int 5");
  EXPECT_EQ(Difference(R"({"_id": 1, "price": 0.99})", R"({"_id": 1, "price": "0.99"})"),
            "price | price: stored string \"0.99\", expected double 0.99");
}

TEST(FirstDifference, MissingExtraAndReorderedFieldsAreTold) {
  EXPECT_EQ(Difference(R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1, "a": 1})"), "b | b: not stored, expected 2");
  EXPECT_EQ(Difference(R"({"_id": 1, "a": 1})", R"({"_id": 1, "a": 1, "z": true})"), "z | z: stored true, not expected");
  EXPECT_EQ(Difference(R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1, "b": 2, "a": 1})"),
            "a | a: stored after 'b', expected before it");
  EXPECT_EQ(Difference(R"({"_id": 1, "x": {"a": 1}})", R"({"_id": 1, "x": {"c": 1}})"),
            "x.a | x.a: not stored (expected 1); 'x.c' is stored in its place");
}

TEST(FirstDifference, LongValuesAreCut) {
  std::string long_text(200, 'x');
  std::string expected = R"({"_id": 1, "notes": ")" + long_text + "\"}";
  std::string message = Difference(expected.c_str(), R"({"_id": 1, "notes": "short"})");
  EXPECT_EQ(message, "notes | notes: stored \"short\", expected \"" + std::string(59, 'x') + "...");
}

TEST(StoredIndex, PairsByIdAndTellsEqualFromChanged) {
  StoredIndex index(StoredIndex::MatchBy::kId);
  index.Add(FromJson(R"({"_id": 1, "a": "x"})").get());
  index.Add(FromJson(R"({"_id": 2, "a": "y"})").get());
  index.Add(FromJson(R"({"_id": "2", "a": "y"})").get());  // another type: another _id
  index.Add(FromJson(R"({"_id": {"a": 1, "b": 2}, "v": 0})").get());
  index.Seal();
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": 1, "a": "x"})").get()), StoredIndex::Claim::kEqual);
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": 2, "a": "z"})").get()), StoredIndex::Claim::kChanged);
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": 2, "a": "y"})").get()), StoredIndex::Claim::kAlreadyClaimed);
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": 3, "a": "x"})").get()), StoredIndex::Claim::kAbsent);
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": {"a": 1, "b": 2}, "v": 0})").get()), StoredIndex::Claim::kEqual);
  std::vector<std::string> unclaimed;
  index.ForEachUnclaimed([&](const bson_t* id) {
    BsonString json(bson_as_relaxed_extended_json(id, nullptr));
    unclaimed.push_back(json.get());
  });
  EXPECT_EQ(unclaimed, std::vector<std::string>{R"({ "_id" : "2" })"});
}

TEST(StoredIndex, PairsGeneratedIdsByContentOneStoredCopyEach) {
  StoredIndex index(StoredIndex::MatchBy::kContent);
  index.Add(FromJson(R"({"_id": {"$oid": "650000000000000000000001"}, "v": 1})").get());
  index.Add(FromJson(R"({"_id": {"$oid": "650000000000000000000002"}, "v": 1})").get());
  index.Add(FromJson(R"({"_id": {"$oid": "650000000000000000000003"}, "v": 2})").get());
  index.Seal();
  const char* expected_one = R"({"_id": {"$oid": "660000000000000000000009"}, "v": 1})";
  EXPECT_EQ(index.ClaimFor(FromJson(expected_one).get()), StoredIndex::Claim::kEqual);
  EXPECT_EQ(index.ClaimFor(FromJson(expected_one).get()), StoredIndex::Claim::kEqual);
  EXPECT_EQ(index.ClaimFor(FromJson(expected_one).get()), StoredIndex::Claim::kAbsent);  // only two stored
  EXPECT_EQ(index.ClaimFor(FromJson(R"({"_id": {"$oid": "660000000000000000000009"}, "v": 3})").get()),
            StoredIndex::Claim::kAbsent);
  size_t unclaimed = 0;
  index.ForEachUnclaimed([&](const bson_t*) { ++unclaimed; });
  EXPECT_EQ(unclaimed, 1u);  // v: 2
}

}  // namespace
}  // namespace sql2mongo
