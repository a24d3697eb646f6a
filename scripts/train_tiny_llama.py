#!/usr/bin/env python3
"""A small, really trained llama model for measuring quantization quality.

Stages (scripts/train-tiny-llama.sh runs them in this order):

  data    Jane Austen's six novels, read from the R data file of the Debian
          package r-cran-janeaustenr, cleaned and split by chapter into
          train / calibration / held-out test text.
  train   a byte-level llama (dim 256, 6 layers, 8 heads over 4 KV heads,
          FFN 768, vocabulary 259, context 256) trained with AdamW and a
          cosine schedule on BOS-prefixed windows of 256 tokens.
  export  the trained weights as a GGUF v3 file, every tensor F32.
  eval    losses and perplexities of the exported file (read back from the
          GGUF), computed the way the compiled executable's --perplexity
          computes them.
  verify  (optional) compares the compiled executable's --logits and
          --perplexity with this PyTorch model.

The PyTorch model follows the project's forward pass exactly
(test/models/ReferenceLlama.cpp): RMSNorm with eps, RoPE rotating adjacent
pairs (2i, 2i+1) by p * base^(-2i/ropeDim) with angles computed in float64,
causal grouped-query attention where query head h reads KV head
h / (heads / kvHeads), a SwiGLU feed-forward silu(gate) * up, and an untied
output projection. Its parameters are stored exactly as the GGUF tensors
(nn.Linear's [out, in] layout = GGUF rows x columns), so no permutation is
needed anywhere.

Everything is deterministic for a given CPU and library build: fixed seeds,
torch.use_deterministic_algorithms(True), 2 threads.
"""

import argparse
import hashlib
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------
# Model shape and tokenizer

CONFIG = dict(
    dim=256,
    layers=6,
    heads=8,
    kv_heads=4,
    ffn=768,
    vocab=259,
    context=256,
    rope_dim=32,
    rope_base=10000.0,
    rms_eps=1e-5,
)

UNK, BOS, EOS = 0, 1, 2
BYTE0 = 3  # token of byte b is BYTE0 + b

# Training defaults (the committed model was trained with exactly these).
TRAIN_DEFAULTS = dict(
    seed=20240611,
    steps=900,
    batch=8,
    lr=2e-3,
    min_lr_ratio=0.1,
    warmup=50,
    weight_decay=0.1,
    beta1=0.9,
    beta2=0.95,
    grad_clip=1.0,
    init_std=0.02,
)

# ---------------------------------------------------------------------------
# Data: the R data file of r-cran-janeaustenr


SPLIT_MODULUS = 36
TEST_RESIDUE = 17
CALIBRATION_RESIDUE = 35

HEADING = re.compile(r"^(CHAPTER|Chapter|VOLUME) [0-9IVXLC]+\.?$")
END_MARK = re.compile(r"^(THE END|FINIS)$", re.IGNORECASE)
EDITOR_NOTE = "A NOTE ON THE TEXT"


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    with open(path, "rb") as f:
        return sha256_bytes(f.read())


def read_rdata_novels(path):
    """The character vectors stored in an R lazy-load database (.rdb).

    The database is a sequence of objects, each a 4-byte big-endian length
    followed by a zlib stream holding an R serialization (format "X\\n",
    XDR, version 3). janeaustenr stores each novel as a character vector
    (STRSXP) with one element per line of the Project Gutenberg text.
    """
    data = open(path, "rb").read()
    novels = []
    offset = 0
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset:offset + 4])
        stream = zlib.decompressobj()
        raw = stream.decompress(data[offset + 4:])
        offset = len(data) - len(stream.unused_data)
        if len(raw) != size or raw[:2] != b"X\n":
            raise ValueError(f"{path}: unexpected object at offset {offset}")
        version, _, _ = struct.unpack(">iii", raw[2:14])
        if version != 3:
            raise ValueError(f"{path}: R serialization version {version}")
        (enc_len,) = struct.unpack(">i", raw[14:18])
        pos = 18 + enc_len
        flags, count = struct.unpack(">ii", raw[pos:pos + 8])
        pos += 8
        if flags & 0xFF != 16 or flags & (1 << 9):  # STRSXP, no attributes
            raise ValueError(f"{path}: object is not a plain character vector")
        lines = []
        for _ in range(count):
            cflags, length = struct.unpack(">ii", raw[pos:pos + 8])
            pos += 8
            if cflags & 0xFF != 9:
                raise ValueError(f"{path}: string element of type {cflags & 0xFF}")
            if length < 0:  # NA_character_
                lines.append("")
                continue
            lines.append(raw[pos:pos + length].decode("utf-8"))
            pos += length
        if pos != len(raw):
            raise ValueError(f"{path}: trailing bytes after a character vector")
        novels.append(lines)
    return novels


