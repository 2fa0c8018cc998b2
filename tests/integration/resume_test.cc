// Scheduled imports survive being killed: the tool is killed with SIGKILL at five points (chosen by time
// and by documents written) and resumed each time with --resume; the target then holds exactly what one
// clean run writes, document by document, with no _id missing or twice. And two runs of one job never
// overlap: the second exits 75 naming the holder of the lease.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

constexpr int kCustomers = 24000;
constexpr int kOrdersPerCustomer = 4;
constexpr int kEvents = 12000;

// Customers with embedded orders (integer key, an array embed and so an orphan scan), and events keyed
// by (region text, seq integer): a composite key whose units and checkpoints are typed text + integer.
std::string ResumeDatabase() {
  static const std::string path = MakeSqliteDatabase(
      "resume.db",
      "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);"
      "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), total REAL, "
      "placed TEXT);"
      "CREATE TABLE event (region TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT, PRIMARY KEY (region, seq));"
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " + std::to_string(kCustomers) +
      ") INSERT INTO customer SELECT x, 'customer ' || x, 'city ' || (x % 97) FROM n;"
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " +
      std::to_string(kCustomers * kOrdersPerCustomer) +
      ") INSERT INTO orders SELECT x, ((x * 7919) % " + std::to_string(kCustomers) +
      ") + 1, (x % 1000) / 4.0, '2026-11-' || printf('%02d', x % 28 + 1) FROM n;"
      // an orphan: its customer does not exist, so the orphan unit has a reject to write each full run
      "INSERT INTO orders VALUES (" + std::to_string(kCustomers * kOrdersPerCustomer + 1) + ", 999999, 1.0, '2026-11-30');"
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " + std::to_string(kEvents) +
      ") INSERT INTO event SELECT char(65 + x % 5) || '-region', x, 'payload ' || x FROM n;");
  return path;
}

std::string ResumeMapping(const std::string& tag, const std::string& target) {
  return WriteTempFile(tag + ".json", R"({
    "source": "sqlite:)" + ResumeDatabase() + R"(",
    "target": ")" + target + R"(",
    "collections": {
      "customers": {"from": "customer",
                    "embed": {"orders": {"from": "orders", "as": "array", "order_by": "id"}}},
      "events": {"from": "event", "_id": {"region": "region", "seq": "seq"}}
    }
  })");
}

// Every document of a collection by its _id's JSON: the whole document as JSON.
std::map<std::string, std::string> DocumentsById(const std::string& database, const std::string& collection) {
  std::map<std::string, std::string> documents;
  for (const auto& doc : FindDocuments(database, collection)) {
    bson_iter_t id;
    EXPECT_TRUE(bson_iter_init_find(&id, doc.get(), "_id"));
    ScopedBson key;
    bson_append_iter(key.get(), "_id", -1, &id);
    bool fresh = documents.emplace(Json(key.get()), Json(doc.get())).second;
    EXPECT_TRUE(fresh) << "two documents with " << Json(key.get()) << " in " << collection;
  }
  return documents;
}

void ExpectSameDocuments(const std::string& expected_database, const std::string& database,
                         const std::string& collection, size_t expected_count) {
  std::map<std::string, std::string> expected = DocumentsById(expected_database, collection);
  std::map<std::string, std::string> found = DocumentsById(database, collection);
  ASSERT_EQ(expected.size(), expected_count) << collection;
  EXPECT_EQ(found.size(), expected.size()) << collection;
  size_t differences = 0;
  for (const auto& [id, doc] : expected) {
    auto it = found.find(id);
    if (it == found.end()) {
      if (++differences <= 5) ADD_FAILURE() << collection << ": missing " << id;
    } else if (it->second != doc) {
      if (++differences <= 5) ADD_FAILURE() << collection << ": " << id << " differs:\n" << it->second << "\nexpected\n" << doc;
    }
  }
  EXPECT_EQ(differences, 0u) << collection;
}

int64_t Written(const std::string& database) {
  return CountDocuments(database, "customers") + CountDocuments(database, "events");
}

class Resume : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("resume");
    clean_database_ = UniqueDatabase("resume_clean");
  }
  void TearDown() override {
    if (!database_.empty()) {
      DropDatabase(database_);
      DropDatabase(clean_database_);
    }
    TargetTest::TearDown();
  }
  std::string Target(const std::string& database) const { return TargetBaseUri() + "/" + database; }
  std::string database_, clean_database_;
};

