//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//

#ifndef QUANT_CODEGEN_CPU_PASSES_TD
#define QUANT_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineMatmulKernelsPass : Pass<"qt-cpu-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "Turns each qt.matmul into a generated kernel and a qt.dispatch";
  let description = [{
    For every `qt.matmul`, adds a vectorized kernel function (blocks
    dequantized in registers by the format's hook, FMA reduction) and replaces
    the op by a `qt.dispatch` of that kernel over the output rows, reading the
    weight's raw storage.

    With `fuse-siblings`, matmuls with packed-panel weights of one format
    that read the same 2-D activations in one block (a layer's query, key
    and value projections; its gate and up projections) become a single
    dispatch of one kernel over their rows one after the other: one
    quantization of the activations and one parallel loop instead of one
    per matmul. Each weight stays a separate operand (no copy); each result
    is a `tensor.extract_slice` of the joint output's columns.
  }];
  let options = [
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"4",
           "Activation rows that share each dequantized block">,
    Option<"strategy", "strategy", "std::string", /*default=*/"\"auto\"",
           "float (dequantize in registers + FMA), int8 (int8 activations + "
           "integer dot products) or auto (int8 where the format has integer "
           "codes and the target has VNNI)">,
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "The target has AVX-512 VNNI (vpdpbusd)">,
    Option<"fuseSiblings", "fuse-siblings", "bool", /*default=*/"true",
           "Run packed-weight matmuls of one format that read the same "
           "activations as one kernel over their concatenated rows">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def PackConstantWeightsPass : Pass<"qt-cpu-pack-constant-weights", "::mlir::ModuleOp"> {
  let summary = "Stores constant matmul weights as packed panels";
  let description = [{
    For every `qt.constant` used only as the weights of `qt.matmul`s of the
    form `y[N, M] = x[N, K] · Wᵀ` whose format has a packed-panel layout
    (`fmt::canPackPanels`: q4_0, q4_1, q5_0, q5_1, q8_0, inline formats like
    them, q4_k, q5_k and q6_k; M a multiple of 16), rewrites the constant's bytes with
    `fmt::packPanels` and marks those matmuls `qt.packed_weights`, so the
    int8 kernel reads them in place for every N (decode included). Run it
    only when the matmuls will use the int8 strategy.
  }];
}

def GenerateKernelsPass : Pass<"qt-cpu-generate-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the bodies of declared matmul kernels";
  let description = [{
    Kernel declarations made by qt-cpu-outline-kernels carry a
    `qt.matmul_kernel` attribute describing the computation; this pass turns
    each into vector code (after bufferization, so tensor-level passes never
    walk kernel bodies).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def LowerDispatchPass : Pass<"qt-cpu-lower-dispatch", "::mlir::ModuleOp"> {
  let summary = "Lowers bufferized qt.dispatch to the runtime's parallel loop";
  let description = [{
    Stores each operand's data pointer and dynamic sizes in an array and calls
    `qrt_parallel_for(kernel, array, count, grain)`. Operands that are not
    dense row-major are copied into dense buffers first (and back, for
    outputs).
  }];
  let options = [
    Option<"grain", "grain", "int64_t", /*default=*/"4",
           "Work items per scheduling chunk">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect"
  ];
}

def ParallelizeLoopsPass : Pass<"qt-cpu-parallelize-loops", "::mlir::ModuleOp"> {
  let summary = "Runs large host linalg.generic ops on the runtime's thread pool";
  let description = [{
    After bufferization, each `linalg.generic` of a host function whose
    iteration count (the product of its loop ranges) may reach `min-work`
    and that has a parallel loop along which every output is indexed moves
    into a kernel `__qt_loop_kernel_N(operands, begin, end)` running it on
    the slice [begin, end) of the outermost such loop (of more than one
    iteration); the host calls `qrt_parallel_for` over the loop's range.
    When the static ranges alone stay below `min-work` and some are dynamic
    (an attention's sequence length), the host computes the count at run
    time and keeps the original op, inline, for counts below `min-work`.
    Operands are passed as strided metadata (no copies), captured scalars
    as 64-bit slots, and `linalg.index` of the split loop is shifted by the
    slice's start. The kernel calls a body
    `__qt_loop_kernel_N_body(pointers..., operands, begin, end)` whose
    pointers are `llvm.noalias` where the host proves the operand disjoint
    from every written one (distinct allocations, through views), so LLVM
    can keep a reduction's output in registers. Splitting a parallel loop
    reorders no reduction, so results do not depend on the thread count.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Iterations from which a generic is split">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect"
  ];
}

def PolynomialExpPass : Pass<"qt-cpu-polynomial-exp", "::mlir::ModuleOp"> {
  let summary = "Computes f32 math.exp with a polynomial instead of a libm call";
  let description = [{
    Rewrites every f32 `math.exp` (scalar or vector) into MLIR's polynomial
    approximation (range reduction by ln 2, a polynomial on the reduced
    argument, the exponent set through integer bit manipulation): straight
    arithmetic that LLVM's loop vectorizer can vectorize, where a call of
    libm's `expf` keeps a loop (softmax, SiLU) scalar. Its error, measured
    over every float argument, is recorded in docs/pipeline.md and bounded
    in the end-to-end tests' error model (test/e2e/TrackedError.h).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def EntryPointPass : Pass<"qt-cpu-entry-point", "::mlir::ModuleOp"> {
  let summary = "Adds C entry points such as quant_program_entry(void **buffers)";
  let description = [{
    After bufferization (results turned into output parameters), wraps each
    entry function in a C function `void symbol(void **buffers)`, which
    receives the data pointers of the inputs then the outputs, and renames
    the entry function (`__symbol`) so it cannot clash with C symbols.
    A program has one entry (`main` -> `quant_program_entry` by default); a
    compiled model has several (e.g. `prefill=quant_model_prefill`).
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "The entry functions, comma-separated, each `name` or "
           "`name=c_symbol` (default symbol: quant_program_entry)">,
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::arith::ArithDialect"
  ];
}

#endif // QUANT_CODEGEN_CPU_PASSES_TD
