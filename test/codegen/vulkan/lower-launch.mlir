// RUN: quant-opt %s --qt-vulkan-lower-launch | FileCheck %s
// RUN: rm -rf %t.spirv %t.emulated && mkdir %t.spirv %t.emulated
// RUN: quant-opt %s --qt-vulkan-lower-launch=spirv-directory=%t.spirv -o /dev/null
// RUN: spirv-val --target-env vulkan1.1 %t.spirv/kernels.spv
// RUN: spirv-dis %t.spirv/kernels.spv | FileCheck %s --check-prefix=NATIVE
// RUN: quant-opt %s --qt-vulkan-lower-launch="byte-storage=emulated spirv-directory=%t.emulated" -o /dev/null
// RUN: spirv-val --target-env vulkan1.1 %t.emulated/kernels.spv
// RUN: spirv-dis %t.emulated/kernels.spv | FileCheck %s --check-prefix=EMULATED

// The kernel is compiled to SPIR-V and embedded as words with its entry
// point's name; the launch becomes a runtime call with four slots per
// argument: the weight buffer is constant (flags 2), the output written
// (flags 4), the size a scalar (flags 1). The host syncs before returning.
// CHECK: memref.global "private" constant @__qt_vk_kernels_spirv : memref<{{[0-9]+}}xi32>
// CHECK: memref.global "private" constant @__qt_vk_kernels_entry : memref<6xi8> = dense<[115, 99, 97, 108, 101, 0]>
// CHECK-LABEL: func.func @main
// CHECK: %[[ARGS:.*]] = llvm.alloca %{{.*}} x i64
// CHECK: memref.get_global @__qt_vk_kernels_spirv
// CHECK: memref.get_global @__qt_vk_kernels_entry
// CHECK-DAG: arith.constant 2 : i64
// CHECK-DAG: arith.constant 4 : i64
// CHECK-DAG: arith.constant 1 : i64
// CHECK: call @qrt_vk_dispatch(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ARGS]], %{{.*}})
// CHECK: call @qrt_vk_sync()
// CHECK-NEXT: return
// CHECK-NOT: gpu.module
// CHECK-NOT: gpu.launch_func
// 8-bit storage buffers in the native form only; emulated bytes come from
// 32-bit words.
// NATIVE-DAG: OpCapability Int8
// NATIVE-DAG: OpCapability StorageBuffer8BitAccess
// NATIVE-DAG: OpEntryPoint GLCompute %{{.*}} "scale"
// EMULATED-NOT: OpCapability Int8
// EMULATED-NOT: OpCapability StorageBuffer8BitAccess
// EMULATED: OpEntryPoint GLCompute %{{.*}} "scale"
module attributes {gpu.container_module} {
  memref.global "private" constant @weights : memref<8xi8> = dense<3>
  func.func @main(%out: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %w = memref.get_global @weights : memref<8xi8>
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%w : memref<8xi8>, %out : memref<8xf32>, %c8 : index)
    return
  }
  gpu.module @kernels {
    gpu.func @scale(%w: memref<8xi8>, %out: memref<8xf32>, %n: index) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [8, 1, 1]>} {
      %i = gpu.thread_id x
      %inside = arith.cmpi ult, %i, %n : index
      scf.if %inside {
        %b = memref.load %w[%i] : memref<8xi8>
        %v = arith.sitofp %b : i8 to f32
        memref.store %v, %out[%i] : memref<8xf32>
      }
      gpu.return
    }
  }
}
