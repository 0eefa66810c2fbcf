package org.nvit.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by the build), with the Java runtime it runs on. */
public final class Version implements IVersionProvider {
    @Override public String[] getVersion() {
        String v = Nvit.class.getPackage().getImplementationVersion();
        return new String[] {"nvit " + (v == null ? "dev" : v),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
