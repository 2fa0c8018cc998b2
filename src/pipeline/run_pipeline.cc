// read -> resolve embeds -> build BSON -> write, as a oneTBB pipeline with a bounded number of batches
// in flight (so memory is bounded by batch size x tokens, not by table size).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <tbb/flow_graph.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <nlohmann/json.hpp>

#include "common/handles.h"
#include "pipeline/change_finder.h"
#include "pipeline/collection_setup.h"
#include "pipeline/embed_merge.h"
#include "pipeline/embed_resolver.h"
#include "pipeline/embed_strategy.h"
#include "pipeline/reject_writer.h"
#include "pipeline/source_reopen.h"
#include "verify/document_digest.h"
#include "verify/documents_by_key.h"
#include "sql2mongo/document_builder.h"
#include "sql2mongo/pipeline.h"

namespace sql2mongo {
namespace {

// MongoDB's limit for one document (BSON maxBsonObjectSize).
constexpr size_t kMaxDocumentBytes = 16 * 1024 * 1024;
// Batches in flight per reader beyond one per writer: enough to keep the readers and the builders busy
// while the writers wait on the target. Memory is bounded by this times the batch size.
constexpr size_t kSpareBatchesInFlight = 3;

// The alias of the one column a row count reads (count(*) as a computed column, so every connector
// reads it through its own scan, in the run's snapshot).
constexpr char kRowCountAlias[] = "s2m_row_count";

class CollectionRun;

// Adds the time from its construction to Stop() (or its end) to a stage's counter.
class StageTimer {
 public:
  explicit StageTimer(std::atomic<uint64_t>& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() { Stop(); }
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    auto elapsed = std::chrono::steady_clock::now() - start_;
    total_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  }

 private:
  std::atomic<uint64_t>& total_;
  std::chrono::steady_clock::time_point start_;
  bool stopped_ = false;
};

class UnitTrack;

struct Work {
  CollectionRun* run = nullptr;  // the reader it was read by, which builds and writes it
  UnitTrack* unit = nullptr;     // the work unit its rows belong to
  uint64_t seq = 0;              // its place in the unit's key order, from 1
  std::vector<Value> last_key;   // the unit key of its last root row
  uint64_t written = 0;          // documents of it the target took
  RowBatch rows;
  std::vector<ResolvedEmbed> embeds;
  std::vector<BsonPtr> documents;
  std::vector<BsonPtr> deletions;  // incremental runs: {"_id": ...} of documents whose root row is gone
  std::vector<RejectRecord> rejects;
  BuildCounters build;
};

// The _id a row's document would have had, as JSON: the value itself for a one-column _id, an object of
// the parts for a composite one (type overrides aside), so a reject is found by the same _id.
std::string RowKeyJson(const CollectionPlan& plan, const RowBatch& rows, size_t row) {
  nlohmann::ordered_json key = nlohmann::ordered_json::object();
  if (plan.id.kind == IdPlan::Kind::kColumn && plan.id.parts.size() == 1)
    key = ValueToJson(rows.at(row, plan.id.parts[0].second));
  else
    for (const auto& [name, column] : plan.id.parts) key[name] = ValueToJson(rows.at(row, column));
  return key.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string DocumentJson(const bson_t* doc) {
  BsonString json(bson_as_relaxed_extended_json(doc, nullptr));
  return json ? json.get() : "";
}

// "largest: invoices (12000 items, 15.2 MB), notes (1.1 MB)": the top-level fields that make a document
// too big, so the user knows which embed to trim.
std::string LargestFields(const bson_t* doc) {
  struct Field {
    std::string key;
    uint32_t bytes;
    uint32_t items;  // for arrays
    bool is_array;
  };
  std::vector<Field> fields;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return "unreadable";
  while (bson_iter_next(&it)) {
    uint32_t length = 0;
    const uint8_t* data = nullptr;
    Field f{bson_iter_key(&it), 0, 0, false};
    if (BSON_ITER_HOLDS_ARRAY(&it) || BSON_ITER_HOLDS_DOCUMENT(&it)) {
      f.is_array = BSON_ITER_HOLDS_ARRAY(&it);
      if (f.is_array) bson_iter_array(&it, &length, &data);
      else bson_iter_document(&it, &length, &data);
      f.bytes = length;
      bson_iter_t child;
      if (f.is_array && bson_iter_recurse(&it, &child)) {
        while (bson_iter_next(&child)) ++f.items;
      }
    } else if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      bson_iter_binary(&it, &subtype, &length, &data);
      f.bytes = length;
    } else if (BSON_ITER_HOLDS_UTF8(&it)) {
      bson_iter_utf8(&it, &length);
      f.bytes = length;
    }
    fields.push_back(std::move(f));
  }
  std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) { return a.bytes > b.bytes; });
  std::string out = "largest fields:";
  for (size_t i = 0; i < fields.size() && i < 3; ++i) {
    out += fmt::format("{} {} ({}{:.1f} MB)", i ? "," : "", fields[i].key,
                       fields[i].is_array ? fmt::format("{} items, ", fields[i].items) : "", fields[i].bytes / 1e6);
  }
  return out;
}

// One work unit being read: its batches are numbered in key order as they are read, and written in any
// order by the parallel writers; the unit's checkpoint advances only over an unbroken prefix of written
// batches, so everything up to the checkpoint's key is in the target whatever happens next.
class UnitTrack {
 public:
  UnitTrack(size_t ledger_index, UnitLedger& ledger) : ledger_index_(ledger_index), ledger_(ledger) {}

  size_t ledger_index() const { return ledger_index_; }
  WorkUnit unit() const { return ledger_.Get(ledger_index_); }

  uint64_t NextSeq() { return ++read_seq_; }  // the reading side is serial per unit

  // Batch `seq` (its rows, its last key) is in the target, `documents` of it written.
  void Written(uint64_t seq, std::vector<Value> last_key, uint64_t rows, uint64_t documents) {
    std::lock_guard lock(mutex_);
    waiting_[seq] = Batch{std::move(last_key), rows, documents};
    while (!waiting_.empty() && waiting_.begin()->first == written_through_ + 1) {
      Batch& batch = waiting_.begin()->second;
      ledger_.Advance(ledger_index_, std::move(batch.last_key), batch.rows, batch.documents);
      ++written_through_;
      waiting_.erase(waiting_.begin());
    }
    MarkDoneIfComplete();
  }

  // The unit's scan ended after `read_seq_` batches.
  void ReadEnded() {
    std::lock_guard lock(mutex_);
    read_ended_ = true;
    MarkDoneIfComplete();
  }

 private:
  struct Batch {
    std::vector<Value> last_key;
    uint64_t rows = 0;
    uint64_t documents = 0;
  };
  void MarkDoneIfComplete() {
    if (read_ended_ && written_through_ == read_seq_ && !done_) {
      done_ = true;
      ledger_.MarkDone(ledger_index_);
    }
  }

