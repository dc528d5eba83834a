/* Unit tests of the news steps: persons, quotes, keywords, cooccur. */
#include "check.h"
#include "doc.h"
#include "host.h"
#include "registry.h"
#include "value.h"

#include <stdlib.h>
#include <unistd.h>

extern const qr_step_def qr_step_persons_def;
extern const qr_step_def qr_step_quotes_def;
extern const qr_step_def qr_step_keywords_def;
extern const qr_step_def qr_step_cooccur_def;

static qr_step_ctx_host test_ctx_host = {{"test", "", ".", "step", 0, 1}, NULL, 0, 0};
#define test_ctx (test_ctx_host.ctx)

/* Options from key, value pairs ("true"/"false" → bool, digits → int). */
static qr_value *opts(const char *const *kv)
{
    qr_value *m = qr_value_new_map();
    for (size_t i = 0; kv && kv[i]; i += 2) {
        const char *x = kv[i + 1];
        qr_value *v = x[0] && strspn(x, "0123456789") == strlen(x) ? qr_value_new_int(atoi(x))
                      : strcmp(kv[i + 1], "true") == 0    ? qr_value_new_bool(1)
                      : strcmp(kv[i + 1], "false") == 0 ? qr_value_new_bool(0)
                                                        : qr_value_new_string(kv[i + 1]);
        qr_value_map_set(m, kv[i], v);
    }
    return m;
}

/* A document with `text` and spans given as "LABEL:phrase" (first
 * occurrence of each phrase; "LABEL:phrase@2" for the second one). */
static qr_doc *make_doc(const char *text, const char *const *spans)
{
    qr_doc *d = qr_doc_new();
    qr_error err;
    qr_doc_set_id(d, "t", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    for (size_t i = 0; spans && spans[i]; i++) {
        char label[32], phrase[256];
        int nth = 1;
        const char *colon = strchr(spans[i], ':');
        snprintf(label, sizeof label, "%.*s", (int)(colon - spans[i]), spans[i]);
        snprintf(phrase, sizeof phrase, "%s", colon + 1);
        char *at = strchr(phrase, '@');
        if (at) {
            nth = atoi(at + 1);
            *at = '\0';
        }
        const char *p = text;
        for (int k = 0; k < nth && p; k++)
            p = strstr(k ? p + 1 : p, phrase);
        if (!p) {
            fprintf(stderr, "test setup: '%s' not in text\n", phrase);
            continue;
        }
        qr_doc_add_span(d, (uint32_t)(p - text), (uint32_t)(p - text + strlen(phrase)), label, phrase,
                        1.0, NULL, &err);
    }
    return d;
}

static int run_step(const qr_step_def *def, const char *const *kv, qr_doc *doc, char *errbuf)
{
    qr_error err = {0};
    qr_value *o = opts(kv);
    void *st = def->init(qr_host_api_get(), o, &test_ctx, &err);
    int rc = -1;
    if (st) {
        void *ts = def->thread_init ? def->thread_init(st, &err) : NULL;
        doc->current_step = def->name;
        rc = def->process(st, ts, doc, &err);
        if (rc == 0 && def->finish)
            rc = def->finish(st, &err);
        if (def->thread_free)
            def->thread_free(st, ts);
        def->free(st);
    }
    if (errbuf)
        snprintf(errbuf, 1024, "%s", rc ? err.message : "");
    qr_value_free(o);
    return rc;
}

/* "text=id|text=id" for the spans with `label`, in text order. */
static const char *spans_of(qr_doc *d, const char *label)
{
    static char out[4096];
    size_t n = 0;
    out[0] = '\0';
    qr_doc_sort_spans(d);
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *s = &d->spans[i];
        if (strcmp(s->label, label) != 0)
            continue;
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s=%s", n ? "|" : "",
                              (int)(s->end - s->start), d->text + s->start, s->id ? s->id : "");
    }
    return out;
}

static const char *const person_opts[] = {"titles", "samples/gazetteers/titles.txt", "given_names",
                                          "samples/gazetteers/given_names.txt", NULL};

static const char *persons_on(const char *text, const char *const *spans, const char *label)
{
    static char out[4096];
    qr_doc *d = make_doc(text, spans);
    char err[1024];
    if (run_step(&qr_step_persons_def, person_opts, d, err) != 0)
        snprintf(out, sizeof out, "ERROR: %s", err);
    else
        snprintf(out, sizeof out, "%s", spans_of(d, label));
    qr_doc_free(d);
    return out;
}

