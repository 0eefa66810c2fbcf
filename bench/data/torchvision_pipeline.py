#!/usr/bin/env python3
"""torchvision's side of the data-pipeline comparison: ImageFolder + DataLoader over DIR/train with DeiT's train
transforms as torchvision spells them (RandomResizedCrop 224 bicubic, horizontal flip, RandAugment 2 ops at
magnitude 9, ToTensor, ImageNet normalisation, RandomErasing p=0.25), or --eval: Resize(256, bicubic),
CenterCrop(224), ToTensor, Normalize. Prints images per second of wall time and images per CPU-second of this
process and its workers (what one core delivers). Usage: torchvision_pipeline.py DIR [--workers N] [--eval]
[--batch B] [--repeat R]
"""
import argparse, os, resource, statistics, time
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms as T

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def cpu_seconds():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--eval", action="store_true")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    bicubic = T.InterpolationMode.BICUBIC
    if a.eval:
        tf = T.Compose([T.Resize(256, interpolation=bicubic), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
        split = "val"
    else:
        tf = T.Compose([T.RandomResizedCrop(224, interpolation=bicubic), T.RandomHorizontalFlip(),
                        T.RandAugment(num_ops=2, magnitude=9, interpolation=T.InterpolationMode.BILINEAR),
                        T.ToTensor(), T.Normalize(MEAN, STD), T.RandomErasing(p=0.25)])
        split = "train"
    ds = datasets.ImageFolder(os.path.join(a.dir, split), transform=tf)
    # workers persist across epochs, as a training run keeps them; the first epoch is the warm-up
    dl = DataLoader(ds, batch_size=a.batch, shuffle=not a.eval, num_workers=a.workers, drop_last=not a.eval,
                    persistent_workers=a.workers > 0)
    for _ in dl:
        pass
    wall, per_cpu = [], []
    for _ in range(a.repeat):
        # CPU time of worker processes is counted only once they exit (RUSAGE_CHILDREN): with workers, measure wall
        # time and divide by the busy cores instead
        t0, c0, n = time.perf_counter(), cpu_seconds(), 0
        for x, y in dl:
            n += x.shape[0]
        dt = time.perf_counter() - t0
        wall.append(n / dt)
        per_cpu.append(n / (cpu_seconds() - c0) if a.workers == 0 else float("nan"))
    import torchvision
    print(f"torchvision {torchvision.__version__.split('+')[0]} {'eval' if a.eval else 'train'} workers {a.workers}: "
          f"{n} images per epoch, median of {a.repeat}: {statistics.median(wall):.0f} images/s wall, "
          f"{statistics.median(per_cpu):.0f} images per CPU-second (runs {'/'.join(f'{w:.0f}' for w in wall)}; "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
