package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Tensor;

/** torch.save-like archives built by hand: any folder name, big-endian storages, lying sizes and offsets. */
class HandBuiltZipTest {
    @TempDir Path dir;

    /** {'w': _rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, size, stride, False, OrderedDict())}. */
    private static byte[] pickle(int numel, int offset, int[] size, int[] stride) {
        ByteArrayOutputStream sz = new ByteArrayOutputStream(), st = new ByteArrayOutputStream();
        sz.write('(');
        st.write('(');
        for (int s : size) { sz.write('J'); sz.writeBytes(le(s)); }
        for (int s : stride) { st.write('J'); st.writeBytes(le(s)); }
        sz.write('t');
        st.write('t');
        return UnpicklerTest.p('}', "w", UnpicklerTest.global("torch._utils", "_rebuild_tensor_v2"), '(',
                '(', "storage", UnpicklerTest.global("torch", "FloatStorage"), "0", "cpu", 'J', le(numel), 't', 'Q',
                'J', le(offset), sz.toByteArray(), st.toByteArray(), 0x89,
                UnpicklerTest.global("collections", "OrderedDict"), ')', 'R', 't', 'R', 's', '.');
    }

    private static byte[] le(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    private Path zip(String prefix, byte[] pkl, byte[] storage, String byteorder) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(prefix + "/data.pkl", pkl);
        if (byteorder != null) entries.put(prefix + "/byteorder", byteorder.getBytes());
        if (storage != null) entries.put(prefix + "/data/0", storage);
        Path p = Files.createTempFile(dir, "h", ".pth");
        TestZips.stored(entries, Files.newOutputStream(p));
        return p;
    }

    private static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    @Test void bigEndianStorageUnderAnyFolderName() throws Exception {
        byte[] pkl = pickle(6, 1, new int[] {2, 2}, new int[] {1, 2});   // columns of a 2x... view: elements 1,3 / 2,4
        Path p = zip("my model.v2", pkl, floats(ByteOrder.BIG_ENDIAN, 0, 1, 2, 3, 4, 5), "big");
        Tensor w = (Tensor) PthReader.read(p).get("w");
        assertArrayEquals(new float[] {1, 3, 2, 4}, w.toFloatArray());
        Path little = zip("archive", pkl, floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5), null);
        assertArrayEquals(new float[] {1, 3, 2, 4}, ((Tensor) PthReader.read(little).get("w")).toFloatArray());
    }

    @Test void viewsOutsideTheirStorageAreRefused() throws Exception {
        byte[] six = floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5);
        String m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(6, 3, new int[] {2, 2}, new int[] {2, 1}), six, null))).getMessage();
        assertTrue(m.contains("runs past storage 0 of 6 elements"), m);
        m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(8, 0, new int[] {8}, new int[] {1}), six, null))).getMessage();
        assertTrue(m.contains("holds 24 bytes, 32 needed"), m);
        m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(6, 0, new int[] {6}, new int[] {1}), null, null))).getMessage();
        assertTrue(m.contains("missing from the archive"), m);
        m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(1 << 30, 0, new int[] {6}, new int[] {1}), six, null))).getMessage();
        assertTrue(m.contains("more than the file holds"), m);
        m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(6, 0, new int[] {6}, new int[] {1}), six, "middle"))).getMessage();
        assertTrue(m.contains("unknown byteorder"), m);
    }

    @Test void broadcastViewsCannotExhaustMemory() throws Exception {
        byte[] one = floats(ByteOrder.LITTLE_ENDIAN, 7);
        // a stride-0 view of 2^30 elements over a 4-byte storage: legal torch, but more than this file can justify
        String m = assertThrows(WeightFileException.class,
                () -> PthReader.read(zip("a", pickle(1, 0, new int[] {1 << 30}, new int[] {0}), one, null))).getMessage();
        assertTrue(m.contains("copy more elements than the file could hold"), m);
        Tensor small = (Tensor) PthReader.read(zip("a", pickle(1, 0, new int[] {3, 2}, new int[] {0, 0}), one, null)).get("w");
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, small.toFloatArray());
    }
}
