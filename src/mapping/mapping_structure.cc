// valijson reports a failure as a chain: the constraint that failed at a value, then "failed to validate
// against ..." for each enclosing schema, and under a oneOf the failures of every branch mixed together.
// Each value with failures gets ONE message here: the branch meant is the one whose JSON type the value
// has (every oneOf of the schema tells its branches apart by type), the words come from the schema
// (titles, descriptions, examples), and the wrappers are dropped. What valijson leaves unsaid (which
// property name broke "propertyNames", which of several "if"/"then" rules failed) is asked of valijson
// again, one sub-schema at a time (MappingSchema::Fits).
#include "mapping/mapping_structure.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <valijson/validation_results.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/edit_distance.h"
#include "mapping/json_locator.h"
#include "mapping/mapping_schema.h"

namespace sql2mongo {
namespace {

using OrderedJson = nlohmann::ordered_json;
using PlainJson = nlohmann::json;

// One step into the document: a member's name, or an array item's index.
struct Step {
  std::string name;
  bool index = false;
};
using Path = std::vector<Step>;

std::string PointerOf(const Path& path) {
  std::string pointer;
  for (const auto& step : path) pointer += "/" + JsonLocator::Escape(step.name);
  return pointer;
}

Path Child(Path path, std::string name, bool index = false) {
  path.push_back({std::move(name), index});
  return path;
}

bool IsIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; });
}

// The document's own terms for where: collections.c.fields["name.first"], collections.c.order_by[1].
std::string PathText(const Path& path) {
  std::string text;
  for (const auto& step : path) {
    if (step.index) text += "[" + step.name + "]";
    else if (IsIdentifier(step.name)) text += (text.empty() ? "" : ".") + step.name;
    else text += "[" + PlainJson(step.name).dump() + "]";
  }
  return text;
}

// "where: what", or just "what" at the top level.
std::string Located(const Path& where, const std::string& what) {
  std::string prefix = PathText(where);
  return prefix.empty() ? what : prefix + ": " + what;
}

// A message about a value names it by its key ('order_by', 'order_by[1]') after the path of the object
// holding it: "collections.c: 'order_by[1]' must be ...".
std::string AboutValue(const Path& path, const std::string& what) {
  if (path.empty()) return "the mapping file " + what;
  size_t key = path.size() - 1;
  while (key > 0 && path[key].index) --key;
  Path holder(path.begin(), path.begin() + static_cast<long>(key));
  Path named(path.begin() + static_cast<long>(key), path.end());
  return Located(holder, "'" + PathText(named) + "' " + what);
}

const PlainJson* ValueAt(const PlainJson& document, const Path& path) {
  const PlainJson* value = &document;
  for (const auto& step : path) {
    if (step.index) {
      size_t i = std::stoul(step.name);
      if (!value->is_array() || i >= value->size()) return nullptr;
      value = &(*value)[i];
    } else {
      if (!value->is_object() || !value->contains(step.name)) return nullptr;
      value = &(*value)[step.name];
    }
  }
  return value;
}

// JSON with a space after ':' and ',', as people write it in a mapping.
std::string Inline(const OrderedJson& value) {
  std::string out;
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      out += (out.empty() ? "" : ", ") + OrderedJson(it.key()).dump() + ": " + Inline(it.value());
    return "{" + out + "}";
  }
  if (value.is_array()) {
    for (const auto& item : value) out += (out.empty() ? "" : ", ") + Inline(item);
    return "[" + out + "]";
  }
  return value.dump();
}

// "a, b or c" (conjunction "or"), "a and b" (conjunction "and").
std::string Enumerate(const std::vector<std::string>& items, const std::string& conjunction) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " " + conjunction + " " : ", ") + items[i];
  return out;
}

std::string TypePhrase(const std::string& type) {
  if (type == "object") return "an object";
  if (type == "array") return "a list";
  if (type == "integer") return "an integer";
  if (type == "boolean") return "true or false";
  if (type == "null") return "null";
  return "a " + type;
}

std::string ActualPhrase(const PlainJson& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "a list";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return value.dump();
  if (value.is_null()) return "null";
  return "a number";
}

