#include <fmt/format.h>

#include <map>
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
      // What mongorestore reads to recreate the collection: its options (a validator) and indexes, the
      // default _id one and those CreateIndexes adds; written at Finish.
      metadata_[name] = {{"options", nlohmann::ordered_json::object()},
                         {"indexes", {{{"v", 2}, {"key", {{"_id", 1}}}, {"name", "_id_"}}}},
                         {"collectionName", name},
                         {"type", "collection"}};
    }
    return Status::Ok();
  }

  // mongorestore creates them after loading the documents, as a run would.
  Result<std::vector<IndexOutcome>> CreateIndexes(const std::string& collection,
                                                  const std::vector<IndexSpec>& indexes) override {
    std::vector<IndexOutcome> outcomes;
    nlohmann::ordered_json& list = metadata_.at(collection)["indexes"];
    for (const IndexSpec& index : indexes) {
      nlohmann::ordered_json spec = {{"v", 2}, {"key", nlohmann::ordered_json::object()}, {"name", index.name}};
      for (const auto& [path, kind] : index.keys)
        spec["key"][path] = kind == "1" || kind == "-1" ? nlohmann::ordered_json(std::stoi(kind)) : nlohmann::ordered_json(kind);
      if (index.unique) spec["unique"] = true;
      if (index.sparse) spec["sparse"] = true;
      if (index.ttl_seconds) spec["expireAfterSeconds"] = *index.ttl_seconds;
      if (!index.partial_json.empty()) spec["partialFilterExpression"] = nlohmann::ordered_json::parse(index.partial_json);
      if (!index.collation_json.empty()) spec["collation"] = nlohmann::ordered_json::parse(index.collation_json);
      list.push_back(std::move(spec));
      outcomes.push_back(IndexOutcome{collection, index.name, IndexOutcome::State::kCreated, ""});
    }
    return outcomes;
  }

  Status InstallValidator(const std::string& collection, const std::string& json_schema, Validation level) override {
    nlohmann::ordered_json& options = metadata_.at(collection)["options"];
    options["validator"] = {{"$jsonSchema", nlohmann::ordered_json::parse(json_schema)}};
    options["validationLevel"] = ValidationName(level);
    options["validationAction"] = "error";
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

  Status Finish() override {
    for (const auto& [name, metadata] : metadata_) {
      std::string text = metadata.dump();
      S2M_RETURN_IF_ERROR(files_.Append(Base(name) + ".metadata.json", text.data(), text.size()));
    }
    return files_.CloseAll();
  }

 private:
  std::string Base(const std::string& collection) const { return dir_ + "/" + database_ + "/" + collection; }

  std::string dir_;
  std::string database_;
  OutputFiles files_;
  std::map<std::string, nlohmann::ordered_json> metadata_;  // per collection, from Prepare (one thread)
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenDumpSink(const std::string& dir, const std::string& database) {
  if (dir.empty()) return Status::Error(StatusCode::kUsage, "dump: needs a folder: dump:DIR");
  return std::unique_ptr<Sink>(std::make_unique<DumpSink>(dir, database));
}

}  // namespace sql2mongo
