/* Tests for core/tokenize.c: every rule with exact offsets, kinds and keys,
 * flags, invalid UTF-8, NUL bytes, empty input, a 100 MB single line. */
#include "check.h"
#include "tokenize.h"
#include "normalize.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static qr_tokens toks;

/* Tokenizes text[0..len) and renders "start:end kind key" joined by " | "
 * (a NUL in a key is written \0). */
static const char *render_n(const char *text, size_t len)
{
    static char buf[1 << 14];
    qr_error err;
    if (qr_tokenize(text, len, &toks, &err) != 0) {
        snprintf(buf, sizeof buf, "ERROR %s", err.message);
        return buf;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < toks.n && n < sizeof buf - 256; i++) {
        const qr_token *t = &toks.v[i];
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u:%u %s ", i ? " | " : "",
                              t->start, t->end, qr_token_kind_name(t->kind));
        const char *k = qr_token_key(&toks, i);
        for (uint32_t j = 0; j < t->key_len && n < sizeof buf - 8; j++) {
            if (k[j] == '\0') {
                buf[n++] = '\\';
                buf[n++] = '0';
            } else {
                buf[n++] = k[j];
            }
        }
        buf[n] = '\0';
    }
    return buf;
}

static const char *render(const char *text)
{
    return render_n(text, strlen(text));
}

/* Flags of token i after tokenizing text. */
static unsigned flags_of(const char *text, size_t i)
{
    qr_error err;
    if (qr_tokenize(text, strlen(text), &toks, &err) != 0 || i >= toks.n)
        return 0xFFFF;
    return toks.v[i].flags;
}

static void test_words(void)
{
    CHECK_EQ_STR(render("Cho Tae-yul said"),
                 "0:3 word cho | 4:11 word tae-yul | 12:16 word said");
    CHECK_EQ_STR(render("don't O'Brien rock'n'roll"),
                 "0:5 word don't | 6:13 word o'brien | 14:25 word rock'n'roll");
    CHECK_EQ_STR(render("don\xE2\x80\x99t"), "0:7 word don\xE2\x80\x99t");
    CHECK_EQ_STR(render("e-mail COVID-19 snake_case"),
                 "0:6 word e-mail | 7:15 word covid-19 | 16:26 word snake_case");
    /* a hyphen or apostrophe not between word characters is punctuation */
    CHECK_EQ_STR(render("anti- war -x 'quoted'"),
                 "0:4 word anti | 4:5 punct - | 6:9 word war | 10:11 punct - | 11:12 word x"
                 " | 13:14 punct ' | 14:20 word quoted | 20:21 punct '");
    CHECK_EQ_STR(render("well--known"), "0:4 word well | 4:6 punct -- | 6:11 word known");
    /* U+2010 HYPHEN inside a word */
    CHECK_EQ_STR(render("Tae\xE2\x80\x90yul"), "0:9 word tae\xE2\x80\x90yul");
}

static void test_possessive(void)
{
    CHECK_EQ_STR(render("Seoul's ally"),
                 "0:5 word seoul | 5:7 word 's | 8:12 word ally");
    CHECK_EQ_STR(render("Seoul\xE2\x80\x99s ally"),
                 "0:5 word seoul | 5:9 word \xE2\x80\x99s | 10:14 word ally");
    CHECK_EQ_STR(render("SEOUL'S"), "0:5 word seoul | 5:7 word 's");
    CHECK_EQ_STR(render("Seoul's."), "0:5 word seoul | 5:7 word 's | 7:8 punct .");
    CHECK_EQ_STR(render("it's"), "0:2 word it | 2:4 word 's");
    /* plural possessive: the apostrophe is punctuation */
    CHECK_EQ_STR(render("dogs' bowls"), "0:4 word dogs | 4:5 punct ' | 6:11 word bowls");
    /* "'s" after a space is not a possessive; "'sa" is an inner apostrophe;
     * "'s" glued to "'s" is split again */
    CHECK_EQ_STR(render("the 's x's's"),
                 "0:3 word the | 4:5 punct ' | 5:6 word s | 7:8 word x | 8:10 word 's"
                 " | 10:12 word 's");
    CHECK_EQ_STR(render("Ma'sa"), "0:5 word ma'sa");
    CHECK_EQ_STR(render("1990's"), "0:4 number 1990 | 4:6 word 's");
}

