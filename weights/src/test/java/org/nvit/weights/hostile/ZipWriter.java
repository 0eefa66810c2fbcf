package org.nvit.weights.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zip archives byte by byte, including what java.util.zip refuses to write: duplicate names, central entries
 * aimed at another member's local header, wrong CRCs, deflated members, zip64 records.
 */
public final class ZipWriter {
    private record Central(byte[] name, int method, long crc, long csize, long usize, long offset) {}

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Central> central = new ArrayList<>();
    private final Map<String, Central> byName = new HashMap<>();

    public ZipWriter stored(String name, byte[] data) { return member(name, 0, data, data.length, crc(data)); }

    public ZipWriter deflated(String name, byte[] data) { return member(name, 8, deflate(data), data.length, crc(data)); }

    /** A member with the given payload as stored in the file, its decoded size and the CRC to record. */
    public ZipWriter member(String name, int method, byte[] payload, long size, long crc) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long offset = out.size();
        le(0x04034b50, 4); le(20, 2); le(0x800, 2); le(method, 2); le(0, 2); le(0x21, 2);
        le(crc, 4); le(payload.length, 4); le(size, 4); le(n.length, 2); le(0, 2);
        out.writeBytes(n);
        out.writeBytes(payload);
        Central c = new Central(n, method, crc, payload.length, size, offset);
        central.add(c);
        byName.putIfAbsent(name, c);
        return this;
    }

    /** A central directory entry named {@code name} that points at the local header of {@code target}. */
    public ZipWriter alias(String name, String target) {
        Central t = byName.get(target);
        central.add(new Central(name.getBytes(StandardCharsets.UTF_8), t.method(), t.crc(), t.csize(), t.usize(), t.offset()));
        return this;
    }

    /** A raw central directory entry (to point anywhere: into another member's data, past the end). */
    public ZipWriter central(String name, int method, long csize, long size, long crc, long offset) {
        central.add(new Central(name.getBytes(StandardCharsets.UTF_8), method, crc, csize, size, offset));
        return this;
    }

    /** A local header as {@link #member} writes it, for embedding inside another member's data. */
    public static byte[] localHeader(String name, int method, long csize, long size, long crc) {
        ZipWriter w = new ZipWriter();
        w.member(name, method, new byte[0], size, crc);
        byte[] b = w.out.toByteArray();
        for (int i = 0; i < 4; i++) b[18 + i] = (byte) (csize >>> (8 * i));
        return b;
    }

    /** Bytes written so far (the offset the next member's local header gets). */
    public int size() { return out.size(); }

    /** The central directory and end record; with {@code zip64}, sizes and offsets go in zip64 records. */
    public byte[] finish(boolean zip64) {
        long dirStart = out.size();
        for (Central c : central) {
            le(0x02014b50, 4); le(20, 2); le(zip64 ? 45 : 20, 2); le(0x800, 2); le(c.method(), 2); le(0, 2); le(0x21, 2);
            le(c.crc(), 4);
            le(zip64 ? 0xffffffffL : c.csize(), 4);
            le(zip64 ? 0xffffffffL : c.usize(), 4);
            le(c.name().length, 2); le(zip64 ? 28 : 0, 2); le(0, 2); le(0, 2); le(0, 2); le(0, 4);
            le(zip64 ? 0xffffffffL : c.offset(), 4);
            out.writeBytes(c.name());
            if (zip64) { le(1, 2); le(24, 2); le(c.usize(), 8); le(c.csize(), 8); le(c.offset(), 8); }
        }
        long dirSize = out.size() - dirStart;
        if (zip64) {
            long end64 = out.size();
            le(0x06064b50, 4); le(44, 8); le(45, 2); le(45, 2); le(0, 4); le(0, 4);
            le(central.size(), 8); le(central.size(), 8); le(dirSize, 8); le(dirStart, 8);
            le(0x07064b50, 4); le(0, 4); le(end64, 8); le(1, 4);
        }
        le(0x06054b50, 4); le(0, 2); le(0, 2);
        le(zip64 ? 0xffff : central.size(), 2); le(zip64 ? 0xffff : central.size(), 2);
        le(zip64 ? 0xffffffffL : dirSize, 4); le(zip64 ? 0xffffffffL : dirStart, 4); le(0, 2);
        return out.toByteArray();
    }

    public static long crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return c.getValue();
    }

    public static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(9, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) o.write(buf, 0, d.deflate(buf));
        d.end();
        return o.toByteArray();
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
