// sql2mongo init SOURCE_URI: a first mapping for a source nobody has written one for. The source is
// surveyed with plain scans (src/init/catalog_survey.h), a document model is proposed by a few
// embed-vs-reference rules (src/init/model_proposal.h), and the mapping is written with the reason of
// every choice as a comment; `sql2mongo run` takes it as it is.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/command_output.h"
#include "cli/commands.h"
#include "common/redact.h"
#include "init/catalog_survey.h"
#include "init/model_proposal.h"

namespace sql2mongo {
namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// A relative sqlite: path in a mapping is read from the mapping file's folder, so the path the user
// typed (relative to the working folder) is written as an absolute one.
std::string SourceForMapping(const std::string& uri) {
  if (uri.rfind("sqlite:", 0) != 0) return RedactUri(uri);
  std::string path = uri.substr(7);
  if (path.empty() || path == ":memory:") return uri;
  return "sqlite:" + std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace

void AddInitCommand(CLI::App& app, InitArguments* arguments) {
  CLI::App* init = app.add_subcommand(
      "init", "Propose a mapping for a source: surveys its tables and keys, writes the model with its reasons");
  init->add_option("source", arguments->source_uri, "Source URI: sqlite:PATH, postgresql://..., mysql://...")
      ->required();
  init->add_option("--tables", arguments->tables, "Only these tables, comma-separated (the others are listed as skipped)");
  init->add_option("-o,--output", arguments->output_file, "Write the mapping to this file instead of standard output");
  init->add_option("--password-file", arguments->password_file,
                   "File holding the source database password (else PGPASSWORD / MYSQL_PWD, else the URI)")
      ->check(CLI::ExistingFile);
  init->add_option("--max-rows", arguments->max_rows_per_table,
                   "Rows streamed per table at most (counts and fan-outs are of that prefix beyond it)");
  init->add_option("--case", arguments->name_case,
                   "Field names: keep (the column names), snake (customer_id) or camel (customerId); camel also "
                   "spells collection and embed names so (invoiceLines)")
      ->check(CLI::IsMember({"keep", "snake", "camel"}))
      ->capture_default_str();
}

int InitCommand(const InitArguments& arguments) {
  auto report = [](const Status& status) {
    spdlog::error("{}", status.message());
    return ExitCodeFor(status);
  };
  SourceOptions source_options;
  if (!arguments.password_file.empty()) {
    std::ifstream in(arguments.password_file);
    std::getline(in, source_options.password);  // the first line, as for run
    if (!in && source_options.password.empty())
      return report(Status::Error(StatusCode::kUsage, fmt::format("--password-file {}: cannot read it", arguments.password_file)));
  }
  Result<std::unique_ptr<Source>> source = OpenSource(arguments.source_uri, source_options);
  if (!source.ok()) return report(source.status());

  SurveyOptions survey_options;
  survey_options.tables = SplitList(arguments.tables);
  if (arguments.max_rows_per_table > 0) survey_options.max_rows_per_table = arguments.max_rows_per_table;
  auto started = std::chrono::steady_clock::now();
  Result<CatalogSurvey> survey = SurveyCatalog(**source, survey_options);
  if (!survey.ok()) {
    Status status = survey.status();
    if (status.code() == StatusCode::kNotFound) status = Status::Error(StatusCode::kUsage, status.message());
    return report(status);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  uint64_t rows = 0;
  for (const auto& table : survey->tables) rows += table.rows;
  spdlog::info("surveyed {} tables of {} ({} rows streamed) in {:.2f} s", survey->tables.size(),
               (*source)->DisplayName(), rows, seconds);
  for (const auto& table : survey->unreadable) spdlog::warn("table '{}' is skipped: {}", table.name, table.reason);
  for (const auto& view : survey->views)
    spdlog::info("'{}' is a view, skipped: map its base tables, or add it explicitly with a mapping", view);

  NameCase names = NameCase::kKeep;
  ParseNameCase(arguments.name_case, &names);  // CLI11 allowed only the three names
  ModelProposal proposal = ProposeModel(*survey, ProposalRules{}, names);
  ProposedMappingHeader header;
  header.source_uri = SourceForMapping(arguments.source_uri);
  header.command = "sql2mongo init " + RedactUri(arguments.source_uri) +
                   (arguments.tables.empty() ? "" : " --tables " + arguments.tables) +
                   (names == NameCase::kKeep ? "" : fmt::format(" --case {}", NameCaseName(names)));
  std::string text = WriteProposedMapping(proposal, *survey, header);

  Status written = PrintOrWrite(text, arguments.output_file);
  if (!written.ok()) return report(written);
  if (arguments.output_file.empty()) return kExitOk;
  size_t collections = 0;
  for (const auto& decision : proposal.tables) collections += decision.role == TableRole::kCollection;
  spdlog::info("wrote a mapping of {} collection{} to {}", collections, collections == 1 ? "" : "s", arguments.output_file);
  return kExitOk;
}

}  // namespace sql2mongo
