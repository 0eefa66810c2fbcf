package org.nvit.cli;

import org.nvit.engine.Backend;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --device} and {@code --precision} flags, shared by every command that runs a model (a picocli mixin). */
public final class DeviceOptions {
    @Option(names = "--device", description = "cpu | cuda | auto (auto: the GPU when usable, else the CPU; default cpu)")
    String device;
    @Option(names = "--precision", description = "GPU GEMM precision: fp32 | tf32 | bf16 (default tf32; GPU only)")
    String precision;
    @Spec(Spec.Target.MIXEE) CommandSpec command;

    /** The device flag as given, or {@code fallback} when absent. */
    String deviceOr(String fallback) { return device != null ? device : fallback; }

    /** The backend for these flags (registered); auto's choice is printed to the command's error stream. */
    Backend backend() { return Devices.select(device, precision, this::note); }

    /** A line on the command's error stream (stderr, or what a test set). */
    void note(String line) {
        var err = command.commandLine().getErr();
        err.println(line);
        err.flush();
    }
}
