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

  Status Prepare(const std::vector<CollectionSetup>& collections) override {
    S2M_RETURN_IF_ERROR(RefuseMergeIntoFiles(DisplayName(), collections));
    for (const auto& c : collections) {
      const std::string& name = c.name;
      S2M_RETURN_IF_ERROR(files_.Create(Base(name) + ".bson"));
      // What mongorestore reads to recreate the collection: no options, the default _id index.
      nlohmann::ordered_json metadata = {
          {"options", nlohmann::ordered_json::object()},
          {"indexes", {{{"v", 2}, {"key", {{"_id", 1}}}, {"name", "_id_"}}}},
          {"collectionName", name},
          {"type", "collection"}};
      std::string text = metadata.dump();
      S2M_RETURN_IF_ERROR(files_.Append(Base(name) + ".metadata.json", text.data(), text.size()));
    }
    return Status::Ok();
  }

  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                             const WriteMode&) override {
    // Documents back to back, as mongodump writes them; one append per batch.
    std::string bytes;
    for (const auto& doc : documents) bytes.append(reinterpret_cast<const char*>(bson_get_data(doc.get())), doc->len);
    S2M_RETURN_IF_ERROR(files_.Append(Base(collection) + ".bson", bytes.data(), bytes.size()));
    WriteOutcome outcome;
    outcome.written = documents.size();
    return outcome;
  }

  Status Finish() override { return files_.CloseAll(); }

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
