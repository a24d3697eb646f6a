//===- PtqTestUtil.h - Synthetic layers for the PTQ tests --------*- C++
//-*-===//

#ifndef QUANT_TEST_UNIT_PTQ_PTQTESTUTIL_H
#define QUANT_TEST_UNIT_PTQ_PTQTESTUTIL_H

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace quant::ptq::test {

/// A row-major matrix of doubles.
struct Dense {
  size_t rows = 0, cols = 0;
  std::vector<double> v;
  Dense(size_t r, size_t c) : rows(r), cols(c), v(r * c, 0.0) {}
  double &at(size_t r, size_t c) { return v[r * cols + c]; }
  double at(size_t r, size_t c) const { return v[r * cols + c]; }
};

inline Dense gaussian(size_t rows, size_t cols, double sigma, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0.0, sigma);
  Dense m(rows, cols);
  for (double &x : m.v)
    x = n(rng);
  return m;
}

/// a (r x k) times b (k x c).
inline Dense matmul(const Dense &a, const Dense &b) {
  Dense out(a.rows, b.cols);
  for (size_t i = 0; i < a.rows; ++i)
    for (size_t k = 0; k < a.cols; ++k) {
      const double s = a.at(i, k);
      for (size_t j = 0; j < b.cols; ++j)
        out.at(i, j) += s * b.at(k, j);
    }
  return out;
}

/// Correlated activations: rows of X = Z A (Z, A Gaussian), so H = Xᵀ X is
/// far from diagonal, times a spread of per-channel magnitudes. `seed` fixes
/// the distribution (A and the magnitudes), `zSeed` the draw.
inline Dense correlatedInputs(size_t samples, size_t k, uint32_t seed,
                              uint32_t zSeed) {
  Dense z = gaussian(samples, k, 1.0, zSeed);
  Dense a = gaussian(k, k, 1.0 / std::sqrt(double(k)), seed + 1);
  // Plus a per-channel spread of magnitudes.
  Dense x = matmul(z, a);
  std::mt19937_64 rng(seed + 2);
  std::uniform_real_distribution<double> u(0.3, 3.0);
  std::vector<double> scale(k);
  for (double &s : scale)
    s = u(rng);
  for (size_t r = 0; r < samples; ++r)
    for (size_t c = 0; c < k; ++c)
      x.at(r, c) *= scale[c];
  return x;
}

/// H = Xᵀ X.
inline std::vector<double> hessianOf(const Dense &x) {
  std::vector<double> h(x.cols * x.cols, 0.0);
  for (size_t r = 0; r < x.rows; ++r)
    for (size_t i = 0; i < x.cols; ++i) {
      const double xi = x.at(r, i);
      for (size_t j = 0; j < x.cols; ++j)
        h[i * x.cols + j] += xi * x.at(r, j);
    }
  return h;
}

/// ‖(Q − W) Xᵀ‖_F with Q the decoded rows of `bytes`.
inline double layerError(const fmt::FormatSpec &spec, const Dense &w,
                         const std::vector<uint8_t> &bytes, const Dense &x) {
  const size_t rowBytes = spec.rowBytes(w.cols);
  std::vector<float> q(w.cols);
  double total = 0;
  for (size_t r = 0; r < w.rows; ++r) {
    fmt::dequantizeRow(spec, bytes.data() + r * rowBytes, w.cols, q.data());
    for (size_t n = 0; n < x.rows; ++n) {
      double e = 0;
      for (size_t c = 0; c < w.cols; ++c)
        e += (double(q[c]) - w.at(r, c)) * x.at(n, c);
      total += e * e;
    }
  }
  return std::sqrt(total);
}

inline std::vector<float> toFloat(const Dense &m) {
  return std::vector<float>(m.v.begin(), m.v.end());
}

/// RTN bytes of the float-rounded matrix.
inline std::vector<uint8_t> rtnBytes(const fmt::FormatSpec &spec,
                                     const Dense &w) {
  std::vector<float> wf = toFloat(w);
  const size_t rowBytes = spec.rowBytes(w.cols);
  std::vector<uint8_t> out(w.rows * rowBytes);
  for (size_t r = 0; r < w.rows; ++r)
    fmt::quantizeRow(spec, wf.data() + r * w.cols, w.cols,
                     out.data() + r * rowBytes);
  return out;
}

/// The AWQ paper's INT3 g128 (inline: no named 3-bit Generic format).
inline fmt::FormatSpec int3g128() {
  fmt::FormatSpec s;
  s.name = "int3_g128";
  s.bits = 3;
  s.blockSize = 128;
  s.scaleType = fmt::ScaleType::F16;
  s.codeKind = fmt::CodeKind::UInt;
  s.offset = fmt::OffsetKind::ZeroPoint;
  return s;
}

inline fmt::FormatSpec named(const char *name) {
  const fmt::FormatSpec *s = fmt::lookupNamedFormat(name);
  return s ? *s : fmt::FormatSpec();
}

} // namespace quant::ptq::test

#endif // QUANT_TEST_UNIT_PTQ_PTQTESTUTIL_H

#include "LlamaGenerator.h"

#include "quant/gguf/Reader.h"
#include "quant/gguf/Tensor.h"
#include "quant/models/Llama.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

namespace quant::ptq::test {

/// A synthetic llama model with F32 weights in a temporary file, opened.
class SyntheticModel {
public:
  explicit SyntheticModel(tool::SyntheticLlamaOptions o = defaults()) {
    std::string pattern = ::testing::TempDir() + "quant-ptq-XXXXXX.gguf";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    int fd = mkstemps(buf.data(), 5);
    EXPECT_GE(fd, 0);
    if (fd >= 0)
      close(fd);
    path_ = buf.data();
    gguf::Error e = tool::writeSyntheticLlama(path_, o);
    EXPECT_FALSE(e) << e.message();
    gguf::Expected<gguf::File> f = gguf::openFile(path_);
    EXPECT_TRUE(f.hasValue()) << (f ? "" : f.message());
    file_ = f.take();
    gguf::Expected<models::LlamaConfig> c = models::readLlamaConfig(file_);
    EXPECT_TRUE(c.hasValue()) << (c ? "" : c.message());
    config_ = *c;
  }
  ~SyntheticModel() { std::remove(path_.c_str()); }

  static tool::SyntheticLlamaOptions defaults() {
    tool::SyntheticLlamaOptions o;
    o.matrixType = gguf::kTypeF32;
    o.threads = 1;
    return o;
  }

  const gguf::File &file() const { return file_; }
  const models::LlamaConfig &config() const { return config_; }

private:
  std::string path_;
  gguf::File file_;
  models::LlamaConfig config_;
};

/// Pseudo-random calibration windows (BOS = 1, then tokens in [3, vocab)).
inline std::vector<std::vector<int32_t>>
randomWindows(size_t count, size_t length, uint32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> tok(3, int32_t(vocab) - 1);
  std::vector<int32_t> tokens(count * (length - 1));
  for (int32_t &t : tokens)
    t = tok(rng);
  std::vector<std::vector<int32_t>> windows;
  for (size_t w = 0; w < count; ++w) {
    std::vector<int32_t> win{1};
    win.insert(win.end(), tokens.begin() + w * (length - 1),
               tokens.begin() + (w + 1) * (length - 1));
    windows.push_back(win);
  }
  return windows;
}

} // namespace quant::ptq::test
