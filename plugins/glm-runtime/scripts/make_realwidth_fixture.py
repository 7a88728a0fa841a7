"""Write the real-width fixtures: two-layer glm1 and glm2 at the 6B models' widths.

glm1: hidden 4096, 32 heads, ffn 16384.  glm2: hidden 4096, 32 heads in 2 kv groups, head 128,
ffn 13696.  Both with 2 layers and a 1,024-token vocabulary.  The weights (1.6 GB of float32)
are not stored: they come from the counter-hash generator of synthetic_weights.py, which the
TypeScript runtime reproduces bit for bit.  What is stored, per architecture, is small:

  <arch>.json          config, seed, prompt, generated ids, train batch, losses, gradient norms,
                       tolerances, generator check values
  <arch>.safetensors   forward logits [seq, vocab], greedy step logits [steps, vocab], slices of the
                       freeze (last layer) and P-Tuning v2 prefix gradients

The reference model is the PyTorch code of the project's reference folder (glm_reference.py), in
float32 on the CPU.  Usage (Debian's python3-torch):

    python3 plugins/glm-runtime/scripts/make_realwidth_fixture.py \
        --anchors ../shared/anchors --out plugins/glm-runtime/test/fixtures/realwidth
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synthetic_weights import synthetic_tensor  # noqa: E402

SEED = {"glm1": 2024, "glm2": 2025}
STEPS = 4
MIN_MARGIN = 0.01
PRE_SEQ_LEN = 2
SLICE = (2, 256)  # rows × columns kept of each 2-D gradient (first rows, first columns)
VEC = 512  # leading elements kept of each 1-D gradient


def real_width_config(ref, arch):
    if arch == "glm1":
        return ref.tiny_glm1_config(vocab_size=1024, hidden_size=4096, num_attention_heads=32, num_layers=2,
                                    inner_hidden_size=16384, max_sequence_length=2048)
    return ref.tiny_glm2_config(padded_vocab_size=1024, hidden_size=4096, num_attention_heads=32, kv_channels=128,
                                num_layers=2, ffn_hidden_size=13696, multi_query_group_num=2, seq_length=2048)


def fill_synthetic(model, seed):
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(synthetic_tensor(name, list(p.shape), seed)))


def batches(arch, cfg, rng):
    tok = lambda n: [int(x) for x in rng.integers(5, 500, n)]
    if arch == "glm1":
        g, bos, eos, pad = cfg["gmask_token_id"], cfg["bos_token_id"], cfg["eos_token_id"], cfg["pad_token_id"]
        rows = []
        for plen, alen in ((5, 4), (3, 2)):
            ctx = tok(plen) + [g]
            ans = tok(alen)
            rows.append((ctx + [bos] + ans + [eos], [-100] * len(ctx) + [bos] + ans + [eos]))
    else:
        g, sop, eos, pad = cfg["gmask_token_id"], cfg["sop_token_id"], cfg["eos_token_id"], cfg["pad_token_id"]
        rows = []
        for plen, alen in ((5, 4), (3, 2)):
            ctx = [g, sop] + tok(plen)
            ans = tok(alen)
            rows.append((ctx + ans + [eos], [-100] * len(ctx) + ans + [eos]))
    width = max(len(r[0]) for r in rows)
    ids = [r[0] + [pad] * (width - len(r[0])) for r in rows]
    labels = [r[1] + [-100] * (width - len(r[1])) for r in rows]
    return ids, labels


def prompt_candidate(arch, cfg, rng):
    tok = [int(x) for x in rng.integers(5, 500, 6)]
    if arch == "glm1":
        return tok + [cfg["gmask_token_id"], cfg["bos_token_id"]]
    return [cfg["gmask_token_id"], cfg["sop_token_id"]] + tok


def grad_record(name, g, tensors):
    a = g.detach().numpy()
    if a.ndim == 2:
        tensors[f"grad:{name}"] = np.ascontiguousarray(a[: SLICE[0], : SLICE[1]])
    else:
        tensors[f"grad:{name}"] = np.ascontiguousarray(a[:VEC])
    return float(np.linalg.norm(a.astype(np.float64)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--anchors", required=True, help="folder holding glm_reference.py")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--arch", choices=["glm1", "glm2", "both"], default="both")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.anchors))
    import glm_reference as ref

    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    for arch in (["glm1", "glm2"] if args.arch == "both" else [args.arch]):
        t0 = time.time()
        cfg = real_width_config(ref, arch)
        seed = SEED[arch]
        rng = np.random.default_rng(seed)
        model = ref.build_model(arch, cfg)
        fill_synthetic(model, seed)
        model.eval()
        train_ids, train_labels = batches(arch, cfg, rng)
        tensors = {}
        out = {"arch": arch, "config": {k: v for k, v in cfg.items()}, "seed": seed}

        # generator check values: a failing generator is reported before any model number
        check = {}
        for name, p in model.named_parameters():
            flat = p.detach().reshape(-1)
            check[name] = [float(flat[0]), float(flat[-1]), float(flat.double().sum())]
        out["generator_check"] = check

        # the first seeded prompt whose greedy choices are all clear (top-1 margin >= MIN_MARGIN):
        # another float32 summation order must pick the same tokens
        for _ in range(16):
            prompt = prompt_candidate(arch, cfg, rng)
            gen, step_logits = model.greedy(prompt, STEPS)
            top2 = torch.topk(step_logits, 2, dim=-1).values
            if float((top2[:, 0] - top2[:, 1]).min()) >= MIN_MARGIN:
                break
        with torch.no_grad():
            logits, _ = model(torch.tensor([prompt]))
        tensors["logits"] = logits[0].numpy()
        tensors["gen_logits"] = step_logits.numpy()
        out["forward"] = {"input_ids": prompt, "max_abs_logit": float(logits.abs().max())}
        out["generate"] = {"steps": STEPS, "tokens": gen, "min_top1_margin": float((top2[:, 0] - top2[:, 1]).min())}

        # freeze tuning of the last layer: every tensor of layer 1 trainable, the rest frozen
        last = "transformer.layers.1." if arch == "glm1" else "transformer.encoder.layers.1."
        for n, p in model.named_parameters():
            p.requires_grad_(n.startswith(last))
        ids_t = torch.tensor(train_ids)
        loss = ref.lm_loss(model(ids_t)[0], torch.tensor(train_labels))
        loss.backward()
        norms = {}
        for n, p in model.named_parameters():
            if p.grad is not None:
                norms[n] = grad_record(n, p.grad, tensors)
                p.grad = None
        out["train"] = {"input_ids": train_ids, "labels": train_labels,
                        "freeze_last1": {"loss": float(loss), "grad_norms": norms}}

        # P-Tuning v2 without projection: a prefix of PRE_SEQ_LEN keys/values per layer, base frozen
        for p in model.parameters():
            p.requires_grad_(False)
        n_kv = cfg["num_attention_heads"] if arch == "glm1" else cfg["multi_query_group_num"]
        hd = cfg["hidden_size"] // cfg["num_attention_heads"] if arch == "glm1" else cfg["kv_channels"]
        kv_size = 2 * cfg["num_layers"] * n_kv * hd
        emb_name = "transformer.prefix_encoder.embedding.weight"
        model.cfg["pre_seq_len"] = PRE_SEQ_LEN
        model.transformer.prefix_encoder = ref.PrefixEncoder(PRE_SEQ_LEN, kv_size, cfg["hidden_size"], False, kv_size)
        with torch.no_grad():
            model.transformer.prefix_encoder.embedding.weight.copy_(torch.from_numpy(synthetic_tensor(emb_name, [PRE_SEQ_LEN, kv_size], seed)))
        model.transformer.prefix_encoder.embedding.weight.requires_grad_(True)
        loss_p = ref.lm_loss(model(ids_t)[0], torch.tensor(train_labels))
        loss_p.backward()
        g = model.transformer.prefix_encoder.embedding.weight.grad
        out["train"]["prefix_noproj"] = {"pre_seq_len": PRE_SEQ_LEN, "loss": float(loss_p),
                                         "grad_norm": grad_record(emb_name, g, tensors)}

        # tolerances (float32, sums over up to 16,384 terms in another order): see the README
        out["tolerances"] = {
            "logits": "max|a-b| <= 1e-4 * max(1, max|ref|)",
            "greedy_ids": "exact",
            "loss": "relative 1e-5",
            "grad_norms": "relative 1e-4",
            "grad_slices": "max|a-b| <= 1e-3 * max|ref of the slice| + 1e-7",
        }
        out["slices"] = {"rows": SLICE[0], "columns": SLICE[1], "vector": VEC}
        ref.save_safetensors(os.path.join(args.out, f"{arch}.safetensors"), tensors, {"format": "pt"})
        with open(os.path.join(args.out, f"{arch}.json"), "w") as f:
            json.dump(out, f, indent=1)
        print(f"{arch}: loss {float(loss):.6f} prefix loss {float(loss_p):.6f} gen {gen} "
              f"margin {out['generate']['min_top1_margin']:.4f} ({time.time() - t0:.1f} s)")
        del model


if __name__ == "__main__":
    main()
