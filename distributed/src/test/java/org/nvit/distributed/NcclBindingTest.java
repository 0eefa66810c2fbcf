package org.nvit.distributed;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import org.junit.jupiter.api.Test;

/**
 * The NCCL binding against nccl.h's published prototypes (no NCCL library is needed): every bound name, parameter
 * and result layout, the by-value 128-byte unique id, the enum values, and a one-line failure where NCCL is absent.
 */
class NcclBindingTest {
    /** The declarations as nccl.h (NCCL 2.x, src/nccl.h.in) publishes them. */
    static final String HEADER = """
            typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;
            ncclResult_t  ncclGetVersion(int *version);
            ncclResult_t  ncclGetUniqueId(ncclUniqueId* uniqueId);
            ncclResult_t  ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
            ncclResult_t  ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count,
                ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
            ncclResult_t  ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root,
                ncclComm_t comm, cudaStream_t stream);
            ncclResult_t  ncclGroupStart();
            ncclResult_t  ncclGroupEnd();
            ncclResult_t  ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError);
            ncclResult_t  ncclCommDestroy(ncclComm_t comm);
            ncclResult_t  ncclCommAbort(ncclComm_t comm);
            const char*  ncclGetErrorString(ncclResult_t result);
            """;

    @Test void everyDescriptorMatchesItsPrototype() {
        Linker linker = Linker.nativeLinker();
        for (var e : NcclLibrary.FUNCTIONS.entrySet()) {
            CPrototype p = CPrototype.find(HEADER, e.getKey());
            assertNotNull(p, e.getKey() + " is not an nccl.h function");
            FunctionDescriptor d = e.getValue();
            assertEquals(p.params(), d.argumentLayouts(), e.getKey() + " parameters");
            assertEquals(p.result(), d.returnLayout().orElse(null), e.getKey() + " result");
            assertNotNull(linker.downcallHandle(d), e.getKey() + " is a valid downcall shape");
        }
    }

    @Test void uniqueIdIs128BytesByValueAndEnumsAreNcclHs() {
        assertEquals(128, NcclLibrary.UNIQUE_ID.byteSize());
        var init = NcclLibrary.FUNCTIONS.get("ncclCommInitRank").argumentLayouts();
        assertEquals(NcclLibrary.UNIQUE_ID, init.get(2), "the id is passed by value, not by pointer");
        // ncclDataType_t: ncclUint8 = 1, ncclFloat32 = 7; ncclRedOp_t: ncclSum 0, ncclMax 2, ncclMin 3; ncclSuccess 0
        assertEquals(7, NcclLibrary.FLOAT32);
        assertEquals(1, NcclLibrary.UINT8);
        assertEquals(0, NcclLibrary.SUM);
        assertEquals(2, NcclLibrary.MAX);
        assertEquals(3, NcclLibrary.MIN);
        assertEquals(0, NcclLibrary.SUCCESS);
    }

    @Test void looksInTheWheelAndToolkitFolders() {
        var c = NcclLibrary.candidates().stream().map(Object::toString).toList();
        assertTrue(c.contains("/usr/local/cuda/lib64/libnccl.so.2"), c.toString());
        assertTrue(c.stream().allMatch(p -> p.endsWith("libnccl.so.2")), c.toString());
    }

    @Test void withoutNcclTheFailureIsOneLineNamingTheFix() {
        IllegalStateException e;
        try {
            e = assertThrows(IllegalStateException.class, NcclLibrary::load);
        } catch (AssertionError ncclIsInstalled) {
            return; // a machine with NCCL: nothing to check here
        }
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("libnccl.so.2") && e.getMessage().contains("NVIT_NCCL"), e.getMessage());
    }
}
