package org.nvit.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {
    @TempDir Path tmp;

    @Test void readsGzipAndPlainIdx() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, (byte) 200};
        Files.write(tmp.resolve("a.gz"), TestFiles.gzip(TestFiles.idx(data, 2, 3)));
        Files.write(tmp.resolve("a"), TestFiles.idx(data, 3, 2));
        Idx.Array g = Idx.read(tmp.resolve("a.gz"));
        assertArrayEquals(new int[] {2, 3}, g.dims());
        assertArrayEquals(data, g.data());
        assertArrayEquals(new int[] {3, 2}, Idx.read(tmp.resolve("a")).dims());
    }

    @Test void idxRejectsBadMagicTypeDimsAndLength() throws Exception {
        byte[] good = TestFiles.idx(new byte[6], 2, 3);
        assertMessage(write("magic", patch(good, 0, 1)), "not an IDX file");
        assertMessage(write("type", patch(good, 2, 0x0D)), "type 0d");
        assertMessage(write("ndim", patch(good, 3, 0)), "dimension count 0");
        assertMessage(write("short", Arrays.copyOf(good, good.length - 1)), "truncated");
        assertMessage(write("long", Arrays.copyOf(good, good.length + 3)), "bytes after");
        assertMessage(write("header", Arrays.copyOf(good, 6)), "truncated inside the IDX dimensions");
        // a huge dimension must fail on the header check, not by allocating
        byte[] huge = TestFiles.idx(new byte[0], 65536, 65536);
        assertMessage(write("huge", huge), "more than");
    }

    @Test void truncatedAndCorruptGzipNameTheFile() throws Exception {
        byte[] gz = TestFiles.gzip(TestFiles.idx(new byte[5000], 50, 100));
        Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DataException e = assertThrows(DataException.class, () -> Idx.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] bad = gz.clone();
        for (int i = 12; i < 40; i++) bad[i] ^= 0x5A;
        Path corrupt = write("bad.gz", bad);
        DataException e2 = assertThrows(DataException.class, () -> Idx.read(corrupt));
        assertTrue(e2.getMessage().contains(corrupt.toString()), e2.getMessage());
        assertFalse(e2.getMessage().contains("\n"));
    }

    @Test void fashionMnistFolder() throws Exception {
        TestFiles.fashionDir(tmp, 12, 5, 28, 28);
        DataSource src = DataSources.open("fashion-mnist:" + tmp);
        assertEquals("fashion-mnist", src.kind());
        assertEquals(12, src.train().size());
        assertEquals(5, src.val().size());
        assertEquals(10, src.numClasses());
        assertEquals("Trouser", src.train().classNames().get(1));
        Sample s = src.train().get(3);
        assertEquals(3, s.label());
        assertEquals(1, s.image().channels());
        assertEquals(((3 + 2 + 5) & 0xFF) / 255f, s.image().at(0, 2, 5), 1e-7);
        // env override
        DataSource viaEnv = DataSources.open("fashion-mnist", 1, 28, 10, Map.of("NVIT_FASHION_MNIST", tmp.toString()));
        assertEquals(12, viaEnv.train().size());
    }

    @Test void fashionMnistMismatchAndMissing() throws Exception {
        TestFiles.fashionDir(tmp, 12, 5, 28, 28);
        Files.write(tmp.resolve("t10k-labels-idx1-ubyte.gz"), TestFiles.gzip(TestFiles.idx(new byte[4], 4)));
        assertMessage(() -> DataSources.open("fashion-mnist:" + tmp), "labels to match");
        DataException e = assertThrows(DataException.class,
                () -> DataSources.open("fashion-mnist", 1, 28, 10, Map.of("NVIT_FASHION_MNIST", tmp.resolve("nope").toString())));
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
        byte[] badLabel = {1, 2, 11, 3, 4};
        Files.write(tmp.resolve("t10k-labels-idx1-ubyte.gz"), TestFiles.gzip(TestFiles.idx(badLabel, 5)));
        assertMessage(() -> DataSources.open("fashion-mnist:" + tmp), "label 11");
    }

    @Test void cifar10Batches() throws Exception {
        for (int i = 1; i <= 5; i++) Files.write(tmp.resolve("data_batch_" + i + ".bin"), TestFiles.cifar(3, 10 * i));
        Files.write(tmp.resolve("test_batch.bin"), TestFiles.cifar(4, 0));
        DataSource src = DataSources.open("cifar10:" + tmp);
        assertEquals(15, src.train().size());
        assertEquals(4, src.val().size());
        assertEquals(3, src.channels());
        Sample s = src.train().get(4); // batch 2, record 1: id 21
        assertEquals(1, s.label());
        // pixel k = (id + k) & 255, CHW: channel 1, y 0, x 2 is k = 1024 + 2
        assertEquals(((21 + 1026) & 0xFF) / 255f, s.image().at(1, 0, 2), 1e-7);
        assertEquals("cat", src.train().classNames().get(3));
        Files.write(tmp.resolve("test_batch.bin"), Arrays.copyOf(TestFiles.cifar(4, 0), 4 * Cifar10.RECORD - 7));
        assertMessage(() -> DataSources.open("cifar10:" + tmp), "not a multiple");
        Files.delete(tmp.resolve("data_batch_3.bin"));
        assertMessage(() -> DataSources.open("cifar10:" + tmp), "data_batch_3.bin not found");
    }

    @Test void imageFolderLazyDecode() throws Exception {
        TestFiles.png(tmp.resolve("train/dog/b.png"), 10, 6, 0xFF0000);
        TestFiles.png(tmp.resolve("train/dog/a.png"), 7, 9, 0x00FF00);
        TestFiles.png(tmp.resolve("train/cat/c.png"), 5, 5, 0x0000FF);
        TestFiles.png(tmp.resolve("val/cat/d.png"), 5, 5, 0x808080);
        TestFiles.png(tmp.resolve("val/dog/e.png"), 5, 5, 0x808080);
        Files.writeString(tmp.resolve("train/dog/notes.txt"), "ignored");
        DataSource src = DataSources.open("imagefolder:" + tmp, 3, 16, 2);
        assertEquals(List.of("cat", "dog"), src.train().classNames());
        assertEquals(3, src.train().size());
        Sample cat = src.train().get(0);
        assertEquals(0, cat.label());
        assertEquals(1f, cat.image().at(2, 0, 0));
        assertEquals(0f, cat.image().at(0, 0, 0));
        Sample dogA = src.train().get(1);
        assertEquals(1, dogA.label());
        assertEquals(9, dogA.image().height());
        assertEquals(7, dogA.image().width());
        assertEquals(1f, dogA.image().at(1, 4, 4));
        // corrupt file: error names it, at get() time (lazy)
        Files.writeString(tmp.resolve("train/dog/b.png"), "not a png");
        DataSource again = DataSources.open("imagefolder:" + tmp, 3, 16, 2);
        DataException e = assertThrows(DataException.class, () -> again.train().get(2));
        assertTrue(e.getMessage().contains("b.png"), e.getMessage());
        Files.createDirectories(tmp.resolve("val/bird"));
        assertMessage(() -> DataSources.open("imagefolder:" + tmp, 3, 16, 2), "different class folders");
    }

    @Test void specErrorsAndSynthetic() {
        assertMessage(() -> DataSources.open("mnist"), "unknown data set");
        assertMessage(() -> DataSources.open("cifar10"), "cifar10:DIR");
        assertMessage(() -> DataSources.open("synthetic:abc"), "positive image count");
        DataSource s = DataSources.open("synthetic:50", 3, 32, 7);
        assertEquals(50, s.train().size());
        assertEquals(5, s.val().size());
        Sample a = s.train().get(9), b = s.train().get(9);
        assertEquals(3 * 32 * 32, a.image().data().length);
        assertArrayEquals(a.image().data(), b.image().data());
        assertTrue(a.label() >= 0 && a.label() < 7);
        s.checkModel(3, 7);
        assertMessage(() -> s.checkModel(1, 7), "in_chans 3");
        assertMessage(() -> s.checkModel(3, 1000), "num_classes 7");
        for (float v : a.image().data()) assertTrue(v >= 0 && v < 1);
    }

    private Path write(String name, byte[] b) throws Exception { return Files.write(tmp.resolve(name), b); }

    private static byte[] patch(byte[] b, int at, int v) { byte[] c = b.clone(); c[at] = (byte) v; return c; }

    private static void assertMessage(Path file, String part) {
        DataException e = assertThrows(DataException.class, () -> Idx.read(file));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable ex, String part) {
        DataException e = assertThrows(DataException.class, ex);
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
