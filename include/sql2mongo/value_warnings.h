// Values that arrived, but not as their column declares (text in a DATETIME column kept as a string, a
// MySQL zero date stored as null, JSON that did not parse kept as text): not errors, since the value is
// stored, but the classic surprise after a migration (a field whose type differs between documents).
// Connectors count them per column while they decode; a run lists them in its summary and report.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace sql2mongo {

struct ValueWarning {
  std::string collection;  // set by the run: the collection being built when the values were read
  std::string table;
  std::string column;
  std::string what;   // "values are not dates, kept as strings"
  uint64_t count = 0;
  std::vector<std::string> examples;  // the first few values, as the source gave them
};

// Thread-safe: the readers of one source may share one.
class ValueWarnings {
 public:
  static constexpr size_t kExamples = 3;

  void Add(const std::string& table, const std::string& column, const char* what, std::string_view example) {
    std::lock_guard<std::mutex> lock(mutex_);
    ValueWarning& warning = warnings_[std::make_tuple(table, column, std::string(what))];
    if (warning.count++ == 0) {
      warning.table = table;
      warning.column = column;
      warning.what = what;
    }
    if (warning.examples.size() < kExamples) warning.examples.emplace_back(example.substr(0, 80));
  }

  // What was counted since the last call, and forgets it.
  std::vector<ValueWarning> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<ValueWarning> taken;
    for (auto& [key, warning] : warnings_) taken.push_back(std::move(warning));
    warnings_.clear();
    return taken;
  }

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, ValueWarning> warnings_;
};

// Adds `more` into `into`, merging the same (table, column, what).
void MergeWarnings(std::vector<ValueWarning> more, std::vector<ValueWarning>* into);

}  // namespace sql2mongo
