package org.nvit.kernels.check;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Builds a host harness with g++ into target/, reusing it while it is newer than every kernel and shim source. */
final class HostBuild {
    private HostBuild() {}

    static Path gxx(String exeName, List<String> flags, String source) throws Exception {
        String gxx = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "g++"))) gxx = Path.of(dir, "g++").toString();
        assumeTrue(gxx != null, "g++ is not on the PATH: host run of the kernels skipped");
        Path out = Path.of("target", exeName);
        if (upToDate(out)) return out;
        List<String> cmd = new ArrayList<>(List.of(gxx));
        cmd.addAll(flags);
        cmd.addAll(List.of("-Isrc/main/cuda", "-o", out.toString(), source));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "g++ took over 180 s");
        assertEquals(0, p.exitValue(), "g++ failed:\n" + log);
        return out;
    }

    private static boolean upToDate(Path exe) throws IOException {
        if (!Files.isExecutable(exe)) return false;
        var built = Files.getLastModifiedTime(exe);
        try (Stream<Path> s = Stream.concat(Files.walk(Path.of("src/main/cuda")), Files.walk(Path.of("src/test/cuda")))) {
            return s.filter(Files::isRegularFile).noneMatch(f -> {
                try { return Files.getLastModifiedTime(f).compareTo(built) > 0; } catch (IOException e) { return true; }
            });
        }
    }

    /** Runs one op on a host build: the header line, then the inputs one value a line; returns the outputs. */
    static float[] run(Path exe, String header, int timeoutSeconds, org.nvit.engine.Tensor... inputs) throws Exception {
        StringBuilder in = new StringBuilder(header).append('\n');
        for (org.nvit.engine.Tensor t : inputs) for (long i = 0; i < t.numel(); i++) in.append((float) t.getFlat(i)).append('\n');
        Process p = new ProcessBuilder(exe.toAbsolutePath().toString()).start();
        p.getOutputStream().write(in.toString().getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), header + ": " + err);
        String[] lines = out.split("\n");
        float[] v = new float[lines.length];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(lines[i].trim());
        return v;
    }
}
