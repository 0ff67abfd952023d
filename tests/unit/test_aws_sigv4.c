/* test_aws_sigv4.c: the signer against AWS's published Signature V4
 * vectors: the aws-sig-v4-test-suite (get-vanilla, get-vanilla-query-order-
 * key-case, post-vanilla) and the S3 API reference's worked examples (GET
 * object with a range, PUT object with an escaped key, GET ?lifecycle). */
#include "unit.h"

#include <sodium.h>
#include <string.h>

#include "aws_sigv4.h"

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct sigv4_scope suite = {
	"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service",
	"20150830T123600Z"
};
static const struct sigv4_scope s3doc = {
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3",
	"20130524T000000Z"
};

static struct sigv4_result
sign(const struct sigv4_scope *s, const char *method, const char *path, const char *query,
     const char *const *headers, const char *payload)
{
	struct sigv4_request r = { method, path, query, headers, payload };
	struct sigv4_result out;

	sigv4_sign(pool, &r, s, &out);
	return out;
}

static void
test_suite_vectors(void **state)
{
	const char *h[] = { "Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z",
	                    NULL };
	struct sigv4_result r;

	(void)state;
	r = sign(&suite, "GET", "/", "", h, EMPTY);
	assert_string_equal(r.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\n"
	                    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY);
	assert_string_equal(r.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
	                    "20150830/us-east-1/service/aws4_request\n"
	                    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
	assert_string_equal(r.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
	                    "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
	                    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	r = sign(&suite, "GET", "/", "Param2=value2&Param1=value1", h, EMPTY);
	assert_string_equal(r.signature,
	                    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
	r = sign(&suite, "POST", "/", "", h, EMPTY);
	assert_string_equal(r.signature,
	                    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

static void
test_s3_examples(void **state)
{
	const char *get[] = { "Host", "examplebucket.s3.amazonaws.com", "Range", "bytes=0-9",
	                      "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z",
	                      NULL };
	const char *body = "Welcome to Amazon S3.";
	char body_hash[65];
	unsigned char h[32];
	const char *put[] = { "Date", "Fri, 24 May 2013 00:00:00 GMT",
	                      "Host", "examplebucket.s3.amazonaws.com",
	                      "x-amz-content-sha256", body_hash, "x-amz-date", "20130524T000000Z",
	                      "x-amz-storage-class", "REDUCED_REDUNDANCY", NULL };
	const char *life[] = { "Host", "examplebucket.s3.amazonaws.com",
	                       "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z",
	                       NULL };
	struct sigv4_result r;

	(void)state;
	r = sign(&s3doc, "GET", "/test.txt", "", get, EMPTY);
	assert_string_equal(r.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
	assert_non_null(strstr(r.string_to_sign,
	                "\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
	assert_string_equal(r.signature,
	                    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

	crypto_hash_sha256(h, (const unsigned char *)body, strlen(body));
	sodium_bin2hex(body_hash, sizeof(body_hash), h, sizeof(h));
	assert_string_equal(body_hash,
	                    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	r = sign(&s3doc, "PUT", sigv4_uri_encode(pool, "/test$file.text", 1), "", put, body_hash);
	assert_string_equal(r.signed_headers,
	                    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
	assert_non_null(strstr(r.canonical_request, "PUT\n/test%24file.text\n"));
	assert_string_equal(r.signature,
	                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");

	r = sign(&s3doc, "GET", "/", "lifecycle", life, EMPTY);
	assert_non_null(strstr(r.canonical_request, "GET\n/\nlifecycle=\n"));
	assert_string_equal(r.signature,
	                    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

static void
test_uri_encode(void **state)
{
	(void)state;
	assert_string_equal(sigv4_uri_encode(pool, "a b*(c)~-_./x", 0), "a%20b%2A%28c%29~-_.%2Fx");
	assert_string_equal(sigv4_uri_encode(pool, "/bk/edgescout/x y", 1), "/bk/edgescout/x%20y");
	assert_string_equal(sigv4_uri_encode(pool, "\xc3\xa9", 0), "%C3%A9");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_vectors),
		cmocka_unit_test(test_s3_examples),
		cmocka_unit_test(test_uri_encode),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