static void test_abbreviations(void)
{
    CHECK_EQ_STR(render("the U.N. said"), "0:3 word the | 4:8 word u.n. | 9:13 word said");
    CHECK_EQ_STR(render("Edith M. Lederer"),
                 "0:5 word edith | 6:8 word m. | 9:16 word lederer");
    CHECK_EQ_STR(render("Mt. Paektu and Dr. Kim"),
                 "0:3 word mt. | 4:10 word paektu | 11:14 word and | 15:18 word dr."
                 " | 19:22 word kim");
    CHECK_EQ_STR(render("in the U.S. How"),
                 "0:2 word in | 3:6 word the | 7:11 word u.s. | 12:15 word how");
    CHECK_EQ_STR(render("U.S.A. e.g. i.e. Ph.D."),
                 "0:6 word u.s.a. | 7:11 word e.g. | 12:16 word i.e. | 17:22 word ph.d.");
    CHECK_EQ_STR(render("Gov. Sen. etc. vs. al."),
                 "0:4 word gov. | 5:9 word sen. | 10:14 word etc. | 15:18 word vs."
                 " | 19:22 word al.");
    /* a sentence-final period after an ordinary word is its own token */
    CHECK_EQ_STR(render("It rained. Then"),
                 "0:2 word it | 3:9 word rained | 9:10 punct . | 11:15 word then");
    /* the list is case-sensitive: "dr." and "MT." are ordinary words */
    CHECK_EQ_STR(render("dr. MT."),
                 "0:2 word dr | 2:3 punct . | 4:6 word mt | 6:7 punct .");
    /* "No." only before a number */
    CHECK_EQ_STR(render("No. 5 said No."),
                 "0:3 word no. | 4:5 number 5 | 6:10 word said | 11:13 word no | 13:14 punct .");
    CHECK_EQ_STR(render("No.1 Art.\xC2\xA0" "3 Vol. II"),
                 "0:3 word no. | 3:4 number 1 | 5:9 word art. | 11:12 number 3 | 13:16 word vol"
                 " | 16:17 punct . | 18:20 word ii");
    /* "a.bc" is not an initial; digits never take an abbreviation period */
    CHECK_EQ_STR(render("a.bc A4."),
                 "0:1 word a | 1:2 punct . | 2:4 word bc | 5:7 word a4 | 7:8 punct .");
    /* a single letter of another script */
    CHECK_EQ_STR(render("\xC3\x89. Zola"), "0:3 word \xC3\xA9. | 4:8 word zola");
    /* a non-ASCII initial after an ASCII one: a Unicode key, not ASCII */
    CHECK_EQ_STR(render("U.\xC3\x89. M.\xC3\xB6."),
                 "0:5 word u.\xC3\xA9. | 6:11 word m.\xC3\xB6.");
    CHECK_EQ_INT(flags_of("U.\xC3\x89.", 0) & QR_TF_ASCII, 0);
    /* an ellipsis after a word stays one token */
    CHECK_EQ_STR(render("Wait... what"), "0:4 word wait | 4:7 punct ... | 8:12 word what");
}

static void test_numbers(void)
{
    CHECK_EQ_STR(render("1,000 100.00 3.5"),
                 "0:5 number 1,000 | 6:12 number 100.00 | 13:16 number 3.5");
    CHECK_EQ_STR(render("$100.00 3.5%"),
                 "0:1 symbol $ | 1:7 number 100.00 | 8:11 number 3.5 | 11:12 symbol %");
    CHECK_EQ_STR(render("1,000. 1990-2000 12:30"),
                 "0:5 number 1,000 | 5:6 punct . | 7:11 number 1990 | 11:12 punct -"
                 " | 12:16 number 2000 | 17:19 number 12 | 19:20 punct : | 20:22 number 30");
    CHECK_EQ_STR(render("1990s 10-year-old 3.5km"),
                 "0:5 word 1990s | 6:17 word 10-year-old | 18:21 number 3.5 | 21:23 word km");
    CHECK_EQ_STR(render("-5 .5"),
                 "0:1 punct - | 1:2 number 5 | 3:4 punct . | 4:5 number 5");
    /* fullwidth and Arabic-Indic digits: numbers with NFKC keys */
    CHECK_EQ_STR(render("\xEF\xBC\x91\xEF\xBC\x92 \xD9\xA1\xD9\xA2"),
                 "0:6 number 12 | 7:11 number \xD9\xA1\xD9\xA2");
}

static void test_urls_emails(void)
{
    CHECK_EQ_STR(render("see https://example.com/a_(b)."),
                 "0:3 word see | 4:29 url https://example.com/a_(b) | 29:30 punct .");
    CHECK_EQ_STR(render("(www.example.org/x?q=1&r=2)"),
                 "0:1 punct ( | 1:26 url www.example.org/x?q=1&r=2 | 26:27 punct )");
    CHECK_EQ_STR(render("HTTP://X.COM/, ftp://f.org"),
                 "0:13 url http://x.com/ | 13:14 punct , | 15:26 url ftp://f.org");
    /* a bare scheme is no URL */
    CHECK_EQ_STR(render("http:// x"),
                 "0:4 word http | 4:5 punct : | 5:6 punct / | 6:7 punct / | 8:9 word x");
    /* typographic quotes end a URL */
    CHECK_EQ_STR(render("\xE2\x80\x9Chttps://x.com/a\xE2\x80\x9D"),
                 "0:3 punct \xE2\x80\x9C | 3:18 url https://x.com/a | 18:21 punct \xE2\x80\x9D");
    CHECK_EQ_STR(render("mail John.Doe@Example.co.uk."),
                 "0:4 word mail | 5:27 email john.doe@example.co.uk | 27:28 punct .");
    CHECK_EQ_STR(render("bob+tag@mail.example.com 42@x.org"),
                 "0:24 email bob+tag@mail.example.com | 25:33 email 42@x.org");
    /* no dot in the domain, or a TLD with a digit: not an address */
    CHECK_EQ_STR(render("a@b x@y.c1"),
                 "0:1 word a | 1:2 symbol @ | 2:3 word b | 4:5 word x | 5:6 symbol @"
                 " | 6:7 word y | 7:8 punct . | 8:10 word c1");
}

static void test_tags(void)
{
    CHECK_EQ_STR(render("#Seoul2024 @user_1 #\xE6\x9D\xB1\xE4\xBA\xAC"),
                 "0:10 hashtag #seoul2024 | 11:18 mention @user_1 | 19:26 hashtag #\xE6\x9D\xB1\xE4\xBA\xAC");
    /* a hashtag needs a letter; '@' and '#' alone are symbols */
    CHECK_EQ_STR(render("#1 # @ a@"),
                 "0:1 symbol # | 1:2 number 1 | 3:4 symbol # | 5:6 symbol @ | 7:8 word a"
                 " | 8:9 symbol @");
    CHECK_EQ_STR(render("(@UN)."), "0:1 punct ( | 1:4 mention @un | 4:5 punct ) | 5:6 punct .");
}

