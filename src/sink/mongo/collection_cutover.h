// Making a collection loaded aside (the staging collection of --drop, "drop": true, "cutover": "swap")
// the live one, keeping the live documents as a backup when asked, and putting a backup back. How,
// per server:
// - MongoDB: renameCollection with dropTarget, one step: a reader finds the old collection or the new
//   one, never none and never half of one. A backup is a server-side copy ($out) of the live
//   collection taken first, so the live name never goes missing.
// - FerretDB v1 refuses dropTarget (code 238) but renames to a free name: the live collection is renamed
//   away (to the backup, or to <name>__s2m_old which is then dropped) and the new one renamed in. For
//   as long as the second rename takes, the live name does not exist; the log gives that gap in ms.
// - mongo-java-server keeps a renamed collection's old name reaching it (a later drop of that name
//   would empty the live one), so there every step is a copy ($out), which readers may see part-done.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sink/mongo/collection_ops.h"
#include "sql2mongo/target_info.h"

namespace sql2mongo {

// Makes `staging` the live collection `name` and removes the name `staging`. With `backup` non-empty,
// the live documents (when there is a live collection) are kept as collection `backup`; otherwise they
// are dropped. A failure leaves the live collection as it was, or says where its documents are.
Status ReplaceLiveCollection(CollectionOps& ops, const TargetInfo& target, const std::string& name,
                             const std::string& staging, const std::string& backup = "");

// A run killed inside a replace on a server without one-step renames left the old documents in
// <name>__s2m_old: renamed back when there is no live collection, else dropped.
Status RecoverInterruptedReplace(CollectionOps& ops, const std::string& name, const std::set<std::string>& existing);

// Backups of live collections: "<name>__before_<UTC time, YYYYMMDDTHHMMSSmmmZ>", so that names sort
// by age.
std::string BackupCollectionName(const std::string& collection, int64_t unix_millis);
// The backups of `collection` among `names`, oldest first.
std::vector<std::string> BackupsOf(const std::set<std::string>& names, const std::string& collection);
// Drops all but the newest `keep` backups of `collection` (among `names`); returns those dropped.
Result<std::vector<std::string>> DropOldBackups(CollectionOps& ops, const std::set<std::string>& names,
                                                const std::string& collection, int keep);

}  // namespace sql2mongo
