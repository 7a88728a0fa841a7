#!/usr/bin/env python3
"""Golden LoRA fixtures for plugins/lora/test (glm1 and glm2, micro shapes).

The models come from the project's PyTorch reference (`anchors/glm_reference.py` of the shared
reference folder beside the repository, or of $ZAOJI_SHARED_DIR), imported at generation time.
This script adds only the LoRA formula on top of the reference's linears, as PEFT computes it
with dropout 0:

    y = W x + b + (lora_alpha / r) * B (A x)        A: [r, in], B: [out, r]

and writes, per architecture, into test/fixtures/<arch>/:

  config.json              micro config (official field names)
  model_f16.safetensors    base weights, N(0, 0.1) rounded to float16 (exact in float32)
  lora_init.safetensors    A and B before training, PEFT tensor names, float16-rounded
  cases.json               LoRA settings, the batch, loss, AdamW settings and results
  grads.safetensors        d(mean loss)/dA and d(mean loss)/dB at the start (PEFT names)
  adamw3.safetensors       A and B after exactly 3 torch.optim.AdamW steps
  merged.safetensors       every target weight merged: W + (alpha/r) * B A (official names)
  logits.bin               float32 logits [batch, seq, vocab] of the base + initial adapter

B starts non-zero here (PEFT initialises it to zero) so that the gradient of A is not zero at the
first step and every tensor is checked. Elements whose float32 result after 3 steps differs from
a float64 run by more than 1e-6 are listed as noise-driven (Adam normalises gradients near zero).

Needs Debian's python3-torch (`apt-get install python3-torch`). Run from anywhere:
    python3 plugins/lora/scripts/generate_fixtures.py
"""

import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "test", "fixtures")


