package org.nvit.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where CUDA's shared libraries are looked for when the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache,
 * the default folders) misses them, as when {@code nvit} is run by hand: the driver's folders (distribution, WSL,
 * container runtimes, NixOS), the CUDA toolkit (CUDA_HOME, CUDA_PATH, /usr/local/cuda*, its forward-compatibility
 * driver), conda, and Python wheels' {@code nvidia/*}{@code /lib} folders (PyTorch's cuBLAS). A library found there is
 * loaded by its full path, which later loads by name then resolve to. The folders are computed from an environment
 * and a file-system root, so that tests can build a tree; {@link Search#searched} names what was looked at, for the
 * error message when nothing is found.
 */
final class NativeLibraries {
    private final Map<String, String> env;
    private final Path root;

    NativeLibraries(Map<String, String> env, Path root) {
        this.env = env;
        this.root = root;
    }

    static NativeLibraries system() { return new NativeLibraries(System.getenv(), Path.of("/")); }

    /** The outcome of a search: the first file found, and every folder that was looked in (in order). */
    record Search(Optional<Path> found, List<Path> searched) {
        String describe() {
            StringBuilder sb = new StringBuilder();
            for (Path p : searched) sb.append(sb.isEmpty() ? "" : ", ").append(p);
            return sb.isEmpty() ? "no folders" : sb.toString();
        }
    }

    private Path at(String absolute) { return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute); }

    private List<Path> fromEnvList(String var) {
        List<Path> out = new ArrayList<>();
        String v = env.get(var);
        if (v != null) for (String p : v.split(":")) if (!p.isBlank()) out.add(at(p));
        return out;
    }

    /** Children of dir whose names start with prefix, newest version first (cuda-13.1 before cuda-12.4). */
    private static List<Path> children(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Folders that hold libcuda.so.1 on the usual systems. */
    List<Path> driverFolders() {
        LinkedHashSet<Path> f = new LinkedHashSet<>(fromEnvList("LD_LIBRARY_PATH"));
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                "/usr/lib/wsl/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/run/opengl-driver/lib",
                "/usr/lib/x86_64-linux-gnu/nvidia/current", "/usr/lib64/nvidia"})
            f.add(at(d));
        for (Path t : toolkitRoots()) f.add(t.resolve("compat")); // the toolkit's forward-compatible driver
        return List.copyOf(f);
    }

    private List<Path> toolkitRoots() {
        LinkedHashSet<Path> r = new LinkedHashSet<>();
        for (String var : new String[] {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) r.add(at(v));
        }
        r.add(at("/usr/local/cuda"));
        r.addAll(children(at("/usr/local"), "cuda-"));
        r.add(at("/opt/cuda"));
        return List.copyOf(r);
    }

    /** Folders that hold the toolkit's libraries (cuBLAS), then conda's, then Python wheels'. */
    List<Path> libraryFolders() {
        LinkedHashSet<Path> f = new LinkedHashSet<>(fromEnvList("LD_LIBRARY_PATH"));
        for (Path t : toolkitRoots()) {
            f.add(t.resolve("lib64"));
            f.add(t.resolve("lib"));
            for (Path target : children(t.resolve("targets"), "")) f.add(target.resolve("lib"));
        }
        String conda = env.get("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) f.add(at(conda).resolve("lib"));
        for (Path site : sitePackages()) for (Path pkg : children(site.resolve("nvidia"), "")) f.add(pkg.resolve("lib"));
        return List.copyOf(f);
    }

    /** The site-packages folders of virtual environments, conda, the user and the system Pythons. */
    private List<Path> sitePackages() {
        List<Path> bases = new ArrayList<>();
        for (String var : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) bases.add(at(v).resolve("lib"));
        }
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) bases.add(at(home).resolve(".local/lib"));
        for (String d : new String[] {"/usr/local/lib", "/usr/lib", "/opt/conda/lib"}) bases.add(at(d));
        List<Path> out = new ArrayList<>();
        for (Path b : bases)
            for (Path py : children(b, "python3"))
                for (String s : new String[] {"site-packages", "dist-packages"}) out.add(py.resolve(s));
        return out;
    }

    /** The first of {@code names} in the first folder that has one (folder order first, then name order). */
    static Search find(List<Path> folders, List<String> names) {
        List<Path> searched = new ArrayList<>();
        for (Path f : folders) {
            searched.add(f);
            for (String n : names) {
                Path p = f.resolve(n);
                if (Files.isRegularFile(p) || Files.isSymbolicLink(p) && Files.exists(p)) return new Search(Optional.of(p), searched);
            }
        }
        return new Search(Optional.empty(), searched);
    }
}
