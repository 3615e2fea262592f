/* test_paging.c: the paging module: hrefs split into collection keys, and the findings of
 * pg_check() for gaps at the start, in the middle and at the end, pages read twice,
 * overlapping and short pages, and collections told apart by their query. Expected messages
 * are worked out by hand from the rules in paging.h and the README. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "paging.h"

static pg_list *L;
static fnd_list *F;

static void setup(void)
{
    L = pg_new();
    F = fnd_new();
    cr_assert(L && F);
}

static void teardown(void)
{
    pg_free(L);
    fnd_free(F);
}

TestSuite(paging, .init = setup, .fini = teardown);

/* A fingerprint standing for `count` records named after `seed`. */
static uint64_t records(const char *seed, uint64_t count)
{
    uint64_t h = PG_FINGERPRINT_START;
    for (uint64_t i = 0; i < count; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "%s%llu", seed, (unsigned long long)i);
        h = pg_fingerprint(h, "vb365-restore", id, (size_t)n);
    }
    return h;
}

static void add_full(const char *file, uint64_t line, const char *href, int64_t offset,
                     int64_t limit, int64_t total, uint64_t count, uint64_t fingerprint)
{
    pg_page p = {
        file,  line,  1,     href ? href : NULL, href ? strlen(href) : 0, "vb365-restore", offset,
        limit, total, count, fingerprint};
    cr_assert_eq(pg_add(L, &p), 0);
}

/* A page of /v6/RestoreSessions with `count` records of its own. */
static void add(const char *file, int64_t offset, int64_t limit, uint64_t count)
{
    add_full(file, 1, "/v6/RestoreSessions?offset=0&limit=0", offset, limit, PG_ABSENT, count,
             records(file, count));
}

static void check(void) { cr_assert_eq(pg_check(L, F), 0); }

static void expect_finding(size_t i, fnd_code code, const char *file, uint64_t line,
                           const char *message)
{
    cr_assert_gt(fnd_count(F), i, "finding %zu is missing", i);
    const fnd_finding *f = fnd_get(F, i);
    cr_expect_str_eq(fnd_code_name(f->code), fnd_code_name(code));
    cr_expect_str_eq(f->file, file);
    cr_expect_eq(f->line, line);
    cr_expect_str_eq(f->message, message);
}

/* ---- the collection key ------------------------------------------------------------------- */

Test(paging, endpoint_is_the_lower_case_path_of_an_absolute_href)
{
    add_full("a.json", 1,
             "https://abc.ukwest.cloudapp.azure.com:443/api/v1/jobSessions/?offset=0&limit=30&"
             "display=Full#top",
             0, 30, 14, 14, 1);
    cr_assert_eq(pg_count(L), 1);
    const pg_entry *e = pg_get(L, 0);
    cr_expect_str_eq(e->endpoint, "/api/v1/jobsessions");
    cr_expect_str_eq(e->query, "display=Full");
    cr_expect_eq(e->offset, 0);
    cr_expect_eq(e->limit, 30);
    cr_expect_eq(e->total, 14);
    cr_expect_eq(e->count, 14);
}

Test(paging, query_is_sorted_with_lower_case_names_and_no_paging_parameters)
{
    add_full("a.json", 1, "/v6/RestoreSessions?SetId=x&organizationId=B&Limit=2&a&offset=4", 4, 2,
             PG_ABSENT, 2, 1);
    cr_expect_str_eq(pg_get(L, 0)->endpoint, "/v6/restoresessions");
    cr_expect_str_eq(pg_get(L, 0)->query, "a&organizationid=B");
}

Test(paging, offset_and_limit_come_from_the_href_when_the_envelope_lacks_them)
{
    add_full("a.json", 1, "/v6/RestoreSessions?offset=200&limit=100", PG_ABSENT, PG_ABSENT,
             PG_ABSENT, 100, 1);
    cr_assert_eq(pg_count(L), 1);
    cr_expect_eq(pg_get(L, 0)->offset, 200);
    cr_expect_eq(pg_get(L, 0)->limit, 100);
}

