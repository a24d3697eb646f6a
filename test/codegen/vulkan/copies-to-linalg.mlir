// RUN: quant-opt %s -split-input-file --qt-vulkan-copies-to-linalg | FileCheck %s

// A copy between dense buffers becomes a linalg.copy (a GPU kernel later).
// CHECK-LABEL: func.func @dense
// CHECK: linalg.copy ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @dense(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// A strided view too (the kernel ABI linearizes it later).
// CHECK-LABEL: func.func @strided
// CHECK: linalg.copy ins(%arg0 : memref<4x8xf32, strided<[16, 1]>>) outs(%arg1 : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @strided(%a: memref<4x8xf32, strided<[16, 1]>>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
  return
}
