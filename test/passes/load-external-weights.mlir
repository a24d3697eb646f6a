// RUN: quant-opt %s -split-input-file --qt-load-external-weights=base-dir=%S/Inputs | FileCheck %s
// RUN: quant-opt %s -split-input-file --qt-load-external-weights=base-dir=%S/Inputs --canonicalize --mlir-print-op-generic | FileCheck %s --check-prefix=BLOB
// RUN: not quant-opt %s -split-input-file --qt-load-external-weights 2>&1 | FileCheck %s --check-prefix=MISSING

// The 18 bytes at offset 0 of Inputs/one-q4_0-block.bin become a resource
// blob of the module.
// CHECK-LABEL: func.func @load
// CHECK: qt.constant dense_resource<one_q4_0_block_0> : tensor<18xi8> -> !qt.tensor<1x32x#qt.q4_0>
// CHECK: builtin: {
// CHECK-NEXT: one_q4_0_block_0: "0x08000000003C0123456789ABCDEF0123456789ABCDEF"
// BLOB: dense_resource<one_q4_0_block_0>
// MISSING: error: 'qt.constant' op cannot read external data 'one-q4_0-block.bin'
func.func @load() -> !qt.tensor<1x32x#qt.q4_0> {
  %w = qt.constant #qt.external<"one-q4_0-block.bin", offset = 0, size = 18> -> !qt.tensor<1x32x#qt.q4_0>
  return %w : !qt.tensor<1x32x#qt.q4_0>
}
