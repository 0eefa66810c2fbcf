package org.nvit.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code nvit completion}: the bash completion script of every command and option (picocli's AutoComplete). */
@Command(name = "completion", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Print a bash completion script for nvit (zsh loads it too, after 'autoload -U +X bashcompinit && bashcompinit').",
                "Use: source <(nvit completion), or save it as /etc/bash_completion.d/nvit."})
public final class CompletionCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() {
        CommandLine root = spec.root().commandLine();
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash(root.getCommandName(), root));
        out.flush();
    }
}
