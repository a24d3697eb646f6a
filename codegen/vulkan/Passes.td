//===- Passes.td - Vulkan code generation passes -----------*- tablegen -*-===//

#ifndef QUANT_CODEGEN_VULKAN_PASSES_TD
#define QUANT_CODEGEN_VULKAN_PASSES_TD

include "mlir/Pass/PassBase.td"

def MatmulLaunchPass : Pass<"qt-vulkan-matmul-launch", "::mlir::ModuleOp"> {
  let summary = "Turns each bufferized matmul qt.dispatch into a gpu.launch";
  let description = [{
    Replaces every `qt.dispatch` of a kernel declared by
    `qt-cpu-outline-kernels` (its `qt.matmul_kernel` attribute describes the
    computation) with a `gpu.launch` computing it: one workgroup per weight
    row and tile of activation rows; each invocation dequantizes a strided
    share of the row's blocks element by element with the format's
    `emitDequantizeElement` hook and accumulates with FMAs; partial sums are
    reduced across the subgroup, then across subgroups through workgroup
    memory. The kernel declarations are erased.
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", /*default=*/"64",
           "Invocations per workgroup">,
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"4",
           "Activation rows sharing each dequantized element">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::spirv::SPIRVDialect"
  ];
}

def HostCopiesToLinalgPass : Pass<"qt-vulkan-copies-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Turns memref.copy into linalg.copy";
  let description = [{
    So that buffer copies (dense or between strided views, such as writes
    into a KV cache) run as GPU kernels like every other linalg op, instead
    of on the host between dispatches.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def KeepOnHostPass : Pass<"qt-vulkan-keep-on-host", "::mlir::ModuleOp"> {
  let summary = "Lowers linalg ops computing in float64 to host loops";
  let description = [{
    Float64 arithmetic is an optional Vulkan feature and GLSL.std.450's
    transcendental functions take 32-bit floats at most, so a bufferized
    linalg op that reads, writes or computes float64 values (a model's RoPE
    angle tables) becomes sequential `scf.for` loops here, before the
    parallel-loop mapping, and runs in host code.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def SinkConstantsPass : Pass<"qt-vulkan-sink-constants", "::mlir::ModuleOp"> {
  let summary = "Moves the constants a gpu.launch uses into its body";
  let description = [{
    Canonicalization hoists constants out of launch bodies; sunk back before
    outlining, they stay compile-time constants of the kernel instead of
    becoming kernel arguments (each a storage buffer in Vulkan).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def LinearizeKernelBuffersPass
    : Pass<"qt-vulkan-linearize-buffers", "::mlir::ModuleOp"> {
  let summary = "Passes strided kernel buffers as flat buffers plus layout values";
  let description = [{
    SPIR-V indexes storage buffers with compile-time strides. A `gpu.func`
    kernel argument that is a view with a dynamic offset, dynamic strides or
    a non-identity layout is replaced by its allocation as `memref<?xT>`
    (from `memref.extract_strided_metadata` + `memref.reinterpret_cast` at
    every `gpu.launch_func`) and index arguments for the dynamic offset,
    strides and queried sizes; the kernel's `memref.load`/`memref.store`
    index the flat buffer with offset + Σ index·stride and `memref.dim`
    reads the size. Other uses of such an argument are an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KernelAbiPass : Pass<"qt-vulkan-kernel-abi", "::mlir::ModuleOp"> {
  let summary = "Gives each outlined GPU kernel its SPIR-V entry point ABI";
  let description = [{
    Sets `spirv.entry_point_abi` (the workgroup size, from the kernel's
    `known_block_size`) on every `gpu.func` kernel, and reports a kernel
    whose workgroup size is unknown or whose arguments are not dense
    buffers or scalars as an error.
  }];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def Decode16BitFloatsPass
    : Pass<"qt-vulkan-16bit-floats", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Reads f16/bf16 kernel buffers as i16 and decodes the bits";
  let description = [{
    Float16, 16-bit storage and bfloat16 are optional in Vulkan. A kernel
    buffer argument of f16 or bf16 elements becomes a buffer of i16 (same
    bytes), and each value loaded from it, which may only be widened to f32
    by `arith.extf`, is decoded from its bits in integer arithmetic (exact,
    subnormals and non-finite values included). Other uses, and any other
    16-bit float value in a kernel, are errors. Runs on the copy of each
    kernel module that `qt-vulkan-lower-launch` converts to SPIR-V (the
    host's launches keep the float buffer types; the bytes are the same).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def ReduceTrigRangePass
    : Pass<"qt-vulkan-reduce-trig-range", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Reduces f32 math.sin/math.cos arguments into [-pi, pi]";
  let description = [{
    Vulkan specifies the precision of GLSL.std.450 Sin and Cos (2^-11
    absolute) only inside [-pi, pi]. Each f32 `math.sin`/`math.cos` in a
    kernel gets its argument reduced first: k = roundeven(x / 2pi),
    r = (x - k*C1) - k*C2 with 2pi split Cody-Waite style (C1 = 6.28125, so
    k*C1 is exact for |k| < 2^16), clamped to the floats within pi. Runs on
    the copy of each kernel module that `qt-vulkan-lower-launch` converts.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def LowerLaunchPass : Pass<"qt-vulkan-lower-launch", "::mlir::ModuleOp"> {
  let summary = "Compiles kernels to SPIR-V and lowers gpu.launch_func to the runtime";
  let description = [{
    Converts each `gpu.module` (a copy of it, in a nested module) to a
    `spirv.module` for the target environment (Vulkan, SPIR-V 1.3, subgroup
    arithmetic, with or without 8-bit storage), serializes it into a
    constant global of 32-bit words, replaces each `gpu.launch_func` by a
    call of the Vulkan runtime's `qrt_vk_dispatch(spirv, words, entry,
    groups x/y/z, args, count)` (four int64 slots per argument: address or
    value, bytes, flags, scalar), calls `qrt_vk_sync()` before host code
    touches memory and before each return, and erases the GPU modules.
  }];
  let options = [
    Option<"byteStorage", "byte-storage", "std::string",
           /*default=*/"\"native\"",
           "native (Int8 + 8-bit storage buffers) or emulated (bytes "
           "extracted from 32-bit words)">,
    Option<"spirvDirectory", "spirv-directory", "std::string",
           /*default=*/"\"\"",
           "When set, also writes each kernel module's SPIR-V to <dir>/<module>.spv">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::spirv::SPIRVDialect"
  ];
}

#endif // QUANT_CODEGEN_VULKAN_PASSES_TD
