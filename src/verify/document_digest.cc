#include "verify/document_digest.h"

#include <xxhash.h>

#include "common/handles.h"

namespace sql2mongo {

uint64_t BytesDigest(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t DocumentDigest(const bson_t* doc) { return XXH3_64bits(bson_get_data(doc), doc->len); }

uint64_t ContentDigest(const bson_t* doc) {
  ScopedBson without_id;
  bson_copy_to_excluding_noinit(doc, without_id.get(), "_id", nullptr);
  return DocumentDigest(without_id.get());
}

bool IdDocument(const bson_t* doc, bson_t* id) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, doc, "_id")) return false;
  return bson_append_iter(id, "_id", 3, &iter);
}

}  // namespace sql2mongo
