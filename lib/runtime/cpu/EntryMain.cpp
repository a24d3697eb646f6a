//===- EntryMain.cpp - main() for AOT executables -------------------------===//
//
// The QuantRuntimeMain library: links into an executable whose object code
// defines quant_program_signature and quant_program_entry but no main.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Runtime.h"

int main(int argc, char **argv) { return qrt_main(argc, argv); }