def novel_documents(lines):
    """One novel as documents (lists of paragraphs), one per chapter.

    Paragraphs are separated by blank lines; inside a paragraph, lines are
    joined and every run of whitespace becomes one space. The underscores
    that mark italics in the Gutenberg text are removed. Text after an end
    mark ("THE END", "FINIS") and from "A NOTE ON THE TEXT" on (Northanger
    Abbey's) is a modern editor's note and is dropped. A heading
    (CHAPTER n, VOLUME n) starts a new document unless the current one holds
    only headings; the title page is the first document.
    """
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line)
        elif current:
            text = " ".join(" ".join(current).replace("_", "").split())
            current = []
            if text:
                paragraphs.append(text)
    for i, p in enumerate(paragraphs):
        if END_MARK.match(p) or p == EDITOR_NOTE:
            paragraphs = paragraphs[:i + (p != EDITOR_NOTE)]
            break
    documents, doc = [], []
    for p in paragraphs:
        if HEADING.match(p) and doc and not all(HEADING.match(x) for x in doc):
            documents.append(doc)
            doc = []
        doc.append(p)
    if doc:
        documents.append(doc)
    return documents


def build_splits(rdata_path):
    """(train, calibration, test) texts and the document statistics.

    Documents (chapters) of all novels are numbered in order; number k goes
    to the held-out test split when k % 36 == 17, to calibration when
    k % 36 == 35, to training otherwise. Each paragraph is one line.
    """
    novels = read_rdata_novels(rdata_path)
    splits = {"train": [], "calibration": [], "test": []}
    k = 0
    titles = []
    for lines in novels:
        titles.append(next(l for l in lines if l.strip()).strip())
        for doc in novel_documents(lines):
            r = k % SPLIT_MODULUS
            name = ("test" if r == TEST_RESIDUE else
                    "calibration" if r == CALIBRATION_RESIDUE else "train")
            splits[name].append("\n".join(doc) + "\n")
            k += 1
    texts = {name: "".join(docs) for name, docs in splits.items()}
    stats = {
        "novels": titles,
        "documents": k,
        "documents_per_split": {n: len(d) for n, d in splits.items()},
        "bytes_per_split": {n: len(t.encode("utf-8")) for n, t in texts.items()},
    }
    return texts, stats


def encode(text):
    """Token ids of `text`: BYTE0 + each UTF-8 byte (no BOS)."""
    return torch.tensor(list(text.encode("utf-8")), dtype=torch.long) + BYTE0


# ---------------------------------------------------------------------------
# Model


