// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-vulkan-kernel-abi | FileCheck %s

// The workgroup size becomes the SPIR-V entry point ABI.
// CHECK: gpu.func @kernel
// CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%a: memref<?xf32>, %n: index) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @below {{has no known workgroup size}}
    gpu.func @kernel(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @below {{argument 0 is a strided buffer, which a Vulkan kernel cannot take}}
    gpu.func @kernel(%a: memref<4xf32, strided<[2]>>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      gpu.return
    }
  }
}
