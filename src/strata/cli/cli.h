// The `strata` command: `strata <noun> <verb> ...`.
#ifndef STRATA_CLI_CLI_H_
#define STRATA_CLI_CLI_H_

namespace strata::cli {

// Parses arguments and runs the command; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace strata::cli

#endif  // STRATA_CLI_CLI_H_