static void test_persons(void)
{
    /* titles before the name, leader/President, coreference of short mentions */
    CHECK_EQ_STR(persons_on("North Korean leader Kim Jong Un met Russian President Vladimir Putin in "
                            "Pyongyang. Kim said the talks went well. Putin’s aides agreed.",
                            (const char *[]){"NORP:North Korean", "NORP:Russian", "GPE:Pyongyang", NULL},
                            "PERSON"),
                 "Kim Jong Un=Kim Jong Un|Vladimir Putin=Vladimir Putin|Kim=Kim Jong Un|"
                 "Putin=Vladimir Putin");
    /* hyphenated Korean given names; a possessive with no full name stays unlabelled */
    CHECK_EQ_STR(persons_on("South Korean Foreign Minister Cho Tae-yul spoke. Yoon’s national security "
                            "adviser Chang Ho-jin said Seoul would act.",
                            (const char *[]){"NORP:South Korean", "GPE:Seoul", NULL}, "PERSON"),
                 "Cho Tae-yul=Cho Tae-yul|Chang Ho-jin=Chang Ho-jin");
    /* the full name found later still resolves an earlier short mention */
    CHECK_EQ_STR(persons_on("Yoon’s office objected. South Korean President Yoon Suk Yeol spoke.",
                            (const char *[]){"NORP:South Korean", NULL}, "PERSON"),
                 "Yoon=Yoon Suk Yeol|Yoon Suk Yeol=Yoon Suk Yeol");
    /* apposition, given names, initials, a role noun before the name */
    CHECK_EQ_STR(persons_on("Ankit Panda, a senior analyst at the Carnegie Endowment, said so. "
                            "Associated Press writer Edith M. Lederer contributed.",
                            (const char *[]){"ORG:Carnegie Endowment", "ORG:Associated Press", NULL},
                            "PERSON"),
                 "Ankit Panda=Ankit Panda|Edith M. Lederer=Edith M. Lederer");
    /* speech verb before the name; a later surname-only mention */
    CHECK_EQ_STR(persons_on("The deal matters, said Jenny Town, a senior fellow. Town said more.", NULL,
                            "PERSON"),
                 "Jenny Town=Jenny Town|Town=Jenny Town");
    /* unknown given name: the title inside the run, then a middle-name mention */
    CHECK_EQ_STR(persons_on("Chilean Mining Minister Tomás Herrera Fuentes signed. “That era is "
                            "ending,” said Herrera. Herrera Fuentes left.",
                            (const char *[]){"NORP:Chilean", NULL}, "PERSON"),
                 "Tomás Herrera Fuentes=Tomás Herrera Fuentes|Herrera=Tomás Herrera Fuentes|"
                 "Herrera Fuentes=Tomás Herrera Fuentes");
    /* Dr., Secretary of State (a title across "of"), Arabic articles, a sentence opener */
    CHECK_EQ_STR(persons_on("Dr. Maria Gonzalez of Stanford spoke. Secretary of State Antony Blinken met "
                            "Bashar al-Assad. Later al-Assad left.",
                            NULL, "PERSON"),
                 "Maria Gonzalez=Maria Gonzalez|Antony Blinken=Antony Blinken|"
                 "Bashar al-Assad=Bashar al-Assad|al-Assad=Bashar al-Assad");
    /* compound initials after a title; a bare title names nobody; a title before a
     * comma-enclosed name; no person after "at" on a speech cue alone */
    CHECK_EQ_STR(persons_on("Chief Justice D.Y. Chandrachud wrote it. Its director, Apar Gupta, said so. "
                            "Analysts at Goldman Sachs said markets were calm.",
                            NULL, "PERSON"),
                 "D.Y. Chandrachud=D.Y. Chandrachud|Apar Gupta=Apar Gupta");
    /* particle sequences, and a later mention that starts with them */
    CHECK_EQ_STR(persons_on("Port chief executive Pieter van der Berg spoke. Later, van der Berg told the "
                            "BBC more.", (const char *[]){"ORG:BBC", NULL}, "PERSON"),
                 "Pieter van der Berg=Pieter van der Berg|van der Berg=Pieter van der Berg");
    /* places guessed from their head word; a Korean surname after a title is not one */
    CHECK_EQ_STR(persons_on("The Fulton County jury met near the Hudson River. President Park spoke.",
                            NULL, "GPE"),
                 "Fulton County=Fulton County");
    CHECK_EQ_STR(persons_on("The Fulton County jury met near the Hudson River. President Park spoke.",
                            NULL, "LOC"),
                 "Hudson River=Hudson River");
    CHECK_EQ_STR(persons_on("The Fulton County jury met near the Hudson River. President Park spoke.",
                            NULL, "PERSON"),
                 "Park=Park");
    /* a surname shared by two people is left alone */
    CHECK_EQ_STR(persons_on("Lee Jae-myung met Lee Hsien Loong. Lee smiled.", NULL, "PERSON"),
                 "Lee Jae-myung=Lee Jae-myung|Lee Hsien Loong=Lee Hsien Loong");
    /* no person: events, capitalized sentence starts, weekdays */
    CHECK_EQ_STR(persons_on("The Cold War ended. Both sides agreed. Analysts met on Thursday. "
                            "Tensions rose in Ukraine.",
                            (const char *[]){"GPE:Ukraine", NULL}, "PERSON"),
                 "");
    /* a city name gives way to a person's name (weak_sources), else stays */
    {
        qr_doc *d = make_doc("Russian President Vladimir Putin met Economy Minister Yoshiro Tanabe in "
                             "Vladimir. According to Tanabe, talks went well.",
                             (const char *[]){"NORP:Russian", NULL});
        const char *cities[] = {"Vladimir", "Tanabe", "Vladimir@2", "Tanabe@2"};
        qr_error e;
        d->current_step = "cities";
        for (int i = 0; i < 4; i++) {
            char ph[32];
            int nth = strchr(cities[i], '@') ? 2 : 1;
            snprintf(ph, sizeof ph, "%.*s", (int)strcspn(cities[i], "@"), cities[i]);
            const char *p = strstr(d->text, ph);
            if (nth == 2)
                p = strstr(p + 1, ph);
            qr_doc_add_span(d, (uint32_t)(p - d->text), (uint32_t)(p - d->text + strlen(ph)), "GPE", ph, 1,
                            NULL, &e);
        }
        const char *const o[] = {"titles", "samples/gazetteers/titles.txt", "given_names",
                                 "samples/gazetteers/given_names.txt", "weak_sources", "cities", NULL};
        CHECK_EQ_INT(run_step(&qr_step_persons_def, o, d, NULL), 0);
        CHECK_EQ_STR(spans_of(d, "PERSON"), "Vladimir Putin=Vladimir Putin|Yoshiro Tanabe=Yoshiro Tanabe|"
                                            "Tanabe=Yoshiro Tanabe");
        CHECK_EQ_STR(spans_of(d, "GPE"), "Vladimir=Vladimir");
        qr_doc_free(d);
    }
    /* organizations guessed from their head word */
    CHECK_EQ_STR(persons_on("Michael Brenner, chief economist at Hartwell Securities, said wages fell. "
                            "Daniel Osei, a researcher at the University of Ghana, agreed.",
                            (const char *[]){"GPE:Ghana", NULL}, "ORG"),
                 "Hartwell Securities=Hartwell Securities|University of Ghana=University of Ghana");
    CHECK_EQ_STR(persons_on("The National Council of Dockworkers' Unions met the United Nations "
                            "Environment Programme.",
                            (const char *[]){"ORG:United Nations", NULL}, "ORG"),
                 "National Council of Dockworkers' Unions=National Council of Dockworkers' Unions|"
                 "United Nations Environment Programme=United Nations Environment Programme");
    CHECK_EQ_STR(persons_on("Officials at the Ministry of Electronics and Information Technology did not "
                            "respond.", NULL, "ORG"),
                 "Ministry of Electronics and Information Technology="
                 "Ministry of Electronics and Information Technology");
    CHECK_EQ_STR(persons_on("Michael Brenner, chief economist at Hartwell Securities, said wages fell. "
                            "Daniel Osei, a researcher at the University of Ghana, agreed.",
                            (const char *[]){"GPE:Ghana", NULL}, "PERSON"),
                 "Michael Brenner=Michael Brenner|Daniel Osei=Daniel Osei");
    /* the Portuguese particle "do" inside a name, not after a stop word */
    CHECK_EQ_STR(persons_on("“No,” said Ana do Rosario Lima. Why do Americans care?", NULL, "PERSON"),
                 "Ana do Rosario Lima=Ana do Rosario Lima");
    /* "told X": X is the listener (a newspaper), not a person; "said X" still is */
    CHECK_EQ_STR(persons_on("“No,” she told Folha Diaria. “Yes,” said Bruno Lenz.", NULL, "PERSON"),
                 "Bruno Lenz=Bruno Lenz");
    /* an apposition without a known title: ", a lower-case noun phrase at/of/for/who" */
    CHECK_EQ_STR(persons_on("R.T. Okafor, a maritime law lecturer at a college, spoke.", NULL, "PERSON"),
                 "R.T. Okafor=R.T. Okafor");
    /* a lower-case place noun after a run makes it a place, even after a given name */
    {
        qr_doc *d = make_doc("Rain hit the Carolina Alta region and the Hebei province. The Ohio and "
                             "Mississippi rivers rose.", NULL);
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "PERSON"), "");
        CHECK_EQ_STR(spans_of(d, "LOC"), "Carolina Alta=Carolina Alta|Ohio=Ohio|Mississippi=Mississippi");
        CHECK_EQ_STR(spans_of(d, "GPE"), "Hebei=Hebei");
        qr_doc_free(d);
    }
    /* organizations: words joined by and/& before the head, "for (the)" and
     * "of" after it, "United" and "Technology" as heads */
    {
        qr_doc *d = make_doc("The Securities and Exchange Commission fined Harrow & Finch Capital. "
                             "Leeds United hired staff from the Alliance for Clean Rivers of Ohio and "
                             "the Committee for the Defense of Water. Micron Technology fell.",
                             (const char *[]){"GPE:Ohio", NULL});
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "ORG"), "Securities and Exchange Commission=Securities and Exchange Commission|"
                                         "Harrow & Finch Capital=Harrow & Finch Capital|"
                                         "Leeds United=Leeds United|Alliance for Clean Rivers of Ohio="
                                         "Alliance for Clean Rivers of Ohio|Committee for the Defense of Water="
                                         "Committee for the Defense of Water|Micron Technology=Micron Technology");
        CHECK_EQ_STR(spans_of(d, "PERSON"), "");
        qr_doc_free(d);
    }
    /* a lower-case title that is also an adjective names no single word;
     * company heads (Electric, Foods); two companies joined by "and" stay two */
    {
        qr_doc *d = make_doc("Funds went to general Catholic schools. General Mark Vey spoke. "
                             "Shares of General Electric and Morton Foods rose. Catholic schools closed.",
                             NULL);
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "PERSON"), "Mark Vey=Mark Vey");
        CHECK_EQ_STR(spans_of(d, "ORG"), "General Electric=General Electric|Morton Foods=Morton Foods");
        qr_doc_free(d);
    }
    /* short mentions of an organization found in the document; not after a
     * place preposition */
    {
        const char *text = "Vantor Systems posted results. Vantor said sales rose. Leeds United won. "
                           "Leeds fans cheered in Leeds.";
        qr_doc *d = make_doc(text, NULL);
        qr_error e2;
        d->current_step = "cities";   /* a weak source, like the news pipeline's city list */
        for (const char *p = strstr(text, "Leeds"); p; p = strstr(p + 1, "Leeds"))
            qr_doc_add_span(d, (uint32_t)(p - text), (uint32_t)(p - text + 5), "CITY", "Leeds", 1.0, NULL, &e2);
        char err[1024];
        const char *const o[] = {"titles", "samples/gazetteers/titles.txt", "given_names",
                                 "samples/gazetteers/given_names.txt", "weak_sources", "cities", NULL};
        CHECK_EQ_INT(run_step(&qr_step_persons_def, o, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "ORG"), "Vantor Systems=Vantor Systems|Vantor=Vantor Systems|"
                                         "Leeds United=Leeds United|Leeds=Leeds United");
        CHECK_EQ_STR(spans_of(d, "CITY"), "Leeds=Leeds");
        qr_doc_free(d);
    }
    /* compound_places: a GPE/LOC name of the list inside "X-based", "New
     * York-born" (the id of the same name elsewhere in the text); NORP rows
     * and other tails are not used */
    {
        char dir[] = "/tmp/quarry-news-cplaces-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char tsv[256];
        snprintf(tsv, sizeof tsv, "%s/places.tsv", dir);
        FILE *f = fopen(tsv, "w");
        if (f) {
            fputs("# test\nOslo\tGPE\tOslo, NO\nNew York\tGPE\tNew York City, US\nRussian\tNORP\tRussia\n"
                  "Sahara\tLOC\tSahara\n", f);
            fclose(f);
        }
        const char *text = "An Oslo-based firm hired a New York-born chef. Russian-backed and Oslo-style "
                           "groups met Sahara-based nomads in Oslo.";
        qr_doc *d = make_doc(text, NULL);
        qr_error e2;
        const char *oslo = strstr(text, "in Oslo") + 3;
        qr_doc_add_span(d, (uint32_t)(oslo - text), (uint32_t)(oslo - text + 4), "GPE", "Oslo, NO", 1.0, NULL, &e2);
        char err[1024];
        const char *const o[] = {"compound_places", tsv, NULL};
        CHECK_EQ_INT(run_step(&qr_step_persons_def, o, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "GPE"), "Oslo=Oslo, NO|New York=New York|Oslo=Oslo, NO");
        CHECK_EQ_STR(spans_of(d, "LOC"), "Sahara=Sahara");
        qr_doc_free(d);
        d = make_doc("x", NULL);
        const char *const bad[] = {"compound_places", "no/such/places.tsv", NULL};
        CHECK_EQ_INT(run_step(&qr_step_persons_def, bad, d, err), -1);
        CHECK_EQ_STR(err, "cannot open word list no/such/places.tsv: No such file or directory");
        qr_doc_free(d);
        remove(tsv);
        rmdir(dir);
    }
    /* a surname that is also a company word (Mills) stays a name; "News of X"
     * is no organization (one word before "of" must start names); street
     * abbreviations end places */
    {
        qr_doc *d = make_doc("Rep. Wilbur Mills spoke. News of Mills's plan leaked. He lives at "
                             "Stewart Av. downtown. The Bank of Ghana agreed.",
                             (const char *[]){"GPE:Ghana", NULL});
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "PERSON"), "Wilbur Mills=Wilbur Mills|Mills=Wilbur Mills");
        CHECK_EQ_STR(spans_of(d, "ORG"), "Bank of Ghana=Bank of Ghana");
        CHECK_EQ_STR(spans_of(d, "LOC"), "Stewart Av=Stewart Av");
        qr_doc_free(d);
    }
    /* datelines: capital words opening a paragraph before "(" or ", X (" are
     * the place filed from; the id of the same name found elsewhere */
    {
        const char *text = "Headline here\n\nSAN JOSE, Calif. (AP) — Sales rose.\n\nOSLO (Reuters) — More.\n\n"
                           "NOTE TO EDITORS: none.\n\nFew in Oslo agreed.";
        qr_doc *d = make_doc(text, NULL);
        qr_error e2;
        const char *oslo = strstr(text, "in Oslo") + 3;
        qr_doc_add_span(d, (uint32_t)(oslo - text), (uint32_t)(oslo - text + 4), "GPE", "Oslo, NO", 1.0, NULL, &e2);
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "GPE"), "SAN JOSE=San Jose|OSLO=Oslo, NO|Oslo=Oslo, NO");
        qr_doc_free(d);
    }
    /* a demonym or place right before a one-word head joins it: British Museum,
     * Georgetown University; museum and orchestra names */
    {
        qr_doc *d = make_doc("The British Museum lent works to Georgetown University and the "
                             "Dallas Symphony Orchestra. British officials came. Standard Oil and "
                             "the Pennsylvania Railroad paid James Mining.",
                             (const char *[]){"NORP:British", "GPE:Georgetown", "NORP:British@2", NULL});
        char err[1024];
        CHECK_EQ_INT(run_step(&qr_step_persons_def, person_opts, d, err), 0);
        CHECK_EQ_STR(spans_of(d, "ORG"), "British Museum=British Museum|Georgetown University=Georgetown University|"
                                         "Dallas Symphony Orchestra=Dallas Symphony Orchestra|"
                                         "Standard Oil=Standard Oil|Pennsylvania Railroad=Pennsylvania Railroad");
        CHECK_EQ_STR(spans_of(d, "NORP"), "British=British");
        CHECK_EQ_STR(spans_of(d, "PERSON"), "James Mining=James Mining");
        qr_doc_free(d);
    }
    /* names never overlap earlier spans */
    CHECK_EQ_STR(persons_on("President Joe Biden visited Washington.",
                            (const char *[]){"PERSON:Joe Biden", "GPE:Washington", NULL}, "PERSON"),
                 "Joe Biden=Joe Biden");
    /* a missing list file is reported with its path */
    {
        char err[1024];
        qr_doc *d = make_doc("x", NULL);
        const char *const bad[] = {"titles", "no/such/titles.txt", NULL};
        CHECK_EQ_INT(run_step(&qr_step_persons_def, bad, d, err), -1);
        CHECK_EQ_STR(err, "cannot open word list no/such/titles.txt: No such file or directory");
        qr_doc_free(d);
    }
}

