package org.nvit.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST from its four IDX files (gzip or plain): 60000 train and 10000 test images of 1x28x28, kept in
 * memory as bytes (47 MB for train). Default folder: {@value #DEFAULT_DIR} (Debian package dataset-fashion-mnist).
 */
public final class FashionMnist {
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Training pixels/255: mean and std. */
    public static final float MEAN = 0.2860f, STD = 0.3530f;

    private FashionMnist() {}

    /** Opens train (train-*) and val (t10k-*) from dir. */
    public static DataSource open(Path dir) {
        if (!Files.isDirectory(dir))
            throw new DataException("Fashion-MNIST folder " + dir + " not found; install it with "
                    + "`sudo apt-get install dataset-fashion-mnist` or point NVIT_FASHION_MNIST / --data fashion-mnist:DIR at it");
        Dataset train = split(dir, "train");
        Dataset val = split(dir, "t10k");
        return new DataSource("fashion-mnist", train, val, new float[] {MEAN}, new float[] {STD});
    }

    static Dataset split(Path dir, String prefix) {
        Idx.Array images = Idx.read(find(dir, prefix + "-images-idx3-ubyte"));
        Idx.Array labels = Idx.read(find(dir, prefix + "-labels-idx1-ubyte"));
        Path imgFile = find(dir, prefix + "-images-idx3-ubyte");
        if (images.dims().length != 3)
            throw new DataException(imgFile + ": expected 3 dimensions (N, rows, cols), found " + images.dims().length);
        if (labels.dims().length != 1 || labels.dims()[0] != images.dims()[0])
            throw new DataException(find(dir, prefix + "-labels-idx1-ubyte") + ": expected " + images.dims()[0]
                    + " labels to match " + imgFile);
        return new ByteImageDataset(images.data(), labels.data(), 1, images.dims()[1], images.dims()[2], CLASSES);
    }

    private static Path find(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) return plain;
        throw new DataException("Fashion-MNIST file " + gz + " not found; reinstall with "
                + "`sudo apt-get install --reinstall dataset-fashion-mnist`");
    }
}
