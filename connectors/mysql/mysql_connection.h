// Opening MySQL / MariaDB connections with Connector/C++ 1.1, and turning its exceptions into Status.
// Nothing here throws: every sql::SQLException is caught at this layer or in the files that call the
// driver (mysql_catalog.cc, mysql_source.cc).
#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>

#include <memory>
#include <string>

#include "sql2mongo/source.h"

namespace sql2mongo {

// TLS, named as the mysql client's --ssl-mode names it. What each asks of Connector/C++ 1.1 (built on
// MariaDB Connector/C here) is in ConnectMysql; docs/tls.md says what it checks.
enum class MysqlSslMode {
  kDisabled,        // plain TCP (the default without ssl-* options)
  kRequired,        // TLS or no connection; the certificate is checked only when ssl-ca is given
  kVerifyCa,        // TLS, the certificate chain checked against ssl-ca
  kVerifyIdentity,  // VERIFY_CA, and the certificate must name the host connected to
};

// Where and as whom to connect, from "mysql://user[:password]@host[:port]/db[?options]".
struct MysqlEndpoint {
  std::string host = "localhost";
  int port = 3306;
  std::string socket;  // ?socket=PATH: a Unix socket instead of TCP
  std::string user;
  std::string password;  // never logged
  std::string database;
  // ?snapshot=single: never take FLUSH TABLES WITH READ LOCK (see mysql_source.cc).
  bool allow_flush_lock = true;
  // ?ssl-mode=...&ssl-ca=PATH&ssl-cert=PATH&ssl-key=PATH. Paths are not secrets and stay in messages.
  MysqlSslMode ssl_mode = MysqlSslMode::kDisabled;
  std::string ssl_ca;
  std::string ssl_cert;  // a client certificate, for accounts that REQUIRE X509 or SUBJECT
  std::string ssl_key;
  std::string display_name;  // the URI with any password removed
};

// The password comes from options.password, else $MYSQL_PWD, else the URI (user:password@ or ?password=).
Result<MysqlEndpoint> ParseMysqlUri(const std::string& uri, const SourceOptions& options);

// "context: server message (MySQL error 1045, SQLSTATE 28000)".
Status MysqlErrorStatus(const sql::SQLException& error, const std::string& context);

// Connects and prepares the session the decoders rely on: utf8mb4 text (the server converts latin1 and
// other column charsets), time_zone '+00:00' (TIMESTAMP values arrive in UTC), and long network
// timeouts (a streamed read waits while the pipeline writes; see kNetTimeoutSeconds).
Result<std::unique_ptr<sql::Connection>> ConnectMysql(const MysqlEndpoint& endpoint);

// Runs a statement that returns no rows. `what` names it in the error ("starting the snapshot").
Status ExecuteMysql(sql::Connection* connection, const std::string& sql, const std::string& what);

// The server's id of this session (CONNECTION_ID()), for KILL.
Result<int64_t> MysqlConnectionId(sql::Connection* connection);

}  // namespace sql2mongo
