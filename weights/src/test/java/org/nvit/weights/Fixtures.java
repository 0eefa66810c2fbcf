package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nvit.engine.Tensor;

/** The fixtures made by tests/fixtures/make_io_fixtures.py, copied out of the classpath, and their expected stats. */
final class Fixtures {
    private static JsonNode expected;

    private Fixtures() {}

    /** Copies a resource to a temp folder and returns its path. */
    static Path copy(String name, Path dir) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/io/" + name)) {
            assertNotNull(in, "missing fixture " + name);
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    static byte[] bytes(String name) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/io/" + name)) {
            assertNotNull(in, "missing fixture " + name);
            return in.readAllBytes();
        }
    }

    static synchronized JsonNode expected() throws IOException {
        if (expected == null) expected = new ObjectMapper().readTree(bytes("expected.json"));
        return expected;
    }

    /** Checks shape, sum and position-weighted sum (weights i%7+1 over the flat C-order values) of every tensor. */
    static void assertMatches(String file, Map<String, Tensor> got) throws IOException {
        JsonNode want = expected().get(file);
        assertNotNull(want, "no expectations for " + file);
        assertEquals(want.size(), got.size(), file + ": tensor count");
        for (var it = want.fields(); it.hasNext(); ) {
            var e = it.next();
            Tensor t = got.get(e.getKey());
            assertNotNull(t, file + ": missing " + e.getKey());
            int[] shape = new int[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.getValue().get("shape").get(i).intValue();
            assertArrayEquals(shape, t.shape(), file + ": shape of " + e.getKey());
            double sum = 0, wsum = 0, abs = 0;
            for (long i = 0; i < t.numel(); i++) {
                double v = t.getFlat(i);
                sum += v;
                wsum += v * (i % 7 + 1);
                abs += Math.abs(v) * 7;
            }
            double tol = 1e-6 * (1 + abs);
            assertEquals(e.getValue().get("sum").doubleValue(), sum, tol, file + ": sum of " + e.getKey());
            assertEquals(e.getValue().get("wsum").doubleValue(), wsum, tol, file + ": weighted sum of " + e.getKey());
        }
    }

    static void assertSameTensors(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
            assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), k);
        }
    }
}