def matrix_shapes(cfg):
    """GGUF tensor names and their [rows, cols] shapes, in file order."""
    d, f, v = cfg["dim"], cfg["ffn"], cfg["vocab"]
    kv = cfg["kv_heads"] * (d // cfg["heads"])
    shapes = [("token_embd.weight", (v, d))]
    for layer in range(cfg["layers"]):
        b = f"blk.{layer}."
        shapes += [
            (b + "attn_norm.weight", (d,)),
            (b + "attn_q.weight", (d, d)),
            (b + "attn_k.weight", (kv, d)),
            (b + "attn_v.weight", (kv, d)),
            (b + "attn_output.weight", (d, d)),
            (b + "ffn_norm.weight", (d,)),
            (b + "ffn_gate.weight", (f, d)),
            (b + "ffn_up.weight", (f, d)),
            (b + "ffn_down.weight", (d, f)),
        ]
    shapes += [("output_norm.weight", (d,)), ("output.weight", (v, d))]
    return shapes


class TinyLlama(torch.nn.Module):
    """The project's llama forward pass; parameters keyed by GGUF name."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.head_dim = cfg["dim"] // cfg["heads"]
        self.group = cfg["heads"] // cfg["kv_heads"]
        self.names = [name for name, _ in matrix_shapes(cfg)]
        self.params = torch.nn.ParameterDict()
        for name, shape in matrix_shapes(cfg):
            self.params[name.replace(".", "__")] = torch.nn.Parameter(
                torch.empty(shape))
        T, rd = cfg["context"], cfg["rope_dim"]
        # Angles p * base^(-2i/ropeDim) in float64, as the compiled code does.
        i = torch.arange(rd // 2, dtype=torch.float64)
        inv = torch.pow(torch.tensor(cfg["rope_base"], dtype=torch.float64),
                        -2.0 * i / rd)
        angles = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
        rotation = torch.complex(torch.cos(angles).float(),
                                 torch.sin(angles).float())
        self.register_buffer("rotation", rotation, persistent=False)
        # Causal mask: query position t sees key positions <= t.
        mask = torch.full((T, T), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def p(self, name):
        return self.params[name.replace(".", "__")]

    def init_weights(self, std):
        for name in self.names:
            w = self.p(name)
            with torch.no_grad():
                if w.dim() == 1:
                    w.fill_(1.0)
                elif name.endswith(("attn_output.weight", "ffn_down.weight")):
                    w.normal_(0.0, std / math.sqrt(2 * self.cfg["layers"]))
                else:
                    w.normal_(0.0, std)

    def rms_norm(self, x, w):
        eps = self.cfg["rms_eps"]
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(self, x):
        """Rotates pairs (2i, 2i+1), 2i < ropeDim, of x: [B, T, heads, hd].

        (u, w) -> (u cos - w sin, u sin + w cos) is the complex product
        (u + iw)(cos + i sin).
        """
        T, rd = x.shape[1], self.cfg["rope_dim"]
        pairs = torch.view_as_complex(
            x[..., :rd].reshape(*x.shape[:-1], rd // 2, 2).contiguous())
        rotated = torch.view_as_real(pairs * self.rotation[:T, None, :])
        rotated = rotated.reshape(*x.shape[:-1], rd)
        if rd == x.shape[-1]:
            return rotated
        return torch.cat((rotated, x[..., rd:]), dim=-1)

    def forward(self, tokens):
        cfg = self.cfg
        B, T = tokens.shape
        H, KV, hd = cfg["heads"], cfg["kv_heads"], self.head_dim
        x = F.embedding(tokens, self.p("token_embd.weight"))
        scale = 1.0 / math.sqrt(hd)
        for layer in range(cfg["layers"]):
            b = f"blk.{layer}."
            a = self.rms_norm(x, self.p(b + "attn_norm.weight"))
            q = F.linear(a, self.p(b + "attn_q.weight")).view(B, T, H, hd)
            k = F.linear(a, self.p(b + "attn_k.weight")).view(B, T, KV, hd)
            v = F.linear(a, self.p(b + "attn_v.weight")).view(B, T, KV, hd)
            q, k = self.rope(q), self.rope(k)
            # Query head h = kv * group + g reads KV head kv = h // group:
            # the group's queries are stacked as rows [g, t] of one matrix
            # per KV head, so K and V are never copied per query head.
            G = self.group
            q = q.view(B, T, KV, G, hd).permute(0, 2, 3, 1, 4)  # [B,KV,G,T,hd]
            q = q.reshape(B, KV, G * T, hd)
            k = k.permute(0, 2, 3, 1)  # [B, KV, hd, T]
            v = v.permute(0, 2, 1, 3)  # [B, KV, T, hd]
            scores = torch.matmul(q, k) * scale  # [B, KV, G*T, T]
            scores = (scores.view(B, KV, G, T, T) + self.mask[:T, :T])
            probs = torch.softmax(scores, dim=-1).view(B, KV, G * T, T)
            o = torch.matmul(probs, v).view(B, KV, G, T, hd)
            o = o.permute(0, 3, 1, 2, 4).reshape(B, T, H * hd)
            x = x + F.linear(o, self.p(b + "attn_output.weight"))
            h = self.rms_norm(x, self.p(b + "ffn_norm.weight"))
            g = F.linear(h, self.p(b + "ffn_gate.weight"))
            u = F.linear(h, self.p(b + "ffn_up.weight"))
            x = x + F.linear(F.silu(g) * u, self.p(b + "ffn_down.weight"))
        x = self.rms_norm(x, self.p("output_norm.weight"))
        return F.linear(x, self.p("output.weight"))


def parameter_count(cfg):
    return sum(math.prod(shape) for _, shape in matrix_shapes(cfg))


# ---------------------------------------------------------------------------
# Training


def batch_of(data, offsets, context):
    """Inputs [BOS, t0..t(T-2)] and targets [t0..t(T-1)] at each offset."""
    idx = offsets[:, None] + torch.arange(context)[None, :]
    targets = data[idx]
    bos = torch.full((len(offsets), 1), BOS, dtype=torch.long)
    inputs = torch.cat((bos, targets[:, :-1]), dim=1)
    return inputs, targets


def learning_rate(step, s):
    """Linear warm-up, then cosine decay from lr to lr * min_lr_ratio."""
    if step < s["warmup"]:
        return s["lr"] * (step + 1) / s["warmup"]
    progress = (step - s["warmup"]) / max(1, s["steps"] - s["warmup"])
    floor = s["lr"] * s["min_lr_ratio"]
    return floor + 0.5 * (s["lr"] - floor) * (1 + math.cos(math.pi * progress))


def make_optimizer(model, s):
    decay = [p for n, p in model.params.items() if p.dim() == 2]
    no_decay = [p for n, p in model.params.items() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": s["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=1e-8)


def train(model, data, s, log, max_steps=None):
    """Trains in place; returns (losses per step, seconds, tokens)."""
    cfg = model.cfg
    T = cfg["context"]
    gen = torch.Generator().manual_seed(s["seed"] + 1)
    opt = make_optimizer(model, s)
    steps = s["steps"] if max_steps is None else max_steps
    losses = []
    start = time.time()
    model.train()
    for step in range(steps):
        lr = learning_rate(step, s)
        for group in opt.param_groups:
            group["lr"] = lr
        offsets = torch.randint(0, len(data) - T + 1, (s["batch"],),
                                generator=gen)
        inputs, targets = batch_of(data, offsets, T)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, cfg["vocab"]),
                               targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 50 == 0 or step + 1 == steps:
            elapsed = time.time() - start
            recent = sum(losses[-50:]) / len(losses[-50:])
            log(f"step {step + 1}/{steps}  loss {recent:.4f}  lr {lr:.2e}  "
                f"{elapsed:.0f} s  {(step + 1) * s['batch'] * T / elapsed:.0f} tok/s")
    return losses, time.time() - start, steps * s["batch"] * T


# ---------------------------------------------------------------------------
# Evaluation, computed as the executable's --perplexity computes it


@torch.no_grad()
def window_nll(model, tokens, batch=16):
    """Negative log-likelihoods of the executable's perplexity windows.

    The text's tokens are cut into windows of context - 1 tokens, each fed
    after a BOS (a trailing partial window is dropped). Returns
    (nll of every prediction [windows, context - 1], first scored position):
    the executable scores predictions from position context // 2 on.
    """
    T = model.cfg["context"]
    stride = T - 1
    windows = len(tokens) // stride
    model.eval()
    rows = []
    for w0 in range(0, windows, batch):
        n = min(batch, windows - w0)
        chunks = tokens[w0 * stride:(w0 + n) * stride].view(n, stride)
        inputs = torch.cat((torch.full((n, 1), BOS, dtype=torch.long), chunks), 1)
        logits = model(inputs).double()  # [n, T, vocab]
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        nll = -logp.gather(-1, chunks[:, :, None])[..., 0]  # predicts chunk
        rows.append(nll)
    return torch.cat(rows), T // 2


def evaluate(model, tokens):
    nll, first = window_nll(model, tokens)
    # nll[:, i] predicts token i + 1 of the window (position i is its input).
    half = nll[:, first:]
    return {
        "windows": int(nll.shape[0]),
        "tokens_all": int(nll.numel()),
        "loss_all": float(nll.mean()),
        "perplexity_all": float(torch.exp(nll.mean())),
        "tokens_second_half": int(half.numel()),
        "loss_second_half": float(half.mean()),
        "perplexity_second_half": float(torch.exp(half.mean())),
    }


# ---------------------------------------------------------------------------
# GGUF v3 writer and reader (F32 tensors only)

GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL, GGUF_STR, GGUF_ARR = 4, 5, 6, 7, 8, 9
ALIGNMENT = 32


def tokenizer_vocab():
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    return tokens, [0.0] * len(tokens), types


def gguf_metadata(cfg, name):
    tokens, scores, types = tokenizer_vocab()
    return [
        ("general.architecture", GGUF_STR, "llama"),
        ("general.name", GGUF_STR, name),
        ("general.alignment", GGUF_U32, ALIGNMENT),
        ("general.file_type", GGUF_U32, 0),  # all F32
        ("llama.context_length", GGUF_U32, cfg["context"]),
        ("llama.embedding_length", GGUF_U32, cfg["dim"]),
        ("llama.block_count", GGUF_U32, cfg["layers"]),
        ("llama.feed_forward_length", GGUF_U32, cfg["ffn"]),
        ("llama.rope.dimension_count", GGUF_U32, cfg["rope_dim"]),
        ("llama.attention.head_count", GGUF_U32, cfg["heads"]),
        ("llama.attention.head_count_kv", GGUF_U32, cfg["kv_heads"]),
        ("llama.attention.layer_norm_rms_epsilon", GGUF_F32, cfg["rms_eps"]),
        ("llama.rope.freq_base", GGUF_F32, cfg["rope_base"]),
        ("tokenizer.ggml.model", GGUF_STR, "llama"),
        ("tokenizer.ggml.tokens", GGUF_ARR, (GGUF_STR, tokens)),
        ("tokenizer.ggml.scores", GGUF_ARR, (GGUF_F32, scores)),
        ("tokenizer.ggml.token_type", GGUF_ARR, (GGUF_I32, types)),
        ("tokenizer.ggml.bos_token_id", GGUF_U32, BOS),
        ("tokenizer.ggml.eos_token_id", GGUF_U32, EOS),
        ("tokenizer.ggml.unknown_token_id", GGUF_U32, UNK),
        ("tokenizer.ggml.add_bos_token", GGUF_BOOL, True),
        ("tokenizer.ggml.add_space_prefix", GGUF_BOOL, False),
    ]


def pack_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def pack_value(vtype, value):
    if vtype == GGUF_U32:
        return struct.pack("<I", value)
    if vtype == GGUF_I32:
        return struct.pack("<i", value)
    if vtype == GGUF_F32:
        return struct.pack("<f", value)
    if vtype == GGUF_BOOL:
        return struct.pack("<B", 1 if value else 0)
    if vtype == GGUF_STR:
        return pack_string(value)
    if vtype == GGUF_ARR:
        etype, items = value
        return (struct.pack("<IQ", etype, len(items)) +
                b"".join(pack_value(etype, item) for item in items))
    raise ValueError(f"GGUF value type {vtype}")


def align(n):
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def write_gguf(path, model, name):
    cfg = model.cfg
    metadata = gguf_metadata(cfg, name)
    arrays = []
    for tname in model.names:
        a = model.p(tname).detach().to(torch.float32).contiguous().numpy()
        arrays.append((tname, np.ascontiguousarray(a, dtype="<f4")))
    out = bytearray()
    out += b"GGUF" + struct.pack("<IQQ", 3, len(arrays), len(metadata))
    for key, vtype, value in metadata:
        out += pack_string(key) + struct.pack("<I", vtype) + pack_value(vtype, value)
    offset = 0
    for tname, a in arrays:
        dims = list(reversed(a.shape))  # innermost first
        out += pack_string(tname) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", 0, offset)  # type F32, offset
        offset = align(offset + a.nbytes)
    out += b"\0" * (align(len(out)) - len(out))
    for tname, a in arrays:
        data = a.tobytes()
        out += data + b"\0" * (align(len(data)) - len(data))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)


def read_gguf(path):
    """(metadata dict, {name: float32 array}) of an F32 GGUF v3 file."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(vtype):
        scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f",
                  7: "B", 10: "Q", 11: "q", 12: "d"}
        if vtype == GGUF_STR:
            return string()
        if vtype == GGUF_ARR:
            etype, n = take("IQ")
            return [value(etype) for _ in range(n)]
        v = take(scalar[vtype])
        return bool(v) if vtype == GGUF_BOOL else v

    if data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    pos = 4
    version, n_tensors, n_kv = take("IQQ")
    if version != 3:
        raise ValueError(f"{path}: GGUF version {version}")
    metadata = {}
    for _ in range(n_kv):
        key = string()
        metadata[key] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        ttype, offset = take("IQ")
        if ttype != 0:
            raise ValueError(f"{path}: tensor {name} is not F32")
        infos.append((name, dims, offset))
    base = align(pos)
    tensors = {}
    for name, dims, offset in infos:
        shape = tuple(reversed(dims))
        count = math.prod(shape)
        tensors[name] = np.frombuffer(data, dtype="<f4", count=count,
                                      offset=base + offset).reshape(shape)
    return metadata, tensors