  const size_t ledger_index_;
  UnitLedger& ledger_;
  std::atomic<uint64_t> read_seq_{0};
  std::mutex mutex_;
  uint64_t written_through_ = 0;
  std::map<uint64_t, Batch> waiting_;  // written, behind a batch not yet written
  bool read_ended_ = false;
  bool done_ = false;
};

// The units of one collection still to read, handed out to its readers one at a time.
class UnitQueue {
 public:
  explicit UnitQueue(std::vector<std::unique_ptr<UnitTrack>> units) : units_(std::move(units)) {}
  UnitTrack* Next() {
    size_t i = next_.fetch_add(1);
    return i < units_.size() ? units_[i].get() : nullptr;
  }

 private:
  std::vector<std::unique_ptr<UnitTrack>> units_;
  std::atomic<size_t> next_{0};
};

// An incremental run's root keys of one collection, handed out to its readers a chunk at a time: each
// chunk is one key-filter scan of the root table, and one batch.
class ChangedKeyQueue {
 public:
  ChangedKeyQueue(const std::vector<std::vector<Value>>& keys, size_t chunk) : keys_(keys), chunk_(chunk) {}
  size_t chunks() const { return (keys_.size() + chunk_ - 1) / chunk_; }
  // The next chunk's keys; empty once every chunk was taken.
  std::vector<std::vector<Value>> Next() {
    size_t start = next_.fetch_add(1) * chunk_;
    if (start >= keys_.size()) return {};
    return {keys_.begin() + static_cast<long>(start),
            keys_.begin() + static_cast<long>(std::min(keys_.size(), start + chunk_))};
  }

 private:
  const std::vector<std::vector<Value>>& keys_;
  const size_t chunk_;
  std::atomic<size_t> next_{0};
};

class CollectionRun {
 public:
  CollectionRun(const CollectionPlan& plan, Source& source, Sink& sink, const RunOptions& options,
                RejectWriter& rejects, LiveCollectionCounters& counters, std::atomic<bool>* stop_all)
      : plan_(plan), source_(source), sink_(sink), options_(options), rejects_(rejects), counters_(counters),
        resolver_(source, options.embed_fetch), reopener_(source), stop_all_(stop_all), write_mode_(plan.write_mode) {
    write_mode_.earlier_run_may_have_written = options.resumed;
  }

  // Reads `queue`'s units one after another (each from its checkpoint) until none is left. `ordered`:
  // root rows in key order, which a checkpoint needs.
  void SetUnits(UnitQueue* queue, bool ordered) {
    queue_ = queue;
    ordered_ = ordered;
    if (!UnitKeyColumns(plan_).empty())
      for (const auto& [key, column] : plan_.id.parts) key_indices_.push_back(column);
  }

  // An incremental run: reads the root rows of `queue`'s keys instead of units.
  void SetChangedKeys(ChangedKeyQueue* queue) {
    changed_ = queue;
    for (const auto& [key, column] : plan_.id.parts) key_indices_.push_back(column);
  }

  Status error() {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    return error_;
  }
  const EmbedResolver& resolver() const { return resolver_; }
  uint64_t merge_fallbacks() const { return merge_fallbacks_; }

  // What the merge join streams of this collection (PlanMergeJoin), for every unit read in key order.
  void SetMergePlan(const std::map<const EmbedPlan*, MergeDecision>* plan) { merge_plan_ = plan; }

  // Once per collection, after every range is read. `placed`: per array embed, the rows every reader
  // of this run took from merge streams and placed in a document (EmbedResolver::streamed_rows_placed).
  Status RejectOrphans(const std::map<const EmbedPlan*, uint64_t>& placed) {
    RejectOrphans(plan_.table, placed);
    return error_;
  }

 private:
  // Whether every row of `embed`'s table (its "where" and soft deletes applied) was placed in a document
  // by the merge join, so none can be an orphan: `placed` of them, counted against one count(*) in the
  // snapshot. A stream row is taken at most once and the units' ranges do not overlap, so placed never
  // exceeds the table's rows; equal means all. Anything else (a unit done by an earlier run, a unit that
  // fell back to key lists, rows in no unit's range, a count the source cannot give) leaves the anti-join.
  // The count reads an index where the table has one; the anti-join probes the parent for every child
  // row (measured: 14 % of a two-level run's instructions on SQLite, 1.6 s of PostgreSQL at SF 1).
  //
  // (A second level's stream is joined to its parent table in the database, once per parent row holding
  // a key: PlanMergeJoin merges it only when the parent's joined columns are its primary key, so no row
  // comes, and is counted, twice.)
  bool EveryRowPlaced(const EmbedPlan& embed, uint64_t placed) {
    const TablePlan& table = embed.table;
    if (placed == 0 || std::find(table.read_columns.begin(), table.read_columns.end(), kRowCountAlias) !=
                           table.read_columns.end())
      return false;
    ScanRequest request = table.ScanOfRows();
    request.columns = {kRowCountAlias};
    request.expressions = {{kRowCountAlias, "count(*)"}};
    Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
    RowBatch rows;
    Result<bool> more = stream.ok() ? (*stream)->Next(&rows, 1) : Result<bool>(stream.status());
    std::optional<int64_t> counted = more.ok() && more.value() && rows.rows() == 1 ? IntegerKeyOf(rows.at(0, 0))
                                                                                 : std::nullopt;
    if (!counted) {
      spdlog::debug("collection {}: no row count of {} ({}); looking for orphan rows by anti-join", plan_.name,
                    table.table, more.ok() ? "no integer count" : more.status().message());
      return false;
    }
    bool all = static_cast<uint64_t>(*counted) == placed;
    spdlog::debug("collection {}: {} of the {} rows of {} placed by the merge join{}", plan_.name, placed, *counted,
                  table.table, all ? ": no orphan row possible, no anti-join" : "; looking for orphan rows by anti-join");
    return all;
  }

  // Child rows whose parent row does not exist can be placed in no document: each goes to the rejects
  // file with its reason rather than vanishing. One anti-join query per array embed, in the snapshot,
  // unless the merge join placed every row of the embed's table.
  void RejectOrphans(const TablePlan& parent, const std::map<const EmbedPlan*, uint64_t>& placed) {
    if (failed_.load()) return;
    for (const EmbedPlan& embed : parent.embeds) {
      if (embed.kind != EmbedKind::kArray) {
        RejectOrphans(embed.table, placed);
        continue;
      }
      auto streamed = placed.find(&embed);
      if (streamed != placed.end() && EveryRowPlaced(embed, streamed->second)) {
        RejectOrphans(embed.table, placed);
        continue;
      }
      ScanRequest request = embed.table.ScanOfReadColumns();
      MissingParentFilter filter;
      filter.columns = embed.foreign_names;
      filter.parent_table = parent.table;
      for (int column : embed.local_columns) filter.parent_columns.push_back(parent.read_columns[column]);
      request.missing_parent = filter;
      Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
      if (!stream.ok()) {
        Fail(stream.status().WithContext("looking for orphan rows of " + embed.path));
        return;
      }
      RowBatch rows;
      while (true) {
        Result<bool> more = (*stream)->Next(&rows, options_.batch_size);
        if (!more.ok()) {
          Fail(more.status().WithContext("looking for orphan rows of " + embed.path));
          return;
        }
        if (!more.value()) break;
        counters_.embedded_rows += rows.rows();  // read, and rejected below: "every row read" holds
        for (size_t row = 0; row < rows.rows(); ++row) {
          std::string key;
          for (int column : embed.foreign_columns) key += (key.empty() ? "" : ", ") + ValueToDisplay(rows.at(row, column));
          RecordReject(RejectRecord{plan_.name, "embed", "null",
                                    fmt::format("orphan row of table '{}' for {}: its key ({}) matches no row of '{}'",
                                                embed.table.table, embed.path, key, parent.table),
                                    RowToJson(rows, row), embed.table.table});
        }
      }
      RejectOrphans(embed.table, placed);
    }
  }


