#include "sink/mongo/target_reader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "common/handles.h"

namespace sql2mongo {
namespace {

// _ids per {$in: [...]} query: large enough that a sample of thousands costs a few round trips, small
// enough that the query stays far below the 16 MiB command limit for any common _id.
constexpr size_t kIdsPerQuery = 1000;
// Documents per cursor batch. Without a limit mongo-java-server answers with batches far over 16 MiB
// (reading 400 k small documents peaked at 87 MB RSS in the reader alone, 12 MB with this), at no
// measured cost in speed on either server.
constexpr int32_t kDocumentsPerBatch = 10000;

}  // namespace

Result<TargetReader> TargetReader::Open(const std::string& uri) {
  S2M_ASSIGN_OR_RETURN(MongoConnection connection, ConnectMongo(uri));
  return TargetReader(std::move(connection));
}

MongoCollection TargetReader::Collection(const std::string& name) const {
  return MongoCollection(
      mongoc_client_get_collection(connection_.client.get(), connection_.database.c_str(), name.c_str()));
}

Status TargetReader::Drain(mongoc_cursor_t* cursor, const std::string& collection, const char* what,
                           const std::function<void(const bson_t*)>& visit) const {
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor, &doc)) visit(doc);
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error))
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {} collection '{}': {}", DisplayName(), what,
                                                               collection, error.message));
  return Status::Ok();
}

Status TargetReader::ForEach(const std::string& collection, const std::function<void(const bson_t*)>& visit) {
  MongoCollection handle = Collection(collection);
  ScopedBson filter, options;
  BSON_APPEND_INT32(options.get(), "batchSize", kDocumentsPerBatch);
  MongoCursor cursor(mongoc_collection_find_with_opts(handle.get(), filter.get(), options.get(), nullptr));
  return Drain(cursor.get(), collection, "reading", visit);
}

Status TargetReader::ForEachWithId(const std::string& collection, const std::vector<const bson_t*>& ids,
                                   const std::function<void(const bson_t*)>& visit) {
  MongoCollection handle = Collection(collection);
  for (size_t start = 0; start < ids.size(); start += kIdsPerQuery) {
    ScopedBson filter;
    bson_t id_condition, in;
    BSON_APPEND_DOCUMENT_BEGIN(filter.get(), "_id", &id_condition);
    BSON_APPEND_ARRAY_BEGIN(&id_condition, "$in", &in);
    char index_buffer[16];
    for (size_t i = start; i < std::min(ids.size(), start + kIdsPerQuery); ++i) {
      bson_iter_t id;
      if (!bson_iter_init_find(&id, ids[i], "_id")) continue;
      const char* index_key;
      size_t index_length = bson_uint32_to_string(static_cast<uint32_t>(i - start), &index_key, index_buffer,
                                                  sizeof index_buffer);
      bson_append_iter(&in, index_key, static_cast<int>(index_length), &id);
    }
    bson_append_array_end(&id_condition, &in);
    bson_append_document_end(filter.get(), &id_condition);
    MongoCursor cursor(mongoc_collection_find_with_opts(handle.get(), filter.get(), nullptr, nullptr));
    S2M_RETURN_IF_ERROR(Drain(cursor.get(), collection, "reading documents by _id from", visit));
  }
  return Status::Ok();
}

Status TargetReader::ForEachSampled(const std::string& collection, int64_t size,
                                    const std::function<void(const bson_t*)>& visit, std::optional<int64_t>* scanned) {
  scanned->reset();
  MongoCollection handle = Collection(collection);
  {
    ScopedBson pipeline;
    bson_t stages, stage, sample;
    BSON_APPEND_ARRAY_BEGIN(pipeline.get(), "pipeline", &stages);
    BSON_APPEND_DOCUMENT_BEGIN(&stages, "0", &stage);
    BSON_APPEND_DOCUMENT_BEGIN(&stage, "$sample", &sample);
    BSON_APPEND_INT64(&sample, "size", size);
    bson_append_document_end(&stage, &sample);
    bson_append_document_end(&stages, &stage);
    bson_append_array_end(pipeline.get(), &stages);
    MongoCursor cursor(mongoc_collection_aggregate(handle.get(), MONGOC_QUERY_NONE, pipeline.get(), nullptr, nullptr));
    // The first batch tells whether the server has $sample; nothing is visited before that.
    const bson_t* doc = nullptr;
    bool more = mongoc_cursor_next(cursor.get(), &doc);
    bson_error_t error;
    bool failed = !more && mongoc_cursor_error(cursor.get(), &error);
    if (!failed) {
      if (!more) return Status::Ok();  // an empty or absent collection
      visit(doc);
      return Drain(cursor.get(), collection, "sampling", visit);
    }
    // A server without the stage answers with an error (FerretDB v1: "$sample is not implemented yet");
    // a connection that failed is an error either way.
    if (error.domain != MONGOC_ERROR_SERVER && error.domain != MONGOC_ERROR_QUERY)
      return Status::Error(StatusCode::kTargetError, fmt::format("target {}: sampling collection '{}': {}",
                                                                 DisplayName(), collection, error.message));
    spdlog::info("collection {}: the target has no $sample ({}); sampling {} documents from one scan of the collection",
                 collection, error.message, size);
  }
  // Reservoir sampling (Algorithm R): every document has the same chance, in one pass, holding `size`
  // of them. One scan of whole documents rather than a scan of the _ids and a query for the chosen ones:
  // FerretDB v1 answers an {_id: {$in: [...]}} query with another scan (measured on Chinook's tracks:
  // 0.5-1.5 s for a scan, about as long for the $in of 30 _ids).
  std::mt19937_64 random{std::random_device{}()};
  std::vector<BsonPtr> chosen;
  int64_t seen = 0;
  S2M_RETURN_IF_ERROR(ForEach(collection, [&](const bson_t* doc) {
    ++seen;
    if (chosen.size() < static_cast<size_t>(size)) {
      chosen.emplace_back(bson_copy(doc));
      return;
    }
    uint64_t slot = std::uniform_int_distribution<uint64_t>(0, seen - 1)(random);
    if (slot < chosen.size()) chosen[slot].reset(bson_copy(doc));
  }));
  *scanned = seen;
  for (const auto& doc : chosen) visit(doc.get());
  return Status::Ok();
}

Result<int64_t> TargetReader::Count(const std::string& collection) {
  ScopedBson everything;
  return Count(collection, everything.get());
}

Result<int64_t> TargetReader::Count(const std::string& collection, const bson_t* filter) {
  MongoCollection handle = Collection(collection);
  bson_error_t error;
  int64_t count = mongoc_collection_count_documents(handle.get(), filter, nullptr, nullptr, nullptr, &error);
  if (count < 0)
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: counting collection '{}': {}", DisplayName(),
                                                               collection, error.message));
  return count;
}

}  // namespace sql2mongo
