#include "sink/mongo/mongo_indexes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <map>
#include <optional>

#include "common/handles.h"
#include "common/json_to_bson.h"

namespace sql2mongo {
namespace {

constexpr size_t kDuplicatesShown = 5;

// Server codes that say the request conflicts with what is there, not that an option is missing.
bool IsConflict(const bson_error_t& error) {
  return error.code == 85 /* IndexOptionsConflict */ || error.code == 86 /* IndexKeySpecsConflict */ ||
         error.code == 11000 /* DuplicateKey */;
}

// FerretDB v1 quotes the option it refuses as a Go value dump: `support for field "validator" with value
// &{map[$jsonSchema:1] [{0x37bdc4608330 $jsonSchema}] false 0} is not implemented yet`. The dump (with
// its memory addresses) says nothing to a user and changes every run, so it is cut out.
std::string WithoutGoValueDump(std::string message) {
  const std::string dump = " with value &{";
  size_t from = message.find(dump);
  size_t to = from == std::string::npos ? from : message.find("} is not implemented", from);
  if (to != std::string::npos) message.erase(from, to + 1 - from);
  return message;
}

bool IsServerAnswer(const bson_error_t& error) {
  return error.domain == MONGOC_ERROR_SERVER || error.domain == MONGOC_ERROR_QUERY ||
         error.domain == MONGOC_ERROR_COMMAND;
}

// JSON text (a partial filter, a collation, a schema) appended as a sub-document under `key`; its keys
// are taken literally ("$gt" stays an operator), which bson_init_from_json would read as Extended JSON.
bool AppendJsonDocument(bson_t* into, const char* key, const std::string& json) {
  Value value = JsonTextToValue(json);
  const auto* raw = std::get_if<RawBson>(&value);
  if (!raw || raw->is_array) return false;
  bson_t doc;
  if (!bson_init_static(&doc, raw->bytes.data(), raw->bytes.size())) return false;
  return BSON_APPEND_DOCUMENT(into, key, &doc);
}

void AppendKeys(bson_t* into, const IndexSpec& index) {
  bson_t keys;
  BSON_APPEND_DOCUMENT_BEGIN(into, "key", &keys);
  for (const auto& [path, kind] : index.keys) {
    if (kind == "1" || kind == "-1") BSON_APPEND_INT32(&keys, path.c_str(), kind == "1" ? 1 : -1);
    else BSON_APPEND_UTF8(&keys, path.c_str(), kind.c_str());
  }
  bson_append_document_end(into, &keys);
}

void AppendIndex(bson_t* array, uint32_t position, const IndexSpec& index) {
  std::string key = std::to_string(position);
  bson_t spec;
  BSON_APPEND_DOCUMENT_BEGIN(array, key.c_str(), &spec);
  AppendKeys(&spec, index);
  BSON_APPEND_UTF8(&spec, "name", index.name.c_str());
  if (index.unique) BSON_APPEND_BOOL(&spec, "unique", true);
  if (index.sparse) BSON_APPEND_BOOL(&spec, "sparse", true);
  if (index.ttl_seconds) BSON_APPEND_INT32(&spec, "expireAfterSeconds", *index.ttl_seconds);
  if (!index.partial_json.empty()) AppendJsonDocument(&spec, "partialFilterExpression", index.partial_json);
  if (!index.collation_json.empty()) AppendJsonDocument(&spec, "collation", index.collation_json);
  bson_append_document_end(array, &spec);
}

// An index as listIndexes gives it, in IndexSpec's terms, for comparing with the mapping's.
struct StoredIndex {
  std::vector<std::pair<std::string, std::string>> keys;
  bool unique = false, sparse = false, partial = false, collation = false;
  std::optional<int64_t> ttl;
};

std::string KindOf(const bson_iter_t* value) {
  if (BSON_ITER_HOLDS_UTF8(value)) return bson_iter_utf8(value, nullptr);
  return bson_iter_as_int64(value) < 0 ? "-1" : "1";  // servers give 1 as int32, int64 or double
}

StoredIndex ReadStoredIndex(const bson_t* doc) {
  StoredIndex stored;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return stored;
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    if (key == "key" && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_t keys;
      bson_iter_recurse(&it, &keys);
      while (bson_iter_next(&keys)) stored.keys.emplace_back(bson_iter_key(&keys), KindOf(&keys));
    } else if (key == "unique") {
      stored.unique = bson_iter_as_bool(&it);
    } else if (key == "sparse") {
      stored.sparse = bson_iter_as_bool(&it);
    } else if (key == "expireAfterSeconds") {
      stored.ttl = bson_iter_as_int64(&it);
    } else if (key == "partialFilterExpression") {
      stored.partial = true;
    } else if (key == "collation") {
      stored.collation = true;
    }
  }
  return stored;
}

// What differs between the mapping's index and the stored one of the same name, "" when nothing does.
// Filters and collations are compared by presence: servers normalize them.
std::string Difference(const IndexSpec& wanted, const StoredIndex& stored) {
  std::vector<std::string> differences;
  auto keys_text = [](const auto& keys) {
    std::vector<std::string> parts;
    for (const auto& [path, kind] : keys) parts.push_back(fmt::format("{}: {}", path, kind));
    return fmt::format("{{{}}}", fmt::join(parts, ", "));
  };
  if (wanted.keys != stored.keys)
    differences.push_back(fmt::format("keys {} there, {} in the mapping", keys_text(stored.keys), keys_text(wanted.keys)));
  if (wanted.unique != stored.unique) differences.push_back(fmt::format("unique {} there", stored.unique));
  // FerretDB v1 takes "sparse" and keeps no trace of it: only a sparse index there is a difference.
  if (stored.sparse && !wanted.sparse) differences.push_back("sparse there");
  std::optional<int64_t> wanted_ttl;
  if (wanted.ttl_seconds) wanted_ttl = *wanted.ttl_seconds;
  if (wanted_ttl != stored.ttl)
    differences.push_back(stored.ttl ? fmt::format("ttl {} s there", *stored.ttl) : "no ttl there");
  if (wanted.partial_json.empty() == stored.partial)
    differences.push_back(stored.partial ? "a partial filter there" : "no partial filter there");
  if (wanted.collation_json.empty() == stored.collation)
    differences.push_back(stored.collation ? "a collation there" : "no collation there");
  return fmt::format("{}", fmt::join(differences, "; "));
}

class IndexCreator {
 public:
  explicit IndexCreator(const MongoCollectionRef& where)
      : where_(where),
        collection_(mongoc_client_get_collection(where.client, where.database.c_str(), where.collection.c_str())) {}