 public:
  // The stages as the flow graph calls them. No exception leaves a node (one would cancel the graph
  // and leave its batches in flight): a driver's exception, std::bad_alloc, a JSON library's throw
  // becomes the collection's failure with its text, and the run ends with its summary like any other.
  Work* GuardedRead() {
    try {
      return Read();
    } catch (const std::exception& e) {
      return Fail(Unexpected("reading", e.what()));
    } catch (...) {
      return Fail(Unexpected("reading", "an unknown exception"));
    }
  }
  Work* GuardedBuild(Work* work) {
    try {
      return Build(work);
    } catch (const std::exception& e) {
      Fail(Unexpected("building documents", e.what()));
    } catch (...) {
      Fail(Unexpected("building documents", "an unknown exception"));
    }
    return work;  // the write stage frees it, and writes nothing once the collection failed
  }
  void GuardedWrite(Work* work) {
    try {
      Write(work);
    } catch (const std::exception& e) {
      Fail(Unexpected("writing", e.what()));
    } catch (...) {
      Fail(Unexpected("writing", "an unknown exception"));
    }
  }

  // The three stages of the flow graph.
  //
  // Serial per reader (its source is used by one thread at a time). Returns nullptr at the end, on
  // failure, or once another reader of the collection failed.
  Work* Read() {
    if (failed_.load() || stop_all_->load()) return nullptr;
    if (changed_) return ReadChanged();
    size_t max_rows = options_.batch_size;
    if (options_.sample_rows > 0) {
      if (sampled_rows_ >= options_.sample_rows) return nullptr;
      max_rows = std::min(max_rows, options_.sample_rows - sampled_rows_);
    }
    auto work = std::make_unique<Work>();
    work->run = this;
    Result<bool> more = true;
    while (true) {
      if (!stream_) {
        Status opened = OpenNextUnit();
        if (!opened.ok()) return Fail(opened);
        if (!stream_) return nullptr;  // every unit read
      }
      StageTimer read_time(counters_.read_ns);
      more = stream_->Next(&work->rows, max_rows);
      read_time.Stop();
      if (!more.ok() && more.status().code() == StatusCode::kSourceLost) {
        Status read_on = ReadOnAfterLoss(more.status());
        if (read_on.ok()) continue;
        more = read_on;
      }
      if (!more.ok() || more.value()) break;
      stream_.reset();  // this unit is read: on to the next one
      unit_->ReadEnded();
    }
    work->unit = unit_;
    if (more.ok()) {
      work->seq = unit_->NextSeq();
      if (!key_indices_.empty() && work->rows.rows() > 0)
        for (int column : key_indices_) work->last_key.push_back(work->rows.at(work->rows.rows() - 1, column));
    }
    if (!more.ok()) {
      // Where to look, or to start again by hand: the key of the last root row this reader read.
      std::string where = last_key_.empty() ? "before its first row"
                                            : fmt::format("after the row with _id {} (the last one this reader read)", last_key_);
      return Fail(more.status().WithContext(fmt::format("collection '{}', table '{}', {}", plan_.name,
                                                        plan_.table.table, where)));
    }
    if (work->rows.rows() > 0 && plan_.id.kind != IdPlan::Kind::kGenerated)
      last_key_ = RowKeyJson(plan_, work->rows, work->rows.rows() - 1);
    if (work->rows.rows() > 0) {
      unit_last_key_ = work->last_key;
      reopener_.Progressed();
    }
    sampled_rows_ += work->rows.rows();
    return ResolveEmbeds(std::move(work));
  }

  // The rows of the next chunk of changed keys: one key-filter scan. A key whose row it does not return
  // (deleted, soft-deleted, out of "where") is a document to delete.
  Work* ReadChanged() {
    std::vector<std::vector<Value>> keys = changed_->Next();
    if (keys.empty()) return nullptr;
    auto work = std::make_unique<Work>();
    work->run = this;
    ScanRequest request = plan_.table.ScanOfReadColumns();
    KeyFilter filter;
    for (const auto& [key, column] : plan_.id.parts) filter.columns.push_back(plan_.table.read_columns[column]);
    filter.keys = keys;
    request.key_filter = std::move(filter);
    StageTimer read_time(counters_.read_ns);
    Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
    Result<bool> more = stream.ok() ? (*stream)->Next(&work->rows, keys.size() + 1) : Result<bool>(stream.status());
    read_time.Stop();
    if (!more.ok())
      return Fail(more.status().WithContext(fmt::format("collection '{}', table '{}', reading {} changed rows by key",
                                                        plan_.name, plan_.table.table, keys.size())));
    if (work->rows.rows() > keys.size())
      return Fail(Status::Error(StatusCode::kMappingError,
                                fmt::format("collection '{}': {} keys of table '{}' gave {} rows: its _id columns are "
                                            "not unique, which an incremental run needs to find a document's row",
                                            plan_.name, keys.size(), plan_.table.table, work->rows.rows())));
    std::unordered_set<std::string> found;
    for (size_t row = 0; row < work->rows.rows(); ++row) {
      std::string key;
      if (JoinKeyOf(work->rows, row, key_indices_, &key)) found.insert(std::move(key));
    }
    for (const auto& key : keys) {
      std::string text;
      for (const Value& part : key) AppendJoinKey(part, &text);
      if (found.count(text)) continue;
      Result<BsonPtr> id = IdDocumentOf(plan_, key);
      if (!id.ok()) return Fail(id.status());
      work->deletions.push_back(std::move(id).value());
    }
    return ResolveEmbeds(std::move(work));
  }

