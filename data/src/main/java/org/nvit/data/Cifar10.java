package org.nvit.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 binary version: {@code data_batch_1..5.bin} (train) and {@code test_batch.bin} (val), each a sequence of
 * 3073-byte records (1 label byte, then 3x32x32 pixels, CHW). The folder may also be the parent of
 * {@code cifar-10-batches-bin}. Class names come from {@code batches.meta.txt} when present.
 */
public final class Cifar10 {
    public static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    public static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    public static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    private Cifar10() {}

    public static DataSource open(Path dir) {
        if (Files.isDirectory(dir.resolve("cifar-10-batches-bin"))) dir = dir.resolve("cifar-10-batches-bin");
        if (!Files.isDirectory(dir))
            throw new DataException("CIFAR-10 folder " + dir + " not found; download the binary version "
                    + "(cifar-10-binary.tar.gz), unpack it and pass --data cifar10:DIR");
        List<String> classes = classNames(dir);
        List<Path> trainFiles = new ArrayList<>();
        for (int i = 1; i <= 5; i++) trainFiles.add(dir.resolve("data_batch_" + i + ".bin"));
        Dataset train = read(trainFiles, classes);
        Dataset val = read(List.of(dir.resolve("test_batch.bin")), classes);
        return new DataSource("cifar10", train, val, MEAN, STD);
    }

    static Dataset read(List<Path> files, List<String> classes) {
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f))
                throw new DataException("CIFAR-10 file " + f + " not found; pass the folder of the binary version "
                        + "(data_batch_1..5.bin, test_batch.bin)");
            long len = size(f);
            if (len == 0 || len % RECORD != 0)
                throw new DataException(f + " is truncated or not a CIFAR-10 binary batch: " + len
                        + " bytes is not a multiple of the " + RECORD + "-byte record");
            total += len / RECORD;
        }
        if (total * (RECORD - 1) > Idx.MAX_BYTES) throw new DataException("CIFAR-10 files are too large to load: " + files);
        int n = (int) total;
        byte[] pixels = new byte[n * (RECORD - 1)];
        byte[] labels = new byte[n];
        int r = 0;
        for (Path f : files) {
            byte[] all;
            try {
                all = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DataException("cannot read " + f + ": " + e.getMessage(), e);
            }
            if (all.length % RECORD != 0) throw new DataException(f + " changed while it was read");
            for (int off = 0; off < all.length; off += RECORD, r++) {
                labels[r] = all[off];
                if ((all[off] & 0xFF) >= classes.size())
                    throw new DataException(f + ": record " + off / RECORD + " has label " + (all[off] & 0xFF)
                            + ", outside the " + classes.size() + " classes (corrupt file?)");
                System.arraycopy(all, off + 1, pixels, r * (RECORD - 1), RECORD - 1);
            }
        }
        return new ByteImageDataset(pixels, labels, 3, 32, 32, classes);
    }

    private static List<String> classNames(Path dir) {
        Path meta = dir.resolve("batches.meta.txt");
        if (!Files.isRegularFile(meta)) return CLASSES;
        try {
            List<String> names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            return names.size() == 10 ? names : CLASSES;
        } catch (IOException e) {
            return CLASSES;
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new DataException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