static void test_emoji(void)
{
    /* thumbs up + skin tone; family (ZWJ); flag; keycap; heart + VS16 */
    CHECK_EQ_STR(render("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ok"),
                 "0:8 emoji \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD | 9:11 word ok");
    CHECK_EQ_STR(render("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7!"),
                 "0:18 emoji \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"
                 " | 18:19 punct !");
    CHECK_EQ_STR(render("\xF0\x9F\x87\xB0\xF0\x9F\x87\xB7\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8"),
                 "0:8 emoji \xF0\x9F\x87\xB0\xF0\x9F\x87\xB7 | 8:16 emoji \xF0\x9F\x87\xBA\xF0\x9F\x87\xB8");
    CHECK_EQ_STR(render("1\xEF\xB8\x8F\xE2\x83\xA3 #\xE2\x83\xA3"),
                 "0:7 emoji 1\xEF\xB8\x8F\xE2\x83\xA3 | 8:12 emoji #\xE2\x83\xA3");
    CHECK_EQ_STR(render("\xE2\x9D\xA4\xEF\xB8\x8F\xF0\x9F\x98\x80\xF0\x9F\x98\x80"),
                 "0:6 emoji \xE2\x9D\xA4\xEF\xB8\x8F | 6:10 emoji \xF0\x9F\x98\x80"
                 " | 10:14 emoji \xF0\x9F\x98\x80");
    /* (c) is a symbol; with VS16 it asks for emoji presentation */
    CHECK_EQ_STR(render("\xC2\xA9 \xC2\xA9\xEF\xB8\x8F"),
                 "0:2 symbol \xC2\xA9 | 3:8 emoji \xC2\xA9\xEF\xB8\x8F");
    CHECK_EQ_STR(render("hi\xF0\x9F\x98\x80"), "0:2 word hi | 2:6 emoji \xF0\x9F\x98\x80");
}

static void test_scripts(void)
{
    /* Han and kana: one token per character */
    CHECK_EQ_STR(render("\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x82\xBF\xE3\x83\xAF\xE3\x83\xBC"),
                 "0:3 cjk \xE6\x9D\xB1 | 3:6 cjk \xE4\xBA\xAC | 6:9 cjk \xE3\x82\xBF"
                 " | 9:12 cjk \xE3\x83\xAF | 12:15 cjk \xE3\x83\xBC");
    /* Thai: a consonant keeps its combining vowel sign (U+0E34) */
    CHECK_EQ_STR(render("\xE0\xB8\x81\xE0\xB8\xB4\xE0\xB8\x99"),
                 "0:6 cjk \xE0\xB8\x81\xE0\xB8\xB4 | 6:9 cjk \xE0\xB8\x99");
    /* mixed: Latin stops at Han */
    CHECK_EQ_STR(render("abc\xE4\xB8\xAD" "1"),
                 "0:3 word abc | 3:6 cjk \xE4\xB8\xAD | 6:7 number 1");
    /* Hangul, Cyrillic with a combining accent, Greek, Arabic, Devanagari */
    CHECK_EQ_STR(render("\xEC\x84\x9C\xEC\x9A\xB8\xEC\x9D\x80 \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0\xCC\x81"),
                 "0:9 word \xEC\x84\x9C\xEC\x9A\xB8\xEC\x9D\x80 | 10:24 word "
                 "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0\xCC\x81");
    CHECK_EQ_STR(render("\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1 \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"),
                 "0:10 word \xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1 | 11:21 word "
                 "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7");
    CHECK_EQ_STR(render("\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87."),
                 "0:18 word \xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87"
                 " | 18:19 punct .");
    /* no-break space and ideographic space separate tokens */
    CHECK_EQ_STR(render("a\xC2\xA0" "b\xE3\x80\x80" "c"), "0:1 word a | 3:4 word b | 7:8 word c");
}

static void test_keys(void)
{
    CHECK_EQ_STR(render("\xEF\xAC\x81ne"), "0:5 word fine");                       /* ﬁne */
    CHECK_EQ_STR(render("\xEF\xBC\xA8\xEF\xBD\x85\xEF\xBD\x8C\xEF\xBD\x8C\xEF\xBD\x8F"),
                 "0:15 word hello");                                               /* Ｈｅｌｌｏ */
    CHECK_EQ_STR(render("Stra\xC3\x9F" "e"), "0:7 word strasse");                  /* Straße */
    CHECK_EQ_STR(render("A\xCC\x8A"), "0:3 word \xC3\xA5");                        /* A + ring -> å */
    CHECK_EQ_STR(render("\xC7\x84"), "0:2 word d\xC5\xBE");                        /* Ǆ -> dž */
    CHECK_EQ_STR(render("\xE2\x84\xAB"), "0:3 word \xC3\xA5");                     /* Å sign */
    CHECK_EQ_STR(render("MiXeD 123"), "0:5 word mixed | 6:9 number 123");
    /* canonical reordering of marks: dot below (220) before dot above (230) */
    CHECK_EQ_STR(render("q\xCC\x87\xCC\xA3"), "0:5 word q\xCC\xA3\xCC\x87");
    /* a ligature expanding to 18 code points; enough of them to grow the
     * key buffer past its first reservation */
    size_t reps = 20000;
    char *big = malloc(reps * 4);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * 4, "\xEF\xB7\xBA ", 4);
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(big, reps * 4, &toks, &err), 0);
    CHECK_EQ_INT(toks.n, reps);
    const char *want = "\xD8\xB5\xD9\x84\xD9\x89 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87 "
                       "\xD8\xB9\xD9\x84\xD9\x8A\xD9\x87 \xD9\x88\xD8\xB3\xD9\x84\xD9\x85";
    CHECK_EQ_STR(qr_token_key(&toks, reps - 1), want);
    CHECK_EQ_INT(toks.v[reps - 1].key_len, strlen(want));
    CHECK_EQ_INT(toks.v[reps - 1].start, (reps - 1) * 4);
    free(big);
    /* one long non-ASCII word: the code point scratch grows */
    size_t n = 30000;
    char *word = malloc(n * 2);
    for (size_t i = 0; i < n; i++)
        memcpy(word + i * 2, "\xC3\x89", 2);                                       /* É */
    CHECK_EQ_INT(qr_tokenize(word, n * 2, &toks, &err), 0);
    CHECK_EQ_INT(toks.n, 1);
    CHECK_EQ_INT(toks.v[0].key_len, n * 2);
    CHECK(memcmp(qr_token_key(&toks, 0), "\xC3\xA9\xC3\xA9", 4) == 0);
    CHECK_EQ_INT(toks.v[0].flags, QR_TF_UPPER_INITIAL | QR_TF_ALL_UPPER);
    free(word);
}

