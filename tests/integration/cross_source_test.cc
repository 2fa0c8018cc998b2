// The Chinook sample from SQLite, PostgreSQL and MariaDB gives the same documents: each source's
// mapping (mappings/chinook.json, chinook.postgres.json, chinook.mysql.json) is run by the CLI into its
// own database of the target, and the three are compared document by document, byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

class CrossSourceTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_FALSE(Env("S2M_TEST_POSTGRES_URI").empty()) << "start the servers with scripts/services start";
    ASSERT_FALSE(Env("S2M_TEST_MYSQL_URI").empty()) << "start the servers with scripts/services start";
    for (const char* source : {"sqlite", "postgres", "mysql"}) {
      std::string mapping = SourceDir() + "/mappings/chinook" + (std::string(source) == "sqlite" ? "" : "." + std::string(source)) + ".json";
      std::string database = UniqueDatabase(std::string("cross_") + source);
      std::string source_uri = std::string(source) == "postgres" ? Env("S2M_TEST_POSTGRES_URI")
                               : std::string(source) == "mysql"  ? Env("S2M_TEST_MYSQL_URI")
                                                                 : "";
      std::string password = std::string(source) == "postgres" ? Env("S2M_TEST_POSTGRES_PASSWORD")
                                                                : Env("S2M_TEST_MYSQL_PASSWORD");
      std::string arguments = "run " + ShellQuote(mapping) + " --drop --target " +
                              ShellQuote(TargetBaseUri() + "/" + database) + " --rejects " +
                              ShellQuote(WriteTempFile(std::string(source) + ".rejects.jsonl", ""));
      if (!source_uri.empty()) {
        // The password travels in a file, as a user would pass it, never on the command line.
        arguments += " --source " + ShellQuote(source_uri) + " --password-file " +
                     ShellQuote(WriteTempFile(std::string(source) + ".password", password + "\n"));
      }
      CommandResult result = RunCli(arguments);
      ASSERT_EQ(result.exit_code, 0) << source << ":\n" << result.output;
      EXPECT_EQ(result.output.find(password), std::string::npos) << "the password appears in the output";
      databases_[source] = database;
    }
  }
  void TearDown() override {
    for (const auto& [source, database] : databases_) DropDatabase(database);
    TargetTest::TearDown();
  }

  void CompareCollection(const std::string& collection, size_t expected_count) {
    auto sqlite = DocumentsById(FindDocuments(databases_["sqlite"], collection));
    ASSERT_EQ(sqlite.size(), expected_count);
    for (const char* other : {"postgres", "mysql"}) {
      auto docs = DocumentsById(FindDocuments(databases_[other], collection));
      ASSERT_EQ(docs.size(), sqlite.size()) << other;
      size_t differences = 0;
      for (const auto& [id, doc] : sqlite) {
        auto it = docs.find(id);
        ASSERT_NE(it, docs.end()) << other << " has no " << collection << " " << id;
        if (!bson_equal(doc.get(), it->second.get()) && ++differences <= 3) {
          ADD_FAILURE() << collection << " " << id << " differs between sqlite and " << other << ":\n  sqlite: "
                        << Json(doc.get()) << "\n  " << other << ": " << Json(it->second.get());
        }
      }
      EXPECT_EQ(differences, 0u) << collection << ": " << differences << " documents differ in " << other;
    }
  }

  std::map<std::string, std::string> databases_;
};
S2M_ON_EVERY_TARGET(CrossSourceTest);

TEST_P(CrossSourceTest, CustomersWithInvoicesAndLinesAreIdentical) { CompareCollection("customers", 59); }
TEST_P(CrossSourceTest, TracksWithAlbumArtistGenreAreIdentical) { CompareCollection("tracks", 3503); }
TEST_P(CrossSourceTest, PlaylistsWithTrackIdsAreIdentical) { CompareCollection("playlists", 18); }
TEST_P(CrossSourceTest, EmployeesWithReferencesAreIdentical) { CompareCollection("employees", 8); }

}  // namespace
}  // namespace sql2mongo::testing
