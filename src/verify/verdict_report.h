// verify's output: the differences with their _ids and a table of counts per collection for a
// person, or one JSON object per line for a program.
#pragma once

#include <string>
#include <vector>

#include "verify/verdict.h"

namespace sql2mongo {

// The exit code a set of verdicts earns: 0 when the target holds exactly what the source builds, 1
// when any difference exists.
int VerdictExitCode(const std::vector<CollectionVerdict>& verdicts);

// Per collection with differences: a line of counts and its shown differences; then the table; then
// the verdict line.
std::string FormatVerdictText(const std::vector<CollectionVerdict>& verdicts, const std::string& target_name);

// {"type": "difference", ...} per shown difference, {"type": "collection", ...} per collection with its
// counts, then {"type": "verdict", "exit": N, ...}.
std::string FormatVerdictJson(const std::vector<CollectionVerdict>& verdicts, const std::string& target_name);

}  // namespace sql2mongo
