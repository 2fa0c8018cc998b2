#include "mysql/mysql_connection.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <mysql_driver.h>

#include <cctype>
#include <cstdlib>

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

}  // namespace

Result<MysqlEndpoint> ParseMysqlUri(const std::string& uri, const SourceOptions& options) {
  MysqlEndpoint endpoint;
  endpoint.display_name = RedactUri(uri);
  auto bad = [&](const std::string& why) {
    return Status::Error(StatusCode::kUsage,
                         fmt::format("source {}: {} (expected mysql://user@host:port/database)", endpoint.display_name, why));
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
    } else if (!key.empty()) {
      return bad("unknown option '" + key + "' (known: password, socket, snapshot)");
    }
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
  return Status::Error(StatusCode::kSourceError, fmt::format("{}: {} (MySQL error {}, SQLSTATE {})", context,
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
  std::unique_ptr<sql::Connection> connection;
  try {
    connection.reset(sql::mysql::get_mysql_driver_instance()->connect(properties));
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("source {}: cannot connect", endpoint.display_name));
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