  Result<std::vector<IndexOutcome>> Create(const std::vector<IndexSpec>& indexes) {
    S2M_ASSIGN_OR_RETURN(auto stored, ListIndexes());
    std::vector<IndexOutcome> outcomes;
    std::vector<const IndexSpec*> missing;
    for (const IndexSpec& index : indexes) {
      auto found = stored.find(index.name);
      if (found == stored.end()) {
        missing.push_back(&index);
        continue;
      }
      std::string difference = Difference(index, found->second);
      if (!difference.empty())
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("target {}: collection '{}' already has an index named '{}' with another "
                                         "spec ({}); drop it (db.{}.dropIndex(\"{}\")) or give the mapping's index "
                                         "another \"name\"",
                                         where_.target, where_.shown_name, index.name, difference, where_.shown_name,
                                         index.name));
      outcomes.push_back(Outcome(index, IndexOutcome::State::kAlreadyThere));
    }
    if (missing.empty()) return outcomes;
    bson_error_t error;
    if (Send(missing, &error)) {
      for (const IndexSpec* index : missing) outcomes.push_back(Outcome(*index, IndexOutcome::State::kCreated));
      return outcomes;
    }
    if (!IsServerAnswer(error)) return Failure(missing.size() == 1 ? missing[0] : nullptr, error);
    // Which index failed, and why: duplicates first (they fail the run), then each index alone.
    for (const IndexSpec* index : missing) S2M_RETURN_IF_ERROR(RefuseDuplicates(*index, error));
    for (const IndexSpec* index : missing) {
      if (Send({index}, &error)) {
        outcomes.push_back(Outcome(*index, IndexOutcome::State::kCreated));
        continue;
      }
      if (!IsServerAnswer(error) || IsConflict(error)) return Failure(index, error);
      IndexOutcome refused = Outcome(*index, IndexOutcome::State::kRefused);
      refused.reason = fmt::format("{} (code {})", error.message, error.code);
      spdlog::warn("collection {}: index '{}'{} refused by {}: {}", where_.shown_name, index->name,
                   index->DescribeOptions().empty() ? "" : " (" + index->DescribeOptions() + ")", where_.target,
                   refused.reason);
      outcomes.push_back(std::move(refused));
    }
    return outcomes;
  }

