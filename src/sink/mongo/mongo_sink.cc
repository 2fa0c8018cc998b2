#include "sink/mongo/mongo_sink.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

#include "common/handles.h"
#include "sink/mongo/mongo_connection.h"
#include "sink/mongo/target_identity.h"

namespace sql2mongo {
namespace {

// Reads writeErrors [{index, code, errmsg}] from a bulk reply.
std::vector<DocumentRefusal> WriteErrors(const bson_t* reply) {
  std::vector<DocumentRefusal> refusals;
  bson_iter_t iter, errors;
  if (!bson_iter_init_find(&iter, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&iter) ||
      !bson_iter_recurse(&iter, &errors))
    return refusals;
  while (bson_iter_next(&errors)) {
    bson_iter_t field;
    if (!BSON_ITER_HOLDS_DOCUMENT(&errors) || !bson_iter_recurse(&errors, &field)) continue;
    DocumentRefusal refusal;
    int32_t code = 0;
    std::string message;
    while (bson_iter_next(&field)) {
      std::string key = bson_iter_key(&field);
      if (key == "index") refusal.index = static_cast<size_t>(bson_iter_as_int64(&field));
      else if (key == "code") code = static_cast<int32_t>(bson_iter_as_int64(&field));
      else if (key == "errmsg" && BSON_ITER_HOLDS_UTF8(&field)) message = bson_iter_utf8(&field, nullptr);
    }
    refusal.reason = fmt::format("{} (code {})", message, code);
    refusals.push_back(std::move(refusal));
  }
  return refusals;
}

class MongoSink : public Sink {
 public:
  MongoSink(MongoPoolConnection connection, TargetInfo target)
      : connection_(std::move(connection)), target_(std::move(target)) {
    // Client-side validation costs ~1 us a document (PERFORMANCE-NOTES.md) and checks what the plan
    // builder already guarantees: keys come from the mapping or from column names checked at plan time,
    // and the document builder validates every string's UTF-8.
    BSON_APPEND_BOOL(insert_options_.get(), "validate", false);
  }

  std::string DisplayName() const override { return connection_.display_uri; }
  const TargetInfo& Target() const override { return target_; }

  Result<std::vector<std::string>> ExistingCollections(const std::vector<std::string>& collections) override {
    PooledClient client(connection_.pool.get());
    std::vector<std::string> existing;
    for (const auto& name : collections) {
      MongoCollection collection(
          mongoc_client_get_collection(client.get(), connection_.database.c_str(), name.c_str()));
      bson_error_t error;
      // estimatedDocumentCount reads collection metadata, not the documents: cheap on any size.
      int64_t count = mongoc_collection_estimated_document_count(collection.get(), nullptr, nullptr, nullptr, &error);
      if (count < 0)
        return Status::Error(StatusCode::kTargetError, fmt::format("target {}: cannot count collection '{}': {}",
                                                                   DisplayName(), name, error.message));
      if (count > 0) existing.push_back(fmt::format("{} ({} documents)", name, count));
    }
    return existing;
  }

  Status Prepare(const std::vector<std::string>& collections, bool drop) override {
    if (!drop) return Status::Ok();
    PooledClient client(connection_.pool.get());
    for (const auto& name : collections) {
      MongoCollection collection(
          mongoc_client_get_collection(client.get(), connection_.database.c_str(), name.c_str()));
      bson_error_t error;
      // "ns not found" (26) only means there was nothing to drop.
      if (!mongoc_collection_drop(collection.get(), &error) && error.code != 26 &&
          std::string(error.message).find("ns not found") == std::string::npos)
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("target {}: cannot drop collection '{}': {}", DisplayName(), name, error.message));
    }
    return Status::Ok();
  }

