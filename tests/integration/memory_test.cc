// Memory stays bounded by the batch settings, not by the table: a table many times larger than the
// run's buffers is migrated with a peak RSS far below its size (measured on the real CLI process).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

// Runs the CLI in a child process and returns its peak resident set size in MB.
double PeakRssOfRun(const std::vector<std::string>& arguments, int* exit_code) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = std::getenv("S2M_BINARY") ? std::getenv("S2M_BINARY") : S2M_DEFAULT_BINARY;
    argv.push_back(binary.data());
    for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    freopen("/dev/null", "w", stdout);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KB on Linux
}

TEST(Memory, PeakRssStaysFarBelowTheTableSize) {
  // 120 000 rows of 2 KB (about 240 MB of row data), each with 3 child rows of 200 bytes.
  std::string db = MakeSqliteDatabase("memory.db", R"(
    CREATE TABLE parent (id INTEGER PRIMARY KEY, payload BLOB);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), note BLOB);
    WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 120000)
      INSERT INTO parent SELECT x, randomblob(2000) FROM seq;
    WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 360000)
      INSERT INTO child SELECT x, (x + 2) / 3, randomblob(200) FROM seq;
    CREATE INDEX child_parent ON child(parent_id);
  )");
  std::string mapping = WriteTempFile("memory.json", R"({"collections": {"parents": {"from": "parent",
      "embed": {"children": {"from": "child", "as": "array"}}}}})");
  int exit_code = -1;
  double peak_mb = PeakRssOfRun({"run", mapping, "--source", "sqlite:" + db, "--target", "null:", "--batch-size", "200",
                                 "--rejects", WriteTempFile("memory.rejects.jsonl", "")},
                                &exit_code);
  ASSERT_EQ(exit_code, 0);
  double table_mb = 120000 * 2000 / 1e6 + 360000 * 200 / 1e6;
  // 200-row batches, a few in flight, each row and its document held at most twice: a few MB of data
  // plus the process's own ~20-40 MB. The bound leaves room for allocator slack, not for the table.
  EXPECT_LT(peak_mb, 60.0) << "peak RSS " << peak_mb << " MB for " << table_mb << " MB of rows";
  std::cout << "peak RSS " << peak_mb << " MB while migrating " << table_mb << " MB of rows\n";
}

}  // namespace
}  // namespace sql2mongo::testing
