// Where a command's result goes: standard output, or the file named by -o.
#pragma once

#include <string>

#include "sql2mongo/status.h"

namespace sql2mongo {

// Prints `text` when `output_file` is empty, else writes it there (replacing the file). A file that
// cannot be written is a kUsage error naming it.
Status PrintOrWrite(const std::string& text, const std::string& output_file);

}  // namespace sql2mongo