  Work* ResolveEmbeds(std::unique_ptr<Work> work) {
    counters_.rows_read += work->rows.rows();
    uint64_t embedded_rows = 0;
    StageTimer embed_time(counters_.embed_ns);
    if (merge_ && !merge_->StartBatch(work->rows, key_indices_[0]))
      StopMerging("its root rows did not come in ascending integer key order");
    Status resolved = resolver_.Resolve(plan_.table, work->rows, &work->embeds, &embedded_rows);
    if (resolved.code() == StatusCode::kSourceLost) {
      // The batch's embeds are fetched again whole: what the failed attempt gathered is dropped. The merge
      // streams were cut somewhere in this batch: the rest of the unit is fetched by key lists.
      StopMerging("the source connection was lost");
      resolved = reopener_.ReadOn(resolved, [&] {
        work->embeds.clear();
        embedded_rows = 0;
        (void)resolver_.TakeUnmatched();
        return resolver_.Resolve(plan_.table, work->rows, &work->embeds, &embedded_rows);
      });
      if (resolved.ok()) {
        ++counters_.source_reopens;
        spdlog::warn("collection {}: the source connection was lost fetching embedded rows; reopened in the run's "
                     "snapshot and fetched them again", plan_.name);
      }
    }
    embed_time.Stop();
    counters_.embedded_rows += embedded_rows;
    if (!resolved.ok()) return Fail(resolved.WithContext(fmt::format("collection '{}'", plan_.name)));
    for (auto& reject : resolver_.TakeUnmatched()) {
      reject.collection = plan_.name;
      work->rejects.push_back(std::move(reject));
    }
    return work.release();
  }

  // Parallel: building touches only this batch.
  Work* Build(Work* work) {
    StageTimer build_time(counters_.build_ns);
    work->documents.reserve(work->rows.rows());
    for (size_t row = 0; row < work->rows.rows(); ++row) {
      Result<BsonPtr> doc = BuildDocument(plan_, work->rows, row, work->embeds, &work->build);
      if (doc.ok()) {
        work->documents.push_back(std::move(doc).value());
      } else {
        work->rejects.push_back(RejectRecord{plan_.name, "build", RowKeyJson(plan_, work->rows, row),
                                             doc.status().message(), RowToJson(work->rows, row), plan_.table.table});
      }
    }
    work->embeds.clear();  // the children are in the documents now; free them before the write waits
    return work;
  }

  // Parallel: several batches may be written at once; counters and rejects are guarded.
  void Write(Work* raw) {
    std::unique_ptr<Work> work(raw);
    counters_.missing_parents += work->build.missing_parents;
    counters_.documents_built += work->documents.size();
    for (const auto& reject : work->rejects) RecordReject(reject);
    if (failed_.load()) return;

    std::vector<BsonPtr> batch;
    size_t batch_bytes = 0;
    for (auto& doc : work->documents) {
      if (doc->len > kMaxDocumentBytes) {
        RecordReject(RejectRecord{plan_.name, "write", DocumentIdJson(doc.get()),
                                  fmt::format("document is {} bytes, over MongoDB's 16 MiB limit ({}); embed fewer "
                                              "rows (a \"where\" on the embed) or reference them instead",
                                              doc->len, LargestFields(doc.get())),
                                  "", plan_.table.table});
        continue;
      }
      if (!batch.empty() && (batch.size() >= options_.batch_size || batch_bytes + doc->len > options_.batch_bytes)) {
        if (!Flush(&batch, &work->written)) return;
        batch_bytes = 0;
      }
      batch_bytes += doc->len;
      batch.push_back(std::move(doc));
    }
    if (!batch.empty() && !Flush(&batch, &work->written)) return;
    if (!work->deletions.empty()) {
      StageTimer delete_time(counters_.write_ns);
      Result<uint64_t> deleted = sink_.Delete(plan_.name, work->deletions);
      if (!deleted.ok()) {
        Fail(deleted.status().WithContext(fmt::format("deleting documents of collection '{}'", plan_.name)));
        return;
      }
      counters_.documents_deleted += deleted.value();
    }
    if (work->unit && !failed_.load())
      work->unit->Written(work->seq, std::move(work->last_key), work->rows.rows(), work->written);
  }


 private:
  // Opens the scan of the next unit of the queue, or leaves stream_ empty when none is left.
  Status OpenNextUnit() {
    StopMerging("");  // the last unit's streams: their connections are free before the next unit's scans
    unit_ = queue_->Next();
    if (!unit_) return Status::Ok();
    WorkUnit unit = unit_->unit();
    ScanRequest request = plan_.table.ScanOfReadColumns();
    request.order_by = plan_.table.order_by;
    if (unit.Resumable()) {
      KeyRange range;
      range.columns = unit.key_columns;
      if (!unit.checkpoint.empty()) {
        range.low = unit.checkpoint;  // its rows up to the checkpoint are in the target already
        range.low_inclusive = false;
      } else {
        range.low = unit.low;
      }
      range.high = unit.high;
      if (!range.low.empty() || !range.high.empty()) request.range = std::move(range);
      // In key order for a checkpoint, and for the merge join, whose streams follow the key (a rowid or
      // clustered table is stored so; elsewhere the database sorts the unit's root rows, a small part of
      // what the merge saves).
      if (ordered_ || MergeWanted()) {
        request.order_by.clear();
        for (const auto& column : unit.key_columns) request.order_by.push_back(OrderTerm{column, false});
      }
    }
    if (!unit.checkpoint.empty())
      spdlog::info("collection {}: unit {} resumes after key {}", plan_.name, unit.id, KeyDisplay(unit.checkpoint));
    // Kept to read on after a lost connection, which needs the rows in the order of the unit's key.
    unit_request_ = request;
    unit_key_columns_ = unit.key_columns;
    unit_last_key_.clear();
    reads_in_key_order_ = unit.Resumable() && !unit.key_columns.empty() && key_indices_.size() == unit.key_columns.size() &&
                          request.order_by.size() == unit.key_columns.size();
    for (size_t i = 0; reads_in_key_order_ && i < unit.key_columns.size(); ++i)
      reads_in_key_order_ = request.order_by[i].column == unit.key_columns[i] && !request.order_by[i].descending;
    Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
    if (!stream.ok()) return stream.status().WithContext(fmt::format("collection '{}', unit {}", plan_.name, unit.id));
    stream_ = std::move(stream).value();
    return OpenMergeStreams(request, unit.id);
  }

  // The unit's merge streams, when the plan has any and the root comes in key order (a sample reads a
  // few root rows: streams over the whole unit would be read for nothing).
  Status OpenMergeStreams(const ScanRequest& root, const std::string& unit_id) {
    if (!MergeWanted() || !reads_in_key_order_ || key_indices_.size() != 1) return Status::Ok();
    Result<std::unique_ptr<MergeStreams>> merge = MergeStreams::Open(source_, *merge_plan_, root.range);
    if (!merge.ok() && merge.status().code() == StatusCode::kSourceLost) {
      // A stream's connection broke as it opened: this unit is fetched by key lists, through a connection
      // in the same snapshot (nothing was taken from the streams yet).
      Status reopened = reopener_.ReadOn(merge.status(), [] { return Status::Ok(); });
      if (!reopened.ok()) return reopened.WithContext(fmt::format("collection '{}', unit {}", plan_.name, unit_id));
      ++counters_.source_reopens;
      ++merge_fallbacks_;
      spdlog::info("collection {}: unit {} goes on with key lists, not merge streams: the source connection was lost "
                   "({})", plan_.name, unit_id, merge.status().message());
      return Status::Ok();
    }
    if (!merge.ok()) return merge.status().WithContext(fmt::format("collection '{}', unit {}", plan_.name, unit_id));
    merge_ = std::move(merge).value();
    resolver_.SetMerge(merge_.get());
    return Status::Ok();
  }

