/*===- Vulkan.h - the C ABI between generated code and the Vulkan runtime -===*\
|*                                                                            *|
|* Host code emitted for a GPU target runs its SPIR-V compute shaders through *|
|* these functions (library QuantRuntimeVulkan, which has no LLVM/MLIR        *|
|* dependency). Dispatches are recorded into one command buffer, with a       *|
|* compute-to-compute memory barrier before each, and submitted when          *|
|* qrt_vk_sync is called (or when the runtime must flush on its own).         *|
|*                                                                            *|
|* Environment: QUANT_VK_DEVICE=N picks the device (index in Vulkan's         *|
|* enumeration order), QUANT_VK_VALIDATION=1 enables the Khronos validation   *|
|* layer (any message makes the process exit with code 3), QUANT_VK_PROFILE=1 *|
|* prints per-kernel GPU times to stderr at exit, QUANT_VK_MAX_WEIGHT_BYTES=N *|
|* caps the weight chunk a matmul dispatch binds (qrt_vk_max_buffer_bytes).  *|
\*===----------------------------------------------------------------------===*/

#ifndef QUANT_RUNTIME_VULKAN_H
#define QUANT_RUNTIME_VULKAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Flags of one kernel argument (4 int64 slots per argument, see
/// qrt_vk_dispatch).
enum { QRT_VK_ARG_SCALAR = 1, QRT_VK_ARG_CONSTANT = 2, QRT_VK_ARG_WRITTEN = 4 };

/// Runs one compute shader. `spirv` (spirv_words 32-bit words, in static
/// storage that lives as long as the program, so its address is used as a
/// cache key) has a single GLCompute entry point named `entry_point` whose
/// workgroup size is fixed in the module. `args` holds 4 int64 slots per
/// argument i (num_args args):
///   [4i+0] data: for a buffer, the address of its first byte;
///   [4i+1] bytes: for a buffer, its size in bytes (may be 0);
///   [4i+2] flags: QRT_VK_ARG_SCALAR for a 32-bit scalar argument; for
///          buffers QRT_VK_ARG_CONSTANT when the contents never change for
///          the life of the process (uploaded once, cached by address and
///          size), QRT_VK_ARG_WRITTEN when the shader may write it;
///   [4i+3] scalar: for a scalar argument, the value (low 32 bits used).
/// Argument i is bound at descriptor set 0, binding i, as a storage buffer;
/// a scalar argument is a storage buffer holding one 32-bit integer.
/// The shader runs groups_x * groups_y * groups_z workgroups. The work may be
/// deferred until qrt_vk_sync; dispatches execute in call order, each seeing
/// the memory effects of the earlier ones.
void qrt_vk_dispatch(const uint32_t *spirv, int64_t spirv_words,
                     const char *entry_point, int64_t groups_x,
                     int64_t groups_y, int64_t groups_z, const int64_t *args,
                     int64_t num_args);

/// Waits for all dispatched work; afterwards every buffer written by a shader
/// holds its result in host memory. Generated code calls it before the host
/// reads or writes memory that shaders may touch, and before returning from
/// the program.
void qrt_vk_sync(void);

/// The GPU time in milliseconds (sum of per-dispatch timestamp intervals) of
/// the dispatches completed by qrt_vk_sync calls since the previous
/// qrt_vk_take_gpu_ms call (however many syncs a program makes); 0 when the
/// device has no timestamps or nothing ran.
double qrt_vk_take_gpu_ms(void);

/// MLIR's generic memref allocation ABI, called by generated host code for
/// every temporary buffer: host-addressable memory that shaders bind without
/// copying (persistently mapped, host-visible, coherent device memory),
/// aligned to at least 64 bytes and the device's storage buffer offset
/// alignment. Zero bytes gives a valid unique pointer. Freeing is safe while
/// work is pending (the memory is reused only after that work completes).
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);

/// The largest buffer, in bytes, generated code binds as one weight argument:
/// the device's maxStorageBufferRange, or QUANT_VK_MAX_WEIGHT_BYTES when
/// that is smaller (to exercise the splitting on any device). Matmul launches
/// split their weights into row chunks of at most this size.
int64_t qrt_vk_max_buffer_bytes(void);

/// Declares that the `bytes` bytes at `data` never change for the rest of the
/// process (a model's weights): buffer arguments inside that range are
/// treated as QRT_VK_ARG_CONSTANT (uploaded once, cached).
void qrt_vk_register_constant(const void *data, uint64_t bytes);

/// The body of a Vulkan executable, run by qrt_vk_run with the arguments it
/// did not take; returns the process exit code.
typedef int (*qrt_vk_body)(int argc, char **argv, void *context);

/// A Vulkan executable's main: takes `--device N` and `--list-devices` out of
/// argv, initializes Vulkan, runs `body` with the remaining arguments, waits
/// for the GPU and tears Vulkan down. Returns the process exit code: the
/// body's, or 1 on a Vulkan failure, 2 on a usage error, 3 when validation
/// messages were seen.
int qrt_vk_run(int argc, char **argv, qrt_vk_body body, void *context);

/// qrt_vk_run with qrt_main as the body: the main of compiled programs
/// (QuantRuntimeVulkanMain's `main` calls it).
int qrt_vk_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* QUANT_RUNTIME_VULKAN_H */
