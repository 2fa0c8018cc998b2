#include "sink/file/file_sinks.h"

namespace sql2mongo {
namespace {

class NullSink : public Sink {
 public:
  std::string DisplayName() const override { return "null: (documents built, then discarded)"; }
  Status Prepare(const std::vector<CollectionSetup>&) override { return Status::Ok(); }
  // Every mode ends the same here: nothing is kept to insert into, replace or merge with.
  Result<WriteOutcome> Write(const std::string&, const std::vector<BsonPtr>& documents, const WriteMode&) override {
    WriteOutcome outcome;
    outcome.written = documents.size();
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Sink> OpenNullSink() { return std::make_unique<NullSink>(); }

}  // namespace sql2mongo
