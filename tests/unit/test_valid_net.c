/* test_valid_net.c: the e-mail address and URL validators of
 * common/base/valid.h (valid_net.c). */
#include "unit.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "valid.h"
#include "valid_cases.h"

/* ---- e-mail ---- */

static void
test_email(void **state)
{
	static const struct str_case cases[] = {
		{ "a@b.co", 1 },
		{ "user@example.com", 1 },
		{ "first.last@example.co.uk", 1 },
		{ "user+tag@sub.example.org", 1 },
		{ "o'brien@example.ie", 1 },
		{ "x_y-z@ex-ample.io", 1 },
		{ "!#$%&'*+-/=?^_`{|}~@example.com", 1 },
		{ "USER@EXAMPLE.COM", 1 },
		{ "a@xn--bcher-kva.example", 1 },
		{ "a@1.example.com", 1 },
		{ "", 0 },
		{ "a", 0 },
		{ "a@b", 0 },                     /* no dot */
		{ "a@com", 0 },
		{ "@x.io", 0 },
		{ "a@", 0 },
		{ "a@@x.io", 0 },
		{ "a@b@x.io", 0 },
		{ "a..b@c.de", 0 },
		{ ".a@c.de", 0 },
		{ "a.@c.de", 0 },
		{ "a@-x.io", 0 },
		{ "a@x-.io", 0 },
		{ "a@x..io", 0 },
		{ "a@.x.io", 0 },
		{ "a@x.io.", 0 },
		{ "a@x.i", 0 },                   /* one-letter TLD */
		{ "a@x.123", 0 },                 /* numeric TLD */
		{ "a@x.c0m", 0 },
		{ "a@[1.2.3.4]", 0 },
		{ "a@1.2.3.4", 0 },
		{ "a b@x.io", 0 },
		{ " a@x.io", 0 },
		{ "a@x.io ", 0 },
		{ "a@x.io\n", 0 },
		{ "\"a\"@x.io", 0 },
		{ "a(b)@x.io", 0 },
		{ "a,b@x.io", 0 },
		{ "a@x_y.io", 0 },
		{ "j\xc3\xb6rg@example.de", 0 },    /* non-ASCII local part */
		{ "a@b\xc3\xbc" "cher.de", 0 },     /* non-ASCII domain */
		{ "a@x.io<script>", 0 },
	};
	char buf[400];
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++)
		check_bool("valid_email", cases[i].s, valid_email(cases[i].s),
		    cases[i].ok);
	assert_int_equal(valid_email(NULL), 0);

	/* local part: 64 ok, 65 not */
	repeat(buf, 'a', 64);
	strcpy(buf + 64, "@x.io");
	assert_int_equal(valid_email(buf), 1);
	repeat(buf, 'a', 65);
	strcpy(buf + 65, "@x.io");
	assert_int_equal(valid_email(buf), 0);

	/* label: 63 ok, 64 not */
	strcpy(buf, "a@");
	repeat(buf + 2, 'b', 63);
	strcat(buf, ".io");
	assert_int_equal(valid_email(buf), 1);
	strcpy(buf, "a@");
	repeat(buf + 2, 'b', 64);
	strcat(buf, ".io");
	assert_int_equal(valid_email(buf), 0);

	/* total: 254 ok, 255 not (labels of 49 + '.' = 50 bytes each) */
	strcpy(buf, "a@");
	for (int i = 0; i < 4; i++) {
		repeat(buf + strlen(buf), 'd', 49);
		strcat(buf, ".");
	}
	strcat(buf, "example.co");                 /* 2 + 200 + 10 + ... */
	while (strlen(buf) < 254) {
		memmove(buf + 1, buf, strlen(buf) + 1); /* grow the local part */
		buf[0] = 'a';
	}
	assert_int_equal(strlen(buf), 254);
	assert_int_equal(valid_email(buf), 1);
	memmove(buf + 1, buf, strlen(buf) + 1);
	buf[0] = 'a';
	assert_int_equal(valid_email(buf), 0);

	/* very long input */
	repeat(buf, 'a', 399);
	buf[100] = '@';
	assert_int_equal(valid_email(buf), 0);
}

/* ---- URL ---- */

