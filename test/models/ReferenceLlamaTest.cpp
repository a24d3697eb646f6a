//===- ReferenceLlamaTest.cpp - Reference forward pass and synthetic models ===//
//
// Checks the float64 reference forward pass (ReferenceLlama.h) by properties
// that a wrong implementation breaks: causality, grouped-query attention
// equivalent to duplicated key/value heads, RoPE being the identity at
// position 0, a hand-computed two-dimensional model, and quantized models
// close to their f32 original. Also checks the synthetic model generator
// (vocabularies, determinism, option errors) and that readLlamaConfig
// accepts its models and rejects broken ones with a one-line message.
//
//===----------------------------------------------------------------------===//

#include "LlamaGenerator.h"
#include "ReferenceLlama.h"

#include "quant/gguf/Writer.h"
#include "quant/models/Llama.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using namespace quant;
using quant::reference::decodeRow;
using quant::reference::referenceLogits;
using quant::tool::SyntheticLlamaOptions;
using quant::tool::SyntheticTokenizer;

namespace {

using Logits = std::vector<std::vector<double>>;

/// A temporary directory removed (with its files) at the end of the test.
class ModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "quant-llama-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override {
    for (const std::string &f : files_)
      std::remove(f.c_str());
    if (!dir_.empty())
      rmdir(dir_.c_str());
  }

  std::string path(const std::string &name) {
    std::string p = dir_ + "/" + name;
    files_.push_back(p);
    return p;
  }

  /// Writes a synthetic model and opens it.
  gguf::File make(const std::string &name, const SyntheticLlamaOptions &o) {
    std::string p = path(name);
    gguf::Error e = tool::writeSyntheticLlama(p, o);
    EXPECT_FALSE(e) << e.message();
    return open(p);
  }

  gguf::File open(const std::string &p) {
    gguf::Expected<gguf::File> f = gguf::openFile(p);
    EXPECT_TRUE(f.hasValue()) << (f ? "" : f.message());
    return f ? f.take() : gguf::File();
  }

  /// The reference logits of `file` for `tokens`.
  Logits logits(const gguf::File &file, const std::vector<int32_t> &tokens) {
    gguf::Expected<models::LlamaConfig> config = models::readLlamaConfig(file);
    EXPECT_TRUE(config.hasValue()) << (config ? "" : config.message());
    if (!config)
      return {};
    return referenceLogits(file, *config, tokens);
  }

  /// Copies the metadata of `in` and the tensors `keep` accepts into
  /// `out` (tensor bytes borrowed from `in`'s mapping).
  static void copyModel(const gguf::File &in, gguf::Writer &out,
                        const std::function<bool(const gguf::TensorInfo &)>
                            &keep = nullptr) {
    for (const gguf::KeyValue &kv : in.metadata().entries())
      out.metadata().set(kv.key, kv.value);
    for (const gguf::TensorInfo &t : in.tensors()) {
      if (keep && !keep(t))
        continue;
      gguf::TensorData d = in.tensorData(t);
      gguf::Error e = out.addTensor(t.name, t.dims, t.type, d.data, d.size);
      EXPECT_FALSE(e) << e.message();
    }
  }

private:
  std::string dir_;
  std::vector<std::string> files_;
};

SyntheticLlamaOptions tinyOptions(const char *format = "q8_0") {
  SyntheticLlamaOptions o;
  o.matrixType = *gguf::typeFromName(format);
  return o;
}

