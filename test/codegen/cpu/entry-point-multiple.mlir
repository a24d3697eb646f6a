// RUN: quant-opt %s --qt-cpu-entry-point='entry="prefill=quant_model_prefill,decode=quant_model_decode"' | FileCheck %s

// Several entries, each with its own C symbol (a compiled model's prefill
// and decode steps).
// CHECK-LABEL: func.func private @__quant_model_prefill(%{{.*}}: memref<4xf32>)
// CHECK-LABEL: func.func private @__quant_model_decode(%{{.*}}: memref<1xf32>)
// CHECK-LABEL: func.func @quant_model_prefill
// CHECK: call @__quant_model_prefill(
// CHECK-LABEL: func.func @quant_model_decode
// CHECK: call @__quant_model_decode(
module {
  func.func @prefill(%x: memref<4xf32>) {
    return
  }
  func.func @decode(%x: memref<1xf32>) {
    return
  }
}
