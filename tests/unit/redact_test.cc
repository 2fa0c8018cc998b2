#include <gtest/gtest.h>

#include "common/edit_distance.h"
#include "common/redact.h"
#include "common/uri.h"

namespace sql2mongo {
namespace {

TEST(Redact, PasswordsNeverSurvive) {
  EXPECT_EQ(RedactUri("mongodb://bob:secret@h:1/db"), "mongodb://bob:***@h:1/db");
  EXPECT_EQ(RedactUri("postgresql://u:p%40ss@host/db?sslmode=require"), "postgresql://u:***@host/db?sslmode=require");
  EXPECT_EQ(RedactUri("mysql://u@h/db?password=hunter2&x=1"), "mysql://u@h/db?password=***&x=1");
  EXPECT_EQ(RedactUri("mongodb://h:1/db"), "mongodb://h:1/db");
  EXPECT_EQ(RedactUri("sqlite:/tmp/a:b@c.db"), "sqlite:/tmp/a:b@c.db");
  // Unencoded special characters in the password.
  EXPECT_EQ(RedactUri("mongodb://u:se/cret@h:1/db"), "mongodb://u:***@h:1/db");
  EXPECT_EQ(RedactUri("mongodb://u:s#cr?et@h:1/db"), "mongodb://u:***@h:1/db");
  EXPECT_EQ(RedactUri("mongodb://u:p@ss@h:1/db"), "mongodb://u:***@h:1/db");
  // Passphrases of client keys are passwords too; the certificate paths beside them are not secrets.
  EXPECT_EQ(RedactUri("postgresql://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslpassword=k3y"),
            "postgresql://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslpassword=***");
  EXPECT_EQ(RedactUri("mongodb://h/db?tls=true&tlsCertificateKeyFile=/c.pem&tlsCertificateKeyFilePassword=k3y"),
            "mongodb://h/db?tls=true&tlsCertificateKeyFile=/c.pem&tlsCertificateKeyFilePassword=***");
}

TEST(Uri, SchemeAndDatabase) {
  EXPECT_EQ(UriScheme("SQLite:x.db"), "sqlite");
  EXPECT_EQ(UriScheme("/abs/path"), "");
  EXPECT_EQ(MongoDatabaseName("mongodb://h:1/chinook?x=y"), "chinook");
  EXPECT_EQ(MongoDatabaseName("mongodb://h:1"), "");
}

TEST(Uri, RelativeSqlitePathsResolveFromTheMappingFolder) {
  EXPECT_EQ(ResolveRelativeSqlitePath("sqlite:../samples/a.db", "/repo/mappings"), "sqlite:/repo/samples/a.db");
  EXPECT_EQ(ResolveRelativeSqlitePath("sqlite:/abs/a.db", "/repo/mappings"), "sqlite:/abs/a.db");
  EXPECT_EQ(ResolveRelativeSqlitePath("mongodb://h/db", "/repo"), "mongodb://h/db");
}

TEST(EditDistance, SuggestsOnlyPlausibleTypos) {
  EXPECT_EQ(ClosestName("FirstNam", {"LastName", "FirstName", "Email"}), "FirstName");
  EXPECT_EQ(ClosestName("customer", {"Customer", "Invoice"}), "Customer");
  EXPECT_EQ(ClosestName("Zebra", {"Customer", "Invoice"}), "");
  EXPECT_EQ(ClosestName("CustId", {"InvoiceId", "CustomerId", "Total"}), "CustomerId");
  EXPECT_EQ(DidYouMean("form", {"from", "fields"}), " (did you mean 'from'?)");
}

}  // namespace
}  // namespace sql2mongo