/* "text=speaker/speaker_id|…" from the `quotes` field. */
static const char *quotes_on(const char *text, const char *const *spans)
{
    static char out[4096];
    qr_doc *d = make_doc(text, spans);
    char err[1024];
    size_t n = 0;
    out[0] = '\0';
    if (run_step(&qr_step_quotes_def, NULL, d, err) != 0) {
        snprintf(out, sizeof out, "ERROR: %s", err);
    } else {
        json_t *list = json_object_get(d->fields, "quotes");
        size_t i;
        json_t *q;
        json_array_foreach(list, i, q) {
            const char *sp = json_string_value(json_object_get(q, "speaker"));
            const char *id = json_string_value(json_object_get(q, "speaker_id"));
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s=%s/%s", i ? "|" : "",
                                  json_string_value(json_object_get(q, "text")), sp ? sp : "-",
                                  id ? id : "-");
        }
        /* the spans carry the same speakers */
        size_t nq = 0;
        for (size_t s = 0; s < d->n_spans; s++)
            nq += strcmp(d->spans[s].label, "QUOTE") == 0;
        CHECK_EQ_INT(nq, json_array_size(list));
    }
    qr_doc_free(d);
    return out;
}

static void test_quotes(void)
{
    /* "…," X’s office said: the office speaks, the person is the id */
    CHECK_EQ_STR(quotes_on("“It is absurd,” Yoon’s office said. .", (const char *[]){"PERSON:Yoon", NULL}),
                 "It is absurd,=Yoon’s office/Yoon");
    /* he said → the most recent person */
    CHECK_EQ_STR(quotes_on("Ankit Panda said so. But “the big picture is clear,” he said.",
                           (const char *[]){"PERSON:Ankit Panda", NULL}),
                 "the big picture is clear,=Ankit Panda/Ankit Panda");
    /* said X; a quote split around its attribution keeps the speaker */
    CHECK_EQ_STR(quotes_on("“For decades we exported rock,” said Herrera. “That era is ending.”",
                           (const char *[]){"PERSON:Herrera", NULL}),
                 "For decades we exported rock,=Herrera/Herrera|That era is ending.=Herrera/Herrera");
    /* a quote left open at the end of a paragraph continues in the next
     * one, which opens with a mark: same speaker; a new paragraph after a
     * closed quote does not inherit it */
    CHECK_EQ_STR(quotes_on("“We tried,” said Ines Mota. “It was hard.\n\n“Money was not the issue.”\n\n"
                           "“Nobody knows.”",
                           (const char *[]){"PERSON:Ines Mota", NULL}),
                 "We tried,=Ines Mota/Ines Mota|It was hard.=Ines Mota/Ines Mota|"
                 "Money was not the issue.=Ines Mota/Ines Mota|Nobody knows.=-/-");
    /* a role, then the name between commas, then the verb, after the quote */
    CHECK_EQ_STR(quotes_on("“Prices will fall,” the firm’s chief executive, Ana Lima, said on Monday.",
                           (const char *[]){"PERSON:Ana Lima", NULL}),
                 "Prices will fall,=Ana Lima/Ana Lima");
    /* mixed marks “…», a stray closing mark, no speaker */
    CHECK_EQ_STR(quotes_on("the other must deploy “all means without delay » to provide “military "
                           "forces”. assistance.” But",
                           NULL),
                 "all means without delay=-/-|military forces=-/-");
    /* According to X */
    CHECK_EQ_STR(quotes_on("According to KCNA, the pact bans deals that harm the “core interests” of "
                           "either.",
                           (const char *[]){"ORG:KCNA", NULL}),
                 "core interests=KCNA/KCNA");
    /* X said … “…” … “…” in one sentence */
    CHECK_EQ_STR(quotes_on("Kim said the countries enjoyed an “ardent friendship” and the “strongest "
                           "treaty”.",
                           (const char *[]){"PERSON:Kim", NULL}),
                 "ardent friendship=Kim/Kim|strongest treaty=Kim/Kim");
    /* unclosed quotes: cut at "she says", closed by the next opening mark / paragraph */
    CHECK_EQ_STR(quotes_on("said Jenny Town.\n\n“Seoul had signed sanctions. What will Seoul’s "
                           "reaction be? she says. “Is there a moment?\n\nNext paragraph.",
                           (const char *[]){"PERSON:Jenny Town", NULL}),
                 "Seoul had signed sanctions. What will Seoul’s reaction be?=Jenny Town/Jenny Town|"
                 "Is there a moment?=Jenny Town/Jenny Town");
    /* straight quotes, X told Y */
    CHECK_EQ_STR(quotes_on("\"This is not about digging,\" Lindqvist told reporters.",
                           (const char *[]){"PERSON:Lindqvist", NULL}),
                 "This is not about digging,=Lindqvist/Lindqvist");
    /* X, an apposition, said … "…" */
    CHECK_EQ_STR(quotes_on("Ingrid Solberg, a senior analyst at Nordhavn, said the pact was \"a signal "
                           "rather than a contract.\"",
                           (const char *[]){"PERSON:Ingrid Solberg", NULL}),
                 "a signal rather than a contract.=Ingrid Solberg/Ingrid Solberg");
    /* a scare quote with no attribution; a new paragraph does not inherit */
    CHECK_EQ_STR(quotes_on("“Go,” Kim said.\n\nHe embraced the idea of a “new Cold War” and more.",
                           (const char *[]){"PERSON:Kim", NULL}),
                 "Go,=Kim/Kim|new Cold War=-/-");
    /* a role before the name */
    CHECK_EQ_STR(quotes_on("“Pay has not moved,” union chairman Kenji Nakagawa said.",
                           (const char *[]){"PERSON:Kenji Nakagawa", NULL}),
                 "Pay has not moved,=Kenji Nakagawa/Kenji Nakagawa");
    /* a quote ending its sentence is not attributed to the next sentence's subject */
    CHECK_EQ_STR(quotes_on("Chief Executive Tim Cook told analysts the company was \"confident in the long "
                           "term.\" Finance chief Luca Maestri said revenue rose.",
                           (const char *[]){"PERSON:Tim Cook", "PERSON:Luca Maestri", NULL}),
                 "confident in the long term.=Tim Cook/Tim Cook");
    /* a name between commas before the verb */
    CHECK_EQ_STR(quotes_on("Its director, Apar Gupta, said the judges had “listened carefully.”",
                           (const char *[]){"PERSON:Apar Gupta", NULL}),
                 "listened carefully.=Apar Gupta/Apar Gupta");
    /* a noun-phrase speaker has no id */
    CHECK_EQ_STR(quotes_on("“We will not intervene,” the ministry said.", NULL),
                 "We will not intervene,=the ministry/-");
}

