// Where documents go. The MongoDB sink bulk-inserts; file sinks (dump, jsonl, null) come later.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <vector>

#include "sql2mongo/status.h"

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
  std::vector<DocumentRefusal> refused;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string DisplayName() const = 0;  // password removed
  // Checks the target answers and readies the collections; drop=true replaces them.
  virtual Status Prepare(const std::vector<std::string>& collections, bool drop) = 0;
  // Writes the documents (not thread-safe). A document the server refuses is reported in the outcome;
  // a failed Status means the batch's fate is unknown (connection lost) and the run must stop.
  virtual Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents) = 0;
};

// "mongodb://..." (also mongodb+srv). Other schemes come with the file sinks.
Result<std::unique_ptr<Sink>> OpenSink(const std::string& uri);

}  // namespace sql2mongo
