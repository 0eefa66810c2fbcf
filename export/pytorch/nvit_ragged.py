"""A ViT whose blocks may all differ, in plain PyTorch: the model of an nvit checkpoint, pruned or not.

Depends on torch only. The module names are timm's, so an nvit state dict (``nvit export --format pth`` or
``nvit convert IN OUT.pth``) loads strictly:

    import torch, nvit_ragged
    model = nvit_ragged.load("model.pth")          # builds from the file's 'nvit_config', loads 'model' strictly
    model.eval()
    logits = model(images)                          # images [B, C, H, W], normalised as for training

or, from the parts:

    ck = torch.load("model.pth", weights_only=True)
    model = nvit_ragged.NvitViT(json.loads(ck["nvit_config"]))
    model.load_state_dict(ck["model"])              # strict by default

Each block has its own head count, per-head QK width ``qk_dim``, per-head V width ``v_dim`` and MLP width
``mlp_dim``. A block with ``qk_dim == v_dim`` has one fused ``attn.qkv`` projection (rows q | k | v, each head-major,
as timm's); otherwise ``attn.q``, ``attn.k`` and ``attn.v``. The attention scale is the config's ``attn_scale`` when
present, else ``qk_dim ** -0.5``. ``global_pool: "avg"`` classifies the mean of the patch tokens (then the final
norm); otherwise the cls token, and for distilled models the mean of the cls and dist heads in eval mode (in training
mode both heads' logits are returned, for a distillation loss). Dropout and drop-path are not modelled: add them
for fine-tuning if wanted.
"""
import json

import torch
from torch import nn

__all__ = ["NvitViT", "load"]


class Attention(nn.Module):
    def __init__(self, dim, heads, qk_dim, v_dim, scale):
        super().__init__()
        self.heads, self.qk_dim, self.v_dim, self.scale = heads, qk_dim, v_dim, scale
        self.fused = qk_dim == v_dim
        if self.fused:
            self.qkv = nn.Linear(dim, heads * (2 * qk_dim + v_dim))
        else:
            self.q = nn.Linear(dim, heads * qk_dim)
            self.k = nn.Linear(dim, heads * qk_dim)
            self.v = nn.Linear(dim, heads * v_dim)
        self.proj = nn.Linear(heads * v_dim, dim)

    def forward(self, x):
        b, n, _ = x.shape
        h, qk, v = self.heads, self.qk_dim, self.v_dim
        if self.fused:
            q, k, val = self.qkv(x).split([h * qk, h * qk, h * v], dim=-1)
        else:
            q, k, val = self.q(x), self.k(x), self.v(x)
        q = q.reshape(b, n, h, qk).transpose(1, 2)
        k = k.reshape(b, n, h, qk).transpose(1, 2)
        val = val.reshape(b, n, h, v).transpose(1, 2)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ val).transpose(1, 2).reshape(b, n, h * v))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact (erf), as nvit and timm
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, spec, scale, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, spec["heads"], spec["qk_dim"], spec["v_dim"], scale)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, spec["mlp_dim"])

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, in_chans, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, D, g, g] -> [B, g*g, D], row-major grid


class NvitViT(nn.Module):
    """The model an nvit config describes (the JSON stored as 'nvit_config' / 'nvit.config')."""

    def __init__(self, config):
        super().__init__()
        c = config
        d, p = c["embed_dim"], c["patch_size"]
        self.config = dict(c)
        self.distilled = bool(c.get("distilled", False))
        self.avg_pool = c.get("global_pool") == "avg"
        self.prefix = 2 if self.distilled else 1
        eps = c.get("layer_norm_eps") or 1e-6
        tokens = (c["image_size"] // p) ** 2 + self.prefix
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.dist_token = nn.Parameter(torch.zeros(1, 1, d)) if self.distilled else None
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, d))
        self.patch_embed = PatchEmbed(c["in_chans"], p, d)
        scale = c.get("attn_scale")
        self.blocks = nn.ModuleList(
            Block(d, b, scale if scale is not None else b["qk_dim"] ** -0.5, eps) for b in c["blocks"])
        self.norm = nn.LayerNorm(d, eps=eps)
        self.head = nn.Linear(d, c["num_classes"])
        self.head_dist = nn.Linear(d, c["num_classes"]) if self.distilled else None

    def forward(self, images):
        x = self.patch_embed(images)
        b = x.shape[0]
        prefix = [self.cls_token.expand(b, -1, -1)]
        if self.distilled:
            prefix.append(self.dist_token.expand(b, -1, -1))
        x = torch.cat(prefix + [x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        if self.avg_pool:
            return self.head(self.norm(x[:, self.prefix:].mean(dim=1)))
        x = self.norm(x)
        cls = self.head(x[:, 0])
        if not self.distilled:
            return cls
        dist = self.head_dist(x[:, 1])
        return (cls, dist) if self.training else (cls + dist) / 2


def load(path, map_location="cpu"):
    """The model of an nvit .pth checkpoint, its weights loaded strictly."""
    ck = torch.load(path, map_location=map_location, weights_only=True)
    if "nvit_config" not in ck or "model" not in ck:
        raise ValueError(f"{path} is not an nvit checkpoint (no 'nvit_config' and 'model' entries); "
                         "write one with: nvit convert IN OUT.pth")
    model = NvitViT(json.loads(ck["nvit_config"]))
    model.load_state_dict(ck["model"], strict=True)
    return model
