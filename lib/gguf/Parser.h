//===- Parser.h - Internal entry point of the GGUF parser ----------*- C++
//-*-===//
//
// Private to lib/gguf: parses a GGUF image held by a Buffer into a File.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_LIB_GGUF_PARSER_H
#define QUANT_LIB_GGUF_PARSER_H

#include "quant/gguf/Reader.h"

#include <memory>
#include <string>

namespace quant::gguf {

/// Parses the image in `buffer`; messages start with "<name>: ".
Expected<File> parseBuffer(std::shared_ptr<const Buffer> buffer, bool mapped,
                           const std::string &name);

} // namespace quant::gguf

#endif // QUANT_LIB_GGUF_PARSER_H
