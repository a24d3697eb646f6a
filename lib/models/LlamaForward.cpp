//===- LlamaForward.cpp - Float64 forward pass of a llama model -----------===//

#include "quant/models/LlamaForward.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"
#include "quant/formats/Half.h"
#include "quant/gguf/Tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace quant::models {

namespace {

using Vec = std::vector<double>;

/// y = W a: y[m] = sum_k W[m][k] a[k].
Vec matVec(const DecodedMatrix &w, const Vec &a) {
  if (a.size() != w.cols)
    throw std::logic_error("matVec: " + std::to_string(a.size()) +
                           " inputs for a matrix of " + std::to_string(w.cols) +
                           " columns");
  Vec y(w.rows, 0.0);
  for (uint64_t m = 0; m < w.rows; ++m) {
    const double *row = w.row(m);
    double sum = 0.0;
    for (uint64_t k = 0; k < w.cols; ++k)
      sum += row[k] * a[k];
    y[m] = sum;
  }
  return y;
}

/// rmsnorm(x) * weight, rmsnorm(x) = x / sqrt(mean(x^2) + eps).
Vec rmsNorm(const Vec &x, const Vec &weight, double eps) {
  double sumSquares = 0.0;
  for (double v : x)
    sumSquares += v * v;
  double inv = 1.0 / std::sqrt(sumSquares / double(x.size()) + eps);
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    out[i] = x[i] * inv * weight[i];
  return out;
}

/// Rotates the adjacent pairs (2i, 2i+1), 2i < ropeDim, of each of the
/// `heads` heads of `h` by p * base^(-2i/ropeDim).
void rope(Vec &h, uint32_t heads, uint32_t headDim, uint32_t ropeDim,
          uint64_t position, double base) {
  for (uint32_t head = 0; head < heads; ++head) {
    double *v = h.data() + size_t(head) * headDim;
    for (uint32_t i = 0; i < ropeDim / 2; ++i) {
      double theta =
          double(position) * std::pow(base, -2.0 * double(i) / double(ropeDim));
      double c = std::cos(theta), s = std::sin(theta);
      double u = v[2 * i], w = v[2 * i + 1];
      v[2 * i] = u * c - w * s;
      v[2 * i + 1] = u * s + w * c;
    }
  }
}

double silu(double t) { return t / (1.0 + std::exp(-t)); }

void addInPlace(Vec &x, const Vec &y) {
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += y[i];
}

} // namespace

std::vector<double> decodeRow(const gguf::File &file,
                              const gguf::TensorInfo &tensor, uint64_t row) {
  if (row >= tensor.numRows())
    throw std::out_of_range("row " + std::to_string(row) + " of tensor " +
                            tensor.name + " with " +
                            std::to_string(tensor.numRows()) + " rows");
  size_t n = static_cast<size_t>(tensor.rowLength());
  size_t rowBytes = static_cast<size_t>(tensor.byteSize / tensor.numRows());
  const uint8_t *in = file.tensorData(tensor).data + row * rowBytes;
  std::vector<double> out(n);
  switch (tensor.type) {
  case gguf::kTypeF32:
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, in + 4 * i, 4);
      out[i] = f;
    }
    return out;
  case gguf::kTypeF16:
  case gguf::kTypeBF16:
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, in + 2 * i, 2);
      out[i] = tensor.type == gguf::kTypeF16 ? fmt::halfToFloat(h)
                                             : fmt::bf16ToFloat(h);
    }
    return out;
  default:
    break;
  }
  const fmt::FormatSpec *spec = gguf::blockFormatOf(tensor.type);
  if (!spec)
    throw std::invalid_argument("tensor " + tensor.name +
                                " has unsupported type " +
                                gguf::typeName(tensor.type));
  if (std::string why = fmt::checkRowLength(*spec, n); !why.empty())
    throw std::invalid_argument("tensor " + tensor.name + ": " + why);
  std::vector<float> decoded(n);
  fmt::dequantizeRow(*spec, in, n, decoded.data());
  std::copy(decoded.begin(), decoded.end(), out.begin());
  return out;
}

const gguf::TensorInfo &LlamaWeights::tensor(const std::string &name) const {
  const gguf::TensorInfo *t = file_->findTensor(name);
  if (!t)
    throw std::invalid_argument(file_->name() + ": missing tensor " + name);
  return *t;
}

DecodedMatrix LlamaWeights::matrix(const std::string &name) const {
  if (auto it = overrides_.find(name); it != overrides_.end())
    return it->second;
  const gguf::TensorInfo &t = tensor(name);
  DecodedMatrix m;
  m.rows = t.numRows();
  m.cols = t.rowLength();
  m.data.reserve(m.rows * m.cols);
  for (uint64_t r = 0; r < m.rows; ++r) {
    Vec row = decodeRow(*file_, t, r);
    m.data.insert(m.data.end(), row.begin(), row.end());
  }
  return m;
}

std::vector<double> LlamaWeights::row(const std::string &name,
                                      uint64_t r) const {
  if (auto it = overrides_.find(name); it != overrides_.end()) {
    const DecodedMatrix &m = it->second;
    if (r >= m.rows)
      throw std::out_of_range("row " + std::to_string(r) + " of tensor " +
                              name + " with " + std::to_string(m.rows) +
                              " rows");
    return Vec(m.row(r), m.row(r) + m.cols);
  }
  return decodeRow(*file_, tensor(name), r);
}

