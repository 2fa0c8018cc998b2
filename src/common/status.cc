#include "sql2mongo/status.h"

namespace sql2mongo {

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace sql2mongo
