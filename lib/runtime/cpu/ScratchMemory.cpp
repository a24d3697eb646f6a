//===- ScratchMemory.cpp - keeping kernel scratch memory mapped -----------===//

#include "ScratchMemory.h"

#include <cstdlib> // defines __GLIBC__ under glibc

#ifdef __GLIBC__
#include <malloc.h>
#endif

void quant::rt::keepScratchMemoryMapped() {
#ifdef __GLIBC__
  constexpr int kMmapThreshold = 32 << 20;  // glibc's largest adaptive value
  constexpr int kTrimThreshold = 256 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
#endif
}