static void
test_url(void **state)
{
	static const struct str_case cases[] = {
		{ "http://example.com", 1 },
		{ "https://example.com", 1 },
		{ "https://example.com/", 1 },
		{ "https://example.com/a/b?c=d&e=f#frag", 1 },
		{ "https://example.com?x=1", 1 },
		{ "https://example.com#top", 1 },
		{ "https://sub.example.co.uk:8443/path", 1 },
		{ "http://localhost:8080/hook", 1 },
		{ "http://127.0.0.1/", 1 },
		{ "http://255.255.255.255:1", 1 },
		{ "http://[::1]:8443/x", 1 },
		{ "http://[::1]", 1 },
		{ "http://[2001:db8::8a2e:370:7334]/", 1 },
		{ "http://[2001:db8:0:0:0:0:2:1]/", 1 },
		{ "http://[::ffff:192.0.2.1]/", 1 },
		{ "http://[::]/", 1 },
		{ "http://[fe80::]/", 1 },
		{ "https://example.com:65535/", 1 },
		{ "https://example.com:1", 1 },
		{ "HTTPS://Example.COM/", 1 },
		{ "https://example.com/a%20b/%C3%A9", 1 },
		{ "https://example.com/@user/~x;p=1,2(3)*!$'+", 1 },
		{ "https://example.com/?q=a:b@c/d?e", 1 },
		{ "https://xn--bcher-kva.example/", 1 },
		{ "https://a-b.c-d.example/", 1 },
		{ "", 0 },
		{ "http://", 0 },
		{ "https://", 0 },
		{ "http:///path", 0 },
		{ "http:example.com", 0 },
		{ "//example.com", 0 },
		{ "example.com", 0 },
		{ "ftp://example.com", 0 },
		{ "file:///etc/passwd", 0 },
		{ "javascript:alert(1)", 0 },
		{ "data:text/html,<script>", 0 },
		{ "httpx://example.com", 0 },
		{ "http:/example.com", 0 },
		{ "http://user:pass@host.com", 0 },
		{ "http://user@host.com", 0 },
		{ "http://@host.com", 0 },
		{ "http://evil.com\\@good.com", 0 },
		{ "http://good.com#@evil.com", 1 },   /* '@' in the fragment only */
		{ "https://exa mple.com", 0 },
		{ " https://example.com", 0 },
		{ "https://example.com ", 0 },
		{ "https://example.com/a b", 0 },
		{ "https://example.com/\ta", 0 },
		{ "https://example.com/\n", 0 },
		{ "https://example.com/\x7f", 0 },
		{ "https://example.com/\xc3\xa9", 0 },
		{ "https://ex\xc3\xa4mple.com/", 0 },
		{ "https://example.com/<script>", 0 },
		{ "https://example.com/\"x\"", 0 },
		{ "https://example.com/a\\b", 0 },
		{ "https://example.com/{x}", 0 },
		{ "https://example.com/%", 0 },
		{ "https://example.com/%2", 0 },
		{ "https://example.com/%zz", 0 },
		{ "https://example.com/%2g", 0 },
		{ "https://example.com/%g2", 0 },
		{ "https://example.com/#a#b", 0 },
		{ "http://example.com:0/", 0 },
		{ "http://example.com:65536/", 0 },
		{ "http://example.com:99999/", 0 },
		{ "http://example.com:080/", 0 },
		{ "http://example.com:/", 0 },
		{ "http://example.com:8a/", 0 },
		{ "http://example.com:-1/", 0 },
		{ "http://example.com:1:2/", 0 },
		{ "http://:80/", 0 },
		{ "http://-example.com/", 0 },
		{ "http://example-.com/", 0 },
		{ "http://exa_mple.com/", 0 },
		{ "http://example..com/", 0 },
		{ "http://.example.com/", 0 },
		{ "http://example.com./", 0 },
		{ "http://256.1.1.1/", 0 },
		{ "http://1.2.3/", 0 },
		{ "http://1.2.3.4.5/", 0 },
		{ "http://01.2.3.4/", 0 },
		{ "http://2130706433/", 0 },          /* 127.0.0.1 as one number */
		{ "http://0x7f.0.0.1/", 0 },
		{ "http://0x7f000001/", 0 },
		{ "http://example.0x1f/", 0 },
		{ "http://example.123/", 0 },
		{ "http://[::1/", 0 },
		{ "http://::1/", 0 },
		{ "http://[::1]x/", 0 },
		{ "http://[::1]]/", 0 },
		{ "http://[]/", 0 },
		{ "http://[1:2:3:4:5:6:7]/", 0 },
		{ "http://[1:2:3:4:5:6:7:8:9]/", 0 },
		{ "http://[1:2:3:4:5:6:7:8::]/", 0 },
		{ "http://[1::2::3]/", 0 },
		{ "http://[:1]/", 0 },
		{ "http://[1:]/", 0 },
		{ "http://[:::]/", 0 },
		{ "http://[12345::]/", 0 },
		{ "http://[g::]/", 0 },
		{ "http://[::1%25eth0]/", 0 },
		{ "http://[v1.x]/", 0 },
		{ "http://[::1.2.3]/", 0 },
		{ "http://[::1.2.3.4:5]/", 0 },
		{ "http://[1.2.3.4]/", 0 },
		{ "http://[::1]:0/", 0 },
		{ "http://[::1]:65536/", 0 },
	};
	char buf[2100];
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++)
		check_bool("valid_url", cases[i].s, valid_url(cases[i].s, 0),
		    cases[i].ok);
	assert_int_equal(valid_url(NULL, 0), 0);
	assert_int_equal(valid_url(NULL, 1), 0);

	/* https_only */
	assert_int_equal(valid_url("https://example.com/", 1), 1);
	assert_int_equal(valid_url("HTTPS://example.com/", 1), 1);
	assert_int_equal(valid_url("http://example.com/", 1), 0);
	assert_int_equal(valid_url("http://[::1]/", 1), 0);

	/* 2048 bytes ok, 2049 not */
	strcpy(buf, "https://example.com/");
	repeat(buf + strlen(buf), 'a', 2048 - strlen(buf));
	assert_int_equal(strlen(buf), 2048);
	assert_int_equal(valid_url(buf, 1), 1);
	strcat(buf, "a");
	assert_int_equal(valid_url(buf, 1), 0);

	/* host length: 253 ok, 254 not; label 63 ok, 64 not */
	strcpy(buf, "https://");
	for (int i = 0; i < 3; i++) {
		repeat(buf + strlen(buf), 'h', 63);
		strcat(buf, ".");
	}
	repeat(buf + strlen(buf), 'h', 61);              /* 3 * 64 + 61 = 253 */
	assert_int_equal(valid_url(buf, 1), 1);
	strcat(buf, "h");
	assert_int_equal(valid_url(buf, 1), 0);
	strcpy(buf, "https://");
	repeat(buf + 8, 'h', 63);
	assert_int_equal(valid_url(buf, 1), 1);
	repeat(buf + 8, 'h', 64);
	assert_int_equal(valid_url(buf, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
