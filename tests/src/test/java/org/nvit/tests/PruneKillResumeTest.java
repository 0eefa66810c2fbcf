package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;
import org.nvit.pruning.LatencyTableBuilder;

/**
 * A pruning run killed with SIGKILL right after a checkpoint, in a separate JVM, then resumed with
 * {@code nvit prune --resume}, ends with the dims and the pruned model of an uninterrupted run of the same seed.
 */
class PruneKillResumeTest {
    static final VitConfig CFG = new VitConfig(28, 7, 1, 10, 48, false, 1e-6, null,
            List.of(new BlockSpec(4, 8, 8, 96), new BlockSpec(4, 8, 16, 96), new BlockSpec(2, 16, 8, 64)));

    static String[] args(Path ck, Path lut, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("prune", "--checkpoint", ck.toString(), "--lut", lut.toString(),
                "--data", "synthetic:2000", "--target-latency", "0.35", "--interval", "4", "--per-step", "1",
                "--batch-size", "16", "--eval-batches", "1", "--no-measure", "--group-sizes", "emb=4,head=1,qk=4,v=4,mlp=8",
                "--output", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test void killedAfterACheckpointAndResumedEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("m.safetensors"), lut = tmp.resolve("lut.json");
        WeightFiles.export(ck, CFG, new VisionTransformer(CFG, 5).stateDict());
        LatencyTableBuilder.multiplyAdds(CFG).save(lut);

        CliEndToEndTest.Run whole = CliEndToEndTest.nvit(args(ck, lut, tmp.resolve("whole")));
        assertEquals(0, whole.code(), whole.err());

        Path cut = tmp.resolve("cut");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.nvit.cli.Nvit"));
        cmd.addAll(List.of(args(ck, lut, cut, "--checkpoint-every", "5")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("cut.log").toFile()).start();
        Path state = cut.resolve("prune.ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(state) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no last checkpoint
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(state), "no checkpoint appeared: " + Files.readString(tmp.resolve("cut.log")));
        assertFalse(Files.exists(cut.resolve("model.safetensors")), "the run finished before the kill; make it longer");

        CliEndToEndTest.Run resumed = CliEndToEndTest.nvit("prune", "--resume", cut.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed from"), resumed.out());
        assertEquals(Files.readString(tmp.resolve("whole/config.json")), Files.readString(cut.resolve("config.json")));
        assertEquals(Files.readAllLines(tmp.resolve("whole/dims.csv")), Files.readAllLines(cut.resolve("dims.csv")));
    }
}
