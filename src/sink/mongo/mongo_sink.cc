#include "sink/mongo/mongo_sink.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/handles.h"
#include "sink/mongo/collection_cutover.h"
#include "sink/mongo/collection_ops.h"
#include "sink/mongo/merge_update.h"
#include "sink/mongo/mongo_indexes.h"
#include "sink/mongo/mongo_connection.h"
#include "sink/mongo/target_identity.h"

namespace sql2mongo {
namespace {

constexpr int32_t kDuplicateKey = 11000;

struct WriteError {
  size_t index = 0;
  int32_t code = 0;
  std::string reason;  // the server's message and code
  // A duplicate key in a unique index other than _id's, when the message names the index (MongoDB and
  // mongo-java-server do: "index: email_1 dup key: ..."; FerretDB v1 names none). An upsert that meets
  // one is refused at once: sending it again cannot help.
  bool other_unique_index = false;
};

// Reads writeErrors [{index, code, errmsg}] from a bulk reply.
std::vector<WriteError> WriteErrors(const bson_t* reply) {
  std::vector<WriteError> errors_found;
  bson_iter_t iter, errors;
  if (!bson_iter_init_find(&iter, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&iter) ||
      !bson_iter_recurse(&iter, &errors))
    return errors_found;
  while (bson_iter_next(&errors)) {
    bson_iter_t field;
    if (!BSON_ITER_HOLDS_DOCUMENT(&errors) || !bson_iter_recurse(&errors, &field)) continue;
    WriteError error;
    std::string message;
    while (bson_iter_next(&field)) {
      std::string key = bson_iter_key(&field);
      if (key == "index") error.index = static_cast<size_t>(bson_iter_as_int64(&field));
      else if (key == "code") error.code = static_cast<int32_t>(bson_iter_as_int64(&field));
      else if (key == "errmsg" && BSON_ITER_HOLDS_UTF8(&field)) message = bson_iter_utf8(&field, nullptr);
    }
    error.reason = fmt::format("{} (code {})", message, error.code);
    constexpr std::string_view kIdIndex = " index: _id_ ";
    size_t index_name = message.find(" index: ");
    error.other_unique_index = index_name != std::string::npos && message.compare(index_name, kIdIndex.size(), kIdIndex) != 0;
    errors_found.push_back(std::move(error));
  }
  return errors_found;
}

// FerretDB v1 puts its Go call stack before the message: "[msg_update.go:133 handler.(*Handler)...]
// [collection.go:177 ...] constraint failed: UNIQUE constraint failed: index 'c_city_1' (2067)". A reject's
// reason keeps the message.
std::string WithoutStackFrames(std::string_view message) {
  while (message.size() > 1 && message.front() == '[') {
    size_t end = message.find("] ");
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 2);
  }
  return std::string(message);
}

// Faults that pass: the connection lost or not yet back, no server to select, a primary stepping down
// or a server shutting down. Anything else (a refused document, bad auth) will not pass by waiting.
bool IsTransient(const bson_error_t& error) {
  if (error.domain == MONGOC_ERROR_STREAM || error.domain == MONGOC_ERROR_SERVER_SELECTION) return true;
  if (error.domain != MONGOC_ERROR_SERVER && error.domain != MONGOC_ERROR_WRITE_CONCERN) return false;
  switch (error.code) {
    case 6:      // HostUnreachable
    case 7:      // HostNotFound
    case 89:     // NetworkTimeout
    case 91:     // ShutdownInProgress
    case 189:    // PrimarySteppedDown
    case 262:    // ExceededTimeLimit
    case 9001:   // SocketException
    case 10107:  // NotWritablePrimary
    case 11600:  // InterruptedAtShutdown
    case 11602:  // InterruptedDueToReplStateChange
    case 13435:  // NotPrimaryNoSecondaryOk
    case 13436:  // NotPrimaryOrSecondary
      return true;
    default:
      return false;
  }
}

// The document's _id element, for looking it up again.
bool AppendId(const bson_t* doc, bson_t* array, uint32_t position) {
  bson_iter_t id;
  if (!bson_iter_init_find(&id, doc, "_id")) return false;
  std::string key = std::to_string(position);
  return bson_append_iter(array, key.c_str(), static_cast<int>(key.size()), &id);
}

// {"_id": {"$in": [the _ids of the documents at `positions`]}} into `filter`.
void IdsFilter(const std::vector<BsonPtr>& documents, const std::vector<size_t>& positions, bson_t* filter) {
  ScopedBson ids;
  uint32_t n = 0;
  // Keys stay "0", "1", ... without a gap, whatever document lacks an _id.
  for (size_t position : positions)
    if (AppendId(documents[position].get(), ids.get(), n)) ++n;
  bson_t in;
  BSON_APPEND_DOCUMENT_BEGIN(filter, "_id", &in);
  BSON_APPEND_ARRAY(&in, "$in", ids.get());
  bson_append_document_end(filter, &in);
}

// How many times a replace or merge is sent again after colliding on _id (another writer inserted the
// same _id between our read and our upsert, or changed a merged array) before it becomes a reject.
constexpr int kConflictRounds = 5;

class MongoSink : public Sink {
 public:
  MongoSink(MongoPoolConnection connection, TargetInfo target, double retry_for_seconds)
      : connection_(std::move(connection)), target_(std::move(target)), retry_for_seconds_(retry_for_seconds) {
    // Client-side validation costs ~1 us a document (PERFORMANCE-NOTES.md) and checks what the plan
    // builder already guarantees: keys come from the mapping or from column names checked at plan time,
    // and the document builder validates every string's UTF-8.
    BSON_APPEND_BOOL(insert_options_.get(), "validate", false);
    BSON_APPEND_BOOL(upsert_options_.get(), "validate", false);
    BSON_APPEND_BOOL(upsert_options_.get(), "upsert", true);
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

  // A collection to replace gets a fresh staging collection, and the writes go there. One left by a
  // killed or failed run is dropped first (a run with --resume will continue into it instead). The
  // staging collection gets the indexes the live one would: today none beyond _id.
  Status Prepare(const std::vector<CollectionSetup>& collections) override {
    PooledClient client(connection_.pool.get());
    CollectionOps ops = Ops(client.get());
    S2M_ASSIGN_OR_RETURN(std::set<std::string> existing, ops.Names());
    for (const auto& setup : collections) {
      if (!setup.replace_collection) continue;
      const std::string& name = setup.name;
      std::string staging = StagingCollectionName(name);
      S2M_RETURN_IF_ERROR(RecoverInterruptedReplace(ops, name, existing));
      if (setup.resume_staging) {
        if (!existing.count(staging))
          return Status::Error(StatusCode::kUsage,
                               fmt::format("target {}: cannot resume collection '{}': the staging collection {} the "
                                           "interrupted run was loading is gone (it was published or dropped). Run "
                                           "without --resume to load it again",
                                           DisplayName(), name, staging));
        spdlog::info("collection {}: continuing into staging collection {} of the interrupted run", name, staging);
        staged_[name] = staging;
        if (setup.keep_backup) backups_kept_[name] = setup.backups_kept;
        continue;
      }
      if (existing.count(staging))
        spdlog::warn("collection {}: dropping staging collection {} left by an earlier run that did not finish, "
                     "and loading it again", name, staging);
      S2M_RETURN_IF_ERROR(ops.Drop(staging));
      // Created now, so that a collection the source has no rows for still replaces the live one.
      S2M_RETURN_IF_ERROR(ops.Create(staging));
      staged_[name] = staging;
      if (setup.keep_backup) backups_kept_[name] = setup.backups_kept;
    }
    return Status::Ok();
  }

  // Each staging collection over its live one (collection_cutover.h says how, per server).
  Status Publish() override {
    if (staged_.empty()) return Status::Ok();
    PooledClient client(connection_.pool.get());
    CollectionOps ops = Ops(client.get());
    for (const auto& [name, staging] : staged_) {
      auto kept = backups_kept_.find(name);
      std::string backup = kept == backups_kept_.end() ? "" : BackupCollectionName(name, NowUnixMillis());
      S2M_RETURN_IF_ERROR(ReplaceLiveCollection(ops, target_, name, staging, backup));
      if (target_.rename_keeps_old_name) {
        // Replaced by a copy ($out), which copies documents, not the staging collection's indexes.
        std::string display = DisplayName();
        S2M_RETURN_IF_ERROR(
            CreateMongoIndexes({client.get(), connection_.database, name, name, display}, staged_indexes_[name]).status());
      }
      if (kept == backups_kept_.end()) continue;
      S2M_ASSIGN_OR_RETURN(std::set<std::string> names, ops.Names());
      S2M_ASSIGN_OR_RETURN(std::vector<std::string> dropped, DropOldBackups(ops, names, name, kept->second));
      for (const auto& old : dropped) spdlog::info("collection {}: dropped backup {} (\"backups\": {})", name, old, kept->second);
    }
    staged_.clear();
    return Status::Ok();
  }

  std::string WrittenCollection(const std::string& collection) const override { return WrittenName(collection); }

  Result<std::vector<IndexOutcome>> CreateIndexes(const std::string& collection,
                                                  const std::vector<IndexSpec>& indexes) override {
    PooledClient client(connection_.pool.get());
    std::string display = DisplayName();
    if (staged_.count(collection)) staged_indexes_[collection] = indexes;  // for a Publish by copy
    return CreateMongoIndexes({client.get(), connection_.database, WrittenName(collection), collection, display},
                              indexes);
  }

  Status InstallValidator(const std::string& collection, const std::string& json_schema, Validation level) override {
    PooledClient client(connection_.pool.get());
    std::string display = DisplayName();
    return InstallMongoValidator({client.get(), connection_.database, WrittenName(collection), collection, display},
                                 json_schema, level);
  }

  // Thread-safe: each call borrows its own client from the pool, so --writers N calls run at once.
  // A bulk that fails on a transient fault is resent (backing off, for up to retry_for_seconds): only
  // its documents not known to be stored, and a resent document found already there with the same
  // content counts as written (its first sending got through before the fault), not as a duplicate.
  Result<WriteOutcome> Write(const std::string& live_collection, const std::vector<BsonPtr>& documents,
                             const WriteMode& mode) override {
    // staged_ is only read once Prepare is done, so writers share it without a lock.
    auto staged = staged_.find(live_collection);
    const std::string& collection = staged == staged_.end() ? live_collection : staged->second;
    WriteOutcome outcome;
    if (documents.empty()) return outcome;
    std::vector<size_t> pending;  // positions in `documents` still to be sent
    pending.reserve(documents.size());
    const bool check_values = !target_.supports.StoresEverything();
    for (size_t i = 0; i < documents.size(); ++i) {
      if (check_values) {
        if (auto bad = FindUnstorableValue(documents[i].get(), target_.supports)) {
          outcome.refused.push_back(DocumentRefusal{i, UnstorableReason(*bad)});
          continue;
        }
      }
      pending.push_back(i);
    }
    auto first_try = std::chrono::steady_clock::now();
    bool resending = false;
    for (int attempt = 1;; ++attempt) {
      bson_error_t error;
      // A duplicate may be our own document: of an earlier attempt of this bulk, or of the run this one resumes.
      bool maybe_ours = resending || mode.earlier_run_may_have_written;
      Result<bool> sent = SendBulk(collection, documents, mode, &pending, maybe_ours, &outcome, &error);
      if (!sent.ok()) return sent.status();
      if (sent.value()) {
        if (resending) {
          Notice("");
          spdlog::info("target {} answers again: collection '{}' resumed after {:.1f} s", DisplayName(), collection,
                       SecondsSince(first_try));
        }
        std::lock_guard lock(acknowledged_mutex_);
        acknowledged_[collection] += outcome.written;
        return outcome;
      }
      double waited = SecondsSince(first_try);
      if (!IsTransient(error) || waited >= retry_for_seconds_)
        return BulkFailure(collection, pending.size(), error, attempt > 1 ? fmt::format(
            " (retried for {:.0f} s, --retry-for {:.0f})", waited, retry_for_seconds_) : "");
      // 0.5 s, 1 s, 2 s ... 8 s between attempts, never past the retry budget.
      double delay = std::min({0.5 * static_cast<double>(1 << std::min(attempt - 1, 4)), 8.0,
                               std::max(0.0, retry_for_seconds_ - waited)});
      std::string notice = fmt::format("target unreachable, retrying (attempt {}, {:.0f} s): {}", attempt + 1,
                                       waited + delay, error.message);
      Notice(notice);
      spdlog::warn("{}: {}", collection, notice);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      resending = true;
    }
  }

  // One deleteMany by _id $in: the ids of one batch, a few thousand at most.
  Result<uint64_t> Delete(const std::string& collection, const std::vector<BsonPtr>& ids) override {
    if (ids.empty()) return uint64_t{0};
    PooledClient client(connection_.pool.get());
    MongoCollection target(mongoc_client_get_collection(client.get(), connection_.database.c_str(), collection.c_str()));
    ScopedBson filter;
    std::vector<size_t> all(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) all[i] = i;
    IdsFilter(ids, all, filter.get());
    ScopedBson reply;
    bson_error_t error;
    if (!mongoc_collection_delete_many(target.get(), filter.get(), nullptr, reply.ResetForOutput(), &error))
      return Status::Error(StatusCode::kTargetError, fmt::format("target {}: deleting {} documents of collection "
                                                                 "'{}' failed: {}", DisplayName(), ids.size(),
                                                                 collection, error.message));
    bson_iter_t count;
    return bson_iter_init_find(&count, reply.get(), "deletedCount") ? static_cast<uint64_t>(bson_iter_as_int64(&count))
                                                                    : uint64_t{0};
  }

  Status ForEachStoredId(const std::string& collection, size_t batch, const IdBatchVisitor& visit) override {
    PooledClient client(connection_.pool.get());
    MongoCollection target(mongoc_client_get_collection(client.get(), connection_.database.c_str(), collection.c_str()));
    ScopedBson filter, options;
    bson_t projection;
    BSON_APPEND_DOCUMENT_BEGIN(options.get(), "projection", &projection);
    BSON_APPEND_INT32(&projection, "_id", 1);
    bson_append_document_end(options.get(), &projection);
    MongoCursor cursor(mongoc_collection_find_with_opts(target.get(), filter.get(), options.get(), nullptr));
    std::vector<BsonPtr> ids;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) {
      ids.emplace_back(bson_copy(doc));
      if (ids.size() >= batch) {
        S2M_RETURN_IF_ERROR(visit(ids));
        ids.clear();
      }
    }
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error))
      return Status::Error(StatusCode::kTargetError, fmt::format("target {}: reading the _ids of collection '{}' "
                                                                 "failed: {}", DisplayName(), collection, error.message));
    return ids.empty() ? Status::Ok() : visit(ids);
  }

 private:
  static int64_t NowUnixMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  // Where the documents of `collection` were written: its staging collection until Publish.
  const std::string& WrittenName(const std::string& collection) const {
    auto staged = staged_.find(collection);
    return staged == staged_.end() ? collection : staged->second;
  }
  CollectionOps Ops(mongoc_client_t* client) const { return CollectionOps(client, connection_.database, DisplayName()); }

  static double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // The documents at `pending` in one bulk (and, in replace or merge mode, those that collided on _id
  // in further ones). true: every one of them is accounted for in *outcome (written or refused);
  // false: a bulk failed as a whole with *error, and *pending is what is still unknown. `resending`:
  // an earlier bulk of these failed, so in insert mode a duplicate _id may be our own document (replace
  // and merge are idempotent: a resent one is applied again, as the first time).
  Result<bool> SendBulk(const std::string& collection, const std::vector<BsonPtr>& documents, const WriteMode& mode,
                        std::vector<size_t>* pending, bool resending, WriteOutcome* outcome, bson_error_t* error) {
    PooledClient client(connection_.pool.get());
    MongoCollection target(mongoc_client_get_collection(client.get(), connection_.database.c_str(), collection.c_str()));
    const bool updates = mode.kind != WriteModeKind::kInsert;
    const size_t per_bulk = updates && target_.max_updates_per_command > 0
                                ? static_cast<size_t>(target_.max_updates_per_command)
                                : std::max<size_t>(1, pending->size());
    const std::vector<size_t> all = std::move(*pending);
    for (size_t next = 0; next < all.size();) {
      std::vector<size_t> slice(all.begin() + static_cast<long>(next),
                                all.begin() + static_cast<long>(std::min(all.size(), next + per_bulk)));
      next += slice.size();
      Result<bool> sent = SendSlice(target.get(), documents, mode, &slice, resending, outcome, error);
      if (!sent.ok()) return sent;
      if (!sent.value()) {  // unknown: what is left of this slice and the ones not sent yet
        slice.insert(slice.end(), all.begin() + static_cast<long>(next), all.end());
        *pending = std::move(slice);
        return false;
      }
    }
    pending->clear();
    return true;
  }

  // The documents at *slice, in one bulk, then those that collided on _id again (up to kConflictRounds
  // bulks), as SendBulk says; false leaves in *slice those whose fate is unknown.
  Result<bool> SendSlice(mongoc_collection_t* target, const std::vector<BsonPtr>& documents, const WriteMode& mode,
                         std::vector<size_t>* slice, bool resending, WriteOutcome* outcome, bson_error_t* error) {
    for (int round = 1; !slice->empty(); ++round) {
      std::vector<size_t> collided;
      bool inexact = false;
      Result<bool> sent = SendOneBulk(target, documents, mode, slice, resending, outcome, &collided, &inexact, error);
      if (!sent.ok() || !sent.value()) return sent;
      if (inexact) {
        // The server's answer does not say which statements it applied: each is sent again in a command
        // of its own (replace and merge are idempotent; merge reads its stored arrays again), whose
        // answer names exactly its one statement. This costs one round trip per document, only for a
        // bulk that met an error.
        std::vector<size_t> each = std::move(*slice);
        spdlog::debug("target {}: an update bulk of {} documents met a write error the server does not place; "
                      "sending them one by one",
                      DisplayName(), each.size());
        for (size_t k = 0; k < each.size(); ++k) {
          std::vector<size_t> one{each[k]};
          Result<bool> single = SendSlice(target, documents, mode, &one, resending, outcome, error);
          if (!single.ok()) return single;
          if (!single.value()) {
            one.insert(one.end(), each.begin() + static_cast<long>(k) + 1, each.end());
            *slice = std::move(one);
            return false;
          }
        }
        slice->clear();
        return true;
      }
      if (!collided.empty() && round == kConflictRounds) {
        for (size_t position : collided)
          outcome->refused.push_back(DocumentRefusal{
              position, fmt::format("E11000 duplicate key on the {}, {} times in a row: another writer kept changing "
                                    "this document, or a unique index other than _id refuses its values ({} does not "
                                    "say which index)",
                                    WriteModeName(mode.kind), kConflictRounds, target_.Name())});
        collided.clear();
      }
      *slice = std::move(collided);
    }
    return true;
  }

  // Adds the document at `position` to the bulk as `mode` writes it; false, with *refused, when the
  // driver will not take it. `stored`: merge mode's stored arrays of the document (nullptr: not there).
  bool AddToBulk(mongoc_bulk_operation_t* bulk, const bson_t* doc, const WriteMode& mode, const bson_t* stored,
                 bson_error_t* refused) {
    switch (mode.kind) {
      case WriteModeKind::kInsert:
        return mongoc_bulk_operation_insert_with_opts(bulk, doc, insert_options_.get(), refused);
      case WriteModeKind::kReplace: {
        ScopedBson selector;
        bson_iter_t id;
        if (bson_iter_init_find(&id, doc, "_id")) bson_append_iter(selector.get(), "_id", 3, &id);
        return mongoc_bulk_operation_replace_one_with_opts(bulk, selector.get(), doc, upsert_options_.get(), refused);
      }
      case WriteModeKind::kMerge: {
        ScopedBson selector, update;
        BuildMergeUpdate(doc, mode, stored, selector.get(), update.get());
        if (mode.upgrade) AddUpgradeGuard(*mode.upgrade, selector.get(), update.get());
        return mongoc_bulk_operation_update_one_with_opts(bulk, selector.get(), update.get(), upsert_options_.get(),
                                                          refused);
      }
    }
    return false;
  }

  // The selector matches only documents below the version ({$or: [{f: {$lt: N}}, {f: {$exists: false}}]}),
  // so the upsert of one already upgraded collides on _id instead; the update drops the fields the new
  // version no longer builds.
  static void AddUpgradeGuard(const VersionUpgrade& upgrade, bson_t* selector, bson_t* update) {
    bson_t any, below, lower, unversioned, absent;
    BSON_APPEND_ARRAY_BEGIN(selector, "$or", &any);
    BSON_APPEND_DOCUMENT_BEGIN(&any, "0", &below);
    BSON_APPEND_DOCUMENT_BEGIN(&below, upgrade.version_field.c_str(), &lower);
    BSON_APPEND_INT32(&lower, "$lt", upgrade.version);
    bson_append_document_end(&below, &lower);
    bson_append_document_end(&any, &below);
    BSON_APPEND_DOCUMENT_BEGIN(&any, "1", &unversioned);
    BSON_APPEND_DOCUMENT_BEGIN(&unversioned, upgrade.version_field.c_str(), &absent);
    BSON_APPEND_BOOL(&absent, "$exists", false);
    bson_append_document_end(&unversioned, &absent);
    bson_append_document_end(&any, &unversioned);
    bson_append_array_end(selector, &any);
    if (upgrade.unset_fields.empty()) return;
    bson_t unset;
    BSON_APPEND_DOCUMENT_BEGIN(update, "$unset", &unset);
    for (const std::string& field : upgrade.unset_fields) BSON_APPEND_UTF8(&unset, field.c_str(), "");
    bson_append_document_end(update, &unset);
  }

  // Of the documents at `positions`, the _ids (IdKey) of those stored at the upgrade's version or later.
  bool ReadUpgradedIds(mongoc_collection_t* target, const std::vector<BsonPtr>& documents,
                       const std::vector<size_t>& positions, const VersionUpgrade& upgrade,
                       std::set<std::string>* current, bson_error_t* error) {
    ScopedBson filter, options, projection, at_least;
    IdsFilter(documents, positions, filter.get());
    BSON_APPEND_INT32(at_least.get(), "$gte", upgrade.version);
    BSON_APPEND_DOCUMENT(filter.get(), upgrade.version_field.c_str(), at_least.get());
    BSON_APPEND_INT32(projection.get(), "_id", 1);
    BSON_APPEND_DOCUMENT(options.get(), "projection", projection.get());
    MongoCursor cursor(mongoc_collection_find_with_opts(target, filter.get(), options.get(), nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) current->insert(IdKey(doc));
    return !mongoc_cursor_error(cursor.get(), error);
  }

  // Merge mode with merged arrays: those arrays as stored, for the documents at `positions`, by _id
  // bytes, in one query. false with *error when the query failed (maybe transiently).
  bool ReadStoredArrays(mongoc_collection_t* target, const std::vector<BsonPtr>& documents,
                        const std::vector<size_t>& positions, const WriteMode& mode,
                        std::map<std::string, BsonPtr>* stored, bson_error_t* error) {
    ScopedBson filter, options, projection;
    IdsFilter(documents, positions, filter.get());
    for (const auto& merge : mode.merged_arrays) BSON_APPEND_INT32(projection.get(), merge.field.c_str(), 1);
    BSON_APPEND_DOCUMENT(options.get(), "projection", projection.get());
    MongoCursor cursor(mongoc_collection_find_with_opts(target, filter.get(), options.get(), nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) (*stored)[IdKey(doc)] = BsonPtr(bson_copy(doc));
    return !mongoc_cursor_error(cursor.get(), error);
  }

  // One bulk of the documents at `pending`, as SendBulk says; *collided: those whose upsert collided
  // on _id (replace and merge), to be sent again. *inexact: the bulk met write errors on a target whose
  // update errors do not say which statements were applied (TargetInfo::update_errors_exact); nothing of
  // it is counted and *pending holds all of it.
  Result<bool> SendOneBulk(mongoc_collection_t* target, const std::vector<BsonPtr>& documents, const WriteMode& mode,
                           std::vector<size_t>* pending, bool resending, WriteOutcome* outcome,
                           std::vector<size_t>* collided, bool* inexact, bson_error_t* error) {
    std::map<std::string, BsonPtr> stored;
    bool merges_arrays = mode.kind == WriteModeKind::kMerge && !mode.merged_arrays.empty();
    if (merges_arrays && !ReadStoredArrays(target, documents, *pending, mode, &stored, error)) return false;
    // An upgrade asks first which documents are at the new version already and leaves them out, rather
    // than letting their guarded upserts fail: FerretDB v1 ends an unordered update bulk at its first
    // error, silently skipping the operations after it (tried 2026-12-01).
    std::set<std::string> current;
    if (mode.upgrade) {
      if (!ReadUpgradedIds(target, documents, *pending, *mode.upgrade, &current, error)) return false;
      std::vector<size_t> below;
      for (size_t i : *pending) {
        if (current.count(IdKey(documents[i].get()))) {
          ++outcome->already_current;
          ++outcome->written;
        } else {
          below.push_back(i);
        }
      }
      *pending = std::move(below);
      if (pending->empty()) return true;
    }
    ScopedBson bulk_options;
    // Unordered: one refused document does not stop the others, and the server may apply them in parallel.
    BSON_APPEND_BOOL(bulk_options.get(), "ordered", false);
    MongoBulk bulk(mongoc_collection_create_bulk_operation_with_opts(target, bulk_options.get()));
    // Positions in `documents` of what the bulk holds: a document the driver refuses before sending is
    // not in the bulk, so the server's writeErrors indices must be mapped back.
    std::vector<size_t> positions;
    positions.reserve(pending->size());
    for (size_t i : *pending) {
      bson_error_t refused;
      const bson_t* stored_doc = nullptr;
      if (merges_arrays) {
        auto found = stored.find(IdKey(documents[i].get()));
        if (found != stored.end()) stored_doc = found->second.get();
      }
      if (AddToBulk(bulk.get(), documents[i].get(), mode, stored_doc, &refused)) {
        positions.push_back(i);
      } else {
        outcome->refused.push_back(DocumentRefusal{i, fmt::format("refused by the driver before sending: {}", refused.message)});
      }
    }
    *pending = positions;
    if (positions.empty()) return true;

    ScopedBson reply;
    bool ok = mongoc_bulk_operation_execute(bulk.get(), reply.ResetForOutput(), error);
    std::vector<WriteError> server_errors = WriteErrors(reply.get());
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
                                         DisplayName(), positions.size(), error->message));
    }
    const bool updates = mode.kind != WriteModeKind::kInsert;
    if (updates && !target_.update_errors_exact && !ok) {
      // FerretDB v1 answers a document it refuses with a writeError at index 0 (an upsert's insert) or
      // fails the whole command (an update of a stored document that breaks a unique index: InternalError
      // code 1), in both cases after applying the statements before it and skipping those after.
      const bool refused_statement =
          !server_errors.empty() || (error->domain == MONGOC_ERROR_SERVER && !IsTransient(*error));
      if (refused_statement && positions.size() > 1) {
        *inexact = true;
        return true;
      }
      if (refused_statement && server_errors.empty()) {
        outcome->refused.push_back(
            DocumentRefusal{positions[0], fmt::format("{} (code {})", WithoutStackFrames(error->message), error->code)});
        pending->clear();
        return true;
      }
    }
    if (!ok && (server_errors.empty() || error->domain != MONGOC_ERROR_SERVER)) return false;
    std::vector<size_t> maybe_ours;  // duplicates of a resent bulk: our own first sending, or not
    for (auto& server_error : server_errors) {
      if (server_error.index >= positions.size())
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("target {}: the server refused document #{} of a bulk of {}", DisplayName(),
                                         server_error.index, positions.size()));
      size_t position = positions[server_error.index];
      if (updates && mode.upgrade && server_error.code == kDuplicateKey && !server_error.other_unique_index) {
        // The guard did not match a document that is there: it is at the new version already.
        ++outcome->already_current;
        ++outcome->written;
        continue;
      }
      if (updates && server_error.code == kDuplicateKey && !server_error.other_unique_index) collided->push_back(position);
      else if (resending && server_error.code == kDuplicateKey) maybe_ours.push_back(position);
      else outcome->refused.push_back(DocumentRefusal{position, std::move(server_error.reason)});
    }
    // In an unordered bulk every operation either succeeds or has a writeError: an insert inserted, a
    // replace or merge matched or upserted its document (counted once either way, whether or not its
    // content changed). Counting this way rather than trusting nInserted / nMatched + nUpserted also
    // holds on servers that report those wrongly (mongo-java-server counts refused documents as
    // inserted; FerretDB v1 counts an identical replace as modified).
    outcome->written += positions.size() - server_errors.size();
    if (!maybe_ours.empty()) {
      S2M_ASSIGN_OR_RETURN(size_t ours, CountOwnDuplicates(target, documents, maybe_ours, outcome));
      outcome->written += ours;
    }
    pending->clear();
    return true;
  }

  // Of the documents at `positions`, refused as duplicates after a resend: those stored byte for byte
  // as sent are ours (counted, returned); the others were there before and become refusals.
  Result<size_t> CountOwnDuplicates(mongoc_collection_t* target, const std::vector<BsonPtr>& documents,
                                    const std::vector<size_t>& positions, WriteOutcome* outcome) {
    ScopedBson filter;
    IdsFilter(documents, positions, filter.get());
    std::map<std::string, std::string> stored;  // _id bytes -> document bytes
    MongoCursor cursor(mongoc_collection_find_with_opts(target, filter.get(), nullptr, nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc))
      stored[IdKey(doc)] = std::string(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error))
      return Status::Error(StatusCode::kTargetError, fmt::format("target {}: reading back resent documents: {}",
                                                                 DisplayName(), error.message));
    size_t ours = 0;
    for (size_t position : positions) {
      const bson_t* sent = documents[position].get();
      auto found = stored.find(IdKey(sent));
      bool same = found != stored.end() && found->second.size() == sent->len &&
                  std::memcmp(found->second.data(), bson_get_data(sent), sent->len) == 0;
      if (same) ++ours;
      else
        outcome->refused.push_back(DocumentRefusal{
            position, "E11000 duplicate key: a document with this _id was already there, with other content (code 11000)"});
    }
    if (ours > 0)
      spdlog::info("{} resent documents were already stored as sent (their first sending got through before the "
                   "fault): counted once",
                   ours);
    return ours;
  }

  std::string UnstorableReason(const UnstorableValue& bad) const {
    std::string fix = bad.what == "Decimal128" || bad.what == "NaN"
                          ? "give its column \"type\": \"double\" or \"string\" in the mapping"
                          : "reshape it in the mapping, or load into a server that stores it";
    return fmt::format("not sent: {} at '{}', which {} cannot store ({}); {}", bad.what, bad.path, target_.Name(),
                       target_.support_source, fix);
  }

  // A bulk that failed as a whole: the message says how far the collection got and what usually causes
  // it, since libmongoc's own text ("Failed to read 4 bytes: socket error or timeout") names neither.
  Status BulkFailure(const std::string& collection, size_t bulk_size, const bson_error_t& error,
                     const std::string& retried) {
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
                                     "documents of it were acknowledged{}: {}{}",
                                     DisplayName(), collection, bulk_size, acknowledged, retried, error.message, cause));
  }

  MongoPoolConnection connection_;
  TargetInfo target_;
  const double retry_for_seconds_;
  ScopedBson insert_options_;
  ScopedBson upsert_options_;  // replace and merge: inserted when missing
  std::mutex acknowledged_mutex_;
  std::map<std::string, size_t> acknowledged_;  // documents the server confirmed, per collection
  std::map<std::string, std::string> staged_;   // live collection -> its staging collection, from Prepare
  std::map<std::string, int> backups_kept_;     // live collection -> backups kept, for "cutover": "swap"
  std::map<std::string, std::vector<IndexSpec>> staged_indexes_;  // created on a staging collection
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenMongoSink(const std::string& uri, const SinkOptions& options) {
  S2M_ASSIGN_OR_RETURN(MongoPoolConnection connection, ConnectMongoPool(uri, options.writers));
  TargetInfo target;
  {
    PooledClient client(connection.pool.get());
    S2M_ASSIGN_OR_RETURN(target, IdentifyMongoTarget(client.get(), connection.display_uri));
  }
  return std::unique_ptr<Sink>(
      std::make_unique<MongoSink>(std::move(connection), std::move(target), options.retry_for_seconds));
}

}  // namespace sql2mongo