 private:
  IndexOutcome Outcome(const IndexSpec& index, IndexOutcome::State state) const {
    return IndexOutcome{where_.shown_name, index.name, state, ""};
  }

  Result<std::map<std::string, StoredIndex>> ListIndexes() {
    std::map<std::string, StoredIndex> stored;
    MongoCursor cursor(mongoc_collection_find_indexes_with_opts(collection_.get(), nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) {
      bson_iter_t name;
      if (bson_iter_init_find(&name, doc, "name") && BSON_ITER_HOLDS_UTF8(&name))
        stored[bson_iter_utf8(&name, nullptr)] = ReadStoredIndex(doc);
    }
    bson_error_t error;
    // A collection the source had no rows for may not exist yet: no indexes (26: NamespaceNotFound).
    if (mongoc_cursor_error(cursor.get(), &error) && error.code != 26)
      return Status::Error(StatusCode::kTargetError, fmt::format("target {}: cannot list the indexes of '{}': {}",
                                                                 where_.target, where_.shown_name, error.message));
    return stored;
  }

  bool Send(const std::vector<const IndexSpec*>& indexes, bson_error_t* error) {
    ScopedBson command, list, reply;
    BSON_APPEND_UTF8(command.get(), "createIndexes", where_.collection.c_str());
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(command.get(), "indexes", &array);
    for (size_t i = 0; i < indexes.size(); ++i) AppendIndex(&array, static_cast<uint32_t>(i), *indexes[i]);
    bson_append_array_end(command.get(), &array);
    return mongoc_client_command_simple(where_.client, where_.database.c_str(), command.get(), nullptr,
                                        reply.ResetForOutput(), error);
  }

  Status Failure(const IndexSpec* index, const bson_error_t& error) const {
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: cannot create {} of collection '{}': {} (code {})", where_.target,
                                     index ? fmt::format("index '{}'", index->name) : std::string("the indexes"),
                                     where_.shown_name, error.message, error.code));
  }

  // A unique index whose keys the documents repeat: a failed Status naming the first duplicates, found
  // by grouping on the keys (only over the documents the index would hold: sparse and partial).
  Status RefuseDuplicates(const IndexSpec& index, const bson_error_t& refusal) {
    if (!index.unique) return Status::Ok();
    // The pipeline as a top-level array document ("0", "1", ...): the form libmongoc sends as it is.
    ScopedBson pipeline;
    bson_t& stages = *pipeline.get();
    bson_t stage, inner, group_id, count, sum;
    uint32_t n = 0;
    std::string key;  // the BSON_APPEND macros read their key twice: so the stage's key is made before
    auto next = [&n, &key] { key = std::to_string(n++); };
    if (index.sparse || !index.partial_json.empty()) {
      next();
    BSON_APPEND_DOCUMENT_BEGIN(&stages, key.c_str(), &stage);
      BSON_APPEND_DOCUMENT_BEGIN(&stage, "$match", &inner);
      if (!index.partial_json.empty()) {
        bson_t and_list, filter;
        BSON_APPEND_ARRAY_BEGIN(&inner, "$and", &and_list);
        AppendJsonDocument(&and_list, "0", index.partial_json);
        BSON_APPEND_DOCUMENT_BEGIN(&and_list, "1", &filter);
        if (index.sparse)
          for (const auto& [path, kind] : index.keys) BCON_APPEND(&filter, path.c_str(), "{", "$exists", BCON_BOOL(true), "}");
        bson_append_document_end(&and_list, &filter);
        bson_append_array_end(&inner, &and_list);
      } else {
        for (const auto& [path, kind] : index.keys) BCON_APPEND(&inner, path.c_str(), "{", "$exists", BCON_BOOL(true), "}");
      }
      bson_append_document_end(&stage, &inner);
      bson_append_document_end(&stages, &stage);
    }
    next();
    BSON_APPEND_DOCUMENT_BEGIN(&stages, key.c_str(), &stage);
    BSON_APPEND_DOCUMENT_BEGIN(&stage, "$group", &inner);
    BSON_APPEND_DOCUMENT_BEGIN(&inner, "_id", &group_id);
    // Group keys cannot hold '.', so k0, k1, ... stand for the paths.
    for (size_t i = 0; i < index.keys.size(); ++i)
      BSON_APPEND_UTF8(&group_id, fmt::format("k{}", i).c_str(), ("$" + index.keys[i].first).c_str());
    bson_append_document_end(&inner, &group_id);
    BSON_APPEND_DOCUMENT_BEGIN(&inner, "count", &count);
    BSON_APPEND_INT32(&count, "$sum", 1);
    bson_append_document_end(&inner, &count);
    bson_append_document_end(&stage, &inner);
    bson_append_document_end(&stages, &stage);
    next();
    BSON_APPEND_DOCUMENT_BEGIN(&stages, key.c_str(), &stage);
    BSON_APPEND_DOCUMENT_BEGIN(&stage, "$match", &inner);
    BSON_APPEND_DOCUMENT_BEGIN(&inner, "count", &sum);
    BSON_APPEND_INT32(&sum, "$gt", 1);
    bson_append_document_end(&inner, &sum);
    bson_append_document_end(&stage, &inner);
    bson_append_document_end(&stages, &stage);
    next();
    BSON_APPEND_DOCUMENT_BEGIN(&stages, key.c_str(), &stage);
    BSON_APPEND_INT32(&stage, "$limit", static_cast<int32_t>(kDuplicatesShown));
    bson_append_document_end(&stages, &stage);

    MongoCursor cursor(mongoc_collection_aggregate(collection_.get(), MONGOC_QUERY_NONE, pipeline.get(), nullptr, nullptr));
    std::vector<std::string> duplicates;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) duplicates.push_back(DuplicateText(index, doc));
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error)) {
      spdlog::warn("collection {}: could not look for the duplicate keys of index '{}': {}", where_.shown_name,
                   index.name, error.message);
      return Status::Ok();
    }
    if (duplicates.empty()) return Status::Ok();
    return Status::Error(
        StatusCode::kTargetError,
        fmt::format("target {}: unique index '{}' of collection '{}' cannot be created: its keys repeat in the "
                    "documents, e.g. {}{}; remove the duplicates in the source, or drop \"unique\" from the index in "
                    "the mapping (the server said: {}, code {})",
                    where_.target, index.name, where_.shown_name, fmt::join(duplicates, ", "),
                    duplicates.size() == kDuplicatesShown ? " (the first few)" : "", refusal.message, refusal.code));
  }

  // {"name": "a"} in 3 documents: the group's _id with the paths back in place of k0, k1, ...
  static std::string DuplicateText(const IndexSpec& index, const bson_t* group) {
    ScopedBson keys;
    int64_t count = 0;
    bson_iter_t it, id;
    if (bson_iter_init_find(&it, group, "count")) count = bson_iter_as_int64(&it);
    if (bson_iter_init_find(&it, group, "_id") && BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &id)) {
      while (bson_iter_next(&id)) {
        size_t i = std::stoul(std::string(bson_iter_key(&id)).substr(1));
        const std::string& path = i < index.keys.size() ? index.keys[i].first : bson_iter_key(&id);
        bson_append_iter(keys.get(), path.c_str(), static_cast<int>(path.size()), &id);
      }
    }
    // A document without the key groups as no key at all: MongoDB indexes it as null.
    for (const auto& [path, kind] : index.keys)
      if (!bson_has_field(keys.get(), path.c_str())) BSON_APPEND_NULL(keys.get(), path.c_str());
    char* text = bson_as_relaxed_extended_json(keys.get(), nullptr);
    std::string out = fmt::format("{} in {} documents", text ? text : "?", count);
    bson_free(text);
    return out;
  }

  const MongoCollectionRef& where_;
  MongoCollection collection_;
};

}  // namespace

