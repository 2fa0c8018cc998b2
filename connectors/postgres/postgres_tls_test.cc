// The PostgreSQL connector over TLS, against the test server scripts/services starts with TLS on
// (scripts/services.d/postgres.sh) and the certificates of scripts/tls-certs: the server's certificate
// names DNS:localhost and IP:127.0.0.1 and is signed by ca.pem; other-ca.pem signed nothing here.
// libpq does the TLS: these tests check that the URI's ssl* options reach it as written, that a failed
// check is an error saying why, and that the option paths stay in messages while passwords do not.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "postgres/postgres_test_support.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::Env;
using testing::TlsDir;

using testing::ConnectAdmin;
using testing::Exec;
using testing::OpenPostgres;
using testing::PostgresOptions;
using testing::PostgresUri;
using testing::ReadAll;

// The test server's URI with `host` in place of its host and `query` appended: "?sslmode=...".
std::string UriWithHost(const std::string& host, const std::string& query) {
  std::string uri = PostgresUri();
  size_t at = uri.find('@');
  size_t colon = uri.find(':', at);
  return uri.substr(0, at + 1) + host + uri.substr(colon) + query;
}

// A copy of the client key only its owner may read: libpq refuses a key file others can read, and
// scripts/tls-certs leaves its files world-readable for the servers.
std::string PrivateClientKey() {
  std::string path = testing::WriteTempFile("client.key", "");
  std::filesystem::copy_file(TlsDir() + "/client.key", path, std::filesystem::copy_options::overwrite_existing);
  chmod(path.c_str(), 0600);
  return path;
}

class PostgresTls : public ::testing::Test {
 protected:
  void SetUp() override {
    S2M_REQUIRE_POSTGRES();
    if (!std::filesystem::exists(TlsDir() + "/ca.pem"))
      GTEST_SKIP() << TlsDir() << "/ca.pem is missing: run scripts/services start postgres (it runs scripts/tls-certs)";
  }
  std::string ca_ = TlsDir() + "/ca.pem";
  std::string other_ca_ = TlsDir() + "/other-ca.pem";
};

// Whether the server sees the session named `application_name` as TLS, and with which protocol:
// "t TLSv1.3", "f " (plain), or "" (no such session).
std::string ServerSideTls(const std::string& application_name) {
  PgConnection admin = ConnectAdmin(PostgresUri());
  PgResult result = Exec(admin.get(), "SELECT s.ssl, coalesce(s.version, '') FROM pg_stat_ssl s JOIN pg_stat_activity a "
                                      "USING (pid) WHERE a.application_name = '" + application_name + "'");
  if (PQntuples(result.get()) == 0) return "";
  return std::string(PQgetvalue(result.get(), 0, 0)) + " " + PQgetvalue(result.get(), 0, 1);
}

TEST_F(PostgresTls, VerifyFullWithTheRightCaReadsTheRealRowsOverTls) {
  // application_name in the URI overrides the connector's default, so the server can point at this
  // test's session among the others.
  std::string name = "s2m_tls_" + std::to_string(getpid());
  auto source = OpenPostgres(UriWithHost("localhost", "?sslmode=verify-full&sslrootcert=" + ca_ +
                                                          "&application_name=" + name));
  ASSERT_TRUE(source);
  ScanRequest request;
  request.table = "artist";
  request.columns = {"artist_id", "name"};
  request.order_by = {{"artist_id"}};
  RowBatch rows = ReadAll(*source, request, 100);
  ASSERT_EQ(rows.rows(), 275u);
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
  EXPECT_EQ(rows.at(0, 1), Value(std::string("AC/DC")));
  EXPECT_EQ(rows.at(274, 0), Value(int32_t{275}));
  EXPECT_EQ(rows.at(274, 1), Value(std::string("Philip Glass Ensemble")));
  // The pool keeps the idle connection open: the server says it is TLS.
  std::string tls = ServerSideTls(name);
  EXPECT_EQ(tls.substr(0, 5), "t TLS") << "pg_stat_ssl: '" << tls << "'";
}

TEST_F(PostgresTls, VerifyFullByIpAddressMatchesTheCertificatesIpName) {
  auto source = OpenPostgres(UriWithHost("127.0.0.1", "?sslmode=verify-full&sslrootcert=" + ca_));
  ASSERT_TRUE(source);
  ScanRequest request;
  request.table = "genre";
  request.columns = {"genre_id", "name"};
  request.order_by = {{"genre_id"}};
  RowBatch rows = ReadAll(*source, request, 100);
  ASSERT_EQ(rows.rows(), 25u);
  EXPECT_EQ(rows.at(0, 1), Value(std::string("Rock")));
}

