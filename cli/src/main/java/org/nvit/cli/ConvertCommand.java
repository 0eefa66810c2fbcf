package org.nvit.cli;

import org.nvit.models.Models;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nvit.models.io.StateDicts;
import org.nvit.models.io.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nvit convert IN OUT}: any supported weight file to our safetensors (timm key layout, config in metadata). */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a timm/DeiT/NViT checkpoint (.pth or .safetensors) to nvit safetensors (timm names, config in metadata).")
public final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "input weight file")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output .safetensors file (written atomically)")
    Path out;

    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "attention heads: one count for every block or one per block (default: NViT's 'dim' or 64-wide heads)")
    String heads;

    @Override public Integer call() throws Exception {
        OutputGuard.check("OUT", out, OutputGuard.input("IN", in));
        if (!out.getFileName().toString().endsWith(".safetensors"))
            throw new IllegalArgumentException("OUT must be a .safetensors file (convert writes safetensors), got " + out);
        WeightFiles.Loaded m = WeightFiles.load(in, Models.parseHeads(heads));
        WeightFiles.export(out, m.config(), m.stateDict());
        spec.commandLine().getOut().printf("wrote %s: %d tensors, %,d parameters, depth %d, embed %d%s%n", out,
                m.stateDict().size(), StateDicts.parameterCount(m.stateDict()), m.config().depth(), m.config().embedDim(),
                m.config().isUniform() ? " (uniform: timm layout)" : "");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
