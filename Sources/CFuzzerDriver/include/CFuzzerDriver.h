#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own main (SwiftPM's executable
/// main hides libFuzzer's). Provided by the fuzzer runtime (-sanitize=fuzzer).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/// libFuzzer's own byte-level mutation, for a custom mutator to fall back on.
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

/// The main glue every fuzz executable here shares: runs libFuzzer over the command
/// line with `callback` as the fuzz target (also answering LLVMFuzzerTestOneInput, which
/// the runtime references even when driven this way); returns libFuzzer's exit status.
int SpikewatchFuzzerMain(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));

#endif