TEST_F(PostgresTls, WrongCaFailsWithinSecondsSayingWhyAndNamingTheUriWithoutPasswords) {
  // A password in the URI too: SourceOptions' (right) one wins, and neither may appear.
  std::string key = PrivateClientKey();
  std::string uri = UriWithHost("localhost", "?sslmode=verify-full&sslrootcert=" + other_ca_ + "&sslcert=" +
                                                 TlsDir() + "/client.crt&sslkey=" + key);
  uri.replace(uri.find('@'), 1, ":uri-secret-9@");
  auto started = std::chrono::steady_clock::now();
  auto source = OpenSource(uri, PostgresOptions());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_FALSE(source.ok());
  EXPECT_LT(seconds, 5.0);
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  const std::string& message = source.status().message();
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
  // The redacted URI: host, database and every path as written; no password.
  EXPECT_NE(message.find("postgresql://sql2mongo:***@localhost:"), std::string::npos) << message;
  EXPECT_NE(message.find("sslrootcert=" + other_ca_), std::string::npos) << message;
  EXPECT_NE(message.find("sslkey=" + key), std::string::npos) << message;
  EXPECT_EQ(message.find("uri-secret-9"), std::string::npos) << message;
  EXPECT_EQ(message.find(Env("S2M_TEST_POSTGRES_PASSWORD")), std::string::npos) << message;
}

TEST_F(PostgresTls, RequireEncryptsWithoutCheckingTheCertificate) {
  std::string name = "s2m_tls_require_" + std::to_string(getpid());
  // No CA at all: require only asks for encryption (the test CA is trusted nowhere on this machine).
  auto source = OpenPostgres(UriWithHost("127.0.0.1", "?sslmode=require&application_name=" + name));
  ASSERT_TRUE(source);
  ScanRequest request;
  request.table = "media_type";
  request.columns = {"media_type_id", "name"};
  request.order_by = {{"media_type_id"}};
  RowBatch rows = ReadAll(*source, request, 100);
  ASSERT_EQ(rows.rows(), 5u);
  EXPECT_EQ(rows.at(0, 1), Value(std::string("MPEG audio file")));
  std::string tls = ServerSideTls(name);
  EXPECT_EQ(tls.substr(0, 5), "t TLS") << "pg_stat_ssl: '" << tls << "'";
}

TEST_F(PostgresTls, VerifyFullRefusesAHostNameTheCertificateDoesNotName) {
  // hostaddr= connects to 127.0.0.1 while libpq checks the certificate against host: a name the
  // certificate lacks, on any machine, without touching /etc/hosts.
  std::string query = "?hostaddr=127.0.0.1&sslrootcert=" + ca_;
  auto full = OpenSource(UriWithHost("not-in-the-certificate.invalid", query + "&sslmode=verify-full"),
                         PostgresOptions());
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.status().message().find("does not match host name \"not-in-the-certificate.invalid\""),
            std::string::npos)
      << full.status().message();
  // verify-ca checks the chain only, so the same name passes.
  auto ca_only = OpenSource(UriWithHost("not-in-the-certificate.invalid", query + "&sslmode=verify-ca"),
                            PostgresOptions());
  EXPECT_TRUE(ca_only.ok()) << ca_only.status().message();
}

TEST_F(PostgresTls, CliRunsTheChinookMappingOverVerifyFull) {
  std::string password = Env("S2M_TEST_POSTGRES_PASSWORD");
  std::string folder = testing::WriteTempFile("tls-jsonl-marker", "");
  std::filesystem::remove(folder);  // the jsonl: sink makes the folder, one file per collection
  std::string source = UriWithHost("localhost", "?sslmode=verify-full&sslrootcert=" + ca_);
  testing::CommandResult result = testing::RunCli(
      "run " + testing::ShellQuote(testing::SourceDir() + "/mappings/chinook.postgres.json") + " --source " +
      testing::ShellQuote(source) + " --target " + testing::ShellQuote("jsonl:" + folder) + " --rejects " +
      testing::ShellQuote(testing::WriteTempFile("tls.rejects.jsonl", "")) + " --password-file " +
      testing::ShellQuote(testing::WriteTempFile("tls.password", password + "\n")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find(password), std::string::npos) << "the password appears in the output";

  std::ifstream employees(folder + "/employees.jsonl");
  std::string line;
  int lines = 0;
  BsonPtr first;
  while (std::getline(employees, line)) {
    ++lines;
    bson_error_t error;
    BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(line.data()), line.size(), &error));
    ASSERT_TRUE(doc) << error.message << ": " << line;
    if (testing::Integer(doc.get(), "_id") == 1) first = std::move(doc);
  }
  EXPECT_EQ(lines, 8);
  ASSERT_TRUE(first) << "no document for employee 1";
  EXPECT_EQ(testing::Utf8(first.get(), "name.first"), "Andrew");
  EXPECT_EQ(testing::Utf8(first.get(), "name.last"), "Adams");
  EXPECT_EQ(testing::Utf8(first.get(), "title"), "General Manager");
  EXPECT_EQ(testing::Utf8(first.get(), "address.city"), "Edmonton");
  EXPECT_EQ(testing::Utf8(first.get(), "email"), "andrew@chinookcorp.com");
}

}  // namespace
}  // namespace sql2mongo