double maxAbs(const std::vector<double> &v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

double maxAbsDiff(const std::vector<double> &a, const std::vector<double> &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

const std::vector<int32_t> kTokens = {1,   17,  200, 301, 45, 45, 3,
                                      260, 119, 2,   88,  77, 300, 5};

//===-- Reference forward pass --------------------------------------------===//

TEST_F(ModelTest, ShapesAndFiniteness) {
  gguf::File f = make("m.gguf", tinyOptions());
  Logits l = logits(f, kTokens);
  ASSERT_EQ(l.size(), kTokens.size());
  for (const auto &row : l) {
    ASSERT_EQ(row.size(), 320u);
    for (double v : row)
      ASSERT_TRUE(std::isfinite(v));
    // Activations keep their scale: logits of order 1, not 0 or 1e6.
    EXPECT_GT(maxAbs(row), 0.3);
    EXPECT_LT(maxAbs(row), 100.0);
  }
  EXPECT_TRUE(logits(f, {}).empty());
  gguf::Expected<models::LlamaConfig> c = models::readLlamaConfig(f);
  ASSERT_TRUE(c.hasValue());
  EXPECT_THROW(referenceLogits(f, *c, {1, 320}), std::out_of_range);
  EXPECT_THROW(referenceLogits(f, *c, {-1}), std::out_of_range);
}

TEST_F(ModelTest, Causality) {
  gguf::File f = make("m.gguf", tinyOptions("q4_0"));
  std::vector<int32_t> changed = kTokens;
  const size_t keep = 6;
  for (size_t i = keep; i < changed.size(); ++i)
    changed[i] = (changed[i] * 7 + 11) % 320;
  Logits a = logits(f, kTokens), b = logits(f, changed);
  ASSERT_EQ(a.size(), b.size());
  for (size_t p = 0; p < keep; ++p)
    EXPECT_EQ(a[p], b[p]) << "position " << p << " sees later tokens";
  for (size_t p = keep; p < a.size(); ++p)
    EXPECT_GT(maxAbsDiff(a[p], b[p]), 1e-6) << "position " << p;
  // A prefix alone gives the same logits as within the longer sequence.
  Logits prefix =
      logits(f, std::vector<int32_t>(kTokens.begin(), kTokens.begin() + keep));
  for (size_t p = 0; p < keep; ++p)
    EXPECT_EQ(prefix[p], a[p]);
}

TEST_F(ModelTest, GroupedQueryAttentionEqualsDuplicatedHeads) {
  SyntheticLlamaOptions o = tinyOptions("f32");
  o.heads = 4;
  o.kvHeads = 2;
  gguf::File gqa = make("gqa.gguf", o);
  gguf::Expected<models::LlamaConfig> c = models::readLlamaConfig(gqa);
  ASSERT_TRUE(c.hasValue());
  const uint32_t headDim = c->headDim(), group = c->groupSize();
  ASSERT_EQ(group, 2u);

  // The same model with one key/value head per query head: new kv head h
  // is old kv head h / group.
  gguf::Writer w;
  auto isKv = [](const gguf::TensorInfo &t) {
    return t.name.find(".attn_k.") != std::string::npos ||
           t.name.find(".attn_v.") != std::string::npos;
  };
  copyModel(gqa, w, [&](const gguf::TensorInfo &t) { return !isKv(t); });
  w.metadata().set("llama.attention.head_count_kv", gguf::Value::u32(o.heads));
  std::vector<std::vector<uint8_t>> expanded;
  expanded.reserve(2 * o.layers);
  for (const gguf::TensorInfo &t : gqa.tensors()) {
    if (!isKv(t))
      continue;
    ASSERT_EQ(t.type, gguf::kTypeF32);
    gguf::TensorData d = gqa.tensorData(t);
    size_t rowBytes = t.rowLength() * sizeof(float);
    std::vector<uint8_t> bytes;
    for (uint32_t r = 0; r < o.heads * headDim; ++r) {
      uint32_t oldRow = (r / headDim / group) * headDim + r % headDim;
      bytes.insert(bytes.end(), d.data + oldRow * rowBytes,
                   d.data + (oldRow + 1) * rowBytes);
    }
    expanded.push_back(std::move(bytes));
    gguf::Error e =
        w.addTensor(t.name, {t.dims[0], uint64_t(o.heads) * headDim}, t.type,
                    expanded.back().data(), expanded.back().size());
    ASSERT_FALSE(e) << e.message();
  }
  std::string mhaPath = path("mha.gguf");
  gguf::Error e = w.writeFile(mhaPath);
  ASSERT_FALSE(e) << e.message();
  gguf::File mha = open(mhaPath);
  gguf::Expected<models::LlamaConfig> mc = models::readLlamaConfig(mha);
  ASSERT_TRUE(mc.hasValue()) << mc.message();
  EXPECT_EQ(mc->kvHeads, 4u);

  Logits a = logits(gqa, kTokens), b = logits(mha, kTokens);
  ASSERT_EQ(a.size(), b.size());
  for (size_t p = 0; p < a.size(); ++p)
    for (size_t i = 0; i < a[p].size(); ++i)
      ASSERT_LE(std::fabs(a[p][i] - b[p][i]),
                1e-9 * std::max(1.0, std::fabs(a[p][i])))
          << "position " << p << " logit " << i;

  // Mapping query head h to kv head h % kvHeads instead would differ: check
  // that the test can tell by swapping the two kv heads of layer 0.
  gguf::Writer swapped;
  copyModel(gqa, swapped, [&](const gguf::TensorInfo &t) {
    return t.name != "blk.0.attn_k.weight";
  });
  const gguf::TensorInfo *k0 = gqa.findTensor("blk.0.attn_k.weight");
  ASSERT_NE(k0, nullptr);
  gguf::TensorData d = gqa.tensorData(*k0);
  size_t half = d.size / 2;
  std::vector<uint8_t> bytes(d.data + half, d.data + d.size);
  bytes.insert(bytes.end(), d.data, d.data + half);
  ASSERT_FALSE(swapped.addTensor(k0->name, k0->dims, k0->type, bytes.data(),
                                 bytes.size()));
  std::string swappedPath = path("swapped.gguf");
  ASSERT_FALSE(swapped.writeFile(swappedPath));
  gguf::File s = open(swappedPath);
  Logits sl = logits(s, kTokens);
  EXPECT_GT(maxAbsDiff(sl.back(), a.back()), 1e-6);
}

TEST_F(ModelTest, RopeIsIdentityAtPositionZero) {
  SyntheticLlamaOptions o = tinyOptions("q8_0");
  gguf::File base = make("base.gguf", o);
  o.ropeFreqBase = 500.0f;
  gguf::File other = make("other.gguf", o);
  std::vector<int32_t> tokens = {7, 100, 250};
  Logits a = logits(base, tokens), b = logits(other, tokens);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0], b[0]) << "rope base changed position 0";
  EXPECT_GT(maxAbsDiff(a[1], b[1]), 1e-6) << "rope base ignored at position 1";
  EXPECT_GT(maxAbsDiff(a[2], b[2]), 1e-6) << "rope base ignored at position 2";
  // One token alone: identical.
  EXPECT_EQ(logits(base, {42}), logits(other, {42}));
}

