package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** Our .pth files: read back by our reader bit for bit, and laid out the way torch.save lays out its zip files. */
class PthWriterTest {
    @TempDir Path dir;

    private static final VitConfig RAGGED = new VitConfig(8, 4, 3, 5, 16, true, 1e-6, 0.125,
            List.of(new BlockSpec(2, 4, 6, 24), new BlockSpec(1, 8, 8, 8)));

    private static Map<String, Tensor> randomStateDict(VitConfig c) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        Rng rng = new Rng(11);
        StateDicts.expectedShapes(c).forEach((k, s) -> sd.put(k, Tensor.randn(DType.F32, rng, 0.5, s)));
        return sd;
    }

    @Test void roundTripsThroughOurReaderWithItsConfig() throws Exception {
        Map<String, Tensor> sd = randomStateDict(RAGGED);
        Path f = dir.resolve("m.pth");
        PthWriter.write(f, RAGGED, sd);
        WeightFiles.Loaded back = WeightFiles.load(f, null);   // no --heads: the config comes from the file
        assertEquals(RAGGED, back.config());
        assertEquals("pytorch (nvit config)", back.format());
        assertEquals(List.copyOf(sd.keySet()), List.copyOf(back.stateDict().keySet()));
        for (var e : sd.entrySet()) {
            Tensor t = back.stateDict().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertArrayEquals(e.getValue().toFloatArray(), t.toFloatArray(), e.getKey());
        }
        assertEquals(RAGGED.toJson(), PthReader.read(f).get(PthWriter.CONFIG_KEY));
        assertFalse(back.extras().containsKey(PthWriter.MODEL_KEY));
    }

    @Test void zipLayoutIsTorchSaves() throws Exception {
        Map<String, Tensor> sd = randomStateDict(RAGGED);
        Path f = dir.resolve("m.pth");
        PthWriter.write(f, RAGGED, sd);
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<String> names = new ArrayList<>();
        Map<String, byte[]> records = new LinkedHashMap<>();
        int pos = 0;
        while (bb.getInt(pos) == 0x04034b50) {        // local file headers, one after the other
            int method = bb.getShort(pos + 8) & 0xffff, flags = bb.getShort(pos + 6) & 0xffff;
            int size = bb.getInt(pos + 18), nameLen = bb.getShort(pos + 26) & 0xffff, extraLen = bb.getShort(pos + 28) & 0xffff;
            String name = new String(b, pos + 30, nameLen, StandardCharsets.UTF_8);
            int data = pos + 30 + nameLen + extraLen;
            assertEquals(0, method, name + " must be STORED");
            assertEquals(0, flags & 8, name + " must not use a data descriptor");
            if (name.startsWith("archive/data/")) assertEquals(0, data % 64, name + " data is not 64-byte aligned");
            names.add(name);
            records.put(name, java.util.Arrays.copyOfRange(b, data, data + size));
            pos = data + size;
        }
        List<String> want = new ArrayList<>(List.of("archive/data.pkl", "archive/byteorder"));
        for (int i = 0; i < sd.size(); i++) want.add("archive/data/" + i);
        want.add("archive/version");
        assertEquals(want, names);
        assertEquals("little", new String(records.get("archive/byteorder"), StandardCharsets.US_ASCII));
        assertEquals("3\n", new String(records.get("archive/version"), StandardCharsets.US_ASCII));
        // storage 0 is the first tensor, float32 little-endian
        float[] first = sd.values().iterator().next().toFloatArray();
        ByteBuffer s0 = ByteBuffer.wrap(records.get("archive/data/0")).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : first) assertEquals(v, s0.getFloat());
        assertFalse(s0.hasRemaining());

        // only the globals torch.load(weights_only=True) allows, found by walking the opcodes
        byte[] pkl = records.get("archive/data.pkl");
        assertEquals(0x80, pkl[0] & 0xff);
        assertEquals(2, pkl[1]);
        assertEquals(Set.of("collections.OrderedDict", "torch.FloatStorage", "torch._utils._rebuild_tensor_v2"), globals(pkl));
    }

    /** The GLOBALs of a pickle made of the opcodes PickleWriter emits (any other opcode fails the test). */
    private static Set<String> globals(byte[] p) {
        Set<String> out = new TreeSet<>();
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        int i = 2;
        while (true) {
            int op = p[i++] & 0xff;
            switch (op) {
                case '}', '(', 'u', 't', ')', 0x89, 'R', 'Q' -> { }
                case 'K' -> i += 1;
                case 'M' -> i += 2;
                case 'J' -> i += 4;
                case 0x8a -> i += 1 + (p[i] & 0xff);
                case 'X' -> i += 4 + b.getInt(i);
                case 'c' -> {
                    int nl1 = indexOf(p, i), nl2 = indexOf(p, nl1 + 1);
                    out.add(new String(p, i, nl1 - i, StandardCharsets.US_ASCII) + "."
                            + new String(p, nl1 + 1, nl2 - nl1 - 1, StandardCharsets.US_ASCII));
                    i = nl2 + 1;
                }
                case '.' -> {
                    assertEquals(p.length, i, "bytes after STOP");
                    return out;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op) + " at " + (i - 1));
            }
        }
    }

    private static int indexOf(byte[] p, int from) {
        for (int i = from; i < p.length; i++) if (p[i] == '\n') return i;
        throw new AssertionError("unterminated GLOBAL");
    }

    @Test void aStateDictThatDoesNotMatchItsConfigIsRefusedAndNothingIsWritten() throws Exception {
        Map<String, Tensor> sd = randomStateDict(RAGGED);
        sd.remove("head.bias");
        Path f = dir.resolve("bad.pth");
        assertThrows(StateDictException.class, () -> PthWriter.write(f, RAGGED, sd));
        assertFalse(Files.exists(f));
        try (var files = Files.list(dir)) { assertTrue(files.findAny().isEmpty(), "a temporary file was left behind"); }
    }
}
