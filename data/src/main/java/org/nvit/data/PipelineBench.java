package org.nvit.data;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures the data pipeline alone (decode + default train augmentation + batching, no model) for each worker
 * count: wall-clock images/s and images per process CPU-second (the steadier figure on a shared machine), median of
 * {@code --repeat} epochs after a JIT warm-up (6 CPU-seconds or 10 epochs). Usage: {@code PipelineBench [--data SPEC] [--image-size N]
 * [--channels C] [--batch B] [--batches N] [--workers 1,2] [--repeat R] [--aug OVERRIDES]}; defaults: fashion-mnist,
 * the data set's native size, 1 channel (synthetic only), batch 128, one epoch, workers 1,2, repeat 3. {@code --eval}
 * measures the eval pipeline (resize, centre crop, normalise) over the val split instead.
 */
public final class PipelineBench {
    private PipelineBench() {}

    public static void main(String[] args) {
        String spec = "fashion-mnist", aug = "", workers = "1,2";
        int size = 0, channels = 1, batch = 128, batches = 0, repeat = 3;
        boolean eval = false;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--data" -> spec = v;
                case "--image-size" -> size = Integer.parseInt(v);
                case "--channels" -> channels = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--batches" -> batches = Integer.parseInt(v);
                case "--workers" -> workers = v;
                case "--repeat" -> repeat = Integer.parseInt(v);
                case "--aug" -> aug = v;
                case "--eval" -> { eval = true; i--; }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        long t0 = System.nanoTime();
        DataSource src = DataSources.open(spec, channels, size > 0 ? size : 28, 10);
        if (size == 0) size = src.train().height();
        System.out.printf(Locale.ROOT, "opened %s: %d train, %d val images %dx%dx%d in %.2f s%n", src.kind(),
                src.train().size(), src.val().size(), src.channels(), src.train().height(), src.train().width(),
                (System.nanoTime() - t0) / 1e9);
        AugmentConfig cfg = AugmentConfig.defaultsFor(src, size).withOverrides(aug);
        System.out.println(cfg);
        // warm-up: let the JIT compile every transform path; counted in CPU time, which the machine's load does not skew
        try (DataLoader dl = loader(src, cfg, batch, 1, eval)) {
            int n = batches > 0 ? Math.min(batches, dl.batchesPerEpoch()) : dl.batchesPerEpoch();
            long c0 = cpuNanos();
            for (int e = 100; cpuNanos() - c0 < 6_000_000_000L && e < 110; e++) run(dl, e, n);
        }
        for (String w : workers.split(",")) {
            int nw = Integer.parseInt(w.strip());
            try (DataLoader dl = loader(src, cfg, batch, nw, eval)) {
                int n = batches > 0 ? Math.min(batches, dl.batchesPerEpoch()) : dl.batchesPerEpoch();
                double[] wall = new double[repeat], perCpu = new double[repeat];
                for (int r = 0; r < repeat; r++) {
                    long s = System.nanoTime(), c = cpuNanos();
                    long images = run(dl, r, n);
                    wall[r] = images / ((System.nanoTime() - s) / 1e9);
                    perCpu[r] = images / ((cpuNanos() - c) / 1e9);
                }
                Arrays.sort(wall);
                Arrays.sort(perCpu);
                System.out.printf(Locale.ROOT, "%s workers %d: %d batches of %d, median of %d: %.0f images/s wall, "
                                + "%.0f images per CPU-second (runs %s; load average %.1f)%n", eval ? "eval" : "train", nw, n, batch, repeat,
                        wall[repeat / 2], perCpu[repeat / 2], fmt(wall),
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
        }
    }

    /** The train pipeline over the train split, or the eval pipeline (resize, centre crop, normalise) over the val split. */
    private static DataLoader loader(DataSource src, AugmentConfig cfg, int batch, int workers, boolean eval) {
        return eval ? DataLoader.eval(src.val(), cfg, batch, workers) : DataLoader.train(src.train(), cfg, batch, 42, workers);
    }

    private static long run(DataLoader dl, int epoch, int n) {
        long images = 0;
        try (DataLoader.BatchIterator it = dl.iterator(epoch)) {
            for (int k = 0; k < n && it.hasNext(); k++) images += it.next().size();
        }
        return images;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) b.append(b.isEmpty() ? "" : "/").append(Math.round(d));
        return b.toString();
    }
}
