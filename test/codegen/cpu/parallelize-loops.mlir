// RUN: quant-opt %s --split-input-file --qt-cpu-parallelize-loops="min-work=64" | FileCheck %s

// A generic whose outputs are all indexed by its first parallel loop moves
// into a body that rebuilds each operand from its pointer and strided
// metadata (a strided view keeps its strides: no copy), slices the operands
// indexed by that loop to [begin, end), and shifts linalg.index of the loop
// by begin; the kernel the pool runs loads the pointers and calls the body.
// The host stores pointer, offset, sizes and strides of every operand and
// the captured scalar, then calls the pool over the loop's 8 iterations.
// Operands that are function arguments may be the same buffer: no noalias.
// CHECK-LABEL: func.func @split
// CHECK: %[[ARRAY:.*]] = llvm.alloca
// CHECK: memref.extract_strided_metadata %{{.*}} : memref<8x16xf32, strided<[32, 1], offset: ?>>
// CHECK-NOT: scf.if
// CHECK: %[[COUNT:.*]] = memref.dim %{{.*}}, %c0
// CHECK: %[[KERNEL:.*]] = constant @__qt_loop_kernel_0
// CHECK: %[[N:.*]] = arith.index_cast %[[COUNT]]
// CHECK: call @qrt_parallel_for(%[[KERNEL]], %[[ARRAY]], %[[N]], %{{.*}})
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK-LABEL: func.func private @__qt_loop_kernel_0_body
// CHECK-SAME: (%[[X:.*]]: !llvm.ptr, %[[Y:.*]]: !llvm.ptr, %[[ARRAY2:.*]]: !llvm.ptr, %[[B:.*]]: i64, %{{.*}}: i64)
// CHECK: %[[BEGIN:.*]] = arith.index_cast %[[B]]
// CHECK: llvm.insertvalue %[[X]]
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [8, 16], strides: [32, 1]
// CHECK: memref.subview %{{.*}}[%[[BEGIN]], 0] [%{{.*}}, 16] [1, 1]
// CHECK: memref.subview %{{.*}}[%[[BEGIN]], 0] [%{{.*}}, 16] [1, 1]
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: arith.addi %[[I]], %[[BEGIN]]
// CHECK: arith.mulf %{{.*}}, %[[SCALE:.*]] : f32
// CHECK: return
// CHECK-LABEL: func.func private @__qt_loop_kernel_0(
// CHECK-SAME: %[[KARRAY:.*]]: !llvm.ptr, %[[KB:.*]]: i64, %[[KE:.*]]: i64)
// CHECK: %[[PX:.*]] = llvm.load
// CHECK: %[[PY:.*]] = llvm.load
// CHECK: call @__qt_loop_kernel_0_body(%[[PX]], %[[PY]], %[[KARRAY]], %[[KB]], %[[KE]])
func.func @split(%x: memref<8x16xf32, strided<[32, 1], offset: ?>>, %y: memref<8x16xf32>, %scale: f32) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x16xf32, strided<[32, 1], offset: ?>>) outs(%y : memref<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 0 : index
    %w = arith.index_cast %i : index to i32
    %f = arith.sitofp %w : i32 to f32
    %s = arith.mulf %a, %scale : f32
    %r = arith.addf %s, %f : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A loop of one iteration is not split: the next parallel loop is (here
// the second, so the operands are sliced along their dimension 1), and the
// input the split loop does not index is passed whole.
// CHECK-LABEL: func.func private @__qt_loop_kernel_0
// CHECK: memref.subview %{{.*}}[0, %{{.*}}] [1, %{{.*}}] [1, 1] : memref<1x32xf32>
// CHECK-NOT: memref.subview {{.*}} : memref<4xf32>
// CHECK: memref.subview %{{.*}}[0, %{{.*}}, 0] [1, %{{.*}}, 4] [1, 1, 1] : memref<1x32x4xf32>
// CHECK: linalg.generic
func.func @second_loop(%x: memref<1x32xf32>, %bias: memref<4xf32>, %y: memref<1x32x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %bias : memref<1x32xf32>, memref<4xf32>) outs(%y : memref<1x32x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left on one thread: too little work, a generic with only reduction loops,
// and one whose body reads a memref it captures (only scalars travel).
// CHECK-LABEL: func.func @kept
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: qrt_parallel_for
// CHECK-NOT: __qt_loop_kernel
func.func @kept(%small: memref<4x4xf32>, %x: memref<64x64xf32>, %sum: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%small : memref<4x4xf32>) {
  ^bb0(%o: f32):
    %r = arith.addf %o, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<64x64xf32>) outs(%sum : memref<f32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%x : memref<64x64xf32>) {
  ^bb0(%o: f32):
    %j = linalg.index 1 : index
    %v = memref.load %small[%j, %j] : memref<4x4xf32>
    linalg.yield %v : f32
  }
  return
}

// -----

// A loop that an operand's index uses in a compound expression (i + 1) is
// not split along: slices would shift that index. The next loop is, and
// the operand it does not index is passed whole.
// CHECK-LABEL: func.func @compound
// CHECK-LABEL: func.func private @__qt_loop_kernel_0
// CHECK-NOT: memref.subview {{.*}} : memref<65xf32>
// CHECK: memref.subview %{{.*}}[0, %{{.*}}] [64, %{{.*}}] [1, 1] : memref<64x32xf32>
// CHECK: linalg.generic
func.func @compound(%x: memref<65xf32>, %y: memref<64x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i + 1)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<65xf32>) outs(%y : memref<64x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// Dynamic ranges: 4 x ? x 8 iterations reach min-work (64) only when the
// dynamic range is 2 or more, so the host multiplies the ranges at run time
// and from there stores the operands' metadata and runs the kernel on the
// pool, else runs the original op inline (storing nothing). Static ranges
// alone reaching min-work need no test.
// CHECK-LABEL: func.func @decided_at_run_time
// CHECK-SAME: (%{{.*}}: memref<4x?x8xf32>, %[[Y:.*]]: memref<4x?x8xf32>)
// CHECK: %[[ARRAY:.*]] = llvm.alloca
// CHECK-NOT: llvm.store
// CHECK: %[[D:.*]] = memref.dim %{{.*}}, %c1
// CHECK: %[[WORK:.*]] = arith.muli %{{.*}}, %[[D]]
// CHECK: %[[LARGE:.*]] = arith.cmpi uge, %[[WORK]], %c64
// CHECK: scf.if %[[LARGE]] {
// CHECK:   memref.extract_strided_metadata
// CHECK:   llvm.store
// CHECK:   %[[COUNT:.*]] = memref.dim %{{.*}}, %c0
// CHECK:   %[[KERNEL:.*]] = {{.*}}constant @__qt_loop_kernel_0
// CHECK:   %[[N:.*]] = arith.index_cast %[[COUNT]]
// CHECK:   call @qrt_parallel_for(%[[KERNEL]], %[[ARRAY]], %[[N]], %{{.*}})
// CHECK: } else {
// CHECK-NOT: llvm.store
// CHECK-NOT: call
// CHECK:   linalg.generic
// CHECK:     arith.addf
// CHECK: }
// CHECK-LABEL: func.func @static_part_suffices
// CHECK-NOT: scf.if
// CHECK: call @qrt_parallel_for
func.func @decided_at_run_time(%x: memref<4x?x8xf32>, %y: memref<4x?x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<4x?x8xf32>) outs(%y : memref<4x?x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  }
  return
}
func.func @static_part_suffices(%x: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%x : memref<?x64xf32>) {
  ^bb0(%o: f32):
    %r = arith.addf %o, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Operands that are distinct fresh allocations (through views) get
// llvm.noalias pointers in the body, so LLVM may keep a reduction's output
// in registers; an output that is also an input (in place) does not, and
// neither does an input it overlaps, while a third, disjoint input does.
// CHECK-LABEL: func.func @aliasing
// CHECK-LABEL: func.func private @__qt_loop_kernel_0_body
// CHECK-SAME: (%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-LABEL: func.func private @__qt_loop_kernel_1_body
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
func.func @aliasing(%n: index) {
  %x = memref.alloc(%n) : memref<?x64xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  %rows = memref.subview %x[0, 0] [%n, 32] [1, 1] : memref<?x64xf32> to memref<?x32xf32, strided<[64, 1]>>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%rows : memref<?x32xf32, strided<[64, 1]>>) outs(%y : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  %z = memref.alloc(%n) : memref<?x64xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %z : memref<?x64xf32>, memref<?x64xf32>) outs(%x : memref<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}
