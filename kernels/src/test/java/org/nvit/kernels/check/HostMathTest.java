package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Rng;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Without a GPU: builds the kernels' scalar helpers for the host with nvcc (same source as the device code) and checks
 * them bit for bit against Java: the dropout hash against Rng.uniformAt, and bf16 rounding against the reference the
 * GPU checks use. Skipped when nvcc is absent.
 */
class HostMathTest {
    private static String nvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) return Path.of(dir, "nvcc").toString();
        return null;
    }

    private static boolean upToDate(Path exe, Path... sources) throws java.io.IOException {
        if (!Files.isExecutable(exe)) return false;
        for (Path s : sources)
            if (Files.getLastModifiedTime(s).compareTo(Files.getLastModifiedTime(exe)) > 0) return false;
        return true;
    }

    @Test
    void dropoutHashAndBf16RoundingMatchJavaBitForBit() throws Exception {
        String nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH: host build of the kernel helpers skipped");
        Path exe = Path.of("target", "host_math");
        if (!upToDate(exe, Path.of("src/test/cuda/host_math.cu"), Path.of("src/main/cuda/random.cu"))) {
            Process build = new ProcessBuilder(nvcc, "-O2", "-Isrc/main/cuda", "-o", exe.toString(),
                    "src/test/cuda/host_math.cu").redirectErrorStream(true).start();
            String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(build.waitFor(120, TimeUnit.SECONDS), "nvcc took over 120 s");
            assertEquals(0, build.exitValue(), "nvcc failed:\n" + log);
        }

        Rng rng = new Rng(123);
        StringBuilder in = new StringBuilder();
        List<Float> expect = new ArrayList<>();
        long[] seeds = {0, 1, -1, Long.MIN_VALUE, rng.nextLong(), rng.nextLong()};
        for (long seed : seeds)
            for (long counter : new long[]{0, 1, 2, 1_000_003, (1L << 40) + 7, rng.nextLong() >>> 1}) {
                in.append("u ").append(Long.toUnsignedString(seed)).append(' ').append(counter).append('\n');
                expect.add(Rng.uniformAt(seed, counter));
            }
        for (int i = 0; i < 2000; i++) {
            float f = switch (i) {
                case 0 -> 1.0f + 0x1.0p-8f;            // tie, rounds down to even
                case 1 -> 1.0f + 0x1.8p-7f;            // tie, rounds up to even
                case 2 -> -0.0f;
                case 3 -> Float.MIN_VALUE;             // subnormal
                case 4 -> Float.MAX_VALUE;             // rounds to infinity in bf16
                default -> (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(20) - 10));
            };
            in.append("b ").append(Integer.toUnsignedString(Float.floatToRawIntBits(f))).append(" 0\n");
            expect.add(ElementwiseChecks.roundBf16(f));
        }
        Process run = new ProcessBuilder(exe.toAbsolutePath().toString()).start();
        run.getOutputStream().write(in.toString().getBytes(StandardCharsets.US_ASCII));
        run.getOutputStream().close();
        String[] out = new String(run.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\n");
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        assertEquals(expect.size(), out.length);
        for (int i = 0; i < out.length; i++) {
            int got = Integer.parseUnsignedInt(out[i].trim());
            assertEquals(Float.floatToRawIntBits(expect.get(i)), got,
                    "line " + i + " (" + in.toString().split("\n")[i] + "): expected " + expect.get(i)
                            + ", got " + Float.intBitsToFloat(got));
        }
    }
}
