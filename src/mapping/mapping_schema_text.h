// The text of mappings/sql2mongo-mapping.schema.json, compiled in (the build generates its definition
// from the file, see cmake/embed_text.cmake): the binary checks mappings against the very schema shipped
// for editors, and never looks for it on disk.
#pragma once

namespace sql2mongo {

extern const char kMappingSchemaText[];

}  // namespace sql2mongo
