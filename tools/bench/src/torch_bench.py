"""PyTorch side of `npm run bench`: the same work Zaoji does, timed on the PyTorch reference model.

    python3 torch_bench.py --reference DIR --json OUT --threads 1,2 runtime [--gen-tokens 64] [--reps 1]
    python3 torch_bench.py --reference DIR --json OUT --threads 2 train --mode full [--min-seconds 10]
    python3 torch_bench.py --reference DIR --json OUT --threads 2 --lora-rank 8 --lora-alpha 16 \
        --lora-targets query_key_value,dense,dense_h_to_4h,dense_4h_to_h train --mode lora

DIR is the folder of `glm_reference.py` (the independent PyTorch GLM the golden fixtures come from).

"The same work" means the LM head runs on the rows Zaoji runs it on:
  * training: only the positions that have a target (the answer half), as Zaoji's training program;
  * prompt processing: only the last position of each row (what generation needs), as Zaoji's
    `logits: "last"`;
  * decoding: the one new position (as before).
LoRA adds (alpha / r) * B (A x) to the output of every target linear of every layer through a forward
hook (as plugins/lora/scripts/generate_fixtures.py extends the reference), with the base frozen and
only A and B trained: the same rank, targets and trainable parameters as Zaoji's `lora.train`.

The reference model's forward always applies its head to every position, so here the head is
detached (`lm_head` replaced by the identity, which makes the forward return the final-norm states)
and applied to the selected rows. Before timing, `check_same_numbers` asserts that this gives the
reference's own loss and last-position logits, so the cut changes the work and not the result.

Timing: training reports the median step (forward, backward, AdamW) after 2 warm-up steps; the
runtime measures report the best of --reps repetitions. FLOPs are not computed here: the caller
counts them from the work, with one formula for both sides.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F


def load_reference(folder):
    sys.path.insert(0, os.path.abspath(folder))
    import glm_reference  # noqa: E402

    return glm_reference


def make_cfg(R, a, pre_seq_len=None):
    V = a.vocab
    return R.tiny_glm1_config(vocab_size=V, hidden_size=a.hidden, num_attention_heads=a.heads,
                              num_layers=a.layers, inner_hidden_size=a.ffn,
                              max_sequence_length=max(2048, 2 * a.seq),
                              mask_token_id=V - 12, gmask_token_id=V - 11, bos_token_id=V - 8,
                              eos_token_id=V - 7, pad_token_id=3,
                              pre_seq_len=pre_seq_len, prefix_projection=False)


def build(R, a, pre_seq_len=None):
    """The reference model with its head detached: forward returns the final-norm states."""
    cfg = make_cfg(R, a, pre_seq_len)
    model = R.build_model("glm1", cfg)
    R.init_random(model, 0, 0.02)
    head = model.lm_head
    model.lm_head = torch.nn.Identity()
    return cfg, model, head


def train_batch(a, cfg, g):
    """Prompt half, [gMASK, <bos>], answer half; labels only on the answer (as Zaoji's bench batches)."""
    ids = torch.randint(5, a.vocab - 20, (a.batch, a.seq), generator=g)
    half = a.seq // 2
    ids[:, half - 2] = cfg["gmask_token_id"]
    ids[:, half - 1] = cfg["bos_token_id"]
    labels = ids.clone()
    labels[:, : half - 1] = -100
    return ids, labels


def target_loss(states, head, labels):
    """Mean cross-entropy with the head applied only to positions that have a target."""
    targets = labels[:, 1:]
    keep = targets != -100
    rows = states[:, :-1][keep]
    return F.cross_entropy(head(rows).float(), targets[keep]), int(keep.sum())


def prompts(cfg, a, g, batch, length):
    ids = torch.randint(5, a.vocab - 20, (batch, length), generator=g)
    return torch.cat([ids, torch.full((batch, 1), cfg["gmask_token_id"]), torch.full((batch, 1), cfg["bos_token_id"])], 1)


def check_same_numbers(R, a):
    """The head on selected rows gives the reference's own loss and last-position logits."""
    cfg, model, head = build(R, a)
    full = R.build_model("glm1", cfg)
    full.load_state_dict({**{k: v for k, v in model.state_dict().items()}, "lm_head.weight": head.weight})
    g = torch.Generator().manual_seed(7)
    ids, labels = train_batch(a, cfg, g)
    with torch.no_grad():
        want = float(R.lm_loss(full(ids)[0], labels))
        got = float(target_loss(model(ids)[0], head, labels)[0])
        p = prompts(cfg, a, g, 2, 10)
        want_last = full(p)[0][:, -1]
        got_last = head(model(p)[0][:, -1])
    if not (abs(want - got) <= 1e-5 * max(1.0, abs(want))):
        raise SystemExit(f"head on target rows changed the loss: {got} vs the reference's {want}")
    if not torch.allclose(want_last, got_last, atol=1e-5, rtol=1e-5):
        raise SystemExit("head on the last position changed the logits")


def attach_lora(model, a):
    """A and B for every target linear, and hooks adding (alpha / r) * B (A x) to its output."""
    targets = set(a.lora_targets.split(","))
    scale = a.lora_alpha / a.lora_rank
    g = torch.Generator().manual_seed(1)
    params = []
    for name, mod in model.named_modules():
        if not isinstance(mod, torch.nn.Linear) or name.split(".")[-1] not in targets:
            continue
        out_f, in_f = mod.weight.shape
        A = torch.nn.Parameter(torch.randn((a.lora_rank, in_f), generator=g) * 0.02)
        B = torch.nn.Parameter(torch.randn((out_f, a.lora_rank), generator=g) * 0.02)

        def hook(_m, inputs, output, A=A, B=B):
            return output + scale * ((inputs[0] @ A.t()) @ B.t())

        mod.register_forward_hook(hook)
        params += [A, B]
    return params


def train(R, a, threads):
    torch.set_num_threads(threads)
    cfg, model, head = build(R, a, a.pre_seq_len if a.mode == "prefix" else None)
    model.train()
    last = tuple(f"transformer.layers.{i}." for i in range(a.layers - a.freeze_layers, a.layers))
    named = list(model.named_parameters()) + [("lm_head.weight", head.weight)]
    for n, p in named:
        if a.mode == "full":
            p.requires_grad_(".prefix_encoder." not in n)
        elif a.mode == "freeze":
            p.requires_grad_(n.startswith(last))
        else:
            p.requires_grad_(a.mode == "prefix" and ".prefix_encoder." in n)
    params = attach_lora(model, a) if a.mode == "lora" else [p for _, p in named if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    g = torch.Generator().manual_seed(0)
    data = [train_batch(a, cfg, g) for _ in range(4)]

    def step(i):
        ids, labels = data[i % len(data)]
        opt.zero_grad(set_to_none=True)
        loss, rows = target_loss(model(ids)[0], head, labels)
        loss.backward()
        opt.step()
        return rows

    for i in range(2):
        step(i)
    t0 = time.perf_counter()
    n, times, rows = 0, [], 0
    while n < a.steps or (time.perf_counter() - t0) < a.min_seconds:
        ts = time.perf_counter()
        rows = step(n)
        times.append(time.perf_counter() - ts)
        n += 1
    times.sort()
    return {"mode": a.mode, "threads": threads, "steps": n, "s_per_step": times[len(times) // 2],
            "tokens_per_step": a.batch * a.seq, "head_rows_per_step": rows,
            "trainable_params": sum(p.numel() for p in params)}


@torch.no_grad()
def runtime(R, a, threads):
    """Prompt processing (head on the last position) and greedy decoding with the KV cache."""
    torch.set_num_threads(threads)
    cfg, model, head = build(R, a)
    model.eval()
    g = torch.Generator().manual_seed(1)
    one = prompts(cfg, a, g, 1, a.gen_prompt)
    eight = prompts(cfg, a, g, 8, a.gen_prompt)
    full = prompts(cfg, a, g, 8, a.seq - 2)

    def prefill(ids):
        t = time.perf_counter()
        states, past = model(ids)
        tok = head(states[:, -1]).argmax(-1)
        return time.perf_counter() - t, tok, past

    def decode(ids, steps):
        _, tok, past = prefill(ids)
        pos = model.position_ids(ids)
        mp, blk = pos[:, 0, -1], int(pos[0, 1, -1])
        b = ids.shape[0]
        t = time.perf_counter()
        for i in range(steps):
            p = torch.stack([mp, torch.full((b,), blk + i + 1)], 1)[:, :, None]
            states, past = model(tok[:, None], position_ids=p, past=past)
            tok = head(states[:, -1]).argmax(-1)
        return time.perf_counter() - t

    prefill(one), decode(one, 2), decode(eight, 2), prefill(full)  # warm-up
    best = {"prefill1": 1e9, "prefill8": 1e9, "decode1": 1e9, "decode8": 1e9}
    for _ in range(a.reps):
        best["prefill1"] = min(best["prefill1"], prefill(one)[0])
        best["prefill8"] = min(best["prefill8"], prefill(full)[0])
        best["decode1"] = min(best["decode1"], decode(one, a.gen_tokens))
        best["decode8"] = min(best["decode8"], decode(eight, a.gen_tokens))
    return {"threads": threads, "prompt_tokens": one.shape[1], "prefill8_shape": list(full.shape),
            "gen_tokens": a.gen_tokens, "seconds": best}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True, help="folder of glm_reference.py")
    ap.add_argument("--json", required=True)
    ap.add_argument("--threads", default="2", help="comma-separated thread counts, measured in turn")
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--freeze-layers", type=int, default=2)
    ap.add_argument("--pre-seq-len", type=int, default=16)
    ap.add_argument("--lora-rank", type=int, default=8)
    ap.add_argument("--lora-alpha", type=float, default=16)
    ap.add_argument("--lora-targets", default="query_key_value,dense,dense_h_to_4h,dense_4h_to_h")
    sub = ap.add_subparsers(dest="task", required=True)
    t = sub.add_parser("train")
    t.add_argument("--mode", required=True, choices=["full", "freeze", "prefix", "lora"])
    t.add_argument("--min-seconds", type=float, default=10.0)
    t.add_argument("--steps", type=int, default=5)
    r = sub.add_parser("runtime")
    r.add_argument("--gen-prompt", type=int, default=30)
    r.add_argument("--gen-tokens", type=int, default=64)
    r.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    R = load_reference(a.reference)
    torch.manual_seed(0)
    check_same_numbers(R, a)
    results = [train(R, a, n) if a.task == "train" else runtime(R, a, n) for n in (int(x) for x in a.threads.split(","))]
    with open(a.json, "w") as f:
        json.dump({"torch": torch.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
