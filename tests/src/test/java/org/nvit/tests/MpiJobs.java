package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** nvit commands as jobs of several ranks under Open MPI's mpirun, each rank a JVM with the tests' class path. */
final class MpiJobs {
    private MpiJobs() {}

    record Result(int code, String output) {
        /** The output without mpirun's [job,rank]<stream>: tags (which also cut a rank's printf into pieces). */
        String plain() { return output.replaceAll("\\[\\d+,\\d+\\]<std(out|err)>:", ""); }

        /** The lines rank r wrote, tags removed. */
        List<String> rank(int r) {
            String tag = "[1," + r + "]";
            return output.lines().filter(l -> l.contains(tag)).map(l -> l.replaceAll("\\[\\d+,\\d+\\]<std(out|err)>:", "")).toList();
        }
    }

    /** mpirun, or the test skips (Open MPI absent); NVIT_REQUIRE_MPI=1 (CI) makes its absence a failure. */
    static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
            if (Files.isExecutable(Path.of(dir, "mpirun"))) return Path.of(dir, "mpirun").toString();
        if ("1".equals(System.getenv("NVIT_REQUIRE_MPI"))) fail("NVIT_REQUIRE_MPI=1 but mpirun is missing; apt-get install openmpi-bin");
        assumeTrue(false, "Open MPI's mpirun is not installed (apt-get install openmpi-bin)");
        return null;
    }

    /** The command line of `nvit ARGS` on {@code ranks} local ranks; mpirun's --tag-output marks each line [job,rank]. */
    static ProcessBuilder nvit(int ranks, String... args) {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "--oversubscribe", "--tag-output", "-np", String.valueOf(ranks),
                ProcessHandle.current().info().command().orElse("java"), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.nvit.cli.Nvit"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1"); // CI runs as root, which mpirun refuses without both
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().put("NVIT_PLAIN_PROGRESS", "1");
        return pb;
    }

    static Result run(int ranks, String... args) throws Exception {
        Process p = nvit(ranks, args).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("mpirun did not finish in 300 s: " + new String(out));
        }
        return new Result(p.exitValue(), new String(out));
    }
}
