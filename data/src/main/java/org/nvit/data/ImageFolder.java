package org.nvit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Images in {@code DIR/<split>/<class>/*.jpg|jpeg|png}, classes sorted by folder name (the torchvision ImageFolder
 * convention). Only the file list is read up front; each image is decoded by {@link ImageDecoder} (JPEG through
 * libjpeg-turbo where it is installed, else javax.imageio) when {@link #get} is called (on the loader's worker
 * threads) at its own size, as 3 channels (RGB; grey images are replicated), or as
 * 1 channel for a model that takes grey images (PIL's {@code convert('L')} luma: 0.299 R + 0.587 G + 0.114 B), so a
 * Fashion-MNIST model can be fine-tuned on a folder of photos.
 */
public final class ImageFolder implements Dataset {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private final Path root;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private final int nominalSize, channels;

    private ImageFolder(Path root, List<String> classes, List<Path> files, int[] labels, int nominalSize, int channels) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.nominalSize = nominalSize;
        this.channels = channels;
    }

    /** Opens DIR/train and DIR/val as RGB; nominalSize is the model's image size (reported by height()/width()). */
    public static DataSource open(Path dir, int nominalSize) { return open(dir, nominalSize, 3); }

    /** The same for a model of 1 (grey) or 3 (RGB) input channels. */
    public static DataSource open(Path dir, int nominalSize, int channels) {
        if (channels != 1 && channels != 3)
            throw new DataException("an image folder feeds models of 1 (grey) or 3 (RGB) channels, not " + channels);
        if (!Files.isDirectory(dir))
            throw new DataException("image folder " + dir + " not found; expected DIR/train/<class>/*.jpg and DIR/val/<class>/*.jpg");
        ImageFolder train = scan(dir.resolve("train"), nominalSize, channels);
        ImageFolder val = scan(dir.resolve("val"), nominalSize, channels);
        if (!train.classes.equals(val.classes))
            throw new DataException(dir + ": train and val have different class folders (" + train.classes.size() + " vs "
                    + val.classes.size() + "); give both the same <class> subfolders");
        if (channels == 3) return new DataSource("imagefolder", train, val, IMAGENET_MEAN, IMAGENET_STD);
        return new DataSource("imagefolder", train, val, new float[] {luma(IMAGENET_MEAN)}, new float[] {luma(IMAGENET_STD)});
    }

    static ImageFolder scan(Path split, int nominalSize, int channels) {
        if (!Files.isDirectory(split))
            throw new DataException("image folder split " + split + " not found; expected " + split + "/<class>/*.jpg|png");
        List<String> classes;
        try (Stream<Path> s = Files.list(split)) {
            classes = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new DataException("cannot list " + split + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) throw new DataException(split + " has no class subfolders; expected " + split + "/<class>/*.jpg|png");
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            try (Stream<Path> s = Files.list(split.resolve(classes.get(c)))) {
                for (Path p : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(p);
                    labels.add(c);
                }
            } catch (IOException e) {
                throw new DataException("cannot list " + split.resolve(classes.get(c)) + ": " + e.getMessage(), e);
            }
        }
        if (files.isEmpty()) throw new DataException(split + " has no .jpg/.jpeg/.png files in its class folders");
        return new ImageFolder(split, classes, List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(),
                nominalSize, channels);
    }

    /** PIL's luma weights (ITU-R 601-2). */
    private static float luma(float[] rgb) { return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]; }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png"));
    }

    @Override public int size() { return files.size(); }
    @Override public int numClasses() { return classes.size(); }
    @Override public int channels() { return channels; }
    @Override public int height() { return nominalSize; }
    @Override public int width() { return nominalSize; }
    @Override public List<String> classNames() { return classes; }
    @Override public int label(int i) { return labels[i]; }

    /** The file behind element i. */
    public Path file(int i) { return files.get(i); }

    @Override public Sample get(int i) {
        Image rgb = decode(files.get(i));
        return new Sample(channels == 3 ? rgb : grey(rgb), labels[i]);
    }

    static Image grey(Image rgb) {
        int plane = rgb.height() * rgb.width();
        float[] f = rgb.data(), g = new float[plane];
        for (int k = 0; k < plane; k++) g[k] = 0.299f * f[k] + 0.587f * f[plane + k] + 0.114f * f[2 * plane + k];
        return new Image(1, rgb.height(), rgb.width(), g);
    }

    static Image decode(Path file) { return ImageDecoder.decode(file); }

    @Override public String toString() { return "ImageFolder(" + root + ", " + size() + " images)"; }
}