/// A one-layer model of width 2 (one head of dimension 2, so RoPE rotates
/// the pair by p radians), identity projections, computed by hand.
TEST_F(ModelTest, HandComputedTwoDimensionalModel) {
  const double eps = 1e-5;
  gguf::Writer w;
  gguf::Metadata &md = w.metadata();
  md.set("general.architecture", gguf::Value::string("llama"));
  md.set("llama.context_length", gguf::Value::u32(8));
  md.set("llama.embedding_length", gguf::Value::u32(2));
  md.set("llama.block_count", gguf::Value::u32(1));
  md.set("llama.feed_forward_length", gguf::Value::u32(2));
  md.set("llama.attention.head_count", gguf::Value::u32(1));
  md.set("llama.attention.head_count_kv", gguf::Value::u32(1));
  md.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
  md.set("llama.rope.freq_base", gguf::Value::f32(10000.0f));
  // Row-major rows of GGUF matrices (dims {cols, rows}).
  static const float embd[] = {1, 0, 0, 2, 3, 4};     // 3 tokens
  static const float ones[] = {1, 1};
  static const float identity[] = {1, 0, 0, 1};
  static const float vMat[] = {2, 0, 1, 1};           // v = (2a0, a0 + a1)
  static const float output[] = {1, 0, 0, 1, 1, -1};  // 3 logits
  auto add = [&](const char *name, std::vector<uint64_t> dims,
                 const float *data, size_t count) {
    gguf::Error e = w.addTensor(name, dims, gguf::kTypeF32, data,
                                count * sizeof(float));
    ASSERT_FALSE(e) << e.message();
  };
  add("token_embd.weight", {2, 3}, embd, 6);
  add("blk.0.attn_norm.weight", {2}, ones, 2);
  add("blk.0.attn_q.weight", {2, 2}, identity, 4);
  add("blk.0.attn_k.weight", {2, 2}, identity, 4);
  add("blk.0.attn_v.weight", {2, 2}, vMat, 4);
  add("blk.0.attn_output.weight", {2, 2}, identity, 4);
  add("blk.0.ffn_norm.weight", {2}, ones, 2);
  add("blk.0.ffn_gate.weight", {2, 2}, identity, 4);
  add("blk.0.ffn_up.weight", {2, 2}, identity, 4);
  add("blk.0.ffn_down.weight", {2, 2}, identity, 4);
  add("output_norm.weight", {2}, ones, 2);
  add("output.weight", {2, 3}, output, 6);
  std::string p = path("hand.gguf");
  ASSERT_FALSE(w.writeFile(p));
  gguf::File f = open(p);
  Logits got = logits(f, {2, 0});
  ASSERT_EQ(got.size(), 2u);

  struct V2 {
    double x, y;
  };
  auto norm = [&](V2 v) {
    double r = std::sqrt((v.x * v.x + v.y * v.y) / 2 + eps);
    return V2{v.x / r, v.y / r};
  };
  auto silu = [](double t) { return t / (1 + std::exp(-t)); };
  auto ffnAndLogits = [&](V2 x) {
    V2 b = norm(x);
    x = {x.x + silu(b.x) * b.x, x.y + silu(b.y) * b.y};
    V2 n = norm(x);
    return std::vector<double>{n.x, n.y, n.x - n.y};
  };
  // Position 0, token 2 = (3, 4): attention over itself returns v.
  V2 a0 = norm({3, 4});
  V2 v0 = {2 * a0.x, a0.x + a0.y};
  std::vector<double> want0 = ffnAndLogits({3 + v0.x, 4 + v0.y});
  // Position 1, token 0 = (1, 0): q and k rotated by 1 radian, v not.
  V2 a1 = norm({1, 0});
  V2 v1 = {2 * a1.x, a1.x + a1.y};
  double c = std::cos(1.0), s = std::sin(1.0);
  V2 q1 = {a1.x * c - a1.y * s, a1.x * s + a1.y * c};
  V2 k0 = a0, k1 = q1;
  double s0 = (q1.x * k0.x + q1.y * k0.y) / std::sqrt(2.0);
  double s1 = (q1.x * k1.x + q1.y * k1.y) / std::sqrt(2.0);
  double w0 = 1 / (1 + std::exp(s1 - s0)), w1 = 1 - w0;
  V2 o1 = {w0 * v0.x + w1 * v1.x, w0 * v0.y + w1 * v1.y};
  std::vector<double> want1 = ffnAndLogits({1 + o1.x, 0 + o1.y});

  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(got[0][i], want0[i], 1e-12) << "position 0 logit " << i;
    EXPECT_NEAR(got[1][i], want1[i], 1e-12) << "position 1 logit " << i;
  }
}

