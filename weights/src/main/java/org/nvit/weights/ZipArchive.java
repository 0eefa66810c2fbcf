package org.nvit.weights;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The zip container of a PyTorch checkpoint, read from its central directory with every record checked. The JDK's
 * ZipFile trusts too much for an untrusted file: it lets two names point at one member, or many directory entries at
 * one compressed kernel, so a small file decodes to gigabytes. Here:
 * <ul>
 * <li>every member lies inside the file, before the central directory, and no two members share or overlap bytes
 *     (so members that are read together can never decode more than once from the same bytes);</li>
 * <li>names are unique and each local header repeats its central entry's name and method;</li>
 * <li>the bytes decoded from all members together never exceed the file's size: torch.save stores members
 *     uncompressed, so a real checkpoint never comes near this, and a deflate bomb stops at it;</li>
 * <li>every member is checked against its CRC-32: those read when they are read, the rest by {@link #verifyUnread}.</li>
 * </ul>
 * STORED and DEFLATED members and zip64 records are understood; encryption and multi-disk archives are refused. Error
 * messages name the member; the caller adds the file.
 */
final class ZipArchive implements Closeable {
    private static final int LOCAL = 0x04034b50, CENTRAL = 0x02014b50, END = 0x06054b50, END64 = 0x06064b50,
            END64_LOCATOR = 0x07064b50;
    private static final int STORED = 0, DEFLATED = 8;
    /** A central directory larger than this is no checkpoint's (torch's hold ~100 bytes per storage). */
    private static final long MAX_DIRECTORY = 1L << 28;
    private static final int CHUNK = 1 << 20;

    /** One member: where its local header and data are, and what the central directory says about it. */
    record Member(String name, int method, long crc, long compressedSize, long size, long headerOffset, long dataOffset) {}

    private final FileChannel ch;
    private final long fileSize;
    private final List<Member> members;
    private final Map<String, Member> byName;
    /** Bytes that reads from this archive may still decode, over all members. */
    private long decodeBudget;
    /** Members read to the end and CRC-checked. */
    private final Set<String> verified = new HashSet<>();

    private ZipArchive(FileChannel ch, long fileSize, List<Member> members, Map<String, Member> byName) {
        this.ch = ch;
        this.fileSize = fileSize;
        this.members = members;
        this.byName = byName;
        this.decodeBudget = fileSize;
    }

    static ZipArchive open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            Directory d = readDirectory(ch, size);
            Set<String> names = new HashSet<>();
            for (Entry e : d.entries())
                if (!names.add(e.name)) throw bad("zip entry '" + e.name + "' appears twice (which one is meant is ambiguous)");
            locate(ch, d);
            List<Member> members = new ArrayList<>(d.entries().size());
            Map<String, Member> byName = new HashMap<>();
            for (Entry e : d.entries()) {
                members.add(e.member);
                byName.put(e.name, e.member);
            }
            return new ZipArchive(ch, size, Collections.unmodifiableList(members), byName);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The members in central-directory order. */
    List<Member> members() { return members; }

    /** The member of that name, or null. */
    Member get(String name) { return byName.get(name); }

    @Override public void close() throws IOException { ch.close(); }

    // ---- the end record and the central directory ----

    /** A central directory entry while the archive is checked: its raw name, and its member once located. */
    private static final class Entry {
        final String name;
        final byte[] rawName;
        Member member;

        Entry(String name, byte[] rawName, Member member) {
            this.name = name;
            this.rawName = rawName;
            this.member = member;
        }
    }

    /** The entries, and where the central directory starts (every member must end before it). */
    private record Directory(List<Entry> entries, long offset) {}

    private static Directory readDirectory(FileChannel ch, long size) throws IOException {
        if (size < 22) throw bad("the zip archive is truncated (" + size + " bytes, no end record)");
        int tailLen = (int) Math.min(size, 22 + 0xffff);
        ByteBuffer tail = read(ch, size - tailLen, tailLen);
        int e = -1;
        for (int i = tailLen - 22; i >= 0; i--)
            if (tail.getInt(i) == END && i + 22 + u16(tail, i + 20) == tailLen) { e = i; break; }
        if (e < 0) throw bad("no zip end record at the end of the file (truncated, or not a zip archive)");
        long endPos = size - tailLen + e;
        long disk = u16(tail, e + 4), dirDisk = u16(tail, e + 6), onDisk = u16(tail, e + 8), count = u16(tail, e + 10);
        long dirSize = u32(tail, e + 12), dirOffset = u32(tail, e + 16);
        long dirEnd = endPos;   // where the central directory must end
        if (endPos >= 20) {
            ByteBuffer loc = read(ch, endPos - 20, 20);
            if (loc.getInt(0) == END64_LOCATOR) {
                long at = loc.getLong(8);
                if (at < 0 || at > endPos - 20 - 56) throw bad("zip64 end record offset " + at + " is outside the file");
                ByteBuffer z = read(ch, at, 56);
                if (z.getInt(0) != END64) throw bad("zip64 end record missing at offset " + at);
                disk = z.getInt(16) & 0xffffffffL;
                dirDisk = z.getInt(20) & 0xffffffffL;
                onDisk = z.getLong(24);
                count = z.getLong(32);
                dirSize = z.getLong(40);
                dirOffset = z.getLong(48);
                dirEnd = at;
            }
        }
        if (disk != 0 || dirDisk != 0 || onDisk != count) throw bad("multi-disk zip archives are not supported");
        if (dirSize < 0 || dirOffset < 0 || dirSize > dirEnd || dirOffset > dirEnd - dirSize)
            throw bad("the zip central directory (" + dirSize + " bytes at " + dirOffset + ") lies outside the file");
        if (dirSize > MAX_DIRECTORY) throw bad("the zip central directory of " + dirSize + " bytes is too large for a checkpoint");
        if (count < 0 || count > dirSize / 46) throw bad("the zip end record claims " + count + " entries in a "
                + dirSize + "-byte central directory");
        ByteBuffer dir = read(ch, dirOffset, (int) dirSize);
        List<Entry> out = new ArrayList<>((int) count);
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > dirSize || dir.getInt(p) != CENTRAL) throw bad("zip central directory entry " + i + " is corrupt");
            int flags = u16(dir, p + 8), method = u16(dir, p + 10);
            long crc = u32(dir, p + 16), csize = u32(dir, p + 20), usize = u32(dir, p + 24);
            int nameLen = u16(dir, p + 28), extraLen = u16(dir, p + 30), commentLen = u16(dir, p + 32);
            long startDisk = u16(dir, p + 34), offset = u32(dir, p + 42);
            int next = p + 46 + nameLen + extraLen + commentLen;
            if (next > dirSize) throw bad("zip central directory entry " + i + " runs past the directory");
            byte[] raw = new byte[nameLen];
            dir.get(p + 46, raw);
            String name = name(raw, (flags & 0x800) != 0);
            // zip64: the fields saturated at 0xffff.. follow in extra field 0x0001, in this order
            for (int x = p + 46 + nameLen, xEnd = x + extraLen; x + 4 <= xEnd; ) {
                int id = u16(dir, x), fieldEnd = x + 4 + u16(dir, x + 2);
                if (fieldEnd > xEnd) throw bad("zip entry '" + name + "' has a corrupt extra field");
                if (id == 0x0001) {
                    int at = x + 4;
                    if (usize == 0xffffffffL) { usize = zip64(dir, at, fieldEnd, name); at += 8; }
                    if (csize == 0xffffffffL) { csize = zip64(dir, at, fieldEnd, name); at += 8; }
                    if (offset == 0xffffffffL) { offset = zip64(dir, at, fieldEnd, name); at += 8; }
                    if (startDisk == 0xffff && at + 4 <= fieldEnd) startDisk = dir.getInt(at) & 0xffffffffL;
                }
                x = fieldEnd;
            }
            if (name.isEmpty()) throw bad("zip central directory entry " + i + " has an empty name");
            if ((flags & 0x41) != 0) throw bad("zip entry '" + name + "' is encrypted, which is not supported");
            if (method != STORED && method != DEFLATED)
                throw bad("zip entry '" + name + "' uses compression method " + method + " (only stored and deflated are read)");
            if (startDisk != 0) throw bad("multi-disk zip archives are not supported");
            if (csize < 0 || usize < 0 || offset < 0) throw bad("zip entry '" + name + "' has an impossible size or offset");
            if (method == STORED && csize != usize)
                throw bad("stored zip entry '" + name + "' claims " + csize + " bytes in the file but " + usize + " when read");
            out.add(new Entry(name, raw, new Member(name, method, crc, csize, usize, offset, -1)));
            p = next;
        }
        return new Directory(out, dirOffset);
    }

    /**
     * Reads each member's local header, checks that members lie before the central directory and never share or
     * overlap bytes, and fills in their data offsets.
     */
    private static void locate(FileChannel ch, Directory d) throws IOException {
        List<Entry> sorted = new ArrayList<>(d.entries());
        sorted.sort(Comparator.comparingLong(e -> e.member.headerOffset()));
        for (int i = 1; i < sorted.size(); i++)   // the cheap check first: directory entries aimed at one member
            if (sorted.get(i).member.headerOffset() == sorted.get(i - 1).member.headerOffset())
                throw bad("zip entries '" + sorted.get(i - 1).name + "' and '" + sorted.get(i).name
                        + "' share one local header (an aliasing zip bomb, not a checkpoint)");
        long limit = d.offset();
        long prevEnd = 0;
        String prevName = null;
        for (Entry e : sorted) {
            Member m = e.member;
            if (m.headerOffset() < prevEnd)
                throw bad("zip entries '" + prevName + "' and '" + e.name + "' overlap (members never share bytes)");
            if (m.headerOffset() > limit - 30) throw bad("zip entry '" + e.name + "' starts outside the archive's members");
            ByteBuffer h = read(ch, m.headerOffset(), 30);
            if (h.getInt(0) != LOCAL) throw bad("zip entry '" + e.name + "' has no local header at offset " + m.headerOffset());
            int method = u16(h, 8), nameLen = u16(h, 26), extraLen = u16(h, 28);
            long data = m.headerOffset() + 30 + nameLen + extraLen;
            if (data > limit || m.compressedSize() > limit - data)
                throw bad("zip entry '" + e.name + "' runs past the end of the archive's members (truncated file?)");
            byte[] localName = new byte[nameLen];
            read(ch, m.headerOffset() + 30, nameLen).get(localName);
            if (method != m.method() || !Arrays.equals(localName, e.rawName))
                throw bad("zip entry '" + e.name + "' has a local header that disagrees with the central directory");
            e.member = new Member(m.name(), m.method(), m.crc(), m.compressedSize(), m.size(), m.headerOffset(), data);
            prevEnd = data + m.compressedSize();
            prevName = e.name;
        }
    }

    // ---- reading members ----

    /** The whole member, at most {@code cap} bytes, CRC-checked. */
    byte[] readAll(Member m, long cap) throws WeightFileException {
        if (m.size() > cap || m.size() > Integer.MAX_VALUE - 8)
            throw bad(m.name() + " claims " + m.size() + " bytes, more than the file holds");
        try (MemberStream in = open(m)) {
            byte[] b = in.readNBytes((int) m.size());
            in.finish();
            return b;
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw bad("cannot read " + m.name() + ": " + e.getMessage());
        }
    }

    /** Reads and CRC-checks every member not read yet (the version record, storages no tensor refers to). */
    void verifyUnread() throws WeightFileException {
        for (Member m : members) {
            if (verified.contains(m.name())) continue;
            try (MemberStream in = open(m)) {
                in.finish();
            } catch (WeightFileException e) {
                throw e;
            } catch (IOException e) {
                throw bad("cannot read " + m.name() + ": " + e.getMessage());
            }
        }
    }

    /** A stream over the member's decoded bytes; {@link MemberStream#finish} reads the rest and checks the CRC. */
    MemberStream open(Member m) throws WeightFileException {
        if (m.size() > decodeBudget) throw bomb();
        return new MemberStream(m);
    }

    private WeightFileException bomb() {
        return bad("zip members decode to more bytes than the " + fileSize + "-byte file holds (a decompression bomb; "
                + "torch.save stores members uncompressed)");
    }

    /** Decoded bytes of one member, counted against the archive's budget and checked against the CRC at the end. */
    final class MemberStream extends InputStream {
        private final Member m;
        private final Inflater inflater;
        private final CRC32 crc = new CRC32();
        private final ByteBuffer raw;
        private long rawLeft, decoded;

        MemberStream(Member m) {
            this.m = m;
            this.inflater = m.method() == DEFLATED ? new Inflater(true) : null;
            this.raw = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, m.compressedSize())));
            this.raw.limit(0);
            this.rawLeft = m.compressedSize();
        }

        @Override public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            long want = Math.min(len, m.size() - decoded);
            if (want <= 0) return -1;
            int n = inflater == null ? readStored(b, off, (int) want) : inflate(b, off, (int) want);
            if (n <= 0) throw bad("zip entry '" + m.name() + "' ends after " + decoded + " of its " + m.size() + " bytes (truncated or corrupt)");
            decodeBudget -= n;
            if (decodeBudget < 0) throw bomb();
            crc.update(b, off, n);
            decoded += n;
            return n;
        }

        private int readStored(byte[] b, int off, int len) throws IOException {
            if (!raw.hasRemaining() && !fill()) return -1;
            int n = Math.min(len, raw.remaining());
            raw.get(b, off, n);
            return n;
        }

        private int inflate(byte[] b, int off, int len) throws IOException {
            try {
                while (true) {
                    int n = inflater.inflate(b, off, len);
                    if (n > 0) return n;
                    if (inflater.finished() || inflater.needsDictionary()) return -1;
                    if (inflater.needsInput()) {
                        if (!fill()) return -1;
                        inflater.setInput(raw);
                    }
                }
            } catch (DataFormatException e) {
                throw bad("zip entry '" + m.name() + "' holds corrupt deflate data");
            }
        }

        /** Reads the next chunk of the member's stored bytes; false at the end of them. */
        private boolean fill() throws IOException {
            if (rawLeft == 0) return false;
            raw.clear();
            raw.limit((int) Math.min(raw.capacity(), rawLeft));
            long at = m.dataOffset() + m.compressedSize() - rawLeft;
            while (raw.hasRemaining()) {
                int r = ch.read(raw, at + raw.position());
                if (r < 0) throw bad("zip entry '" + m.name() + "' is truncated");
            }
            rawLeft -= raw.flip().remaining();
            return true;
        }

        /** Reads whatever the caller left and checks the whole member against its CRC-32. */
        void finish() throws IOException {
            byte[] sink = new byte[(int) Math.min(CHUNK, Math.max(1, m.size() - decoded))];
            while (decoded < m.size()) read(sink, 0, sink.length);
            if (crc.getValue() != m.crc())
                throw bad(String.format("zip entry '%s' fails its CRC-32 check (stored %08x, read %08x): the file is corrupt",
                        m.name(), m.crc(), crc.getValue()));
            verified.add(m.name());
        }

        @Override public void close() { if (inflater != null) inflater.end(); }
    }

    // ---- raw reads ----

    private static ByteBuffer read(FileChannel ch, long at, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, at + b.position());
            if (r < 0) throw bad("the zip archive is truncated");
        }
        return b.flip();
    }

    private static String name(byte[] raw, boolean utf8) throws WeightFileException {
        ByteBuffer slice = ByteBuffer.wrap(raw);
        if (!utf8) return StandardCharsets.ISO_8859_1.decode(slice).toString();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw bad("a zip entry name is not valid UTF-8");
        }
    }

    private static long zip64(ByteBuffer b, int at, int end, String name) throws WeightFileException {
        if (at + 8 > end) throw bad("zip entry '" + name + "' lacks its zip64 sizes");
        return b.getLong(at);
    }

    private static int u16(ByteBuffer b, int at) { return b.getShort(at) & 0xffff; }

    private static long u32(ByteBuffer b, int at) { return b.getInt(at) & 0xffffffffL; }

    private static WeightFileException bad(String msg) { return new WeightFileException(msg); }
}