Result<std::vector<IndexOutcome>> CreateMongoIndexes(const MongoCollectionRef& where,
                                                     const std::vector<IndexSpec>& indexes) {
  if (indexes.empty()) return std::vector<IndexOutcome>{};
  return IndexCreator(where).Create(indexes);
}

namespace {

// Whether the collection exists, and if so its estimated documents; false with *error when unknown.
bool LookUp(const MongoCollectionRef& where, bool* exists, int64_t* documents, bson_error_t* error) {
  MongoDatabase database(mongoc_client_get_database(where.client, where.database.c_str()));
  ScopedBson options;
  BCON_APPEND(options.get(), "filter", "{", "name", BCON_UTF8(where.collection.c_str()), "}");
  char** names = mongoc_database_get_collection_names_with_opts(database.get(), options.get(), error);
  if (!names) return false;
  *exists = false;  // a server may ignore the filter (mongo-java-server does): look for the name
  for (char** name = names; *name; ++name) *exists = *exists || where.collection == *name;
  bson_strfreev(names);
  *documents = 0;
  if (!*exists) return true;
  MongoCollection collection(mongoc_client_get_collection(where.client, where.database.c_str(), where.collection.c_str()));
  *documents = mongoc_collection_estimated_document_count(collection.get(), nullptr, nullptr, nullptr, error);
  return *documents >= 0;
}

// `verb`: "collMod" (the collection exists) or "create" (it does not).
bool SendValidator(const MongoCollectionRef& where, const char* verb, const bson_t* validator, Validation level,
                   bson_error_t* error) {
  ScopedBson command, reply;
  BSON_APPEND_UTF8(command.get(), verb, where.collection.c_str());
  BSON_APPEND_DOCUMENT(command.get(), "validator", validator);
  BSON_APPEND_UTF8(command.get(), "validationLevel", ValidationName(level));
  BSON_APPEND_UTF8(command.get(), "validationAction", "error");
  return mongoc_client_command_simple(where.client, where.database.c_str(), command.get(), nullptr,
                                      reply.ResetForOutput(), error);
}

// Whether listCollections shows a validator on the collection: mongo-java-server answers ok to one and
// keeps none, and a validator the server does not keep is not installed.
bool KeepsValidator(const MongoCollectionRef& where) {
  MongoDatabase database(mongoc_client_get_database(where.client, where.database.c_str()));
  MongoCursor cursor(mongoc_database_find_collections_with_opts(database.get(), nullptr));
  const bson_t* doc = nullptr;
  bool kept = false;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    bson_iter_t name, validator;
    if (bson_iter_init_find(&name, doc, "name") && BSON_ITER_HOLDS_UTF8(&name) &&
        where.collection == bson_iter_utf8(&name, nullptr))
      kept = bson_iter_init_find(&validator, doc, "options") && BSON_ITER_HOLDS_DOCUMENT(&validator) &&
             bson_iter_find_descendant(&validator, "validator", &name);
  }
  return kept;
}

}  // namespace

