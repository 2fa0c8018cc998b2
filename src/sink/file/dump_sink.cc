#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sink/file/file_sinks.h"
#include "sink/file/output_file.h"

namespace sql2mongo {
namespace {

class DumpSink : public Sink {
 public:
  DumpSink(std::string dir, std::string database) : dir_(std::move(dir)), database_(std::move(database)) {}

  std::string DisplayName() const override { return fmt::format("dump:{} (database {})", dir_, database_); }

  Status Prepare(const std::vector<std::string>& collections, bool) override {
    std::lock_guard<std::mutex> lock(files_.mutex());
    for (const auto& name : collections) {
      S2M_ASSIGN_OR_RETURN(FILE* data, files_.Open(Base(name) + ".bson"));
      (void)data;
      // What mongorestore reads to recreate the collection: no options, the default _id index.
      nlohmann::ordered_json metadata = {
          {"options", nlohmann::ordered_json::object()},
          {"indexes", {{{"v", 2}, {"key", {{"_id", 1}}}, {"name", "_id_"}}}},
          {"collectionName", name},
          {"type", "collection"}};
      std::string text = metadata.dump();
      std::string path = Base(name) + ".metadata.json";
      S2M_ASSIGN_OR_RETURN(FILE* file, files_.Open(path));
      S2M_RETURN_IF_ERROR(files_.Append(file, path, text.data(), text.size()));
    }
    return Status::Ok();
  }

  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents) override {
    std::string path = Base(collection) + ".bson";
    std::lock_guard<std::mutex> lock(files_.mutex());
    S2M_ASSIGN_OR_RETURN(FILE* file, files_.Open(path));
    for (const auto& doc : documents) S2M_RETURN_IF_ERROR(files_.Append(file, path, bson_get_data(doc.get()), doc->len));
    WriteOutcome outcome;
    outcome.written = documents.size();
    return outcome;
  }

  Status Finish() override {
    std::lock_guard<std::mutex> lock(files_.mutex());
    return files_.CloseAll();
  }

 private:
  std::string Base(const std::string& collection) const { return dir_ + "/" + database_ + "/" + collection; }

  std::string dir_;
  std::string database_;
  OutputFiles files_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenDumpSink(const std::string& dir, const std::string& database) {
  if (dir.empty()) return Status::Error(StatusCode::kUsage, "dump: needs a folder: dump:DIR");
  return std::unique_ptr<Sink>(std::make_unique<DumpSink>(dir, database));
}

}  // namespace sql2mongo