static char *field_json(qr_doc *d, const char *key)
{
    return json_dumps(json_object_get(d->fields, key), JSON_COMPACT | JSON_REAL_PRECISION(6));
}

static void test_keywords(void)
{
    /* RAKE: "lithium refining" (twice) beats longer phrases said once; stop
     * words ("wants" is one), punctuation and sentence ends split candidates */
    const char *text = "Chile will expand lithium refining. Europe wants more lithium refining. "
                       "Lithium refining is slow. Water standards matter in 2030.";
    qr_doc *d = make_doc(text, NULL);
    char err[1024];
    const char *const o[] = {"top", "4", "cut_verbs", "false", NULL};
    CHECK_EQ_INT(run_step(&qr_step_keywords_def, o, d, err), 0);
    char *js = field_json(d, "keywords");
    CHECK_EQ_STR(js, "[{\"term\":\"lithium refining\",\"score\":9.333,\"count\":2},"
                     "{\"term\":\"water standards matter\",\"score\":9.0,\"count\":1},"
                     "{\"term\":\"expand lithium refining\",\"score\":7.667,\"count\":1},"
                     "{\"term\":\"chile\",\"score\":1.0,\"count\":1}]");
    free(js);
    qr_doc_free(d);
    /* plain RAKE; an extra stop word list; a phrase longer than max_words is dropped */
    d = make_doc(text, NULL);
    const char *const o2[] = {"top", "2", "repeat_weight", "false", "max_words", "2", "cut_verbs", "false",
                              "stopwords", "samples/gazetteers/given_names.txt", NULL};
    CHECK_EQ_INT(run_step(&qr_step_keywords_def, o2, d, err), 0);
    js = field_json(d, "keywords");
    CHECK_EQ_STR(js, "[{\"term\":\"lithium refining\",\"score\":4.0,\"count\":2},"
                     "{\"term\":\"chile\",\"score\":1.0,\"count\":1}]");
    free(js);
    qr_doc_free(d);
    /* words inside entities are skipped */
    d = make_doc(text, (const char *[]){"GPE:Europe", "GPE:Chile", NULL});
    const char *const o4[] = {"top", "1", "skip_labels", "GPE", "cut_verbs", "false", NULL};
    CHECK_EQ_INT(run_step(&qr_step_keywords_def, o4, d, err), 0);
    js = field_json(d, "keywords");
    CHECK_EQ_STR(js, "[{\"term\":\"lithium refining\",\"score\":9.333,\"count\":2}]");
    free(js);
    qr_doc_free(d);
    /* cut_verbs (the default): verb forms and SMART-list prepositions end a
     * phrase; a past form before a content word starts one */
    d = make_doc("Developing countries need cash. Villages near mines sold water. "
                 "Negotiators pushed. Processed metals rose.", NULL);
    const char *const o5[] = {"top", "6", "repeat_weight", "false", NULL};
    CHECK_EQ_INT(run_step(&qr_step_keywords_def, o5, d, err), 0);
    js = field_json(d, "keywords");
    CHECK_EQ_STR(js, "[{\"term\":\"developing countries\",\"score\":4.0,\"count\":1},"
                     "{\"term\":\"processed metals\",\"score\":4.0,\"count\":1},"
                     "{\"term\":\"cash\",\"score\":1.0,\"count\":1},"
                     "{\"term\":\"mines\",\"score\":1.0,\"count\":1},"
                     "{\"term\":\"negotiators\",\"score\":1.0,\"count\":1},"
                     "{\"term\":\"villages\",\"score\":1.0,\"count\":1}]");
    free(js);
    qr_doc_free(d);
    /* a bad option */
    d = make_doc(text, NULL);
    const char *const o3[] = {"top", "0", NULL};
    CHECK_EQ_INT(run_step(&qr_step_keywords_def, o3, d, err), -1);
    CHECK_EQ_STR(err, "keywords: `top`, `max_words` and `min_length` must be at least 1 and `field` a non-empty name");
    qr_doc_free(d);
}

