package org.nvit.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Writes the small data files the reader tests use. */
final class TestFiles {
    private TestFiles() {}

    /** IDX bytes of unsigned-byte data with the given dims. */
    static byte[] idx(byte[] data, int... dims) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0); out.write(0); out.write(0x08); out.write(dims.length);
        for (int d : dims) { out.write(d >>> 24); out.write(d >>> 16); out.write(d >>> 8); out.write(d); }
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return out.toByteArray();
    }

    /** A Fashion-MNIST-shaped folder with n train and m test images of size h x w; pixel = (i + y + x) mod 256. */
    static Path fashionDir(Path dir, int n, int m, int h, int w) throws IOException {
        writeSplit(dir, "train", n, h, w);
        writeSplit(dir, "t10k", m, h, w);
        return dir;
    }

    static void writeSplit(Path dir, String prefix, int n, int h, int w) throws IOException {
        byte[] px = new byte[n * h * w], lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) px[(i * h + y) * w + x] = (byte) (i + y + x);
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), gzip(idx(px, n, h, w)));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzip(idx(lb, n)));
    }

    /** n CIFAR records: label i % 10, pixel k = (i + k) mod 256. */
    static byte[] cifar(int n, int firstId) {
        byte[] b = new byte[n * Cifar10.RECORD];
        for (int i = 0; i < n; i++) {
            b[i * Cifar10.RECORD] = (byte) ((firstId + i) % 10);
            for (int k = 0; k < 3072; k++) b[i * Cifar10.RECORD + 1 + k] = (byte) (firstId + i + k);
        }
        return b;
    }

    static void png(Path file, int w, int h, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
