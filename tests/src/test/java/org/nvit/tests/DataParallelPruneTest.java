package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.models.VisionTransformer;
import org.nvit.pruning.LatencyTableBuilder;
import org.nvit.weights.WeightFiles;

/**
 * Pruning on 2 ranks: both end with the same pruned model (each prints its dims and checksum; the run itself
 * all-reduces a checksum of masks and weights after every pruning step), and a job whose rank 1 is killed with
 * SIGKILL after a checkpoint resumes from it and ends exactly as the uninterrupted 2-rank run.
 */
class DataParallelPruneTest {
    @Test void twoRanksAgreeAndSurviveTheKillOfOne(@TempDir Path tmp) throws Exception {
        MpiJobs.mpirun();
        Path ck = tmp.resolve("m.safetensors"), lut = tmp.resolve("lut.json");
        WeightFiles.export(ck, PruneKillResumeTest.CFG, new VisionTransformer(PruneKillResumeTest.CFG, 5).stateDict());
        LatencyTableBuilder.multiplyAdds(PruneKillResumeTest.CFG).save(lut);

        Path whole = tmp.resolve("whole");
        MpiJobs.Result w = MpiJobs.run(2, PruneKillResumeTest.args(ck, lut, whole));
        assertEquals(0, w.code(), w.output());
        assertTrue(w.plain().contains("batch 16 per rank x 2 ranks = 32 effective"), w.plain());
        String r0 = finalLine(w.rank(0), 0), r1 = finalLine(w.rank(1), 1);
        assertEquals(r0.replace("rank 0 of 2", ""), r1.replace("rank 1 of 2", ""), "the ranks ended with different models");
        assertTrue(Files.exists(whole.resolve("model.safetensors")) && Files.exists(whole.resolve("dims.csv")));

        Path cut = tmp.resolve("cut");
        Process job = MpiJobs.nvit(2, PruneKillResumeTest.args(ck, lut, cut, "--checkpoint-every", "5"))
                .redirectOutput(tmp.resolve("cut.log").toFile()).start();
        Path state = cut.resolve("prune.ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(state) && job.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(Files.exists(state), "no checkpoint appeared: " + Files.readString(tmp.resolve("cut.log")));
        ProcessHandle rank1 = rank(job, 1);
        rank1.destroyForcibly(); // SIGKILL of one rank: mpirun must end the other, which waits in a collective
        assertTrue(job.waitFor(60, TimeUnit.SECONDS), "mpirun did not end the job after a rank was killed");
        assertNotEquals(0, job.exitValue());
        assertFalse(Files.exists(cut.resolve("model.safetensors")), "the run finished before the kill; make it longer");

        MpiJobs.Result r = MpiJobs.run(2, "prune", "--resume", cut.toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.plain().contains("resumed from"), r.plain());
        assertEquals(Files.readString(whole.resolve("config.json")), Files.readString(cut.resolve("config.json")));
        assertEquals(Files.readAllLines(whole.resolve("dims.csv")), Files.readAllLines(cut.resolve("dims.csv")));
        // both ranks of the resumed job agree too (the weights' last bits may differ from the uninterrupted run's:
        // the CPU kernels round differently per JIT tier, so only the decisions are compared across runs)
        String c0 = finalLine(r.rank(0), 0), c1 = finalLine(r.rank(1), 1);
        assertEquals(c0.replace("rank 0 of 2", ""), c1.replace("rank 1 of 2", ""));
        assertEquals(dims(r0), dims(c0));
    }

    private static String dims(String line) { return line.substring(line.indexOf("EMB"), line.indexOf(", checksum")); }

    private static String finalLine(List<String> lines, int rank) {
        return lines.stream().filter(l -> l.startsWith("rank " + rank + " of 2: pruned model")).findFirst()
                .orElseThrow(() -> new AssertionError("rank " + rank + " printed no final line: " + lines));
    }

    /** The JVM of rank r under mpirun (Open MPI puts the rank in each process's environment). */
    private static ProcessHandle rank(Process mpirun, int r) throws Exception {
        List<ProcessHandle> javas = new ArrayList<>();
        for (ProcessHandle h : mpirun.descendants().toList()) {
            Path env = Path.of("/proc", String.valueOf(h.pid()), "environ");
            if (Files.isReadable(env) && new String(Files.readAllBytes(env)).contains("\0OMPI_COMM_WORLD_RANK=" + r + "\0")) return h;
            if (h.info().command().orElse("").endsWith("java")) javas.add(h);
        }
        assertFalse(javas.isEmpty(), "no rank process found under mpirun");
        return javas.getLast();
    }
}
