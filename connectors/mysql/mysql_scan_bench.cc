// Reads one table through the connector and reports rows/s, MB/s and peak memory, to compare with
// `mariadb --quick -e "SELECT ..." > /dev/null` on the same rows. Not a test: timings vary by machine.
//   mysql_scan_bench URI TABLE [--buffered]   (password from MYSQL_PWD)
// --buffered reads the same table with Connector/C++'s default result set type instead (the whole result
// in client memory), to show why scans use TYPE_FORWARD_ONLY.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstring>

#include "mysql/mysql_connection.h"
#include "mysql/mysql_source.h"

using namespace sql2mongo;

namespace {

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

size_t ValueBytes(const Value& value) {
  if (auto* s = std::get_if<std::string>(&value)) return s->size();
  if (auto* d = std::get_if<Decimal>(&value)) return d->digits.size();
  if (auto* b = std::get_if<Binary>(&value)) return b->bytes.size();
  if (auto* r = std::get_if<RawBson>(&value)) return r->bytes.size();
  return IsNull(value) ? 0 : 8;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: mysql_scan_bench URI TABLE [--buffered]\n");
    return 2;
  }
  const std::string uri = argv[1], table = argv[2];
  const bool buffered = argc > 3 && std::strcmp(argv[3], "--buffered") == 0;
  auto start = std::chrono::steady_clock::now();
  uint64_t rows = 0, bytes = 0;
  if (buffered) {
    auto endpoint = ParseMysqlUri(uri, {});
    auto connection = endpoint.ok() ? ConnectMysql(*endpoint) : Result<std::unique_ptr<sql::Connection>>(endpoint.status());
    if (!connection.ok()) {
      fmt::print(stderr, "{}\n", connection.status().message());
      return 1;
    }
    std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery("SELECT * FROM `" + table + "`"));
    uint32_t width = result->getMetaData()->getColumnCount();
    while (result->next()) {
      for (uint32_t i = 1; i <= width; ++i) bytes += result->getString(i).length();
      ++rows;
    }
  } else {
    auto source = OpenMysqlSource(uri, {});
    if (!source.ok()) {
      fmt::print(stderr, "{}\n", source.status().message());
      return 1;
    }
    auto info = (*source)->DescribeTable(table);
    if (!info.ok()) {
      fmt::print(stderr, "{}\n", info.status().message());
      return 1;
    }
    ScanRequest request;
    request.table = table;
    for (const auto& column : info->columns) request.columns.push_back(column.name);
    start = std::chrono::steady_clock::now();  // the scan alone: not the connect or the catalog
    auto stream = (*source)->Scan(request);
    if (!stream.ok()) {
      fmt::print(stderr, "{}\n", stream.status().message());
      return 1;
    }
    RowBatch batch;
    while (true) {
      auto more = (*stream)->Next(&batch, 4096);
      if (!more.ok()) {
        fmt::print(stderr, "{}\n", more.status().message());
        return 1;
      }
      if (!more.value()) break;
      rows += batch.rows();
      for (size_t r = 0; r < batch.rows(); ++r)
        for (size_t c = 0; c < batch.width(); ++c) bytes += ValueBytes(batch.at(r, c));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("{} {}: {} rows in {:.3f} s = {:.0f} rows/s, {:.1f} MB/s of values, peak RSS {:.1f} MB\n",
             buffered ? "buffered" : "connector", table, rows, seconds, rows / seconds, bytes / seconds / 1e6,
             PeakRssMb());
  return 0;
}
