// Where documents go: the MongoDB sink bulk-inserts; the file sinks (dump, jsonl, null) write files.
#pragma once

#include <bson/bson.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sql2mongo/index_spec.h"
#include "sql2mongo/status.h"
#include "sql2mongo/target_info.h"
#include "sql2mongo/write_mode.h"

namespace sql2mongo {

struct BsonDeleter {
  void operator()(bson_t* doc) const { bson_destroy(doc); }
};
// A heap bson_t with one owner.
using BsonPtr = std::unique_ptr<bson_t, BsonDeleter>;

// A document the target refused, by its position in the batch given to Write.
struct DocumentRefusal {
  size_t index = 0;
  std::string reason;  // the server's message and code
};

struct WriteOutcome {
  size_t written = 0;
  // Of `written`: documents an upgrade found already at its version and left as they were.
  size_t already_current = 0;
  std::vector<DocumentRefusal> refused;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string DisplayName() const = 0;  // password removed
  // Who the target is and what it can store, learned when the sink was opened (the file sinks store
  // every value). A run checks its plan against it before the first write, and Write refuses, without
  // sending it, a document holding a value the target cannot store.
  virtual const TargetInfo& Target() const {
    static const TargetInfo kFiles{.product = "files", .support_source = "files hold every BSON value"};
    return kFiles;
  }
  // Which of `collections` already exist and hold documents: what a run without --drop would add to
  // (and, in insert mode, collide with). Reads only (check calls it); the file sinks have none.
  virtual Result<std::vector<std::string>> ExistingCollections(const std::vector<std::string>& collections) {
    return std::vector<std::string>{};
  }
  // Readies the collections for writing, before the first Write. A collection with
  // `replace_collection` is loaded aside and becomes the live one only at Publish. A sink refuses here,
  // before anything is written, a mode it cannot honour. The target was checked when the sink was
  // opened (reachable, identified), so a dry run never needs this.
  struct CollectionSetup {
    std::string name;
    WriteMode mode;
    bool replace_collection = false;  // --drop, "drop": true
    // --resume of a run that was loading into a staging collection: continue into it (the units'
    // checkpoints say what it holds) instead of loading it again. Refused when it is gone.
    bool resume_staging = false;
    // "cutover": "swap": at Publish the live documents are kept as a backup collection (see
    // collection_cutover.h), of which the newest `backups_kept` stay.
    bool keep_backup = false;
    int backups_kept = 1;
  };
  virtual Status Prepare(const std::vector<CollectionSetup>& collections) = 0;
  // Writes the documents as `mode` says; thread-safe (sinks serialize or pool internally). A document
  // the target refuses is reported in the outcome; a failed Status means the batch's fate is unknown
  // (connection lost) and the run must stop.
  virtual Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                                     const WriteMode& mode) = 0;
  // Incremental runs. Deletes the documents whose _id is one of `ids` (each a document {"_id": value});
  // returns how many were there. Thread-safe like Write. The file sinks keep no documents to delete.
  virtual Result<uint64_t> Delete(const std::string& collection, const std::vector<BsonPtr>& ids) {
    return Status::Error(StatusCode::kUnsupported, DisplayName() + " cannot delete documents");
  }
  // Passes the _ids of every document of `collection` to `visit`, `batch` at a time (each {"_id": value}),
  // any order; stops at the first failed visit. For "deletes": "detect".
  using IdBatchVisitor = std::function<Status(const std::vector<BsonPtr>& ids)>;
  virtual Status ForEachStoredId(const std::string& collection, size_t batch, const IdBatchVisitor& visit) {
    return Status::Error(StatusCode::kUnsupported, DisplayName() + " cannot list the documents it holds");
  }
  // After a collection's last Write, before Finish and Publish (so a --drop staging collection is indexed
  // before it replaces the live one): one createIndexes with all of `indexes`. An index of the same
  // name and spec already there is kAlreadyThere; one the server refuses for an option it lacks is
  // kRefused with the option named, and the others are still created. A failed Status (a unique index
  // the documents break, naming the first duplicate keys; a name already used with another spec) fails
  // the run. The dump sink keeps them in .metadata.json; null: and jsonl: ignore them (a debug line).
  virtual Result<std::vector<IndexOutcome>> CreateIndexes(const std::string& collection,
                                                          const std::vector<IndexSpec>& indexes);
  // Before the collection's first Write: installs `json_schema` (JSON text of a $jsonSchema) as its
  // validator at `level`, with validationAction error. kUnsupported: the target refuses validators (its message kept); the file
  // sinks but dump have none.
  virtual Status InstallValidator(const std::string& collection, const std::string& json_schema, Validation level);

  // Called once after the last Write: flushes and closes what the sink buffers. A failure here (a full
  // disk) means documents counted as written may not be there, and the run fails.
  virtual Status Finish() { return Status::Ok(); }
  // After Finish, and only when the whole run succeeded: the collections Prepare set aside
  // (replace_collection) replace the live ones. A run that fails never calls it, so the live
  // collections keep their old documents.
  virtual Status Publish() { return Status::Ok(); }
  // Where the documents of live `collection` are written until Publish: its staging collection, or
  // itself. For checking a collection loaded aside before it goes live.
  virtual std::string WrittenCollection(const std::string& collection) const { return collection; }

  // Where a sink says what it waits on ("target unreachable, retrying (attempt 3, 12 s)"), for the
  // progress display; an empty text clears it. Set before the first Write.
  using NoticeHandler = std::function<void(const std::string&)>;
  void SetNoticeHandler(NoticeHandler handler) { notice_ = std::move(handler); }

 protected:
  void Notice(const std::string& text) const {
    if (notice_) notice_(text);
  }

 private:
  NoticeHandler notice_;
};

struct SinkOptions {
  int writers = 2;  // concurrent bulk inserts into a MongoDB target
  // How long a MongoDB write keeps retrying a transient fault (connection lost, server unreachable, a
  // primary stepping down) before the run fails; 0: no retry.
  double retry_for_seconds = 120;
};

// "mongodb://HOST:PORT/DB" (also mongodb+srv), "null:" (build and discard: the pipeline's own capacity),
// "jsonl:PATH" (Extended JSON, one document a line: PATH.jsonl one file, else a folder with one file per
// collection; "?canonical" for canonical Extended JSON), "dump:DIR" (mongodump layout DIR/<db>/<coll>.bson
// + .metadata.json, for mongorestore; "?db=NAME", default "sql2mongo").
Result<std::unique_ptr<Sink>> OpenSink(const std::string& uri, const SinkOptions& options = {});

}  // namespace sql2mongo
