// Reads one table through the PostgreSQL connector (binary COPY + decoding into Values) and prints rows/s
// and client CPU, to compare with `psql -c "COPY (...) TO STDOUT"` on the same rows.
//   postgres_scan_bench URI TABLE [max_rows]      (password from PGPASSWORD)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sql2mongo/source.h"

int main(int argc, char** argv) {
  using namespace sql2mongo;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s URI TABLE [max_rows]\n", argv[0]);
    return 2;
  }
  size_t max_rows = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 4096;
  auto source = OpenSource(argv[1]);
  if (!source.ok()) {
    std::fprintf(stderr, "%s\n", source.status().message().c_str());
    return 1;
  }
  auto info = (*source)->DescribeTable(argv[2]);
  if (!info.ok()) {
    std::fprintf(stderr, "%s\n", info.status().message().c_str());
    return 1;
  }
  ScanRequest request;
  request.table = argv[2];
  for (const auto& c : info->columns) request.columns.push_back(c.name);
  auto start = std::chrono::steady_clock::now();
  auto stream = (*source)->Scan(request);
  if (!stream.ok()) {
    std::fprintf(stderr, "%s\n", stream.status().message().c_str());
    return 1;
  }
  RowBatch batch;
  uint64_t rows = 0;
  while (true) {
    auto more = (*stream)->Next(&batch, max_rows);
    if (!more.ok()) {
      std::fprintf(stderr, "%s\n", more.status().message().c_str());
      return 1;
    }
    if (!*more) break;
    rows += batch.rows();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  std::printf("%s: %llu rows in %.3f s = %.0f rows/s, client CPU %.3f s\n", argv[2],
              static_cast<unsigned long long>(rows), seconds, rows / seconds, cpu);
  return 0;
}
