package org.nvit.distributed;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a Java main class on N local ranks with Open MPI's mpirun, as the tests need it. */
final class MpiRun {
    private MpiRun() {}

    record Result(int code, String output) {}

    /** mpirun's path; skips the test when Open MPI is absent, unless NVIT_REQUIRE_MPI=1 makes that a failure. */
    static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) return p.toString();
        }
        if (MpiBindingTest.required()) fail("NVIT_REQUIRE_MPI=1 but mpirun is missing; apt-get install openmpi-bin");
        assumeTrue(false, "Open MPI's mpirun is not installed (apt-get install openmpi-bin)");
        return null;
    }

    static Result run(int ranks, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "--oversubscribe", "-np", String.valueOf(ranks),
                ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1"); // CI runs as root; mpirun refuses that without both
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("mpirun did not finish in 120 s: " + new String(out));
        }
        return new Result(p.exitValue(), new String(out));
    }
}
