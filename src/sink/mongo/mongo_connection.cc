#include "sink/mongo/mongo_connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <mutex>

#include "common/redact.h"
#include "common/uri.h"
#include "sql2mongo_version.h"

namespace sql2mongo {

namespace {

// libmongoc's own messages ("stream: Failed to buffer 4 bytes", "Couldn't send endSessions") go through
// the project's logger, so they carry its format and level instead of landing raw on stderr. Its INFO
// level is chatty internals; only warnings and worse are worth a user's attention by default.
void LogThroughSpdlog(mongoc_log_level_t level, const char* domain, const char* message, void*) {
  spdlog::level::level_enum ours = spdlog::level::trace;
  switch (level) {
    case MONGOC_LOG_LEVEL_ERROR:
    case MONGOC_LOG_LEVEL_CRITICAL: ours = spdlog::level::err; break;
    case MONGOC_LOG_LEVEL_WARNING: ours = spdlog::level::warn; break;
    case MONGOC_LOG_LEVEL_MESSAGE:
    case MONGOC_LOG_LEVEL_INFO: ours = spdlog::level::debug; break;
    case MONGOC_LOG_LEVEL_DEBUG:
    case MONGOC_LOG_LEVEL_TRACE: ours = spdlog::level::trace; break;
  }
  // Sessions are ended as a courtesy when a client closes; a server without endSessions (FerretDB v1)
  // loses nothing, so that is no warning for the user.
  if (ours == spdlog::level::warn && message && std::strstr(message, "endSessions")) ours = spdlog::level::debug;
  spdlog::log(ours, "libmongoc {}: {}", domain ? domain : "", message ? message : "");
}

}  // namespace

void EnsureMongocInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_log_set_handler(LogThroughSpdlog, nullptr);
    mongoc_init();
    std::atexit(mongoc_cleanup);
  });
}

namespace {

struct CheckedUri {
  MongoUri uri;
  std::string database;
  std::string display;
};

Result<CheckedUri> CheckUri(const std::string& uri_text) {
  EnsureMongocInitialized();
  CheckedUri checked;
  checked.display = RedactUri(uri_text);
  bson_error_t error;
  checked.uri.reset(mongoc_uri_new_with_error(uri_text.c_str(), &error));
  if (!checked.uri)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("target {}: not a valid MongoDB URI: {}", checked.display, error.message));
  const char* database = mongoc_uri_get_database(checked.uri.get());
  if (!database || !*database)
    return Status::Error(StatusCode::kUsage, fmt::format("target {}: the URI names no database; add one, e.g. "
                                                         "mongodb://host:port/DBNAME", checked.display));
  checked.database = database;
  mongoc_uri_t* uri = checked.uri.get();
  // libmongoc waits 30 s for a server by default: a target that is down should fail fast and clearly.
  if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME)) mongoc_uri_set_appname(uri, "sql2mongo " SQL2MONGO_VERSION);
  return checked;
}

// What most likely went wrong when the first command fails, from the URI and libmongoc's message.
std::string FailureHint(const mongoc_uri_t* uri, const std::string& message) {
  bool uses_tls = mongoc_uri_get_tls(uri);
  if (message.find("SRV") != std::string::npos || message.find("DNS") != std::string::npos)
    return "the mongodb+srv:// host's SRV record could not be looked up (DNS); check the host name, or use "
           "mongodb://HOST:PORT with the hosts it lists";
  if (message.find("TLS") != std::string::npos || message.find("SSL") != std::string::npos ||
      message.find("certificate") != std::string::npos || message.find("handshake") != std::string::npos)
    return "TLS failed: check tlsCAFile (the CA that signed the server's certificate), the host name the "
           "certificate names, and tlsCertificateKeyFile if the server asks for a client certificate";
  if (uses_tls) {
    // A server that requires a client certificate closes the connection without saying why.
    bool has_client_certificate = mongoc_uri_get_option_as_utf8(uri, MONGOC_URI_TLSCERTIFICATEKEYFILE, nullptr);
    return std::string("a TLS connection was asked for (tls=true): is the server listening with TLS on that port, "
                       "and is tlsCAFile the CA that signed its certificate?") +
           (has_client_certificate ? "" : " If the server requires a client certificate, add tlsCertificateKeyFile=PEM");
  }
  return "is the server running? scripts/services start starts the local ones; if the port expects TLS, add "
         "tls=true&tlsCAFile=CA.pem to the URI";
}

Status Ping(mongoc_client_t* client, const mongoc_uri_t* uri, const std::string& display) {
  ScopedBson ping;
  BSON_APPEND_INT32(ping.get(), "ping", 1);
  ScopedBson reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client, "admin", ping.get(), nullptr, reply.ResetForOutput(), &error))
    return Status::Error(StatusCode::kTargetError, fmt::format("target {} does not answer: {} ({})", display,
                                                               error.message, FailureHint(uri, error.message)));
  return Status::Ok();
}

}  // namespace

Result<MongoConnection> ConnectMongo(const std::string& uri_text) {
  S2M_ASSIGN_OR_RETURN(CheckedUri checked, CheckUri(uri_text));
  MongoConnection connection;
  connection.display_uri = checked.display;
  connection.database = checked.database;
  bson_error_t error;
  connection.client.reset(mongoc_client_new_from_uri_with_error(checked.uri.get(), &error));
  if (!connection.client)  // a mongodb+srv:// host is looked up here
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {} ({})", connection.display_uri,
                                                               error.message, FailureHint(checked.uri.get(), error.message)));
  mongoc_client_set_error_api(connection.client.get(), MONGOC_ERROR_API_VERSION_2);
  S2M_RETURN_IF_ERROR(Ping(connection.client.get(), checked.uri.get(), connection.display_uri));
  return connection;
}

Result<MongoPoolConnection> ConnectMongoPool(const std::string& uri_text, int max_clients) {
  S2M_ASSIGN_OR_RETURN(CheckedUri checked, CheckUri(uri_text));
  MongoPoolConnection connection;
  connection.display_uri = checked.display;
  connection.database = checked.database;
  bson_error_t error;
  connection.pool.reset(mongoc_client_pool_new_with_error(checked.uri.get(), &error));
  if (!connection.pool)  // a mongodb+srv:// host is looked up here
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {} ({})", connection.display_uri,
                                                               error.message, FailureHint(checked.uri.get(), error.message)));
  mongoc_client_pool_set_error_api(connection.pool.get(), MONGOC_ERROR_API_VERSION_2);
  mongoc_client_pool_max_size(connection.pool.get(), static_cast<uint32_t>(std::max(1, max_clients)));
  PooledClient client(connection.pool.get());
  S2M_RETURN_IF_ERROR(Ping(client.get(), checked.uri.get(), connection.display_uri));
  return connection;
}

}  // namespace sql2mongo
