//===- NpyHeader.cpp - Parse and format .npy headers ----------------------===//
//
// A .npy file starts with "\x93NUMPY", a major and minor version byte, the
// little-endian length of the header dictionary (2 bytes in 1.0, 4 in 2.0 and
// 3.0), and the dictionary itself: a Python literal such as
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and ended by '\n'. The parser here accepts exactly the
// literal grammar NumPy produces (either quote style, any whitespace, trailing
// commas) and rejects anything else with a one-line message.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Npy.h"

#include <algorithm>
#include <cstring>
#include <limits>

using namespace quant::rt;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Header text made safe for a one-line message: at most 64 characters,
/// control and non-ASCII bytes shown as '?'.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char &c : out)
    if (static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) >= 0x7F)
      c = '?';
  return out;
}

/// A parsed value of the header dictionary.
struct Value {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string text;
  bool boolean = false;
  std::vector<int64_t> ints;
};

/// A recursive-descent parser for the header dictionary.
class DictParser {
public:
  explicit DictParser(std::string_view text) : text(text) {}

  /// Parses the dictionary into descr/fortran_order/shape.
  bool parse(NpyHeader &header, bool &fortranOrder, std::string &error);

private:
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skipSpace();
    return pos < text.size() && text[pos] == c;
  }
  bool parseString(std::string &out);
  bool parseValue(const std::string &key, Value &value, std::string &error);
  bool parseTuple(std::vector<int64_t> &ints, std::string &error);

  std::string_view text;
  size_t pos = 0;
};

bool DictParser::parseString(std::string &out) {
  skipSpace();
  if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
    return false;
  char quote = text[pos++];
  size_t start = pos;
  while (pos < text.size() && text[pos] != quote) {
    if (text[pos] == '\\' || text[pos] == '\n')
      return false; // NumPy never writes escapes in these strings.
    ++pos;
  }
  if (pos >= text.size())
    return false;
  out.assign(text.substr(start, pos - start));
  ++pos;
  return true;
}

bool DictParser::parseTuple(std::vector<int64_t> &ints, std::string &error) {
  size_t start = pos;
  auto bad = [&] {
    size_t end = text.find(')', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    error = "bad shape '" + printable(text.substr(start, end - start)) +
            "' in header";
    return false;
  };
  if (!consume('('))
    return bad();
  start = pos - 1;
  ints.clear();
  if (consume(')'))
    return true;
  for (;;) {
    skipSpace();
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9')
      return bad();
    int64_t dim = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      int digit = text[pos++] - '0';
      if (dim > (std::numeric_limits<int64_t>::max() - digit) / 10)
        return bad();
      dim = dim * 10 + digit;
    }
    if (pos < text.size() && text[pos] == 'L') // Python 2 longs.
      ++pos;
    ints.push_back(dim);
    if (consume(')'))
      return true;
    if (!consume(','))
      return bad();
    if (consume(')'))
      return true;
  }
}

bool DictParser::parseValue(const std::string &key, Value &value,
                            std::string &error) {
  skipSpace();
  if (peek('(')) {
    value.kind = Value::Tuple;
    return parseTuple(value.ints, error);
  }
  if (peek('\'') || peek('"')) {
    value.kind = Value::String;
    if (parseString(value.text))
      return true;
    error = "malformed header: bad string for '" + printable(key) + "'";
    return false;
  }
  for (const char *word : {"True", "False"}) {
    size_t len = std::strlen(word);
    if (text.substr(pos, len) == word) {
      pos += len;
      value.kind = Value::Bool;
      value.boolean = word[0] == 'T';
      return true;
    }
  }
  if (key == "descr" && (peek('[') || peek('{')))
    error = "unsupported dtype (structured array)";
  else
    error = "malformed header: bad value for '" + printable(key) + "'";
  return false;
}

bool DictParser::parse(NpyHeader &header, bool &fortranOrder,
                       std::string &error) {
  if (!consume('{')) {
    error = "malformed header: expected '{'";
    return false;
  }
  bool haveDescr = false, haveOrder = false, haveShape = false;
  std::string descr;
  while (!consume('}')) {
    std::string key;
    if (!parseString(key)) {
      error = "malformed header: expected a quoted key";
      return false;
    }
    if (!consume(':')) {
      error = "malformed header: expected ':' after '" + printable(key) + "'";
      return false;
    }
    Value value;
    if (!parseValue(key, value, error))
      return false;
    bool *seen = key == "descr"           ? &haveDescr
                 : key == "fortran_order" ? &haveOrder
                 : key == "shape"         ? &haveShape
                                          : nullptr;
    if (!seen) {
      error = "malformed header: unexpected key '" + printable(key) + "'";
      return false;
    }
    if (*seen) {
      error = "malformed header: duplicate key '" + printable(key) + "'";
      return false;
    }
    *seen = true;
    Value::Kind expected = key == "descr"           ? Value::String
                           : key == "fortran_order" ? Value::Bool
                                                    : Value::Tuple;
    if (value.kind != expected) {
      error = key == "shape"
                  ? "bad shape in header (not a tuple)"
                  : "malformed header: bad value for '" + printable(key) + "'";
      return false;
    }
    if (key == "descr")
      descr = value.text;
    else if (key == "fortran_order")
      fortranOrder = value.boolean;
    else
      header.shape = value.ints;
    if (!consume(',')) {
      if (!consume('}')) {
        error = "malformed header: expected ',' or '}'";
        return false;
      }
      break;
    }
  }
  skipSpace();
  if (pos != text.size()) {
    error = "malformed header: unexpected text after the dictionary";
    return false;
  }
  if (!haveDescr || !haveOrder || !haveShape) {
    error = std::string("malformed header: missing '") +
            (!haveDescr   ? "descr"
             : !haveOrder ? "fortran_order"
                          : "shape") +
            "'";
    return false;
  }
  if (!parseNpyDescr(descr, header.dtype)) {
    error = "unsupported dtype '" + printable(descr) + "'";
    return false;
  }
  return true;
}