/// A one-layer model of width 8 with simple weights (identity q, o, gate,
/// down and output; k the first kvDim rows of the identity; small integer
/// v; up = I/2; non-unit norm weights), computed directly from the
/// definition for several head layouts: one head with full and partial
/// RoPE, several heads, grouped-query heads. Checks the adjacent-pair RoPE
/// convention, theta_i = p * base^(-2i/ropeDim), dims past ropeDim left
/// alone, the 1/sqrt(headDim) scale, the kv head of each query head and the
/// norm weights.
TEST_F(ModelTest, SmallModelsComputedFromTheDefinition) {
  const int D = 8;
  const double eps = 1e-5, base = 100;
  struct Layout {
    uint32_t heads, kvHeads, ropeDim;
  } layouts[] = {{1, 1, 8}, {1, 1, 4}, {2, 2, 2}, {2, 2, 4}, {4, 2, 2},
                 {2, 1, 4}};
  std::vector<float> embd(D * D), attnNorm(D), ffnNorm(D), outNorm(D);
  for (int t = 0; t < D; ++t)
    for (int d = 0; d < D; ++d)
      embd[t * D + d] = float((t * 3 + d * 5) % 7 - 3);
  for (int d = 0; d < D; ++d) {
    attnNorm[d] = 0.5f + 0.25f * float(d);
    ffnNorm[d] = 1.5f - 0.125f * float(d);
    outNorm[d] = 1.0f + 0.0625f * float(d);
  }
  std::vector<float> identity(D * D, 0.0f), halfIdentity(D * D, 0.0f);
  for (int d = 0; d < D; ++d) {
    identity[d * D + d] = 1.0f;
    halfIdentity[d * D + d] = 0.5f;
  }
  const std::vector<int32_t> tokens = {3, 0, 7, 5, 1};

  for (const Layout &layout : layouts) {
    const uint32_t headDim = D / layout.heads;
    const uint32_t kvDim = layout.kvHeads * headDim;
    const uint32_t group = layout.heads / layout.kvHeads;
    std::vector<float> vMat(kvDim * D);
    for (uint32_t m = 0; m < kvDim; ++m)
      for (int k = 0; k < D; ++k)
        vMat[m * D + k] = 0.5f * float(int(m * 2 + k) % 5 - 2);
    gguf::Writer w;
    gguf::Metadata &md = w.metadata();
    md.set("general.architecture", gguf::Value::string("llama"));
    md.set("llama.context_length", gguf::Value::u32(16));
    md.set("llama.embedding_length", gguf::Value::u32(D));
    md.set("llama.block_count", gguf::Value::u32(1));
    md.set("llama.feed_forward_length", gguf::Value::u32(D));
    md.set("llama.attention.head_count", gguf::Value::u32(layout.heads));
    md.set("llama.attention.head_count_kv", gguf::Value::u32(layout.kvHeads));
    md.set("llama.rope.dimension_count", gguf::Value::u32(layout.ropeDim));
    md.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
    md.set("llama.rope.freq_base", gguf::Value::f32(float(base)));
    auto add = [&](const char *name, std::vector<uint64_t> dims,
                   const std::vector<float> &data, size_t count) {
      gguf::Error e = w.addTensor(name, dims, gguf::kTypeF32, data.data(),
                                  count * sizeof(float));
      ASSERT_FALSE(e) << e.message();
    };
    const uint64_t d = D;
    add("token_embd.weight", {d, d}, embd, D * D);
    add("blk.0.attn_norm.weight", {d}, attnNorm, D);
    add("blk.0.attn_q.weight", {d, d}, identity, D * D);
    add("blk.0.attn_k.weight", {d, kvDim}, identity, kvDim * D);
    add("blk.0.attn_v.weight", {d, kvDim}, vMat, kvDim * D);
    add("blk.0.attn_output.weight", {d, d}, identity, D * D);
    add("blk.0.ffn_norm.weight", {d}, ffnNorm, D);
    add("blk.0.ffn_gate.weight", {d, d}, identity, D * D);
    add("blk.0.ffn_up.weight", {d, d}, halfIdentity, D * D);
    add("blk.0.ffn_down.weight", {d, d}, identity, D * D);
    add("output_norm.weight", {d}, outNorm, D);
    add("output.weight", {d, d}, identity, D * D);
    std::string name = "small-" + std::to_string(layout.heads) + "-" +
                       std::to_string(layout.kvHeads) + "-" +
                       std::to_string(layout.ropeDim);
    std::string p = path(name + ".gguf");
    ASSERT_FALSE(w.writeFile(p));
    gguf::File f = open(p);
    gguf::Expected<models::LlamaConfig> config = models::readLlamaConfig(f);
    ASSERT_TRUE(config.hasValue()) << config.message();
    ASSERT_EQ(config->ropeDim, layout.ropeDim);
    Logits got = referenceLogits(f, *config, tokens);
    ASSERT_EQ(got.size(), tokens.size());

    using Vec = std::vector<double>;
    auto norm = [&](const Vec &x, const std::vector<float> &weight) {
      double ss = 0;
      for (double v : x)
        ss += v * v;
      Vec out(x.size());
      for (size_t i = 0; i < x.size(); ++i)
        out[i] = x[i] / std::sqrt(ss / double(x.size()) + eps) * weight[i];
      return out;
    };
    // Adjacent pairs (2i, 2i+1) of each head, i < ropeDim / 2.
    auto rotate = [&](Vec v, size_t pos) {
      for (size_t h = 0; h < v.size() / headDim; ++h)
        for (uint32_t i = 0; i < layout.ropeDim / 2; ++i) {
          double theta =
              double(pos) / std::pow(base, 2.0 * i / layout.ropeDim);
          double &u = v[h * headDim + 2 * i], &z = v[h * headDim + 2 * i + 1];
          double nu = u * std::cos(theta) - z * std::sin(theta);
          double nz = u * std::sin(theta) + z * std::cos(theta);
          u = nu;
          z = nz;
        }
      return v;
    };
    std::vector<Vec> keys, values;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
      Vec e(embd.begin() + tokens[pos] * D, embd.begin() + tokens[pos] * D + D);
      Vec a = norm(e, attnNorm);
      Vec q = rotate(a, pos);
      keys.push_back(rotate(Vec(a.begin(), a.begin() + kvDim), pos));
      Vec v(kvDim, 0.0);
      for (uint32_t m = 0; m < kvDim; ++m)
        for (int k = 0; k < D; ++k)
          v[m] += vMat[m * D + k] * a[k];
      values.push_back(v);
      Vec x = e;
      for (uint32_t h = 0; h < layout.heads; ++h) {
        uint32_t kv = h / group;
        Vec weights;
        double total = 0;
        for (size_t j = 0; j <= pos; ++j) {
          double s = 0;
          for (uint32_t i = 0; i < headDim; ++i)
            s += q[h * headDim + i] * keys[j][kv * headDim + i];
          weights.push_back(std::exp(s / std::sqrt(double(headDim))));
          total += weights.back();
        }
        for (size_t j = 0; j <= pos; ++j)
          for (uint32_t i = 0; i < headDim; ++i)
            x[h * headDim + i] +=
                weights[j] / total * values[j][kv * headDim + i];
      }
      Vec b = norm(x, ffnNorm);
      for (int i = 0; i < D; ++i)
        x[i] += b[i] / (1 + std::exp(-b[i])) * (0.5 * b[i]);
      Vec want = norm(x, outNorm);
      for (int i = 0; i < D; ++i)
        EXPECT_NEAR(got[pos][i], want[i], 1e-12)
            << name << " position " << pos << " logit " << i;
    }
  }
}