static void test_invalid_utf8(void)
{
    /* lone continuation byte inside a word: kept in the word, U+FFFD in the key */
    CHECK_EQ_STR(render("ab\x80" "cd ok"), "0:5 word ab\xEF\xBF\xBD" "cd | 6:8 word ok");
    CHECK_EQ_INT(flags_of("ab\x80" "cd ok", 0), QR_TF_REPAIRED);
    CHECK_EQ_INT(flags_of("ab\x80" "cd ok", 1), QR_TF_SPACE_BEFORE | QR_TF_ASCII);
    /* alone: a symbol */
    CHECK_EQ_STR(render("\x80 x"), "0:1 symbol \xEF\xBF\xBD | 2:3 word x");
    /* truncated sequence: one U+FFFD per byte, offsets after it unchanged */
    CHECK_EQ_STR(render("\xE2\x82 x"), "0:2 symbol \xEF\xBF\xBD\xEF\xBF\xBD | 3:4 word x");
    CHECK_EQ_STR(render("x \xE2\x82"), "0:1 word x | 2:4 symbol \xEF\xBF\xBD\xEF\xBF\xBD");
    /* overlong '/', surrogate U+D800, above U+10FFFF, F5/FF */
    CHECK_EQ_STR(render("\xC0\xAF y"), "0:2 symbol \xEF\xBF\xBD\xEF\xBF\xBD | 3:4 word y");
    CHECK_EQ_STR(render("\xED\xA0\x80 y"),
                 "0:3 symbol \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD | 4:5 word y");
    CHECK_EQ_STR(render("\xF4\x90\x80\x80"),
                 "0:4 symbol \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_EQ_STR(render("\xF5\xFF" "a"), "0:3 word \xEF\xBF\xBD\xEF\xBF\xBD" "a");
    /* Latin-1 text: é as one bad byte keeps the word together */
    CHECK_EQ_STR(render("caf\xE9 au lait"), "0:4 word caf\xEF\xBF\xBD | 5:7 word au | 8:12 word lait");
    /* a bad byte right after a valid multi-byte character */
    CHECK_EQ_STR(render("\xC3\xA9\xA9"), "0:3 word \xC3\xA9\xEF\xBF\xBD");
    /* a truncated sequence at the very end */
    CHECK_EQ_STR(render_n("ok \xF0\x9F\x98", 6), "0:2 word ok | 3:6 symbol \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_empty_and_nul(void)
{
    qr_error err;
    CHECK_EQ_INT(qr_tokenize("", 0, &toks, &err), 0);
    CHECK_EQ_INT(toks.n, 0);
    CHECK_EQ_STR(render(" \t\r\n\n "), "");
    /* NUL is an ordinary character: a symbol token, text goes on after it */
    CHECK_EQ_STR(render_n("a\0b \0", 5), "0:1 word a | 1:2 symbol \\0 | 2:3 word b | 4:5 symbol \\0");
    CHECK_EQ_INT(toks.v[1].key_len, 1);
    CHECK_EQ_INT(qr_token_key(&toks, 1)[0], 0);
    CHECK_EQ_INT(qr_token_key(&toks, 1)[1], 0);
    CHECK_EQ_STR(render_n("\0\0", 2), "0:1 symbol \\0 | 1:2 symbol \\0");
    /* other control characters too; DEL and C1 controls */
    CHECK_EQ_STR(render("a\x01\x7F\xC2\x85" "b\xC2\x80"),
                 "0:1 word a | 1:2 symbol \x01 | 2:3 symbol \x7F | 5:6 word b | 6:8 symbol \xC2\x80");
}

static void test_punct(void)
{
    CHECK_EQ_STR(render("What?! No!!! Yes... ok-- (a) [b] {c} \"d\" \xE2\x80\xA6"),
                 "0:4 word what | 4:6 punct ?! | 7:9 word no | 9:12 punct !!! | 13:16 word yes"
                 " | 16:19 punct ... | 20:22 word ok | 22:24 punct -- | 25:26 punct ( | 26:27 word a"
                 " | 27:28 punct ) | 29:30 punct [ | 30:31 word b | 31:32 punct ] | 33:34 punct {"
                 " | 34:35 word c | 35:36 punct } | 37:38 punct \" | 38:39 word d | 39:40 punct \""
                 " | 41:44 punct ...");
    CHECK_EQ_STR(render("a+b=c <x> 5*3 ^~|`& \xE2\x82\xAC" "5 \xC2\xA3"),
                 "0:1 word a | 1:2 symbol + | 2:3 word b | 3:4 symbol = | 4:5 word c"
                 " | 6:7 symbol < | 7:8 word x | 8:9 symbol > | 10:11 number 5 | 11:12 symbol *"
                 " | 12:13 number 3 | 14:15 symbol ^ | 15:16 symbol ~ | 16:17 symbol |"
                 " | 17:18 symbol ` | 18:19 symbol & | 20:23 symbol \xE2\x82\xAC | 23:24 number 5"
                 " | 25:27 symbol \xC2\xA3");
    CHECK_EQ_STR(render("a, b; c: d / e \\ f _"),
                 "0:1 word a | 1:2 punct , | 3:4 word b | 4:5 punct ; | 6:7 word c | 7:8 punct :"
                 " | 9:10 word d | 11:12 punct / | 13:14 word e | 15:16 punct \\ | 17:18 word f"
                 " | 19:20 punct _");
}

static void test_flags(void)
{
    const char *t = "Hello world\nNEW\n \nPara G7 x\r\n\r\ny\r\nz";
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(t, strlen(t), &toks, &err), 0);
    CHECK_EQ_INT(toks.n, 8);
    enum { S = QR_TF_SPACE_BEFORE, N = QR_TF_NEWLINE_BEFORE, P = QR_TF_PARA_BEFORE,
           U = QR_TF_UPPER_INITIAL, A = QR_TF_ALL_UPPER, D = QR_TF_HAS_DIGIT, X = QR_TF_ASCII };
    CHECK_EQ_INT(toks.v[0].flags, U | X);                    /* Hello */
    CHECK_EQ_INT(toks.v[1].flags, S | X);                    /* world */
    CHECK_EQ_INT(toks.v[2].flags, S | N | U | A | X);        /* NEW   */
    CHECK_EQ_INT(toks.v[3].flags, S | N | P | U | X);        /* Para: "\n \n" is a blank line */
    CHECK_EQ_INT(toks.v[4].flags, S | U | A | D | X);        /* G7    */
    CHECK_EQ_INT(toks.v[5].flags, S | X);                    /* x     */
    CHECK_EQ_INT(toks.v[6].flags, S | N | P | X);            /* y after \r\n\r\n */
    CHECK_EQ_INT(toks.v[7].flags, S | N | X);                /* z after one \r\n */
    /* leading space on the first token; no space before glued punctuation */
    CHECK_EQ_INT(flags_of("  xy.", 0), S | X);
    CHECK_EQ_INT(flags_of("  xy.", 1), X);
    /* U+2029 PARAGRAPH SEPARATOR, U+2028 LINE SEPARATOR */
    CHECK_EQ_INT(flags_of("a\xE2\x80\xA9" "b", 1), S | N | P | X);
    CHECK_EQ_INT(flags_of("a\xE2\x80\xA8" "b", 1), S | N | X);
    /* non-ASCII: É is upper, ß is lower, 東 has no case */
    CHECK_EQ_INT(flags_of("\xC3\x89TAT", 0), U | A);
    CHECK_EQ_INT(flags_of("Stra\xC3\x9F" "e", 0), U);
    CHECK_EQ_INT(flags_of("\xE6\x9D\xB1", 0), 0);
    CHECK_EQ_INT(flags_of("U.N.", 0), U | A | X);
    CHECK_EQ_INT(flags_of("3.5", 0), D | X);
}

static void test_misc(void)
{
    CHECK_EQ_STR(qr_token_kind_name(QR_TOK_WORD), "word");
    CHECK_EQ_STR(qr_token_kind_name(QR_TOK_CJK), "cjk");
    CHECK_EQ_STR(qr_token_kind_name(QR_TOK_HASHTAG), "hashtag");
    CHECK_EQ_STR(qr_token_kind_name(QR_TOK_KIND_COUNT), "?");
    CHECK_EQ_STR(qr_token_kind_name(-1), "?");
    /* buffers are reused: a second call replaces the first one's tokens */
    CHECK_EQ_STR(render("one two three"), "0:3 word one | 4:7 word two | 8:13 word three");
    CHECK_EQ_STR(render("four"), "0:4 word four");
    /* tokens never overlap and keys are NUL-terminated at key_len */
    const char *t = "The U.N.'s envoy, Dr. Kim (kim@un.org), said: \xE2\x80\x9C" "1,000 "
                    "\xF0\x9F\x91\x8D!\xE2\x80\x9D #peace https://un.org/x.";
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(t, strlen(t), &toks, &err), 0);
    int ok = 1;
    for (size_t i = 0; i < toks.n; i++) {
        if (toks.v[i].end <= toks.v[i].start || (i && toks.v[i].start < toks.v[i - 1].end))
            ok = 0;
        if (qr_token_key(&toks, i)[toks.v[i].key_len] != '\0')
            ok = 0;
    }
    CHECK(ok);
    CHECK_EQ_STR(render(t),
                 "0:3 word the | 4:8 word u.n. | 8:10 word 's | 11:16 word envoy | 16:17 punct ,"
                 " | 18:21 word dr. | 22:25 word kim | 26:27 punct ( | 27:37 email kim@un.org"
                 " | 37:38 punct ) | 38:39 punct , | 40:44 word said | 44:45 punct :"
                 " | 46:49 punct \xE2\x80\x9C | 49:54 number 1,000 | 55:59 emoji \xF0\x9F\x91\x8D"
                 " | 59:60 punct ! | 60:63 punct \xE2\x80\x9D | 64:70 hashtag #peace"
                 " | 71:87 url https://un.org/x | 87:88 punct .");
}

/* Tokenizes text[0..len) and counts the tokens whose key is not
 * utf8proc_map(NFKC + case fold) of their text (the first few printed). */
static size_t keys_not_as_utf8proc(const char *text, size_t len)
{
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(text, len, &toks, &err), 0);
    size_t bad = 0;
    for (size_t i = 0; i < toks.n; i++) {
        const qr_token *t = &toks.v[i];
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text + t->start,
                                          t->end - t->start, &want,
                                          UTF8PROC_COMPOSE | UTF8PROC_COMPAT
                                          | UTF8PROC_CASEFOLD | UTF8PROC_STABLE);
        if (n < 0 || (size_t)n != t->key_len
            || memcmp(want, qr_token_key(&toks, i), t->key_len) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "key of token %u:%u '%.*s' is '%s', utf8proc says '%s'\n",
                        t->start, t->end, (int)(t->end - t->start), text + t->start,
                        qr_token_key(&toks, i), n < 0 ? "(error)" : (char *)want);
        }
        free(want);
    }
    return bad;
}

