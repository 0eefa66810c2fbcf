package org.nvit.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes STORED zip archives, the container torch.save uses, for the hand-built and fuzzed .pth tests. */
final class TestZips {
    private TestZips() {}

    static void stored(Map<String, byte[]> entries, OutputStream target) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(target)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }
}
