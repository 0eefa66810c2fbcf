package org.nvit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Unlabelled images for inference: the files given, and the .jpg/.jpeg/.png files in the folders given (their
 * sub-folders too), in that order, each folder's files sorted by path. Each has a display name: a file given by
 * itself keeps the path as given, a folder's files their path relative to the folder (the full path where two
 * inputs would give the same name). Decoded like an
 * {@link ImageFolder}'s images (RGB, or grey for 1-channel models); every label is 0.
 */
public final class ImageFiles implements Dataset {
    private final List<Path> files;
    private final List<String> names;
    private final int channels, nominalSize;

    private ImageFiles(List<Path> files, List<String> names, int channels, int nominalSize) {
        this.files = files;
        this.names = names;
        this.channels = channels;
        this.nominalSize = nominalSize;
    }

    /** The images of {@code inputs} (files or folders); an input that is neither, or no image at all, is an error. */
    public static ImageFiles of(List<Path> inputs, int channels, int nominalSize) {
        if (channels != 1 && channels != 3)
            throw new DataException("image files feed models of 1 (grey) or 3 (RGB) channels, not " + channels);
        List<Path> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                List<Path> found;
                try (Stream<Path> s = Files.walk(in)) {
                    found = s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().toList();
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw new DataException("cannot list " + in + ": " + e.getMessage(), e);
                }
                if (found.isEmpty()) throw new DataException(in + " holds no .jpg, .jpeg or .png files");
                for (Path p : found) {
                    files.add(p);
                    names.add(in.relativize(p).toString());
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
                names.add(in.toString());
            } else {
                throw new DataException("--input " + in + " not found; give image files or folders of them");
            }
        }
        if (files.isEmpty()) throw new DataException("no input images; give image files or folders of them");
        // two inputs can give the same name (a/x.jpg and b/x.jpg given as folders a and b): those keep their full path
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (String n : names) seen.merge(n, 1, Integer::sum);
        for (int i = 0; i < names.size(); i++) if (seen.get(names.get(i)) > 1) names.set(i, files.get(i).toString());
        return new ImageFiles(List.copyOf(files), List.copyOf(names), channels, nominalSize);
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    /** The display name of image i. */
    public String name(int i) { return names.get(i); }

    public Path file(int i) { return files.get(i); }

    @Override public int size() { return files.size(); }
    @Override public int numClasses() { return 1; }
    @Override public int channels() { return channels; }
    @Override public int height() { return nominalSize; }
    @Override public int width() { return nominalSize; }
    @Override public List<String> classNames() { return List.of(); }
    @Override public int label(int i) { return 0; }

    @Override public Sample get(int i) {
        Image rgb = ImageDecoder.decode(files.get(i));
        return new Sample(channels == 3 ? rgb : ImageFolder.grey(rgb), 0);
    }
}