void LlamaWeights::setOverride(const std::string &name, DecodedMatrix values) {
  const gguf::TensorInfo &t = tensor(name);
  if (values.rows != t.numRows() || values.cols != t.rowLength() ||
      values.data.size() != values.rows * values.cols)
    throw std::invalid_argument(
        "override of " + name + " has " + std::to_string(values.rows) + " x " +
        std::to_string(values.cols) + " values, expected " +
        std::to_string(t.numRows()) + " x " + std::to_string(t.rowLength()));
  overrides_[name] = std::move(values);
}

std::vector<std::vector<double>>
llamaForward(const LlamaWeights &weights, const LlamaConfig &config,
             const std::vector<int32_t> &tokens,
             const ForwardOptions &options) {
  const uint32_t dim = config.dim, headDim = config.headDim(),
                 heads = config.heads, kvHeads = config.kvHeads,
                 group = config.groupSize(), ropeDim = config.ropeDim;
  const double eps = config.rmsEpsilon, base = config.ropeFreqBase;
  const size_t count = tokens.size();
  const LinearObserver &observe = options.observer;
  auto observed = [&](const std::string &name, const DecodedMatrix &w,
                      const Vec &a) {
    if (observe)
      observe(name, a.data(), a.size());
    return matVec(w, a);
  };

  // Embeddings.
  std::vector<Vec> x(count);
  for (size_t p = 0; p < count; ++p) {
    if (tokens[p] < 0 || uint32_t(tokens[p]) >= config.vocabSize)
      throw std::out_of_range("token " + std::to_string(tokens[p]) +
                              " at position " + std::to_string(p) +
                              " is outside the vocabulary of " +
                              std::to_string(config.vocabSize));
    x[p] = weights.row("token_embd.weight", uint64_t(tokens[p]));
  }

  for (uint32_t layer = 0; layer < config.layers; ++layer) {
    auto name = [&](const char *kind) { return blockTensorName(layer, kind); };
    // Attention.
    {
      const std::string nq = name("attn_q"), nk = name("attn_k"),
                        nv = name("attn_v"), no = name("attn_output");
      Vec attnNorm = weights.row(name("attn_norm"), 0);
      DecodedMatrix wq = weights.matrix(nq);
      DecodedMatrix wk = weights.matrix(nk);
      DecodedMatrix wv = weights.matrix(nv);
      DecodedMatrix wo = weights.matrix(no);
      std::vector<Vec> q(count), k(count), v(count);
      for (size_t p = 0; p < count; ++p) {
        Vec a = rmsNorm(x[p], attnNorm, eps);
        q[p] = observed(nq, wq, a);
        k[p] = observed(nk, wk, a);
        v[p] = observed(nv, wv, a);
        rope(q[p], heads, headDim, ropeDim, p, base);
        rope(k[p], kvHeads, headDim, ropeDim, p, base);
      }
      const double scale = 1.0 / std::sqrt(double(headDim));
      for (size_t p = 0; p < count; ++p) {
        Vec o(dim, 0.0);
        for (uint32_t h = 0; h < heads; ++h) {
          const size_t qOff = size_t(h) * headDim;
          const size_t kvOff = size_t(h / group) * headDim;
          Vec scores(p + 1);
          for (size_t j = 0; j <= p; ++j) {
            double dot = 0.0;
            for (uint32_t d = 0; d < headDim; ++d)
              dot += q[p][qOff + d] * k[j][kvOff + d];
            scores[j] = dot * scale;
          }
          double maxScore = *std::max_element(scores.begin(), scores.end());
          double total = 0.0;
          for (double &s : scores) {
            s = std::exp(s - maxScore);
            total += s;
          }
          for (size_t j = 0; j <= p; ++j) {
            double weight = scores[j] / total;
            for (uint32_t d = 0; d < headDim; ++d)
              o[qOff + d] += weight * v[j][kvOff + d];
          }
        }
        addInPlace(x[p], observed(no, wo, o));
      }
    }
    // Feed-forward (SwiGLU).
    {
      const std::string ng = name("ffn_gate"), nu = name("ffn_up"),
                        nd = name("ffn_down");
      Vec ffnNorm = weights.row(name("ffn_norm"), 0);
      DecodedMatrix wGate = weights.matrix(ng);
      DecodedMatrix wUp = weights.matrix(nu);
      DecodedMatrix wDown = weights.matrix(nd);
      for (size_t p = 0; p < count; ++p) {
        Vec b = rmsNorm(x[p], ffnNorm, eps);
        Vec gate = observed(ng, wGate, b), up = observed(nu, wUp, b);
        Vec hidden(gate.size());
        for (size_t i = 0; i < gate.size(); ++i)
          hidden[i] = silu(gate[i]) * up[i];
        addInPlace(x[p], observed(nd, wDown, hidden));
      }
    }
  }

  // Output projection, one vocabulary row at a time.
  Vec outputNorm = weights.row("output_norm.weight", 0);
  std::vector<Vec> normed(count);
  const std::string outputName(outputTensorName(config));
  for (size_t p = 0; p < count; ++p) {
    normed[p] = rmsNorm(x[p], outputNorm, eps);
    if (observe)
      observe(outputName, normed[p].data(), normed[p].size());
  }
  if (!options.computeLogits)
    return {};
  std::vector<Vec> logits(count, Vec(config.vocabSize, 0.0));
  for (uint32_t r = 0; r < config.vocabSize; ++r) {
    Vec row = weights.row(outputName, r);
    for (size_t p = 0; p < count; ++p) {
      double sum = 0.0;
      for (uint32_t i = 0; i < dim; ++i)
        sum += row[i] * normed[p][i];
      logits[p][r] = sum;
    }
  }
  return logits;
}

} // namespace quant::models
