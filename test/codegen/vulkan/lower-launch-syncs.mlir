// RUN: quant-opt %s --qt-vulkan-lower-launch | FileCheck %s

// Where host code waits for the GPU (qrt_vk_sync): before its own memory
// accesses, before calls of external functions and before public functions
// return. A private function returns to host code that syncs where it needs
// to, so it does not; an access inside host loops syncs once before the
// outermost loop that launches no kernel.

// CHECK-LABEL: func.func private @layer
// CHECK: call @qrt_vk_dispatch
// CHECK-NOT: call @qrt_vk_sync
// CHECK: return

// CHECK-LABEL: func.func @step
// CHECK: call @layer
// CHECK-NEXT: call @qrt_vk_sync()
// CHECK-NEXT: scf.for
// CHECK-NEXT: scf.for
// CHECK-NOT: call @qrt_vk_sync
// CHECK: memref.load
// CHECK: scf.for
// CHECK: call @qrt_vk_dispatch
// CHECK: call @qrt_vk_sync()
// CHECK-NEXT: memref.store
// CHECK: call @qrt_vk_sync()
// CHECK-NEXT: call @report
// CHECK: call @qrt_vk_sync()
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func private @report(memref<8xf32>)
  func.func private @layer(%x: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@double blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    return
  }
  func.func @step(%x: memref<8xf32>, %table: memref<4x8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    call @layer(%x) : (memref<8xf32>) -> ()
    scf.for %i = %c0 to %c4 step %c1 {
      scf.for %j = %c0 to %c8 step %c1 {
        %v = memref.load %x[%j] : memref<8xf32>
        memref.store %v, %table[%i, %j] : memref<4x8xf32>
      }
    }
    scf.for %i = %c0 to %c4 step %c1 {
      gpu.launch_func @kernels::@double blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
      %f = arith.constant 1.0 : f32
      memref.store %f, %x[%c0] : memref<8xf32>
    }
    call @report(%x) : (memref<8xf32>) -> ()
    return
  }
  gpu.module @kernels {
    gpu.func @double(%x: memref<8xf32>) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [1, 1, 1]>} {
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0] : memref<8xf32>
      %d = arith.addf %v, %v : f32
      memref.store %d, %x[%c0] : memref<8xf32>
      gpu.return
    }
  }
}