Test(paging, an_envelope_without_any_offset_is_not_a_page)
{
    add_full("a.json", 1, "/v6/RestoreSessions", PG_ABSENT, 30, PG_ABSENT, 5, 1);
    add_full("b.json", 1, NULL, PG_ABSENT, PG_ABSENT, PG_ABSENT, 5, 1);
    cr_expect_eq(pg_count(L), 0);
}

Test(paging, a_page_without_href_is_named_after_its_source)
{
    add_full("a.json", 1, NULL, 0, 30, PG_ABSENT, 5, 1);
    cr_expect_str_eq(pg_get(L, 0)->endpoint, "vb365-restore pages without _links.self.href");
    cr_expect_str_eq(pg_get(L, 0)->query, "");
}

Test(paging, append_and_truncate_keep_copies_in_order)
{
    pg_list *other = pg_new();
    char file[] = "x.json";
    pg_page p = {file, 3, 5, "/v6/RestoreSessions?offset=0", 28, NULL, 0, 2, PG_ABSENT, 2, 7};
    cr_assert_eq(pg_add(other, &p), 0);
    file[0] = 'y';
    add("a.json", 0, 2, 2);
    cr_assert_eq(pg_append(L, other), 0);
    pg_free(other);
    cr_assert_eq(pg_count(L), 2);
    cr_expect_str_eq(pg_get(L, 1)->file, "x.json", "the file name was copied");
    cr_expect_eq(pg_get(L, 1)->line, 3);
    cr_expect_eq(pg_get(L, 1)->fingerprint, 7);
    pg_truncate(L, 1);
    cr_expect_eq(pg_count(L), 1);
    cr_expect_str_eq(pg_get(L, 0)->file, "a.json");
}

Test(paging, fingerprint_depends_on_ids_and_their_order)
{
    uint64_t ab = pg_fingerprint(pg_fingerprint(PG_FINGERPRINT_START, "s", "a", 1), "s", "b", 1);
    uint64_t ba = pg_fingerprint(pg_fingerprint(PG_FINGERPRINT_START, "s", "b", 1), "s", "a", 1);
    uint64_t joined = pg_fingerprint(PG_FINGERPRINT_START, "s", "ab", 2);
    cr_expect_neq(ab, ba);
    cr_expect_neq(ab, joined);
    cr_expect_eq(ab,
                 pg_fingerprint(pg_fingerprint(PG_FINGERPRINT_START, "s", "a", 1), "s", "b", 1));
}

/* ---- findings ----------------------------------------------------------------------------- */

Test(paging, complete_pages_give_no_finding)
{
    add("p0.json", 0, 100, 100);
    add("p1.json", 100, 100, 100);
    add("p2.json", 200, 100, 37);
    check();
    cr_expect_eq(fnd_count(F), 0);
}

Test(paging, pages_in_any_input_order_are_put_in_offset_order)
{
    add("p2.json", 200, 100, 37);
    add("p0.json", 0, 100, 100);
    add("p1.json", 100, 100, 100);
    check();
    cr_expect_eq(fnd_count(F), 0);
}

Test(paging, gap_in_the_middle_names_both_neighbours_and_sits_on_the_page_after)
{
    add("p0.json", 0, 100, 100);
    add("p1.json", 100, 100, 100);
    add("p2.json", 200, 100, 100);
    add("p4.json", 400, 100, 12);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_PAGING_GAP, "p4.json", 1,
                   "/v6/restoresessions: offsets 300-399 missing (no page covers them), between "
                   "p2.json (offset 200, limit 100, 100 sessions) and p4.json (offset 400, limit "
                   "100, 12 sessions)");
    cr_expect_eq(fnd_total(F, FND_ERROR), 1);
}

Test(paging, gap_at_the_start)
{
    add("p1.json", 100, 100, 100);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_PAGING_GAP, "p1.json", 1,
                   "/v6/restoresessions: offsets 0-99 missing (no page covers them), before "
                   "p1.json (offset 100, limit 100, 100 sessions)");
}

