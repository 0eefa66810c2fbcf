package org.nvit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.nvit.distributed.Communicators;

/**
 * Compute threads per rank when mpirun starts several ranks on one machine: the machine's cores shared out, so that
 * N ranks do not each start a thread per core and fight over them. Set before the CPU backend's pool starts; an
 * explicit -Dnvit.threads wins. Where mpirun bound the rank to its own cores (Open MPI's default: one core per rank
 * for up to 2 ranks), the JVM already sees only those, and they are all used.
 */
final class RankThreads {
    private RankThreads() {}

    static void apply() {
        if (System.getProperty("nvit.threads") != null || !Communicators.launchedByMpi(System.getenv())) return;
        int local = Communicators.localSize(System.getenv());
        int visible = Runtime.getRuntime().availableProcessors(), machine = machineCpus();
        int threads = visible < machine ? visible : Math.max(1, machine / local); // bound: its own cores; else a share
        System.setProperty("nvit.threads", String.valueOf(threads));
    }

    /** CPUs online on this machine (/sys/devices/system/cpu/online, e.g. "0-1,4"), or the JVM's count. */
    static int machineCpus() {
        try {
            int n = 0;
            for (String part : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
                String[] r = part.split("-");
                n += r.length == 1 ? 1 : Integer.parseInt(r[1]) - Integer.parseInt(r[0]) + 1;
            }
            return Math.max(1, n);
        } catch (Exception e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }
}
