package org.nvit.cli;

import org.nvit.distributed.Communicator;
import org.nvit.distributed.Communicators;
import org.nvit.engine.Device;
import org.nvit.train.DataParallel;

/**
 * The job a command runs in: a single process, or one rank of an MPI job ({@code mpirun -np N ./nvit ...}, or
 * {@code ./nvit train --nproc N}, which the launcher script turns into that mpirun). CUDA gradients of a job of
 * several ranks are reduced by NCCL, set up on the first step.
 */
final class Distributed {
    private Distributed() {}

    /**
     * This process's communicator. {@code nproc} is the --nproc flag (null when absent): the launcher script starts
     * mpirun for it and does not pass it on, so seeing it here means the JVM was started some other way.
     */
    static Communicator communicator(Integer nproc) {
        boolean mpi = Communicators.launchedByMpi(System.getenv());
        if (nproc != null && nproc < 1) throw new IllegalArgumentException("--nproc must be >= 1 (got " + nproc + ")");
        if (nproc != null && nproc > 1 && !mpi)
            throw new IllegalArgumentException("--nproc " + nproc + " is handled by the nvit launcher script, which starts mpirun;"
                    + " run ./nvit with it, or start the ranks yourself: mpirun -np " + nproc + " ./nvit ...");
        Communicator c = Communicators.fromEnvironment();
        if (nproc != null && nproc != c.size())
            throw new IllegalArgumentException("--nproc " + nproc + " but mpirun started " + c.size() + " ranks; drop --nproc under mpirun");
        if (c.size() > 1) DataParallel.registerDevice(Device.CUDA, NcclGradients::new);
        return c;
    }
}