  // Whether this collection's units are merged: the strategy allows it, the plan merges some embed, and
  // the root rows may be read in key order (not a mapping's own order_by, nor a sample).
  bool MergeWanted() const {
    if (options_.embed_fetch != EmbedFetchMode::kAuto && options_.embed_fetch != EmbedFetchMode::kMerge) return false;
    if (!merge_plan_ || options_.sample_rows > 0 || (!ordered_ && !OrderedByKey(plan_.table.order_by))) return false;
    for (const auto& [embed, decision] : *merge_plan_)
      if (decision.merged) return true;
    return false;
  }

  // Whether `order` is none or the unit key's, ascending (the plan's default for a root: its primary key).
  bool OrderedByKey(const std::vector<OrderTerm>& order) const {
    if (order.empty()) return true;
    if (order.size() != key_indices_.size()) return false;
    for (size_t i = 0; i < order.size(); ++i)
      if (order[i].descending || order[i].column != plan_.table.read_columns[key_indices_[i]]) return false;
    return true;
  }

  // Ends the current unit's merge: the rest of it is fetched by key range or list. `why`: for the log
  // (empty: the unit is done).
  void StopMerging(const std::string& why) {
    if (!merge_) return;
    if (!why.empty()) {
      ++merge_fallbacks_;
      spdlog::info("collection {}: unit {} goes on with key lists, not merge streams: {}", plan_.name,
                   unit_ ? unit_->unit().id : std::string("?"), why);
    }
    resolver_.SetMerge(nullptr);
    merge_.reset();
  }

  // The current unit's connection broke: read on strictly after the last key read from it (or from
  // the unit's start when none was), in the same snapshot, so no row is read twice or missed.
  Status ReadOnAfterLoss(const Status& lost) {
    stream_.reset();
    // The merge streams hold the children of rows not read yet and may be cut too: the rest of the unit
    // is fetched by key lists after the last key read, which loses nothing and reads nothing twice.
    StopMerging("the source connection was lost");
    std::string why_not;
    if (!reads_in_key_order_)
      why_not = plan_.id.kind == IdPlan::Kind::kGenerated
                    ? "its rows have no key to read on after (the collection's _id is generated)"
                    : "the table is read in the mapping's order_by, not in the order of its key";
    Status read_on = reopener_.ReadOn(lost, [&]() -> Status {
      ScanRequest request = unit_request_;
      if (!unit_last_key_.empty()) {
        if (!request.range) request.range = KeyRange{unit_key_columns_, {}, true, {}, false};
        request.range->low = unit_last_key_;
        request.range->low_inclusive = false;
      }
      Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
      if (!stream.ok()) return stream.status();
      stream_ = std::move(stream).value();
      return Status::Ok();
    }, why_not);
    if (!read_on.ok()) {
      if (options_.units)
        return Status::Error(read_on.code(), read_on.message() +
                                                 "; run again with --resume to continue from the last checkpoint");
      return read_on;
    }
    ++counters_.source_reopens;
    spdlog::warn("collection {}: lost the source connection reading table {} ({}); reopened in the run's snapshot, "
                 "reading on {}",
                 plan_.name, plan_.table.table, lost.message(),
                 unit_last_key_.empty() ? std::string("from the start of unit ") + unit_->unit().id
                                        : "after key " + KeyDisplay(unit_last_key_));
    return Status::Ok();
  }

  static std::string KeyDisplay(const std::vector<Value>& key) {
    std::string text;
    for (const Value& part : key) text += (text.empty() ? "" : ", ") + ValueToDisplay(part);
    return key.size() == 1 ? text : "(" + text + ")";
  }

  // Writes `batch`; *written counts the documents the target took.
  bool Flush(std::vector<BsonPtr>* batch, uint64_t* written) {
    StageTimer write_time(counters_.write_ns);
    Result<WriteOutcome> outcome = sink_.Write(plan_.name, *batch, write_mode_);
    write_time.Stop();
    if (!outcome.ok()) {
      Fail(outcome.status().WithContext(fmt::format("writing collection '{}'", plan_.name)));
      batch->clear();
      return false;
    }
    uint64_t bytes = 0, digest = 0;
    for (const auto& doc : *batch) {
      bytes += doc->len;
      digest += DocumentDigest(doc.get());  // wraps: a sum mod 2^64, in any order of batches
    }
    for (const auto& refusal : outcome->refused) {
      const bson_t* doc = (*batch)[refusal.index].get();
      bytes -= doc->len;
      digest -= DocumentDigest(doc);
      RecordReject(RejectRecord{plan_.name, "write", DocumentIdJson(doc), "target refused the document: " + refusal.reason,
                                DocumentJson(doc), plan_.table.table});
    }
    counters_.documents_written += outcome->written;
    counters_.already_upgraded += outcome->already_current;
    counters_.bytes_written += bytes;
    counters_.written_digest += digest;
    *written += outcome->written;
    batch->clear();
    return true;
  }

  void RecordReject(const RejectRecord& record) {
    uint64_t rejected = ++counters_.rejected;
    if (record.stage == "embed") ++counters_.rejected_rows;
    if (rejected <= 3) spdlog::warn("rejected {} _id {}: {}", record.collection, record.id_json, record.reason);
    Status written = rejects_.Write(record);
    if (!written.ok()) Fail(written);
  }

  Status Unexpected(const char* stage, const char* what) const {
    return Status::Error(StatusCode::kInternal, fmt::format("collection '{}': {} stopped on an unexpected error: {}",
                                                            plan_.name, stage, what));
  }

  Work* Fail(const Status& status) {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    if (!failed_.exchange(true)) error_ = status;
    stop_all_->store(true);
    return nullptr;
  }

  const CollectionPlan& plan_;
  Source& source_;
  Sink& sink_;
  const RunOptions& options_;
  size_t sampled_rows_ = 0;  // root rows read so far, for options_.sample_rows (Read is serial per reader)
  std::string last_key_;     // the _id of the last root row read, for a failure's message (Read is serial)
  RejectWriter& rejects_;
  LiveCollectionCounters& counters_;  // shared by the collection's readers, read live by the display
  EmbedResolver resolver_;  // used by the serial read stage only
  std::unique_ptr<RowStream> stream_;  // the current unit's scan; empty between units
  const std::map<const EmbedPlan*, MergeDecision>* merge_plan_ = nullptr;
  std::unique_ptr<MergeStreams> merge_;  // the current unit's merge streams, when it is merged
  uint64_t merge_fallbacks_ = 0;
  UnitQueue* queue_ = nullptr;
  ChangedKeyQueue* changed_ = nullptr;  // an incremental run's keys, read instead of queue_'s units
  UnitTrack* unit_ = nullptr;          // the unit stream_ reads
  bool ordered_ = false;
  std::vector<int> key_indices_;       // the _id's columns in read_columns: a unit's key
  ScanRequest unit_request_;           // the current unit's scan as first sent
  std::vector<std::string> unit_key_columns_;
  std::vector<Value> unit_last_key_;   // the unit key of the last root row read from the current unit
  bool reads_in_key_order_ = false;    // unit_request_ returns rows in unit key order: reading on is possible
  SourceReopener reopener_;            // used by the serial read stage only
  std::mutex counters_mutex_;  // guards error_ once writes run in parallel
  std::atomic<bool> failed_{false};
  std::atomic<bool>* stop_all_;  // shared by the collection's readers: one failure stops them all
  WriteMode write_mode_;
  Status error_;
};