def load_reference():
    shared = os.environ.get("ZAOJI_SHARED_DIR", os.path.join(REPO, "..", "shared"))
    path = os.path.join(shared, "anchors", "glm_reference.py")
    if not os.path.exists(path):
        sys.exit(f"reference code not found: expected anchors/glm_reference.py in {shared} (or set ZAOJI_SHARED_DIR)")
    spec = importlib.util.spec_from_file_location("glm_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ref = load_reference()

# micro configs: the reference's tiny configs, smaller, special ids moved into the vocabulary
CONFIGS = {
    "glm1": ref.tiny_glm1_config(vocab_size=64, hidden_size=32, num_attention_heads=4, num_layers=2,
                                 inner_hidden_size=64, max_sequence_length=64, mask_token_id=60,
                                 gmask_token_id=61, bos_token_id=62, eos_token_id=63, pad_token_id=3),
    "glm2": ref.tiny_glm2_config(padded_vocab_size=64, hidden_size=32, num_attention_heads=4, kv_channels=8,
                                 num_layers=2, ffn_hidden_size=48, seq_length=64, eos_token_id=2, pad_token_id=0,
                                 mask_token_id=56, gmask_token_id=57, smask_token_id=58, sop_token_id=59,
                                 eop_token_id=60, system_token_id=61, user_token_id=62, assistant_token_id=63,
                                 observation_token_id=55),
}

# per architecture: which modules and layers carry LoRA (glm1: all four modules of every layer;
# glm2: two modules of the last layer only, exercising the layer and module selection)
LORA = {
    "glm1": dict(r=4, lora_alpha=8, target_modules=["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"], layers_to_transform=None),
    "glm2": dict(r=2, lora_alpha=6, target_modules=["query_key_value", "dense_4h_to_h"], layers_to_transform=[1]),
}

BATCH = {
    # glm1 prompt layout: context [gMASK] <bos> answer <eos>
    "glm1": [[21, 22, 23, 24, 25, 61, 62, 31, 32, 33, 34, 63], [41, 42, 43, 61, 62, 51, 52, 53, 54, 55, 56, 63]],
    # glm2: [gMASK] sop context answer eos
    "glm2": [[57, 59, 21, 22, 23, 24, 25, 31, 32, 33, 34, 2], [57, 59, 41, 42, 43, 51, 52, 53, 54, 55, 56, 2]],
}
ANSWER_START = {"glm1": [7, 5], "glm2": [7, 5]}

ADAMW = dict(steps=3, lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.01)
SEED = 4321
STD = 0.1


def labels_for(arch):
    out = []
    for ids, start in zip(BATCH[arch], ANSWER_START[arch]):
        out.append([-100] * start + ids[start:])
    return out


def f16(t):
    return t.half().float()


def target_modules(model, arch, lora):
    """(official module path, nn.Linear) of every LoRA target, in name order."""
    layers = lora["layers_to_transform"]
    out = []
    for name, mod in model.named_modules():
        if not isinstance(mod, torch.nn.Linear):
            continue
        parts = name.split(".")
        if parts[-1] not in lora["target_modules"]:
            continue
        idx = int(parts[parts.index("layers") + 1])
        if layers is not None and idx not in layers:
            continue
        out.append((name, mod))
    return out


def peft_name(module, which):
    return f"base_model.model.{module}.lora_{which}.weight"


def build(arch, dtype):
    cfg = CONFIGS[arch]
    model = ref.build_model(arch, cfg)
    ref.init_random(model, SEED, std=STD)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(f16(p))
    model = model.to(dtype)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def initial_adapter(arch, model):
    lora = LORA[arch]
    g = torch.Generator().manual_seed(SEED + 1)
    tensors = {}
    for name, mod in target_modules(model, arch, lora):
        out_f, in_f = mod.weight.shape
        bound = 1.0 / np.sqrt(in_f)  # PEFT's kaiming_uniform(a=sqrt(5)) bound for A
        a = (torch.rand((lora["r"], in_f), generator=g) * 2 - 1) * bound
        b = torch.randn((out_f, lora["r"]), generator=g) * 0.1
        tensors[peft_name(name, "A")] = f16(a)
        tensors[peft_name(name, "B")] = f16(b)
    return tensors


def attach(arch, model, params):
    """Forward hooks adding (alpha/r)·B(A x) to every target linear's output."""
    lora = LORA[arch]
    scale = lora["lora_alpha"] / lora["r"]
    handles = []
    for name, mod in target_modules(model, arch, lora):
        a, b = params[peft_name(name, "A")], params[peft_name(name, "B")]

        def hook(_m, inputs, output, a=a, b=b):
            return output + scale * ((inputs[0] @ a.t()) @ b.t())

        handles.append(mod.register_forward_hook(hook))
    return handles


def loss_of(model, arch):
    ids = torch.tensor(BATCH[arch])
    labels = torch.tensor(labels_for(arch))
    logits, _ = model(ids)
    return ref.lm_loss(logits, labels), logits


def train(arch, dtype):
    model = build(arch, dtype)
    init = initial_adapter(arch, model)
    params = {k: v.to(dtype).clone().requires_grad_(True) for k, v in init.items()}
    attach(arch, model, params)
    names = list(params)
    loss0, logits0 = loss_of(model, arch)
    grads = torch.autograd.grad(loss0, [params[n] for n in names])
    opt = torch.optim.AdamW([params[n] for n in names], lr=ADAMW["lr"], betas=tuple(ADAMW["betas"]),
                            eps=ADAMW["eps"], weight_decay=ADAMW["weight_decay"])
    losses = []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad()
        loss, _ = loss_of(model, arch)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    with torch.no_grad():
        after, _ = loss_of(model, arch)
    return dict(model=model, init=init, names=names, loss0=loss0.item(), logits0=logits0.detach(),
                grads={n: g.detach() for n, g in zip(names, grads)}, losses=losses, loss_after=after.item(),
                params={n: params[n].detach() for n in names})


def merged_weights(arch, model, init):
    lora = LORA[arch]
    scale = lora["lora_alpha"] / lora["r"]
    out = {}
    for name, mod in target_modules(model, arch, lora):
        w = mod.weight.detach().double()
        a, b = init[peft_name(name, "A")].double(), init[peft_name(name, "B")].double()
        out[f"{name}.weight"] = (w + scale * (b @ a)).float().numpy()
    return out


def numpy_of(tensors, dtype=np.float32):
    return {k: v.detach().cpu().numpy().astype(dtype) for k, v in tensors.items()}


def write(arch):
    d = os.path.join(OUT, arch)
    os.makedirs(d, exist_ok=True)
    r32 = train(arch, torch.float32)
    r64 = train(arch, torch.float64)
    noisy = {}
    for n in r32["names"]:
        diff = (r32["params"][n].double() - r64["params"][n]).abs().flatten()
        idx = [int(i) for i in torch.nonzero(diff > 1e-6).flatten()]
        if idx:
            noisy[n] = idx
    model = r32["model"]
    base = {k: v for k, v in ref.state_to_numpy(model).items()}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIGS[arch], f, indent=2)
    ref.save_safetensors(os.path.join(d, "model_f16.safetensors"), {k: v.astype(np.float16) for k, v in sorted(base.items())}, {"format": "pt"})
    ref.save_safetensors(os.path.join(d, "lora_init.safetensors"), numpy_of(r32["init"], np.float16), {"format": "pt"})
    ref.save_safetensors(os.path.join(d, "grads.safetensors"), numpy_of(r32["grads"]), {"format": "pt"})
    ref.save_safetensors(os.path.join(d, "adamw3.safetensors"), numpy_of(r32["params"]), {"format": "pt"})
    ref.save_safetensors(os.path.join(d, "merged.safetensors"), merged_weights(arch, model, r32["init"]), {"format": "pt"})
    r32["logits0"].numpy().astype("<f4").tofile(os.path.join(d, "logits.bin"))
    lora = LORA[arch]
    cases = dict(
        arch=arch,
        generator="plugins/lora/scripts/generate_fixtures.py (reference: anchors/glm_reference.py + LoRA hooks)",
        lora=dict(lora, lora_dropout=0.0, scaling=lora["lora_alpha"] / lora["r"]),
        init=dict(seed=SEED, std=STD, base="N(0, std), norm weights 1 + N(0, std), float16-rounded",
                  adapter="A ~ U(-1/sqrt(in), 1/sqrt(in)), B ~ N(0, 0.1), float16-rounded"),
        input_ids=BATCH[arch],
        labels=labels_for(arch),
        loss=r32["loss0"],
        logits=dict(file="logits.bin", shape=list(r32["logits0"].shape), dtype="float32"),
        grads="grads.safetensors",
        adamw=dict(ADAMW, losses_before_each_step=r32["losses"], loss_after=r32["loss_after"],
                   params_after="adamw3.safetensors", noise_driven_elements=noisy,
                   float64_loss_after=r64["loss_after"]),
        merged="merged.safetensors",
    )
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2)
    print(arch, "loss", r32["loss0"], "after", r32["loss_after"], "noisy", {k: len(v) for k, v in noisy.items()})


if __name__ == "__main__":
    torch.set_num_threads(1)
    for arch in ("glm1", "glm2"):
        write(arch)