uint32_t readLittleEndian(const uint8_t *p, size_t bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < bytes; ++i)
    value |= uint32_t(p[i]) << (8 * i);
  return value;
}

} // namespace

size_t quant::rt::npyElementSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
  case NpyDType::I32:
    return 4;
  case NpyDType::F16:
    return 2;
  case NpyDType::I64:
    return 8;
  case NpyDType::I8:
    return 1;
  }
  return 1;
}

const char *quant::rt::npyDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "<f4";
  case NpyDType::F16:
    return "<f2";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::I64:
    return "<i8";
  case NpyDType::I8:
    return "|i1";
  }
  return "?";
}

const char *quant::rt::npyDTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "f32";
  case NpyDType::F16:
    return "f16";
  case NpyDType::I32:
    return "i32";
  case NpyDType::I64:
    return "i64";
  case NpyDType::I8:
    return "i8";
  }
  return "?";
}

bool quant::rt::parseNpyDescr(std::string_view descr, NpyDType &dtype) {
  static const struct {
    const char *descr;
    NpyDType dtype;
  } kDescrs[] = {
      {"<f4", NpyDType::F32}, {"<f2", NpyDType::F16}, {"<i4", NpyDType::I32},
      {"<i8", NpyDType::I64}, {"|i1", NpyDType::I8},  {"<i1", NpyDType::I8},
      {"i1", NpyDType::I8},
  };
  for (const auto &entry : kDescrs) {
    if (descr == entry.descr) {
      dtype = entry.dtype;
      return true;
    }
  }
  return false;
}

std::string quant::rt::formatShape(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += 'x';
    text += std::to_string(shape[i]);
  }
  return text;
}

bool quant::rt::npyHeaderSize(const void *bytes, size_t size,
                              size_t &headerSize, std::string &error) {
  const uint8_t *p = static_cast<const uint8_t *>(bytes);
  if (size < kMagicSize + 2 || std::memcmp(p, kMagic, kMagicSize) != 0) {
    error = "not a .npy file";
    return false;
  }
  uint8_t major = p[6], minor = p[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(minor);
    return false;
  }
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t preamble = kMagicSize + 2 + lengthBytes;
  if (size < preamble) {
    error = "truncated header";
    return false;
  }
  size_t length = readLittleEndian(p + kMagicSize + 2, lengthBytes);
  if (length > kMaxNpyHeaderSize) {
    error = "header too large (" + std::to_string(length) + " bytes)";
    return false;
  }
  headerSize = preamble + length;
  return true;
}

bool quant::rt::parseNpyHeader(const void *bytes, size_t size,
                               NpyHeader &header, std::string &error) {
  size_t headerSize = 0;
  if (!npyHeaderSize(bytes, size, headerSize, error))
    return false;
  if (size < headerSize) {
    error = "truncated header";
    return false;
  }
  const uint8_t *p = static_cast<const uint8_t *>(bytes);
  size_t preamble = p[6] == 1 ? 10 : 12;
  size_t length = headerSize - preamble;
  std::string_view text(reinterpret_cast<const char *>(p + preamble), length);
  if (text.empty() || text.back() != '\n') {
    error = "malformed header: not terminated by a newline";
    return false;
  }
  if (text.find('\0') != std::string_view::npos) {
    error = "malformed header: contains a NUL byte";
    return false;
  }

  NpyHeader parsed;
  bool fortranOrder = false;
  if (!DictParser(text).parse(parsed, fortranOrder, error))
    return false;
  if (fortranOrder) {
    error = "fortran order is not supported";
    return false;
  }
  uint64_t elements = 1;
  for (int64_t dim : parsed.shape) {
    if (dim != 0 && elements > uint64_t(std::numeric_limits<int64_t>::max()) /
                                   uint64_t(dim)) {
      error =
          "bad shape " + formatShape(parsed.shape) + " in header (too large)";
      return false;
    }
    elements *= uint64_t(dim);
  }
  size_t elementSize = npyElementSize(parsed.dtype);
  if (elements > uint64_t(std::numeric_limits<int64_t>::max()) / elementSize) {
    error = "bad shape " + formatShape(parsed.shape) + " in header (too large)";
    return false;
  }
  parsed.dataOffset = headerSize;
  parsed.numElements = elements;
  parsed.numBytes = elements * elementSize;
  header = std::move(parsed);
  return true;
}

std::string quant::rt::formatNpyHeader(NpyDType dtype,
                                       const std::vector<int64_t> &shape) {
  std::string dict = std::string("{'descr': '") + npyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    dict += ',';
  dict += "), }";

  size_t lengthBytes = 2;
  uint8_t major = 1;
  size_t preamble = kMagicSize + 2 + lengthBytes;
  // Pads with spaces so that the data starts at a multiple of 64; the
  // dictionary ends with '\n'.
  size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  if (total - preamble > 0xFFFF) {
    lengthBytes = 4;
    major = 2;
    preamble = kMagicSize + 2 + lengthBytes;
    total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t length = total - preamble;
  dict.append(length - dict.size() - 1, ' ');
  dict += '\n';

  std::string out(kMagic, kMagicSize);
  out += char(major);
  out += char(0);
  for (size_t i = 0; i < lengthBytes; ++i)
    out += char((length >> (8 * i)) & 0xFF);
  out += dict;
  return out;
}
