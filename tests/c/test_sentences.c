/* Sentence splitter: the Pragmatic Segmenter English "golden rules" (texts
 * written here, one per rule), then our own cases per rule class, offsets,
 * token ranges, and edge inputs (empty, NUL bytes, invalid UTF-8, long). */
#include "check.h"
#include "sentences.h"

#include <stdlib.h>

#define MAXS 16

typedef struct scase {
    const char *name;
    const char *text;
    const char *want[MAXS];   /* NULL-terminated */
    int xfail;                /* known failure: reported, not counted as a failure */
} scase;

/* {======================================================================
 * Golden rules (English)
 * ======================================================================= */
static const scase golden[] = {
    {"1 simple period", "Hello World. My name is Jonas.",
     {"Hello World.", "My name is Jonas."}, 0},
    {"2 question mark", "What is your name? My name is Jonas.",
     {"What is your name?", "My name is Jonas."}, 0},
    {"3 exclamation point", "There it is! I found it.",
     {"There it is!", "I found it."}, 0},
    {"4 one-letter upper-case abbreviation", "My name is Jonas E. Smith.",
     {"My name is Jonas E. Smith."}, 0},
    {"5 one-letter lower-case abbreviation", "Please turn to p. 55.",
     {"Please turn to p. 55."}, 0},
    {"6 two-letter lower-case abbreviation mid-sentence", "Were Jane and co. at the party?",
     {"Were Jane and co. at the party?"}, 0},
    {"7 two-letter upper-case abbreviation mid-sentence",
     "They closed the deal with Pitt, Briggs & Co. at noon.",
     {"They closed the deal with Pitt, Briggs & Co. at noon."}, 0},
    {"8 two-letter lower-case abbreviation ending a sentence",
     "Let's ask Jane and co. They should know.",
     {"Let's ask Jane and co.", "They should know."}, 0},
    {"9 two-letter upper-case abbreviation ending a sentence",
     "They closed the deal with Pitt, Briggs & Co. It closed yesterday.",
     {"They closed the deal with Pitt, Briggs & Co.", "It closed yesterday."}, 0},
    {"10 prepositive two-letter abbreviation", "I can see Mt. Fuji from here.",
     {"I can see Mt. Fuji from here."}, 0},
    {"11 prepositive and postpositive abbreviations",
     "St. Michael's Church is on 5th st. near the light.",
     {"St. Michael's Church is on 5th st. near the light."}, 0},
    {"12 possessive abbreviation", "That is JFK Jr.'s book.",
     {"That is JFK Jr.'s book."}, 0},
    {"13 multi-period abbreviation mid-sentence", "I visited the U.S.A. last year.",
     {"I visited the U.S.A. last year."}, 0},
    {"14 multi-period abbreviation ending a sentence", "I live in the E.U. How about you?",
     {"I live in the E.U.", "How about you?"}, 0},
    {"15 U.S. as a sentence boundary", "I live in the U.S. How about you?",
     {"I live in the U.S.", "How about you?"}, 0},
    {"16 U.S. before a capitalized word, no boundary",
     "I work for the U.S. Government in Virginia.",
     {"I work for the U.S. Government in Virginia."}, 0},
    {"17 U.S. as no boundary", "I have lived in the U.S. for 20 years.",
     {"I have lived in the U.S. for 20 years."}, 0},
    {"18 a.m./p.m. as boundary and not",
     "At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then went to the store.",
     {"At 5 a.m. Mr. Smith went to the bank.", "He left the bank at 6 P.M.",
      "Mr. Smith then went to the store."}, 0},
    {"19 number, no boundary", "She has $100.00 in her bag.",
     {"She has $100.00 in her bag."}, 0},
    {"20 number as a boundary", "She has $100.00. It is in her bag.",
     {"She has $100.00.", "It is in her bag."}, 0},
    {"21 parenthetical inside a sentence",
     "He teaches science (He previously worked for 5 years as an engineer.) at the local University.",
     {"He teaches science (He previously worked for 5 years as an engineer.) at the local University."}, 0},
    {"22 e-mail address", "Her email is Jane.Doe@example.com. I sent her an email.",
     {"Her email is Jane.Doe@example.com.", "I sent her an email."}, 0},
    {"23 web address",
     "The site is: https://www.example.50.com/new-site/awesome_content.html. Please check it out.",
     {"The site is: https://www.example.50.com/new-site/awesome_content.html.",
      "Please check it out."}, 0},
    {"24 single quotation inside a sentence", "She turned to him, 'This is great.' she said.",
     {"She turned to him, 'This is great.' she said."}, 0},
    {"25 double quotation inside a sentence", "She turned to him, \"This is great.\" she said.",
     {"She turned to him, \"This is great.\" she said."}, 0},
    {"26 double quotation ending a sentence",
     "She turned to him, \"This is great.\" She held the book out to show him.",
     {"She turned to him, \"This is great.\"", "She held the book out to show him."}, 0},
    {"27 double exclamation", "Hello!! Long time no see.",
     {"Hello!!", "Long time no see."}, 0},
    {"28 double question", "Hello?? Who is there?",
     {"Hello??", "Who is there?"}, 0},
    {"29 exclamation + question", "Hello!? Is that you?",
     {"Hello!?", "Is that you?"}, 0},
    {"30 question + exclamation", "Hello?! Is that you?",
     {"Hello?!", "Is that you?"}, 0},
    {"31 list 1.) without final periods", "1.) The first item 2.) The second item",
     {"1.) The first item", "2.) The second item"}, 0},
    {"32 list 1.) with final periods", "1.) The first item. 2.) The second item.",
     {"1.) The first item.", "2.) The second item."}, 0},
    {"33 list 1) without final periods", "1) The first item 2) The second item",
     {"1) The first item", "2) The second item"}, 0},
    {"34 list 1) with final periods", "1) The first item. 2) The second item.",
     {"1) The first item.", "2) The second item."}, 0},
    {"35 list 1. without final periods", "1. The first item 2. The second item",
     {"1. The first item", "2. The second item"}, 0},
    {"36 list 1. with final periods", "1. The first item. 2. The second item.",
     {"1. The first item.", "2. The second item."}, 0},
    {"37 list with bullets", "\xe2\x80\xa2 9. The first item \xe2\x80\xa2 10. The second item",
     {"\xe2\x80\xa2 9. The first item", "\xe2\x80\xa2 10. The second item"}, 0},
    {"38 list with hyphen bullets", "\xe2\x81\x83" "9. The first item \xe2\x81\x83" "10. The second item",
     {"\xe2\x81\x83" "9. The first item", "\xe2\x81\x83" "10. The second item"}, 0},
    {"39 alphabetical list", "a. The first item b. The second item c. The third list item",
     {"a. The first item", "b. The second item", "c. The third list item"}, 0},
    {"40 geo coordinates", "You can find it at N\xc2\xb0. 1026.253.553. That is where the treasure is.",
     {"You can find it at N\xc2\xb0. 1026.253.553.", "That is where the treasure is."}, 0},
    {"41 named entity with an exclamation point", "She works at Yahoo! in the accounting department.",
     {"She works at Yahoo! in the accounting department."}, 0},
    {"42 I as a boundary and as an initial",
     "We make a good team, you and I. Did you see Albert I. Jones yesterday?",
     {"We make a good team, you and I.", "Did you see Albert I. Jones yesterday?"}, 0},
    {"43 ellipsis at the end of a quotation",
     "Thoreau argues that by simplifying one\xe2\x80\x99s life, \xe2\x80\x9cthe laws of the universe will appear less complex. . . .\xe2\x80\x9d",
     {"Thoreau argues that by simplifying one\xe2\x80\x99s life, \xe2\x80\x9cthe laws of the universe will appear less complex. . . .\xe2\x80\x9d"}, 0},
    {"44 ellipsis in square brackets",
     "\"Bohr [...] used the analogy of parallel stairways [...]\" (Smith 55).",
     {"\"Bohr [...] used the analogy of parallel stairways [...]\" (Smith 55)."}, 0},
    {"45 spaced four-dot ellipsis as a boundary",
     "If words are left off at the end of a sentence, and that is all that is omitted, indicate the omission with ellipsis marks (preceded and followed by a space) and then indicate the end of the sentence with a period . . . . Next sentence.",
     {"If words are left off at the end of a sentence, and that is all that is omitted, indicate the omission with ellipsis marks (preceded and followed by a space) and then indicate the end of the sentence with a period . . . .",
      "Next sentence."}, 0},
    {"46 unspaced four-dot ellipsis as a boundary", "I never meant that.... She left the store.",
     {"I never meant that....", "She left the store."}, 0},
    {"47 ellipses inside a sentence",
     "I wasn\xe2\x80\x99t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn\xe2\x80\x99t mean it.",
     {"I wasn\xe2\x80\x99t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn\xe2\x80\x99t mean it."}, 0},
    {"48 three-dot then four-dot ellipsis",
     "One further habit which was somewhat weakened . . . was that of combining words into self-contained units. . . . The next habit was stronger.",
     {"One further habit which was somewhat weakened . . . was that of combining words into self-contained units. . . .",
      "The next habit was stronger."}, 0},
};

