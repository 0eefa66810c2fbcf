package org.nvit.distributed;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Open MPI binding against the real mpi.h (Debian's libopenmpi-dev) and the real libmpi.so.40: every function's
 * parameter and result layouts, MPI_IN_PLACE and the thread-level value, and every predefined handle we read.
 * Skips where Open MPI is not installed, unless NVIT_REQUIRE_MPI=1 (CI) makes that a failure.
 */
class MpiBindingTest {
    static final List<Path> HEADERS = List.of(Path.of("/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h"),
            Path.of("/usr/include/x86_64-linux-gnu/openmpi/mpi.h"), Path.of("/usr/include/openmpi/mpi.h"));

    static boolean required() { return "1".equals(System.getenv("NVIT_REQUIRE_MPI")); }

    static String header() throws Exception {
        for (Path h : HEADERS) if (Files.isRegularFile(h)) return Files.readString(h);
        if (required()) fail("NVIT_REQUIRE_MPI=1 but Open MPI's mpi.h is missing; apt-get install libopenmpi-dev");
        assumeTrue(false, "Open MPI's mpi.h is not installed (apt-get install libopenmpi-dev)");
        return null;
    }

    @Test void everyDescriptorMatchesTheHeader() throws Exception {
        String h = header();
        for (var e : MpiLibrary.FUNCTIONS.entrySet()) {
            CPrototype p = CPrototype.find(h, e.getKey());
            assertNotNull(p, e.getKey() + " not declared in mpi.h");
            assertEquals(p.params(), e.getValue().argumentLayouts(), e.getKey() + " parameters");
            assertEquals(p.result(), e.getValue().returnLayout().orElse(null), e.getKey() + " result");
        }
        assertTrue(h.contains("#define MPI_IN_PLACE             ((void *) 1)") || h.matches("(?s).*#define MPI_IN_PLACE\\s+\\(\\(void \\*\\) 1\\).*"),
                "MPI_IN_PLACE is ((void *) 1)");
        assertTrue(h.matches("(?s).*MPI_THREAD_SINGLE,\\s*MPI_THREAD_FUNNELED,\\s*MPI_THREAD_SERIALIZED,.*"),
                "MPI_THREAD_SERIALIZED is the enum's third value (2)");
        for (String handle : MpiLibrary.HANDLES)
            assertTrue(h.contains("(" + handle + ")") || h.contains(", " + handle + ")"), handle + " is a predefined handle in mpi.h");
    }

    @Test void theLibraryExportsEverySymbol() throws Exception {
        header(); // installed
        MpiLibrary lib = MpiLibrary.load();
        assertEquals(MpiLibrary.FUNCTIONS.keySet(), lib.fn.keySet());
        for (String handle : MpiLibrary.HANDLES) assertNotEquals(0L, lib.handle.get(handle).address(), handle);
    }

    @Test void withoutOpenMpiTheFailureIsOneLineNamingThePackage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MpiLibrary.load("/nonexistent/libmpi.so.40", List.of("libnvit-no-such-mpi.so.40")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install openmpi-bin libopenmpi3"), e.getMessage());
        assertTrue(e.getMessage().contains("/nonexistent/libmpi.so.40 (NVIT_MPI_LIBRARY: no such file)"), e.getMessage());
    }
}