/* Every token's key equals utf8proc_map(NFKC + case fold) of its text, for
 * every code point up to U+2FFFF on its own and after "a", and for every
 * canonical decomposition written decomposed (which must recompose). */
static void test_keys_match_utf8proc(void)
{
    size_t cap = 8u << 20, len = 0;
    char *text = malloc(cap);
    for (int32_t cp = 0x80; cp < 0x30000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        const utf8proc_property_t *p = utf8proc_get_property(cp);
        if (p->category == UTF8PROC_CATEGORY_CN)
            continue;
        /* "X a X " : X alone, and X after a letter */
        len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)text + len);
        text[len++] = ' ';
        text[len++] = 'a';
        len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)text + len);
        text[len++] = ' ';
        utf8proc_int32_t d[8];
        utf8proc_ssize_t nd = utf8proc_decompose_char(cp, d, 8, UTF8PROC_DECOMPOSE, NULL);
        if (nd >= 2 && nd <= 8) {
            for (utf8proc_ssize_t k = 0; k < nd; k++)
                len += (size_t)utf8proc_encode_char(d[k], (utf8proc_uint8_t *)text + len);
            text[len++] = ' ';
        }
    }
    CHECK_EQ_INT(keys_not_as_utf8proc(text, len), 0);
    CHECK(toks.n > 400000);
    free(text);
}

