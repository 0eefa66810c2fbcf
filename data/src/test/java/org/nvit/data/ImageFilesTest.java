package org.nvit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** infer's inputs: files and folders (recursive, sorted), names relative to their folder, unique. */
class ImageFilesTest {
    @TempDir Path dir;

    private Path png(String rel) throws Exception {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        assertTrue(ImageIO.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", p.toFile()));
        return p;
    }

    @Test void namesAreRelativeSortedAndUnique() throws Exception {
        png("a/z.png");
        png("a/sub/y.png");
        png("b/z.png");
        Files.writeString(dir.resolve("a/notes.txt"), "not an image");
        Path single = png("c/one.png");
        ImageFiles f = ImageFiles.of(List.of(dir.resolve("a"), dir.resolve("b"), single), 3, 8);
        List<String> names = IntStream.range(0, f.size()).mapToObj(f::name).toList();
        assertEquals(List.of("sub/y.png", dir.resolve("a/z.png").toString(), dir.resolve("b/z.png").toString(), single.toString()), names);
        assertEquals(List.of(3, 4, 5), List.of(f.get(0).image().channels(), f.get(0).image().height(), f.get(0).image().width()));
        assertEquals(1, ImageFiles.of(List.of(single), 1, 8).get(0).image().channels());
    }

    @Test void missingAndEmptyInputsAreOneClearError() throws Exception {
        DataException missing = assertThrows(DataException.class, () -> ImageFiles.of(List.of(dir.resolve("nope")), 3, 8));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("not found"), missing.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        DataException empty = assertThrows(DataException.class, () -> ImageFiles.of(List.of(dir.resolve("empty")), 3, 8));
        assertTrue(empty.getMessage().contains("holds no .jpg"), empty.getMessage());
    }
}
