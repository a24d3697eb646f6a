// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=int8 vnni=true" --qt-cpu-generate-kernels | FileCheck %s
// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=int8 vnni=true" --qt-cpu-generate-kernels | FileCheck %s --check-prefix=BATCHED

// With 16 or more activation rows the int8 kernel takes its packed-panel
// path: 16 weight rows are decoded once into a [K/4 x 16] i32 buffer (4
// codes of each row per element) and [K/32 x 16] block parameters; then 8
// activation rows at a time meet the panel: per 32-block, 8 dot products per
// activation row (the panel's 16 x 4 codes against one activation quad
// broadcast to all lanes) accumulating in 16 i32 lanes, one per weight row,
// then a conversion and FMAs into 16 f32 lanes that are 16 output elements.
// No horizontal reduction happens; the stores are masked to the range's
// rows of the panel.
// CHECK-LABEL: func.func private @__qt_matmul_kernel_0
// CHECK: %[[ENOUGH:.*]] = arith.cmpi uge, %{{.*}}, %c16 : index
// CHECK: scf.if %[[ENOUGH]] {
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<64x16xi32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<8x16xf32>
// CHECK: memref.store %{{.*}} : memref<64x16xi32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-NOT: vector.reduction
// CHECK: vector.load %{{.*}} : memref<64x16xi32>, vector<16xi32>
// CHECK: memref.load %{{.*}} : memref<?x64xi32>
// CHECK: vector.broadcast %{{.*}} : i32 to vector<16xi32>
// CHECK: %[[FIRST:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: vector.reduction
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[FIRST]],
// CHECK-NOT: vector.reduction
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT: vector.reduction
// CHECK: vector.fma
// CHECK-NOT: vector.reduction
// CHECK: vector.maskedstore %{{.*}} : memref<19x37xf32>, vector<16xi1>, vector<16xf32>
func.func @prompt(%x: tensor<19x256xf32>, %w: !qt.tensor<37x256x#qt.q4_0>) -> tensor<19x37xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<19x256xf32>, !qt.tensor<37x256x#qt.q4_0> -> tensor<19x37xf32>
  return %y : tensor<19x37xf32>
}

// Batched operands keep the per-row path only.
// BATCHED-LABEL: func.func private @__qt_matmul_kernel_1
// BATCHED-NOT: vector.maskedstore
// BATCHED: return
func.func @batched(%x: tensor<2x19x256xf32>, %w: !qt.tensor<2x37x256x#qt.q4_0>) -> tensor<2x19x37xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<2x19x256xf32>, !qt.tensor<2x37x256x#qt.q4_0> -> tensor<2x19x37xf32>
  return %y : tensor<2x19x37xf32>
}
