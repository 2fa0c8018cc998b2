#include "sink/mongo/merge_update.h"

#include <set>
#include <string_view>
#include <vector>

#include "common/handles.h"

namespace sql2mongo {
namespace {

// The bytes of one BSON value (its type byte, then its encoding), comparable as a string.
std::string ValueKey(const bson_iter_t& iter) {
  ScopedBson holder;
  bson_append_value(holder.get(), "", 0, bson_iter_value(const_cast<bson_iter_t*>(&iter)));
  return std::string(reinterpret_cast<const char*>(bson_get_data(holder.get())), holder.get()->len);
}

// The value of `key` in an array element that is a sub-document; false for anything else.
bool ElementKey(const bson_iter_t& element, const std::string& key, std::string* out) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&element)) return false;
  bson_iter_t field;
  if (!bson_iter_recurse(&element, &field) || !bson_iter_find(&field, key.c_str())) return false;
  *out = ValueKey(field);
  return true;
}

const ArrayMerge* MergeOf(const WriteMode& mode, std::string_view field) {
  for (const auto& merge : mode.merged_arrays)
    if (merge.field == field) return &merge;
  return nullptr;
}

}  // namespace

std::string IdKey(const bson_t* doc) {
  bson_iter_t id;
  if (!bson_iter_init_find(&id, doc, "_id")) return "";
  return ValueKey(id);
}

void AppendMergedArray(bson_t* out, const char* name, const bson_iter_t* stored_array, const bson_iter_t& new_array,
                       const std::string& key) {
  struct NewElement {
    bson_iter_t iter;
    std::string key;
    bool keyed = false;
    bool used = false;
  };
  std::vector<NewElement> fresh;
  bson_iter_t it;
  if (bson_iter_recurse(&new_array, &it)) {
    while (bson_iter_next(&it)) {
      NewElement element{it, "", false, false};
      element.keyed = ElementKey(it, key, &element.key);
      fresh.push_back(std::move(element));
    }
  }
  bson_t array;
  bson_append_array_begin(out, name, -1, &array);
  uint32_t index = 0;
  auto append = [&](const bson_iter_t& element) {
    std::string position = std::to_string(index++);
    bson_append_iter(&array, position.c_str(), static_cast<int>(position.size()), &element);
  };
  std::set<std::string> placed;  // keys already written from the new array
  if (stored_array && BSON_ITER_HOLDS_ARRAY(stored_array) && bson_iter_recurse(stored_array, &it)) {
    while (bson_iter_next(&it)) {
      std::string stored_key;
      if (!ElementKey(it, key, &stored_key)) {
        append(it);
        continue;
      }
      NewElement* match = nullptr;
      for (auto& element : fresh)
        if (element.keyed && element.key == stored_key) {
          match = &element;
          break;
        }
      if (!match) {
        append(it);
        continue;
      }
      if (placed.insert(stored_key).second) append(match->iter);
      for (auto& element : fresh)
        if (element.keyed && element.key == stored_key) element.used = true;
    }
  }
  for (const auto& element : fresh)
    if (!element.used) append(element.iter);
  bson_append_array_end(out, &array);
}

void BuildMergeUpdate(const bson_t* doc, const WriteMode& mode, const bson_t* stored, bson_t* selector,
                      bson_t* update) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "_id")) bson_append_iter(selector, "_id", 3, &it);
  bson_t set;
  size_t fields = 0;
  bson_append_document_begin(update, "$set", 4, &set);
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    if (key == "_id") continue;
    ++fields;
    const ArrayMerge* merge = BSON_ITER_HOLDS_ARRAY(&it) ? MergeOf(mode, key) : nullptr;
    if (!merge) {
      bson_append_iter(&set, nullptr, 0, &it);
      continue;
    }
    bson_iter_t stored_value;
    bool has_stored = stored && bson_iter_init_find(&stored_value, stored, merge->field.c_str());
    // The compare-and-set: the update applies only to the array it was merged with.
    if (has_stored) {
      bson_append_iter(selector, merge->field.c_str(), -1, &stored_value);
    } else {
      bson_t absent;
      bson_append_document_begin(selector, merge->field.c_str(), -1, &absent);
      BSON_APPEND_BOOL(&absent, "$exists", false);
      bson_append_document_end(selector, &absent);
    }
    AppendMergedArray(&set, merge->field.c_str(), has_stored ? &stored_value : nullptr, it, merge->key);
  }
  bson_append_document_end(update, &set);
  if (fields == 0) {
    // A document of nothing but its _id: an empty $set is refused, and there is nothing to set.
    bson_reinit(update);
    bson_t on_insert;
    bson_append_document_begin(update, "$setOnInsert", -1, &on_insert);
    if (bson_iter_init_find(&it, doc, "_id")) bson_append_iter(&on_insert, "_id", 3, &it);
    bson_append_document_end(update, &on_insert);
  }
}

}  // namespace sql2mongo
