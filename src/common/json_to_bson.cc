#include "common/json_to_bson.h"

#include <bson/bson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/handles.h"

namespace sql2mongo {
namespace {

// long double rather than double as the parser's float type: with double, nlohmann stops the whole
// parse at 1e400 ("number overflow"); x86-64's long double reaches ±1e4932, and every float event comes
// with the number's text, from which a number no double holds becomes an exact Decimal128.
using WideFloatJson =
    nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t, std::uint64_t, long double>;

// Decimal128 holds 34 significant digits. jsonb prints 1e400 as a 1 and 400 zeros; moving trailing
// zeros into the exponent gives the Decimal128 that "1e400" gives (1E+400, not 1.000...E+400), so jsonb
// and the sources that keep the text agree.
std::string IntegerTextForDecimal128(const std::string& text) {
  size_t digits = text.size() - (text[0] == '-' ? 1 : 0);
  if (digits <= 34) return text;
  size_t last_nonzero = text.find_last_not_of('0');
  size_t zeros = text.size() - 1 - last_nonzero;
  if (zeros == 0) return text;
  return text.substr(0, last_nonzero + 1) + "E+" + std::to_string(zeros);
}

Value NarrowestInteger(int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return static_cast<int32_t>(v);
  return v;
}

// 0..63 from a key's length, ends and middle (Fibonacci hashing): cheap, and spread well enough that
// 7 distinct keys share a bit in about a quarter of objects, as 64 buckets allow.
unsigned KeyBit(const std::string& key) {
  if (key.empty()) return 0;
  uint64_t mix = key.size() | uint64_t{static_cast<unsigned char>(key.front())} << 16 |
                 uint64_t{static_cast<unsigned char>(key.back())} << 24 |
                 uint64_t{static_cast<unsigned char>(key[key.size() / 2])} << 32;
  return static_cast<unsigned>((mix * 0x9E3779B97F4A7C15ull) >> 58);
}

// Reads the keys back from the document itself (a child being built is a valid document at every
// step), so the parse keeps no copy of them. `scratch` is reused from object to object.
bool HasRepeatedKeys(const bson_t* doc, std::vector<std::string_view>* scratch) {
  scratch->clear();
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  while (bson_iter_next(&it)) scratch->emplace_back(bson_iter_key(&it));
  if (scratch->size() < 2) return false;
  if (scratch->size() <= 16) {  // the usual object: comparing pairs beats sorting
    for (size_t i = 1; i < scratch->size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if ((*scratch)[i] == (*scratch)[j]) return true;
    return false;
  }
  std::sort(scratch->begin(), scratch->end());
  return std::adjacent_find(scratch->begin(), scratch->end()) != scratch->end();
}

// Copies `in` to `out` keeping, for each key, its last value at the place of its first.
bool KeepLastOfEachKey(const bson_t* in, bson_t* out) {
  std::vector<bson_iter_t> members;
  std::unordered_map<std::string_view, size_t> last;
  bson_iter_t it;
  if (!bson_iter_init(&it, in)) return false;
  while (bson_iter_next(&it)) {
    last[bson_iter_key(&it)] = members.size();
    members.push_back(it);
  }
  for (size_t i = 0; i < members.size(); ++i) {
    std::string_view key = bson_iter_key(&members[i]);
    auto found = last.find(key);
    if (found == last.end()) continue;  // written already, at its first place
    if (!bson_append_iter(out, key.data(), static_cast<int>(key.size()), &members[found->second])) return false;
    last.erase(found);
  }
  return true;
}

// Builds BSON straight from nlohmann's SAX events: no DOM in between, no Extended JSON reading of keys.
// Children are built inside their parent's buffer (no copies), which cannot drop a repeated key already
// written; so an object with a repeated key ends the parse, and the rare text that has one is parsed
// again with `keep_last_of_repeated_keys`, where each container is its own document, copied into its
// parent once finished.
class BsonSaxBuilder {
 public:
  using number_integer_t = WideFloatJson::number_integer_t;
  using number_unsigned_t = WideFloatJson::number_unsigned_t;
  using number_float_t = WideFloatJson::number_float_t;
  using string_t = WideFloatJson::string_t;
  using binary_t = WideFloatJson::binary_t;

  explicit BsonSaxBuilder(bool keep_last_of_repeated_keys) : standalone_frames_(keep_last_of_repeated_keys) {}

  bool null() { return Scalar(Null{}); }
  bool boolean(bool v) { return Scalar(v); }
  bool number_integer(number_integer_t v) { return Scalar(NarrowestInteger(v)); }
  bool number_unsigned(number_unsigned_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return Scalar(NarrowestInteger(static_cast<int64_t>(v)));
    return Scalar(Decimal{std::to_string(v)});
  }
  // Integers beyond int64 / uint64 arrive here too, as the lexer's fallback: `text` tells them apart.
  bool number_float(number_float_t, const string_t& text) {
    bool is_integer = text.find_first_of(".eE") == std::string::npos;
    if (!is_integer) {
      // From the text, not the long double: rounding twice (to 64 bits, then to 53) can miss the nearest
      // double. from_chars refuses what overflows or underflows to zero (1e400, 1e-400).
      double d = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (error == std::errc() && end == text.data() + text.size()) return Scalar(d);
    }
    std::string digits = is_integer ? IntegerTextForDecimal128(text) : text;
    bson_decimal128_t exact;
    if (!bson_decimal128_from_string(digits.c_str(), &exact)) return false;  // inexact: keep the text
    return Scalar(Decimal{std::move(digits)});
  }
  bool string(string_t& v) { return Scalar(std::move(v)); }
  bool binary(binary_t&) { return false; }  // JSON text has no binary values

  bool start_object(std::size_t) { return Begin(false); }
  bool start_array(std::size_t) { return Begin(true); }
  bool key(string_t& k) {
    // One bit per key: only an object where a bit came up twice has its keys read back at its end
    // (reading them back for every object cost 15% of the parse of a 7-key document).
    Frame& top = *frames_.back();
    uint64_t bit = uint64_t{1} << KeyBit(k);
    top.maybe_repeated_key |= (top.key_bits & bit) != 0;
    top.key_bits |= bit;
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return End(); }
  bool end_array() { return End(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  // The finished value; valid after a successful parse.
  Value TakeResult() { return std::move(result_); }
  // Whether the parse stopped at a repeated key, so that parsing again with standalone frames succeeds.
  bool stopped_at_repeated_key() const { return stopped_at_repeated_key_; }

 private:
  struct Frame {
    Frame() = default;
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;
    // A child begun inside its parent lives in the parent's buffer: only standalone documents own memory.
    ~Frame() {
      if (owns_doc) bson_destroy(&doc);
    }
    bson_t doc;
    bool owns_doc = false;
    bool is_array = false;
    uint32_t next_index = 0;
    uint64_t key_bits = 0;
    bool maybe_repeated_key = false;
    std::string key_in_parent;      // standalone frames: where End() copies this one into its parent
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
    // libbson refuses a key with a NUL inside (\u0000 in JSON), which ends the parse: the text is kept.
    if (std::holds_alternative<Null>(v)) return bson_append_null(doc, key.data(), len);
    if (auto* x = std::get_if<bool>(&v)) return bson_append_bool(doc, key.data(), len, *x);
    if (auto* x = std::get_if<int32_t>(&v)) return bson_append_int32(doc, key.data(), len, *x);
    if (auto* x = std::get_if<int64_t>(&v)) return bson_append_int64(doc, key.data(), len, *x);
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
    if (frames_.empty() || standalone_frames_) {
      if (!frames_.empty()) frame->key_in_parent = NextKey();
      bson_init(&frame->doc);
      frame->owns_doc = true;
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
    bson_t* finished = &frame->doc;
    std::optional<ScopedBson> deduplicated;
    if (frame->maybe_repeated_key && HasRepeatedKeys(&frame->doc, &key_views_)) {
      if (!standalone_frames_) {
        stopped_at_repeated_key_ = true;
        return false;
      }
      deduplicated.emplace();
      if (!KeepLastOfEachKey(&frame->doc, deduplicated->get())) return false;
      finished = deduplicated->get();
    }
    if (frames_.empty()) {
      const uint8_t* data = bson_get_data(finished);
      result_ = RawBson{std::vector<uint8_t>(data, data + finished->len), frame->is_array};
      return true;
    }
    bson_t* parent = &frames_.back()->doc;
    if (!standalone_frames_)
      return frame->is_array ? bson_append_array_end(parent, &frame->doc)
                             : bson_append_document_end(parent, &frame->doc);
    const std::string& key = frame->key_in_parent;
    int len = static_cast<int>(key.size());
    return frame->is_array ? bson_append_array(parent, key.data(), len, finished)
                           : bson_append_document(parent, key.data(), len, finished);
  }

  const bool standalone_frames_;
  // The containers open at this point of the text, outermost first.
  std::vector<std::unique_ptr<Frame>> frames_;
  std::string key_;  // the key of the next member of the innermost object
  std::vector<std::string_view> key_views_;
  char index_buffer_[16];
  Value result_;
  bool stopped_at_repeated_key_ = false;
};

}  // namespace

Value JsonTextToValue(std::string_view json, bool* kept_as_text) {
  for (bool keep_last_of_repeated_keys : {false, true}) {
    BsonSaxBuilder builder(keep_last_of_repeated_keys);
    bool ok = WideFloatJson::sax_parse(json.begin(), json.end(), &builder, nlohmann::json::input_format_t::json,
                                       /*strict=*/true, /*ignore_comments=*/false);
    if (ok) {
      if (kept_as_text) *kept_as_text = false;
      return builder.TakeResult();
    }
    if (!builder.stopped_at_repeated_key()) break;
  }
  if (kept_as_text) *kept_as_text = true;
  return std::string(json);
}

}  // namespace sql2mongo
