package org.nvit.distributed;

import java.util.Map;

/** The communicator of this process: Open MPI's when an MPI launcher started it, else a single process. */
public final class Communicators {
    private Communicators() {}

    /**
     * Open MPI's {@code mpirun} (and its {@code prterun} in Open MPI 5) give each process its rank in the environment;
     * a process started without one is a job of one and needs no MPI library at all.
     */
    public static boolean launchedByMpi(Map<String, String> env) {
        return env.containsKey("OMPI_COMM_WORLD_SIZE") || env.containsKey("PMIX_RANK") && env.containsKey("OMPI_COMMAND");
    }

    /** The world size an MPI launcher announced, or 1. */
    public static int announcedSize(Map<String, String> env) {
        String s = env.get("OMPI_COMM_WORLD_SIZE");
        try {
            return s == null ? 1 : Math.max(1, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** How many ranks of the job run on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), or 1. */
    public static int localSize(Map<String, String> env) {
        String s = env.get("OMPI_COMM_WORLD_LOCAL_SIZE");
        try {
            return s == null ? 1 : Math.max(1, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** This process's rank among those on its machine, or 0 (picks its GPU). */
    public static int localRank(Map<String, String> env) {
        String s = env.get("OMPI_COMM_WORLD_LOCAL_RANK");
        try {
            return s == null ? 0 : Math.max(0, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The communicator for this process's environment (MPI is initialised once per process). */
    public static Communicator fromEnvironment() {
        return launchedByMpi(System.getenv()) ? MpiCommunicator.init() : SingleProcess.INSTANCE;
    }
}
