package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.weights.hostile.ZipWriter;

/** The zip reader on its own: what torch writes reads back; sharing, lying and corrupt archives are refused. */
class ZipArchiveTest {
    @TempDir Path dir;

    private Path file(byte[] b) throws Exception {
        Path p = Files.createTempFile(dir, "z", ".zip");
        Files.write(p, b);
        return p;
    }

    private String refusal(byte[] zip) throws Exception {
        Path p = file(zip);
        return assertThrows(WeightFileException.class, () -> {
            try (ZipArchive z = ZipArchive.open(p)) {
                for (ZipArchive.Member m : z.members()) z.readAll(m, Files.size(p));
            }
        }).getMessage();
    }

    @Test void storedDeflatedAndZip64MembersReadBack() throws Exception {
        // random bytes do not compress: the deflated member decodes to about its own size (within the file's)
        byte[] a = "little".getBytes(StandardCharsets.US_ASCII), b = new byte[5000];
        new java.util.Random(1).nextBytes(b);
        for (boolean zip64 : new boolean[] {false, true}) {
            Path p = file(new ZipWriter().stored("arc/byteorder", a).deflated("arc/data/0", b).finish(zip64));
            try (ZipArchive z = ZipArchive.open(p)) {
                assertEquals(List.of("arc/byteorder", "arc/data/0"), z.members().stream().map(ZipArchive.Member::name).toList());
                assertArrayEquals(a, z.readAll(z.get("arc/byteorder"), 100));
                assertArrayEquals(b, z.readAll(z.get("arc/data/0"), 10_000));
            }
        }
    }

    @Test void theFixturesZipStructureIsAccepted() throws Exception {
        // torch's own layout: data descriptors, 64-byte aligned data, a version record
        Path p = Fixtures.copy("tiny_timm.pth", dir);
        try (ZipArchive z = ZipArchive.open(p)) {
            assertTrue(z.get("tiny_timm/data.pkl") != null && z.members().size() > 30);
            for (ZipArchive.Member m : z.members()) z.readAll(m, Files.size(p));
        }
    }

    @Test void sharedDuplicateAndOverlappingMembersAreRefused() throws Exception {
        byte[] d = new byte[100];
        assertTrue(refusal(new ZipWriter().stored("a/x", d).alias("a/y", "a/x").finish(false)).contains("share one local header"));
        assertTrue(refusal(new ZipWriter().stored("a/x", d).stored("a/x", d).finish(false)).contains("appears twice"));
        ZipWriter w = new ZipWriter().stored("a/x", d);
        w.central("a/y", 0, 10, 10, 0, 40);   // inside a/x's data
        assertTrue(refusal(w.finish(false)).contains("overlap"));
    }

    @Test void lyingAndCorruptRecordsAreRefused() throws Exception {
        byte[] d = "0123456789".getBytes(StandardCharsets.US_ASCII);
        assertTrue(refusal(new ZipWriter().member("a/x", 0, d, d.length, ZipWriter.crc(d) ^ 0x10).finish(false)).contains("CRC-32"));
        assertTrue(refusal(new ZipWriter().member("a/x", 0, d, 99, ZipWriter.crc(d)).finish(false)).contains("claims 10 bytes in the file but 99"));
        assertTrue(refusal(new ZipWriter().member("a/x", 12, d, 10, 0).finish(false)).contains("compression method 12"));
        assertTrue(refusal(new ZipWriter().member("a/x", 8, d, 10, 0).finish(false)).contains("corrupt deflate data"));
        ZipWriter past = new ZipWriter().stored("a/x", d);
        past.central("a/y", 0, 10, 10, 0, 5000);
        assertTrue(refusal(past.finish(false)).contains("starts outside"));
        byte[] ok = new ZipWriter().stored("a/x", d).finish(false);
        assertTrue(refusal(java.util.Arrays.copyOf(ok, ok.length - 1)).contains("no zip end record"));
        byte[] renamed = ok.clone();
        renamed[30] = 'b';   // the local header's name no longer matches the central directory's
        assertTrue(refusal(renamed).contains("disagrees with the central directory"));
        byte[] encrypted = ok.clone();
        int central = ok.length - 22 - (46 + 3);
        encrypted[central + 8] |= 1;
        assertTrue(refusal(encrypted).contains("encrypted"));
    }

    @Test void membersNoTensorReadsAreCrcCheckedToo() throws Exception {
        byte[] v = "3\n".getBytes(StandardCharsets.US_ASCII);
        byte[] pkl = new org.nvit.weights.hostile.PickleWriter().op('}').stop();
        Path p = file(new ZipWriter().stored("a/data.pkl", pkl).member("a/version", 0, v, v.length, ZipWriter.crc(v) + 1).finish(false));
        String m = assertThrows(WeightFileException.class, () -> PthReader.read(p)).getMessage();
        assertTrue(m.contains("'a/version' fails its CRC-32 check"), m);
    }

    @Test void decodedBytesNeverExceedTheFileSize() throws Exception {
        // three deflated members of 200 kB zeros in a file of under 2 kB: the first fits, the second is refused up front
        byte[] zeros = new byte[200_000];
        ZipWriter w = new ZipWriter();
        for (int i = 0; i < 3; i++) w.deflated("a/" + i, zeros);
        Path p = file(w.finish(false));
        assertTrue(Files.size(p) < 2000);
        try (ZipArchive z = ZipArchive.open(p)) {
            String m = assertThrows(WeightFileException.class, () -> z.readAll(z.get("a/0"), Long.MAX_VALUE)).getMessage();
            assertTrue(m.contains("decompression bomb"), m);
        }
        // a member that fits the budget reads: the bound is the file's size, nothing smaller
        ZipWriter small = new ZipWriter().stored("a/pad", new byte[3000]).deflated("a/z", new byte[1000]);
        Path q = file(small.finish(false));
        try (ZipArchive z = ZipArchive.open(q)) {
            assertEquals(1000, z.readAll(z.get("a/z"), 5000).length);
        }
    }
}