def config_from_metadata(md):
    return dict(
        dim=md["llama.embedding_length"],
        layers=md["llama.block_count"],
        heads=md["llama.attention.head_count"],
        kv_heads=md["llama.attention.head_count_kv"],
        ffn=md["llama.feed_forward_length"],
        vocab=len(md["tokenizer.ggml.tokens"]),
        context=md["llama.context_length"],
        rope_dim=md["llama.rope.dimension_count"],
        rope_base=float(md["llama.rope.freq_base"]),
        rms_eps=float(md["llama.attention.layer_norm_rms_epsilon"]),
    )


def load_gguf_model(path):
    md, tensors = read_gguf(path)
    model = TinyLlama(config_from_metadata(md))
    with torch.no_grad():
        for name in model.names:
            model.p(name).copy_(torch.from_numpy(tensors[name].copy()))
    return model


# ---------------------------------------------------------------------------
# Stages


def setup_torch(threads):
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def stage_data(args):
    texts, stats = build_splits(args.rdata)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    write_text(os.path.join(args.work, "train.txt"), texts["train"])
    write_text(os.path.join(args.out, "calibration.txt"), texts["calibration"])
    write_text(os.path.join(args.out, "held-out-test.txt"), texts["test"])
    print(json.dumps(stats, indent=2))
    return stats


