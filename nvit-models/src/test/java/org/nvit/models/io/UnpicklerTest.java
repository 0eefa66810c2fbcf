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
    static byte[] p(Object... parts) {
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

    static byte[] global(String module, String name) {
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

    /** Random programs over the opcode vocabulary: every one ends in a value or a WeightFileException, quickly. */
    @Test void randomOpcodeSequencesNeverEscape() {
        Unpickler.TorchHooks dummy = new Unpickler.TorchHooks() {
            @Override public Object storage(String t, String k, long n) { return "S"; }
            @Override public Object tensor(Object s, long o, int[] size, long[] stride) { return "T"; }
        };
        int[] ops = {'(', ')', 't', 0x85, 0x86, 0x87, ']', 'l', 'a', 'e', '}', 'd', 's', 'u', 0x8f, 0x90, 0x91, 'N', 0x88,
                0x89, 'K', 'M', 'J', 0x8a, 'G', 'X', 0x8c, 'T', 'U', 'B', 'C', 'q', 'r', 0x94, 'h', 'j', '0', '1', '2',
                'Q', 'R', 0x81, 'b', '.', 0x95};
        byte[][] globals = {global("collections", "OrderedDict"), global("torch._utils", "_rebuild_tensor_v2"),
                global("torch", "FloatStorage"), global("argparse", "Namespace"), global("torch._utils", "_rebuild_parameter")};
        java.util.Random rng = new java.util.Random(42);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> {
            for (int c = 0; c < 5000; c++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(0x80);
                out.write(2);
                int len = 1 + rng.nextInt(60);
                for (int i = 0; i < len; i++) {
                    if (rng.nextInt(8) == 0) { out.writeBytes(globals[rng.nextInt(globals.length)]); continue; }
                    out.write(ops[rng.nextInt(ops.length)]);
                    for (int k = rng.nextInt(3); k > 0; k--) out.write(rng.nextInt(10) == 0 ? rng.nextInt(256) : rng.nextInt(4));   // mostly small operands
                }
                try {
                    Unpickler.load(out.toByteArray(), dummy);
                } catch (WeightFileException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().contains("\n"));
                } catch (RuntimeException e) {
                    throw new AssertionError("case " + c + " escaped with " + e, e);
                }
            }
        });
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
