package org.nvit.weights.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Assembles protocol-2 pickles opcode by opcode, as torch.save writes them (and as an attacker can bend them):
 * strings, integers, globals (memoised, so a repeated global costs two bytes), and tensor rebuilds.
 */
public final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> globals = new HashMap<>();
    private int memo;

    public PickleWriter() {
        op(0x80, 2);
    }

    /** Raw opcode bytes. */
    public PickleWriter op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    public PickleWriter raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** BINUNICODE. */
    public PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    /** BININT1, BININT or LONG1, whichever fits. */
    public PickleWriter integer(long v) {
        if (v >= 0 && v < 256) return op('K', (int) v);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) { out.write('J'); le(v, 4); return this; }
        out.write(0x8a);
        out.write(9);
        le(v, 8);
        out.write(v < 0 ? 0xff : 0);
        return this;
    }

    /** GLOBAL the first time (memoised with LONG_BINPUT), LONG_BINGET after. */
    public PickleWriter global(String module, String name) {
        String q = module + "\n" + name + "\n";
        Integer at = globals.get(q);
        if (at != null) {
            out.write('j');
            le(at, 4);
            return this;
        }
        out.write('c');
        out.writeBytes(q.getBytes(StandardCharsets.UTF_8));
        return put(q);
    }

    /** LONG_BINPUT of the top value under the next free index; returns this writer. */
    public PickleWriter memoize() { return put(null); }

    /** The index the last {@link #memoize} used. */
    public int lastMemo() { return memo - 1; }

    /** LONG_BINGET. */
    public PickleWriter get(int index) {
        out.write('j');
        le(index, 4);
        return this;
    }

    private PickleWriter put(String global) {
        if (global != null) globals.put(global, memo);
        out.write('r');
        le(memo++, 4);
        return this;
    }

    /**
     * torch._utils._rebuild_tensor_v2(storage, 0, shape, contiguous stride, False, OrderedDict()) over the storage
     * ('storage', torch.TYPE, key, 'cpu', numel), leaving the tensor on the stack.
     */
    public PickleWriter tensor(String storageType, String key, long numel, int... shape) {
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('(').str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t', 'Q');
        integer(0);
        op('(');
        for (int d : shape) integer(d);
        op('t');
        op('(');
        long stride = 1;
        long[] strides = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) { strides[i] = stride; stride *= shape[i]; }
        for (long s : strides) integer(s);
        op('t');
        op(0x89);
        global("collections", "OrderedDict").op(')', 'R');
        return op('t', 'R');
    }

    /** STOP, and the bytes. */
    public byte[] stop() {
        out.write('.');
        return out.toByteArray();
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
