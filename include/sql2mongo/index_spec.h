// What a collection gets once its documents are in: the mapping's indexes (and those its reference
// fields get by default) and its $jsonSchema validator. Read from the mapping (mapping.h), resolved
// against the documents' fields (plan.h), created by the sink after the load (sink.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sql2mongo {

struct IndexSpec {
  // (field path, kind) in index order; kind is "1", "-1", "text", "2dsphere" or "hashed".
  std::vector<std::pair<std::string, std::string>> keys;
  std::string name;  // empty until resolved: then the server's default name ("name_1_total_-1")
  bool unique = false;
  bool sparse = false;
  std::string partial_json;    // partialFilterExpression as JSON text, or empty
  std::optional<int32_t> ttl_seconds;  // expireAfterSeconds
  std::string collation_json;  // or empty
  bool for_reference = false;  // made for a "ref" field, not written in "indexes"
  std::string pointer;         // JSON pointer of the index in the mapping (of the field, for a reference)

  // MongoDB's default name: each key and its kind joined by '_' ({"name": 1, "total": -1} -> "name_1_total_-1").
  std::string DefaultName() const;
  // The options that are not the default, for messages and reports: "unique, ttl 3600".
  std::string DescribeOptions() const;
};

enum class Validation { kOff, kModerate, kStrict };
const char* ValidationName(Validation validation);  // "off", "moderate", "strict": MongoDB's validationLevel

// What became of one index of a run.
struct IndexOutcome {
  std::string collection;
  std::string name;
  enum class State { kCreated, kAlreadyThere, kRefused } state = State::kCreated;
  std::string reason;  // kRefused: the option the server refused, and its message
};

// What became of one collection's validator.
struct ValidatorOutcome {
  std::string collection;
  Validation level = Validation::kOff;
  bool installed = false;
  std::string reason;       // not installed: the server's refusal
  std::string schema_file;  // where the schema was written (always when not installed)
};

}  // namespace sql2mongo