// Documents the running tool says it has written, from its JSON progress lines (the latest line of
// each collection): cheap to follow, unlike counting a FerretDB collection while it is being written.
int64_t WrittenByRun(const std::string& output_file) {
  std::map<std::string, int64_t> latest;
  std::string text = ReadWholeFile(output_file);
  std::regex line(R"re("collection":"([^"]+)".*?"documents_written":(\d+))re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it)
    latest[(*it)[1].str()] = std::stoll((*it)[2].str());
  int64_t total = 0;
  for (const auto& [collection, written] : latest) total += written;
  return total;
}

// A kill point: after `after_ms` from the start, or once the run has written `documents` documents.
struct KillPoint {
  int after_ms = 0;
  int64_t documents = 0;
};

TEST_P(Resume, KilledFiveTimesAndResumedEachTimeEqualsOneCleanRun) {
  std::string mapping = ResumeMapping("resume-" + server().name, Target(database_));
  std::string arguments = "run " + ShellQuote(mapping) + " --resume --units 6 --batch-size 200";
  std::string watched = arguments + " --progress json --progress-interval 0.1";
  std::string output = WriteTempFile("resume-" + server().name + ".out", "");
  // Time points after the 2 s checkpoint interval, so some checkpoints were saved before the kill; each
  // run must still be killed before it finishes.
  const std::vector<KillPoint> points = {{0, 1500}, {2500, 0}, {0, 3000}, {1500, 0}, {0, 4000}};
  int kills = 0;
  for (const KillPoint& point : points) {
    // Emptied here, not only by the child's shell: the first polls must not read the last run's lines.
    std::ofstream(output, std::ios::trunc).flush();
    int pid = StartCli(watched, output);
    ASSERT_GT(pid, 0);
    auto started = std::chrono::steady_clock::now();
    bool reached = false;
    bool exited = false;
    int status = 0;
    while (!reached && !exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(point.after_ms ? 20 : 5));
      if (point.after_ms)
        reached = std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(point.after_ms);
      else
        reached = WrittenByRun(output) >= point.documents;
      exited = waitpid(pid, &status, WNOHANG) == pid;  // finished on its own: the kill point came too late
      if (std::chrono::steady_clock::now() - started > std::chrono::seconds(120)) break;
    }
    ASSERT_FALSE(exited) << "the run ended before kill point " << kills + 1 << " ("
                         << (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                               : "signal " + std::to_string(WTERMSIG(status)))
                         << "):\n" << ReadWholeFile(output);
    kill(pid, SIGKILL);
    CommandResult killed = WaitCli(pid, output);
    // -1: the signal ended it, in the middle of its work (it had not finished on its own).
    ASSERT_EQ(killed.exit_code, -1) << "the run finished before kill point " << kills + 1 << ":\n" << killed.output;
    ++kills;
    if (kills > 1)
      EXPECT_NE(killed.output.find("resuming run"), std::string::npos) << killed.output;
  }
  EXPECT_EQ(kills, 5);
  int64_t before_last = Written(database_);
  EXPECT_LT(before_last, kCustomers + kEvents) << "the kills left nothing to resume";

  std::string rejects = std::filesystem::path(output).parent_path() / ("rejects-" + server().name);
  CommandResult finished = RunCli(arguments + " --progress none --rejects " + ShellQuote(rejects));
  // 3 when the orphan order's unit was left to this run (it is a reject), else 0.
  ASSERT_TRUE(finished.exit_code == 0 || finished.exit_code == 3) << finished.output;
  EXPECT_NE(finished.output.find("resuming run"), std::string::npos) << finished.output;
  // A document the killed run wrote after its last saved checkpoint is written again as the same bytes:
  // it counts as written, never as a duplicate reject.
  EXPECT_EQ(finished.output.find("duplicate key"), std::string::npos) << finished.output;
  std::string customer_rejects = ReadWholeFile(rejects + "/customers.jsonl");
  EXPECT_EQ(customer_rejects.find("duplicate"), std::string::npos) << customer_rejects;
  EXPECT_TRUE(ReadWholeFile(rejects + "/events.jsonl").empty());
  EXPECT_NE(finished.output.find("took over the lease"), std::string::npos) << finished.output;

  // The resumed runs read the customers' orders from merge streams opened after each checkpoint; the
  // clean run fetches them by key lists, the strategy that needs no key order.
  EXPECT_TRUE(std::regex_search(finished.output, std::regex(R"(customers: 1:N embeds fetched .* taken from merge streams [1-9])")))
      << finished.output;
  CommandResult clean = RunCli("run " + ShellQuote(ResumeMapping("clean-" + server().name, Target(clean_database_))) +
                               " --progress none --embed-fetch list");
  ASSERT_EQ(clean.exit_code, 3) << clean.output;
  ExpectSameDocuments(clean_database_, database_, "customers", kCustomers);
  ExpectSameDocuments(clean_database_, database_, "events", kEvents);

  // The job's record says the run succeeded, and its lease is free.
  auto job = FindDocuments(database_, "_sql2mongo", "{\"type\": \"job\"}");
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(Utf8(job[0].get(), "state"), "succeeded");
  EXPECT_TRUE(FindDocuments(database_, "_sql2mongo", "{\"type\": \"lease\"}").empty());
  auto units = FindDocuments(database_, "_sql2mongo", "{\"type\": \"unit\", \"done\": false}");
  EXPECT_TRUE(units.empty()) << Json(units[0].get());
}

