/* The documentation and the install: tests/doc_check.py (every flag every command accepts, found
 * by asking the program, is in its --help, its man page section and the bash completion;
 * `sessq help CMD` is `sessq CMD --help`) and tests/install_check.py (make install into a
 * temporary DESTDIR, the installed program, `man -l` on the installed page, the installed
 * completion, make uninstall). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/wait.h>

static void script(const char *command)
{
    int status = system(command);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed (its message is above)",
              command);
}

Test(docs, every_flag_documented, .timeout = 120) { script("python3 tests/doc_check.py"); }

Test(docs, install_and_uninstall, .timeout = 120) { script("python3 tests/install_check.py"); }