TEST_F(ModelTest, QuantizedModelsApproachTheirF32Original) {
  // The same seed gives the same float weights in every format.
  gguf::File f32 = make("f32.gguf", tinyOptions("f32"));
  gguf::File q8 = make("q8.gguf", tinyOptions("q8_0"));
  SyntheticLlamaOptions o4 = tinyOptions("q4_0");
  gguf::File q4 = make("q4.gguf", o4);
  o4.seed = 2;
  gguf::File otherSeed = make("seed2.gguf", o4);

  const gguf::TensorInfo *t32 = f32.findTensor("blk.1.ffn_down.weight");
  const gguf::TensorInfo *t8 = q8.findTensor("blk.1.ffn_down.weight");
  ASSERT_TRUE(t32 && t8);
  std::vector<double> r32 = decodeRow(f32, *t32, 5), r8 = decodeRow(q8, *t8, 5);
  ASSERT_EQ(r32.size(), 128u);
  EXPECT_LT(maxAbsDiff(r32, r8), maxAbs(r32) / 100);
  EXPECT_THROW(decodeRow(f32, *t32, 64), std::out_of_range);

  Logits l32 = logits(f32, kTokens), l8 = logits(q8, kTokens),
         l4 = logits(q4, kTokens), lOther = logits(otherSeed, kTokens);
  double e8 = 0, e4 = 0, eOther = 0, scale = 0;
  for (size_t p = 0; p < l32.size(); ++p) {
    e8 = std::max(e8, maxAbsDiff(l8[p], l32[p]));
    e4 = std::max(e4, maxAbsDiff(l4[p], l32[p]));
    eOther = std::max(eOther, maxAbsDiff(lOther[p], l32[p]));
    scale = std::max(scale, maxAbs(l32[p]));
  }
  EXPECT_LT(e8, 0.05 * scale);
  EXPECT_LT(e8, e4) << "q8_0 should be closer to f32 than q4_0";
  EXPECT_LT(e4, 0.5 * eOther) << "q4_0 should be far closer than a "
                                 "different model";
}

TEST_F(ModelTest, TiedOutputUsesTheEmbedding) {
  SyntheticLlamaOptions o = tinyOptions("f32");
  o.tied = true;
  gguf::File f = make("tied.gguf", o);
  EXPECT_EQ(f.findTensor("output.weight"), nullptr);
  Logits l = logits(f, {3, 4});
  ASSERT_EQ(l.size(), 2u);
  // Embedding rows have std 1 (not 1/sqrt(dim)): logits of order sqrt(dim).
  EXPECT_GT(maxAbs(l[1]), 5.0);
}

TEST_F(ModelTest, FortyTokensTakeWellUnderASecond) {
  gguf::File f = make("m.gguf", tinyOptions("q8_0"));
  std::vector<int32_t> tokens;
  for (int i = 0; i < 40; ++i)
    tokens.push_back((i * 37 + 5) % 320);
  auto start = std::chrono::steady_clock::now();
  Logits l = logits(f, tokens);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  ASSERT_EQ(l.size(), 40u);
  EXPECT_LT(seconds, 1.0);
}

//===-- readLlamaConfig on synthetic models -------------------------------===//