/* Tokens of the accented letters of Latin, Greek and Cyrillic are keyed a
 * character at a time from a generated table (mk/gen_keytab.c), which holds
 * only if no key combines with its neighbour's: every pair "XY" of the
 * table's ranges (2.9 million), and X before ASCII and before combining
 * marks (which leave the token to utf8proc), match utf8proc_map too. */
static void test_keys_of_letter_pairs(void)
{
    static const int32_t ranges[][2] = {{0x80, 0x530}, {0x1E00, 0x2000}};
    static const char *const after[] = {"a", "Z", "\xCC\x81", "\xCC\xA3", "\xCD\x85",
                                        "\xCC\x88\xCC\x81", "\xE1\x85\xA1", "\xE3\x82\x99"};
    size_t cap = 64u << 20, len = 0;
    char *text = malloc(cap);
    for (int a = 0; a < 2; a++)
        for (int32_t x = ranges[a][0]; x < ranges[a][1]; x++) {
            if (utf8proc_get_property(x)->category == UTF8PROC_CATEGORY_CN)
                continue;
            for (int b = 0; b < 2; b++)
                for (int32_t y = ranges[b][0]; y < ranges[b][1]; y++) {
                    len += (size_t)utf8proc_encode_char(x, (utf8proc_uint8_t *)text + len);
                    len += (size_t)utf8proc_encode_char(y, (utf8proc_uint8_t *)text + len);
                    text[len++] = ' ';
                }
            for (size_t k = 0; k < sizeof after / sizeof after[0]; k++) {
                len += (size_t)utf8proc_encode_char(x, (utf8proc_uint8_t *)text + len);
                memcpy(text + len, after[k], strlen(after[k]));
                len += strlen(after[k]);
                text[len++] = ' ';
            }
        }
    CHECK(len < cap);
    CHECK_EQ_INT(keys_not_as_utf8proc(text, len), 0);
    CHECK(toks.n > 500000);
    /* and the table is used: "Ærøskøbing Śląsk Ἀθῆναι Đà Nẵng Москва" */
    const char *s = "\xC3\x86r\xC3\xB8sk\xC3\xB8" "bing \xC5\x9Al\xC4\x85sk "
                    "\xE1\xBC\x88\xCE\xB8\xE1\xBF\x86\xCE\xBD\xCE\xB1\xCE\xB9 "
                    "\xC4\x90\xC3\xA0 N\xE1\xBA\xB5ng \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0";
    CHECK_EQ_STR(render(s), "0:13 word \xC3\xA6r\xC3\xB8sk\xC3\xB8" "bing | 14:21 word \xC5\x9Bl\xC4\x85sk"
                 " | 22:36 word \xE1\xBC\x80\xCE\xB8\xE1\xBF\x86\xCE\xBD\xCE\xB1\xCE\xB9"
                 " | 37:41 word \xC4\x91\xC3\xA0 | 42:48 word n\xE1\xBA\xB5ng"
                 " | 49:61 word \xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");
    free(text);
}