  // Thread-safe: each call borrows its own client from the pool, so --writers N calls run at once.
  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents) override {
    WriteOutcome outcome;
    if (documents.empty()) return outcome;
    PooledClient client(connection_.pool.get());
    MongoCollection target(mongoc_client_get_collection(client.get(), connection_.database.c_str(), collection.c_str()));
    ScopedBson bulk_options;
    // Unordered: one refused document does not stop the others, and the server may apply them in parallel.
    BSON_APPEND_BOOL(bulk_options.get(), "ordered", false);
    MongoBulk bulk(mongoc_collection_create_bulk_operation_with_opts(target.get(), bulk_options.get()));
    // Positions in `documents` of what the bulk holds: a document the driver refuses before sending is
    // not in the bulk, so the server's writeErrors indices must be mapped back.
    std::vector<size_t> positions;
    positions.reserve(documents.size());
    const bool check_values = !target_.supports.StoresEverything();
    for (size_t i = 0; i < documents.size(); ++i) {
      if (check_values) {
        if (auto bad = FindUnstorableValue(documents[i].get(), target_.supports)) {
          outcome.refused.push_back(DocumentRefusal{i, UnstorableReason(*bad)});
          continue;
        }
      }
      bson_error_t error;
      if (mongoc_bulk_operation_insert_with_opts(bulk.get(), documents[i].get(), insert_options_.get(), &error)) {
        positions.push_back(i);
      } else {
        outcome.refused.push_back(DocumentRefusal{i, fmt::format("refused by the driver before sending: {}", error.message)});
      }
    }
    if (positions.empty()) return outcome;

    ScopedBson reply;
    bson_error_t error;
    bool ok = mongoc_bulk_operation_execute(bulk.get(), reply.ResetForOutput(), &error);
    std::vector<DocumentRefusal> server_refusals = WriteErrors(reply.get());
    // A write concern error, or a failure that is not about single documents (a connection lost
    // between the bulk's split messages), leaves the fate of the accepted documents unknown.
    bson_iter_t concern;
    if (bson_iter_init_find(&concern, reply.get(), "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY(&concern)) {
      uint32_t length = 0;
      const uint8_t* data = nullptr;
      bson_iter_array(&concern, &length, &data);
      if (length > 5)  // an empty BSON array is 5 bytes
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("target {}: the write concern failed for a bulk of {} documents: {}",
                                         DisplayName(), positions.size(), error.message));
    }
    if (!ok && (server_refusals.empty() || error.domain != MONGOC_ERROR_SERVER))
      return BulkFailure(collection, positions.size(), error);
    for (auto& refusal : server_refusals) {
      if (refusal.index >= positions.size())
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("target {}: the server refused document #{} of a bulk of {}", DisplayName(),
                                         refusal.index, positions.size()));
      refusal.index = positions[refusal.index];
      outcome.refused.push_back(std::move(refusal));
    }
    // In an unordered bulk every insert either succeeds or has a writeError. Counting this way rather
    // than trusting nInserted also holds on servers that report nInserted wrongly (mongo-java-server
    // counts refused documents as inserted).
    outcome.written = positions.size() - server_refusals.size();
    std::lock_guard lock(acknowledged_mutex_);
    acknowledged_[collection] += outcome.written;
    return outcome;
  }

 private:
  std::string UnstorableReason(const UnstorableValue& bad) const {
    std::string fix = bad.what == "Decimal128" || bad.what == "NaN"
                          ? "give its column \"type\": \"double\" or \"string\" in the mapping"
                          : "reshape it in the mapping, or load into a server that stores it";
    return fmt::format("not sent: {} at '{}', which {} cannot store ({}); {}", bad.what, bad.path, target_.Name(),
                       target_.support_source, fix);
  }

  // A bulk that failed as a whole: the message says how far the collection got and what usually causes
  // it, since libmongoc's own text ("Failed to read 4 bytes: socket error or timeout") names neither.
  Status BulkFailure(const std::string& collection, size_t bulk_size, const bson_error_t& error) {
    size_t acknowledged;
    {
      std::lock_guard lock(acknowledged_mutex_);
      acknowledged = acknowledged_[collection];
    }
    std::string cause;
    if (error.domain == MONGOC_ERROR_STREAM || error.domain == MONGOC_ERROR_SERVER_SELECTION)
      cause = fmt::format(
          "; the connection was lost. Likely causes: the server stopped or restarted, it closed the connection "
          "on a value it cannot store ({} is known not to store: {}), or TLS (check tls=true and tlsCAFile in the URI)",
          target_.Name(), target_.supports.StoresEverything() ? "nothing known" : target_.Missing());
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: writing collection '{}' failed in a bulk of {} documents, after {} "
                                     "documents of it were acknowledged: {}{}",
                                     DisplayName(), collection, bulk_size, acknowledged, error.message, cause));
  }

  MongoPoolConnection connection_;
  TargetInfo target_;
  ScopedBson insert_options_;
  std::mutex acknowledged_mutex_;
  std::map<std::string, size_t> acknowledged_;  // documents the server confirmed, per collection
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenMongoSink(const std::string& uri, int writers) {
  S2M_ASSIGN_OR_RETURN(MongoPoolConnection connection, ConnectMongoPool(uri, writers));
  TargetInfo target;
  {
    PooledClient client(connection.pool.get());
    S2M_ASSIGN_OR_RETURN(target, IdentifyMongoTarget(client.get(), connection.display_uri));
  }
  return std::unique_ptr<Sink>(std::make_unique<MongoSink>(std::move(connection), std::move(target)));
}

}  // namespace sql2mongo
