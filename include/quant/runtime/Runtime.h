/*===- Runtime.h - the C ABI between generated code and the runtime -------===*\
|*                                                                            *|
|* The runtime (lib/runtime) is what AOT-compiled executables link: a thread  *|
|* pool, tensor I/O and the executable's command line. It has no LLVM/MLIR    *|
|* dependency. Generated code calls only the functions declared here.         *|
\*===----------------------------------------------------------------------===*/

#ifndef QUANT_RUNTIME_RUNTIME_H
#define QUANT_RUNTIME_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A parallel loop body: processes iterations [begin, end) with the captured
/// state in `context`.
typedef void (*qrt_body_fn)(void *context, int64_t begin, int64_t end);

/// Runs body over [0, count) on the runtime's thread pool and returns when all
/// iterations are done. Chunks are multiples of `grain` (>= 1) iterations;
/// the calling thread takes part. Safe to call from one thread at a time.
void qrt_parallel_for(qrt_body_fn body, void *context, int64_t count,
                      int64_t grain);

/// Sets the number of threads used by qrt_parallel_for (>= 1).
void qrt_set_num_threads(int32_t threads);
/// The number of threads qrt_parallel_for uses.
int32_t qrt_get_num_threads(void);

/// Element types of program inputs and outputs.
enum qrt_dtype { QRT_F32 = 0, QRT_F16 = 1, QRT_BF16 = 2, QRT_I8 = 3, QRT_I32 = 4, QRT_I64 = 5 };

/// The static signature of one input or output of a compiled program.
typedef struct qrt_tensor_sig {
  const char *name;
  int32_t dtype; /* enum qrt_dtype */
  int32_t rank;
  const int64_t *dims;
} qrt_tensor_sig;

/// The signature of a compiled program's entry point.
typedef struct qrt_program_sig {
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const qrt_tensor_sig *inputs;
  const qrt_tensor_sig *outputs;
  int32_t default_threads; /* 0: one per core */
} qrt_program_sig;

/// Emitted by the compiler: the entry point's signature.
extern const qrt_program_sig quant_program_signature;

/// Emitted by the compiler: runs the program. `buffers` holds the data
/// pointers of the inputs then of the outputs, each dense row-major with the
/// signature's dims; outputs are written in full.
void quant_program_entry(void **buffers);

/// The executable's main: parses `--input a.npy ... --output out.npy
/// [--bench N] [--threads N]`, checks the inputs against the signature,
/// runs the program and writes the outputs. Returns the process exit code.
int qrt_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* QUANT_RUNTIME_RUNTIME_H */
