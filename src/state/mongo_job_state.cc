// The job state in the target's `_sql2mongo` collection: one lease document, one job document and one
// document per work unit, each keyed by the job's name so several jobs share the collection. Only plain
// CRUD (find, insert, update with a filter, delete): FerretDB v1 and mongo-java-server both serve it,
// and a conditional update is what makes the lease safe between two machines.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>

#include "common/handles.h"
#include "common/utc_time.h"
#include "sink/mongo/mongo_connection.h"
#include "sql2mongo/job_state.h"
#include "sql2mongo/sink.h"
#include "state/key_bson.h"

namespace sql2mongo {
namespace {

constexpr int32_t kDuplicateKey = 11000;

const char* KindName(WorkUnit::Kind kind) { return kind == WorkUnit::Kind::kOrphans ? "orphans" : "range"; }

std::string Utf8(const bson_t* doc, const char* field) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_UTF8(&it)) return bson_iter_utf8(&it, nullptr);
  return "";
}
int64_t Integer(const bson_t* doc, const char* field) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return 0;
  if (BSON_ITER_HOLDS_DATE_TIME(&it)) return bson_iter_date_time(&it);
  if (BSON_ITER_HOLDS_NUMBER(&it)) return bson_iter_as_int64(&it);
  return 0;
}
bool Flag(const bson_t* doc, const char* field) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_BOOL(&it) && bson_iter_bool(&it);
}

LeaseHolder HolderOf(const bson_t* doc) {
  return LeaseHolder{Utf8(doc, "run_id"), Utf8(doc, "host"), Integer(doc, "pid"), Integer(doc, "since"),
                     Integer(doc, "expires")};
}

// A lease left by a process of this host that is gone (kill -9, a crash): no need to wait for it to expire.
bool HolderIsGone(const LeaseHolder& holder) {
  if (holder.host != ThisHostName() || holder.pid <= 0) return false;
  return kill(static_cast<pid_t>(holder.pid), 0) != 0 && errno == ESRCH;
}

class MongoJobStateStore : public JobStateStore {
 public:
  MongoJobStateStore(MongoConnection connection, std::string job)
      : connection_(std::move(connection)), job_(std::move(job)),
        collection_(mongoc_client_get_collection(connection_.client.get(), connection_.database.c_str(),
                                                 kJobStateCollection)) {}

  std::string JobName() const override { return job_; }

