// The declaration in include/CFuzzerDriver.h is all this target provides; the fuzzer
// runtime defines LLVMFuzzerRunDriver. (A C target needs one source file.)
#include "CFuzzerDriver.h"
