/* sessq export, end to end: tests/export_check.py exports the bundled dumps and reads the parts
 * back with Python's gzip, json and csv alone (round trip, partition values, Hive escaping,
 * --append, bounded parts, failures that leave nothing, and the DuckDB query's equivalent
 * against `sessq stats --by month`). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/wait.h>

Test(export, end_to_end, .timeout = 120)
{
    int status = system("python3 tests/export_check.py");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "tests/export_check.py failed (its message is above)");
}