/* }====================================================================== */

/* {======================================================================
 * Own cases, per rule class
 * ======================================================================= */
static const scase own[] = {
    /* titles never end a sentence */
    {"title Dr.", "Dr. Watson arrived. He sat down.", {"Dr. Watson arrived.", "He sat down."}, 0},
    {"title Gov. before a starter word", "We met Gov. The Rock yesterday.",
     {"We met Gov. The Rock yesterday."}, 0},
    {"titles in a row", "Mr. and Mrs. Smith met Prof. Jones.", {"Mr. and Mrs. Smith met Prof. Jones."}, 0},
    {"title Mrs. at a sentence end before a name", "I spoke to Mrs. Lee. Then I left.",
     {"I spoke to Mrs. Lee.", "Then I left."}, 0},
    /* initials */
    {"initials with a middle name", "The report by Edith M. Lederer was read. It was long.",
     {"The report by Edith M. Lederer was read.", "It was long."}, 0},
    {"initials in a row", "It was written by J. K. Rowling in Edinburgh.",
     {"It was written by J. K. Rowling in Edinburgh."}, 0},
    {"dotted initials", "J.R.R. Tolkien wrote it. Read it.", {"J.R.R. Tolkien wrote it.", "Read it."}, 0},
    {"initial at sentence start", "J. Smith came home.", {"J. Smith came home."}, 0},
    {"plan B ends before a starter", "We chose plan B. Then it rained.",
     {"We chose plan B.", "Then it rained."}, 0},
    /* acronyms */
    {"U.N. mid-sentence", "A violation of U.N. Security Council resolutions was alleged.",
     {"A violation of U.N. Security Council resolutions was alleged."}, 0},
    {"U.K. ending a sentence", "She moved to the U.K. But she came back.",
     {"She moved to the U.K.", "But she came back."}, 0},
    {"acronym before hyphen", "A U.S.-backed military exists. Fine.",
     {"A U.S.-backed military exists.", "Fine."}, 0},
    {"acronym at the end of the text", "He works in Washington, D.C.", {"He works in Washington, D.C."}, 0},
    {"acronym before a quoted starter", "He flew to the U.S. \"We are here,\" he said.",
     {"He flew to the U.S.", "\"We are here,\" he said."}, 0},
    {"acronym before a quoted name", "Ask the U.S. \"Navy\" office.", {"Ask the U.S. \"Navy\" office."}, 0},
    {"e.g. never ends", "Use fruit, e.g. Apples are good.", {"Use fruit, e.g. Apples are good."}, 0},
    {"etc. ends before a capital", "We bought apples, pears, etc. Kim paid.",
     {"We bought apples, pears, etc.", "Kim paid."}, 0},
    {"etc. mid-sentence", "We bought apples, pears, etc. and left.",
     {"We bought apples, pears, etc. and left."}, 0},
    /* abbreviations */
    {"No. before a number", "It is No. 5 on the list. Good.", {"It is No. 5 on the list.", "Good."}, 0},
    {"Inc. ending a sentence", "He works at Acme Inc. The firm is big.",
     {"He works at Acme Inc.", "The firm is big."}, 0},
    {"Jan. before a date", "It opened on Jan. 5 in Paris.", {"It opened on Jan. 5 in Paris."}, 0},
    {"vs. in a name", "The case of Smith vs. Jones ended. It was over.",
     {"The case of Smith vs. Jones ended.", "It was over."}, 0},
    {"period then lower case", "The threat posed. by the program was real.",
     {"The threat posed. by the program was real."}, 0},
    /* numbers, money */
    {"decimal and thousands", "It costs 3.5% of 1,000 dollars. That is 35.",
     {"It costs 3.5% of 1,000 dollars.", "That is 35."}, 0},
    {"sentence ending in a year", "The treaty was signed in 1961. The deal was abandoned.",
     {"The treaty was signed in 1961.", "The deal was abandoned."}, 0},
    {"money at a sentence start", "It was cheap. $5 was the price.", {"It was cheap.", "$5 was the price."}, 0},
    {"number after period", "The answer was no. 42 people agreed.",
     {"The answer was no. 42 people agreed."}, 0},
    /* URLs and e-mail */
    {"url mid-sentence", "Visit http://example.com/a.b?c=1 for more. Thanks.",
     {"Visit http://example.com/a.b?c=1 for more.", "Thanks."}, 0},
    {"e-mail mid-sentence", "Write to a.b@example.org today. Bye.",
     {"Write to a.b@example.org today.", "Bye."}, 0},
    /* quotes and brackets */
    {"closing quote after period", "He said \"stop.\" Then left.", {"He said \"stop.\"", "Then left."}, 0},
    {"curly quotes", "He said \xe2\x80\x9cstop.\xe2\x80\x9d Then left.",
     {"He said \xe2\x80\x9cstop.\xe2\x80\x9d", "Then left."}, 0},
    {"question inside quote then lower case", "\"Why?\" she asked. \"Because.\"",
     {"\"Why?\" she asked.", "\"Because.\""}, 0},
    {"exclamation then comma", "\"Stop!\", he said.", {"\"Stop!\", he said."}, 0},
    {"period before opening quote", "He left. \"Hi,\" she said.", {"He left.", "\"Hi,\" she said."}, 0},
    {"parenthesized sentence", "He left. (She stayed.) Then it rained.",
     {"He left.", "(She stayed.)", "Then it rained."}, 0},
    {"period after closing quote", "He called it \"deplorable\". Russia disagreed.",
     {"He called it \"deplorable\".", "Russia disagreed."}, 0},
    /* !! and ?! runs */
    {"spaced marks", "Really ? ! Yes.", {"Really ? !", "Yes."}, 0},
    {"interrobang", "What\xe2\x80\xbd No way.", {"What\xe2\x80\xbd", "No way."}, 0},
    {"question then lower case", "What? no way.", {"What? no way."}, 0},
    /* ellipses */
    {"unicode ellipsis then lower case", "Well\xe2\x80\xa6 maybe not.", {"Well\xe2\x80\xa6 maybe not."}, 0},
    {"unicode ellipsis then capital", "Well\xe2\x80\xa6 Maybe not.", {"Well\xe2\x80\xa6", "Maybe not."}, 0},
    {"three dots then capital", "I waited... Nobody came.", {"I waited...", "Nobody came."}, 0},
    /* lists */
    {"newline bullets", "Shopping:\n- milk\n- eggs\n* bread", {"Shopping:", "- milk", "- eggs", "* bread"}, 0},
    {"newline numbered list", "Steps:\n1. Open it\n2. Close it", {"Steps:", "1. Open it", "2. Close it"}, 0},
    {"parenthesized markers", "(a) The first (b) The second", {"(a) The first", "(b) The second"}, 0},
    {"inline numbers are not a list", "I had 1) a cat and 2) a dog.", {"I had 1) a cat and 2) a dog."}, 0},
    /* paragraphs, newlines, headings */
    {"paragraph break without period", "First part\n\nSecond part", {"First part", "Second part"}, 0},
    {"paragraph break after abbreviation", "Ask Dr.\n\nNobody knows", {"Ask Dr.", "Nobody knows"}, 0},
    {"wrapped line", "This sentence is\nwrapped in two lines. Next.",
     {"This sentence is\nwrapped in two lines.", "Next."}, 0},
    {"heading line", "Breaking News\nSouth Korea said it would act.",
     {"Breaking News", "South Korea said it would act."}, 0},
    {"title-case heading with small words", "The War in Ukraine\nIt goes on.",
     {"The War in Ukraine", "It goes on."}, 0},
    {"not a heading: lower-case words", "They met with President Yoon\nSuk Yeol in Seoul.",
     {"They met with President Yoon\nSuk Yeol in Seoul."}, 0},
    {"not a heading: next line lower case", "South Korea\nsaid no.", {"South Korea\nsaid no."}, 0},
    {"windows line ends", "One.\r\n\r\nTwo three", {"One.", "Two three"}, 0},
    /* other scripts */
    {"CJK full stops", "\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\xe5\x86\x8d\xe8\xa7\x81\xe3\x80\x82",
     {"\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82", "\xe5\x86\x8d\xe8\xa7\x81\xe3\x80\x82"}, 0},
    {"accented capitals", "Il est parti. \xc3\x89tienne est venu.",
     {"Il est parti.", "\xc3\x89tienne est venu."}, 0},
    /* whitespace */
    {"surrounding whitespace excluded", "  \n Hello there.   Bye.  \n", {"Hello there.", "Bye."}, 0},
    {"only whitespace", " \n\t ", {NULL}, 0},
    {"empty", "", {NULL}, 0},
    {"no terminal punctuation", "just words", {"just words"}, 0},
};