TEST_P(Resume, ASecondRunOfTheSameJobExits75WhileTheFirstHoldsTheLease) {
  std::string mapping = ResumeMapping("lease-" + server().name, Target(database_));
  std::string output = WriteTempFile("lease-" + server().name + ".out", "");
  int first = StartCli("run " + ShellQuote(mapping) + " --batch-size 100 --writers 1 --progress none", output);
  ASSERT_GT(first, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Written(database_) < 500 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CommandResult second = RunCli("run " + ShellQuote(mapping) + " --progress none");
  EXPECT_EQ(second.exit_code, 75) << second.output;
  EXPECT_NE(second.output.find("another run holds the lease since"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("pid " + std::to_string(first)), std::string::npos) << second.output;
  CommandResult done = WaitCli(first, output);
  EXPECT_EQ(done.exit_code, 3) << done.output;
  // The second run wrote nothing: every document is the first run's, once.
  EXPECT_EQ(CountDocuments(database_, "customers"), kCustomers);
  EXPECT_EQ(CountDocuments(database_, "events"), kEvents);
}

TEST_P(Resume, ALeaseOfAnotherHostIsWaitedForUntilItExpires) {
  std::string mapping = ResumeMapping("expiry-" + server().name, Target(database_));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  std::string job = std::filesystem::path(mapping).stem().string();
  InsertDocument(database_, "_sql2mongo",
                 R"({"_id": "lease:)" + job + R"(", "type": "lease", "run_id": "elsewhere-1", "host": "another-host",
                    "pid": 1, "since": {"$date": )" + std::to_string(now_ms - 5000) +
                     R"(}, "expires": {"$date": )" + std::to_string(now_ms + 600000) + "}}");
  CommandResult refused = RunCli("run " + ShellQuote(mapping) + " --progress none");
  EXPECT_EQ(refused.exit_code, 75) << refused.output;
  EXPECT_NE(refused.output.find("another-host pid 1, run elsewhere-1"), std::string::npos) << refused.output;
  EXPECT_EQ(CountDocuments(database_, "customers"), 0);

  // The same lease, expired: taken over, and the run goes.
  DropDatabase(database_);
  InsertDocument(database_, "_sql2mongo",
                 R"({"_id": "lease:)" + job + R"(", "type": "lease", "run_id": "elsewhere-1", "host": "another-host",
                    "pid": 1, "since": {"$date": )" + std::to_string(now_ms - 600000) +
                     R"(}, "expires": {"$date": )" + std::to_string(now_ms - 1000) + "}}");
  CommandResult taken = RunCli("run " + ShellQuote(mapping) + " --progress none");
  EXPECT_EQ(taken.exit_code, 3) << taken.output;
  EXPECT_NE(taken.output.find("took over the lease of run elsewhere-1 (another-host pid 1): it expired"),
            std::string::npos) << taken.output;
  EXPECT_EQ(CountDocuments(database_, "customers"), kCustomers);
}

TEST_P(Resume, AResumeWithAChangedMappingIsRefused) {
  std::string mapping = ResumeMapping("changed-" + server().name, Target(database_));
  std::string output = WriteTempFile("changed-" + server().name + ".out", "");
  int pid = StartCli("run " + ShellQuote(mapping) + " --batch-size 100 --writers 1 --progress none", output);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Written(database_) < 500 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, SIGKILL);
  ASSERT_EQ(WaitCli(pid, output).exit_code, -1);
  // The same file, now with one more field: its documents would not match those already written.
  std::string text = ReadWholeFile(mapping);
  text.replace(text.find(R"("from": "customer",)"), 19, R"("from": "customer", "fields": {"name": "name"},)");
  std::ofstream(mapping) << text;
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --resume --progress none");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the mapping changed since run"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Run without --resume to start again"), std::string::npos) << r.output;
}

S2M_ON_EVERY_TARGET(Resume);

}  // namespace
}  // namespace sql2mongo::testing
