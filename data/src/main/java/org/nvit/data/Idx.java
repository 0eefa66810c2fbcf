package org.nvit.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader for IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or plain: two zero bytes, a type byte
 * (only 0x08 = unsigned byte is accepted), a dimension count, one big-endian uint32 per dimension, then the
 * row-major data. Every header field is validated against the bytes actually present before anything is allocated.
 */
public final class Idx {
    /** Largest data block accepted (fits a Java byte array). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    /** A parsed IDX array of unsigned bytes. */
    public record Array(int[] dims, byte[] data) {}

    private Idx() {}

    public static Array read(Path file) {
        if (!Files.isRegularFile(file))
            throw new DataException("IDX file not found: " + file);
        try (InputStream in = open(file)) {
            byte[] head = readFully(in, 4, file, "header");
            if (head[0] != 0 || head[1] != 0)
                throw new DataException(file + " is not an IDX file (magic bytes " + hex(head[0]) + " " + hex(head[1])
                        + ", expected 00 00)");
            if (head[2] != 0x08)
                throw new DataException(file + ": IDX type " + hex(head[2]) + " is not supported (only 0x08, unsigned byte)");
            int nd = head[3] & 0xFF;
            if (nd < 1 || nd > 4)
                throw new DataException(file + ": IDX dimension count " + nd + " is outside 1..4");
            byte[] dimBytes = readFully(in, 4 * nd, file, "dimensions");
            int[] dims = new int[nd];
            long total = 1;
            for (int d = 0; d < nd; d++) {
                long v = ((dimBytes[4 * d] & 0xFFL) << 24) | ((dimBytes[4 * d + 1] & 0xFF) << 16)
                        | ((dimBytes[4 * d + 2] & 0xFF) << 8) | (dimBytes[4 * d + 3] & 0xFF);
                if (v < 1 || v > MAX_BYTES)
                    throw new DataException(file + ": IDX dimension " + d + " = " + v + " is invalid");
                dims[d] = (int) v;
                total *= v;
                if (total > MAX_BYTES)
                    throw new DataException(file + ": IDX dimensions describe more than " + MAX_BYTES + " bytes");
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total)
                throw new DataException(file + " is truncated: the header promises " + total + " data bytes, the file holds "
                        + data.length + " (re-download or reinstall it)");
            if (in.read() != -1)
                throw new DataException(file + " has bytes after the " + total + " data bytes its header describes (corrupt file)");
            return new Array(dims, data);
        } catch (DataException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new DataException("IDX file not found: " + file, e);
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": corrupt or truncated gzip data (" + e.getMessage()
                    + "); re-download or reinstall it", e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        return (b0 == 0x1F && b1 == 0x8B) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    private static byte[] readFully(InputStream in, int n, Path file, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) throw new DataException(file + " is truncated inside the IDX " + what + " (re-download or reinstall it)");
        return b;
    }

    private static String hex(byte b) { return String.format("%02x", b & 0xFF); }
}