Status InstallMongoValidator(const MongoCollectionRef& where, const std::string& json_schema, Validation level) {
  ScopedBson validator;
  if (!AppendJsonDocument(validator.get(), "$jsonSchema", json_schema))
    return Status::Error(StatusCode::kInternal, "the collection's $jsonSchema is not a JSON object");
  bson_error_t error;
  bool exists = false;
  int64_t documents = 0;
  if (!LookUp(where, &exists, &documents, &error))
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: cannot look up collection '{}': {}",
                                                               where.target, where.shown_name, error.message));
  bool sent = false;
  if (exists) {
    sent = SendValidator(where, "collMod", validator.get(), level, &error);
    // A server without collMod (mongo-java-server: CommandNotFound) takes a validator at create: an
    // empty collection (a --drop staging one, made by Prepare) is made again with it.
    if (!sent && error.code == 59 && documents == 0) {
      MongoCollection collection(
          mongoc_client_get_collection(where.client, where.database.c_str(), where.collection.c_str()));
      if (mongoc_collection_drop(collection.get(), &error)) exists = false;
    }
  }
  if (!exists) sent = SendValidator(where, "create", validator.get(), level, &error);
  if (sent && KeepsValidator(where)) return Status::Ok();
  if (sent)
    return Status::Error(StatusCode::kUnsupported,
                         fmt::format("target {} accepted the validator of collection '{}' but keeps none "
                                     "(listCollections shows no validator, so it would not be enforced)",
                                     where.target, where.shown_name));
  std::string message = fmt::format("target {} refuses the validator of collection '{}': {} (code {})", where.target,
                                    where.shown_name, WithoutGoValueDump(error.message), error.code);
  return Status::Error(IsServerAnswer(error) ? StatusCode::kUnsupported : StatusCode::kTargetError, message);
}

}  // namespace sql2mongo