/* }====================================================================== */

static int run_case(const scase *c, qr_tokens *t, qr_sentences *s, int verbose)
{
    qr_error err;
    size_t len = strlen(c->text);
    if (qr_tokenize(c->text, len, t, &err) != 0 || qr_sentences_split(c->text, len, t, s, &err) != 0) {
        if (verbose)
            fprintf(stderr, "  %s: error %s\n", c->name, err.message);
        return 0;
    }
    size_t nwant = 0;
    while (nwant < MAXS && c->want[nwant])
        nwant++;
    int ok = s->n == nwant;
    for (size_t i = 0; ok && i < nwant; i++) {
        size_t n = s->v[i].end - s->v[i].start;
        ok = n == strlen(c->want[i]) && memcmp(c->text + s->v[i].start, c->want[i], n) == 0;
    }
    if (!ok && verbose) {
        fprintf(stderr, "  %s: got %zu sentence(s):\n", c->name, s->n);
        for (size_t i = 0; i < s->n; i++)
            fprintf(stderr, "    [%.*s]\n", (int)(s->v[i].end - s->v[i].start), c->text + s->v[i].start);
    }
    return ok;
}

/* Runs a table; failures of cases marked xfail are listed, not counted. */
static int run_table(const char *title, const scase *tab, size_t n, qr_tokens *t, qr_sentences *s)
{
    int pass = 0, xfail_listed = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = run_case(&tab[i], t, s, !tab[i].xfail);
        if (ok)
            pass++;
        if (tab[i].xfail) {
            if (!xfail_listed++)
                printf("%s: expected failures (known limits, see docs/sentences.md):\n", title);
            printf("  %s: %s\n", tab[i].name, ok ? "now PASSES, remove the xfail mark" : "fails as expected");
            CHECK(!ok);
        } else {
            if (!ok)
                fprintf(stderr, "%s: FAILED %s\n", title, tab[i].name);
            CHECK(ok);
        }
    }
    printf("%s: %d of %zu cases pass\n", title, pass, n);
    return pass;
}

