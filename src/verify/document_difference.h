// Where two documents first differ, said the way a person would look for it: the field's path, and
// for arrays both lengths ("invoices: 6 elements stored, 7 expected").
#pragma once

#include <bson/bson.h>

#include <optional>
#include <string>

namespace sql2mongo {

struct FieldDifference {
  std::string path;     // dotted, array positions as numbers: "invoices.2.total"; "" for the whole document
  std::string message;  // "invoices.2.total: stored 3.96, expected 3.98"
};

// The first difference between what the source builds (`expected`) and what the target holds
// (`stored`), walking both in field order; nullopt when they hold the same fields and values in the
// same order.
std::optional<FieldDifference> FirstDifference(const bson_t* expected, const bson_t* stored);

}  // namespace sql2mongo
