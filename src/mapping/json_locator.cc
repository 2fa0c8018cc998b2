#include "mapping/json_locator.h"

namespace sql2mongo {

JsonLocator::JsonLocator(const std::string& text) : text_(text) {
  SkipSpace();
  if (pos_ < text_.size()) ParseValue("");
}

TextPosition JsonLocator::PositionOfOffset(const std::string& text, size_t offset) {
  TextPosition p{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::string JsonLocator::Escape(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

TextPosition JsonLocator::ValueAt(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    auto it = values_.find(p);
    if (it != values_.end()) return it->second;
    size_t slash = p.rfind('/');
    if (slash == std::string::npos) return {1, 1};
    p = p.substr(0, slash);
  }
}

TextPosition JsonLocator::KeyAt(const std::string& pointer) const {
  auto it = keys_.find(pointer);
  return it != keys_.end() ? it->second : ValueAt(pointer);
}

void JsonLocator::Advance() {
  if (text_[pos_] == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  ++pos_;
}

void JsonLocator::SkipSpace() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      Advance();
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      while (pos_ < text_.size() && text_[pos_] != '\n') Advance();
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      Advance();
      Advance();
      while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) Advance();
      if (pos_ + 1 < text_.size()) {
        Advance();
        Advance();
      }
    } else {
      return;
    }
  }
}

std::string JsonLocator::ParseString() {
  std::string out;
  Advance();  // opening quote
  while (pos_ < text_.size() && text_[pos_] != '"') {
    if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
      Advance();
      char e = text_[pos_];
      // Keys are compared with what nlohmann decoded; the common escapes are enough for mapping keys.
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
    } else {
      out += text_[pos_];
    }
    Advance();
  }
  if (pos_ < text_.size()) Advance();  // closing quote
  return out;
}

void JsonLocator::ParseValue(const std::string& pointer) {
  values_[pointer] = Here();
  char c = text_[pos_];
  if (c == '{') {
    Advance();
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] == '}') break;
      TextPosition key_position = Here();
      std::string key = ParseString();
      std::string child = pointer + "/" + Escape(key);
      keys_[child] = key_position;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ':') Advance();
      SkipSpace();
      if (pos_ < text_.size()) ParseValue(child);
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') Advance();
    }
    if (pos_ < text_.size()) Advance();
  } else if (c == '[') {
    Advance();
    for (int index = 0;; ++index) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] == ']') break;
      ParseValue(pointer + "/" + std::to_string(index));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') Advance();
    }
    if (pos_ < text_.size()) Advance();
  } else if (c == '"') {
    ParseString();
  } else {
    while (pos_ < text_.size()) {
      char d = text_[pos_];
      if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\t' || d == '\r' || d == '/') break;
      Advance();
    }
  }
}

}  // namespace sql2mongo