Test(paging, gap_at_the_end_is_known_only_from_total_count)
{
    add_full("a0.json", 1, "/api/v1/jobSessions?offset=0&limit=3", 0, 3, 10, 3, records("a", 3));
    add_full("a3.json", 1, "/api/v1/jobSessions?offset=3&limit=3", 3, 3, 10, 3, records("b", 3));
    add("p0.json", 0, 3, 3); /* another collection, full, without totalCount: nothing to say */
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_PAGING_GAP, "a3.json", 1,
                   "/api/v1/jobsessions: offsets 6-9 missing at the end (totalCount is 10), after "
                   "a3.json (offset 3, limit 3, 3 sessions)");
}

Test(paging, a_short_last_page_under_total_count_leaves_a_gap_at_the_end)
{
    add_full("a0.json", 1, "/api/v1/jobSessions", 0, 3, 5, 3, records("a", 3));
    add_full("a3.json", 1, "/api/v1/jobSessions", 3, 3, 5, 1, records("b", 1));
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_PAGING_GAP, "a3.json", 1,
                   "/api/v1/jobsessions: offset 4 missing at the end (totalCount is 5), after "
                   "a3.json (offset 3, limit 3, 1 session)");
}

Test(paging, the_same_page_twice_is_a_duplicate_not_an_overlap)
{
    uint64_t same = records("x", 2);
    add_full("p0.json", 1, "/v6/RestoreSessions", 0, 2, PG_ABSENT, 2, same);
    add_full("p2.json", 1, "/v6/RestoreSessions", 2, 2, PG_ABSENT, 1, records("y", 1));
    add_full("p0 (1).json", 1, "/v6/RestoreSessions", 0, 2, PG_ABSENT, 2, same);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_DUPLICATE_PAGE, "p0 (1).json", 1,
                   "/v6/restoresessions: p0 (1).json holds the same page as p0.json (offset 0, "
                   "limit 2, 2 sessions): its sessions count once");
    cr_expect_eq(fnd_total(F, FND_WARNING), 1);
    cr_expect_eq(fnd_total(F, FND_ERROR), 0);
}

Test(paging, a_page_twice_in_one_file_names_its_line)
{
    uint64_t same = records("x", 2);
    add_full("log.json", 1, "/v6/RestoreSessions", 0, 2, PG_ABSENT, 2, same);
    add_full("log.json", 9, "/v6/RestoreSessions", 0, 2, PG_ABSENT, 2, same);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_DUPLICATE_PAGE, "log.json", 9,
                   "/v6/restoresessions: log.json:9 holds the same page as log.json (offset 0, "
                   "limit 2, 2 sessions): its sessions count once");
}

Test(paging, overlapping_pages)
{
    add("p0.json", 0, 100, 100);
    add("p50.json", 50, 100, 100);
    add("p150.json", 150, 100, 20);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_OVERLAPPING_PAGES, "p50.json", 1,
                   "/v6/restoresessions: offsets 50-99 are in two pages, p0.json (offset 0, limit "
                   "100, 100 sessions) and p50.json (offset 50, limit 100, 100 sessions)");
}

Test(paging, other_content_at_the_same_offset_is_an_overlap_that_says_so)
{
    add("old.json", 0, 2, 2);
    add("new.json", 0, 2, 2);
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_OVERLAPPING_PAGES, "new.json", 1,
                   "/v6/restoresessions: offsets 0-1 are in two pages, old.json (offset 0, limit "
                   "2, 2 sessions) and new.json (offset 0, limit 2, 2 sessions), which hold "
                   "different sessions: the collection changed between the two reads");
}

Test(paging, short_page_that_is_not_the_last)
{
    add("p0.json", 0, 100, 100);
    add("p1.json", 100, 100, 60);
    add("p2.json", 200, 100, 100);
    add("p3.json", 300, 100, 5);
    check();
    cr_assert_eq(fnd_count(F), 1, "a short page covers what it asked for: no gap");
    expect_finding(0, FND_SHORT_PAGE, "p1.json", 1,
                   "/v6/restoresessions: p1.json (offset 100, limit 100, 60 sessions) holds fewer "
                   "sessions than its limit but is not the last page: p2.json (offset 200, limit "
                   "100, 100 sessions) follows");
    cr_expect_eq(fnd_total(F, FND_INFO), 1);
    cr_expect_eq(fnd_total(F, FND_WARNING) + fnd_total(F, FND_ERROR), 0);
}

