// The MySQL connector over TLS: the URI's ssl-* options (parsed without a server), and live against the
// MariaDB server scripts/services starts with TLS on (scripts/services.d/mariadb.sh) and the certificates
// of scripts/tls-certs: the server's certificate names DNS:localhost and IP:127.0.0.1 and is signed by
// ca.pem; other-ca.pem signed nothing here; the account sql2mongo_x509 requires client.crt.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "mysql/mysql_connection.h"
#include "mysql/mysql_source.h"
#include "sql2mongo/source.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::Env;
using testing::TlsDir;

// The test server's URI (mysql://sql2mongo@127.0.0.1:33306/Chinook) with `host` and `user` in place
// of its own and `query` appended.
std::string UriWith(const std::string& host, const std::string& query, const std::string& user = "sql2mongo") {
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  size_t scheme_end = uri.find("://") + 3;
  size_t at = uri.find('@');
  size_t colon = uri.find(':', at);
  return uri.substr(0, scheme_end) + user + "@" + host + uri.substr(colon) + query;
}

SourceOptions Password() { return SourceOptions{Env("S2M_TEST_MYSQL_PASSWORD")}; }

// --- The URI's options, no server needed ------------------------------------------------------------

TEST(MysqlTlsOptions, EachSslModeAndItsFilesAreParsedAndThePathsStayInTheDisplayName) {
  std::string ca = TlsDir() + "/ca.pem";
  if (!std::filesystem::exists(ca)) GTEST_SKIP() << ca << " is missing: run scripts/tls-certs";
  SourceOptions none;
  auto disabled = ParseMysqlUri("mysql://u@h/db", none);
  ASSERT_TRUE(disabled.ok()) << disabled.status().message();
  EXPECT_EQ(disabled->ssl_mode, MysqlSslMode::kDisabled);

  auto required = ParseMysqlUri("mysql://u@h/db?ssl-mode=required", none);  // any case, as the mysql client
  ASSERT_TRUE(required.ok()) << required.status().message();
  EXPECT_EQ(required->ssl_mode, MysqlSslMode::kRequired);

  // A file named for TLS without ssl-mode means REQUIRED, never plain text.
  auto implied = ParseMysqlUri("mysql://u@h/db?ssl-ca=" + ca, none);
  ASSERT_TRUE(implied.ok()) << implied.status().message();
  EXPECT_EQ(implied->ssl_mode, MysqlSslMode::kRequired);
  EXPECT_EQ(implied->ssl_ca, ca);

  std::string uri = "mysql://u:secret-3@h:3307/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca + "&ssl-cert=" + TlsDir() +
                    "/client.crt&ssl-key=" + TlsDir() + "/client.key";
  auto identity = ParseMysqlUri(uri, none);
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->ssl_mode, MysqlSslMode::kVerifyIdentity);
  EXPECT_EQ(identity->ssl_cert, TlsDir() + "/client.crt");
  EXPECT_EQ(identity->ssl_key, TlsDir() + "/client.key");
  EXPECT_EQ(identity->display_name, "mysql://u:***@h:3307/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca + "&ssl-cert=" +
                                        TlsDir() + "/client.crt&ssl-key=" + TlsDir() + "/client.key");

  auto verify_ca = ParseMysqlUri("mysql://u@h/db?ssl-mode=VERIFY_CA&ssl-ca=" + ca, none);
  ASSERT_TRUE(verify_ca.ok()) << verify_ca.status().message();
  EXPECT_EQ(verify_ca->ssl_mode, MysqlSslMode::kVerifyCa);
}

TEST(MysqlTlsOptions, UnknownOptionIsAUsageErrorNamingIt) {
  // libpq's spelling is not the mysql client's.
  auto parsed = ParseMysqlUri("mysql://u@h/db?sslmode=require", {});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUsage);
  EXPECT_NE(parsed.status().message().find("unknown option 'sslmode'"), std::string::npos) << parsed.status().message();
  EXPECT_NE(parsed.status().message().find("ssl-mode"), std::string::npos) << parsed.status().message();
}