/* Pseudo-random bytes drawn from pieces that exercise every path: tokens
 * are ordered, non-empty, never overlap, keys are NUL-terminated, and every
 * uncovered ASCII byte is whitespace. */
static void test_random_bytes(void)
{
    static const char *const pieces[] = {
        "a", "Z", "0", "9", " ", "\n", "\r", "\t", ".", ",", "'", "-", "_", "@", "#", "*",
        "http://", "www.", "x@y.org", "\xE2\x80\x99", "\xE2\x80\x90", "\xEF\xB8\x8F",
        "\xE2\x80\x8D", "\xE2\x83\xA3", "\xF0\x9F\x91\x8D", "\xF0\x9F\x8F\xBD",
        "\xF0\x9F\x87\xB0", "\xE6\x9D\xB1", "\xE0\xB8\xB4", "\xCC\x81", "\xC3\x9F",
        "\xEF\xB7\xBA", "\x80", "\xC3", "\xE2\x82", "\xF0\x9F", "\xED\xA0\x80", "\xFF",
        "\xC2\xA0", "\xE2\x80\xA9", "U.", "No. ", "(", ")", "\xD9\xA1", "\xEF\xBC\xA8"
    };
    size_t np = sizeof pieces / sizeof pieces[0], cap = 1 << 20, len = 0;
    char *text = malloc(cap + 16);
    uint32_t seed = 12345;
    while (len < cap) {
        seed = seed * 1103515245u + 12345u;
        const char *p = pieces[(seed >> 16) % np];
        size_t n = p[0] ? strlen(p) : 1;
        memcpy(text + len, p, n);
        len += n;
    }
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(text, len, &toks, &err), 0);
    int ordered = 1, covered = 1, keys = 1;
    size_t at = 0;
    for (size_t i = 0; i < toks.n; i++) {
        const qr_token *t = &toks.v[i];
        if (t->end <= t->start || t->start < at || t->end > len)
            ordered = 0;
        for (size_t b = at; b < t->start && b < len; b++)
            if ((unsigned char)text[b] < 0x80 && !strchr(" \t\r\n\v\f", text[b]))
                covered = 0;
        if (qr_token_key(&toks, i)[t->key_len] != '\0')
            keys = 0;
        at = t->end;
    }
    CHECK(toks.n > 100000);
    CHECK(ordered);
    CHECK(covered);
    CHECK(keys);
    free(text);
}

/* Inputs that would take quadratic time with a naive scan or sort: a long
 * run of "ab." (each word is an e-mail candidate) and a word with 200,000
 * combining marks out of canonical order. */
static void test_linear_time(void)
{
    size_t reps = 200000, len = reps * 3;
    char *text = malloc(reps * 4 + 8);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * 3, "ab.", 3);
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(text, len, &toks, &err), 0);
    CHECK_EQ_INT(toks.n, 2 * reps);
    /* a + (U+0301 U+0323) x N: marks sorted by class, a + U+0323 composed */
    for (size_t pairs = 2000; pairs <= 100000; pairs += 98000) {
        len = 0;
        text[len++] = 'a';
        for (size_t i = 0; i < pairs; i++) {
            memcpy(text + len, "\xCC\x81\xCC\xA3", 4);
            len += 4;
        }
        CHECK_EQ_INT(qr_tokenize(text, len, &toks, &err), 0);
        CHECK_EQ_INT(toks.n, 1);
        CHECK_EQ_INT(toks.v[0].key_len, 3 + 2 * (2 * pairs - 1));
        const char *k = qr_token_key(&toks, 0);
        CHECK(memcmp(k, "\xE1\xBA\xA1\xCC\xA3", 5) == 0);                  /* ạ + dot below */
        CHECK(memcmp(k + toks.v[0].key_len - 2, "\xCC\x81", 2) == 0);       /* ... acute last */
        if (pairs == 2000) {
            utf8proc_uint8_t *want = NULL;
            utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len,
                                              &want, UTF8PROC_COMPOSE | UTF8PROC_COMPAT
                                              | UTF8PROC_CASEFOLD | UTF8PROC_STABLE);
            CHECK(n == (utf8proc_ssize_t)toks.v[0].key_len && memcmp(want, k, (size_t)n) == 0);
            free(want);
        }
    }
    free(text);
}

/* No shared mutable state: threads with their own qr_tokens get the same
 * tokens and keys as one thread alone. */
static const char *thread_text =
    "SEOUL, South Korea (AP) \xE2\x80\x94 North Korea\xE2\x80\x99s envoy told the U.N. on "
    "Tuesday that Dr. Kim\xE2\x80\x99s $1,000.00 plan (see https://un.org/x) was \xE2\x80\x9C"
    "Stra\xC3\x9F" "e\xE2\x80\x9D \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD #peace @un \xE6\x9D\xB1"
    "\xE4\xBA\xAC \xEF\xAC\x81ne caf\xE9 ok.\n\n";

typedef struct thread_job {
    const char *text;
    size_t len;
    const qr_tokens *want;
    int ok;
} thread_job;

static void *tokenize_thread(void *arg)
{
    thread_job *job = arg;
    qr_tokens mine;
    qr_tokens_init(&mine);
    qr_error err;
    job->ok = 1;
    for (int r = 0; r < 50 && job->ok; r++) {
        if (qr_tokenize(job->text, job->len, &mine, &err) != 0 || mine.n != job->want->n
            || mine.keys_len != job->want->keys_len
            || memcmp(mine.v, job->want->v, mine.n * sizeof *mine.v) != 0
            || memcmp(mine.keys, job->want->keys, mine.keys_len) != 0)
            job->ok = 0;
    }
    qr_tokens_free(&mine);
    return NULL;
}

