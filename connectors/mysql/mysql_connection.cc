#include "mysql/mysql_connection.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <mysql_driver.h>

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/redact.h"

namespace sql2mongo {
namespace {

// A streamed read (use_result) leaves rows in the server's send buffer while the pipeline builds and
// writes the previous batches; with the default net_write_timeout of 60 s a slow target would make the
// server drop the connection mid-table. One hour covers any stall short of a hung run.
constexpr int kNetTimeoutSeconds = 3600;

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The mysql client's --ssl-mode values, in any case. PREFERRED is left out on purpose: it lets a
// connection go on in plain text when the server offers no TLS, which a migration should not do unseen.
std::optional<MysqlSslMode> ParseSslMode(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (text == "DISABLED") return MysqlSslMode::kDisabled;
  if (text == "REQUIRED") return MysqlSslMode::kRequired;
  if (text == "VERIFY_CA") return MysqlSslMode::kVerifyCa;
  if (text == "VERIFY_IDENTITY") return MysqlSslMode::kVerifyIdentity;
  return std::nullopt;
}

}  // namespace

Result<MysqlEndpoint> ParseMysqlUri(const std::string& uri, const SourceOptions& options) {
  MysqlEndpoint endpoint;
  endpoint.display_name = RedactUri(uri);
  auto bad = [&](const std::string& why) {
    return Status::Error(StatusCode::kUsage,
                         fmt::format("source {}: {} (expected mysql://user@host:port/database)", endpoint.display_name, why));
  };
  // TLS settings that do not fit together: the URI's shape is fine, so no "expected ..." after them.
  auto bad_tls = [&](const std::string& why) {
    return Status::Error(StatusCode::kUsage, fmt::format("source {}: {}", endpoint.display_name, why));
  };
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return bad("not a URI");
  std::string rest = uri.substr(scheme_end + 3);
  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string uri_password;
  bool uri_has_password = false;
  if (size_t at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    endpoint.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string::npos) {
      uri_password = PercentDecode(userinfo.substr(colon + 1));
      uri_has_password = true;
    }
  }
  std::string hostport = rest;
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    hostport = rest.substr(0, slash);
    endpoint.database = PercentDecode(rest.substr(slash + 1));
  }
  if (endpoint.database.empty()) return bad("no database named");
  size_t port_colon = hostport.rfind(':');
  if (!hostport.empty() && hostport[0] == '[') {  // [::1]:3306
    size_t close = hostport.find(']');
    if (close == std::string::npos) return bad("unclosed '[' in the host");
    endpoint.host = hostport.substr(1, close - 1);
    port_colon = hostport.find(':', close);
  } else if (!hostport.empty()) {
    endpoint.host = hostport.substr(0, port_colon);
  }
  if (port_colon != std::string::npos) {
    std::string port = hostport.substr(port_colon + 1);
    char* end = nullptr;
    long value = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || value <= 0 || value > 65535) return bad("bad port '" + port + "'");
    endpoint.port = static_cast<int>(value);
  }
  std::optional<MysqlSslMode> ssl_mode;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string item = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? query.size() : amp + 1;
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : PercentDecode(item.substr(eq + 1));
    if (key == "password") {
      uri_password = value;
      uri_has_password = true;
    } else if (key == "socket") {
      endpoint.socket = value;
    } else if (key == "snapshot") {
      if (value != "single" && value != "auto") return bad("snapshot= takes 'auto' or 'single'");
      endpoint.allow_flush_lock = value == "auto";
    } else if (key == "ssl-mode") {
      ssl_mode = ParseSslMode(value);
      if (!ssl_mode)
        return bad_tls("ssl-mode= takes DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, not '" + value + "'");
    } else if (key == "ssl-ca" || key == "ssl-cert" || key == "ssl-key") {
      if (value.empty()) return bad_tls(key + "= needs a file path");
      (key == "ssl-ca" ? endpoint.ssl_ca : key == "ssl-cert" ? endpoint.ssl_cert : endpoint.ssl_key) = value;
    } else if (!key.empty()) {
      return bad("unknown option '" + key +
                 "' (known: password, socket, snapshot, ssl-mode, ssl-ca, ssl-cert, ssl-key)");
    }
  }
  // A file named for TLS means TLS: without ssl-mode it is REQUIRED, never a quiet fall back to plain text.
  bool has_ssl_file = !endpoint.ssl_ca.empty() || !endpoint.ssl_cert.empty() || !endpoint.ssl_key.empty();
  endpoint.ssl_mode = ssl_mode.value_or(has_ssl_file ? MysqlSslMode::kRequired : MysqlSslMode::kDisabled);
  if (endpoint.ssl_mode == MysqlSslMode::kDisabled && has_ssl_file)
    return bad_tls("ssl-mode=DISABLED contradicts ssl-ca, ssl-cert and ssl-key");
  if (endpoint.ssl_mode == MysqlSslMode::kVerifyCa && endpoint.ssl_ca.empty())
    return bad_tls("ssl-mode=VERIFY_CA needs ssl-ca=PATH, the CA certificate that signed the server's");
  if (endpoint.ssl_cert.empty() != endpoint.ssl_key.empty()) return bad_tls("ssl-cert= and ssl-key= go together");
  // The driver reports a missing file as "TLS/SSL error: No such file or directory" without its name.
  const std::pair<const char*, const std::string*> files[] = {
      {"ssl-ca", &endpoint.ssl_ca}, {"ssl-cert", &endpoint.ssl_cert}, {"ssl-key", &endpoint.ssl_key}};
  for (const auto& [name, path] : files) {
    if (!path->empty() && access(path->c_str(), R_OK) != 0)
      return bad_tls(fmt::format("{} file '{}' cannot be read: {}", name, *path, std::strerror(errno)));
  }
  if (!options.password.empty()) {
    endpoint.password = options.password;
  } else if (const char* env = std::getenv("MYSQL_PWD"); env && *env) {
    endpoint.password = env;
  } else if (uri_has_password) {
    endpoint.password = uri_password;
  }
  return endpoint;
}

