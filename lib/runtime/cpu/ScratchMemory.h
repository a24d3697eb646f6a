//===- ScratchMemory.h - keeping kernel scratch memory mapped -----*- C++ -*-===//

#ifndef QUANT_RUNTIME_CPU_SCRATCHMEMORY_H
#define QUANT_RUNTIME_CPU_SCRATCHMEMORY_H

namespace quant::rt {

/// Generated kernels allocate their scratch (quantized activations, decoded
/// weight panels) with malloc on every call. glibc gives freed memory above
/// its trim threshold back to the system and serves blocks above its
/// adaptive mmap threshold with fresh mappings, so a large matmul could fault
/// its scratch in again on every call (60 of the 180 ms of a 4096 x 14336 x
/// 512 Q4_0 matmul on a 2-core Cascade Lake). This fixes both thresholds
/// (scratch blocks up to 32 MiB come from the heap; up to 256 MiB of free
/// heap stays mapped). Called once, when the thread pool starts; a no-op
/// outside glibc.
void keepScratchMemoryMapped();

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_SCRATCHMEMORY_H
