// retailhub: the single binary. All logic lives in app/cli.cc.
#include "app/cli.h"

int main(int argc, char** argv) { return hub::app::RunCli(argc, argv); }
