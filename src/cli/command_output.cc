#include "cli/command_output.h"

#include <fmt/format.h>

#include <fstream>

namespace sql2mongo {

Status PrintOrWrite(const std::string& text, const std::string& output_file) {
  if (output_file.empty()) {
    fmt::print("{}", text);
    return Status::Ok();
  }
  std::ofstream out(output_file, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status::Error(StatusCode::kUsage, fmt::format("-o {}: cannot write it", output_file));
  return Status::Ok();
}

}  // namespace sql2mongo
