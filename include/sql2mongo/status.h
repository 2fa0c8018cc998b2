// Status and Result<T>: errors are values, never exceptions across a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sql2mongo {

// What kind of failure, chosen so the CLI can map it to an exit code without parsing text.
enum class StatusCode {
  kOk = 0,
  kUsage,         // bad command line
  kMappingError,  // the mapping file is malformed or names something the source lacks
  kNotFound,      // a table, column, file or collection that does not exist
  kSourceError,   // the source database failed (connection, query)
  kSourceLost,    // the connection to the source broke mid-read: a reader may reopen it and continue
  kTargetError,   // the target server failed or is unreachable
  kDataError,     // one value cannot be converted; becomes a reject, not a failed run
  kUnsupported,   // the source or target cannot do this; the caller falls back
  kBusy,          // another run of the same job holds its lease: try again later (exit 75)
  kInternal,
};

// [[nodiscard]]: an ignored Status is a failure that vanishes; say so with (void) where that is meant.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Full human-readable message, already carrying its context (file:line:col, table.column, URI).
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message", for adding where an error happened.
  Status WithContext(const std::string& context) const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}
  Result(Status status) : data_(std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace sql2mongo

// Returns early from a function returning Status or Result<T> when `expr` failed.
#define S2M_RETURN_IF_ERROR(expr)               \
  do {                                          \
    ::sql2mongo::Status s2m_status_ = (expr);   \
    if (!s2m_status_.ok()) return s2m_status_;  \
  } while (0)

#define S2M_CONCAT_INNER(a, b) a##b
#define S2M_CONCAT(a, b) S2M_CONCAT_INNER(a, b)
// Declares `lhs` from a Result<T> expression, returning its Status on failure.
#define S2M_ASSIGN_OR_RETURN(lhs, expr) S2M_ASSIGN_OR_RETURN_IMPL(S2M_CONCAT(s2m_result_, __LINE__), lhs, expr)
#define S2M_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
