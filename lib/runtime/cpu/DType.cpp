//===- DType.cpp - Element types of program inputs and outputs ------------===//

#include "DType.h"

#include <cstdio>
#include <cstring>

using namespace quant::rt;

bool quant::rt::isValidDType(int32_t dtype) {
  return dtype >= QRT_F32 && dtype <= QRT_I64;
}

size_t quant::rt::dtypeSize(int32_t dtype) {
  switch (dtype) {
  case QRT_F32:
  case QRT_I32:
    return 4;
  case QRT_F16:
  case QRT_BF16:
    return 2;
  case QRT_I8:
    return 1;
  case QRT_I64:
    return 8;
  default:
    return 0;
  }
}

const char *quant::rt::dtypeName(int32_t dtype) {
  switch (dtype) {
  case QRT_F32:
    return "f32";
  case QRT_F16:
    return "f16";
  case QRT_BF16:
    return "bf16";
  case QRT_I8:
    return "i8";
  case QRT_I32:
    return "i32";
  case QRT_I64:
    return "i64";
  default:
    return "?";
  }
}

NpyDType quant::rt::npyDTypeFor(int32_t dtype) {
  switch (dtype) {
  case QRT_F16:
    return NpyDType::F16;
  case QRT_I8:
    return NpyDType::I8;
  case QRT_I32:
    return NpyDType::I32;
  case QRT_I64:
    return NpyDType::I64;
  default: // f32 and bf16.
    return NpyDType::F32;
  }
}

static float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float quant::rt::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1Fu;
  uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0x1F)
    return bitsToFloat(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in binary32.
    float magnitude = float(mantissa) * (1.0f / 16777216.0f);
    return sign ? -magnitude : magnitude;
  }
  return bitsToFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

float quant::rt::bfloat16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

uint16_t quant::rt::floatToBfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) // NaN: keep it quiet and a NaN.
    return uint16_t((bits >> 16) | 0x0040u);
  uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);
  return uint16_t((bits + rounding) >> 16);
}

std::string quant::rt::formatElement(int32_t dtype, const void *data,
                                     size_t index) {
  const char *p = static_cast<const char *>(data) + index * dtypeSize(dtype);
  char text[64];
  switch (dtype) {
  case QRT_F32:
  case QRT_F16:
  case QRT_BF16: {
    float v;
    if (dtype == QRT_F32) {
      std::memcpy(&v, p, sizeof(v));
    } else {
      uint16_t bits;
      std::memcpy(&bits, p, sizeof(bits));
      v = dtype == QRT_F16 ? halfToFloat(bits) : bfloat16ToFloat(bits);
    }
    std::snprintf(text, sizeof(text), "%g", double(v));
    return text;
  }
  case QRT_I8:
    return std::to_string(int(static_cast<int8_t>(*p)));
  case QRT_I32: {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  case QRT_I64: {
    int64_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  default:
    return "?";
  }
}
