"""PyTorch side of the GPU device check: the same shapes and work as Zaoji's side, float32, on the
same GPU (CUDA when torch has it, else the CPU), on the shared reference model (glm_reference.py).

    python3 torch_gpu.py --reference DIR --json OUT [--layers 28 --hidden 4096 ...]

Work, as on Zaoji's side (gpu/zaojiSide.ts):
  * load: the glm2 model built on the device, weights drawn there (norm weights 1, biases 0, the
    rest uniform with standard deviation 0.02, as Zaoji's side), until the device is done;
  * prefill at batch 1 with the LM head on the last position only, then greedy decoding with the
    KV cache at batch 1;
  * one P-Tuning v2 step (prefix table only, no projection) and one freeze step (last N layers),
    batch B x T tokens, loss on the answer half with the head on the target positions only,
    torch.optim.AdamW; the median of --steps timed steps after one warm-up step.
Peak memory: torch.cuda.max_memory_allocated (CUDA only).
"""

import argparse
import contextlib
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


def load_reference(folder):
    sys.path.insert(0, os.path.abspath(folder))
    import glm_reference  # noqa: E402

    return glm_reference


def config(R, a, pre_seq_len):
    V = a.vocab
    return R.tiny_glm2_config(
        padded_vocab_size=V, hidden_size=a.hidden, num_attention_heads=a.heads, kv_channels=a.hidden // a.heads,
        num_layers=a.layers, ffn_hidden_size=a.ffn, multi_query_group_num=a.kv_groups,
        seq_length=max(2048, a.prompt_tokens + a.decode_tokens + 8, a.tokens + a.pre_seq_len),
        mask_token_id=V - 12, gmask_token_id=V - 11, smask_token_id=V - 10, sop_token_id=V - 9,
        eop_token_id=V - 8, system_token_id=V - 7, user_token_id=V - 6, assistant_token_id=V - 5,
        observation_token_id=V - 4, pre_seq_len=pre_seq_len, prefix_projection=False)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def build(R, a, dev):
    """The model with a prefix encoder (switched off by `without_prefix`), made on the device."""
    cfg = config(R, a, a.pre_seq_len)
    if dev.type == "cuda" and hasattr(torch, "set_default_device"):
        torch.set_default_device(dev)  # parameters and the reference's own aranges land on the GPU
        model = R.build_model("glm2", cfg)
    else:
        model = R.build_model("glm2", cfg).to(dev)
    a_ = 0.02 * math.sqrt(3)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layernorm" in name and name.endswith("weight"):
                p.fill_(1.0)
            elif name.endswith("bias"):
                p.zero_()
            else:
                p.uniform_(-a_, a_)
    # the head is applied by hand to the rows that need it (same work as Zaoji's side)
    head = model.transformer.output_layer
    model.transformer.output_layer = torch.nn.Identity()
    return cfg, model, head


@contextlib.contextmanager
def without_prefix(model):
    """The base model: the reference reads pre_seq_len from its config and the encoder's presence."""
    t = model.transformer
    enc, pre = t.prefix_encoder, model.cfg["pre_seq_len"]
    del t.prefix_encoder
    model.cfg["pre_seq_len"] = None
    try:
        yield model
    finally:
        t.prefix_encoder = enc
        model.cfg["pre_seq_len"] = pre


def ids(a, rows, length, seed, dev):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(5, a.vocab - 20, (rows, length), generator=g, device="cpu").to(dev)


def train_batch(a, cfg, dev):
    x = ids(a, a.batch, a.tokens, a.seed + 3, dev)
    half = a.tokens // 2
    x[:, half - 2] = cfg["gmask_token_id"]
    x[:, half - 1] = cfg["sop_token_id"]
    labels = x.clone()
    labels[:, : half - 1] = -100
    return x, labels


def target_loss(states, head, labels):
    targets = labels[:, 1:]
    keep = targets != -100
    rows = states[:, :-1][keep]
    return F.cross_entropy(head(rows).float(), targets[keep]), int(keep.sum())


@torch.no_grad()
def generation(model, head, a, cfg, dev):
    prompt = ids(a, 1, a.prompt_tokens, a.seed + 1, dev)
    if a.prompt_tokens >= 3:
        prompt[0, 0] = cfg["gmask_token_id"]
        prompt[0, 1] = cfg["sop_token_id"]

    def once(steps):
        sync(dev)
        t0 = time.perf_counter()
        states, past = model(prompt)
        tok = head(states[:, -1]).argmax(-1)
        int(tok[0])  # the token is read, as Zaoji's side reads it
        t1 = time.perf_counter()
        n = prompt.shape[1]
        for i in range(steps):
            p = torch.tensor([[n + i]], device=dev)
            states, past = model(tok[:, None], position_ids=p, past=past)
            tok = head(states[:, -1]).argmax(-1)
            int(tok[0])
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    once(2)
    prefill, decode = once(a.decode_tokens)
    return {"prefill": {"tokens": a.prompt_tokens, "s": prefill}, "decode": {"tokens": a.decode_tokens, "s": decode}}


def train_step_times(model, head, a, cfg, dev, mode):
    last = tuple(f"transformer.encoder.layers.{i}." for i in range(a.layers - a.freeze_layers, a.layers))
    for n, p in model.named_parameters():
        p.requires_grad_(".prefix_encoder." in n if mode == "prefix" else n.startswith(last))
    head.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    x, labels = train_batch(a, cfg, dev)
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss, rows = target_loss(model(x)[0], head, labels)
        loss.backward()
        opt.step()
        return float(loss), rows

    times, loss, rows = [], float("nan"), 0
    for i in range(a.steps + 1):
        sync(dev)
        t0 = time.perf_counter()
        loss, rows = step()
        sync(dev)
        if i > 0:
            times.append(time.perf_counter() - t0)
    times.sort()
    del opt
    for p in model.parameters():
        p.grad = None
        p.requires_grad_(False)
    return {"mode": mode, "s_per_step": times[len(times) // 2], "tokens_per_step": a.batch * a.tokens,
            "head_rows": rows, "loss": loss, "trainable_params": sum(p.numel() for p in params)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True, help="folder of glm_reference.py")
    ap.add_argument("--json", required=True)
    ap.add_argument("--device", default="auto", help="cuda, cpu or auto (cuda when available)")
    for name, default in [("layers", 28), ("hidden", 4096), ("heads", 32), ("kv-groups", 2), ("ffn", 13696),
                          ("vocab", 65024), ("batch", 8), ("tokens", 256), ("pre-seq-len", 128),
                          ("freeze-layers", 5), ("prompt-tokens", 256), ("decode-tokens", 32), ("steps", 3), ("seed", 0)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    a = ap.parse_args()
    dev = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device))
    R = load_reference(a.reference)
    torch.manual_seed(a.seed)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    sync(dev)
    t0 = time.perf_counter()
    cfg, model, head = build(R, a, dev)
    sync(dev)
    load = time.perf_counter() - t0
    model.eval()
    with without_prefix(model):
        gen = generation(model, head, a, cfg, dev)
        freeze = train_step_times(model, head, a, cfg, dev, "freeze")
    prefix = train_step_times(model, head, a, cfg, dev, "prefix")
    out = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "device_type": dev.type,
        "threads": torch.get_num_threads(),
        "load_s": load,
        "peak_bytes": torch.cuda.max_memory_allocated(dev) if dev.type == "cuda" else None,
        **gen,
        "train": [prefix, freeze],
    }
    with open(a.json, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
