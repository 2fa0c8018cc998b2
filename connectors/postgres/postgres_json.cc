#include "postgres/postgres_json.h"

#include <bson/bson.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

namespace sql2mongo {
namespace {

// Builds BSON straight from nlohmann's SAX events: no DOM in between, no Extended JSON reading of keys.
class BsonSaxBuilder {
 public:
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  ~BsonSaxBuilder() {
    // After a parse error: children begun inside the root live in the root's buffer, so only the root
    // owns memory.
    if (!frames_.empty()) bson_destroy(&frames_.front()->doc);
  }

  bool null() { return Scalar(Null{}); }
  bool boolean(bool v) { return Scalar(v); }
  bool number_integer(number_integer_t v) { return Scalar(static_cast<int64_t>(v)); }
  bool number_unsigned(number_unsigned_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return Scalar(static_cast<int64_t>(v));
    return Scalar(Decimal{std::to_string(v)});
  }
  bool number_float(number_float_t v, const string_t&) { return Scalar(static_cast<double>(v)); }
  bool string(string_t& v) { return Scalar(std::move(v)); }
  bool binary(binary_t&) { return false; }  // JSON text has no binary values

  bool start_object(std::size_t) { return Begin(false); }
  bool start_array(std::size_t) { return Begin(true); }
  bool key(string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return End(); }
  bool end_array() { return End(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  // The finished value; valid after a successful parse.
  Value TakeResult() { return std::move(result_); }

 private:
  struct Frame {
    bson_t doc;
    bool is_array = false;
    uint32_t next_index = 0;
  };

  // The key of the next member of the innermost container ("0", "1", ... in arrays).
  std::string_view NextKey() {
    Frame& top = *frames_.back();
    if (!top.is_array) return key_;
    const char* key;
    size_t length = bson_uint32_to_string(top.next_index++, &key, index_buffer_, sizeof index_buffer_);
    return std::string_view(key, length);
  }

  bool Scalar(Value v) {
    if (frames_.empty()) {
      result_ = std::move(v);
      return true;
    }
    std::string_view key = NextKey();
    bson_t* doc = &frames_.back()->doc;
    int len = static_cast<int>(key.size());
    if (std::holds_alternative<Null>(v)) return bson_append_null(doc, key.data(), len);
    if (auto* x = std::get_if<bool>(&v)) return bson_append_bool(doc, key.data(), len, *x);
    if (auto* x = std::get_if<int64_t>(&v)) {
      // The narrowest integer that holds the value, as the SQLite connector does for untyped integers.
      if (*x >= INT32_MIN && *x <= INT32_MAX) return bson_append_int32(doc, key.data(), len, static_cast<int32_t>(*x));
      return bson_append_int64(doc, key.data(), len, *x);
    }
    if (auto* x = std::get_if<double>(&v)) return bson_append_double(doc, key.data(), len, *x);
    if (auto* x = std::get_if<Decimal>(&v)) {
      bson_decimal128_t d;
      return bson_decimal128_from_string(x->digits.c_str(), &d) && bson_append_decimal128(doc, key.data(), len, &d);
    }
    if (auto* x = std::get_if<std::string>(&v))
      return bson_append_utf8(doc, key.data(), len, x->data(), static_cast<int>(x->size()));
    return false;
  }

  bool Begin(bool is_array) {
    auto frame = std::make_unique<Frame>();
    frame->is_array = is_array;
    if (frames_.empty()) {
      bson_init(&frame->doc);
    } else {
      std::string_view key = NextKey();
      bson_t* parent = &frames_.back()->doc;
      bool ok = is_array ? bson_append_array_begin(parent, key.data(), static_cast<int>(key.size()), &frame->doc)
                         : bson_append_document_begin(parent, key.data(), static_cast<int>(key.size()), &frame->doc);
      if (!ok) return false;
    }
    frames_.push_back(std::move(frame));
    return true;
  }

  bool End() {
    std::unique_ptr<Frame> frame = std::move(frames_.back());
    frames_.pop_back();
    if (frames_.empty()) {
      const uint8_t* data = bson_get_data(&frame->doc);
      result_ = RawBson{std::vector<uint8_t>(data, data + frame->doc.len), frame->is_array};
      bson_destroy(&frame->doc);
      return true;
    }
    bson_t* parent = &frames_.back()->doc;
    return frame->is_array ? bson_append_array_end(parent, &frame->doc) : bson_append_document_end(parent, &frame->doc);
  }

  std::vector<std::unique_ptr<Frame>> frames_;
  std::string key_;
  char index_buffer_[16];
  Value result_;
};

}  // namespace

Value JsonTextToValue(std::string_view json) {
  BsonSaxBuilder builder;
  bool ok = nlohmann::json::sax_parse(json.begin(), json.end(), &builder, nlohmann::json::input_format_t::json,
                                      /*strict=*/true, /*ignore_comments=*/false);
  if (!ok) return std::string(json);
  return builder.TakeResult();
}

}  // namespace sql2mongo
