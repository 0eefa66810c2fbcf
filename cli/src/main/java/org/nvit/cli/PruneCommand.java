package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nvit.distributed.Communicator;
import org.nvit.pruning.PruneRun;
import org.nvit.pruning.PruneRunOptions;
import org.nvit.pruning.UnitKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit prune}: NViT global structural pruning of a checkpoint under a latency budget, then the dense shrink
 * (the workflow is {@link PruneRun}; this command parses and prints). Fine-tuning the result is left to
 * {@code nvit train} on the written model.safetensors.
 */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Latency-aware global structural pruning (NViT) of a trained model; writes the dense pruned model and a report.")
public final class PruneCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PruneRunOptions options;
    @Option(names = "--resume", description = "Continue the pruning run saved in DIR/prune.ckpt (its saved options apply).")
    Path resume;
    @Mixin DeviceOptions devices;
    @Option(names = "--nproc", description = "Prune data parallel on N processes of this machine (the launcher starts mpirun;"
            + " --batch-size is per process). On several machines: mpirun -np N --hostfile FILE ./nvit prune ...")
    Integer nproc;

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Communicator comm = Distributed.communicator(nproc);
        if (resume != null) {
            PruneRun.resume(resume, saved -> {
                if (devices.device != null) saved.device = devices.device;
                if (devices.precision != null) saved.precision = devices.precision;
                return Devices.select(saved.device, saved.precision, devices::note);
            }, out, comm);
        } else {
            options.validate();
            options.device = devices.deviceOr("cpu");
            options.precision = devices.precision;
            PruneRun.run(options, devices.backend(), out, comm);
        }
        comm.close(); // a failed rank exits without this, and mpirun ends the others
        return 0;
    }

    /** "emb=16,head=2,..." (see {@link PruneRunOptions#parseGroupSizes}). */
    static java.util.Map<UnitKind, Integer> parseGroupSizes(String spec) { return PruneRunOptions.parseGroupSizes(spec); }
}
