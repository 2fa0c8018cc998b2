// A batch of rows from one table: row-major, owned, movable.
#pragma once

#include <string>
#include <vector>

#include "sql2mongo/value.h"

namespace sql2mongo {

class RowBatch {
 public:
  RowBatch() = default;
  explicit RowBatch(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  const std::vector<std::string>& columns() const { return columns_; }
  size_t width() const { return columns_.size(); }
  size_t rows() const { return width() == 0 ? 0 : cells_.size() / width(); }
  bool empty() const { return cells_.empty(); }

  const Value& at(size_t row, size_t column) const { return cells_[row * width() + column]; }
  // Appends one cell; call width() times per row, in column order.
  void Append(Value value) { cells_.push_back(std::move(value)); }
  void Clear() { cells_.clear(); }
  void Reserve(size_t rows) { cells_.reserve(rows * width()); }
  // Moves every row of `other` (same columns) to the end of this batch.
  void AppendRows(RowBatch&& other);
  // Moves rows [first, end) of `other` (same columns) to the end of this batch; `other` keeps their
  // moved-from cells, so a caller that streams through a batch needs no copy.
  void MoveRowsFrom(RowBatch& other, size_t first, size_t end) {
    cells_.insert(cells_.end(), std::make_move_iterator(other.cells_.begin() + first * width()),
                  std::make_move_iterator(other.cells_.begin() + end * width()));
  }

 private:
  std::vector<std::string> columns_;
  std::vector<Value> cells_;
};

inline void RowBatch::AppendRows(RowBatch&& other) {
  if (cells_.empty()) {
    cells_ = std::move(other.cells_);
    return;
  }
  cells_.insert(cells_.end(), std::make_move_iterator(other.cells_.begin()),
                std::make_move_iterator(other.cells_.end()));
  other.cells_.clear();
}

}  // namespace sql2mongo
