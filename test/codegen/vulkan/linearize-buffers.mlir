// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-vulkan-linearize-buffers | FileCheck %s

// A view with a dynamic offset (a layer's slice of a KV cache) is passed as
// its allocation, flat, plus the offset; its static strides stay constants.
// CHECK-LABEL: func.func @host
// CHECK: %[[VIEW:.*]] = memref.subview
// CHECK: %[[BASE:.*]], %[[OFFSET:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[VIEW]]
// The flat buffer reaches the view's last element: offset + Σ (size − 1)·stride + 1.
// CHECK: %[[END:.*]] = arith.addi %[[OFFSET]], %{{.*}} : index
// CHECK: arith.subi %[[SIZES]]#0
// CHECK: arith.muli %{{.*}}, %[[STRIDES]]#0
// CHECK: arith.subi %[[SIZES]]#1
// CHECK: arith.muli %{{.*}}, %[[STRIDES]]#1
// CHECK: %[[EXTENT:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[EXTENT]]], strides: [1] : memref<f32> to memref<?xf32>
// CHECK: gpu.launch_func @kernels::@kernel {{.*}} args(%arg2 : index, %[[FLAT]] : memref<?xf32>, %[[OFFSET]] : index)
// CHECK: gpu.func @kernel(%[[N:.*]]: index, %[[BUFFER:.*]]: memref<?xf32>, %[[VIEW_OFFSET:.*]]: index)
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[ROW:.*]] = arith.muli %[[N]], %[[C4]]
// CHECK: %[[PARTIAL:.*]] = arith.addi %[[VIEW_OFFSET]], %[[ROW]]
// CHECK: %[[COLUMN:.*]] = arith.muli %[[C3]], %[[C1]]
// CHECK: %[[INDEX:.*]] = arith.addi %[[PARTIAL]], %[[COLUMN]]
// CHECK: %[[VALUE:.*]] = memref.load %[[BUFFER]][%[[INDEX]]] : memref<?xf32>
// CHECK: memref.store %[[VALUE]], %[[BUFFER]][%{{.*}}] : memref<?xf32>
module attributes {gpu.container_module} {
  func.func @host(%cache: memref<2x8x4xf32>, %layer: index, %n: index) {
    %c1 = arith.constant 1 : index
    %view = memref.subview %cache[%layer, 0, 0] [1, %n, 4] [1, 1, 1] : memref<2x8x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
    gpu.launch_func @kernels::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%view : memref<?x4xf32, strided<[4, 1], offset: ?>>, %n : index)
    return
  }
  gpu.module @kernels {
    gpu.func @kernel(%view: memref<?x4xf32, strided<[4, 1], offset: ?>>, %n: index) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %v = memref.load %view[%n, %c3] : memref<?x4xf32, strided<[4, 1], offset: ?>>
      memref.store %v, %view[%c0, %c0] : memref<?x4xf32, strided<[4, 1], offset: ?>>
      gpu.return
    }
  }
}

// -----

// A dense buffer with a dynamic inner size has a dynamic stride: it is
// passed flat with that stride and, as the kernel asks for it, its size.
// Buffers SPIR-V indexes directly (dynamic leading size only) are kept.
// CHECK-LABEL: func.func @scores
// CHECK: %{{.*}}, %{{.*}}, %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast
// CHECK: gpu.launch_func @kernels::@kernel {{.*}} args(%arg1 : memref<?x4xf32>, %[[FLAT]] : memref<?xf32>, %[[STRIDES]]#0 : index, %[[SIZES]]#1 : index)
// CHECK: gpu.func @kernel(%[[KEPT:.*]]: memref<?x4xf32>, %[[BUFFER:.*]]: memref<?xf32>, %[[STRIDE:.*]]: index, %[[SIZE:.*]]: index)
// CHECK: arith.muli %[[SIZE]], %[[STRIDE]]
// CHECK: memref.load %[[BUFFER]]
// CHECK: memref.store %{{.*}}, %[[KEPT]]
module attributes {gpu.container_module} {
  func.func @scores(%scores: memref<2x?xf32>, %rows: memref<?x4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%scores : memref<2x?xf32>, %rows : memref<?x4xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @kernel(%scores: memref<2x?xf32>, %rows: memref<?x4xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %length = memref.dim %scores, %c1 : memref<2x?xf32>
      %v = memref.load %scores[%length, %c0] : memref<2x?xf32>
      memref.store %v, %rows[%c0, %c0] : memref<?x4xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%view: memref<4xf32, strided<[2]>>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      // expected-error @below {{uses strided kernel argument 0, which the Vulkan kernel ABI cannot linearize}}
      %sub = memref.subview %view[0] [2] [1] : memref<4xf32, strided<[2]>> to memref<2xf32, strided<[2]>>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%view: memref<4x?xf32>, %axis: index) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      // expected-error @below {{queries a dynamic dimension of a strided kernel argument}}
      %size = memref.dim %view, %axis : memref<4x?xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @below {{argument 0 has a layout that is not strided}}
    gpu.func @kernel(%view: memref<8xf32, affine_map<(d0) -> (d0 floordiv 2)>>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      gpu.return
    }
  }
}
