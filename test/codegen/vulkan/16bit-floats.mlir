// RUN: quant-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(gpu.module(qt-vulkan-16bit-floats))' | FileCheck %s

// An f16 buffer is read as i16; the widened value is decoded from its bits
// in integer arithmetic (normal: rebias the exponent 15 -> 127; all-ones
// exponent: 255; zero exponent: mantissa · 2^-24).
// CHECK-LABEL: gpu.func @half
// CHECK-SAME: (%[[W:.*]]: memref<4x8xi16>, %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[RAW:.*]] = memref.load %[[W]][%{{.*}}, %{{.*}}] : memref<4x8xi16>
// CHECK: %[[BITS:.*]] = arith.extui %[[RAW]] : i16 to i32
// CHECK-DAG: arith.constant 112 : i32
// CHECK-DAG: arith.constant 255 : i32
// CHECK: %[[NORMAL:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.constant 5.96046448E-8 : f32
// CHECK: %[[VALUE:.*]] = arith.select %{{.*}}, %{{.*}}, %[[NORMAL]] : f32
// CHECK-NEXT: arith.addf %[[VALUE]], %[[VALUE]] : f32
// CHECK-NOT: f16
gpu.module @kernels {
  gpu.func @half(%w: memref<4x8xf16>, %out: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %h = memref.load %w[%c0, %c0] : memref<4x8xf16>
    %f = arith.extf %h : f16 to f32
    %d = arith.addf %f, %f : f32
    memref.store %d, %out[%c0] : memref<4xf32>
    gpu.return
  }
}

// -----

// bf16 is the upper half of an f32: a shift and a bitcast.
// CHECK-LABEL: gpu.func @brain
// CHECK-SAME: (%[[W:.*]]: memref<?xi16>
// CHECK: %[[BITS:.*]] = arith.extui %{{.*}} : i16 to i32
// CHECK: %[[C16:.*]] = arith.constant 16 : i32
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[BITS]], %[[C16]] : i32
// CHECK: arith.bitcast %[[SHIFTED]] : i32 to f32
// CHECK-NOT: bf16
gpu.module @kernels {
  gpu.func @brain(%w: memref<?xbf16>, %out: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %h = memref.load %w[%c0] : memref<?xbf16>
    %f = arith.extf %h : bf16 to f32
    memref.store %f, %out[%c0] : memref<4xf32>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @store(%w: memref<4xf16>) kernel {
    %c0 = arith.constant 0 : index
    %h = arith.constant 1.0 : f16
    // expected-error @below {{uses a buffer of 'f16', which Vulkan kernels only load and widen to f32}}
    memref.store %h, %w[%c0] : memref<4xf16>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @arithmetic(%out: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    // expected-error @below {{computes with 16-bit floats, which the Vulkan target does not support}}
    %h = arith.constant 1.0 : f16
    %f = arith.extf %h : f16 to f32
    memref.store %f, %out[%c0] : memref<4xf32>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @other_use(%w: memref<4xf16>, %out: memref<4xf16>) kernel {
    %c0 = arith.constant 0 : index
    %h = memref.load %w[%c0] : memref<4xf16>
    // expected-error @below {{uses a loaded 'f16' value, which Vulkan kernels only widen to f32}}
    %n = arith.negf %h : f16
    gpu.return
  }
}
