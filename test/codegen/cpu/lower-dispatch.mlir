// RUN: quant-opt %s -split-input-file --qt-cpu-lower-dispatch | FileCheck %s

// A bufferized dispatch stores its operands' data pointers, then their
// dynamic sizes, in an array and hands the kernel to the runtime.
func.func private @kernel(!llvm.ptr, i64, i64)

// CHECK-LABEL: func.func @dispatch
// CHECK-SAME: (%[[X:.*]]: memref<3x64xf32>, %[[W:.*]]: memref<8x2x18xi8>, %[[Y:.*]]: memref<?x8xf32>)
// CHECK: %[[SLOTS:.*]] = arith.constant 4 : i64
// CHECK: %[[ARRAY:.*]] = llvm.alloca %[[SLOTS]] x i64 {alignment = 8 : i64} : (i64) -> !llvm.ptr
// CHECK: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: llvm.store
// CHECK: memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: llvm.store
// CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: llvm.store
// CHECK: memref.dim %[[Y]], %{{.*}} : memref<?x8xf32>
// CHECK: llvm.store
// CHECK: %[[K:.*]] = constant @kernel : (!llvm.ptr, i64, i64) -> ()
// CHECK: call @qrt_parallel_for(%[[K]], %[[ARRAY]], %{{.*}}, %{{.*}}) : ((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64) -> ()
// CHECK-NOT: qt.dispatch
// CHECK: func.func private @qrt_parallel_for((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64)
func.func @dispatch(%x: memref<3x64xf32>, %w: memref<8x2x18xi8>, %y: memref<?x8xf32>) {
  %c8 = arith.constant 8 : index
  qt.dispatch @kernel(%c8) ins(%x, %w : memref<3x64xf32>, memref<8x2x18xi8>) outs(%y : memref<?x8xf32>)
  return
}

// -----

// Operands that are not dense row-major go through dense copies; outputs are
// copied back after the call.
func.func private @kernel(!llvm.ptr, i64, i64)

// CHECK-LABEL: func.func @strided
// CHECK: %[[IN:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x32xf32>
// CHECK: memref.copy %arg0, %[[IN]]
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4xf32>
// CHECK: call @qrt_parallel_for
// CHECK: memref.copy %[[OUT]], %arg2
// CHECK: memref.dealloc %[[OUT]]
func.func @strided(%x: memref<2x32xf32, strided<[64, 1]>>, %w: memref<4x1x18xi8>, %y: memref<2x4xf32, strided<[8, 1]>>) {
  %c4 = arith.constant 4 : index
  qt.dispatch @kernel(%c4) ins(%x, %w : memref<2x32xf32, strided<[64, 1]>>, memref<4x1x18xi8>) outs(%y : memref<2x4xf32, strided<[8, 1]>>)
  return
}
