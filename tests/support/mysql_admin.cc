#include "support/mysql_admin.h"

#include <mysql_driver.h>

#include "support/test_support.h"

namespace sql2mongo::testing {

std::unique_ptr<sql::Connection> ConnectMysqlAdmin() {
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  std::string rest = uri.substr(uri.find("://") + 3);
  std::string user = rest.substr(0, rest.find('@'));
  std::string hostport = rest.substr(rest.find('@') + 1, rest.find('/') - rest.find('@') - 1);
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(hostport.substr(0, hostport.find(':')));
  options["port"] = std::stoi(hostport.substr(hostport.find(':') + 1));
  options["userName"] = sql::SQLString(user);
  options["password"] = sql::SQLString(Env("S2M_TEST_MYSQL_PASSWORD"));
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(options));
}

}  // namespace sql2mongo::testing
