package org.nvit.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.cli.Nvit;
import org.nvit.weights.hostile.HostileCorpus;

/**
 * Runs the nvit command on every file of the hostile corpus inside one JVM and prints one JSON line per run (case,
 * command, exit code, milliseconds, standard error, the start of standard output). {@link HostileFilesCliTest} starts
 * it in a fresh JVM with a small heap and the default thread stack, the conditions a user's machine may have.
 */
public final class HostileProbe {
    private HostileProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        PrintStream report = System.out;
        ObjectMapper json = new ObjectMapper();
        for (HostileCorpus.Case c : HostileCorpus.cases()) {
            Path file = c.write(dir);
            Path out = dir.resolve(c.name() + ".out.safetensors");
            for (List<String> cmd : List.of(List.of("info", file.toString()), List.of("convert", file.toString(), out.toString()))) {
                ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
                System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
                long t0 = System.nanoTime();
                int code;
                try {
                    code = Nvit.run(cmd.toArray(String[]::new));
                } finally {
                    System.setOut(report);
                    System.setErr(report);
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("case", c.name());
                r.put("command", cmd.getFirst());
                r.put("code", code);
                r.put("ms", (System.nanoTime() - t0) / 1_000_000);
                r.put("err", e.toString(StandardCharsets.UTF_8));
                String stdout = o.toString(StandardCharsets.UTF_8);
                r.put("out", stdout.length() > 4000 ? stdout.substring(0, 4000) : stdout);
                r.put("out_chars", stdout.length());
                report.println(json.writeValueAsString(r));
            }
        }
    }
}
