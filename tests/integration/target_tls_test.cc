// Secure connections to the target, against FerretDB's TLS listener (scripts/services starts it with
// the test CA and certificates of scripts/tls-certs): the URI options users pass to mongosh and
// mongoimport work as they are, and every failure says TLS (or SRV) and names the URI without its
// password, within seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

class TargetTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_uri_ = Env("S2M_TEST_FERRETDB_TLS_URI");
    tls_dir_ = Env("S2M_TEST_TLS_DIR");
    if (tls_uri_.empty() || tls_dir_.empty())
      GTEST_SKIP() << "FerretDB's TLS listener is not available: "
                   << (Env("S2M_TEST_FERRETDB_UNAVAILABLE").empty() ? "S2M_TEST_FERRETDB_TLS_URI or S2M_TEST_TLS_DIR unset"
                                                                    : Env("S2M_TEST_FERRETDB_UNAVAILABLE"));
    database_ = UniqueDatabase("tls");
    mapping_ = WriteTempFile("tls.json", "{ \"source\": \"sqlite:" + ChinookSqlitePath() +
                                             "\", \"collections\": { \"artists\": { \"from\": \"Artist\" } } }");
  }

  // Runs the mapping into `target` and returns the result and how long it took.
  CommandResult Run(const std::string& target, double* seconds) {
    auto start = std::chrono::steady_clock::now();
    CommandResult r = RunCli("run " + ShellQuote(mapping_) + " --drop --target " + ShellQuote(target) +
                             " --rejects " + ShellQuote(WriteTempFile("tls.rejects.jsonl", "")));
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  std::string tls_uri_, tls_dir_, database_, mapping_;
};

TEST_F(TargetTlsTest, CaFileAndClientCertificateFromTheUriWriteOverTls) {
  std::string target = tls_uri_ + "/" + database_ + "?tls=true&tlsCAFile=" + tls_dir_ + "/ca.pem" +
                       "&tlsCertificateKeyFile=" + tls_dir_ + "/client.pem";
  double seconds;
  CommandResult r = Run(target, &seconds);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Certificate paths are not secrets: the log names them as given.
  EXPECT_NE(r.output.find("tlsCAFile=" + tls_dir_ + "/ca.pem"), std::string::npos) << r.output;
  // Read back through the TLS listener too, with libmongoc's own TLS client.
  std::string database = database_;
  const char* previous = std::getenv("S2M_TEST_FERRETDB_URI");
  ASSERT_NE(previous, nullptr);
  auto docs = [&] {
    // The plain and the TLS listener serve the same data: check it arrived, field by field.
    return FindDocumentsAt(std::string(previous), database, "artists", "{\"_id\": 1}");
  }();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(Utf8(docs[0].get(), "Name"), "AC/DC");
  EXPECT_EQ(CountDocumentsAt(tls_uri_ + "/?tls=true&tlsCAFile=" + tls_dir_ + "/ca.pem&tlsCertificateKeyFile=" +
                                 tls_dir_ + "/client.pem",
                             database, "artists"),
            275);
  DropDatabaseAt(std::string(previous), database);
}

TEST_F(TargetTlsTest, TheWrongCaFailsWithinSecondsSayingTlsWithoutThePassword) {
  std::string target = "mongodb://alice:s3cr3t@" + tls_uri_.substr(std::string("mongodb://").size()) + "/" +
                       database_ + "?tls=true&tlsCAFile=" + tls_dir_ + "/other-ca.pem";
  double seconds;
  CommandResult r = Run(target, &seconds);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_LT(seconds, 15.0);
  EXPECT_NE(r.output.find("TLS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("alice:***@"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tlsCAFile"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t"), std::string::npos) << r.output;
}

TEST_F(TargetTlsTest, WithoutTheClientCertificateTheServerRefusesAndTheMessageSaysTls) {
  double seconds;
  CommandResult r = Run(tls_uri_ + "/" + database_ + "?tls=true&tlsCAFile=" + tls_dir_ + "/ca.pem", &seconds);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_LT(seconds, 15.0);
  EXPECT_NE(r.output.find("TLS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tlsCertificateKeyFile"), std::string::npos) << r.output;
}

TEST_F(TargetTlsTest, APlainClientAgainstTheTlsPortFailsWithinSecondsSayingTls) {
  double seconds;
  CommandResult r = Run(tls_uri_ + "/" + database_, &seconds);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_LT(seconds, 15.0);
  EXPECT_NE(r.output.find("does not answer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expects TLS, add tls=true"), std::string::npos) << r.output;
}

TEST_F(TargetTlsTest, SrvUrisReachTheDriverAndTheFailureNamesTheSrvLookup) {
  double seconds;
  // No DNS here: the lookup of _mongodb._tcp.cluster0.example.invalid fails, and the message says so.
  CommandResult r = Run("mongodb+srv://bob:pa55@cluster0.example.invalid/" + database_, &seconds);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_LT(seconds, 30.0);
  EXPECT_NE(r.output.find("SRV record could not be looked up (DNS); check the host name"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("mongodb+srv://bob:***@cluster0.example.invalid"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("pa55"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sql2mongo::testing