TEST_F(ModelTest, ConfigAcceptsGeneratedModels) {
  struct Case {
    const char *format;
    uint32_t dim, ffn;
    bool tied;
  } cases[] = {{"q4_0", 64, 128, false}, {"q8_0", 64, 128, false},
               {"q4_k", 256, 512, false}, {"q6_k", 256, 512, false},
               {"f16", 64, 128, false},  {"bf16", 64, 96, false},
               {"q8_0", 64, 128, true},   {"mxfp4", 64, 128, false}};
  for (const Case &c : cases) {
    SyntheticLlamaOptions o = tinyOptions(c.format);
    o.dim = c.dim;
    o.ffnDim = c.ffn;
    o.tied = c.tied;
    o.heads = 8;
    o.kvHeads = 2;
    o.layers = 3;
    o.contextLength = 256;
    o.rmsEpsilon = 1e-6f;
    o.ropeFreqBase = 500000.0f;
    std::string name = std::string(c.format) + (c.tied ? "-tied" : "");
    gguf::File f = make(name + ".gguf", o);
    gguf::Expected<models::LlamaConfig> config = models::readLlamaConfig(f);
    ASSERT_TRUE(config.hasValue()) << name << ": " << config.message();
    EXPECT_EQ(config->dim, c.dim) << name;
    EXPECT_EQ(config->ffnDim, c.ffn) << name;
    EXPECT_EQ(config->layers, 3u) << name;
    EXPECT_EQ(config->heads, 8u) << name;
    EXPECT_EQ(config->kvHeads, 2u) << name;
    EXPECT_EQ(config->headDim(), c.dim / 8) << name;
    EXPECT_EQ(config->ropeDim, c.dim / 8) << name;
    EXPECT_EQ(config->vocabSize, 320u) << name;
    EXPECT_EQ(config->contextLength, 256u) << name;
    EXPECT_EQ(config->rmsEpsilon, 1e-6f) << name;
    EXPECT_EQ(config->ropeFreqBase, 500000.0f) << name;
    EXPECT_EQ(config->tiedOutput, c.tied) << name;
    EXPECT_EQ(f.findTensor("blk.2.ffn_down.weight")->type,
              *gguf::typeFromName(c.format))
        << name;
    EXPECT_EQ(f.findTensor("blk.2.ffn_norm.weight")->type, gguf::kTypeF32);
    EXPECT_EQ(f.metadata().getU32("general.alignment").hasValue(), true);
    EXPECT_EQ(*f.metadata().getU32("general.quantization_version"), 2u);
    // Every quantized model runs through the reference.
    Logits l = referenceLogits(f, *config, {1, 2, 3});
    for (double v : l.back())
      ASSERT_TRUE(std::isfinite(v)) << name;
  }
}

TEST_F(ModelTest, SeparateOutputAndEmbeddingFormats) {
  SyntheticLlamaOptions o = tinyOptions("q4_0");
  o.dim = 256;
  o.ffnDim = 256;
  o.outputType = *gguf::typeFromName("q6_k");
  o.embeddingType = *gguf::typeFromName("f16");
  gguf::File f = make("mixed.gguf", o);
  ASSERT_TRUE(models::readLlamaConfig(f).hasValue());
  EXPECT_EQ(gguf::typeName(f.findTensor("output.weight")->type), "q6_k");
  EXPECT_EQ(gguf::typeName(f.findTensor("token_embd.weight")->type), "f16");
  EXPECT_EQ(gguf::typeName(f.findTensor("blk.0.attn_q.weight")->type), "q4_0");
}

/// A generated model rewritten with one defect must be rejected with a
/// one-line message that starts with the file name and names the problem.
TEST_F(ModelTest, ConfigRejectsBrokenModels) {
  gguf::File good = make("good.gguf", tinyOptions("f32"));
  struct Case {
    const char *name;
    std::function<void(gguf::Writer &)> edit;
    std::function<bool(const gguf::TensorInfo &)> keep;
    std::string expected;
  };
  std::vector<float> wrong(64 * 64, 0.5f);
  std::vector<uint16_t> halfOnes(64, 0x3C00);
  std::vector<Case> cases = {
      {"missing-ffn-up", nullptr,
       [](const gguf::TensorInfo &t) {
         return t.name != "blk.0.ffn_up.weight";
       },
       "missing tensor blk.0.ffn_up.weight"},
      {"wrong-shape",
       [&](gguf::Writer &w) {
         ASSERT_FALSE(w.addTensor("blk.1.attn_k.weight", {64, 64},
                                  gguf::kTypeF32, wrong.data(),
                                  wrong.size() * sizeof(float)));
       },
       [](const gguf::TensorInfo &t) {
         return t.name != "blk.1.attn_k.weight";
       },
       "tensor blk.1.attn_k.weight has shape 64 x 64, expected 32 x 64"},
      {"kv-heads",
       [](gguf::Writer &w) {
         w.metadata().set("llama.attention.head_count_kv",
                          gguf::Value::u32(3));
       },
       nullptr, "head_count 4 is not a multiple of head_count_kv 3"},
      {"architecture",
       [](gguf::Writer &w) {
         w.metadata().set("general.architecture", gguf::Value::string("gpt2"));
       },
       nullptr, "unsupported architecture 'gpt2'"},
      {"norm-not-f32",
       [&](gguf::Writer &w) {
         ASSERT_FALSE(w.addTensor("output_norm.weight", {64}, gguf::kTypeF16,
                                  halfOnes.data(), halfOnes.size() * 2));
       },
       [](const gguf::TensorInfo &t) {
         return t.name != "output_norm.weight";
       },
       "tensor output_norm.weight is f16; norm weights must be f32"},
  };
  for (const Case &c : cases) {
    gguf::Writer w;
    copyModel(good, w, c.keep);
    if (c.edit)
      c.edit(w);
    std::string p = path(std::string(c.name) + ".gguf");
    gguf::Error e = w.writeFile(p);
    ASSERT_FALSE(e) << c.name << ": " << e.message();
    gguf::File broken = open(p);
    gguf::Expected<models::LlamaConfig> config =
        models::readLlamaConfig(broken);
    ASSERT_FALSE(config.hasValue()) << c.name << " was accepted";
    const std::string &message = config.message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(p + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << c.name << ": " << message;
  }
}

//===-- The generator -----------------------------------------------------===//

TEST_F(ModelTest, GeneratorIsDeterministicAcrossThreadCounts) {
  SyntheticLlamaOptions o = tinyOptions("q4_0");
  o.dim = 256; // big enough for the threaded path
  o.threads = 1;
  std::string a = path("a.gguf"), b = path("b.gguf");
  ASSERT_FALSE(tool::writeSyntheticLlama(a, o));
  o.threads = 3;
  ASSERT_FALSE(tool::writeSyntheticLlama(b, o));
  auto slurp = [](const std::string &p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in), {});
  };
  std::vector<char> bytesA = slurp(a);
  EXPECT_GT(bytesA.size(), 100000u);
  EXPECT_EQ(bytesA, slurp(b));
}

