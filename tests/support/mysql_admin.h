// A connection of a test's own to the test MariaDB (S2M_TEST_MYSQL_URI, S2M_TEST_MYSQL_PASSWORD), beside
// the connector under test: for arranging data behind its back. Only where the MySQL connector is built.
#pragma once

#include <cppconn/connection.h>

#include <memory>
#include <string>

namespace sql2mongo::testing {

// Connects as the URI's user, utf8mb4; throws sql::SQLException when the server refuses.
std::unique_ptr<sql::Connection> ConnectMysqlAdmin();

}  // namespace sql2mongo::testing
