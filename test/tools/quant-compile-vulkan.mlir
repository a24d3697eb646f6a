// The Vulkan target: the same program and command line as the CPU one, run on
// lavapipe with the validation layer (any message would exit with code 3).
// RUN: rm -rf %t.spirv %t.exe %t.chat
// RUN: quant-compile %s --target=vulkan -o %t.exe --quiet
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json QUANT_VK_VALIDATION=1 %t.exe --input %S/Inputs/ones-1x32.npy | FileCheck %s
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json %t.exe --list-devices | FileCheck %s --check-prefix=DEVICES
// Only libvulkan and the C/C++ runtime at run time.
// RUN: ldd %t.exe | FileCheck %s --check-prefix=LDD
// No usable device: one line, exit code 1, nothing printed on stdout.
// RUN: env VK_DRIVER_FILES=%t.no-such-driver.json not %t.exe --input %S/Inputs/ones-1x32.npy > %t.stdout 2> %t.stderr
// RUN: FileCheck %s --check-prefix=NODEVICE < %t.stderr
// RUN: count 0 < %t.stdout
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json not %t.exe --device 7 --input %S/Inputs/ones-1x32.npy 2>&1 | FileCheck %s --check-prefix=BADDEVICE
// The kernels for inspection, each valid SPIR-V.
// RUN: quant-compile %s --target=vulkan --emit=spirv -o %t.spirv --quiet
// RUN: ls %t.spirv | FileCheck %s --check-prefix=SPIRV
// RUN: spirv-val --target-env vulkan1.1 %t.spirv/qt_matmul_0.spv
// Options that do not go with the target.
// RUN: not quant-compile %s --emit=spirv -o %t.cpu-spirv 2>&1 | FileCheck %s --check-prefix=NEEDVULKAN
// RUN: not quant-compile %s --target=vulkan --matmul-strategy=int8 -o %t.int8 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: not quant-compile %s --target=vulkan --vulkan-bytes=wide -o %t.wide 2>&1 | FileCheck %s --check-prefix=BYTES
// Models: the same executable command line, the Vulkan options too; greedy
// generation gives the CPU executable's text (logits agree within float32
// rounding, QuantModelE2ETests).
// RUN: rm -rf %t.model && mkdir -p %t.model
// RUN: quant-gguf make-llama %t.model/m.gguf --format q4_0 --context 32 > /dev/null
// RUN: quant-compile %t.model/m.gguf --target=vulkan -o %t.model/chat --context 32 --batch 4 --quiet
// RUN: quant-compile %t.model/m.gguf -o %t.model/chat-cpu --context 32 --batch 4 --matmul-strategy=float --quiet
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json QUANT_VK_VALIDATION=1 %t.model/chat -p "the cat" -n 8 --temp 0 > %t.model/vk.txt 2> %t.model/vk.err
// RUN: %t.model/chat-cpu -p "the cat" -n 8 --temp 0 > %t.model/cpu.txt
// RUN: cmp %t.model/vk.txt %t.model/cpu.txt
// External weights (mapped at run time, registered constant) give the same text.
// RUN: quant-compile %t.model/m.gguf --target=vulkan --weights=external -o %t.model/chat-external --context 32 --batch 4 --quiet
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json QUANT_VK_VALIDATION=1 %t.model/chat-external -p "the cat" -n 8 --temp 0 > %t.model/external.txt
// RUN: cmp %t.model/vk.txt %t.model/external.txt
// Weights bound in chunks of at most 1000 bytes (as on a device with a small
// maxStorageBufferRange): the same text; a bad limit is one line.
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json QUANT_VK_VALIDATION=1 QUANT_VK_MAX_WEIGHT_BYTES=1000 %t.model/chat -p "the cat" -n 8 --temp 0 > %t.model/split.txt
// RUN: cmp %t.model/vk.txt %t.model/split.txt
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json QUANT_VK_MAX_WEIGHT_BYTES=0 not %t.model/chat -p "the cat" -n 8 2>&1 | FileCheck %s --check-prefix=BADLIMIT
// RUN: FileCheck %s --check-prefix=MODEL-SPEED < %t.model/vk.err
// RUN: env VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json %t.model/chat --list-devices | FileCheck %s --check-prefix=DEVICES
// RUN: ldd %t.model/chat | FileCheck %s --check-prefix=LDD
// A model's kernels for inspection (fused matmuls and the generic kernels
// around them: linearized attention buffers, RoPE with reduced angles), each
// valid SPIR-V.
// RUN: rm -rf %t.model/spirv
// RUN: quant-compile %t.model/m.gguf --target=vulkan --emit=spirv -o %t.model/spirv --context 32 --batch 4 --quiet
// RUN: ls %t.model/spirv | FileCheck %s --check-prefix=MODEL-SPIRV
// RUN: for f in %t.model/spirv/*.spv; do spirv-val --target-env vulkan1.1 $f || exit 1; done
// A kernel directory that cannot be created (under a file) is one line, for
// programs and models alike.
// RUN: not quant-compile %s --target=vulkan --emit=spirv -o %t.exe/kernels 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: not quant-compile %t.model/m.gguf --target=vulkan --emit=spirv -o %t.model/chat/kernels --quiet 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: env VK_DRIVER_FILES=%t.no-such-driver.json not %t.model/chat -p "the cat" 2>&1 | FileCheck %s --check-prefix=NODEVICE

// CHECK: output 1 (result0): 1x2 f32 = [4064, -4064]
// DEVICES: 0: llvmpipe{{.*}}(selected)
// LDD: libvulkan
// LDD-NOT: libLLVM
// LDD-NOT: libMLIR
// NODEVICE: error: no Vulkan device found
// NODEVICE-NOT: error
// BADDEVICE: error: {{.*}}device 7
// SPIRV: qt_matmul_0.spv
// NEEDVULKAN: quant-compile: error: --emit=spirv needs --target=vulkan
// INT8: quant-compile: error: --matmul-strategy=int8 is not available with --target=vulkan
// BYTES: quant-compile: error: unknown --vulkan-bytes 'wide' (expected native or emulated)
// MODEL-SPIRV-DAG: decode_layer0_kernel{{.*}}.spv
// MODEL-SPIRV-DAG: qt_matmul_{{[0-9]+}}.spv
// NODIR: quant-compile: error: cannot create {{.*}}kernels: {{.+}}
// NODIR-NOT: error
// BADLIMIT: error: QUANT_VK_MAX_WEIGHT_BYTES must be a positive byte count, not '0'
// MODEL-SPEED: prompt {{[0-9.]+}} tok/s, generation {{[0-9.]+}} tok/s

func.func @main(%x: tensor<1x32xf32>) -> tensor<1x2xf32> {
  %c = arith.constant dense<[[127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0],
                             [-127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0]]> : tensor<2x32xf32>
  %q = qt.quantize %c : tensor<2x32xf32> -> !qt.tensor<2x32x#qt.q8_0>
  %w = qt.dequantize %q : !qt.tensor<2x32x#qt.q8_0> -> tensor<2x32xf32>
  %zero = arith.constant dense<0.0> : tensor<1x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<1x32xf32>, tensor<2x32xf32>) outs(%zero : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
