// HUB_ASSERT: invariants that must hold whatever the input. Always on, also in
// Release: a broken invariant in a financial system must stop, not continue.
// Never use it for anything reachable from user input; return an Error.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HUB_ASSERT(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "invariant violated: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
