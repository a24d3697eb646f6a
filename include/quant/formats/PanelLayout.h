//===- PanelLayout.h - weights pre-packed for the int8 kernels ----*- C++ -*-===//
//
// The layout the CPU int8 matmul kernels read directly ("packed panels"),
// produced at compile time from a row-major block-quantized matrix. Rows are
// taken 16 at a time (a panel); within a panel the blocks follow one another
// along K, and each panel-block (16 rows x one block of 32 codes) is
//
//   16 scales (the format's scale type, row r at index r)
//   16 minima (formats with a minimum only)
//   the codes, unsigned (signed codes shifted by 2^(bits-1)):
//     4-bit: 4 x 64 bytes; byte 4r + i of vector g holds the code of row r
//            at column 8g + i in its low nibble and at 8g + 4 + i in its
//            high nibble (i < 4);
//     8-bit: 8 x 64 bytes; byte 4r + i of vector q holds row r's code at
//            column 4q + i;
//     5- and 6-bit: the low 4 bits as for 4-bit codes, then the high bits
//            (h = bits - 4 of each code) in 1 or 2 more vectors: quad q
//            (columns 4q..4q+3) has its high bits in vector q / (8 / h) at
//            bit (q % (8 / h)) * h of byte 4r + i.
//
// One 64-byte vector is thus 16 rows x 4 consecutive columns, the operand of
// one dot-product instruction.
//
// Super-blocks of 256 (q4_k, q5_k, q6_k): each panel-block (16 rows x 256
// columns) is
//
//   the block header (the bytes that are not codes: q4_k and q5_k's f16 d
//     and dmin and 12 bytes of 6-bit sub-block scales and minima, q6_k's
//     16 int8 sub-block scales and f16 d), transposed: header byte b of row
//     r at 16 b + r;
//   the codes of the 8 32-column blocks one after the other, each in the
//     order above for its code width (4, 5 or 6 x 64 bytes).
//
// A panel-block has exactly the bytes of the 16 blocks it replaces, so a
// packed tensor keeps its size and offset.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FORMATS_PANELLAYOUT_H
#define QUANT_FORMATS_PANELLAYOUT_H

#include "quant/formats/Format.h"

#include <cstddef>
#include <cstdint>

namespace quant::fmt {

/// Rows per panel.
constexpr size_t kPanelRows = 16;

/// True when matrices of `spec` can be stored as packed panels: a generic
/// layout of 32-element blocks with 4-, 5-, 6- or 8-bit integer codes, an f16
/// scale and no stored zero point (q4_0, q4_1, q5_0, q5_1, q8_0 and inline
/// formats like them), or the q4_k, q5_k and q6_k super-block layouts.
bool hasPanelLayout(const FormatSpec &spec);

/// Bytes of a block's header that a panel-block stores transposed
/// (super-block layouts: 16 for q4_k and q5_k, 18 for q6_k), 0 for generic
/// layouts.
size_t panelHeaderBytes(const FormatSpec &spec);
/// Offset of that header in a block: 0, or 192 for q6_k (after its codes).
size_t panelHeaderOffset(const FormatSpec &spec);

/// True when a `rows` x `cols` matrix of `spec` can be packed: hasPanelLayout
/// and whole panels and blocks.
bool canPackPanels(const FormatSpec &spec, size_t rows, size_t cols);

/// Rewrites the row-major storage `in` of a `rows` x `cols` matrix of `spec`
/// into packed panels at `out` (the same number of bytes; `in` and `out` must
/// not overlap). Requires canPackPanels.
void packPanels(const FormatSpec &spec, const uint8_t *in, size_t rows,
                size_t cols, uint8_t *out);

} // namespace quant::fmt

#endif // QUANT_FORMATS_PANELLAYOUT_H