TEST_F(ModelTest, GeneratorWeightStatistics) {
  // Matrices: std 1/sqrt(fan_in); norms: 1 + U(-0.1, 0.1).
  std::vector<float> row(4096);
  tool::syntheticRow(1, "blk.0.ffn_down.weight", 3, false, 0.125, row.data(),
                     row.size());
  double sum = 0, sumSq = 0;
  for (float v : row) {
    sum += v;
    sumSq += double(v) * v;
  }
  double mean = sum / row.size(), sd = std::sqrt(sumSq / row.size());
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(sd, 0.125, 0.006);
  std::vector<float> other(4096);
  tool::syntheticRow(1, "blk.0.ffn_down.weight", 4, false, 0.125, other.data(),
                     other.size());
  EXPECT_NE(row, other);
  tool::syntheticRow(1, "blk.0.ffn_norm.weight", 0, true, 0, row.data(),
                     row.size());
  for (float v : row) {
    ASSERT_GE(v, 0.9f);
    ASSERT_LE(v, 1.1f);
  }
}

TEST(SyntheticVocab, Llama) {
  tool::SyntheticVocab v = tool::syntheticVocab(SyntheticTokenizer::Llama, 32000);
  ASSERT_EQ(v.tokens.size(), 32000u);
  ASSERT_EQ(v.scores.size(), 32000u);
  ASSERT_EQ(v.types.size(), 32000u);
  EXPECT_EQ(std::set<std::string>(v.tokens.begin(), v.tokens.end()).size(),
            32000u);
  EXPECT_EQ(v.tokens[0], "<unk>");
  EXPECT_EQ(v.types[0], 2);
  EXPECT_EQ(v.tokens[1], "<s>");
  EXPECT_EQ(v.tokens[2], "</s>");
  EXPECT_EQ(v.types[2], 3);
  EXPECT_EQ(v.tokens[3], "<0x00>");
  EXPECT_EQ(v.tokens[3 + 0xAB], "<0xAB>");
  EXPECT_EQ(v.tokens[258], "<0xFF>");
  EXPECT_EQ(v.types[258], 6);
  EXPECT_EQ(v.tokens[259], "!");
  EXPECT_EQ(v.bos, 1u);
  EXPECT_EQ(v.eos, 2u);
  ASSERT_TRUE(v.unknown.has_value());
  EXPECT_EQ(*v.unknown, 0u);
  bool hasThe = false;
  for (size_t i = 259; i < v.tokens.size(); ++i) {
    ASSERT_EQ(v.types[i], 1);
    if (i > 259) {
      ASSERT_LT(v.scores[i], v.scores[i - 1]);
    }
    hasThe |= v.tokens[i] == "\xe2\x96\x81the";
  }
  EXPECT_TRUE(hasThe);
  EXPECT_TRUE(v.merges.empty());
  EXPECT_EQ(tool::syntheticVocab(SyntheticTokenizer::Llama, 262).tokens.size(),
            262u);
}