Test(paging, collections_are_told_apart_by_query)
{
    add_full("a0.json", 1, "/v6/RestoreSessions?organizationId=A&offset=0&limit=2", 0, 2, PG_ABSENT,
             2, records("a", 2));
    add_full("b2.json", 1, "/v6/RestoreSessions?organizationId=B&offset=2&limit=2", 2, 2, PG_ABSENT,
             2, records("b", 2));
    add_full("a2.json", 1, "/v6/restoresessions?limit=2&OrganizationId=A&offset=2", 2, 2, PG_ABSENT,
             1, records("c", 1));
    check();
    cr_assert_eq(fnd_count(F), 1, "A is whole; B misses its first page");
    expect_finding(0, FND_PAGING_GAP, "b2.json", 1,
                   "/v6/restoresessions?organizationid=B: offsets 0-1 missing (no page covers "
                   "them), before b2.json (offset 2, limit 2, 2 sessions)");
}

Test(paging, findings_come_collection_by_collection_in_order_of_first_reading)
{
    /* /v6/restoresessions sorts after /v6/dataretrievalsessions, but is read first */
    add("p1.json", 1, 1, 1);
    add_full("b2.json", 1, "/v6/DataRetrievalSessions", 2, 2, PG_ABSENT, 2, records("b", 2));
    add("p3.json", 3, 1, 1);
    check();
    cr_assert_eq(fnd_count(F), 3);
    cr_expect_str_eq(fnd_get(F, 0)->file, "p1.json");
    cr_expect_str_eq(fnd_get(F, 1)->file, "p3.json");
    cr_expect_str_eq(fnd_get(F, 2)->file, "b2.json");
}

Test(paging, unknown_limit_covers_what_the_page_holds)
{
    add_full("p0.json", 1, "/v6/RestoreSessions", 0, PG_ABSENT, PG_ABSENT, 3, records("a", 3));
    add_full("p5.json", 1, "/v6/RestoreSessions", 5, PG_ABSENT, PG_ABSENT, 3, records("b", 3));
    check();
    cr_assert_eq(fnd_count(F), 1);
    expect_finding(0, FND_PAGING_GAP, "p5.json", 1,
                   "/v6/restoresessions: offsets 3-4 missing (no page covers them), between "
                   "p0.json (offset 0, 3 sessions) and p5.json (offset 5, 3 sessions)");
}

Test(paging, huge_offsets_do_not_overflow)
{
    add("p0.json", INT64_MAX - 1, INT64_MAX, 1);
    add("p1.json", INT64_MAX, INT64_MAX, 0);
    check();
    cr_expect_eq(fnd_total(F, FND_ERROR), 1, "the gap before the first page");
    cr_expect_eq(fnd_total(F, FND_WARNING), 0, "no overlap made up by a wrapped sum");
}

Test(paging, pages_over_the_memory_bound_are_refused)
{
    pg_set_limit(L, 4096);
    int rc = 0;
    size_t i = 0;
    for (; i < 1000 && rc == 0; i++) {
        pg_page p = {"f.json",  i + 1, 1, "/v6/RestoreSessions", 19, NULL, (int64_t)i, 1,
                     PG_ABSENT, 1,     i};
        rc = pg_add(L, &p);
    }
    cr_expect_eq(rc, PG_ERR_LIMIT);
    cr_expect_lt(pg_count(L), 100, "a few pages fit in 4 KiB, not a thousand");
    cr_expect_eq(pg_count(L), i - 1, "the refused page is not kept");
    pg_truncate(L, 0);
    pg_page p = {"f.json", 1, 1, "/v6/RestoreSessions", 19, NULL, 0, 1, PG_ABSENT, 1, 0};
    cr_expect_eq(pg_add(L, &p), 0, "forgotten pages give their memory back");
}

Test(paging, no_pages_no_findings)
{
    check();
    cr_expect_eq(fnd_count(F), 0);
}
