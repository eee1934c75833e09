// The main glue of the fuzz executables (declared in include/CFuzzerDriver.h); the fuzzer
// runtime defines LLVMFuzzerRunDriver and LLVMFuzzerMutate.
#include "CFuzzerDriver.h"

// Set once by SpikewatchFuzzerMain, before libFuzzer runs (on this one thread).
static int (*fuzzTarget)(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzzTarget ? fuzzTarget(data, size) : 0;
}

int SpikewatchFuzzerMain(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size)) {
    fuzzTarget = callback;
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