// The readers of the run's snapshot beside the source itself: opened once, on first need, and kept for
// every collection of the run (a source may hand out only as many as it prepared when its snapshot
// began, as MySQL does). Destroyed before the source's EndSnapshot.
class SnapshotReaders {
 public:
  SnapshotReaders(Source& source, int wanted) : source_(source), wanted_(wanted) {}

  // Up to wanted - 1 readers; fewer (none) when the source cannot share its snapshot.
  const std::vector<std::unique_ptr<Source>>& Get() {
    if (opened_) return readers_;
    opened_ = true;
    for (int i = 1; i < wanted_; ++i) {
      Result<std::unique_ptr<Source>> reader = source_.OpenSnapshotReader();
      if (!reader.ok()) {
        spdlog::debug("{} readers of the snapshot ({})", readers_.size() + 1, reader.status().message());
        break;
      }
      readers_.push_back(std::move(reader).value());
    }
    return readers_;
  }
  // Those opened so far (none before the first Get): never opens one.
  const std::vector<std::unique_ptr<Source>>& Opened() const { return readers_; }
  void Close() { readers_.clear(); }

 private:
  Source& source_;
  int wanted_;
  bool opened_ = false;
  std::vector<std::unique_ptr<Source>> readers_;
};

// Runs `runs` (the readers of one collection) through the flow graph until every one has read all it
// was given; the first failure of any of them.
Status RunGraph(const CollectionPlan& collection, const RunOptions& options,
                std::vector<std::unique_ptr<CollectionRun>>& runs) {
  // The flow graph: one input node per key range (read + resolve embeds, serial per reader) -> a
  // limiter (back-pressure: at most `tokens` batches between reading and written) -> build BSON
  // (parallel) -> write (--writers at once) -> back to the limiter's decrementer.
  namespace flow = tbb::flow;
  flow::graph graph;
  const size_t writers = static_cast<size_t>(std::max(1, options.writers));
  flow::limiter_node<Work*> limiter(graph, (kSpareBatchesInFlight + writers) * runs.size());
  flow::function_node<Work*, Work*> build(graph, flow::unlimited, [](Work* work) { return work->run->GuardedBuild(work); });
  flow::function_node<Work*, flow::continue_msg> write(graph, writers, [](Work* work) {
    work->run->GuardedWrite(work);  // frees the batch
    return flow::continue_msg();
  });
  flow::make_edge(limiter, build);
  flow::make_edge(build, write);
  flow::make_edge(write, limiter.decrementer());
  std::vector<std::unique_ptr<flow::input_node<Work*>>> inputs;
  for (auto& run : runs) {
    CollectionRun* reader = run.get();
    inputs.push_back(std::make_unique<flow::input_node<Work*>>(graph, [reader](tbb::flow_control& control) -> Work* {
      Work* work = reader->GuardedRead();
      if (!work) control.stop();
      return work;
    }));
    flow::make_edge(*inputs.back(), limiter);
  }
  for (auto& input : inputs) input->activate();
  graph.wait_for_all();
  uint64_t range_fetches = 0, list_fetches = 0, merge_takes = 0, merge_fallbacks = 0;
  for (auto& run : runs) {
    range_fetches += run->resolver().range_fetches();
    list_fetches += run->resolver().list_fetches();
    merge_takes += run->resolver().merge_takes();
    merge_fallbacks += run->merge_fallbacks();
  }
  if (range_fetches + list_fetches + merge_takes > 0)
    spdlog::info("collection {}: 1:N embeds fetched by key range {} times, by key list {} times, taken from merge "
                 "streams {} times ({} units fell back)",
                 collection.name, range_fetches, list_fetches, merge_takes, merge_fallbacks);

  Status failure;
  for (auto& run : runs) {
    Status r = run->error();
    if (failure.ok() && !r.ok()) failure = r;
  }
  return failure;
}


// An incremental run of one collection: its changed root keys, a chunk per batch, read by as many
// readers as the snapshot has (no units: the run reads no ranges, and a killed one is simply run again
// from the same watermarks).
Status RunChangedCollection(const CollectionPlan& collection, Source& source, SnapshotReaders& readers, Sink& sink,
                            const RunOptions& options, RejectWriter& rejects, LiveCollectionCounters& counters,
                            const CollectionChanges& changed) {
  counters.estimated_rows = static_cast<int64_t>(changed.keys.size());
  if (changed.keys.empty()) {
    spdlog::info("collection {}: nothing changed since the last run", collection.name);
    return Status::Ok();
  }
  ChangedKeyQueue queue(changed.keys, options.batch_size);
  size_t n = std::max<size_t>(1, std::min(queue.chunks(), 1 + (queue.chunks() > 1 ? readers.Get().size() : 0)));
  spdlog::info("collection {}: rebuilding {} documents ({} root rows changed, {} through embedded rows, {} through "
               "N:1 rows), {} readers",
               collection.name, changed.keys.size(), changed.reasons.root_changed, changed.reasons.child_changed,
               changed.reasons.parent_changed, n);
  std::atomic<bool> stop_all{false};
  std::vector<std::unique_ptr<CollectionRun>> runs;
  for (size_t i = 0; i < n; ++i) {
    Source& reader = i == 0 ? source : *readers.Get()[i - 1];
    runs.push_back(std::make_unique<CollectionRun>(collection, reader, sink, options, rejects, counters, &stop_all));
    runs.back()->SetChangedKeys(&queue);
  }
  return RunGraph(collection, options, runs);
}