Status MysqlErrorStatus(const sql::SQLException& error, const std::string& context) {
  // CR_SERVER_GONE_ERROR, CR_SERVER_LOST: the connection broke (the network cut, the server stopped);
  // MariaDB's ER_CONNECTION_KILLED: its thread was killed (KILL CONNECTION).
  int code = error.getErrorCode();
  bool lost = code == 2006 || code == 2013 || code == 1927;
  return Status::Error(lost ? StatusCode::kSourceLost : StatusCode::kSourceError, fmt::format("{}: {} (MySQL error {}, SQLSTATE {})", context,
                                                             error.what(), error.getErrorCode(), error.getSQLState()));
}

Result<std::unique_ptr<sql::Connection>> ConnectMysql(const MysqlEndpoint& endpoint) {
  sql::ConnectOptionsMap properties;
  properties["hostName"] = sql::SQLString(endpoint.host);
  properties["port"] = endpoint.port;
  if (!endpoint.socket.empty()) properties["socket"] = sql::SQLString(endpoint.socket);
  properties["userName"] = sql::SQLString(endpoint.user);
  properties["password"] = sql::SQLString(endpoint.password);
  properties["schema"] = sql::SQLString(endpoint.database);
  properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  properties["OPT_CONNECT_TIMEOUT"] = 10;
  properties["OPT_RECONNECT"] = false;  // a silent reconnect would leave the snapshot behind
  // Connector/C++ 1.1 on MariaDB Connector/C (Debian's build), as measured against the test server:
  // sslEnforce makes TLS mandatory without checking the certificate; a given sslCA is always checked
  // against (chain only, any host name); sslVerify adds the host name check (and, without sslCA, checks
  // against the system's CAs). Its OPT_SSL_MODE is accepted but does nothing with this client library.
  if (endpoint.ssl_mode != MysqlSslMode::kDisabled) properties["sslEnforce"] = true;
  if (endpoint.ssl_mode == MysqlSslMode::kVerifyIdentity) properties["sslVerify"] = true;
  if (!endpoint.ssl_ca.empty()) properties["sslCA"] = sql::SQLString(endpoint.ssl_ca);
  if (!endpoint.ssl_cert.empty()) properties["sslCert"] = sql::SQLString(endpoint.ssl_cert);
  if (!endpoint.ssl_key.empty()) properties["sslKey"] = sql::SQLString(endpoint.ssl_key);
  std::unique_ptr<sql::Connection> connection;
  try {
    connection.reset(sql::mysql::get_mysql_driver_instance()->connect(properties));
  } catch (const sql::SQLException& e) {
    Status status = MysqlErrorStatus(e, fmt::format("source {}: cannot connect", endpoint.display_name));
    // The driver's words for a certificate that does not name the host say nothing of the host.
    if (endpoint.ssl_mode == MysqlSslMode::kVerifyIdentity &&
        std::string(e.what()).find("Validation of SSL server certificate failed") != std::string::npos) {
      return Status::Error(status.code(), fmt::format("{}; with ssl-mode=VERIFY_IDENTITY the server's certificate "
                                                      "must name the host '{}'",
                                                      status.message(), endpoint.host));
    }
    return status;
  }
  S2M_RETURN_IF_ERROR(ExecuteMysql(connection.get(),
                                   fmt::format("SET time_zone = '+00:00', net_write_timeout = {0}, "
                                               "net_read_timeout = {0}",
                                               kNetTimeoutSeconds),
                                   fmt::format("source {}: setting up the session", endpoint.display_name)));
  return connection;
}

Status ExecuteMysql(sql::Connection* connection, const std::string& sql, const std::string& what) {
  try {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute(sql);
    return Status::Ok();
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, what);
  }
}

Result<int64_t> MysqlConnectionId(sql::Connection* connection) {
  try {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SELECT CONNECTION_ID()"));
    if (!rows->next()) return Status::Error(StatusCode::kSourceError, "SELECT CONNECTION_ID() returned no row");
    return static_cast<int64_t>(rows->getInt64(1));
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, "reading the connection id");
  }
}

}  // namespace sql2mongo
