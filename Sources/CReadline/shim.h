// GNU readline for the REPL. <stdio.h> first: readline.h uses FILE without including it.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