static void test_threads(void)
{
    size_t unit = strlen(thread_text), reps = 2000, len = unit * reps;
    char *text = malloc(len);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * unit, thread_text, unit);
    qr_tokens want;
    qr_tokens_init(&want);
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(text, len, &want, &err), 0);
    CHECK(want.n > 40 * reps);
    pthread_t th[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){text, len, &want, 0};
        CHECK_EQ_INT(pthread_create(&th[i], NULL, tokenize_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok);
    }
    qr_tokens_free(&want);
    free(text);
}

/* 100 MB on one line: "Counterrevolutionaries' 10,000! " x 3,276,800. */
static void test_100mb_line(void)
{
    const char *unit = "Counterrevolutionaries' 10,000! ";
    size_t ulen = strlen(unit), reps = (100u << 20) / ulen, len = reps * ulen;
    CHECK_EQ_INT(ulen, 32);
    char *text = malloc(len);
    CHECK(text != NULL);
    if (!text)
        return;
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * ulen, unit, ulen);
    qr_error err;
    CHECK_EQ_INT(qr_tokenize(text, len, &toks, &err), 0);
    CHECK_EQ_INT(toks.n, reps * 4);
    const qr_token *last = &toks.v[toks.n - 1];
    CHECK_EQ_INT(last->start, len - 2);
    CHECK_EQ_INT(last->end, len - 1);
    CHECK_EQ_INT(last->kind, QR_TOK_PUNCT);
    const qr_token *num = &toks.v[toks.n - 2];
    CHECK_EQ_INT(num->start, len - 8);
    CHECK_EQ_INT(num->end, len - 2);
    CHECK_EQ_INT(num->kind, QR_TOK_NUMBER);
    CHECK_EQ_STR(qr_token_key(&toks, toks.n - 2), "10,000");
    const qr_token *word = &toks.v[toks.n - 4];
    CHECK_EQ_INT(word->start, len - 32);
    CHECK_EQ_STR(qr_token_key(&toks, toks.n - 4), "counterrevolutionaries");
    CHECK_EQ_INT(word->flags, QR_TF_SPACE_BEFORE | QR_TF_UPPER_INITIAL | QR_TF_ASCII);
    CHECK_EQ_INT(toks.v[toks.n - 3].kind, QR_TOK_PUNCT);   /* plural possessive ' */
    free(text);
}

static void test_normalize(void)
{
    char *out;
    size_t n;
    qr_error err;
    CHECK_EQ_INT(qr_norm_form_from_name("nfc"), QR_NORM_NFC);
    CHECK_EQ_INT(qr_norm_form_from_name("nfkc"), QR_NORM_NFKC);
    CHECK_EQ_INT(qr_norm_form_from_name("casefold"), QR_NORM_CASEFOLD);
    CHECK_EQ_INT(qr_norm_form_from_name("nfd"), -1);
    CHECK_EQ_INT(qr_normalize("A\xCC\x8A \xEF\xAC\x81", 7, QR_NORM_NFC, &out, &n, &err), 0);
    CHECK_EQ_STR(out, "\xC3\x85 \xEF\xAC\x81");     /* Å composed, ﬁ kept */
    CHECK_EQ_INT(n, 6);
    free(out);
    CHECK_EQ_INT(qr_normalize("A\xCC\x8A \xEF\xAC\x81", 7, QR_NORM_NFKC, &out, &n, &err), 0);
    CHECK_EQ_STR(out, "\xC3\x85 fi");
    free(out);
    CHECK_EQ_INT(qr_normalize("Stra\xC3\x9F" "e \xEF\xBC\xA8", 11, QR_NORM_CASEFOLD, &out, &n,
                              &err), 0);
    CHECK_EQ_STR(out, "strasse h");
    free(out);
    CHECK_EQ_INT(qr_normalize("a\0b", 3, QR_NORM_NFC, &out, &n, &err), 0);
    CHECK_EQ_INT(n, 3);
    CHECK(memcmp(out, "a\0b", 3) == 0);
    free(out);
    CHECK_EQ_INT(qr_normalize("", 0, QR_NORM_NFKC, &out, &n, &err), 0);
    CHECK_EQ_INT(n, 0);
    free(out);
    CHECK_EQ_INT(qr_normalize("ok \xFF", 4, QR_NORM_NFC, &out, &n, &err), -1);
    CHECK(out == NULL);
    CHECK_EQ_INT(err.offset, 3);
    CHECK_EQ_STR(err.message, "invalid UTF-8 at byte 3 (0xFF); repair the text first "
                              "(readers do it, or replace the byte with U+FFFD)");
}

int main(void)
{
    qr_tokens_init(&toks);
    test_words();
    test_possessive();
    test_abbreviations();
    test_numbers();
    test_urls_emails();
    test_tags();
    test_emoji();
    test_scripts();
    test_keys();
    test_keys_match_utf8proc();
    test_keys_of_letter_pairs();
    test_invalid_utf8();
    test_empty_and_nul();
    test_punct();
    test_flags();
    test_misc();
    test_random_bytes();
    test_threads();
    test_linear_time();
    test_100mb_line();
    test_normalize();
    qr_tokens_free(&toks);
    qr_tokens_free(&toks);      /* safe twice */
    return DONE("tokenize");
}