// "deletes": "detect": the target's _ids, a batch at a time, against the root table's keys (the rows
// the mapping keeps); the documents whose row is gone are deleted. Both sides are compared by key
// lookup, not by merging two sorted streams: the database's collation and BSON's order of the same
// keys differ (text, mixed types), and a lookup of a few thousand keys is one indexed query.
Result<uint64_t> DeleteDocumentsWithoutRows(const CollectionPlan& collection, Source& source, Sink& sink) {
  std::vector<std::string> id_columns;
  for (const auto& [key, column] : collection.id.parts) id_columns.push_back(collection.table.read_columns[column]);
  uint64_t deleted = 0;
  Status visited = sink.ForEachStoredId(collection.name, kMaxKeysPerQuery, [&](const std::vector<BsonPtr>& ids) -> Status {
    KeyFilter filter;
    filter.columns = id_columns;
    std::vector<std::pair<std::string, size_t>> stored;  // (join key, index in ids)
    for (size_t i = 0; i < ids.size(); ++i) {
      std::optional<std::vector<Value>> key = SourceKeyOf(collection, ids[i].get());
      if (!key) continue;  // not a key of this table: a document another tool wrote, left alone
      std::string text;
      for (const Value& part : *key) AppendJoinKey(part, &text);
      stored.emplace_back(std::move(text), i);
      filter.keys.push_back(std::move(*key));
    }
    if (filter.keys.empty()) return Status::Ok();
    ScanRequest request = collection.table.ScanOfRows();
    request.columns = id_columns;
    request.key_filter = std::move(filter);
    std::unordered_set<std::string> found;
    S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source.Scan(request));
    RowBatch rows;
    std::vector<int> all_columns;
    for (size_t c = 0; c < id_columns.size(); ++c) all_columns.push_back(static_cast<int>(c));
    while (true) {
      S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&rows, kMaxKeysPerQuery));
      if (!more) break;
      for (size_t row = 0; row < rows.rows(); ++row) {
        std::string key;
        if (JoinKeyOf(rows, row, all_columns, &key)) found.insert(std::move(key));
      }
    }
    std::vector<BsonPtr> gone;
    for (const auto& [key, index] : stored)
      if (!found.count(key)) gone.emplace_back(bson_copy(ids[index].get()));
    S2M_ASSIGN_OR_RETURN(uint64_t n, sink.Delete(collection.name, gone));
    deleted += n;
    return Status::Ok();
  });
  if (!visited.ok())
    return visited.WithContext(fmt::format("collection '{}': looking for documents whose rows were deleted",
                                           collection.name));
  return deleted;
}

Status RunCollection(const CollectionPlan& collection, Source& source, SnapshotReaders& readers, Sink& sink,
                     const RunOptions& options, UnitLedger& ledger, bool ordered, RejectWriter& rejects,
                     LiveCollectionCounters& counters, const CollectionChanges* changed,
                     IncrementalAccount* account) {
  if (changed) {
    Status rebuilt = RunChangedCollection(collection, source, readers, sink, options, rejects, counters, *changed);
    account->root_changed = changed->reasons.root_changed;
    account->child_changed = changed->reasons.child_changed;
    account->parent_changed = changed->reasons.parent_changed;
    account->gone = counters.documents_deleted.load();
    S2M_RETURN_IF_ERROR(rebuilt);
    if (collection.table.changes && collection.table.changes->deletes == DeletePolicy::kDetect) {
      S2M_ASSIGN_OR_RETURN(account->detected, DeleteDocumentsWithoutRows(collection, source, sink));
      counters.documents_deleted += account->detected;
      spdlog::info("collection {}: {} documents deleted whose rows are gone (\"deletes\": \"detect\")",
                   collection.name, account->detected);
    }
    return Status::Ok();
  }
  std::vector<std::unique_ptr<UnitTrack>> pending;
  std::optional<size_t> orphan_unit;
  for (size_t index : ledger.UnitsOf(collection.name)) {
    WorkUnit unit = ledger.Get(index);
    if (unit.kind == WorkUnit::Kind::kOrphans) {
      if (!unit.done) orphan_unit = index;
    } else if (!unit.done) {
      pending.push_back(std::make_unique<UnitTrack>(index, ledger));
    }
  }
  if (pending.empty() && !orphan_unit) {
    spdlog::info("collection {}: every work unit was done by an earlier run", collection.name);
    return Status::Ok();
  }
  // One reader per unit at most: the source itself and the snapshot's other readers.
  size_t n = std::max<size_t>(1, std::min(pending.size(), 1 + (pending.size() > 1 ? readers.Get().size() : 0)));
  if (pending.size() > 1)
    spdlog::info("collection {}: reading table {} as {} work units, {} at once", collection.name,
                 collection.table.table, pending.size(), n);
  else if (!pending.empty()) spdlog::info("collection {}: reading table {}", collection.name, collection.table.table);
  UnitQueue queue(std::move(pending));
  // Planned on the source itself: its readers share its catalog and, per reader, as many open scans.
  const std::map<const EmbedPlan*, MergeDecision> merge_plan = PlanMergeJoin(collection, source);
  std::atomic<bool> stop_all{false};
  std::vector<std::unique_ptr<CollectionRun>> runs;
  for (size_t i = 0; i < n; ++i) {
    Source& reader = i == 0 ? source : *readers.Get()[i - 1];
    runs.push_back(std::make_unique<CollectionRun>(collection, reader, sink, options, rejects, counters, &stop_all));
    runs.back()->SetUnits(&queue, ordered);
    runs.back()->SetMergePlan(&merge_plan);
  }
  Status failure = RunGraph(collection, options, runs);
  if (failure.ok() && orphan_unit && options.sample_rows == 0) {
    std::map<const EmbedPlan*, uint64_t> placed;
    for (const auto& run : runs)
      for (const auto& [embed, rows] : run->resolver().streamed_rows_placed()) placed[embed] += rows;
    failure = runs[0]->RejectOrphans(placed);
    if (failure.ok()) ledger.MarkDone(*orphan_unit);
  }
  return failure;
}

// Catalog estimates of every collection's root rows, up front, so a display can show totals and an ETA
// for the run from its first second. A source that cannot tell leaves -1.
void EstimateRows(const Plan& plan, Source& source, RunProgress& progress) {
  for (size_t i = 0; i < plan.collections.size(); ++i) {
    Result<std::optional<uint64_t>> estimate = source.EstimateRows(plan.collections[i].table.table);
    if (!estimate.ok()) {
      spdlog::debug("no row estimate for table {}: {}", plan.collections[i].table.table, estimate.status().message());
      continue;
    }
    if (estimate.value()) progress.at(i).estimated_rows = static_cast<int64_t>(*estimate.value());
  }
}

}  // namespace

RunProgress::RunProgress(const std::vector<std::pair<std::string, std::string>>& collections)
    : start_(std::chrono::steady_clock::now()) {
  for (const auto& [collection, table] : collections)
    collections_.push_back(std::make_unique<LiveCollectionCounters>(collection, table));
}

int64_t RunProgress::ElapsedNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
}

