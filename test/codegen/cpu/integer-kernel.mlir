// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=int8 vnni=true" --qt-cpu-generate-kernels | FileCheck %s
// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=int8 vnni=false" --qt-cpu-generate-kernels | FileCheck %s --check-prefix=PORTABLE

// The int8 kernel quantizes activations per block of 32 (amax / 127, round
// to nearest even; 4 codes per i32), then (with fewer than 16 activation
// rows: the per-row path; packed-panels.mlir tests the other) multiplies 64 unsigned codes (two Q4_0 blocks) with
// 64 int8 activations per dot product, keeping 16 per-lane sums.
// CHECK-LABEL: func.func private @__qt_matmul_kernel_0
// CHECK: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x64xi32>
// CHECK: vector.reduction <maxnumf>
// CHECK: math.roundeven {{.*}} : vector<32xf32>
// CHECK: vector.store {{.*}} : memref<?x64xi32>, vector<8xi32>
// CHECK: vector.shuffle {{.*}} : vector<32xi8>, vector<32xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"({{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: memref.dealloc
// Without VNNI the same dot product is written portably.
// PORTABLE-NOT: llvm.call_intrinsic
// PORTABLE: vector.multi_reduction <add>, {{.*}} [1] : vector<16x4xi32> to vector<16xi32>
func.func @int8(%x: tensor<3x256xf32>, %w: !qt.tensor<8x256x#qt.q4_0>) -> tensor<3x8xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<3x256xf32>, !qt.tensor<8x256x#qt.q4_0> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