def stage_train(args):
    s = dict(TRAIN_DEFAULTS)
    for key in ("steps", "batch", "lr", "seed"):
        if getattr(args, key) is not None:
            s[key] = getattr(args, key)
    train_text = open(os.path.join(args.work, "train.txt"), encoding="utf-8").read()
    data = encode(train_text)
    torch.manual_seed(s["seed"])
    model = TinyLlama(CONFIG)
    model.init_weights(s["init_std"])
    print(f"model: {parameter_count(CONFIG)} parameters; training text: "
          f"{len(data)} tokens; {s['steps']} steps x {s['batch']} x "
          f"{CONFIG['context']} tokens", flush=True)
    log = lambda line: print(line, flush=True)
    losses, seconds, tokens = train(model, data, s, log,
                                    max_steps=args.bench_steps)
    print(f"trained {len(losses)} steps, {tokens} tokens in {seconds:.1f} s "
          f"({tokens / max(seconds, 1e-9):.0f} tokens/s)", flush=True)
    if args.bench_steps is not None:
        return
    os.makedirs(args.work, exist_ok=True)
    torch.save({"settings": s, "losses": losses,
                "state": {n: model.p(n).detach().clone() for n in model.names}},
               os.path.join(args.work, "trained.pt"))
    with open(os.path.join(args.work, "train-seconds.txt"), "w") as f:
        f.write(f"{seconds:.1f}\n")


