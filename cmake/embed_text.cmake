# Writes OUTPUT, a .cc file defining `const char NAME[]` (declared in HEADER) that holds INPUT's text, so
# the binary carries the file and never looks for it on disk. Run with cmake -P; see CMakeLists.txt.
file(READ "${INPUT}" text)
set(delimiter "s2m_text")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\", which would end the raw string literal early")
endif()
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by cmake/embed_text.cmake: edit that file, not this one.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace sql2mongo {\n"
  "const char ${NAME}[] = R\"${delimiter}(${text})${delimiter}\";\n"
  "}  // namespace sql2mongo\n")
