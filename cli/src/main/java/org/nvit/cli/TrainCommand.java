package org.nvit.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nvit.distributed.Communicator;
import org.nvit.train.TrainOptions;
import org.nvit.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit train}: trains a ViT/DeiT/NViT from scratch (DeiT recipe), fine-tunes one on new data, or resumes a run;
 * with no arguments, the default job. The flags bind straight onto {@link TrainOptions}, the type a Java caller uses.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Train a model from scratch (DeiT recipe), or fine-tune one (--finetune). With no arguments: the default small ViT on Fashion-MNIST.")
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TrainOptions options;
    @Option(names = "--resume", description = "Resume from DIR/last.ckpt; --epochs, --lr, --min-lr, --warmup-lr, --clip-grad, "
            + "--max-steps, --checkpoint-every, --workers and --eval-batch-size may be changed, other flags must match the run.")
    String resume;
    @Mixin DeviceOptions devices;
    @Option(names = "--nproc", description = "Train data parallel on N processes of this machine (the launcher starts mpirun;"
            + " --batch-size is per process). On several machines: mpirun -np N --hostfile FILE ./nvit train ...")
    Integer nproc;
    @Option(names = "--profile", description = "Also print the time per step, images/s and the gradient all-reduce time per step.")
    boolean profile;

    @Override public Integer call() throws Exception {
        Communicator comm = Distributed.communicator(nproc);
        if (resume != null) { // the saved device and precision unless the flags say otherwise
            Trainer.resume(Path.of(resume), options, typedFlags(), saved -> {
                if (devices.device != null) saved.device = devices.device;
                if (devices.precision != null) saved.precision = devices.precision;
                return Devices.select(saved.device, saved.precision, devices::note);
            }, comm).profile(profile).run();
        } else {
            options.device = devices.deviceOr("cpu");
            options.precision = devices.precision;
            new Trainer(options.validate(), devices.backend(), comm).profile(profile).run();
        }
        comm.close(); // a failed rank exits without this, and mpirun ends the others
        return 0;
    }

    /** The long names of the options the user typed (a resumed run checks them against its checkpoint). */
    private Set<String> typedFlags() {
        Set<String> s = new HashSet<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) s.add(o.longestName());
        return s;
    }
}
