#!/usr/bin/env python3
"""Writes an ImageNet-like folder of JPEG photos for the data-pipeline comparison.

DIR/train/<class>/*.jpg and DIR/val/<class>/*.jpg: random crops of the photographs in Debian's
plasma-workspace-wallpapers, resized so that the longer side is 500 px (ImageNet's typical shape, e.g. 500x375),
saved with PIL at quality 90 with 4:2:0 chroma subsampling. Usage: make_jpeg_folder.py DIR [IMAGES_PER_CLASS] [CLASSES]
"""
import glob, os, random, sys
from PIL import Image

PHOTOS = ["Autumn", "BytheWater", "ColdRipple", "EveningGlow", "FallenLeaf", "Kite", "Path", "OneStandsOut",
          "DarkestHour", "summer_1am"]


def sources():
    out = []
    for name in PHOTOS:
        files = sorted(glob.glob(f"/usr/share/wallpapers/{name}/contents/images/*.jpg"),
                       key=lambda f: -os.path.getsize(f))
        if files:
            out.append(files[0])
    if not out:
        sys.exit("no photographs found: apt-get install --no-install-recommends plasma-workspace-wallpapers")
    return out


def main():
    root = sys.argv[1]
    per_class = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    classes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rng = random.Random(0)
    photos = [Image.open(f).convert("RGB") for f in sources()]
    for split, n in (("train", per_class), ("val", max(1, per_class // 2))):
        for c in range(classes):
            d = os.path.join(root, split, f"class{c:02d}")
            os.makedirs(d, exist_ok=True)
            for i in range(n):
                src = photos[rng.randrange(len(photos))]
                W, H = src.size
                aspect = rng.choice([4 / 3, 3 / 2, 1.0, 3 / 4, 2 / 3])
                w = rng.randint(W // 4, W // 2)
                h = min(H, int(w / aspect))
                x, y = rng.randrange(W - w + 1), rng.randrange(H - h + 1)
                crop = src.crop((x, y, x + w, y + h))
                s = 500 / max(w, h)
                crop = crop.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC)
                crop.save(os.path.join(d, f"{i:05d}.jpg"), quality=90, subsampling=2)
    print(f"wrote {root}: {classes} classes, {per_class} train and {max(1, per_class // 2)} val images each")


if __name__ == "__main__":
    main()
