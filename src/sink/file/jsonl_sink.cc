#include <fmt/format.h>

#include "common/relaxed_json.h"
#include "common/handles.h"
#include "sink/file/file_sinks.h"
#include "sink/file/output_file.h"

namespace sql2mongo {
namespace {

class JsonlSink : public Sink {
 public:
  JsonlSink(std::string path, bool canonical) : path_(std::move(path)), canonical_(canonical) {
    single_file_ = path_.ends_with(".jsonl") || path_.ends_with(".json");
  }

  std::string DisplayName() const override { return "jsonl:" + path_; }

  Status Prepare(const std::vector<CollectionSetup>& collections) override {
    S2M_RETURN_IF_ERROR(RefuseMergeIntoFiles(DisplayName(), collections));
    // Files are always replaced: appending to an earlier run's output would duplicate documents.
    for (const auto& c : collections) S2M_RETURN_IF_ERROR(files_.Create(PathFor(c.name)));
    return Status::Ok();
  }

  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                             const WriteMode&) override {
    std::string text;
    for (const auto& doc : documents) {
      std::string json;
      if (canonical_) {
        size_t length = 0;
        BsonString canonical(bson_as_canonical_extended_json(doc.get(), &length));
        if (canonical) json.assign(canonical.get(), length);
      } else {
        json = RelaxedJson(doc.get());  // doubles as mongoexport writes them: 0.99, not 0.98999999999999999112
      }
      if (json.empty())
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("jsonl:{}: a document of {} cannot be written as Extended JSON", path_, collection));
      text.append(json);
      text.push_back('\n');
    }
    S2M_RETURN_IF_ERROR(files_.Append(PathFor(collection), text.data(), text.size()));
    WriteOutcome outcome;
    outcome.written = documents.size();
    return outcome;
  }

  Status Finish() override { return files_.CloseAll(); }

 private:
  std::string PathFor(const std::string& collection) const {
    return single_file_ ? path_ : path_ + "/" + collection + ".jsonl";
  }

  std::string path_;
  bool canonical_;
  bool single_file_;
  OutputFiles files_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenJsonlSink(const std::string& path, bool canonical) {
  if (path.empty())
    return Status::Error(StatusCode::kUsage, "jsonl: needs a path: jsonl:out.jsonl (one file) or jsonl:DIR");
  return std::unique_ptr<Sink>(std::make_unique<JsonlSink>(path, canonical));
}

}  // namespace sql2mongo
