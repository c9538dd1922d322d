#include "cli/commands.h"

namespace esafe::cli {

void RegisterFilterCommands(CLI::App& app) { (void)app; }

}  // namespace esafe::cli
