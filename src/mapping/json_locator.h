// Line and column of every value and key in a JSON-with-comments text, by JSON pointer.
// nlohmann-json 3.11 (Debian 12) keeps no positions (3.12's JSON_DIAGNOSTIC_POSITIONS is not packaged),
// so errors found after parsing (an unknown column, say) would otherwise not be able to say where.
#pragma once

#include <map>
#include <string>

namespace sql2mongo {

struct TextPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
};

class JsonLocator {
 public:
  // `text` must already be valid JSON (comments allowed): the locator does not report syntax errors.
  explicit JsonLocator(const std::string& text);

  // Position of the value at `pointer` ("" is the root, "/collections/x/from"), or of the nearest
  // enclosing value that was recorded.
  TextPosition ValueAt(const std::string& pointer) const;
  // Position of the key that names the member at `pointer` (the value's position for array items).
  TextPosition KeyAt(const std::string& pointer) const;

  // Escapes one reference token per RFC 6901 ("a/b" -> "a~1b").
  static std::string Escape(const std::string& token);
  // Line and column of a 0-based byte offset.
  static TextPosition PositionOfOffset(const std::string& text, size_t offset);

 private:
  void SkipSpace();
  void ParseValue(const std::string& pointer);
  std::string ParseString();
  TextPosition Here() const { return {line_, column_}; }
  void Advance();

  const std::string text_;  // a copy: the locator outlives the text it was built from
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::map<std::string, TextPosition> values_;
  std::map<std::string, TextPosition> keys_;
};

}  // namespace sql2mongo