def stage_export(args):
    ckpt = torch.load(os.path.join(args.work, "trained.pt"))
    model = TinyLlama(CONFIG)
    with torch.no_grad():
        for name in model.names:
            model.p(name).copy_(ckpt["state"][name])
    path = os.path.join(args.out, "tiny-llama-f32.gguf")
    write_gguf(path, model, "tiny-llama-austen")
    # The file must read back to exactly the trained weights.
    back = load_gguf_model(path)
    for name in model.names:
        if not torch.equal(back.p(name), model.p(name)):
            raise SystemExit(f"{path}: tensor {name} does not read back")
    print(f"wrote {path}: {os.path.getsize(path)} bytes")


def stage_eval(args):
    path = os.path.join(args.out, "tiny-llama-f32.gguf")
    model = load_gguf_model(path)
    ckpt = torch.load(os.path.join(args.work, "trained.pt"))
    s, losses = ckpt["settings"], ckpt["losses"]
    texts = {
        "held_out_test": open(os.path.join(args.out, "held-out-test.txt"),
                              encoding="utf-8").read(),
        "calibration": open(os.path.join(args.out, "calibration.txt"),
                            encoding="utf-8").read(),
    }
    results = {name: evaluate(model, encode(text)) for name, text in texts.items()}
    # The same measure on a fixed sample of the training text: 128 windows
    # at evenly spaced offsets.
    train_tokens = encode(open(os.path.join(args.work, "train.txt"),
                               encoding="utf-8").read())
    T = CONFIG["context"]
    spacing = len(train_tokens) // 128
    sample = torch.cat([train_tokens[i * spacing:i * spacing + T - 1]
                        for i in range(128)])
    results["train_sample"] = evaluate(model, sample)
    metrics = {
        "model": dict(CONFIG, parameters=parameter_count(CONFIG)),
        "training": dict(s, tokens_per_step=s["batch"] * T,
                         tokens=s["steps"] * s["batch"] * T),
        "final_train_loss_last_100_steps": sum(losses[-100:]) / len(losses[-100:]),
        "evaluation": results,
        "sha256": {
            name: sha256_file(os.path.join(args.out, name))
            for name in ("tiny-llama-f32.gguf", "calibration.txt",
                         "held-out-test.txt")
        },
    }
    metrics["sha256"]["train.txt (regenerated, not committed)"] = sha256_file(
        os.path.join(args.work, "train.txt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(metrics, indent=2, sort_keys=True))


def stage_verify(args):
    """Compares the compiled executable with the PyTorch model."""
    path = os.path.join(args.out, "tiny-llama-f32.gguf")
    model = load_gguf_model(path)
    text = open(os.path.join(args.out, "held-out-test.txt"), encoding="utf-8").read()
    T = CONFIG["context"]
    tokens = [BOS] + (encode(text)[:T - 1]).tolist()
    logits_path = os.path.join(args.work, "verify-logits.npy")
    subprocess.run([args.exe, "--tokens", ",".join(map(str, tokens)), "-n", "0",
                    "--logits", logits_path], check=True,
                   stdout=subprocess.DEVNULL)
    got = np.load(logits_path)
    with torch.no_grad():
        want = model(torch.tensor([tokens]))[0].numpy()
    diff = float(np.abs(got - want).max())
    bound = float(np.abs(want).max())
    print(f"logits of {len(tokens)} positions: max |executable - PyTorch| = "
          f"{diff:.3g} (max |logit| {bound:.3g})")
    agree = float((got.argmax(-1) == want.argmax(-1)).mean())
    print(f"argmax agreement {agree:.4f}")
    run = subprocess.run([args.exe, "--perplexity",
                          os.path.join(args.out, "held-out-test.txt")],
                         check=True, capture_output=True, text=True)
    exe_ppl = float(re.search(r"perplexity: ([0-9.]+)", run.stdout).group(1))
    metrics = json.load(open(os.path.join(args.out, "metrics.json")))
    torch_ppl = metrics["evaluation"]["held_out_test"]["perplexity_second_half"]
    print(f"held-out perplexity (second half of each window): executable "
          f"{exe_ppl:.4f}, PyTorch {torch_ppl:.4f}")
    if diff > 1e-3 * (1 + bound) or abs(exe_ppl - torch_ppl) > 1e-3 * torch_ppl:
        raise SystemExit("the executable and PyTorch disagree")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=["data", "train", "export", "eval",
                                          "verify", "all"])
    parser.add_argument("--rdata", help="janeaustenr/data/Rdata.rdb")
    parser.add_argument("--out", default="models/tiny-llama")
    parser.add_argument("--work", default="build/tiny-llama")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--bench-steps", type=int,
                        help="train this many steps, report tokens/s, save nothing")
    parser.add_argument("--exe", help="compiled model for verify")
    args = parser.parse_args()
    setup_torch(args.threads)
    stages = (["data", "train", "export", "eval"] if args.stage == "all"
              else [args.stage])
    for stage in stages:
        start = time.time()
        globals()["stage_" + stage](args)
        print(f"== {stage}: {time.time() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