TEST(SyntheticVocab, Gpt2) {
  for (uint32_t size : {257u, 300u, 50257u}) {
    tool::SyntheticVocab v = tool::syntheticVocab(SyntheticTokenizer::Gpt2, size);
    ASSERT_EQ(v.tokens.size(), size);
    ASSERT_EQ(v.types.size(), size);
    EXPECT_TRUE(v.scores.empty());
    std::set<std::string> tokens(v.tokens.begin(), v.tokens.end());
    EXPECT_EQ(tokens.size(), size);
    EXPECT_EQ(v.tokens.back(), "<|endoftext|>");
    EXPECT_EQ(v.bos, size - 1);
    EXPECT_EQ(v.eos, size - 1);
    EXPECT_EQ(v.merges.size(), size - 257);
    for (const std::string &m : v.merges) {
      size_t space = m.find(' ');
      ASSERT_NE(space, std::string::npos) << m;
      std::string left = m.substr(0, space), right = m.substr(space + 1);
      EXPECT_TRUE(tokens.count(left)) << m;
      EXPECT_TRUE(tokens.count(right)) << m;
      EXPECT_TRUE(tokens.count(left + right)) << m;
    }
  }
  // GPT-2's byte-to-unicode mapping: printable bytes stand for themselves,
  // space is U+0120, newline U+010A, 0x00 U+0100, 0xAD U+0143.
  EXPECT_EQ(tool::gpt2ByteChar('a'), "a");
  EXPECT_EQ(tool::gpt2ByteChar(' '), "\xc4\xa0");
  EXPECT_EQ(tool::gpt2ByteChar('\n'), "\xc4\x8a");
  EXPECT_EQ(tool::gpt2ByteChar(0), "\xc4\x80");
  EXPECT_EQ(tool::gpt2ByteChar(0xAD), "\xc5\x83");
  EXPECT_EQ(tool::gpt2ByteChar(0xE9), "\xc3\xa9");
  std::set<std::string> all;
  for (unsigned b = 0; b < 256; ++b)
    all.insert(tool::gpt2ByteChar(uint8_t(b)));
  EXPECT_EQ(all.size(), 256u);
}

TEST_F(ModelTest, Gpt2TokenizerModel) {
  SyntheticLlamaOptions o = tinyOptions();
  o.tokenizer = SyntheticTokenizer::Gpt2;
  o.vocab = 300;
  gguf::File f = make("gpt2.gguf", o);
  ASSERT_TRUE(models::readLlamaConfig(f).hasValue());
  EXPECT_EQ(*f.metadata().getString("tokenizer.ggml.model"), "gpt2");
  auto merges = f.metadata().getArrayOf("tokenizer.ggml.merges",
                                        gguf::ValueType::String);
  ASSERT_TRUE(merges.hasValue());
  EXPECT_EQ((*merges)->size(), 300u - 257u);
  EXPECT_EQ(*f.metadata().getU32("tokenizer.ggml.eos_token_id"), 299u);
  EXPECT_FALSE(f.metadata().contains("tokenizer.ggml.scores"));
}

TEST(SyntheticOptions, Errors) {
  struct Case {
    std::function<void(SyntheticLlamaOptions &)> edit;
    std::string expected;
  } cases[] = {
      {[](SyntheticLlamaOptions &o) { o.heads = 3; },
       "--dim 64 is not a multiple of --heads 3"},
      {[](SyntheticLlamaOptions &o) { o.kvHeads = 3; },
       "--heads 4 is not a multiple of --kv-heads 3"},
      {[](SyntheticLlamaOptions &o) { o.heads = 64; },
       "head dimension 1 (--dim 64 / --heads 64) must be even"},
      {[](SyntheticLlamaOptions &o) { o.matrixType = *gguf::typeFromName("q4_k"); },
       "--format q4_k: row length 64 (--dim) is not a multiple of the q4_k "
       "block size 256"},
      {[](SyntheticLlamaOptions &o) {
         o.dim = 256;
         o.ffnDim = 160;
         o.matrixType = *gguf::typeFromName("q6_k");
       },
       "row length 160 (--ffn)"},
      {[](SyntheticLlamaOptions &o) {
         o.embeddingType = *gguf::typeFromName("q2_k");
       },
       "--embedding-format q2_k: row length 64"},
      {[](SyntheticLlamaOptions &o) {
         o.outputType = *gguf::typeFromName("q5_k");
       },
       "--output-format q5_k: row length 64"},
      {[](SyntheticLlamaOptions &o) {
         o.tied = true;
         o.outputType = *gguf::typeFromName("q8_0");
       },
       "--output-format cannot be used with --tied"},
      {[](SyntheticLlamaOptions &o) { o.vocab = 261; },
       "--vocab 261 is too small for the llama tokenizer (at least 262)"},
      {[](SyntheticLlamaOptions &o) {
         o.vocab = 256;
         o.tokenizer = SyntheticTokenizer::Gpt2;
       },
       "--vocab 256 is too small for the gpt2 tokenizer (at least 257)"},
      {[](SyntheticLlamaOptions &o) { o.layers = 0; }, "--layers 0 is out of range"},
      {[](SyntheticLlamaOptions &o) { o.matrixType = 12345; },
       "--format: unknown tensor type"},
      {[](SyntheticLlamaOptions &o) { o.rmsEpsilon = 0; },
       "--rms-eps 0 must be positive"},
      {[](SyntheticLlamaOptions &o) {
         o.dim = 1u << 20;
         o.vocab = 1u << 20;
         o.matrixType = gguf::kTypeF32;
       },
       "tensor token_embd.weight would take"},
  };
  for (const Case &c : cases) {
    SyntheticLlamaOptions o;
    c.edit(o);
    std::string why = tool::checkSyntheticLlama(o);
    EXPECT_NE(why.find(c.expected), std::string::npos)
        << "got '" << why << "', expected '" << c.expected << "'";
    EXPECT_EQ(why.find('\n'), std::string::npos);
    gguf::Writer w;
    gguf::Error e = tool::buildSyntheticLlama(w, o);
    EXPECT_TRUE(e.isFailure());
    EXPECT_TRUE(w.tensors().empty());
  }
  EXPECT_EQ(tool::checkSyntheticLlama(SyntheticLlamaOptions()), "");
}

} // namespace