CollectionCounters RunProgress::Read(size_t i) const {
  const LiveCollectionCounters& live = *collections_[i];
  CollectionCounters c;
  c.collection = live.collection;
  c.table = live.table;
  c.rows_read = live.rows_read.load(std::memory_order_relaxed);
  c.embedded_rows = live.embedded_rows.load(std::memory_order_relaxed);
  c.documents_built = live.documents_built.load(std::memory_order_relaxed);
  c.documents_written = live.documents_written.load(std::memory_order_relaxed);
  c.rejected = live.rejected.load(std::memory_order_relaxed);
  c.rejected_rows = live.rejected_rows.load(std::memory_order_relaxed);
  c.missing_parents = live.missing_parents.load(std::memory_order_relaxed);
  c.bytes_written = live.bytes_written.load(std::memory_order_relaxed);
  c.warnings = live.warnings.load(std::memory_order_relaxed);
  c.source_reopens = live.source_reopens.load(std::memory_order_relaxed);
  c.already_upgraded = live.already_upgraded.load(std::memory_order_relaxed);
  c.documents_deleted = live.documents_deleted.load(std::memory_order_relaxed);
  c.written_digest = live.written_digest.load(std::memory_order_relaxed);
  c.estimated_rows = live.estimated_rows.load(std::memory_order_relaxed);
  c.state = live.state.load();
  int64_t started = live.started_ns.load(), finished = live.finished_ns.load();
  if (c.state == CollectionState::kRunning) c.seconds = static_cast<double>(ElapsedNanos() - started) / 1e9;
  else if (c.state != CollectionState::kPending) c.seconds = static_cast<double>(finished - started) / 1e9;
  c.read_seconds = static_cast<double>(live.read_ns.load()) / 1e9;
  c.embed_seconds = static_cast<double>(live.embed_ns.load()) / 1e9;
  c.build_seconds = static_cast<double>(live.build_ns.load()) / 1e9;
  c.write_seconds = static_cast<double>(live.write_ns.load()) / 1e9;
  return c;
}

std::vector<CollectionCounters> RunProgress::Read() const {
  std::vector<CollectionCounters> all;
  for (size_t i = 0; i < collections_.size(); ++i) all.push_back(Read(i));
  return all;
}

void RunProgress::SetNotice(std::string notice) {
  std::lock_guard<std::mutex> lock(notice_mutex_);
  notice_ = std::move(notice);
}

std::string RunProgress::Notice() const {
  std::lock_guard<std::mutex> lock(notice_mutex_);
  return notice_;
}

uint64_t RunSummary::TotalRejected() const {
  uint64_t total = 0;
  for (const auto& c : collections) total += c.rejected;
  return total;
}

std::vector<std::pair<std::string, std::string>> CollectionsOf(const Plan& plan) {
  std::vector<std::pair<std::string, std::string>> collections;
  for (const auto& c : plan.collections) collections.emplace_back(c.name, c.table.table);
  return collections;
}

RunSummary RunPlan(const Plan& plan, Source& source, Sink& sink, const RunOptions& options) {
  RunProgress own(CollectionsOf(plan));
  RunProgress& progress = options.progress ? *options.progress : own;
  RunSummary summary;
  std::vector<std::string> names;
  std::vector<Sink::CollectionSetup> setups;
  for (const auto& c : plan.collections) {
    names.push_back(c.name);
    bool replace = options.drop || c.drop || c.swap;
    setups.push_back(Sink::CollectionSetup{c.name, c.write_mode, replace, replace && options.resumed, c.swap, c.backups});
  }
  summary.failure = sink.Prepare(setups);
  if (summary.failure.ok()) summary.failure = source.BeginSnapshot();
  if (!summary.failure.ok()) {
    summary.collections = progress.Read();
    return summary;
  }
  // The watermarks, and what changed since the last ones, as of the snapshot's first moment: a row
  // written after it is above this run's watermark, so the next run reads it.
  std::optional<ChangeSet> changes;
  if (options.take_watermarks || options.changed_since) {
    Result<ChangeSet> found = FindChanges(plan, source, options.changed_since);
    if (!found.ok()) {
      (void)source.EndSnapshot();
      summary.failure = found.status();
      summary.collections = progress.Read();
      return summary;
    }
    changes = std::move(found).value();
    summary.watermarks = changes->watermarks;
    if (options.changed_since) {
      summary.incremental = true;
      summary.since = *options.changed_since;
    }
  }
  if (options.sample_rows == 0) EstimateRows(plan, source, progress);

  RejectWriter rejects(options.rejects_file, names);
  SnapshotReaders readers(source, options.read_partitions);
  // Without a job's units, each table is split into one unit per reader (a sample: one unit).
  std::optional<UnitLedger> own_units;
  if (!options.units) {
    UnitSizing sizing;
    sizing.units = options.sample_rows > 0 ? 1 : static_cast<size_t>(std::max(1, options.read_partitions));
    Result<std::vector<WorkUnit>> planned = PlanWorkUnits(plan, source, sizing);
    if (!planned.ok()) {
      (void)source.EndSnapshot();
      summary.failure = planned.status();
      summary.collections = progress.Read();
      return summary;
    }
    own_units.emplace(std::move(planned).value());
  }
  UnitLedger& units = options.units ? *options.units : *own_units;
  Status failure;
  for (size_t i = 0; i < plan.collections.size(); ++i) {
    LiveCollectionCounters& counters = progress.at(i);
    counters.started_ns = progress.ElapsedNanos();
    counters.state = CollectionState::kRunning;
    const CollectionChanges* changed = nullptr;
    if (changes && options.changed_since) {
      auto found = changes->collections.find(plan.collections[i].name);
      if (found != changes->collections.end()) changed = &found->second;
    }
    IncrementalAccount account{plan.collections[i].name};
    CollectionSetupContext setup{sink, source, options.schema_dir,
                                 options.drop || plan.collections[i].drop || plan.collections[i].swap, &summary};
    if (options.finish_collections) failure = InstallCollectionValidator(plan.collections[i], setup);
    if (failure.ok())
      failure = RunCollection(plan.collections[i], source, readers, sink, options, units, options.units != nullptr,
                              rejects, counters, changed, &account);
    if (changed) summary.changes.push_back(account);
    if (failure.ok() && options.finish_collections) failure = CreateCollectionIndexes(plan.collections[i], setup);
    // What the readers decoded not as declared while this collection ran (its root and embedded tables).
    std::vector<ValueWarning> noted = source.TakeWarnings();
    for (const auto& reader : readers.Opened()) MergeWarnings(reader->TakeWarnings(), &noted);
    for (auto& warning : noted) {
      warning.collection = plan.collections[i].name;
      counters.warnings += warning.count;
    }
    MergeWarnings(std::move(noted), &summary.warnings);
    counters.finished_ns = progress.ElapsedNanos();
    // The estimate was for the whole table; now the real count is known.
    if (failure.ok()) counters.estimated_rows = static_cast<int64_t>(counters.rows_read.load());
    counters.state = failure.ok() ? CollectionState::kDone : CollectionState::kFailed;
    if (!failure.ok()) break;
  }
  readers.Close();  // their snapshots end before the source's
  Status ended = source.EndSnapshot();
  if (failure.ok()) failure = ended;
  Status finished = sink.Finish();
  if (failure.ok()) failure = finished;
  // Only a whole run replaces live collections: a failed one leaves them as they were.
  if (failure.ok() && options.before_publish) failure = options.before_publish(progress.Read());
  if (failure.ok()) failure = sink.Publish();
  summary.collections = progress.Read();
  summary.seconds = progress.ElapsedSeconds();
  summary.rejects_files = rejects.files();
  if (rejects.count() > 0) summary.rejects_path = rejects.path();
  summary.failure = failure;
  return summary;
}

}  // namespace sql2mongo
