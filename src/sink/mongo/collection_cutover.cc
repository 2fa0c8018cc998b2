#include "sink/mongo/collection_cutover.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace sql2mongo {
namespace {

std::string BackupName(const std::string& collection) { return collection + "__s2m_old"; }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Status ReplaceInThreeSteps(CollectionOps& ops, const TargetInfo& target, const std::string& name,
                           const std::string& staging, bool live_exists) {
  std::string backup = BackupName(name);
  auto started = std::chrono::steady_clock::now();
  if (live_exists) S2M_RETURN_IF_ERROR(ops.Rename(name, backup, false));
  Status renamed = ops.Rename(staging, name, false);
  double gap_ms = SecondsSince(started) * 1000;
  if (!renamed.ok()) {
    // Put the old documents back under the live name before saying so.
    if (live_exists && ops.Rename(backup, name, false).ok())
      return renamed;
    return renamed.WithContext(fmt::format("the old documents of '{}' are in {}", name, backup));
  }
  if (live_exists) S2M_RETURN_IF_ERROR(ops.Drop(backup));
  spdlog::info("collection {}: {} has no renameCollection with dropTarget, so it was replaced in three steps "
               "({} -> {}, {} -> {}, drop {}); for {:.1f} ms between the first two, '{}' did not exist",
               name, target.Name(), name, backup, staging, name, backup, gap_ms, name);
  return Status::Ok();
}

// Where a rename would leave the staging name reaching the live collection (rename_keeps_old_name),
// the staging collection is copied over the live one with $out and then dropped. Not atomic: while
// $out runs, readers may see the live collection empty or part-filled (mongo-java-server is a test
// server; MongoDB and FerretDB rename).
Status ReplaceByCopy(CollectionOps& ops, const TargetInfo& target, const std::string& name,
                     const std::string& staging) {
  Status copied = ops.CopyOver(staging, name);
  if (!copied.ok()) return copied.WithContext("the live one is as it was");
  S2M_RETURN_IF_ERROR(ops.Drop(staging));
  spdlog::info("collection {}: replaced by the documents of this run, copied from {} with $out ({} keeps a "
               "renamed collection's old name, so it is not renamed)", name, staging, target.Name());
  return Status::Ok();
}

// The live documents into `backup`, then `staging` over the live name: on a server with one-step
// renames the backup is a copy, so that the live name always holds a whole collection; on FerretDB v1
// the live collection itself is renamed to the backup (no copy), and for as long as the second rename
// takes the live name does not exist.
Status ReplaceKeepingBackup(CollectionOps& ops, const TargetInfo& target, const std::string& name,
                            const std::string& staging, const std::string& backup) {
  auto started = std::chrono::steady_clock::now();
  if (target.rename_keeps_old_name || target.rename_replaces) {
    Status copied = ops.CopyOver(name, backup);
    if (!copied.ok()) {
      (void)ops.Drop(backup);
      return copied.WithContext(fmt::format("keeping the documents of '{}' as {} before the swap; the live one is as it was",
                                            name, backup));
    }
    double copy_seconds = SecondsSince(started);
    Status replaced = target.rename_keeps_old_name ? ReplaceByCopy(ops, target, name, staging)
                                                   : ops.Rename(staging, name, /*drop_target=*/true);
    if (!replaced.ok())
      return replaced.WithContext(fmt::format("collection '{}' was loaded into {}, and the live one is as it was (its "
                                              "copy {} can be dropped)", name, staging, backup));
    spdlog::info("collection {}: swapped in from {}{}; the documents it replaced are kept as {} (copied in {:.1f} s)",
                 name, staging, target.rename_keeps_old_name ? " by a copy ($out: readers may see it part-done)" :
                                                               " in one rename",
                 backup, copy_seconds);
    return Status::Ok();
  }
  S2M_RETURN_IF_ERROR(ops.Rename(name, backup, false));
  auto gap_started = std::chrono::steady_clock::now();
  Status renamed = ops.Rename(staging, name, false);
  double gap_ms = SecondsSince(gap_started) * 1000;
  if (!renamed.ok()) {
    if (ops.Rename(backup, name, false).ok()) return renamed.WithContext("the live collection is as it was");
    return renamed.WithContext(fmt::format("the documents of '{}' are in {}", name, backup));
  }
  spdlog::info("collection {}: swapped in from {}; the documents it replaced are kept as {}. {} has no "
               "renameCollection with dropTarget, so it took two renames ({} -> {}, {} -> {}): for {:.1f} ms "
               "between them, '{}' did not exist",
               name, staging, backup, target.Name(), name, backup, staging, name, gap_ms, name);
  return Status::Ok();
}

}  // namespace

Status ReplaceLiveCollection(CollectionOps& ops, const TargetInfo& target, const std::string& name,
                             const std::string& staging, const std::string& backup) {
  if (!backup.empty()) {
    S2M_ASSIGN_OR_RETURN(std::set<std::string> existing, ops.Names());
    if (existing.count(name)) return ReplaceKeepingBackup(ops, target, name, staging, backup);
  }
  if (target.rename_keeps_old_name) return ReplaceByCopy(ops, target, name, staging);
  Status renamed = ops.Rename(staging, name, /*drop_target=*/true);
  if (!renamed.ok() && renamed.message().find("(code 238)") != std::string::npos) {
    S2M_ASSIGN_OR_RETURN(std::set<std::string> existing, ops.Names());
    renamed = ReplaceInThreeSteps(ops, target, name, staging, existing.count(name) > 0);
  }
  if (!renamed.ok())
    return renamed.WithContext(fmt::format("collection '{}' was loaded into {}, and the live one is as it was", name,
                                           staging));
  spdlog::info("collection {}: now holds the documents of {} (renamed over it)", name, staging);
  return Status::Ok();
}

Status RecoverInterruptedReplace(CollectionOps& ops, const std::string& name, const std::set<std::string>& existing) {
  std::string backup = BackupName(name);
  if (!existing.count(backup)) return Status::Ok();
  if (existing.count(name)) {
    spdlog::warn("collection {}: dropping {}, the old documents an interrupted replace left beside the new ones",
                 name, backup);
    return ops.Drop(backup);
  }
  spdlog::warn("collection {}: an earlier run was stopped while replacing it, with its old documents in {}: "
               "they are put back as {}", name, backup, name);
  return ops.Rename(backup, name, false);
}

std::string BackupCollectionName(const std::string& collection, int64_t unix_millis) {
  auto seconds = static_cast<std::time_t>(unix_millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{}__before_{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z", collection, utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, unix_millis % 1000);
}

std::vector<std::string> BackupsOf(const std::set<std::string>& names, const std::string& collection) {
  std::string prefix = collection + "__before_";
  std::vector<std::string> backups;
  for (const std::string& name : names)
    if (name.size() == prefix.size() + 19 && name.compare(0, prefix.size(), prefix) == 0 && name.back() == 'Z')
      backups.push_back(name);
  return backups;  // a std::set is sorted, and the names sort by age
}

Result<std::vector<std::string>> DropOldBackups(CollectionOps& ops, const std::set<std::string>& names,
                                                const std::string& collection, int keep) {
  std::vector<std::string> backups = BackupsOf(names, collection);
  std::vector<std::string> dropped;
  for (size_t i = 0; i + static_cast<size_t>(std::max(keep, 0)) < backups.size(); ++i) {
    S2M_RETURN_IF_ERROR(ops.Drop(backups[i]));
    dropped.push_back(backups[i]);
  }
  return dropped;
}

}  // namespace sql2mongo
