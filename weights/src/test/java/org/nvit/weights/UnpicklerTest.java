package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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

    /** Far deeper than any thread stack could recurse: each level would be a Java frame in a recursive reader. */
    private static final int VERY_DEEP = 200_000;

    @Test void nestedTensorRebuildsAreUnwrappedWithoutRecursion() {
        byte[] pkl = org.nvit.weights.hostile.HostileCorpus.deepRebuild(VERY_DEEP);
        var e = assertThrows(WeightFileException.class, () -> load(pkl));
        assertTrue(e.getMessage().contains("nested more than " + Unpickler.MAX_REBUILD_WRAPPERS), e.getMessage());
        // the one level torch writes still works: _rebuild_from_type_v2(_rebuild_parameter, Tensor, (x, False, {}), {})
        Object r = assertDoesNotThrow(() -> load(p(global("torch._tensor", "_rebuild_from_type_v2"), '(',
                global("torch._utils", "_rebuild_parameter"), global("torch", "Tensor"), '(', "x", 0x89, '}', 't', '}', 't', 'R', '.')));
        assertEquals("x", r);
    }

    @Test void deepCyclicAndSharedValuesPrintBounded() throws Exception {
        // 200,000 nested lists, a two-list cycle inside a Namespace, and 2^60 elements by shared memo references
        StringBuilder deep = new StringBuilder();
        Object nested = load(p(new String(new char[VERY_DEEP]).replace('\0', ']').getBytes(StandardCharsets.ISO_8859_1),
                new String(new char[VERY_DEEP - 1]).replace('\0', 'a').getBytes(StandardCharsets.ISO_8859_1), '.'));
        deep.append(ValueFormat.brief(nested, 100));
        assertTrue(deep.toString().startsWith("[[[[[[[[...") && deep.length() <= 100, deep.toString());

        Object cyc = load(p(global("argparse", "Namespace"), ')', 0x81, '}', "a", ']', 'q', 1, ']', 'q', 2, 'h', 1, 'a', 'a',
                's', 'b', '.'));
        assertEquals("Namespace(a=[[<cycle>]])", cyc.toString());

        org.nvit.weights.hostile.PickleWriter w = new org.nvit.weights.hostile.PickleWriter();
        w.op(']').memoize().op('0');
        for (int i = 0; i < 60; i++) {
            int prev = w.lastMemo();
            w.op(']', '(').get(prev).get(prev).op('e').memoize().op('0');
        }
        Object shared = load(w.get(w.lastMemo()).stop());
        String s = assertTimeoutPreemptively(java.time.Duration.ofSeconds(2), () -> ValueFormat.brief(shared, 200));
        assertTrue(s.length() <= 200 && s.endsWith("..."), s);
    }

    @Test void collidingDictKeysAreRefusedQuickly() {
        org.nvit.weights.hostile.PickleWriter w = new org.nvit.weights.hostile.PickleWriter();
        org.nvit.weights.hostile.HostileCorpus.collidingKeys(w);
        byte[] pkl = w.stop();
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> assertThrows(WeightFileException.class, () -> load(pkl)));
        assertTrue(e.getMessage().contains("share a hash code"), e.getMessage());
        // as many distinct keys with ordinary hashes load
        org.nvit.weights.hostile.PickleWriter ok = new org.nvit.weights.hostile.PickleWriter();
        ok.op('}', '(');
        for (int i = 0; i < 32_768; i++) ok.integer(i).integer(7 * i).op(0x86).op('N');
        Map<?, ?> m = (Map<?, ?>) assertDoesNotThrow(() -> load(ok.op('u').stop()));
        assertEquals(32_768, m.size());
    }

    @Test void codeNamingOpcodesAreRefusedByName() {
        var inst = assertThrows(WeightFileException.class, () -> load(p('(', "ls", 'i', "os\nsystem\n".getBytes(StandardCharsets.US_ASCII), '.')));
        assertTrue(inst.getMessage().contains("forbidden pickle global 'os.system' (opcode INST)"), inst.getMessage());
        var instAllowed = assertThrows(WeightFileException.class, () -> load(p('(', 'i', "collections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII), '.')));
        assertTrue(instAllowed.getMessage().contains("opcode INST calls 'collections.OrderedDict'"), instAllowed.getMessage());
        var obj = assertThrows(WeightFileException.class, () -> load(p('(', global("builtins", "eval"), "1", 'o', '.')));
        assertTrue(obj.getMessage().contains("'builtins.eval'"), obj.getMessage());
        var ext = assertThrows(WeightFileException.class, () -> load(p(0x83, 0x34, 0x12, '.')));
        assertTrue(ext.getMessage().contains("EXT2") && ext.getMessage().contains("extension code 4660"), ext.getMessage());
        var text = assertThrows(WeightFileException.class, () -> load(p('I', "12\n".getBytes(StandardCharsets.US_ASCII), '.')));
        assertTrue(text.getMessage().contains("INT (0x49"), text.getMessage());
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