std::vector<std::string> Strings(const OrderedJson* list) {
  std::vector<std::string> out;
  if (!list || !list->is_array()) return out;
  for (const auto& item : *list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// What valijson said failed at one value, by kind (its descriptions are fixed English sentences).
enum class Failure {
  kType, kRequired, kUnknownKey, kEnum, kConst, kPattern, kMinLength, kMinItems, kMinProperties, kNot,
  kCondition, kNoBranch, kSeveralBranches, kWrapper, kOther
};

Failure Classify(const std::string& description) {
  auto starts = [&](const char* prefix) { return description.rfind(prefix, 0) == 0; };
  if (starts("Value type not permitted")) return Failure::kType;
  if (starts("Missing required property")) return Failure::kRequired;
  if (starts("Object contains a property that could not be validated")) return Failure::kUnknownKey;
  if (starts("Failed to match against any enum values")) return Failure::kEnum;
  if (starts("Failed to match expected value set by 'const'")) return Failure::kConst;
  if (starts("Failed to match regex")) return Failure::kPattern;
  if (starts("String should be no fewer than")) return Failure::kMinLength;
  if (starts("Array should contain no fewer than")) return Failure::kMinItems;
  if (starts("Object should have no fewer than")) return Failure::kMinProperties;
  if (starts("Target should not validate against schema specified in 'not'")) return Failure::kNot;
  if (starts("Failed to validate against a conditional schema")) return Failure::kCondition;
  if (starts("Failed to validate against any child schemas allowed by oneOf") ||
      starts("Failed to validate against any schemas allowed by anyOf"))
    return Failure::kNoBranch;
  if (starts("Failed to validate against exactly one child schema")) return Failure::kSeveralBranches;
  if (starts("Failed to validate against child schema") || starts("Failed to validate against schema associated") ||
      starts("Failed to validate against additional properties") || starts("Failed to validate item") ||
      starts("Cannot validate item"))
    return Failure::kWrapper;
  return Failure::kOther;
}

// Everything valijson reported at one value of the document.
struct FailuresAt {
  Path path;
  std::set<Failure> kinds;
  std::vector<std::string> missing;       // names from "Missing required property 'X'"
  std::vector<std::string> descriptions;  // valijson's own words, for failures this file does not know
};

struct Finding {
  StructureProblem problem;
  std::string object;                 // pointer of the object a missing or unknown key belongs to
  std::vector<std::string> missing;   // the keys whose absence it reports
  std::string meant;                  // for an unknown key: the allowed key it is probably a typo of
};

class Explainer {
 public:
  Explainer(const MappingSchema& schema, const PlainJson& document) : schema_(schema), document_(document) {}

  std::vector<StructureProblem> Explain(const valijson::ValidationResults& results) {
    for (const FailuresAt& at : Group(results)) ExplainValue(at);
    CheckNames({}, document_, "");
    DropConsequences();
    std::vector<StructureProblem> problems;
    for (auto& f : findings_) problems.push_back(std::move(f.problem));
    if (problems.empty()) problems.push_back(Unexplained(results));
    return problems;
  }

 private:
  // valijson's context ("<root>", "[collections]", "[c]", "[0]") as a path; an index where the document
  // has an array.
  Path PathOf(const std::vector<std::string>& context) const {
    Path path;
    const PlainJson* value = &document_;
    for (size_t i = 1; i < context.size(); ++i) {
      std::string name = context[i].size() >= 2 ? context[i].substr(1, context[i].size() - 2) : context[i];
      bool index = value && value->is_array();
      path.push_back({name, index});
      value = value ? ValueAt(*value, {path.back()}) : nullptr;
    }
    return path;
  }

  std::vector<FailuresAt> Group(const valijson::ValidationResults& results) const {
    std::vector<FailuresAt> groups;
    std::map<std::string, size_t> group_of_pointer;
    for (const auto& error : results) {
      Path path = PathOf(error.context);
      auto [slot, added] = group_of_pointer.try_emplace(PointerOf(path), groups.size());
      if (added) groups.push_back(FailuresAt{path, {}, {}, {}});
      FailuresAt* it = &groups[slot->second];
      Failure kind = Classify(error.description);
      it->kinds.insert(kind);
      if (kind == Failure::kRequired) {
        size_t open = error.description.find('\''), close = error.description.rfind('\'');
        if (open != std::string::npos && close > open)
          it->missing.push_back(error.description.substr(open + 1, close - open - 1));
      }
      if (kind == Failure::kOther) it->descriptions.push_back(error.description);
    }
    return groups;
  }

  // The forms the schema allows at `path`, following the document down (through each value's form that
  // fits its type); empty if the schema does not describe that value.
  std::vector<std::string> FormsAt(const Path& path) const {
    std::string location;
    const PlainJson* value = &document_;
    for (const auto& step : path) {
      std::optional<std::string> next;
      for (const auto& form : schema_.Forms(location)) {
        if (!schema_.TypeFits(form, *value)) continue;
        next = step.index ? schema_.ItemsLocation(form) : schema_.MemberLocation(form, step.name);
        if (next) break;
      }
      value = ValueAt(*value, {step});
      if (!next || !value) return {};
      location = *next;
    }
    return schema_.Forms(location);
  }

  void ExplainValue(const FailuresAt& at) {
    const PlainJson* value = ValueAt(document_, at.path);
    std::vector<std::string> forms = value ? FormsAt(at.path) : std::vector<std::string>{};
    std::vector<std::string> fitting;
    for (const auto& f : forms) {
      if (schema_.TypeFits(f, *value)) fitting.push_back(f);
    }
    for (const auto& d : at.descriptions) Add(at.path, false, AboutValue(at.path, "does not fit the mapping schema: " + d));
    if (forms.empty()) return;
    if (fitting.empty()) {
      // Every branch failed on the type itself; one that refuses this very shape says why best.
      for (const auto& f : forms) {
        if (ViolatesNot(f, *value)) return AddNot(at.path, f, *value);
      }
      return AddTypeMismatch(at.path, forms, *value);
    }
    // Only the branch whose type the value has reports anything but a type mismatch (valijson skips a
    // keyword of another type), so the rest is about `fitting`; a type failure here came from another branch.
    for (const auto& f : fitting) {
      if (at.kinds.count(Failure::kRequired)) AddMissing(at.path, f, at.missing);
      if (at.kinds.count(Failure::kUnknownKey)) AddUnknownKeys(at.path, f, *value);
      if (at.kinds.count(Failure::kEnum)) AddNotInEnum(at.path, f, *value);
      if (at.kinds.count(Failure::kConst)) AddNotConst(at.path, f, *value);
      if (at.kinds.count(Failure::kPattern)) AddNoMatch(at.path, f, *value);
      if (at.kinds.count(Failure::kMinLength) || at.kinds.count(Failure::kMinItems) ||
          at.kinds.count(Failure::kMinProperties))
        AddTooFew(at.path, f, *value);
      if (at.kinds.count(Failure::kNot) && ViolatesNot(f, *value)) AddNot(at.path, f, *value);
      if (at.kinds.count(Failure::kCondition)) AddBrokenConditions(at.path, f, *value);
      if (at.kinds.count(Failure::kNoBranch) || at.kinds.count(Failure::kSeveralBranches))
        AddKeyChoice(at.path, f, *value);
    }
  }

  std::string Title(const std::string& location) const {
    const OrderedJson* title = schema_.Annotation(location, "title");
    return title && title->is_string() ? title->get<std::string>() : "";
  }
  std::string Description(const std::string& location) const {
    const OrderedJson* d = schema_.Annotation(location, "description");
    return d && d->is_string() ? d->get<std::string>() : "";
  }
  std::string DescriptionSuffix(const std::string& location) const {
    std::string d = Description(location);
    return d.empty() ? "" : "; " + d;
  }

  // What a form is, in a few words: its title, else its type or values.
  std::string FormPhrase(const std::string& form) const {
    if (std::string title = Title(form); !title.empty()) return title;
    if (const OrderedJson* type = schema_.Keyword(form, "type"); type && type->is_string())
      return TypePhrase(type->get<std::string>());
    if (const OrderedJson* values = schema_.Keyword(form, "enum")) {
      std::vector<std::string> shown;
      for (const auto& v : *values) shown.push_back(v.dump());
      return fmt::format("one of {}", fmt::join(shown, ", "));
    }
    if (const OrderedJson* constant = schema_.Keyword(form, "const")) return constant->dump();
    return "something else";
  }

  void AddTypeMismatch(const Path& path, const std::vector<std::string>& forms, const PlainJson& value) {
    std::string expected;
    const OrderedJson* type = forms.size() == 1 ? schema_.Keyword(forms[0], "type") : nullptr;
    if (type && type->is_string()) {
      // "a string (a table name)", but "a list of column names", not "a list (a list of column names)";
      // the root's title is the file's, not a kind of value.
      std::string plain = TypePhrase(type->get<std::string>()), title = path.empty() ? "" : Title(forms[0]);
      expected = title.empty() ? plain : title.rfind(plain, 0) == 0 ? title : plain + " (" + title + ")";
    } else {
      std::vector<std::string> phrases;
      for (const auto& f : forms) {
        std::string p = FormPhrase(f);
        if (std::find(phrases.begin(), phrases.end(), p) == phrases.end()) phrases.push_back(p);
      }
      expected = Enumerate(phrases, "or");
    }
    const OrderedJson* examples = forms.size() == 1 ? schema_.Annotation(forms[0], "examples") : nullptr;
    std::string example = examples && !examples->empty() ? "; e.g. " + Inline((*examples)[0]) : "";
    Add(path, false, AboutValue(path, fmt::format("must be {}, got {}{}", expected, ActualPhrase(value), example)));
  }

  void AddMissing(const Path& path, const std::string& form, const std::vector<std::string>& names) {
    std::vector<std::string> required = Strings(schema_.Keyword(form, "required"));
    for (const auto& name : names) {
      if (std::find(required.begin(), required.end(), name) == required.end()) continue;  // a branch's: AddKeyChoice
      std::string property = schema_.Resolve(form) + "/properties/" + JsonLocator::Escape(name);
      std::string message = fmt::format("missing required key '{}'", name);
      if (std::string d = Description(property); !d.empty()) message += ": " + d;
      if (const OrderedJson* examples = schema_.Annotation(property, "examples"); examples && !examples->empty())
        message += fmt::format("; add \"{}\": {}", name, Inline((*examples)[0]));
      AddFinding(Finding{{PointerOf(path), false, Located(path, message)}, PointerOf(path), {name}, ""});
    }
  }

  void AddUnknownKeys(const Path& path, const std::string& form, const PlainJson& value) {
    const OrderedJson* additional = schema_.Keyword(form, "additionalProperties");
    if (!additional || *additional != false || !value.is_object()) return;
    std::vector<std::string> allowed;
    if (const OrderedJson* properties = schema_.Keyword(form, "properties")) {
      for (auto it = properties->begin(); it != properties->end(); ++it) allowed.push_back(it.key());
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      std::string meant = ClosestName(it.key(), allowed);
      std::string message = fmt::format("unknown key '{}'{}; allowed keys: {}", it.key(),
                                        meant.empty() ? "" : " (did you mean '" + meant + "'?)", fmt::join(allowed, ", "));
      AddFinding(Finding{{PointerOf(Child(path, it.key())), true, Located(path, message)}, PointerOf(path), {}, meant});
    }
  }

  void AddNotInEnum(const Path& path, const std::string& form, const PlainJson& value) {
    const OrderedJson* values = schema_.Keyword(form, "enum");
    if (!values || std::find(values->begin(), values->end(), OrderedJson(value)) != values->end()) return;
    std::vector<std::string> shown, names;
    for (const auto& v : *values) {
      shown.push_back(v.dump());
      if (v.is_string()) names.push_back(v.get<std::string>());
    }
    std::string hint = value.is_string() ? DidYouMean(value.get<std::string>(), names) : "";
    Add(path, false, AboutValue(path, fmt::format("must be one of {}, got {}{}{}", fmt::join(shown, ", "),
                                                  value.dump(), hint, DescriptionSuffix(form))));
  }

  void AddNotConst(const Path& path, const std::string& form, const PlainJson& value) {
    const OrderedJson* constant = schema_.Keyword(form, "const");
    if (!constant || OrderedJson(value) == *constant) return;
    Add(path, false,
        AboutValue(path, fmt::format("must be {}, got {}{}", constant->dump(), value.dump(), DescriptionSuffix(form))));
  }

  // The description of the first "allOf" part of `location` that `value` breaks, else of `location`.
  std::string WhyNoFit(const std::string& location, const PlainJson& value) const {
    if (const OrderedJson* parts = schema_.Keyword(location, "allOf")) {
      for (size_t i = 0; i < parts->size(); ++i) {
        std::string part = schema_.Resolve(location) + "/allOf/" + std::to_string(i);
        if (!schema_.Fits(part, value)) return Description(part);
      }
    }
    return Description(location);
  }

  void AddNoMatch(const Path& path, const std::string& form, const PlainJson& value) {
    if (!schema_.Keyword(form, "pattern") || !value.is_string() || schema_.Fits(form, value)) return;
    std::string title = Title(form);
    std::string expected = title.empty() ? "a string matching " + schema_.Keyword(form, "pattern")->dump() : title;
    Add(path, false, AboutValue(path, fmt::format("must be {}, got {}", expected, value.dump())));
  }

  // The schema's minimums are all 1, so "too few" means "empty".
  void AddTooFew(const Path& path, const std::string& form, const PlainJson& value) {
    auto minimum = [&](const char* keyword) -> size_t {
      const OrderedJson* m = schema_.Keyword(form, keyword);
      return m && m->is_number_unsigned() ? m->get<size_t>() : 0;
    };
    if (value.is_string() && value.get<std::string>().size() < minimum("minLength")) {
      std::string title = Title(form);
      Add(path, false, AboutValue(path, "is empty; it must be " + (title.empty() ? "a non-empty string" : title)));
    } else if (value.is_array() && value.size() < minimum("minItems")) {
      Add(path, false, AboutValue(path, "must be a non-empty list"));
    } else if (value.is_object() && value.size() < minimum("minProperties")) {
      const OrderedJson* examples = schema_.Annotation(form, "examples");
      std::string example = examples && !examples->empty() ? ", e.g. " + Inline((*examples)[0]) : "";
      Add(path, false, AboutValue(path, "must be a non-empty object" + example));
    }
  }

  bool ViolatesNot(const std::string& form, const PlainJson& value) const {
    return schema_.Keyword(form, "not") && schema_.Fits(schema_.Resolve(form) + "/not", value);
  }

  // The first of `names` (in the schema's order) that `value`, an object, has.
  static std::string FirstPresent(const std::vector<std::string>& names, const PlainJson& value) {
    for (const auto& n : names) {
      if (value.is_object() && value.contains(n)) return n;
    }
    return "";
  }

  // A "not" that refuses a shape ({"expr": ...} where a column is read) is placed at the key that makes it.
  void AddNot(const Path& path, const std::string& form, const PlainJson& value) {
    std::string refused = schema_.Resolve(form) + "/not";
    std::string key = FirstPresent(Strings(schema_.Keyword(refused, "required")), value);
    std::string why = Description(refused);
    Add(key.empty() ? path : Child(path, key), !key.empty(),
        AboutValue(path, why.empty() ? "is not allowed here: it must be " + FormPhrase(form) : why));
  }

  // Each "if"/"then" rule of the form (its own, or one of its "allOf" parts) the value breaks, placed at
  // the value whose presence "then" forbids: {"as": "object", "order_by": ...} at "order_by".
  void AddBrokenConditions(const Path& path, const std::string& form, const PlainJson& value) {
    std::string resolved = schema_.Resolve(form);
    std::vector<std::string> rules = {resolved};
    if (const OrderedJson* parts = schema_.Keyword(form, "allOf")) {
      for (size_t i = 0; i < parts->size(); ++i) rules.push_back(resolved + "/allOf/" + std::to_string(i));
    }
    for (const auto& rule : rules) {
      if (!schema_.Keyword(rule, "if") || !schema_.Keyword(rule, "then")) continue;
      if (!schema_.Fits(rule + "/if", value) || schema_.Fits(rule + "/then", value)) continue;
      std::string key = FirstPresent(Strings(schema_.Keyword(rule + "/then/not", "required")), value);
      std::string why = Description(rule);
      Add(key.empty() ? path : Child(path, key), false, Located(path, why.empty() ? "breaks a rule of the schema" : why));
    }
  }

  // A form whose own "oneOf" only picks which keys it has ({"required": ["column"]} or {"required":
  // ["expr"]}): exactly one of them.
  void AddKeyChoice(const Path& path, const std::string& form, const PlainJson& value) {
    const OrderedJson* branches = schema_.Keyword(form, "oneOf");
    if (!branches || !schema_.Keyword(form, "type") || !value.is_object()) return;
    std::vector<std::string> names, present;
    for (const auto& branch : *branches) {
      if (!branch.is_object() || branch.size() != 1 || !branch.contains("required")) return;
      for (const auto& n : Strings(&branch["required"])) {
        names.push_back(n);
        if (value.contains(n)) present.push_back(n);
      }
    }
    std::vector<std::string> quoted;
    for (const auto& n : names) quoted.push_back("'" + n + "'");
    std::string why = Description(form);
    if (present.empty()) {
      std::vector<std::string> additions;
      std::string resolved = schema_.Resolve(form);
      for (const auto& n : names) {
        const OrderedJson* examples = schema_.Annotation(resolved + "/properties/" + JsonLocator::Escape(n), "examples");
        if (examples && !examples->empty()) additions.push_back(fmt::format("\"{}\": {}", n, Inline((*examples)[0])));
      }
      std::string message = "missing " + Enumerate(quoted, "or") + (why.empty() ? "" : ": " + why);
      if (!additions.empty()) message += "; add " + Enumerate(additions, "or");
      AddFinding(Finding{{PointerOf(path), false, Located(path, message)}, PointerOf(path), names, ""});
    } else if (present.size() > 1) {
      std::vector<std::string> both;
      for (const auto& n : present) both.push_back("'" + n + "'");
      Add(Child(path, present.back()), true,
          Located(path, "has both " + Enumerate(both, "and") + "; keep one" + (why.empty() ? "" : ": " + why)));
    }
  }

  // Object keys against "propertyNames", all through the document: valijson says only that some name of
  // an object failed, not which.
  void CheckNames(const Path& path, const PlainJson& value, const std::string& location) {
    for (const auto& form : schema_.Forms(location)) {
      if (!schema_.TypeFits(form, value)) continue;
      if (value.is_object()) {
        if (schema_.Keyword(form, "propertyNames")) {
          std::string names = schema_.Resolve(form) + "/propertyNames";
          for (auto it = value.begin(); it != value.end(); ++it) {
            if (schema_.Fits(names, PlainJson(it.key()))) continue;
            std::string title = Title(names), why = WhyNoFit(names, PlainJson(it.key()));
            Add(Child(path, it.key()), true,
                Located(path, fmt::format("'{}' is not {}{}", it.key(), title.empty() ? "an allowed name" : title,
                                          why.empty() ? "" : ": " + why)));
          }
        }
        for (auto it = value.begin(); it != value.end(); ++it) {
          if (auto member = schema_.MemberLocation(form, it.key())) CheckNames(Child(path, it.key()), it.value(), *member);
        }
      } else if (value.is_array()) {
        if (auto items = schema_.ItemsLocation(form)) {
          for (size_t i = 0; i < value.size(); ++i) CheckNames(Child(path, std::to_string(i), true), value[i], *items);
        }
      }
      return;
    }
  }

  // Never "no problem" for a document valijson refused: its deepest words, if nothing above applied.
  StructureProblem Unexplained(const valijson::ValidationResults& results) const {
    Path deepest;
    std::string description = "does not fit the mapping schema";
    for (const auto& error : results) {
      Path path = PathOf(error.context);
      if (path.size() >= deepest.size() && Classify(error.description) != Failure::kWrapper) {
        deepest = path;
        description = "does not fit the mapping schema: " + error.description;
      }
    }
    return {PointerOf(deepest), false, AboutValue(deepest, description)};
  }

  void Add(const Path& path, bool at_key, std::string message) {
    AddFinding(Finding{{PointerOf(path), at_key, std::move(message)}, "", {}, ""});
  }

  void AddFinding(Finding finding) {
    // Two branches (or two valijson errors) may tell the same thing about the same value.
    if (!reported_.insert({finding.problem.pointer, finding.problem.message}).second) return;
    findings_.push_back(std::move(finding));
  }

  // "form" for "from" is one mistake: the missing "from" is not reported beside the unknown "form".
  void DropConsequences() {
    std::set<std::pair<std::string, std::string>> typos;  // (object, the key it meant)
    for (const auto& f : findings_) {
      if (!f.meant.empty()) typos.insert({f.object, f.meant});
    }
    auto is_consequence = [&](const Finding& f) {
      return std::any_of(f.missing.begin(), f.missing.end(), [&](const auto& key) { return typos.count({f.object, key}); });
    };
    findings_.erase(std::remove_if(findings_.begin(), findings_.end(), is_consequence), findings_.end());
  }

  const MappingSchema& schema_;
  const PlainJson& document_;
  std::vector<Finding> findings_;
  std::set<std::pair<std::string, std::string>> reported_;  // (pointer, message) of findings_
};

}  // namespace

std::vector<StructureProblem> CheckMappingStructure(const nlohmann::ordered_json& document) {
  const MappingSchema& schema = MappingSchema::Get();
  if (!schema.load_error().empty()) return {{"", false, schema.load_error() + " (a build problem; please report it)"}};
  PlainJson plain = document;  // valijson's nlohmann adapter reads nlohmann::json, not the ordered kind
  valijson::ValidationResults results;
  try {
    if (schema.Validate(plain, &results)) return {};
  } catch (const std::exception& e) {  // std::regex refusing a pattern of the schema, say
    return {{"", false,
             std::string("the mapping schema cannot be applied: ") + e.what() + " (a build problem; please report it)"}};
  }
  return Explainer(schema, plain).Explain(results);
}

}  // namespace sql2mongo
