#include "verify/stored_index.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/handles.h"
#include "verify/document_digest.h"

namespace sql2mongo {
namespace {

std::string_view Bytes(const bson_t* doc) {
  return std::string_view(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
}

uint32_t LengthAt(const uint8_t* bson) {
  uint32_t length;
  std::memcpy(&length, bson, sizeof length);
  return BSON_UINT32_FROM_LE(length);
}

}  // namespace

void StoredIndex::Add(const bson_t* stored) {
  ScopedBson id;
  if (!IdDocument(stored, id.get())) return;  // every server gives each document an _id; never seen without
  Entry entry;
  entry.id_offset = ids_.size();
  if (match_by_ == MatchBy::kId) {
    entry.key = BytesDigest(Bytes(id.get()));
    entry.digest = DocumentDigest(stored);
  } else {
    entry.key = ContentDigest(stored);
    entry.digest = 0;
  }
  const uint8_t* data = bson_get_data(id.get());
  ids_.insert(ids_.end(), data, data + id.get()->len);
  entries_.push_back(entry);
}

void StoredIndex::Seal() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  entries_.shrink_to_fit();
  ids_.shrink_to_fit();
  claimed_ = std::make_unique<std::atomic<bool>[]>(entries_.size());  // value-initialized: false
}

StoredIndex::Claim StoredIndex::ClaimFor(const bson_t* expected) {
  uint64_t key;
  ScopedBson id;
  if (match_by_ == MatchBy::kId) {
    if (!IdDocument(expected, id.get())) return Claim::kAbsent;
    key = BytesDigest(Bytes(id.get()));
  } else {
    key = ContentDigest(expected);
  }
  auto [first, last] = std::equal_range(entries_.begin(), entries_.end(), Entry{key, 0, 0},
                                        [](const Entry& a, const Entry& b) { return a.key < b.key; });
  for (auto it = first; it != last; ++it) {
    std::atomic<bool>& claimed = claimed_[it - entries_.begin()];
    if (match_by_ == MatchBy::kContent) {
      // Equal content may be stored several times; each stored copy pairs with one expected document.
      if (!claimed.exchange(true)) return Claim::kEqual;
      continue;
    }
    // Two _ids whose hashes collide (~n^2 / 2^65 for n documents) are told apart by their bytes.
    const uint8_t* stored_id = IdAt(*it);
    if (LengthAt(stored_id) != id.get()->len || std::memcmp(stored_id, bson_get_data(id.get()), id.get()->len) != 0)
      continue;
    if (claimed.exchange(true)) return Claim::kAlreadyClaimed;
    return it->digest == DocumentDigest(expected) ? Claim::kEqual : Claim::kChanged;
  }
  return Claim::kAbsent;
}

void StoredIndex::ForEachUnclaimed(const std::function<void(const bson_t* id)>& visit) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (claimed_ && claimed_[i].load()) continue;
    const uint8_t* data = IdAt(entries_[i]);
    bson_t id;
    if (bson_init_static(&id, data, LengthAt(data))) visit(&id);
  }
}

}  // namespace sql2mongo
