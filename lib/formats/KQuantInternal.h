//===- KQuantInternal.h - Helpers shared by the K-quant files ----*- C++
//-*-===//
//
// Private to lib/formats: geometry of the K-quant layouts and the field
// accessors used by both the decoder and the encoder's error bound.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_LIB_FORMATS_KQUANTINTERNAL_H
#define QUANT_LIB_FORMATS_KQUANTINTERNAL_H

#include "quant/formats/Format.h"

#include <cstdint>

namespace quant::fmt::detail {

/// Sub-block structure of a K-quant layout: x = S_j * v - M_j with v an
/// integer in [vmin, vmax].
struct KGeometry {
  unsigned numSub;  ///< Sub-blocks per super-block.
  unsigned subSize; ///< Elements per sub-block.
  int vmin, vmax;   ///< Range of the code values v.
};
KGeometry kGeometry(Layout l);

/// The 6-bit scale and min of sub-block j (0..7) packed in Q4_K/Q5_K
/// `scales[12]`.
void getScaleMinK4(unsigned j, const uint8_t *scales, uint8_t &sc, uint8_t &m);
/// The unsigned 6-bit scale of sub-block j (0..15) in Q3_K `scales[12]`.
unsigned q3kScale6(unsigned j, const uint8_t *scales);

/// The effective sub-block scales S_j = d * sc_j and mins M_j = dmin * m_j
/// (0 for Q3_K, Q6_K), computed in float32 as the decoder does.
void kSubBlockParams(Layout l, const uint8_t *block, float *S, float *M);
/// The 256 code values v (Q3_K: q - 4, Q6_K: q - 32, else q).
void kCodeValues(Layout l, const uint8_t *block, int *v);

} // namespace quant::fmt::detail

#endif // QUANT_LIB_FORMATS_KQUANTINTERNAL_H