  Status AcquireLease(const LeaseHolder& holder, LeaseHolder* current) override {
    std::lock_guard lock(mutex_);
    std::string id = LeaseId();
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::optional<LeaseHolder> found;
      {
        ScopedBson filter;
        BSON_APPEND_UTF8(filter.get(), "_id", id.c_str());
        S2M_ASSIGN_OR_RETURN(std::vector<BsonPtr> docs, Find(filter.get(), "reading the lease"));
        if (!docs.empty()) found = HolderOf(docs[0].get());
      }
      if (!found) {
        ScopedBson lease;
        BSON_APPEND_UTF8(lease.get(), "_id", id.c_str());
        AppendLease(lease.get(), holder);
        bson_error_t error;
        if (mongoc_collection_insert_one(collection_.get(), lease.get(), nullptr, nullptr, &error)) {
          lease_run_id_ = holder.run_id;
          return Status::Ok();
        }
        if (error.code != kDuplicateKey) return Failed("taking the lease", error);
        continue;  // another run inserted it first: look at who holds it
      }
      *current = *found;
      bool ours = found->run_id == holder.run_id;
      bool expired = found->expires_ms < holder.since_ms;
      bool gone = HolderIsGone(*found);
      if (!ours && !expired && !gone)
        return Status::Error(StatusCode::kBusy,
                             fmt::format("job '{}': another run holds the lease since {} ({} pid {}, run {}); it "
                                         "expires at {} unless renewed. Try later",
                                         job_, UtcText(found->since_ms), found->host, found->pid, found->run_id,
                                         UtcText(found->expires_ms)));
      // Take it over only if it is still the lease we looked at: two runs that both find it expired
      // cannot both win.
      ScopedBson filter, update;
      BSON_APPEND_UTF8(filter.get(), "_id", id.c_str());
      BSON_APPEND_UTF8(filter.get(), "run_id", found->run_id.c_str());
      bson_t set;
      BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
      AppendLease(&set, holder);
      bson_append_document_end(update.get(), &set);
      ScopedBson reply;
      bson_error_t error;
      if (!mongoc_collection_update_one(collection_.get(), filter.get(), update.get(), nullptr, reply.ResetForOutput(),
                                        &error))
        return Failed("taking over the lease", error);
      if (Integer(reply.get(), "matchedCount") == 1) {
        if (!ours)
          spdlog::warn("job '{}': took over the lease of run {} ({} pid {}): {}", job_, found->run_id, found->host,
                       found->pid, gone ? "that process is no longer running" : "it expired");
        lease_run_id_ = holder.run_id;
        return Status::Ok();
      }
    }
    return Status::Error(StatusCode::kBusy, fmt::format("job '{}': another run took the lease at the same moment", job_));
  }

  Status RenewLease(int64_t expires_ms) override {
    std::lock_guard lock(mutex_);
    ScopedBson filter, update, reply;
    BSON_APPEND_UTF8(filter.get(), "_id", LeaseId().c_str());
    BSON_APPEND_UTF8(filter.get(), "run_id", lease_run_id_.c_str());
    bson_t set;
    BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
    BSON_APPEND_DATE_TIME(&set, "expires", expires_ms);
    bson_append_document_end(update.get(), &set);
    bson_error_t error;
    if (!mongoc_collection_update_one(collection_.get(), filter.get(), update.get(), nullptr, reply.ResetForOutput(), &error))
      return Failed("renewing the lease", error);
    if (Integer(reply.get(), "matchedCount") != 1)
      return Status::Error(StatusCode::kBusy, fmt::format("job '{}': the lease expired and another run took it; this "
                                                          "run stops writing",
                                                          job_));
    return Status::Ok();
  }

  Status ReleaseLease() override {
    std::lock_guard lock(mutex_);
    if (lease_run_id_.empty()) return Status::Ok();
    ScopedBson filter;
    BSON_APPEND_UTF8(filter.get(), "_id", LeaseId().c_str());
    BSON_APPEND_UTF8(filter.get(), "run_id", lease_run_id_.c_str());
    bson_error_t error;
    if (!mongoc_collection_delete_one(collection_.get(), filter.get(), nullptr, nullptr, &error))
      return Failed("releasing the lease", error);
    lease_run_id_.clear();
    return Status::Ok();
  }

  Result<std::optional<LeaseHolder>> ReadLease() override {
    std::lock_guard lock(mutex_);
    ScopedBson filter;
    BSON_APPEND_UTF8(filter.get(), "_id", LeaseId().c_str());
    S2M_ASSIGN_OR_RETURN(std::vector<BsonPtr> docs, Find(filter.get(), "reading the lease"));
    if (docs.empty()) return std::optional<LeaseHolder>();
    return std::optional<LeaseHolder>(HolderOf(docs[0].get()));
  }

  Result<std::optional<JobRecord>> LoadJob() override {
    std::lock_guard lock(mutex_);
    ScopedBson filter;
    BSON_APPEND_UTF8(filter.get(), "_id", JobId().c_str());
    S2M_ASSIGN_OR_RETURN(std::vector<BsonPtr> docs, Find(filter.get(), "reading the job"));
    if (docs.empty()) return std::optional<JobRecord>();
    const bson_t* doc = docs[0].get();
    JobRecord record{job_, Utf8(doc, "mapping_digest"), Utf8(doc, "run_id"), Utf8(doc, "state"),
                     Integer(doc, "started"), Integer(doc, "finished"), {}};
    S2M_ASSIGN_OR_RETURN(record.watermarks, ReadWatermarks(doc, "watermarks"));
    record.watermarks_digest = Utf8(doc, "watermarks_digest");
    return std::optional<JobRecord>(std::move(record));
  }

  Result<std::vector<WorkUnit>> LoadUnits() override {
    std::lock_guard lock(mutex_);
    ScopedBson filter;
    BSON_APPEND_UTF8(filter.get(), "type", "unit");
    BSON_APPEND_UTF8(filter.get(), "job", job_.c_str());
    S2M_ASSIGN_OR_RETURN(std::vector<BsonPtr> docs, Find(filter.get(), "reading the work units"));
    std::vector<std::pair<int64_t, WorkUnit>> ordered;
    for (const auto& doc : docs) {
      WorkUnit unit;
      unit.id = Utf8(doc.get(), "unit");
      unit.collection = Utf8(doc.get(), "collection");
      unit.kind = Utf8(doc.get(), "kind") == "orphans" ? WorkUnit::Kind::kOrphans : WorkUnit::Kind::kRange;
      unit.done = Flag(doc.get(), "done");
      unit.rows_read = static_cast<uint64_t>(Integer(doc.get(), "rows_read"));
      unit.documents_written = static_cast<uint64_t>(Integer(doc.get(), "documents_written"));
      bson_iter_t it, columns;
      if (bson_iter_init_find(&it, doc.get(), "key_columns") && BSON_ITER_HOLDS_ARRAY(&it) &&
          bson_iter_recurse(&it, &columns))
        while (bson_iter_next(&columns))
          if (BSON_ITER_HOLDS_UTF8(&columns)) unit.key_columns.push_back(bson_iter_utf8(&columns, nullptr));
      for (auto [field, key] : {std::pair{"low", &unit.low}, {"high", &unit.high}, {"checkpoint", &unit.checkpoint}}) {
        if (!bson_iter_init_find(&it, doc.get(), field)) continue;
        S2M_ASSIGN_OR_RETURN(*key, ReadKey(it, field));
      }
      ordered.emplace_back(Integer(doc.get(), "seq"), std::move(unit));
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<WorkUnit> units;
    unit_seq_.clear();
    for (auto& [seq, unit] : ordered) {
      unit_seq_[unit.id] = seq;
      units.push_back(std::move(unit));
    }
    return units;
  }

  Status StartRun(const JobRecord& record, const std::vector<WorkUnit>& units) override {
    {
      std::lock_guard lock(mutex_);
      ScopedBson filter;
      BSON_APPEND_UTF8(filter.get(), "type", "unit");
      BSON_APPEND_UTF8(filter.get(), "job", job_.c_str());
      bson_error_t error;
      if (!mongoc_collection_delete_many(collection_.get(), filter.get(), nullptr, nullptr, &error))
        return Failed("removing the last run's work units", error);
      S2M_RETURN_IF_ERROR(WriteJob(record));
      unit_seq_.clear();
      for (size_t i = 0; i < units.size(); ++i) unit_seq_[units[i].id] = static_cast<int64_t>(i);
    }
    return SaveUnits(units);
  }

  Status ContinueRun(const JobRecord& record) override {
    std::lock_guard lock(mutex_);
    S2M_RETURN_IF_ERROR(WriteJob(record));
    return Status::Ok();
  }

  Status SaveUnits(const std::vector<WorkUnit>& units) override {
    if (units.empty()) return Status::Ok();
    std::lock_guard lock(mutex_);
    ScopedBson bulk_options;
    BSON_APPEND_BOOL(bulk_options.get(), "ordered", false);
    MongoBulk bulk(mongoc_collection_create_bulk_operation_with_opts(collection_.get(), bulk_options.get()));
    ScopedBson upsert;
    BSON_APPEND_BOOL(upsert.get(), "upsert", true);
    int64_t now = NowMillis();
    for (const WorkUnit& unit : units) {
      ScopedBson selector, doc;
      std::string id = UnitDocumentId(unit.id);
      BSON_APPEND_UTF8(selector.get(), "_id", id.c_str());
      BSON_APPEND_UTF8(doc.get(), "type", "unit");
      BSON_APPEND_UTF8(doc.get(), "job", job_.c_str());
      BSON_APPEND_UTF8(doc.get(), "unit", unit.id.c_str());
      auto seq = unit_seq_.find(unit.id);
      BSON_APPEND_INT64(doc.get(), "seq", seq == unit_seq_.end() ? 0 : seq->second);
      BSON_APPEND_UTF8(doc.get(), "collection", unit.collection.c_str());
      BSON_APPEND_UTF8(doc.get(), "kind", KindName(unit.kind));
      bson_t columns;
      BSON_APPEND_ARRAY_BEGIN(doc.get(), "key_columns", &columns);
      for (size_t i = 0; i < unit.key_columns.size(); ++i) {
        std::string index = std::to_string(i);
        bson_append_utf8(&columns, index.c_str(), -1, unit.key_columns[i].c_str(), -1);
      }
      bson_append_array_end(doc.get(), &columns);
      AppendKey(doc.get(), "low", unit.low);
      AppendKey(doc.get(), "high", unit.high);
      AppendKey(doc.get(), "checkpoint", unit.checkpoint);
      BSON_APPEND_BOOL(doc.get(), "done", unit.done);
      BSON_APPEND_INT64(doc.get(), "rows_read", static_cast<int64_t>(unit.rows_read));
      BSON_APPEND_INT64(doc.get(), "documents_written", static_cast<int64_t>(unit.documents_written));
      BSON_APPEND_DATE_TIME(doc.get(), "updated", now);
      bson_error_t error;
      if (!mongoc_bulk_operation_replace_one_with_opts(bulk.get(), selector.get(), doc.get(), upsert.get(), &error))
        return Failed("saving work unit " + unit.id, error);
    }
    ScopedBson reply;
    bson_error_t error;
    if (!mongoc_bulk_operation_execute(bulk.get(), reply.ResetForOutput(), &error))
      return Failed("saving checkpoints", error);
    return Status::Ok();
  }

  Status SetPendingWatermarks(const std::map<std::string, std::vector<Value>>& watermarks) override {
    std::lock_guard lock(mutex_);
    ScopedBson filter, update;
    BSON_APPEND_UTF8(filter.get(), "_id", JobId().c_str());
    bson_t set;
    BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
    AppendWatermarks(&set, "pending_watermarks", watermarks);
    bson_append_document_end(update.get(), &set);
    bson_error_t error;
    if (!mongoc_collection_update_one(collection_.get(), filter.get(), update.get(), nullptr, nullptr, &error))
      return Failed("recording the run's watermarks", error);
    pending_watermarks_ = watermarks;
    return Status::Ok();
  }

  Status FinishRun(const std::string& state, int64_t finished_ms) override {
    std::lock_guard lock(mutex_);
    ScopedBson filter, update;
    BSON_APPEND_UTF8(filter.get(), "_id", JobId().c_str());
    bson_t set;
    BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
    BSON_APPEND_UTF8(&set, "state", state.c_str());
    BSON_APPEND_DATE_TIME(&set, "finished", finished_ms);
    // Only a run that succeeded moves the watermarks: what a failed run missed is read again next time.
    if (state == "succeeded" && pending_watermarks_) {
      AppendWatermarks(&set, "watermarks", *pending_watermarks_);
      BSON_APPEND_UTF8(&set, "watermarks_digest", run_digest_.c_str());
    }
    bson_append_document_end(update.get(), &set);
    bson_error_t error;
    if (!mongoc_collection_update_one(collection_.get(), filter.get(), update.get(), nullptr, nullptr, &error))
      return Failed("recording the run's end", error);
    return Status::Ok();
  }

 private:
  std::string LeaseId() const { return "lease:" + job_; }
  std::string JobId() const { return "job:" + job_; }
  std::string UnitDocumentId(const std::string& unit) const { return "unit:" + job_ + ":" + unit; }

  static void AppendLease(bson_t* doc, const LeaseHolder& holder) {
    BSON_APPEND_UTF8(doc, "type", "lease");
    BSON_APPEND_UTF8(doc, "run_id", holder.run_id.c_str());
    BSON_APPEND_UTF8(doc, "host", holder.host.c_str());
    BSON_APPEND_INT64(doc, "pid", holder.pid);
    BSON_APPEND_DATE_TIME(doc, "since", holder.since_ms);
    BSON_APPEND_DATE_TIME(doc, "expires", holder.expires_ms);
  }

  static void AppendWatermarks(bson_t* parent, const char* field,
                               const std::map<std::string, std::vector<Value>>& watermarks) {
    bson_t list;
    BSON_APPEND_ARRAY_BEGIN(parent, field, &list);
    size_t i = 0;
    for (const auto& [table, value] : watermarks) {
      std::string index = std::to_string(i++);
      bson_t entry;
      bson_append_document_begin(&list, index.c_str(), -1, &entry);
      BSON_APPEND_UTF8(&entry, "path", table.c_str());
      AppendKey(&entry, "value", value);
      bson_append_document_end(&list, &entry);
    }
    bson_append_array_end(parent, &list);
  }

  static Result<std::map<std::string, std::vector<Value>>> ReadWatermarks(const bson_t* doc, const char* field) {
    std::map<std::string, std::vector<Value>> watermarks;
    bson_iter_t it, list;
    if (!bson_iter_init_find(&it, doc, field) || !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &list))
      return watermarks;
    while (bson_iter_next(&list)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&list)) continue;
      uint32_t length = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&list, &length, &data);
      bson_t entry;
      if (!bson_init_static(&entry, data, length)) continue;
      bson_iter_t value;
      if (!bson_iter_init_find(&value, &entry, "value")) continue;
      S2M_ASSIGN_OR_RETURN(std::vector<Value> key, ReadKey(value, field));
      watermarks[Utf8(&entry, "path")] = std::move(key);
    }
    return watermarks;
  }

  // $set, not a replacement: the job's watermarks (from its last successful run) stay.
  Status WriteJob(const JobRecord& record) {
    run_digest_ = record.mapping_digest;
    ScopedBson selector, update, upsert;
    BSON_APPEND_UTF8(selector.get(), "_id", JobId().c_str());
    bson_t fields;
    BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &fields);
    BSON_APPEND_UTF8(&fields, "type", "job");
    BSON_APPEND_UTF8(&fields, "job", job_.c_str());
    BSON_APPEND_UTF8(&fields, "mapping_digest", record.mapping_digest.c_str());
    BSON_APPEND_UTF8(&fields, "run_id", record.run_id.c_str());
    BSON_APPEND_UTF8(&fields, "state", record.state.c_str());
    BSON_APPEND_DATE_TIME(&fields, "started", record.started_ms);
    if (record.finished_ms) BSON_APPEND_DATE_TIME(&fields, "finished", record.finished_ms);
    else BSON_APPEND_NULL(&fields, "finished");
    bson_append_document_end(update.get(), &fields);
    BSON_APPEND_BOOL(upsert.get(), "upsert", true);
    bson_error_t error;
    if (!mongoc_collection_update_one(collection_.get(), selector.get(), update.get(), upsert.get(), nullptr, &error))
      return Failed("recording the run", error);
    return Status::Ok();
  }

  Result<std::vector<BsonPtr>> Find(const bson_t* filter, const std::string& what) {
    MongoCursor cursor(mongoc_collection_find_with_opts(collection_.get(), filter, nullptr, nullptr));
    std::vector<BsonPtr> docs;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) docs.emplace_back(bson_copy(doc));
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error)) return Failed(what, error);
    return docs;
  }

  Status Failed(const std::string& what, const bson_error_t& error) const {
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: job '{}' state ({}.{}): {}: {}",
                                                               connection_.display_uri, job_, connection_.database,
                                                               kJobStateCollection, what, error.message));
  }

  MongoConnection connection_;
  std::string job_;
  MongoCollection collection_;
  std::mutex mutex_;  // one client: the run's thread and its checkpoint thread take turns
  std::string lease_run_id_;
  std::map<std::string, int64_t> unit_seq_;  // plan order of the units of this run
  std::optional<std::map<std::string, std::vector<Value>>> pending_watermarks_;
  std::string run_digest_;  // of the run this store records (WriteJob): its watermarks' digest
};

}  // namespace

std::string ThisHostName() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown-host";
  return name;
}

Result<std::unique_ptr<JobStateStore>> OpenJobStateStore(const std::string& target_uri, const std::string& job) {
  S2M_ASSIGN_OR_RETURN(MongoConnection connection, ConnectMongo(target_uri));
  return std::unique_ptr<JobStateStore>(std::make_unique<MongoJobStateStore>(std::move(connection), job));
}

}  // namespace sql2mongo
