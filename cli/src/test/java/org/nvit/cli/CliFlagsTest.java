package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.models.Presets;
import org.nvit.pruning.LatencyTableBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Help, completion, --threads and --json across the commands. */
class CliFlagsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The commands whose flags this module owns (train and prune take theirs from TrainOptions/PruneRunOptions). */
    private static final List<String> COMMANDS = List.of("eval", "infer", "info", "convert", "export", "lut build", "lut check",
            "lut predict", "lut import", "bench gemm", "bench model", "demo", "completion");

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Nvit());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = Nvit.execute(cl, args);
        return new Result(code, out.toString(), err.toString());
    }

    private static CommandLine command(String path) {
        CommandLine c = new CommandLine(new Nvit());
        for (String part : path.split(" ")) c = c.getSubcommands().get(part);
        return c;
    }

    @Test void everyOptionHasADescriptionAndTheHelpShowsDefaults() {
        List<String> missing = new ArrayList<>();
        for (String name : COMMANDS) {
            CommandSpec spec = command(name).getCommandSpec();
            assertTrue(spec.usageMessage().showDefaultValues(), name + ": showDefaultValues is off");
            for (OptionSpec o : spec.options())
                if (String.join("", o.description()).isBlank()) missing.add(name + " " + o.longestName());
        }
        assertEquals(List.of(), missing, "options without a description");
        String help = run("eval", "--help").out();
        assertTrue(help.contains("Default: 256") && help.contains("Default: fashion-mnist"), help);
    }

    @Test void oneNameForBatchSizeAndOutputWithTheOldSpellingsKept() {
        for (String name : List.of("eval", "infer", "lut build", "lut import", "bench model")) {
            OptionSpec o = command(name).getCommandSpec().findOption("--batch-size");
            assertTrue(o != null, name + " has no --batch-size");
        }
        assertTrue(command("infer").getCommandSpec().findOption("--batch") != null, "infer --batch alias");
        for (String name : List.of("lut build", "lut import")) {
            assertTrue(command(name).getCommandSpec().findOption("--output") != null, name + " has no --output");
            assertTrue(command(name).getCommandSpec().findOption("--out") != null, name + " lost --out");
        }
    }

    @Test void completionPrintsABashScript() {
        Result r = run("completion");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("complete -F") && r.out().contains("--crop-pct") && r.out().contains("infer"),
                r.out().substring(0, Math.min(400, r.out().length())));
    }

    @Test void jsonModesPrintOnlyJson(@TempDir Path dir) throws Exception {
        Result g = run("bench", "gemm", "--m", "32", "--n", "32", "--k", "32", "--warmup", "1", "--repeats", "2", "--json");
        assertEquals(0, g.code(), g.err());
        JsonNode n = JSON.readTree(g.out());
        assertEquals(32, n.get("m").asInt());
        assertTrue(g.err().contains("GFLOP/s"), g.err());

        Path lut = dir.resolve("lut.json");
        LatencyTableBuilder.multiplyAdds(Presets.byName("vit_fmnist_tiny")).save(lut);
        Result p = run("lut", "predict", "--lut", lut.toString(), "--model", "vit_fmnist_tiny", "--json");
        assertEquals(0, p.code(), p.err());
        assertTrue(JSON.readTree(p.out()).get("predicted_s").asDouble() > 0, p.out());
        assertTrue(p.err().contains("predicted"), p.err());
    }

    @Test void threadsIsCheckedAndSetsThePoolSizeBeforeAnythingComputes() throws Exception {
        Result bad = run("--threads", "0", "info", "x");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--threads must be in 1..4096"), bad.err());
        for (String[] args : List.of(new String[] {"--threads", "1", "bench", "gemm"}, new String[] {"bench", "gemm", "--threads", "3"})) {
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), "org.nvit.cli.Nvit"));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of("--m", "16", "--n", "16", "--k", "16", "--warmup", "0", "--repeats", "1", "--json"));
            Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(proc.getInputStream().readAllBytes());
            assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, proc.exitValue(), out);
            assertEquals(args[0].equals("--threads") ? 1 : 3, JSON.readTree(out).get("threads").asInt(), out);
        }
        assertFalse(System.getProperty("nvit.threads", "").equals("0"));
    }
}
