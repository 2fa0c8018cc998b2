#include "verify/collection_comparison.h"

#include <fmt/format.h>

#include <map>
#include <string_view>

#include "common/handles.h"
#include "common/relaxed_json.h"
#include "sql2mongo/document_builder.h"
#include "verify/document_difference.h"
#include "verify/document_digest.h"

namespace sql2mongo {
namespace {

// A document whose _id is generated is named by the start of its content instead.
std::string ContentSnippet(const bson_t* doc) {
  ScopedBson without_id;
  bson_copy_to_excluding_noinit(doc, without_id.get(), "_id", nullptr);
  std::string json = RelaxedJson(without_id.get());
  return json.size() > 80 ? json.substr(0, 80) + "..." : json;
}

std::string IdKey(const bson_t* id) { return std::string(reinterpret_cast<const char*>(bson_get_data(id)), id->len); }

}  // namespace

void CollectionComparison::Show(Difference difference, const bson_t* expected) {
  std::lock_guard lock(shown_mutex_);
  if (shown_.size() >= kShownDifferences) return;
  if (expected) changed_documents_.emplace_back(shown_.size(), BsonPtr(bson_copy(expected)));
  shown_.push_back(std::move(difference));
}

void CollectionComparison::Check(const bson_t* expected) {
  StoredIndex::Claim claim = index_.ClaimFor(expected);
  if (claim == StoredIndex::Claim::kAbsent && only_indexed_) return;
  ++expected_;
  const bool by_id = index_.match_by() == StoredIndex::MatchBy::kId;
  switch (claim) {
    case StoredIndex::Claim::kEqual:
      ++equal_;
      break;
    case StoredIndex::Claim::kChanged:
      ++changed_;
      Show(Difference{DifferenceKind::kChanged, DocumentIdJson(expected), "", "content differs"}, expected);
      break;
    case StoredIndex::Claim::kAbsent:
      ++missing_;
      if (by_id)
        Show(Difference{DifferenceKind::kMissing, DocumentIdJson(expected), "", "not stored"}, nullptr);
      else
        Show(Difference{DifferenceKind::kMissing, "", "",
                        "no stored document has this content (the _id is generated): " + ContentSnippet(expected)},
             nullptr);
      break;
    case StoredIndex::Claim::kAlreadyClaimed:
      ++duplicate_;
      Show(Difference{DifferenceKind::kDuplicate, DocumentIdJson(expected), "",
                      "the source builds this _id more than once; the target holds one (run rejects the repeats "
                      "as duplicate keys)"},
           nullptr);
      break;
  }
}

Status CollectionComparison::DescribeChanged(TargetReader& reader) {
  if (changed_documents_.empty()) return Status::Ok();
  std::vector<ScopedBson> ids(changed_documents_.size());
  std::vector<const bson_t*> id_pointers;
  std::map<std::string, size_t> by_id;  // {"_id": value} bytes -> position in changed_documents_
  for (size_t i = 0; i < changed_documents_.size(); ++i) {
    IdDocument(changed_documents_[i].second.get(), ids[i].get());
    id_pointers.push_back(ids[i].get());
    by_id[IdKey(ids[i].get())] = i;
  }
  std::vector<bool> found(changed_documents_.size(), false);
  S2M_RETURN_IF_ERROR(reader.ForEachWithId(collection_, id_pointers, [&](const bson_t* stored) {
    ScopedBson id;
    if (!IdDocument(stored, id.get())) return;
    auto it = by_id.find(IdKey(id.get()));
    if (it == by_id.end()) return;
    found[it->second] = true;
    auto& [position, expected] = changed_documents_[it->second];
    Difference& shown = shown_[position];
    if (auto difference = FirstDifference(expected.get(), stored)) {
      shown.field = difference->path;
      shown.message = difference->message;
    } else {
      shown.message = "the stored bytes differ, yet every field and value is the same";
    }
  }));
  for (size_t i = 0; i < found.size(); ++i)
    if (!found[i]) shown_[changed_documents_[i].first].message = "content differs; it was deleted since it was read";
  return Status::Ok();
}

Status CollectionComparison::Conclude(TargetReader& reader, CollectionVerdict* verdict) {
  const bool by_id = index_.match_by() == StoredIndex::MatchBy::kId;
  uint64_t extra = 0;
  index_.ForEachUnclaimed([&](const bson_t* id) {
    ++extra;
    Show(Difference{DifferenceKind::kExtra, DocumentIdJson(id), "",
                    by_id ? "stored, but the source builds no document with this _id"
                          : "stored, but no document the source builds has its content"},
         nullptr);
  });
  S2M_RETURN_IF_ERROR(DescribeChanged(reader));
  verdict->collection = collection_;
  verdict->expected = expected_.load();
  verdict->stored = index_.size();
  verdict->equal = equal_.load();
  verdict->missing = missing_.load();
  verdict->changed = changed_.load();
  verdict->duplicate = duplicate_.load();
  verdict->extra = extra;
  verdict->index_bytes = index_.MemoryBytes();
  verdict->shown.insert(verdict->shown.end(), std::make_move_iterator(shown_.begin()),
                        std::make_move_iterator(shown_.end()));
  return Status::Ok();
}

}  // namespace sql2mongo
