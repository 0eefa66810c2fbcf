package org.nvit.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-assembled pickles: what the restricted interpreter builds, and what it refuses. */
class UnpicklerTest {
    private static final Unpickler.TorchHooks NO_TORCH = new Unpickler.TorchHooks() {
        @Override public Object storage(String t, String k, long n) throws WeightFileException { throw new WeightFileException("no storages"); }
        @Override public Object tensor(Object s, long o, int[] size, long[] stride) throws WeightFileException { throw new WeightFileException("no tensors"); }
    };

    /** A tiny pickle assembler: ints are opcodes or raw bytes, strings are written as BINUNICODE. */
    private static byte[] p(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        for (Object o : parts) {
            if (o instanceof Integer i) out.write(i);
            else if (o instanceof Character c) out.write(c);
            else if (o instanceof String s) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.write('X');
                for (int k = 0; k < 4; k++) out.write(b.length >>> (8 * k));
                out.writeBytes(b);
            } else if (o instanceof byte[] b) out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static byte[] global(String module, String name) {
        return ("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Object load(byte[] b) throws WeightFileException { return Unpickler.load(b, NO_TORCH); }

    @Test void buildsContainersAndScalars() throws Exception {
        // {'a': [1, -2, 3.5, None, True], 'b': (2**70, 'x'), 'c': OrderedDict()}
        byte[] big = new byte[] {(byte) 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40};
        byte[] neg = new byte[] {(byte) 0x8a, 1, (byte) 0xfe};
        byte[] dbl = new byte[] {'G', 0x40, 0x0c, 0, 0, 0, 0, 0, 0};
        Object r = load(p('}', '(', "a", ']', '(', 'K', 1, neg, dbl, 'N', 0x88, 'e', "b", big, "x", 0x86,
                "c", global("collections", "OrderedDict"), ')', 'R', 'u', '.'));
        Map<?, ?> m = (Map<?, ?>) r;
        assertEquals(java.util.Arrays.asList(1L, -2L, 3.5, null, true), m.get("a"));
        assertEquals(new Unpickler.Tuple(List.of(BigInteger.TWO.pow(70), "x")), m.get("b"));
        assertEquals(Map.of(), m.get("c"));
    }

    @Test void memoSharesObjectsAndCyclesAreHarmless() throws Exception {
        // l = []; l.append(l); {'x': l, 'y': l}
        Object r = load(p('}', '(', "x", ']', 'q', 0, 'h', 0, 'a', "y", 'h', 0, 'u', '.'));
        Map<?, ?> m = (Map<?, ?>) r;
        assertSame(m.get("x"), m.get("y"));
        assertSame(m.get("x"), ((List<?>) m.get("x")).getFirst());
    }

    @Test void refusesForbiddenGlobalsByName() {
        var e = assertThrows(WeightFileException.class, () -> load(p(global("os", "system"), "ls", 0x85, 'R', '.')));
        assertTrue(e.getMessage().contains("forbidden pickle global 'os.system'"), e.getMessage());
        // protocol 4 STACK_GLOBAL
        var e2 = assertThrows(WeightFileException.class, () -> load(p("builtins", "eval", 0x93, '.')));
        assertTrue(e2.getMessage().contains("forbidden pickle global 'builtins.eval'"), e2.getMessage());
    }

    @Test void allowedGlobalsAreNeverCalledAsFunctions() {
        var e = assertThrows(WeightFileException.class, () -> load(p(global("torch", "FloatStorage"), ')', 'R', '.')));
        assertTrue(e.getMessage().contains("'torch.FloatStorage'"), e.getMessage());
        assertThrows(WeightFileException.class, () -> load(p(global("torch", "float32"), ')', 0x81, '.')));
    }

    @Test void namespaceIsAnOpaqueRecord() throws Exception {
        Object r = load(p(global("argparse", "Namespace"), ')', 0x81, '}', '(', "lr", 'K', 5, 'u', 'b', '.'));
        Unpickler.Opaque o = (Unpickler.Opaque) r;
        assertEquals("argparse.Namespace", o.type);
        assertEquals(Map.of("lr", 5L), o.state);
    }

    @Test void malformedPicklesGiveClearErrors() {
        assertTrue(assertThrows(WeightFileException.class, () -> load(p(']'))).getMessage().contains("no STOP"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p('a', '.'))).getMessage().contains("underflow"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p('h', 3, '.'))).getMessage().contains("memo"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p('X', 0xff, 0xff, 0xff, 0x7f))).getMessage().contains("past the end"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p(0xfe))).getMessage().contains("opcode 0xfe"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p('}', ']', 'K', 1, 's', '.'))).getMessage().contains("dict key"));
        assertTrue(assertThrows(WeightFileException.class, () -> load(p('K', 1, 'K', 2, '.'))).getMessage().contains("left on the stack"));
    }
}
