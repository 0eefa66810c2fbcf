package org.nvit.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Emits pickle protocol 2 opcodes, the protocol {@code torch.save} uses by default. Only what a state-dict checkpoint
 * needs: dicts, strings, non-negative ints, tuples, False, globals, REDUCE and persistent ids. Nothing is memoised:
 * every value is written where it is used, which any unpickler accepts and keeps the writer trivially correct.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter() {
        out.write(0x80);  // PROTO
        out.write(2);
    }

    byte[] finish() {
        out.write('.');   // STOP
        return out.toByteArray();
    }

    void mark() { out.write('('); }

    void emptyDict() { out.write('}'); }

    /** SETITEMS: the key/value pairs pushed since the last mark go into the dict below that mark. */
    void setItems() { out.write('u'); }

    /** TUPLE from the items pushed since the last mark. */
    void tupleFromMark() { out.write('t'); }

    void emptyTuple() { out.write(')'); }

    void falseValue() { out.write(0x89); }   // NEWFALSE

    /** GLOBAL module.name (protocol 2's text form: module and name each end with a newline). */
    void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** REDUCE: calls the callable below the argument tuple on top. */
    void reduce() { out.write('R'); }

    /** BINPERSID: the object on top is a persistent id, resolved by the loader (torch: a storage). */
    void persistentId() { out.write('Q'); }

    /** BINUNICODE: u32 little-endian length, then UTF-8. */
    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
    }

    /** A non-negative int in the smallest form: BININT1, BININT2, BININT, else LONG1 with 8 bytes. */
    void integer(long v) {
        if (v < 0) throw new IllegalArgumentException("negative int " + v);
        if (v < 0x100) { out.write('K'); out.write((int) v); }
        else if (v < 0x10000) { out.write('M'); le(v, 2); }
        else if (v <= Integer.MAX_VALUE) { out.write('J'); le(v, 4); }
        else { out.write(0x8a); out.write(8); le(v, 8); }
    }

    /** A tuple of ints (a tensor's size or stride). */
    void intTuple(long... vs) {
        if (vs.length == 0) { emptyTuple(); return; }
        mark();
        for (long v : vs) integer(v);
        tupleFromMark();
    }

    private void le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
