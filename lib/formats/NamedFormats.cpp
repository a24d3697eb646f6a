//===- NamedFormats.cpp - The table of named formats and GGUF ids -*- C++
//-*-===//
//
// The formats the library knows by name, with their GGUF type ids where the
// format is a GGUF one. docs/formats-library.md describes each entry.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Format.h"

namespace quant::fmt {

namespace {

struct NamedEntry {
  FormatSpec spec;
  std::optional<uint32_t> ggufId;
};

FormatSpec generic(std::string name, unsigned bits, unsigned blockSize,
                   ScaleType scale, CodeKind kind, Packing packing) {
  FormatSpec s;
  s.name = std::move(name);
  s.bits = bits;
  s.blockSize = blockSize;
  s.scaleType = scale;
  s.codeKind = kind;
  s.packing = packing;
  return s;
}

FormatSpec uintSym(std::string name, unsigned bits, int bias) {
  FormatSpec s = generic(std::move(name), bits, 32, ScaleType::F16,
                         CodeKind::UInt, Packing::Ggml);
  s.bias = bias;
  return s;
}

FormatSpec uintMin(std::string name, unsigned bits) {
  FormatSpec s = generic(std::move(name), bits, 32, ScaleType::F16,
                         CodeKind::UInt, Packing::Ggml);
  s.offset = OffsetKind::Min;
  return s;
}

FormatSpec miniFloat(std::string name, MiniFloat mf, unsigned bits,
                     ScaleType scale, Packing packing) {
  FormatSpec s =
      generic(std::move(name), bits, 32, scale, CodeKind::MiniFloat, packing);
  s.miniFloat = mf;
  return s;
}

FormatSpec kQuant(std::string name, Layout layout, unsigned bits, int bias,
                  OffsetKind offset) {
  FormatSpec s = generic(std::move(name), bits, 256, ScaleType::F16,
                         CodeKind::UInt, Packing::Ggml);
  s.layout = layout;
  s.bias = bias;
  s.offset = offset;
  return s;
}

std::vector<NamedEntry> buildTable() {
  std::vector<NamedEntry> t;
  t.push_back({uintSym("q4_0", 4, 8), 2});
  t.push_back({uintMin("q4_1", 4), 3});
  t.push_back({uintSym("q5_0", 5, 16), 6});
  t.push_back({uintMin("q5_1", 5), 7});
  t.push_back(
      {generic("q8_0", 8, 32, ScaleType::F16, CodeKind::SInt, Packing::Ggml),
       8});
  t.push_back({kQuant("q2_k", Layout::Q2_K, 2, 0, OffsetKind::Min), 10});
  t.push_back({kQuant("q3_k", Layout::Q3_K, 3, 4, OffsetKind::None), 11});
  t.push_back({kQuant("q4_k", Layout::Q4_K, 4, 0, OffsetKind::Min), 12});
  t.push_back({kQuant("q5_k", Layout::Q5_K, 5, 0, OffsetKind::Min), 13});
  t.push_back({kQuant("q6_k", Layout::Q6_K, 6, 32, OffsetKind::None), 14});

  FormatSpec iq4 = generic("iq4_nl", 4, 32, ScaleType::F16, CodeKind::Codebook,
                           Packing::Ggml);
  iq4.codebook = {-127, -104, -83, -65, -49, -35, -22, -10,
                  1,    13,   25,  38,  53,  69,  89,  113};
  t.push_back({iq4, 20});
  t.push_back(
      {miniFloat("mxfp4", MiniFloat::E2M1, 4, ScaleType::E8M0, Packing::Ggml),
       39});

  // bitsandbytes NF4: the normal-quantile table at binary32 precision
  // (FORMATS.md lists the same values rounded to 5 decimals); absmax scale.
  FormatSpec nf4 = generic("nf4", 4, 64, ScaleType::F32, CodeKind::Codebook,
                           Packing::Linear);
  nf4.codebook = {-1.0f,
                  -0.6961928009986877f,
                  -0.5250730514526367f,
                  -0.39491748809814453f,
                  -0.28444138169288635f,
                  -0.18477343022823334f,
                  -0.09105003625154495f,
                  0.0f,
                  0.07958029955625534f,
                  0.16093020141124725f,
                  0.24611230194568634f,
                  0.33791524171829224f,
                  0.44070982933044434f,
                  0.5626170039176941f,
                  0.7229568362236023f,
                  1.0f};
  t.push_back({nf4, std::nullopt});

  t.push_back({miniFloat("fp8_e4m3", MiniFloat::E4M3FN, 8, ScaleType::F32,
                         Packing::Linear),
               std::nullopt});
  t.push_back({miniFloat("fp8_e5m2", MiniFloat::E5M2, 8, ScaleType::F32,
                         Packing::Linear),
               std::nullopt});
  t.push_back({miniFloat("mxfp8_e4m3", MiniFloat::E4M3FN, 8, ScaleType::E8M0,
                         Packing::Linear),
               std::nullopt});
  t.push_back({miniFloat("mxfp8_e5m2", MiniFloat::E5M2, 8, ScaleType::E8M0,
                         Packing::Linear),
               std::nullopt});

  t.push_back({generic("int8_pc", 8, 0, ScaleType::F32, CodeKind::SInt,
                       Packing::Linear),
               std::nullopt});
  FormatSpec g128 = generic("int4_g128", 4, 128, ScaleType::F16, CodeKind::UInt,
                            Packing::Linear);
  g128.offset = OffsetKind::ZeroPoint;
  t.push_back({g128, std::nullopt});
  return t;
}

const std::vector<NamedEntry> &table() {
  static const std::vector<NamedEntry> t = buildTable();
  return t;
}

} // namespace

const std::vector<FormatSpec> &namedFormats() {
  static const std::vector<FormatSpec> specs = [] {
    std::vector<FormatSpec> v;
    for (const NamedEntry &e : table())
      v.push_back(e.spec);
    return v;
  }();
  return specs;
}

const FormatSpec *lookupNamedFormat(std::string_view name) {
  for (const FormatSpec &s : namedFormats())
    if (s.name == name)
      return &s;
  return nullptr;
}

std::optional<uint32_t> ggufTypeId(const FormatSpec &spec) {
  // By structure, so that an inline spec equal to a GGUF format maps too.
  for (const NamedEntry &e : table())
    if (e.ggufId && e.spec.sameLayoutAs(spec))
      return e.ggufId;
  return std::nullopt;
}

const FormatSpec *formatForGgufType(uint32_t typeId) {
  const std::vector<FormatSpec> &specs = namedFormats();
  for (size_t i = 0; i < table().size(); ++i)
    if (table()[i].ggufId == typeId)
      return &specs[i];
  return nullptr;
}

} // namespace quant::fmt
