package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

class SafetensorsTest {
    @TempDir Path dir;

    @Test void readsFixturesOfEveryDtype() throws Exception {
        Safetensors.Contents c = Safetensors.read(Fixtures.copy("dtypes.safetensors", dir));
        Fixtures.assertMatches("dtypes.safetensors", c.tensors());
        assertEquals(Map.of("note", "dtype zoo"), c.metadata());
        assertEquals(255.0, c.tensors().get("u8").getFlat(2));
        Safetensors.Contents t = Safetensors.read(Fixtures.copy("tiny_timm.safetensors", dir));
        Fixtures.assertMatches("tiny_timm.safetensors", t.tensors());
    }

    @Test void writeThenReadIsExactAndHeaderIsPadded() throws Exception {
        Map<String, Tensor> m = new LinkedHashMap<>();
        Rng rng = new Rng(7);
        m.put("a", Tensor.randn(org.nvit.engine.DType.F32, rng, 1.0, 3, 5));
        m.put("b.c", Tensor.randn(org.nvit.engine.DType.F32, rng, 1.0, 7));
        m.put("scalar", Tensor.of(new float[] {Float.MIN_VALUE}));
        m.put("empty", Tensor.zeros(0, 3));
        Path p = dir.resolve("out.safetensors");
        Safetensors.write(p, m, Map.of("k", "v \"quoted\" ü"));
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        Safetensors.Contents c = Safetensors.read(p);
        Fixtures.assertSameTensors(m, c.tensors());
        assertEquals("v \"quoted\" ü", c.metadata().get("k"));
        try (var files = Files.list(dir)) { assertEquals(1, files.count(), "temporary file left behind"); }
    }

    /** A file from a header string and a data length. */
    private Path file(String header, int dataBytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(new byte[dataBytes]);
        Path p = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(p, out.toByteArray());
        return p;
    }

    private String refused(String header, int dataBytes) throws Exception {
        Path p = file(header, dataBytes);
        return assertThrows(WeightFileException.class, () -> Safetensors.read(p)).getMessage();
    }

    @Test void validatesEveryHeaderField() throws Exception {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}}";
        assertEquals(2, Safetensors.read(file(ok, 12)).tensors().size());
        assertTrue(refused(ok, 13).contains("truncated or padded"));
        assertTrue(refused(ok, 11).contains("truncated or padded"));
        assertTrue(refused(ok.replace("[8,12]", "[9,13]"), 13).contains("contiguous"));          // gap
        assertTrue(refused(ok.replace("[8,12]", "[4,8]"), 8).contains("contiguous"));            // overlap
        assertTrue(refused(ok.replace("\"shape\":[2],\"data_offsets\":[0,8]", "\"shape\":[3],\"data_offsets\":[0,8]"), 12)
                .contains("needs 12 bytes"));
        assertTrue(refused(ok.replace("F16", "F8_E4M3"), 12).contains("not supported"));
        assertTrue(refused(ok.replace("[2]", "[-2]"), 12).contains("invalid dimension"));
        assertTrue(refused(ok.replace("[0,8]", "[0,8.5]"), 12).contains("invalid data offset"));
        assertTrue(refused(ok.substring(0, ok.length() - 1), 12).contains("not valid JSON"));
        assertTrue(refused(ok + "x", 12).contains("not valid JSON"));
        assertTrue(refused(ok.replace("\"b\"", "\"a\""), 12).contains("not valid JSON"));   // duplicate key
        assertTrue(refused("{\"__metadata__\":{\"k\":1}}", 0).contains("not a string"));
        assertTrue(refused("[1,2]", 0).contains("not a JSON object"));
        assertTrue(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,4],\"data_offsets\":[0,0]}}", 0).contains("overflows"));
    }

    @Test void headerLengthMustFitTheFile() throws Exception {
        Path p = dir.resolve("lie.safetensors");
        byte[] b = new byte[64];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Files.write(p, b);
        assertTrue(assertThrows(WeightFileException.class, () -> Safetensors.read(p)).getMessage().contains("impossible"));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(57);
        Files.write(p, b);
        assertThrows(WeightFileException.class, () -> Safetensors.read(p));
        Files.write(p, new byte[5]);
        assertTrue(assertThrows(WeightFileException.class, () -> Safetensors.read(p)).getMessage().contains("too short"));
    }

    @Test void integersBeyondFloatPrecisionAreRefused() throws Exception {
        String h = "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        Path p = file(h, 8);
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b, b.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).putLong((1L << 24) + 1);
        Files.write(p, b);
        assertTrue(assertThrows(WeightFileException.class, () -> Safetensors.read(p)).getMessage().contains("not exactly representable"));
    }
}