static void test_cooccur(void)
{
    const char *text = "Kim met Putin in Pyongyang. Kim and Putin signed. Seoul objected.";
    qr_doc *d = make_doc(text, (const char *[]){"PERSON:Kim", "PERSON:Putin", "GPE:Pyongyang",
                                                 "PERSON:Kim@2", "PERSON:Putin@2", "GPE:Seoul",
                                                 "NORP:Seoul", NULL});
    char err[1024];
    char path[] = "/tmp/quarry-news-cooccur-XXXXXX";
    CHECK(mkdtemp(path) != NULL);
    char tsv[256];
    snprintf(tsv, sizeof tsv, "%s/sub/pairs.tsv", path);
    const char *const o[] = {"path", tsv, NULL};
    CHECK_EQ_INT(run_step(&qr_step_cooccur_def, o, d, err), 0);
    char *js = field_json(d, "cooccurrences");
    CHECK_EQ_STR(js, "[{\"a\":\"Kim\",\"a_label\":\"PERSON\",\"b\":\"Putin\",\"b_label\":\"PERSON\",\"count\":2},"
                     "{\"a\":\"Pyongyang\",\"a_label\":\"GPE\",\"b\":\"Kim\",\"b_label\":\"PERSON\",\"count\":1},"
                     "{\"a\":\"Pyongyang\",\"a_label\":\"GPE\",\"b\":\"Putin\",\"b_label\":\"PERSON\",\"count\":1}]");
    free(js);
    FILE *f = fopen(tsv, "r");
    char buf[1024] = "";
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    CHECK_EQ_STR(buf, "a\ta_label\tb\tb_label\tsentences\tdocuments\n"
                      "Kim\tPERSON\tPutin\tPERSON\t2\t1\n"
                      "Pyongyang\tGPE\tKim\tPERSON\t1\t1\n"
                      "Pyongyang\tGPE\tPutin\tPERSON\t1\t1\n");
    remove(tsv);
    /* JSON for a .json path */
    qr_doc_free(d);
    d = make_doc(text, (const char *[]){"PERSON:Kim", "PERSON:Putin", NULL});
    snprintf(tsv, sizeof tsv, "%s/sub/pairs.json", path);
    CHECK_EQ_INT(run_step(&qr_step_cooccur_def, o, d, err), 0);
    f = fopen(tsv, "r");
    n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    CHECK_EQ_STR(buf, "[\n{\"a\":\"Kim\",\"a_label\":\"PERSON\",\"b\":\"Putin\",\"b_label\":\"PERSON\","
                      "\"sentences\":1,\"documents\":1}\n]\n");
    remove(tsv);
    snprintf(tsv, sizeof tsv, "%s/sub", path);
    rmdir(tsv);
    rmdir(path);
    qr_doc_free(d);
}

int main(void)
{
    test_persons();
    test_quotes();
    test_keywords();
    test_cooccur();
    return DONE("news_steps");
}
