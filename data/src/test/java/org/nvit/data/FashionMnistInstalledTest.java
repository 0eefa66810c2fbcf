package org.nvit.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST files when the Debian package is installed (skipped otherwise). */
class FashionMnistInstalledTest {
    @Test void realFilesMatchTheDocumentedStatistics() {
        Path dir = Path.of(FashionMnist.DEFAULT_DIR);
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist is not installed");
        DataSource src = FashionMnist.open(dir);
        assertEquals(60000, src.train().size());
        assertEquals(10000, src.val().size());
        assertEquals(28, src.train().height());
        int[] perClass = new int[10];
        double sum = 0, sq = 0;
        for (int i = 0; i < src.train().size(); i += 7) { // every 7th image keeps the test fast
            Sample s = src.train().get(i);
            perClass[s.label()]++;
            for (float v : s.image().data()) { sum += v; sq += v * v; }
        }
        long n = (long) ((src.train().size() + 6) / 7) * 784;
        double mean = sum / n, std = Math.sqrt(sq / n - mean * mean);
        assertEquals(FashionMnist.MEAN, mean, 0.003);
        assertEquals(FashionMnist.STD, std, 0.003);
        for (int c : perClass) assertTrue(c > 700 && c < 1000, "class count " + c); // 6000 per class / 7
    }
}
