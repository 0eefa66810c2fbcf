package org.nvit.weights;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted pickle interpreter for PyTorch checkpoints. It understands the opcodes of protocols 2 to 5 that
 * {@code torch.save} emits and builds plain Java values; it never imports or calls anything. Only the globals of
 * {@link #ALLOWED} may appear, and each has a fixed, inert meaning: dicts, tensor rebuilds (handed to
 * {@link TorchHooks}), storage and dtype markers, and {@code argparse.Namespace} as an opaque record. Any other
 * global is refused by name, as are the opcodes that could name one another way (INST, OBJ, NEWOBJ_EX, EXT1-4).
 *
 * <p>The interpreter is a loop over an explicit stack, so no pickle can make it recurse; the work a file can ask for
 * is bounded too: the values and memo entries it builds ({@link #MAX_VALUES}), the rebuild wrappers around a tensor
 * ({@link #MAX_REBUILD_WRAPPERS}), and how many keys of one dict may share a hash code ({@link #MAX_KEYS_PER_HASH}:
 * colliding keys would make each insert scan all the others). Values may still be deep, cyclic or shared (the memo
 * makes that cheap to write); whoever prints them uses {@link ValueFormat}.
 *
 * <p>Values: String, Long, BigInteger, Double, Boolean, null, byte[], {@link Tuple}, ArrayList, LinkedHashMap,
 * {@link Global}, {@link Opaque}, {@link PySet}, and whatever the hooks return (tensors).
 */
final class Unpickler {

    /** An immutable pickle tuple. */
    record Tuple(List<Object> items) {
        @Override public String toString() { return ValueFormat.brief(this, 200); }
    }

    /** A reference to an allowed global (storage types, dtypes, Parameter). */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** An object of an allowed but unexecuted class (argparse.Namespace); its BUILD state is kept for callers. */
    static final class Opaque {
        final String type;
        Object state;

        Opaque(String type) { this.type = type; }

        /** Bounded: the state may be deep, cyclic or shared (see {@link ValueFormat}). */
        @Override public String toString() { return ValueFormat.brief(this, 200); }
    }

    /** A pickled set (kept as a list: its items are only ever inspected). */
    record PySet(List<Object> items) {
        @Override public String toString() { return ValueFormat.brief(this, 200); }
    }

    /** How torch-specific values are built; implemented by the .pth reader. */
    interface TorchHooks {
        /** The persistent id ('storage', storageType, key, location, numel). */
        Object storage(String storageType, String key, long numel) throws WeightFileException;

        /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...). */
        Object tensor(Object storage, long offset, int[] size, long[] stride) throws WeightFileException;
    }

    static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch._tensor._rebuild_from_type_v2", "torch.nn.parameter.Parameter", "torch.Tensor",
            "argparse.Namespace", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.DoubleStorage", "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage", "torch.float32", "torch.float16", "torch.bfloat16",
            "torch.float64", "torch.int64", "torch.int32", "torch.uint8", "torch.bool");

    private static final Object MARK = new Object();
    /**
     * Values built and memo entries: far above any checkpoint's pickle (a few thousand values for a DeiT, tens of
     * thousands with optimizer state), far below what would exhaust a default heap (about 60 bytes each).
     */
    static final long MAX_VALUES = 2_000_000;
    /** torch writes one {@code _rebuild_from_type_v2} around a tensor rebuild; a few more are tolerated, no chain. */
    static final int MAX_REBUILD_WRAPPERS = 4;
    /**
     * Keys of one dict that may share a hash code. Real dicts have two or three at most; colliding keys make every
     * insert scan the others, so a file of n colliding keys would cost n^2 (hash flooding).
     */
    static final int MAX_KEYS_PER_HASH = 64;
    private long pushes;
    /** Per dict (by identity), how many of its keys have each hash code. */
    private final Map<Object, Map<Integer, Integer>> keyHashes = new IdentityHashMap<>();

    private final byte[] in;
    private final TorchHooks hooks;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] in, TorchHooks hooks) {
        this.in = in;
        this.hooks = hooks;
    }

    /** Interprets one pickle; the result is the value left by STOP. */
    static Object load(byte[] pickle, TorchHooks hooks) throws WeightFileException {
        return new Unpickler(pickle, hooks).run();
    }

    private Object run() throws WeightFileException {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { int v = u8(); if (v > 5) throw bad("unsupported pickle protocol " + v); }  // PROTO
                case 0x95 -> skip(8);                                   // FRAME: length only, data follows inline
                case '.' -> { Object r = pop(); if (!stack.isEmpty()) throw bad("data left on the stack at STOP"); return r; }
                case '(' -> { marks.add(stack.size()); stack.add(MARK); }
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(new Tuple(popN(1)));
                case 0x86 -> push(new Tuple(popN(2)));
                case 0x87 -> push(new Tuple(popN(3)));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> { Object v = pop(); list(peek()).add(v); }
                case 'e' -> { List<Object> vs = popMark(); list(peek()).addAll(vs); }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> { List<Object> kv = popMark(); Map<Object, Object> m = new LinkedHashMap<>(); putAll(m, kv); push(m); }
                case 's' -> { Object v = pop(); Object k = pop(); put(dict(peek()), k, v); }
                case 'u' -> { List<Object> kv = popMark(); putAll(dict(peek()), kv); }
                case 0x8f -> push(new PySet(new ArrayList<>()));       // EMPTY_SET
                case 0x90 -> { List<Object> vs = popMark(); set(peek()).items().addAll(vs); }  // ADDITEMS
                case 0x91 -> push(new PySet(new ArrayList<>(popMark())));  // FROZENSET
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | u8() << 8));
                case 'J' -> push((long) i32());
                case 0x8a -> push(longLE(u8()));                        // LONG1
                case 0x8b -> push(longLE(len32()));                     // LONG4
                case 'G' -> push(Double.longBitsToDouble(bigEndianLong()));
                case 'X' -> push(utf8(len32()));                        // BINUNICODE
                case 0x8c -> push(utf8(len(u8())));                          // SHORT_BINUNICODE
                case 0x8d -> push(utf8(len64()));                       // BINUNICODE8
                case 'T' -> push(latin1(len32()));                      // BINSTRING
                case 'U' -> push(latin1(len(u8())));                         // SHORT_BINSTRING
                case 'B' -> push(bytes(len32()));                       // BINBYTES
                case 'C' -> push(bytes(len(u8())));                          // SHORT_BINBYTES
                case 0x8e -> push(bytes(len64()));                      // BINBYTES8
                case 'q' -> memoPut(u8());                              // BINPUT
                case 'r' -> memoPut((long) i32() & 0xffffffffL);        // LONG_BINPUT
                case 0x94 -> memoPut(memo.size());                      // MEMOIZE
                case 'h' -> push(memoGet(u8()));                        // BINGET
                case 'j' -> push(memoGet((long) i32() & 0xffffffffL));  // LONG_BINGET
                case '0' -> pop();                                      // POP
                case '1' -> popMark();                                  // POP_MARK
                case '2' -> push(peek());                               // DUP
                case 'c' -> push(global(line(), line()));               // GLOBAL
                case 0x93 -> { Object name = pop(); Object module = pop(); push(global(str(module), str(name))); }
                case 'Q' -> push(persistent(pop()));                    // BINPERSID
                case 'R' -> { Object args = pop(); Object f = pop(); push(call(f, tuple(args))); }  // REDUCE
                case 0x81 -> { Object args = pop(); Object cls = pop(); push(newObject(cls, tuple(args))); }  // NEWOBJ
                case 'b' -> { Object state = pop(); build(peek(), state); }  // BUILD
                // opcodes that name a class or function in ways torch.save never uses: refused, naming what they ask for
                case 'i' -> { String q = line() + "." + line(); throw refusedCall("INST", q, at); }
                case 'o' -> { List<Object> items = popMark(); throw refusedCall("OBJ", items.isEmpty() ? null : items.getFirst(), at); }
                case 0x92 -> { pop(); pop(); throw refusedCall("NEWOBJ_EX", pop(), at); }
                case 0x82 -> throw refusedExt("EXT1", u8(), at);
                case 0x83 -> throw refusedExt("EXT2", u8() | u8() << 8, at);
                case 0x84 -> throw refusedExt("EXT4", (long) i32() & 0xffffffffL, at);
                default -> throw bad(String.format("unsupported pickle opcode %s at byte %d", opcodeName(op), at));
            }
        }
    }

    // ---- globals and calls: the only places where a pickle could ask for behaviour ----

    private Object global(String module, String name) throws WeightFileException {
        String q = module + "." + name;
        if (!ALLOWED.contains(q)) throw bad("forbidden pickle global '" + q + "' (only tensors, dicts and lists are loaded)");
        return new Global(module, name);
    }

    private Object call(Object f, List<Object> args) throws WeightFileException {
        String q = f instanceof Global g ? g.qualified() : "a non-global";
        switch (q) {
            case "collections.OrderedDict" -> {
                if (!args.isEmpty()) throw bad("OrderedDict called with arguments");
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (args.size() < 4) throw bad("_rebuild_tensor_v2 needs 4 or more arguments, got " + args.size());
                int[] size = ints(args.get(2), "tensor size");
                long[] stride = longs(args.get(3), "tensor stride");
                if (stride.length != size.length) throw bad("tensor size " + java.util.Arrays.toString(size)
                        + " and stride " + java.util.Arrays.toString(stride) + " differ in rank");
                return hooks.tensor(args.get(0), integer(args.get(1), "storage offset"), size, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (args.isEmpty()) throw bad("_rebuild_parameter without arguments");
                return args.get(0);
            }
            case "torch._tensor._rebuild_from_type_v2" -> {
                // (func, new_type, args, state): unwrapped in a loop, so a chain of wrappers cannot recurse
                Object func;
                List<Object> inner = args;
                for (int wrappers = 1; ; wrappers++) {
                    if (inner.size() < 3) throw bad("_rebuild_from_type_v2 needs 3 or more arguments");
                    func = inner.get(0);
                    inner = tuple(inner.get(2));
                    if (!(func instanceof Global g && g.qualified().equals(q))) break;
                    if (wrappers >= MAX_REBUILD_WRAPPERS)
                        throw bad("_rebuild_from_type_v2 nested more than " + MAX_REBUILD_WRAPPERS + " deep (torch writes one)");
                }
                return call(func, inner);   // func is not a wrapper: one level of recursion at most
            }
            case "argparse.Namespace" -> { return new Opaque(q); }
            default -> throw bad("pickle calls '" + q + "', which a checkpoint reader does not do");
        }
    }

    private Object newObject(Object cls, List<Object> args) throws WeightFileException {
        if (cls instanceof Global g && g.qualified().equals("argparse.Namespace")) return new Opaque(g.qualified());
        if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")) return new LinkedHashMap<>();
        throw bad("pickle instantiates '" + (cls instanceof Global g ? g.qualified() : "a non-global") + "', which is not supported");
    }

    private void build(Object target, Object state) throws WeightFileException {
        // OrderedDict metadata, Parameter state and the like carry nothing a weight reader needs
        if (target instanceof Opaque o) o.state = state;
    }

    private Object persistent(Object pid) throws WeightFileException {
        List<Object> t = tuple(pid);
        if (t.size() != 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global g))
            throw bad("unsupported persistent id (expected ('storage', type, key, location, numel))");
        if (!g.module().equals("torch") || ElementType.ofTorchStorage(g.name()) == null)
            throw bad("persistent id names '" + g.qualified() + "', which is not a storage type");
        return hooks.storage(g.name(), str(t.get(2)), integer(t.get(4), "storage size"));
    }

    // ---- stack and memo ----

    private void push(Object o) throws WeightFileException {
        if (++pushes > MAX_VALUES) throw bad("pickle builds more than " + MAX_VALUES + " values; not a weight file");
        stack.add(o);
    }

    private void memoPut(long index) throws WeightFileException {
        Object v = peek();
        if (memo.put(index, v) == null && memo.size() > MAX_VALUES)
            throw bad("pickle memo holds more than " + MAX_VALUES + " entries; not a weight file");
    }

    /** A dict insert with the hash-flooding bound. */
    private void put(Map<Object, Object> m, Object k, Object v) throws WeightFileException {
        Object key = key(k);
        int h = java.util.Objects.hashCode(key);
        Map<Integer, Integer> counts = keyHashes.computeIfAbsent(m, x -> new HashMap<>());
        if (counts.getOrDefault(h, 0) >= MAX_KEYS_PER_HASH)
            throw bad("more than " + MAX_KEYS_PER_HASH + " keys of one dict share a hash code (a hash-flooding file, not a checkpoint)");
        if (m.put(key, v) == null) counts.merge(h, 1, Integer::sum);
    }

    private static WeightFileException refusedCall(String opcode, Object what, int at) {
        String name = what instanceof Global g ? g.qualified() : what instanceof String s ? s : "a " + typeName(what);
        String why = ALLOWED.contains(name) ? "pickle opcode " + opcode + " calls '" + name + "'"
                : "forbidden pickle global '" + name + "' (opcode " + opcode + ")";
        return bad(why + " at byte " + at + "; torch.save never writes " + opcode + ", and a checkpoint reader runs nothing");
    }

    private static WeightFileException refusedExt(String opcode, long code, int at) {
        return bad("pickle opcode " + opcode + " at byte " + at + " names extension code " + code
                + " of Python's copyreg registry; a checkpoint reader resolves no extension codes");
    }

    private Object pop() throws WeightFileException {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad("pickle stack underflow at byte " + pos);
        return stack.removeLast();
    }

    private Object peek() throws WeightFileException {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad("pickle stack underflow at byte " + pos);
        return stack.getLast();
    }

    private List<Object> popN(int n) throws WeightFileException {
        Object[] a = new Object[n];
        for (int i = n - 1; i >= 0; i--) a[i] = pop();
        return java.util.Arrays.asList(a);
    }

    private List<Object> popMark() throws WeightFileException {
        if (marks.isEmpty()) throw bad("pickle MARK missing at byte " + pos);
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(long i) throws WeightFileException {
        if (!memo.containsKey(i)) throw bad("pickle memo entry " + i + " missing");
        return memo.get(i);
    }

    // ---- typed views of values ----

    private static Object key(Object k) throws WeightFileException {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                || k instanceof BigInteger) return k;
        if (k instanceof Tuple t) {
            if (t.items().size() > 16) throw bad("tuple of " + t.items().size() + " items as dict key");
            for (Object o : t.items()) if (o instanceof Tuple || o instanceof List || o instanceof Map) throw bad("nested tuple as dict key");
            for (Object o : t.items()) key(o);
            return k;
        }
        throw bad("unsupported dict key of type " + typeName(k));
    }

    private void putAll(Map<Object, Object> m, List<Object> kv) throws WeightFileException {
        if (kv.size() % 2 != 0) throw bad("odd number of items for a dict");
        for (int i = 0; i < kv.size(); i += 2) put(m, kv.get(i), kv.get(i + 1));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) throws WeightFileException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw bad("APPEND to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) throws WeightFileException {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw bad("SETITEM on a " + typeName(o));
    }

    private static PySet set(Object o) throws WeightFileException {
        if (o instanceof PySet s) return s;
        throw bad("ADDITEMS on a " + typeName(o));
    }

    private static List<Object> tuple(Object o) throws WeightFileException {
        if (o instanceof Tuple t) return t.items();
        throw bad("expected a tuple, got " + typeName(o));
    }

    private static String str(Object o) throws WeightFileException {
        if (o instanceof String s) return s;
        throw bad("expected a string, got " + typeName(o));
    }

    static long integer(Object o, String what) throws WeightFileException {
        if (o instanceof Long l) return l;
        throw bad(what + " is a " + typeName(o) + ", not an integer");
    }

    private static long[] longs(Object o, String what) throws WeightFileException {
        List<Object> t = tuple(o);
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) r[i] = integer(t.get(i), what);
        return r;
    }

    private static int[] ints(Object o, String what) throws WeightFileException {
        long[] l = longs(o, what);
        int[] r = new int[l.length];
        for (int i = 0; i < r.length; i++) {
            if (l[i] < 0 || l[i] > Integer.MAX_VALUE) throw bad(what + " " + l[i] + " out of range");
            r[i] = (int) l[i];
        }
        return r;
    }

    static String typeName(Object o) {
        return o == null ? "None" : o instanceof Global g ? "global " + g.qualified() : o.getClass().getSimpleName();
    }

    // ---- raw reads (every length is checked against the bytes that remain) ----

    private int u8() throws WeightFileException {
        if (pos >= in.length) throw bad("pickle data ends early (no STOP)");
        return in[pos++] & 0xff;
    }

    private int i32() throws WeightFileException {
        return u8() | u8() << 8 | u8() << 16 | u8() << 24;
    }

    private int len32() throws WeightFileException { return len((long) i32() & 0xffffffffL); }

    private int len64() throws WeightFileException {
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (long) u8() << (8 * i);
        if (v < 0) throw bad("pickle length out of range");
        return len(v);
    }

    private int len(long n) throws WeightFileException {
        if (n > in.length - pos) throw bad("pickle length " + n + " runs past the end of the data");
        return (int) n;
    }

    private void skip(int n) throws WeightFileException { pos += len(n); }

    private byte[] bytes(int n) {
        byte[] b = java.util.Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    private long bigEndianLong() throws WeightFileException {
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | u8();
        return v;
    }

    private Object longLE(int n) throws WeightFileException {
        if (n > 64) throw bad("pickle integer of " + n + " bytes is too long");
        byte[] b = bytes(len(n));
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = b[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int n) throws WeightFileException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(in, pos, n)).toString();
        } catch (CharacterCodingException e) {
            throw bad("invalid UTF-8 string in pickle at byte " + pos);
        } finally {
            pos += n;
        }
    }

    private String latin1(int n) {
        String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private String line() throws WeightFileException {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') pos++;
        if (pos >= in.length) throw bad("unterminated GLOBAL name in pickle");
        if (pos - start > 256) throw bad("GLOBAL name too long in pickle");
        return new String(in, start, pos++ - start, StandardCharsets.UTF_8);
    }

    /** Python's names of the opcodes this reader refuses, for messages ("0xNN" for bytes that are no opcode). */
    private static final Map<Integer, String> REFUSED_NAMES = Map.ofEntries(
            Map.entry((int) 'F', "FLOAT"), Map.entry((int) 'I', "INT"), Map.entry((int) 'L', "LONG"),
            Map.entry((int) 'P', "PERSID"), Map.entry((int) 'S', "STRING"), Map.entry((int) 'V', "UNICODE"),
            Map.entry((int) 'g', "GET"), Map.entry((int) 'p', "PUT"), Map.entry(0x96, "BYTEARRAY8"),
            Map.entry(0x97, "NEXT_BUFFER"), Map.entry(0x98, "READONLY_BUFFER"));

    private static String opcodeName(int op) {
        String name = REFUSED_NAMES.get(op);
        return name == null ? String.format("0x%02x", op) : String.format("%s (0x%02x, a text-protocol or buffer opcode torch.save does not write)", name, op);
    }

    private static WeightFileException bad(String msg) { return new WeightFileException(msg); }
}