TEST(MysqlTlsOptions, SettingsThatDoNotFitTogetherAreUsageErrorsSayingWhy) {
  std::string ca = TlsDir() + "/ca.pem";
  if (!std::filesystem::exists(ca)) GTEST_SKIP() << ca << " is missing: run scripts/tls-certs";
  auto expect_usage = [](const std::string& uri, const std::string& words) {
    auto parsed = ParseMysqlUri(uri, {});
    ASSERT_FALSE(parsed.ok()) << uri;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUsage) << uri;
    EXPECT_NE(parsed.status().message().find(words), std::string::npos) << parsed.status().message();
  };
  expect_usage("mysql://u@h/db?ssl-mode=PREFERRED",
               "ssl-mode= takes DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, not 'PREFERRED'");
  expect_usage("mysql://u@h/db?ssl-mode=DISABLED&ssl-ca=" + ca, "ssl-mode=DISABLED contradicts");
  expect_usage("mysql://u@h/db?ssl-mode=VERIFY_CA", "ssl-mode=VERIFY_CA needs ssl-ca=PATH");
  expect_usage("mysql://u@h/db?ssl-cert=" + TlsDir() + "/client.crt", "ssl-cert= and ssl-key= go together");
  expect_usage("mysql://u@h/db?ssl-ca=", "ssl-ca= needs a file path");
  // The driver would say only "No such file or directory", without the file's name.
  expect_usage("mysql://u@h/db?ssl-mode=VERIFY_CA&ssl-ca=/no/such/ca.pem",
               "ssl-ca file '/no/such/ca.pem' cannot be read: No such file or directory");
}

// --- Live, against the test server --------------------------------------------------------------------

class MysqlTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("S2M_TEST_MYSQL_URI").empty())
      GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set: run scripts/services start mariadb";
    if (!std::filesystem::exists(ca_)) GTEST_SKIP() << ca_ << " is missing: run scripts/services start mariadb";
  }

  // Opens `uri` and reads Artist in key order: 275 rows, (1, AC/DC) first.
  static void ExpectArtists(const std::string& uri, const SourceOptions& options = Password()) {
    auto source = OpenMysqlSource(uri, options);
    ASSERT_TRUE(source.ok()) << source.status().message();
    ScanRequest request;
    request.table = "Artist";
    request.columns = {"ArtistId", "Name"};
    request.order_by = {{"ArtistId"}};
    auto stream = (*source)->Scan(request);
    ASSERT_TRUE(stream.ok()) << stream.status().message();
    RowBatch all(request.columns), batch;
    while (true) {
      auto more = (*stream)->Next(&batch, 100);
      ASSERT_TRUE(more.ok()) << more.status().message();
      if (!more.value()) break;
      all.AppendRows(std::move(batch));
    }
    ASSERT_EQ(all.rows(), 275u);
    EXPECT_EQ(all.at(0, 0), Value(int32_t{1}));
    EXPECT_EQ(all.at(0, 1), Value(std::string("AC/DC")));
    EXPECT_EQ(all.at(274, 0), Value(int32_t{275}));
    EXPECT_EQ(all.at(274, 1), Value(std::string("Philip Glass Ensemble")));
  }

  // The TLS version the server reports for a session the connector opens from `uri` ("" when plain).
  static std::string SessionTlsVersion(const std::string& uri, const SourceOptions& options = Password()) {
    auto endpoint = ParseMysqlUri(uri, options);
    EXPECT_TRUE(endpoint.ok()) << endpoint.status().message();
    if (!endpoint.ok()) return "error";
    auto connection = ConnectMysql(*endpoint);
    EXPECT_TRUE(connection.ok()) << connection.status().message();
    if (!connection.ok()) return "error";
    std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'"));
    return rows->next() ? std::string(rows->getString(2)) : "";
  }

  std::string ca_ = TlsDir() + "/ca.pem";
  std::string other_ca_ = TlsDir() + "/other-ca.pem";
};

TEST_F(MysqlTls, PlainConnectionsStayPlain) {
  // Every other test connects without TLS options: the server must keep taking them, in plain text.
  EXPECT_EQ(SessionTlsVersion(Env("S2M_TEST_MYSQL_URI")), "");
}

TEST_F(MysqlTls, VerifyIdentityWithTheRightCaReadsTheRealRowsOverTls) {
  std::string uri = UriWith("localhost", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca_);
  ExpectArtists(uri);
  EXPECT_EQ(SessionTlsVersion(uri).substr(0, 4), "TLSv");
  // 127.0.0.1 is in the certificate too (IP:127.0.0.1).
  ExpectArtists(UriWith("127.0.0.1", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca_));
}

