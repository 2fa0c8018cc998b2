// What verify keeps of a stored collection while the source's documents are built and compared: per
// stored document a 64-bit hash of what pairs it with an expected document, the XXH3-64 digest of its
// bytes, and its _id (to name it when nothing pairs with it). 24 bytes, plus the {"_id": value}
// document (14 bytes for an int32 _id), plus a 1-byte claim flag: about 40 bytes a document, so ten
// million stored documents take ~400 MB, whatever their size.
#pragma once

#include <bson/bson.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace sql2mongo {

class StoredIndex {
 public:
  enum class MatchBy {
    kId,       // a stored and an expected document pair by _id; their digests then tell equal from changed
    kContent,  // the _ids are generated (new ObjectIds each run): documents pair by the digest of the rest
  };
  explicit StoredIndex(MatchBy match_by) : match_by_(match_by) {}
  StoredIndex(StoredIndex&&) = default;
  StoredIndex& operator=(StoredIndex&&) = default;

  MatchBy match_by() const { return match_by_; }

  // Adds one stored document; from one thread, before Seal.
  void Add(const bson_t* stored);
  // Ends the adding: sorts by key. ClaimFor may then run on any number of threads.
  void Seal();

  enum class Claim {
    kEqual,           // the stored document has the expected one's bytes
    kChanged,         // the same _id, other bytes
    kAbsent,          // nothing stored pairs with it
    kAlreadyClaimed,  // an earlier expected document had the same _id
  };
  // Pairs an expected document with its stored one and marks that one claimed. Thread-safe after Seal.
  Claim ClaimFor(const bson_t* expected);

  // The _ids ({"_id": value} documents) of the stored documents no expected one claimed, in key order.
  // Call once every ClaimFor has returned.
  void ForEachUnclaimed(const std::function<void(const bson_t* id)>& visit) const;

  size_t size() const { return entries_.size(); }
  size_t MemoryBytes() const { return entries_.capacity() * sizeof(Entry) + ids_.capacity() + entries_.size(); }

 private:
  struct Entry {
    uint64_t key;        // kId: XXH3-64 of the {"_id": value} bytes; kContent: the content digest
    uint64_t digest;     // kId: XXH3-64 of the whole stored document
    uint64_t id_offset;  // where its {"_id": value} document starts in ids_
  };
  const uint8_t* IdAt(const Entry& entry) const { return ids_.data() + entry.id_offset; }

  MatchBy match_by_;
  std::vector<Entry> entries_;
  // The {"_id": value} documents back to back; each begins with its length, as every BSON document does.
  std::vector<uint8_t> ids_;
  std::unique_ptr<std::atomic<bool>[]> claimed_;  // by position in entries_, after Seal
};

}  // namespace sql2mongo
