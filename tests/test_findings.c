/* The findings list: codes and severities, copies of what is added, the cap per code. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"

Test(findings, codes_have_names_and_severities)
{
    cr_expect_str_eq(fnd_code_name(FND_INVALID_JSON), "invalid-json");
    cr_expect_str_eq(fnd_code_name(FND_POWERSHELL_TRUNCATED), "powershell-truncated");
    cr_expect_str_eq(fnd_code_name(FND_DUPLICATE_ID), "duplicate-id");
    cr_expect_eq(fnd_code_severity(FND_MISSING_ID), FND_ERROR);
    cr_expect_eq(fnd_code_severity(FND_INVALID_UTF8), FND_WARNING);
    cr_expect_eq(fnd_code_severity(FND_SUMMARY), FND_INFO);
    cr_expect_str_eq(fnd_code_name(FND_PAGING_GAP), "paging-gap");
    cr_expect_eq(fnd_code_severity(FND_PAGING_GAP), FND_ERROR);
    cr_expect_str_eq(fnd_code_name(FND_DUPLICATE_PAGE), "duplicate-page");
    cr_expect_eq(fnd_code_severity(FND_DUPLICATE_PAGE), FND_WARNING);
    cr_expect_str_eq(fnd_code_name(FND_OVERLAPPING_PAGES), "overlapping-pages");
    cr_expect_eq(fnd_code_severity(FND_OVERLAPPING_PAGES), FND_WARNING);
    cr_expect_str_eq(fnd_code_name(FND_SHORT_PAGE), "short-page");
    cr_expect_eq(fnd_code_severity(FND_SHORT_PAGE), FND_INFO);
    cr_expect_str_eq(fnd_severity_name(FND_WARNING), "warning");
    for (fnd_code c = 0; c < FND_NCODES; c++)
        cr_expect_neq(strcmp(fnd_code_name(c), "?"), 0, "code %d has no name", c);
}

Test(findings, keeps_copies_in_order)
{
    fnd_list *l = fnd_new();
    char file[] = "a.json";
    cr_assert_eq(fnd_add(l, FND_INVALID_JSON, file, 3, 7, "expected %s", "','"), 0);
    file[0] = 'b';
    cr_assert_eq(fnd_add(l, FND_INVALID_UTF8, file, 9, 1, "bad bytes"), 0);
    cr_assert_eq(fnd_add(l, FND_SUMMARY, NULL, 0, 0, "2 files"), 0);
    cr_assert_eq(fnd_count(l), 3);
    const fnd_finding *f = fnd_get(l, 0);
    cr_expect_str_eq(f->file, "a.json", "the file name was copied, not kept by pointer");
    cr_expect_str_eq(f->message, "expected ','");
    cr_expect_eq(f->line, 3);
    cr_expect_eq(f->column, 7);
    cr_expect_eq(f->severity, FND_ERROR);
    cr_expect_str_eq(fnd_get(l, 1)->file, "b.json");
    cr_expect_null(fnd_get(l, 2)->file);
    cr_expect_eq(fnd_total(l, FND_ERROR), 1);
    cr_expect_eq(fnd_total(l, FND_WARNING), 1);
    cr_expect_eq(fnd_total(l, FND_INFO), 1);
    fnd_free(l);
}

Test(findings, caps_each_code_and_counts_the_rest)
{
    fnd_list *l = fnd_new();
    for (int i = 0; i < FND_MAX_PER_CODE + 250; i++)
        cr_assert_eq(fnd_add(l, FND_INVALID_UTF8, "x.json", (uint64_t)i + 1, 1, "n%d", i), 0);
    cr_assert_eq(fnd_add(l, FND_MISSING_ID, "x.json", 1, 1, "no id"), 0);
    cr_expect_eq(fnd_count(l), FND_MAX_PER_CODE + 1);
    cr_expect_eq(fnd_dropped(l, FND_INVALID_UTF8), 250);
    cr_expect_eq(fnd_dropped(l, FND_MISSING_ID), 0);
    cr_expect_eq(fnd_total(l, FND_WARNING), FND_MAX_PER_CODE + 250, "totals count dropped ones");
    cr_expect_str_eq(fnd_get(l, FND_MAX_PER_CODE)->message, "no id");
    fnd_free(l);
}

Test(findings, long_messages_are_cut_not_overrun)
{
    fnd_list *l = fnd_new();
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(fnd_add(l, FND_INVALID_JSON, "f", 1, 1, "%s", big), 0);
    cr_expect_eq(strlen(fnd_get(l, 0)->message), 1023);
    fnd_free(l);
}
