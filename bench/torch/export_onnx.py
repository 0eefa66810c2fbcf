"""PyTorch's own ONNX export of a uniform ViT, for `nvit bench model --engine onnxruntime --onnx FILE`: the graph
ONNX Runtime sees when people export from PyTorch, beside our exporter's graph of the same architecture.

    /usr/bin/python3 bench/torch/export_onnx.py OUT.onnx [--embed-dim 192 --depth 12 --heads 3 --mlp 768
                                                        --image-size 224 --patch-size 16 --classes 1000]

Random weights (timing only). Uses the plain-PyTorch model in export/pytorch/nvit_ragged.py (timm's module names)
and Debian's torch.onnx (opset 17, dynamic batch); input 'images', output 'logits', as our export names them.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "export", "pytorch"))
import nvit_ragged  # noqa: E402


def main():
    a = argparse.ArgumentParser()
    a.add_argument("out")
    a.add_argument("--embed-dim", type=int, default=192)
    a.add_argument("--depth", type=int, default=12)
    a.add_argument("--heads", type=int, default=3)
    a.add_argument("--mlp", type=int, default=768)
    a.add_argument("--image-size", type=int, default=224)
    a.add_argument("--patch-size", type=int, default=16)
    a.add_argument("--classes", type=int, default=1000)
    o = a.parse_args()
    head_dim = o.embed_dim // o.heads
    cfg = {"embed_dim": o.embed_dim, "patch_size": o.patch_size, "image_size": o.image_size, "in_chans": 3,
           "num_classes": o.classes, "layer_norm_eps": 1e-6,
           "blocks": [{"heads": o.heads, "qk_dim": head_dim, "v_dim": head_dim, "mlp_dim": o.mlp}] * o.depth}
    torch.manual_seed(0)
    model = nvit_ragged.NvitViT(cfg).eval()
    x = torch.randn(2, 3, o.image_size, o.image_size)
    tmp = o.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, x, tmp, opset_version=17, input_names=["images"], output_names=["logits"],
                          dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
    os.replace(tmp, o.out)
    print(f"wrote {o.out}")


if __name__ == "__main__":
    main()
