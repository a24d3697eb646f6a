// RUN: quant-opt %s --qt-vulkan-pipeline | FileCheck %s

// A reduction over a single row (a decode step's RMSNorm sum of squares)
// runs as a kernel: its one-iteration parallel loop must not be folded into
// host code before the loops are mapped to the GPU, which would add a sync
// and host reads of device memory.
// CHECK-LABEL: llvm.func @__quant_program_entry
// CHECK-NOT: llvm.fadd
// CHECK-NOT: llvm.call @qrt_vk_sync
// CHECK: llvm.call @qrt_vk_dispatch
// CHECK-NOT: llvm.fadd
// CHECK-NOT: llvm.call @qrt_vk_sync
// CHECK: llvm.return
#map = affine_map<(n, k) -> (n, k)>
#red = affine_map<(n, k) -> (n)>
func.func @main(%x: tensor<1x128xf32>) -> tensor<1xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1xf32>) -> tensor<1xf32>
  %s = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<1x128xf32>) outs(%init : tensor<1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<1xf32>
  return %s : tensor<1xf32>
}
