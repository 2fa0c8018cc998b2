// Transient target faults during a run: the connections cut for a few seconds (both servers, through a
// proxy), and the FerretDB process killed with SIGKILL and started again on the same port and data.
// The run rides them out and every document arrives exactly once, with its content.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <regex>
#include <thread>

#include "support/cuttable_proxy.h"
#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

constexpr int kRows = 30000;

std::string RowsDatabase() {
  return MakeSqliteDatabase("retry.db",
                            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);"
                            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " +
                                std::to_string(kRows) + ") INSERT INTO t SELECT x, 'name ' || x, x % 7 FROM n;");
}

std::string RowsMapping(const std::string& tag, const std::string& target) {
  return WriteTempFile(tag + ".json", "{\"source\": \"sqlite:" + RowsDatabase() + "\", \"target\": \"" + target +
                                          "\", \"collections\": {\"rows\": {\"from\": \"t\"}}}");
}

// Waits until `count()` passes `at_least` (the run is well under way), at most 60 s.
template <typename Count>
bool WaitForDocuments(Count count, int64_t at_least) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (count() >= at_least) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Every row is there once, with its own values (a resent batch must leave one copy, not two or none).
void ExpectEveryRowOnce(const std::string& uri, const std::string& database) {
  EXPECT_EQ(CountDocumentsAt(uri, database, "rows"), kRows);
  for (int id : {1, 2, kRows / 3, kRows / 2, kRows - 1, kRows}) {
    auto docs = FindDocumentsAt(uri, database, "rows", "{\"_id\": " + std::to_string(id) + "}");
    ASSERT_EQ(docs.size(), 1u) << id;
    EXPECT_EQ(Utf8(docs[0].get(), "name"), "name " + std::to_string(id));
    EXPECT_EQ(Integer(docs[0].get(), "qty"), id % 7);
  }
}

class Retry : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("retry");
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  std::string database_;
};

TEST_P(Retry, AnOutageShorterThanRetryForIsRiddenOutAndEveryDocumentLandsOnce) {
  int port = std::stoi(TargetBaseUri().substr(TargetBaseUri().rfind(':') + 1));
  CuttableProxy proxy(port);
  std::string through_proxy = "mongodb://127.0.0.1:" + std::to_string(proxy.port()) + "/" + database_ +
                              "?serverSelectionTimeoutMS=1000&socketTimeoutMS=2000&connectTimeoutMS=1000";
  std::string mapping = RowsMapping("outage-" + server().name, through_proxy);
  auto run = std::async(std::launch::async, [&] {
    return RunCli("run " + ShellQuote(mapping) + " --batch-size 200 --threads 1 --retry-for 60 "
                  "--progress plain --progress-interval 0.5");
  });
  ASSERT_TRUE(WaitForDocuments([&] { return CountDocuments(database_, "rows"); }, 3000));
  proxy.Cut();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  proxy.Resume();
  CommandResult r = run.get();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("target unreachable, retrying (attempt 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("answers again: collection 'rows' resumed after"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK: every row read is written: 30000 documents"), std::string::npos) << r.output;
  ExpectEveryRowOnce(TargetBaseUri(), database_);
}

TEST_P(Retry, AnOutageLongerThanRetryForFailsTheRunNamingHowLongItTried) {
  int port = std::stoi(TargetBaseUri().substr(TargetBaseUri().rfind(':') + 1));
  CuttableProxy proxy(port);
  std::string through_proxy = "mongodb://127.0.0.1:" + std::to_string(proxy.port()) + "/" + database_ +
                              "?serverSelectionTimeoutMS=500&socketTimeoutMS=2000&connectTimeoutMS=500";
  std::string mapping = RowsMapping("long-outage-" + server().name, through_proxy);
  auto run = std::async(std::launch::async, [&] {
    return RunCli("run " + ShellQuote(mapping) + " --batch-size 200 --threads 1 --retry-for 2");
  });
  ASSERT_TRUE(WaitForDocuments([&] { return CountDocuments(database_, "rows"); }, 1000));
  proxy.Cut();
  CommandResult r = run.get();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  // At least the budget, and about it: the last attempt's server selection may add its timeout.
  std::smatch tried;
  ASSERT_TRUE(std::regex_search(r.output, tried, std::regex(R"(\(retried for (\d+) s, --retry-for 2\))"))) << r.output;
  EXPECT_GE(std::stoi(tried[1].str()), 2);
  EXPECT_LE(std::stoi(tried[1].str()), 5);
  EXPECT_NE(r.output.find("FAILED: "), std::string::npos) << r.output;
}

S2M_ON_EVERY_TARGET(Retry);

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// A FerretDB of this test's own (the shared one serves other tests meanwhile), on `port` with its data
// in `dir`: started, killed with SIGKILL, started again on the same port and data.
class OwnFerretDb {
 public:
  OwnFerretDb(std::string binary, std::string dir, int port) : binary_(std::move(binary)), dir_(std::move(dir)), port_(port) {}
  ~OwnFerretDb() { Kill(); }
  bool Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string sqlite_url = "--sqlite-url=file:" + dir_ + "/";
      std::string state = "--state-dir=" + dir_;
      std::string listen = "--listen-addr=127.0.0.1:" + std::to_string(port_);
      std::string log = dir_ + "/ferretdb.log";
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      execl(binary_.c_str(), binary_.c_str(), "--handler=sqlite", sqlite_url.c_str(), state.c_str(), listen.c_str(),
            "--telemetry=disable", "--debug-addr=-", "--log-level=warn", static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(static_cast<uint16_t>(port_));
      bool open = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
      close(fd);
      if (open) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string uri() const { return "mongodb://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string binary_, dir_;
  int port_;
  pid_t pid_ = -1;
};

TEST(RetryFerretDb, KilledWithSigkillAndStartedAgainTheRunCompletesWithEveryDocumentOnce) {
  std::string binary = Env("S2M_TEST_FERRETDB_BINARY");
  if (!Env("S2M_TEST_FERRETDB_UNAVAILABLE").empty()) GTEST_SKIP() << Env("S2M_TEST_FERRETDB_UNAVAILABLE");
  if (binary.empty() || !std::filesystem::exists(binary))
    GTEST_SKIP() << "S2M_TEST_FERRETDB_BINARY is not set (scripts/test sets it)";
  std::string dir = WriteTempFile("own-ferretdb", "");
  std::filesystem::remove(dir);
  std::filesystem::create_directories(dir);
  OwnFerretDb server(binary, dir, FreePort());
  ASSERT_TRUE(server.Start()) << "FerretDB did not start; see " << dir << "/ferretdb.log";
  std::string mapping = RowsMapping("sigkill", server.uri() + "/killed?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000");
  auto run = std::async(std::launch::async, [&] {
    return RunCli("run " + ShellQuote(mapping) + " --batch-size 200 --threads 1 --retry-for 60");
  });
  ASSERT_TRUE(WaitForDocuments([&] { return CountDocumentsAt(server.uri(), "killed", "rows"); }, 3000));
  server.Kill();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(server.Start()) << "FerretDB did not start again; see " << dir << "/ferretdb.log";
  CommandResult r = run.get();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("target unreachable, retrying"), std::string::npos) << r.output;
  ExpectEveryRowOnce(server.uri(), "killed");
}

}  // namespace
}  // namespace sql2mongo::testing
