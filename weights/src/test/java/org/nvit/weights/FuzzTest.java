package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of every fixture (about 3,700 cases): byte flips, truncations in every region, lying header
 * lengths and offsets, corrupted and spliced pickles, storages cut or extended, and zip archives rebuilt with
 * duplicate, aliased, deflated or reordered members. Each case must end, within a few seconds, in a valid result or in
 * a {@link WeightFileException} / {@link IllegalArgumentException} with a one-line message; anything else (hang, stack
 * overflow, out of memory, NullPointerException, IndexOutOfBounds, ...) fails.
 */
class FuzzTest {
    private static final int CASES = 220;
    private static final int KINDS = 10;
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tiny_timm.pth", "wrapped.pth", "shared.pth", "dtypes.pth", "nvit_dense.pth", "nvit_sparse.pth",
            "forbidden.pth", "legacy.pth", "param.pth", "bigint.pth", "tiny_timm.safetensors", "dtypes.safetensors",
            "nvit_dense_expected.safetensors", "nvit_sparse_expected.safetensors", "/model-fixtures/model_uniform.safetensors",
            "/model-fixtures/model_distilled.safetensors", "/model-fixtures/model_ragged.safetensors"})
    void mutatedFilesFailCleanly(String fixture) throws Exception {
        byte[] orig = fixture.startsWith("/") ? resource(fixture) : Fixtures.bytes(fixture);
        boolean pth = fixture.endsWith(".pth");
        Random rng = new Random(fixture.hashCode());
        List<String> failures = new ArrayList<>();
        for (int c = 0; c < CASES; c++) {
            int kind = c % KINDS;
            String what = fixture + " case " + c + " kind " + kind;
            byte[] mutated = switch (kind) {
                case 0 -> flip(orig, rng, 1 + rng.nextInt(4));
                case 1 -> java.util.Arrays.copyOf(orig, truncationPoint(orig.length, c / KINDS, rng));
                case 2 -> pth ? rezip(orig, rng, true) : lieHeaderLength(orig, rng);
                case 3 -> pth ? rezip(orig, rng, false) : lieDigits(orig, rng);
                case 4 -> flip(orig, rng, 16 + rng.nextInt(64));
                case 5 -> pth ? restructure(orig, rng) : spliceHeader(orig, rng);
                case 6 -> pth ? splicePickle(orig, rng) : lieDigits(orig, rng);
                case 7 -> pth ? restructure(orig, rng) : flip(orig, rng, 1);
                case 8 -> pth ? splicePickle(orig, rng) : lieHeaderLength(orig, rng);
                default -> flipTail(orig, rng);
            };
            Path p = dir.resolve("m" + c + (fixture.endsWith(".pth") ? ".pth" : ".safetensors"));
            Files.write(p, mutated);
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> exercise(p), what + " did not finish");
            } catch (Throwable t) {
                String m = t.getMessage();
                if (!(t instanceof WeightFileException || t instanceof IllegalArgumentException)) failures.add(what + ": " + t);
                else if (m == null || m.isBlank() || m.contains("\n")) failures.add(what + ": unclear message " + m);
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " bad outcomes, first: " + String.join(" | ", failures.subList(0, Math.min(3, failures.size()))));
    }

    private static byte[] resource(String path) throws IOException {
        try (var in = FuzzTest.class.getResourceAsStream(path)) {
            if (in == null) throw new IOException("missing fixture " + path);
            return in.readAllBytes();
        }
    }

    private static void exercise(Path p) throws IOException {
        if (WeightFiles.kindOf(p) == WeightFiles.Kind.PYTORCH) PthReader.read(p); else Safetensors.read(p);
        WeightFiles.load(p, List.of(2));
    }

    private static byte[] flip(byte[] b, Random rng, int n) {
        byte[] m = b.clone();
        for (int i = 0; i < n; i++) m[rng.nextInt(m.length)] = (byte) rng.nextInt(256);
        return m;
    }

    /** Flips in the last quarter, where zip central directories and safetensors data live. */
    private static byte[] flipTail(byte[] b, Random rng) {
        byte[] m = b.clone();
        int from = m.length * 3 / 4;
        for (int i = 0; i < 4; i++) m[from + rng.nextInt(m.length - from)] = (byte) rng.nextInt(256);
        return m;
    }

    /** Sweeps the file: the first cases cut inside the first bytes and header, later ones anywhere. */
    private static int truncationPoint(int len, int i, Random rng) {
        int[] fixed = {0, 1, 7, 8, 9, 20, len / 4, len / 2, len - 1};
        return i < fixed.length ? Math.min(len, fixed[i]) : rng.nextInt(len);
    }

    private static byte[] lieHeaderLength(byte[] b, Random rng) {
        byte[] m = b.clone();
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long[] lies = {n - 1, n + 1, n + 8, n - 8, 0, 1, b.length, b.length - 8, Long.MAX_VALUE, -1, 1L << 40, 100_000_001};
        ByteBuffer.wrap(m, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(lies[rng.nextInt(lies.length)]);
        return m;
    }

    /** Replaces a digit in the JSON header (shapes and data offsets) so the header stays JSON but lies. */
    private static byte[] lieDigits(byte[] b, Random rng) {
        byte[] m = b.clone();
        int n = (int) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        List<Integer> digits = new ArrayList<>();
        for (int i = 8; i < 8 + n; i++) if (m[i] >= '0' && m[i] <= '9') digits.add(i);
        for (int k = 0; k < 1 + rng.nextInt(2); k++) m[digits.get(rng.nextInt(digits.size()))] = (byte) ('0' + rng.nextInt(10));
        return m;
    }

    private static Map<String, byte[]> unzip(byte[] b) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(b))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) entries.put(e.getName(), in.readAllBytes());
        } catch (IOException e) {
            return Map.of();   // legacy file: not a zip
        }
        return entries;
    }

    /**
     * Rebuilds the archive with a structural lie: a duplicate member, a central entry aimed at another member's local
     * header, every member deflated, the central directory reordered, a member dropped, or a zip64 directory.
     */
    private static byte[] restructure(byte[] b, Random rng) {
        Map<String, byte[]> entries = unzip(b);
        if (entries.isEmpty()) return flip(b, rng, 2);
        List<String> names = new ArrayList<>(entries.keySet());
        int how = rng.nextInt(6);
        if (how == 3) java.util.Collections.shuffle(names, rng);
        if (how == 4) names.remove(rng.nextInt(names.size()));
        org.nvit.weights.hostile.ZipWriter z = new org.nvit.weights.hostile.ZipWriter();
        for (String n : names) {
            if (how == 2) z.deflated(n, entries.get(n)); else z.stored(n, entries.get(n));
        }
        String victim = names.get(rng.nextInt(names.size())), other = names.get(rng.nextInt(names.size()));
        if (how == 0) z.stored(victim, entries.get(other));
        if (how == 1) z.alias(victim.equals(other) ? victim + "x" : victim, other);
        return z.finish(how == 5);
    }

    /** Copies a random slice of the pickle over another place in it (a structural, not a byte-level, mutation). */
    private static byte[] splicePickle(byte[] b, Random rng) throws IOException {
        Map<String, byte[]> entries = unzip(b);
        String pkl = entries.keySet().stream().filter(s -> s.endsWith("data.pkl")).findFirst().orElse(null);
        if (pkl == null) return flip(b, rng, 3);
        byte[] v = entries.get(pkl);
        int len = 1 + rng.nextInt(Math.min(64, v.length)), from = rng.nextInt(v.length - len + 1), to = rng.nextInt(v.length);
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(v, 0, to);
        m.write(v, from, len);
        m.write(v, to, v.length - to);
        entries.put(pkl, m.toByteArray());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TestZips.stored(entries, out);
        return out.toByteArray();
    }

    /** Replaces part of the safetensors JSON header with JSON-ish punctuation, keeping its length. */
    private static byte[] spliceHeader(byte[] b, Random rng) {
        byte[] m = b.clone();
        int n = (int) Math.min(ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(), b.length - 8);
        byte[] junk = "{}[],:\"0-9eE.\\u".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int k = 0; k < 1 + rng.nextInt(4); k++) m[8 + rng.nextInt(n)] = junk[rng.nextInt(junk.length)];
        return m;
    }

    /** Rewrites the zip (valid CRCs) with a corrupted pickle, or with a storage truncated or extended. */
    private static byte[] rezip(byte[] b, Random rng, boolean pickle) throws IOException {
        Map<String, byte[]> entries = unzip(b);
        if (entries.isEmpty()) return flip(b, rng, 2);
        List<String> names = new ArrayList<>(entries.keySet());
        String target = pickle ? names.stream().filter(s -> s.endsWith("data.pkl")).findFirst().orElse(names.getFirst())
                : names.stream().filter(s -> s.contains("/data/")).findAny().orElse(names.getFirst());
        byte[] v = entries.get(target);
        if (pickle) {
            v = v.length == 0 ? v : rng.nextBoolean() ? flip(v, rng, 1 + rng.nextInt(3)) : java.util.Arrays.copyOf(v, rng.nextInt(v.length));
        } else {
            v = java.util.Arrays.copyOf(v, rng.nextBoolean() ? Math.max(0, v.length - 1 - rng.nextInt(8)) : v.length + 4);
        }
        entries.put(target, v);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TestZips.stored(entries, out);
        return out.toByteArray();
    }
}
