#===- EmbedSpirv.cmake - A SPIR-V binary as a C++ array of words -----------===#
#
# cmake -DINPUT=x.spv -DOUTPUT=x.spv.h -DNAME=kX -P EmbedSpirv.cmake writes
#   static const uint32_t kX[] = {0x07230203, ...};
# (the .spv file is little-endian, as spirv-as writes it on x86).
#
#===------------------------------------------------------------------------===#
file(READ "${INPUT}" bytes HEX)
string(LENGTH "${bytes}" length)
math(EXPR remainder "${length} % 8")
if(length EQUAL 0 OR NOT remainder EQUAL 0)
  message(FATAL_ERROR "${INPUT} is not a whole number of 32-bit words")
endif()
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1," words "${bytes}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by EmbedSpirv.cmake; do not edit.\n"
  "#include <cstdint>\n"
  "static const uint32_t ${NAME}[] = {\n    ${words}\n};\n")
