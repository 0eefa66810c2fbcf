package org.nvit.data;

import java.nio.file.Path;
import java.util.Map;

/**
 * Parses a {@code --data} spec into a {@link DataSource}:
 * <ul>
 *   <li>{@code fashion-mnist} or {@code fashion-mnist:DIR}: the four IDX files; the folder defaults to
 *       {@code $NVIT_FASHION_MNIST} or {@value FashionMnist#DEFAULT_DIR};</li>
 *   <li>{@code cifar10:DIR}: the CIFAR-10 binary batches;</li>
 *   <li>{@code imagefolder:DIR}, or {@code DIR} alone: {@code DIR/train/<class>/*} and {@code DIR/val/<class>/*},
 *       decoded lazily;</li>
 *   <li>{@code synthetic} or {@code synthetic:N}: N (default 10000) random train images of the model's shape, and
 *       N/10 val images.</li>
 * </ul>
 */
public final class DataSources {
    public static final String USAGE = "fashion-mnist[:DIR], cifar10:DIR, imagefolder:DIR or synthetic[:N]";

    private DataSources() {}

    /** Opens a spec for a model of 1x28x28 input and 10 classes (the Fashion-MNIST shape; matters for synthetic only). */
    public static DataSource open(String spec) { return open(spec, 1, 28, 10); }

    /**
     * Opens a spec for a model with the given input channels, image size and class count. The model's shape sets the
     * synthetic data's shape and an image folder's nominal size; the other sources have their own.
     */
    public static DataSource open(String spec, int channels, int imageSize, int numClasses) {
        return open(spec, channels, imageSize, numClasses, System.getenv());
    }

    static DataSource open(String spec, int channels, int imageSize, int numClasses, Map<String, String> env) {
        if (spec == null || spec.isBlank()) throw new DataException("empty --data; use " + USAGE);
        String s = spec.strip();
        int colon = s.indexOf(':');
        String kind = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(java.util.Locale.ROOT);
        String arg = colon < 0 ? null : s.substring(colon + 1);
        if (arg != null && arg.isEmpty()) arg = null;
        switch (kind) {
            case "fashion-mnist", "fashion_mnist", "fashionmnist" -> {
                String dir = arg != null ? arg : env.getOrDefault("NVIT_FASHION_MNIST", FashionMnist.DEFAULT_DIR);
                return FashionMnist.open(Path.of(dir));
            }
            case "cifar10", "cifar-10" -> {
                if (arg == null) throw new DataException("--data cifar10 needs the folder: --data cifar10:DIR "
                        + "(DIR holds data_batch_1..5.bin and test_batch.bin)");
                return Cifar10.open(Path.of(arg));
            }
            case "imagefolder", "image-folder" -> {
                if (arg == null) throw new DataException("--data imagefolder needs the folder: --data imagefolder:DIR "
                        + "(DIR/train/<class>/*.jpg and DIR/val/<class>/*.jpg)");
                return ImageFolder.open(Path.of(arg), imageSize, channels == 1 ? 1 : 3);
            }
            case "synthetic" -> {
                int n = 10000;
                if (arg != null) {
                    try {
                        n = Integer.parseInt(arg);
                    } catch (NumberFormatException e) {
                        n = -1;
                    }
                    if (n < 1) throw new DataException("--data synthetic:N needs a positive image count, got '" + arg + "'");
                }
                Dataset train = new SyntheticDataset(n, channels, imageSize, imageSize, numClasses, 1);
                Dataset val = new SyntheticDataset(Math.max(1, n / 10), channels, imageSize, imageSize, numClasses, 2);
                float[] mean = new float[channels], std = new float[channels];
                java.util.Arrays.fill(mean, 0.5f);
                java.util.Arrays.fill(std, (float) Math.sqrt(1.0 / 12));
                return new DataSource("synthetic", train, val, mean, std);
            }
            default -> {
                // a folder by itself is an image folder (DeiT's --data-path DIR)
                if (java.nio.file.Files.isDirectory(Path.of(s)))
                    return ImageFolder.open(Path.of(s), imageSize, channels == 1 ? 1 : 3);
                throw new DataException("unknown data set '" + kind + "' in --data " + spec + "; use " + USAGE
                        + " (or an image folder's path)");
            }
        }
    }
}
