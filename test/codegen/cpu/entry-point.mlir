// RUN: quant-opt %s -split-input-file --qt-cpu-entry-point -verify-diagnostics | FileCheck %s

// The entry function is renamed out of C's way and wrapped by
// quant_program_entry(void **buffers): inputs, then outputs.
// CHECK-LABEL: func.func private @__quant_program_entry(%{{.*}}: memref<2x3xf32>, %{{.*}}: memref<2x3xf32>)
// CHECK-LABEL: func.func @quant_program_entry
// CHECK-SAME: (%[[BUFFERS:.*]]: !llvm.ptr)
// CHECK: llvm.getelementptr %[[BUFFERS]][0]
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2x3xf32>
// CHECK: llvm.getelementptr %[[BUFFERS]][1]
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2x3xf32>
// CHECK: call @__quant_program_entry(
func.func @main(%x: memref<2x3xf32>, %y: memref<2x3xf32>) {
  memref.copy %x, %y : memref<2x3xf32> to memref<2x3xf32>
  return
}

// -----

// expected-error @+1 {{entry function arguments must be statically shaped dense buffers, got 'memref<?x3xf32>'}}
func.func @main(%x: memref<?x3xf32>, %y: memref<2x3xf32>) {
  return
}

// -----

// expected-error @+1 {{no entry function 'main'}}
module {
  func.func @other() {
    return
  }
}

