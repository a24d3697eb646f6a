// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-load-external-weights=base-dir=%S/Inputs

func.func @beyond_end() -> !qt.tensor<1x32x#qt.q4_0> {
  // expected-error @+1 {{has 20 bytes; the range [4, 22) is outside it}}
  %w = qt.constant #qt.external<"one-q4_0-block.bin", offset = 4, size = 18> -> !qt.tensor<1x32x#qt.q4_0>
  return %w : !qt.tensor<1x32x#qt.q4_0>
}

// -----

func.func @missing() -> !qt.tensor<1x32x#qt.q4_0> {
  // expected-error @+1 {{cannot read external data}}
  %w = qt.constant #qt.external<"no-such-file.bin", offset = 0, size = 18> -> !qt.tensor<1x32x#qt.q4_0>
  return %w : !qt.tensor<1x32x#qt.q4_0>
}