static void check_offsets(qr_tokens *t, qr_sentences *s)
{
    qr_error err;
    const char *text = "  Hi there.\n\nOk ";
    CHECK_EQ_INT(qr_tokenize(text, strlen(text), t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(text, strlen(text), t, s, &err), 0);
    CHECK_EQ_INT(s->n, 2);
    CHECK_EQ_INT(s->v[0].start, 2);
    CHECK_EQ_INT(s->v[0].end, 11);
    CHECK_EQ_INT(s->v[0].tok_start, 0);
    CHECK_EQ_INT(s->v[0].tok_end, 3);
    CHECK_EQ_INT(s->v[1].start, 13);
    CHECK_EQ_INT(s->v[1].end, 15);
    CHECK_EQ_INT(s->v[1].tok_start, 3);
    CHECK_EQ_INT(s->v[1].tok_end, 4);
}

/* Every token in exactly one sentence, in order; ranges trimmed. */
static int partition_ok(const char *text, const qr_tokens *t, const qr_sentences *s)
{
    size_t next = 0;
    for (size_t i = 0; i < s->n; i++) {
        const qr_sentence *v = &s->v[i];
        if (v->tok_start != next || v->tok_end <= v->tok_start || v->tok_end > t->n)
            return 0;
        if (v->start != t->v[v->tok_start].start || v->end != t->v[v->tok_end - 1].end)
            return 0;
        if (text[v->start] == ' ' || text[v->end - 1] == ' ')
            return 0;
        next = v->tok_end;
    }
    return next == t->n;
}

static void check_edges(qr_tokens *t, qr_sentences *s)
{
    qr_error err;
    /* NUL bytes and invalid UTF-8 are ordinary characters */
    static const char nul[] = "A\0bc. Next one.";
    CHECK_EQ_INT(qr_tokenize(nul, sizeof nul - 1, t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(nul, sizeof nul - 1, t, s, &err), 0);
    CHECK_EQ_INT(s->n, 2);
    CHECK_EQ_INT(s->v[1].start, 6);
    CHECK(partition_ok(nul, t, s));

    const char *bad = "Bad \xff\xfe bytes. \xc3 Next \xe2\x80. End";
    CHECK_EQ_INT(qr_tokenize(bad, strlen(bad), t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(bad, strlen(bad), t, s, &err), 0);
    CHECK(s->n >= 2);
    CHECK(partition_ok(bad, t, s));

    /* a long single line: 200,000 sentences, then reuse of the buffers */
    size_t reps = 200000, unit = 10;
    char *big = malloc(reps * unit + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * unit, "Go on. Hi ", unit);
    big[reps * unit] = 0;
    CHECK_EQ_INT(qr_tokenize(big, reps * unit, t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(big, reps * unit, t, s, &err), 0);
    CHECK_EQ_INT(s->n, reps + 1);
    CHECK(partition_ok(big, t, s));
    CHECK_EQ_MEM(big + s->v[1].start, s->v[1].end - s->v[1].start, "Hi Go on.");
    free(big);

    /* 100 MB on one line */
    static const char u100[] = "Internationalization internationalization internationalizations. ";
    size_t ulen = sizeof u100 - 1, units = (100u << 20) / ulen;
    big = malloc(units * ulen);
    for (size_t i = 0; i < units; i++)
        memcpy(big + i * ulen, u100, ulen);
    CHECK_EQ_INT(qr_tokenize(big, units * ulen, t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(big, units * ulen, t, s, &err), 0);
    CHECK_EQ_INT(s->n, units);
    CHECK_EQ_INT(s->v[units - 1].start, (units - 1) * ulen);
    CHECK_EQ_INT(s->v[units - 1].end, units * ulen - 1);
    CHECK_EQ_INT(s->v[units - 1].tok_end, t->n);
    free(big);

    const char *small = "One. Two.";
    CHECK_EQ_INT(qr_tokenize(small, strlen(small), t, &err), 0);
    CHECK_EQ_INT(qr_sentences_split(small, strlen(small), t, s, &err), 0);
    CHECK_EQ_INT(s->n, 2);

    /* every own case partitions its tokens */
    int all = 1;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        qr_tokenize(own[i].text, strlen(own[i].text), t, &err);
        qr_sentences_split(own[i].text, strlen(own[i].text), t, s, &err);
        all &= partition_ok(own[i].text, t, s);
    }
    CHECK(all);
}

/* Random mixes of tricky pieces: no crash, and the sentences always
 * partition the tokens with trimmed ranges. */
static void check_random(qr_tokens *t, qr_sentences *s)
{
    static const char *const pieces[] = {
        "U.S.", " ", "\n", "\n\n", ".", "...", "\xe2\x80\xa6", "!", "?", "\"", "\xe2\x80\x9d",
        "(", ")", "1", "2.", "a.", "b)", "\xe2\x80\xa2", "- ", "Mr.", "Hello", "the", "I", "It",
        "\xc3\xa9t\xc3\xa9", "\xff", "3.5", "e.g.", "p.m.", "x@y.org", "http://a.b/c", "\xe3\x80\x82",
        "\xe4\xbd\xa0", "'s", "etc.", "Co.", "N\xc2\xb0", "\t", "\r\n",
    };
    char text[256];
    unsigned seed = 12345;
    int ok = 1;
    for (int round = 0; round < 3000 && ok; round++) {
        size_t len = 0;
        for (;;) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n >= sizeof text)
                break;
            memcpy(text + len, p, n);
            len += n;
        }
        text[len] = 0;
        qr_error err;
        ok = qr_tokenize(text, len, t, &err) == 0 && qr_sentences_split(text, len, t, s, &err) == 0
             && partition_ok(text, t, s);
        if (!ok)
            fprintf(stderr, "random mix failed: [%s]\n", text);
    }
    CHECK(ok);
}

/* {======================================================================
 * Fast paths agree with the reference (every token through the rules)
 * ======================================================================= */

/* Splits text[0..len) both ways (the text copied into a buffer of exactly
 * len bytes, so a read past the end shows under ASan) and compares every
 * sentence. */
static int same_as_reference(const char *text, size_t len, qr_tokens *t, qr_sentences *s,
                             qr_sentences *r)
{
    char *buf = malloc(len ? len : 1);
    memcpy(buf, text, len);
    qr_error err;
    int ok = qr_tokenize(buf, len, t, &err) == 0 && qr_sentences_split(buf, len, t, s, &err) == 0
             && qr_sentences_split_reference(buf, len, t, r, &err) == 0 && s->n == r->n
             && (s->n == 0 || memcmp(s->v, r->v, s->n * sizeof *s->v) == 0)
             && partition_ok(buf, t, s);
    free(buf);
    if (!ok)
        fprintf(stderr, "fast path differs from the reference on [%.*s]\n", (int)len, text);
    return ok;
}

static void check_fast_path(qr_tokens *t, qr_sentences *s)
{
    qr_sentences r;
    qr_sentences_init(&r);
    int ok = 1;

    /* every golden and own case */
    for (size_t k = 0; k < sizeof golden / sizeof golden[0]; k++)
        ok = ok && same_as_reference(golden[k].text, strlen(golden[k].text), t, s, &r);
    for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
        ok = ok && same_as_reference(own[k].text, strlen(own[k].text), t, s, &r);
    CHECK(ok);

    /* Each tricky spot shifted over 0..40 leading plain words, so its hot
     * byte (". ! ? ( )" or non-ASCII) falls at every offset of a 16-byte
     * block, at the very end of the text, and right after a line break. */
    static const char *const spots[] = {
        "I had a) a cat and b) a dog.", "x 1) y 2) Two", "see (a) and (b) Then",
        "go a.) on b.) On", "1. One 2. Two", "a. Alpha b. Beta", "A) x B) Y",
        "it was 12.5 m. Then", "the U.S. The end", "Dr. Who? Yes!", "stop.", "stop", "(",
        ")", "a)", "1)", "123)", "1234) x", "no . . . I", "so... Then", "ok?! Sure",
        "\xe2\x80\xa2 item \xe2\x80\xa2 item", "well\xe2\x80\xa6 Then", "He said \xe2\x80\x9cno.\xe2\x80\x9d Then",
        "Tokyo\xe3\x80\x82Osaka", "x \xc2\xb7 y", "a\xc2\xa0) b", "a\xe2\x80\x8d) b", "1\xe2\x80\x8d. Two",
        "line\n- item\n* item", "Heading Here\nThe text.", "word\r\nWord", "a\x0b" "b\x0c" "C",
        "para\n\nnext", "end\xe2\x80\xa8Next", "N\xc2\xb0. 5", "\xff. Bad", "e.g. this", "x\0y. Z",
    };
    char text[1024];
    for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
        for (int pad = 0; pad <= 40 && ok; pad++) {
            size_t len = 0;
            for (int w = 0; w < pad; w++) {
                const char *word = w % 3 == 2 ? "z " : "word ";
                memcpy(text + len, word, strlen(word));
                len += strlen(word);
            }
            size_t n = k == sizeof spots / sizeof spots[0] - 1 ? 6 : strlen(spots[k]);
            memcpy(text + len, spots[k], n);
            len += n;
            ok = same_as_reference(text, len, t, s, &r);
            /* and with the spot followed by more plain text */
            memcpy(text + len, " and more words here. Fine", 26);
            ok = ok && same_as_reference(text, len + 26, t, s, &r);
        }
    }
    CHECK(ok);

    /* Random mixes weighted toward plain words, with every piece that can
     * matter in a line, spaced or glued. */
    static const char *const pieces[] = {
        "word", "word", "word", "words", "Word", "the", "The", "a", "I", "x", "Z", " ", " ", " ",
        " ", " ", ".", ".", "!", "?", "?!", "...", "(", ")", ".)", "1", "2", "12", "123", "1234",
        "3.5", "a.", "b.", "A.", "Dr.", "U.S.", "etc.", "e.g.", ",", ";", "\"", "'", "-", "--",
        "*", "+", "$", "%", "\n", "\n\n", "\r\n", "\t", "\x0b", "\x0c", "\xc2\xa0", "\xe2\x80\xa8",
        "\xe2\x80\x8d", "\xe2\x80\xa6", "\xe2\x80\xa2", "\xc2\xb7", "\xe2\x80\x9c", "\xe2\x80\x9d",
        "\xe2\x80\x99", "\xe2\x80\x94", "\xe3\x80\x82", "\xef\xbc\x81", "\xd8\x9f", "\xe4\xbd\xa0",
        "\xc3\xa9", "\xc3\x89" "cole", "\xf0\x9f\x98\x80", "\xff", "\xc3", "http://a.b/c", "x@y.org",
        "#tag", "@who", "N\xc2\xb0", "i.e.", "p.m.", "Mr.", "Co.", "It's", "it\xe2\x80\x99s",
        "\xd0\x9c\xd0\xb8\xd1\x80", "\xce\x91\xce\xb8", "\xe6\x97\xa5\xe6\x9c\xac", "\xed\x95\x9c",
        "\xe2\x80\xbd", "\xe0\xa5\xa4", "\xef\xbd\xa1", "\xe2\x96\xaa", "\xc2\x85", "\xe2\x80\x93",
        "\xef\xbb\xbf", "\xe1\xa0\x8e", "\xd9\x85", "\xe0\xa4\x95",
    };
    unsigned seed = 777;
    for (int round = 0; round < 20000 && ok; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = 0, want = 1 + (seed >> 16) % 300;
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n >= sizeof text)
                break;
            memcpy(text + len, p, n);
            len += n;
        }
        ok = same_as_reference(text, len, t, s, &r);
    }
    CHECK(ok);

    /* Every word of the splitter's tables (titles, never-ending and other
     * abbreviations, small words of headings), near misses (prefixes,
     * extensions, other case, a NUL inside), and long words, before a
     * period and a starter, a name or a lower-case word. */
    static const char *const words[] = {
        "adm", "atty", "brig", "capt", "cmdr", "col", "cpl", "dr", "fr", "gen", "gov", "hon",
        "lt", "maj", "messrs", "mlle", "mme", "mr", "mrs", "ms", "msgr", "mssrs", "mt", "pres",
        "prof", "pvt", "rep", "rev", "sen", "sgt", "supt", "cf", "e.g", "eg", "i.e", "ie", "viz",
        "vs", "al", "approx", "apr", "assn", "assoc", "asst", "aug", "ave", "bldg", "blvd", "bros",
        "ca", "ch", "chap", "co", "corp", "dec", "dept", "dist", "div", "ed", "eds", "esp", "est",
        "feb", "fig", "figs", "ft", "govt", "hwy", "inc", "incl", "intl", "jan", "jr", "jul",
        "jun", "lb", "lbs", "ln", "ltd", "mfg", "misc", "mph", "no", "nos", "nov", "n\xc2\xb0",
        "N\xc2\xb0", "oct", "op", "oz", "pg", "pp", "pt", "rd", "ref", "sec", "sep", "sept", "sq",
        "sr", "st", "ste", "tel", "univ", "vol", "vols", "yr", "yrs", "etc", "Etc", "ETC", "et",
        "etcs", "Mr", "MR", "Dr", "Prof", "Messrs", "Approx", "a", "an", "and", "as", "at", "but",
        "by", "de", "for", "from", "in", "into", "nor", "of", "on", "or", "over", "the", "to",
        "with", "m", "mrx", "mess", "messrsx", "approxi", "aa", "zz", "zzzzzzz", "zzzzzzzz",
        "abcdefgh", "internationalization", "\xc3\xa9t\xc3\xa9", "d", "drs", "gove",
    };
    static const char *const afters[] = {" The", " Smith", " the", " 5", "\nThe", " \"It"};
    for (size_t k = 0; k < sizeof words / sizeof words[0] && ok; k++) {
        for (size_t a = 0; a < sizeof afters / sizeof afters[0] && ok; a++) {
            int len = snprintf(text, sizeof text, "We saw the %s.%s end. Of %s Title\nThe end",
                               words[k], afters[a], words[k]);
            ok = same_as_reference(text, (size_t)len, t, s, &r);
            len = snprintf(text, sizeof text, "Go %s . %s", words[k], afters[a]);
            ok = ok && same_as_reference(text, (size_t)len, t, s, &r);
        }
    }
    static const char nul_word[] = "We met the m\0r. The end";
    ok = ok && same_as_reference(nul_word, sizeof nul_word - 1, t, s, &r);
    CHECK(ok);

    /* Every ASCII byte (and a few non-ASCII line breaks and spaces) between
     * a heading and a sentence, a list, a marker and its item: the fast
     * path must see each line break the tokenizer sees. */
    for (int b = 0; b < 128 && ok; b++) {
        static const char *const frames[] = {"Breaking News%cThe text. More", "see%c- item%c2) Two",
                                             "x 1)%ca. Alpha%cb. Beta", "a%c) b%c(c) D"};
        for (size_t f = 0; f < sizeof frames / sizeof frames[0] && ok; f++) {
            int len = snprintf(text, sizeof text, frames[f], b ? b : 'x', b ? b : 'x');
            if (b == 0)     /* a NUL byte in place of the 'x' */
                for (int c = 0; c < len; c++)
                    if (text[c] == 'x' && (c == 0 || text[c - 1] != ' '))
                        text[c] = 0;
            ok = same_as_reference(text, (size_t)len, t, s, &r);
        }
    }
    static const char *const breaks[] = {"\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\xa0",
                                         "\xe2\x80\x8b", "\xe3\x80\x80", "\r\n", "\n\r"};
    for (size_t k = 0; k < sizeof breaks / sizeof breaks[0] && ok; k++) {
        int len = snprintf(text, sizeof text, "Breaking News%sThe text. See%s- item%s2) Two",
                           breaks[k], breaks[k], breaks[k]);
        ok = same_as_reference(text, (size_t)len, t, s, &r);
    }
    CHECK(ok);

    /* Every non-ASCII terminal mark, bullet, dash, line break, quote and
     * bracket the rules know, in words of other scripts (whose letters the
     * fast path skips) and between lines. */
    static const char *const specials[] = {
        "\xe2\x80\xa6", "\xe2\x80\xbc", "\xe2\x81\x87", "\xe2\x81\x88", "\xe2\x81\x89",
        "\xe2\x80\xbd", "\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f", "\xef\xbd\xa1",
        "\xd8\x9f", "\xe0\xa5\xa4", "\xe2\x80\xa2", "\xe2\x80\xa3", "\xe2\x81\x83",
        "\xe2\x97\xa6", "\xe2\x96\xaa", "\xe2\x97\x8f", "\xe2\x96\xa0", "\xe2\x97\x86",
        "\xe2\x96\xb8", "\xe2\x96\xba", "\xe2\x9e\xa2", "\xe2\x9c\x93", "\xe2\x9c\x94",
        "\xe2\x9d\x96", "\xc2\xb7", "\xe2\x80\x93", "\xe2\x80\x94", "\xc2\x85",
        "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\x99", "\xe2\x80\x9d", "\xc2\xbb",
        "\xe2\x80\xba", "\xe3\x80\x8d", "\xe3\x80\x8f", "\xe3\x80\x91", "\xe3\x80\x89",
        "\xe3\x80\x8b", "\xef\xbc\x89", "\xe2\x80\x98", "\xe2\x80\x9c", "\xc2\xab",
        "\xe2\x80\xb9", "\xc2\xbf", "\xc2\xa1", "\xe3\x80\x8c", "\xe3\x80\x8e",
        "\xe3\x80\x90", "\xe3\x80\x88", "\xe3\x80\x8a", "\xef\xbc\x88", "\xc2\xa0",
        "\xe2\x80\x8d", "\xef\xbb\xbf", "\xe1\xa0\x8e", "\xc3\xa9", "\xe4\xb8\x80",
    };
    static const char *const frames2[] = {
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82%s \xd0\x9c\xd0\xb8\xd1\x80 \xd0\xb4\xd0\xbe\xd0\xbc.",
        "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1 %s \xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e%s\xe4\xb8\xad\xe6\x96\x87\xe3\x80\x82\xe9\x9f\x93",
        "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4%s \xec\x84\xa0",
        "Caf\xc3\xa9 cr\xc3\xa8me%s \xc3\x89t\xc3\xa9 Next", "see%s\n%s item\n2) Two",
        "He said%s Then", "x%s y", "1%s 2", "a%s b",
    };
    for (size_t k = 0; k < sizeof specials / sizeof specials[0] && ok; k++) {
        for (size_t f = 0; f < sizeof frames2 / sizeof frames2[0] && ok; f++) {
            int len = snprintf(text, sizeof text, frames2[f], specials[k], specials[k]);
            ok = same_as_reference(text, (size_t)len, t, s, &r);
        }
    }
    CHECK(ok);

    /* One hot byte (or a two-byte character) at every position of texts
     * around the 16/32/64-byte blocks of the hot-byte map. */
    static const char *const hots[] = {".", "!", "?", "(", ")", "\n", "\r", "\xc3\xa9", "\xc2\xb7"};
    for (size_t len = 1; len <= 200 && ok; len += len < 70 || (len >= 120 && len < 136) ? 1 : 13) {
        for (size_t at = 0; at < len && ok; at++) {
            for (size_t h = 0; h < sizeof hots / sizeof hots[0] && ok; h++) {
                for (size_t c = 0; c < len; c++)
                    text[c] = c % 6 == 5 ? ' ' : c % 12 == 0 ? 'A' : c % 12 == 6 ? 'b' : 'x';
                size_t hl = strlen(hots[h]);
                if (at + hl > len)
                    continue;
                memcpy(text + at, hots[h], hl);
                ok = same_as_reference(text, len, t, s, &r);
            }
        }
    }
    CHECK(ok);

    /* empty text, one token, whitespace only */
    CHECK(same_as_reference("", 0, t, s, &r));
    CHECK(same_as_reference("a", 1, t, s, &r));
    CHECK(same_as_reference(".", 1, t, s, &r));
    CHECK(same_as_reference(" \n ", 3, t, s, &r));
    qr_sentences_free(&r);
}

/* }====================================================================== */

int main(void)
{
    qr_tokens t;
    qr_sentences s;
    qr_tokens_init(&t);
    qr_sentences_init(&s);

    int g = run_table("golden rules", golden, sizeof golden / sizeof golden[0], &t, &s);
    printf("golden rules: %d/%zu pass\n", g, sizeof golden / sizeof golden[0]);
    run_table("own cases", own, sizeof own / sizeof own[0], &t, &s);
    check_offsets(&t, &s);
    check_edges(&t, &s);
    check_random(&t, &s);
    check_fast_path(&t, &s);

    qr_tokens_free(&t);
    qr_sentences_free(&s);
    qr_sentences_free(&s);   /* free twice is fine */
    qr_sentences_free(NULL);
    return DONE("sentences");
}