TEST_F(MysqlTls, WrongCaFailsWithinSecondsSayingWhyAndNamingTheUriWithoutPasswords) {
  for (const char* mode : {"VERIFY_CA", "VERIFY_IDENTITY", "REQUIRED"}) {
    // REQUIRED too: the driver checks the chain whenever a CA is given.
    std::string uri = UriWith("localhost", std::string("?ssl-mode=") + mode + "&ssl-ca=" + other_ca_);
    uri.replace(uri.find('@'), 1, ":uri-secret-5@");
    auto started = std::chrono::steady_clock::now();
    auto source = OpenMysqlSource(uri, Password());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_FALSE(source.ok()) << mode;
    EXPECT_LT(seconds, 5.0) << mode;
    EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
    const std::string& message = source.status().message();
    EXPECT_NE(message.find("TLS/SSL error: self-signed certificate in certificate chain"), std::string::npos) << message;
    EXPECT_NE(message.find("mysql://sql2mongo:***@localhost:"), std::string::npos) << message;
    EXPECT_NE(message.find("ssl-ca=" + other_ca_), std::string::npos) << message;
    EXPECT_EQ(message.find("uri-secret-5"), std::string::npos) << message;
    EXPECT_EQ(message.find(Env("S2M_TEST_MYSQL_PASSWORD")), std::string::npos) << message;
  }
}

TEST_F(MysqlTls, RequiredEncryptsWithoutCheckingTheCertificate) {
  // No CA: the test CA is trusted nowhere on this machine, and REQUIRED checks nothing without one.
  std::string uri = UriWith("127.0.0.1", "?ssl-mode=REQUIRED");
  ExpectArtists(uri);
  EXPECT_EQ(SessionTlsVersion(uri).substr(0, 4), "TLSv");
}

// A name other than localhost that resolves to 127.0.0.1 here (the server listens there only), or "".
std::string LoopbackNameNotInTheCertificate() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || std::string(name) == "localhost") return "";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(name, nullptr, &hints, &found) != 0) return "";
  bool loopback = false;
  for (addrinfo* a = found; a; a = a->ai_next)
    loopback |= reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
  freeaddrinfo(found);
  return loopback ? name : "";
}

TEST_F(MysqlTls, VerifyIdentityRefusesAHostNameTheCertificateDoesNotName) {
  // MySQL has no hostaddr= (libpq's way to connect to one address and check another name), so this needs
  // a name the machine resolves to 127.0.0.1 itself.
  std::string host = LoopbackNameNotInTheCertificate();
  if (host.empty()) GTEST_SKIP() << "this machine's host name does not resolve to 127.0.0.1, and no other name here does";
  auto source = OpenMysqlSource(UriWith(host, "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca_), Password());
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("Validation of SSL server certificate failed"), std::string::npos)
      << source.status().message();
  EXPECT_NE(source.status().message().find("the server's certificate must name the host '" + host + "'"),
            std::string::npos)
      << source.status().message();
  // VERIFY_CA checks the chain only, so the same name passes.
  ExpectArtists(UriWith(host, "?ssl-mode=VERIFY_CA&ssl-ca=" + ca_));
}

TEST_F(MysqlTls, ClientCertificateLogsInToAnAccountThatRequiresIt) {
  // scripts/services.d/mariadb.sh: sql2mongo_x509 REQUIRE SUBJECT '/CN=sql2mongo-test' (client.crt).
  std::string without = UriWith("127.0.0.1", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca_, "sql2mongo_x509");
  auto refused = OpenMysqlSource(without, Password());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("MySQL error 1045"), std::string::npos) << refused.status().message();
  ExpectArtists(without + "&ssl-cert=" + TlsDir() + "/client.crt&ssl-key=" + TlsDir() + "/client.key");
}

TEST_F(MysqlTls, CliRunsTheChinookMappingOverVerifyIdentity) {
  std::string password = Env("S2M_TEST_MYSQL_PASSWORD");
  testing::CommandResult result = testing::RunCli(
      "run " + testing::ShellQuote(testing::SourceDir() + "/mappings/chinook.mysql.json") + " --source " +
      testing::ShellQuote(UriWith("localhost", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + ca_)) + " --target null: --rejects " +
      testing::ShellQuote(testing::WriteTempFile("mysql-tls.rejects.jsonl", "")) + " --password-file " +
      testing::ShellQuote(testing::WriteTempFile("mysql-tls.password", password + "\n")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find(password), std::string::npos) << "the password appears in the output";
  EXPECT_TRUE(std::regex_search(result.output, std::regex(R"(\ntracks +3503 +\d+ +3503 +0 +0 )"))) << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex(R"(\ncustomers +59 +\d+ +59 +0 +0 )"))) << result.output;
}

}  // namespace
}  // namespace sql2mongo
