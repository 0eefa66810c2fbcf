package org.nvit.models.data;

import java.util.Locale;

/**
 * Measures the data pipeline alone (decode + default train augmentation + batching, no model): images/s for each
 * worker count. Usage: {@code PipelineBench [--data SPEC] [--image-size N] [--batch B] [--batches N] [--workers 1,2]
 * [--aug OVERRIDES]}; defaults: fashion-mnist, the data set's native size, batch 128, one epoch, workers 1,2.
 */
public final class PipelineBench {
    private PipelineBench() {}

    public static void main(String[] args) {
        String spec = "fashion-mnist", aug = "", workers = "1,2";
        int size = 0, batch = 128, batches = 0;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--data" -> spec = v;
                case "--image-size" -> size = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--batches" -> batches = Integer.parseInt(v);
                case "--workers" -> workers = v;
                case "--aug" -> aug = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        long t0 = System.nanoTime();
        DataSource src = DataSources.open(spec, 1, size > 0 ? size : 28, 10);
        if (size == 0) size = src.train().height();
        System.out.printf(Locale.ROOT, "opened %s: %d train, %d val images %dx%dx%d in %.2f s%n", src.kind(),
                src.train().size(), src.val().size(), src.channels(), src.train().height(), src.train().width(),
                (System.nanoTime() - t0) / 1e9);
        AugmentConfig cfg = AugmentConfig.defaultsFor(src, size).withOverrides(aug);
        System.out.println(cfg);
        for (String w : workers.split(",")) {
            int nw = Integer.parseInt(w.strip());
            try (DataLoader dl = DataLoader.train(src.train(), cfg, batch, 42, nw)) {
                int n = batches > 0 ? Math.min(batches, dl.batchesPerEpoch()) : dl.batchesPerEpoch();
                // warm-up: JIT the transforms on a few batches
                try (DataLoader.BatchIterator it = dl.iterator(99)) {
                    for (int k = 0; k < 5 && it.hasNext(); k++) it.next();
                }
                long s = System.nanoTime();
                long images = 0;
                try (DataLoader.BatchIterator it = dl.iterator(0)) {
                    for (int k = 0; k < n && it.hasNext(); k++) images += it.next().size();
                }
                double sec = (System.nanoTime() - s) / 1e9;
                System.out.printf(Locale.ROOT, "workers %d: %d batches of %d, %.2f s, %.0f images/s%n", nw, n, batch,
                        sec, images / sec);
            }
        }
    }
}
