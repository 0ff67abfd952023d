/* jwt.c: HS256 access tokens (RFC 7519, RFC 8725, RFC 9068).
 *
 * Verification order: the shape of the compact form (three non-empty
 * base64url parts, bounded length), then the MAC over the first two parts in
 * constant time, and only then any parsing of header and claims. Nothing an
 * outsider sends reaches json-c without a valid MAC. */
#include "jwt.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "jsonv.h"
#include "pool.h"
#include "token.h"
#include "valid.h"

#define JWT_MAX_LEN 4096                /* bytes in a compact token */
#define JWT_MAX_LIFETIME 86400          /* exp - iat, seconds */
#define JWT_TIME_MAX INT64_C(253402300799)  /* 9999-12-31T23:59:59Z */
#define JWT_JTI_MAX 64
#define JWT_MAX_JSON_DEPTH 32           /* nesting of a header or claims object */
#define B64URL_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define TO_STRING (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* base64url of {"alg":"HS256","typ":"at+jwt"} */
static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9";

static const char *const tiers[] = { "free", "pro", NULL };
static const char *const roles[] = { "user", "admin", NULL };

static const char *
config_str(const char *key)
{
	const char *v = config_get(key);

	return v ? v : "";
}

/* HMAC-SHA256 of in under key. The state after the key's two pad blocks is
 * kept for the last key used, so each token costs only its own blocks. */
static void
mac_of(const unsigned char key[TOKEN_KEY_BYTES], const unsigned char *in, size_t n,
       unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	static unsigned char cached_key[TOKEN_KEY_BYTES];
	static crypto_auth_hmacsha256_state keyed;
	static int have_keyed;
	crypto_auth_hmacsha256_state st;

	if (!have_keyed || sodium_memcmp(key, cached_key, TOKEN_KEY_BYTES) != 0) {
		crypto_auth_hmacsha256_init(&keyed, key, TOKEN_KEY_BYTES);
		memcpy(cached_key, key, TOKEN_KEY_BYTES);
		have_keyed = 1;
	}
	st = keyed;
	crypto_auth_hmacsha256_update(&st, in, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

char *
jwt_sign(struct pool *p, const struct jwt_claims *c)
{
	unsigned char key[TOKEN_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	json_object *o;
	const char *payload;
	size_t plen;
	char *input;

	assert(c != NULL && c->tier != NULL && c->role != NULL);
	if (token_subkey("jwt", key) != 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "iss", json_object_new_string(config_str("JWT_ISSUER")));
	json_object_object_add(o, "aud", json_object_new_string(config_str("JWT_AUDIENCE")));
	json_object_object_add(o, "sub",
	    json_object_new_string(pool_printf(p, "%" PRId64, c->sub)));
	json_object_object_add(o, "iat", json_object_new_int64(c->iat));
	json_object_object_add(o, "nbf", json_object_new_int64(c->nbf));
	json_object_object_add(o, "exp", json_object_new_int64(c->exp));
	json_object_object_add(o, "jti",
	    json_object_new_string(c->jti ? c->jti : token_new(p, NULL, 16)));
	json_object_object_add(o, "tier", json_object_new_string(c->tier));
	json_object_object_add(o, "role", json_object_new_string(c->role));
	json_object_object_add(o, "gen", json_object_new_int64(c->gen));
	payload = json_object_to_json_string_length(o, TO_STRING, &plen);
	input = pool_printf(p, "%s.%s", header_b64,
	    token_b64url(p, (const unsigned char *)payload, plen));
	json_object_put(o);
	mac_of(key, (const unsigned char *)input, strlen(input), mac);
	sodium_memzero(key, sizeof(key));
	return pool_printf(p, "%s.%s", input, token_b64url(p, mac, sizeof(mac)));
}

/* Decode one part and parse it as a strict JSON object (pool-owned), or NULL. */
static json_object *
part_json(struct pool *p, const char *s, size_t len)
{
	const char *ignored;
	unsigned char *bin;
	size_t n;

	bin = token_b64url_decode(p, s, len, &n);
	if (bin == NULL)
		return NULL;
	return jsonv_parse(p, (const char *)bin, n, JWT_MAX_JSON_DEPTH, &ignored);
}

/* NULL when the header is exactly alg HS256 and typ at+jwt, else why not. */
static const char *
check_header(json_object *h)
{
	json_object *v;
	const char *typ;

	if (!json_object_object_get_ex(h, "alg", &v) || !json_object_is_type(v, json_type_string))
		return "header has no alg";
	if (strcmp(json_object_get_string(v), "HS256") != 0)
		return "alg is not HS256";
	if (!json_object_object_get_ex(h, "typ", &v) || !json_object_is_type(v, json_type_string))
		return "header has no typ";
	typ = json_object_get_string(v);
	if (strcasecmp(typ, "at+jwt") != 0 && strcasecmp(typ, "application/at+jwt") != 0)
		return "typ is not at+jwt";
	if (json_object_object_length(h) != 2)
		return "unexpected header parameter";
	return NULL;
}

static const char *
claim_str(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* 0 with *out when claim name is a JSON integer in [min, max], else -1. */
static int
claim_int(json_object *o, const char *name, int64_t min, int64_t max, int64_t *out)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* 1 when aud is our audience or an array that contains it. */
static int
aud_ok(json_object *o)
{
	const char *want = config_str("JWT_AUDIENCE");
	json_object *v, *e;
	size_t i, n;

	if (!json_object_object_get_ex(o, "aud", &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), want) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), want) == 0)
			return 1;
	}
	return 0;
}

/* NULL with *c filled when the claims hold at time now, else why not. */
static const char *
check_claims(struct pool *p, json_object *o, int64_t now, struct jwt_claims *c)
{
	const char *s;
	int i;

	s = claim_str(o, "iss");
	if (s == NULL || strcmp(s, config_str("JWT_ISSUER")) != 0)
		return "wrong iss";
	if (!aud_ok(o))
		return "wrong aud";
	if (valid_i64(claim_str(o, "sub"), 1, INT64_MAX, &c->sub) != 0)
		return "sub is not a user id";
	if (claim_int(o, "iat", 0, JWT_TIME_MAX, &c->iat) != 0 ||
	    claim_int(o, "nbf", 0, JWT_TIME_MAX, &c->nbf) != 0 ||
	    claim_int(o, "exp", 0, JWT_TIME_MAX, &c->exp) != 0)
		return "bad iat, nbf or exp";
	if (c->exp + JWT_LEEWAY <= now)
		return "expired";
	if (c->nbf - JWT_LEEWAY > now)
		return "not yet valid";
	if (c->iat - JWT_LEEWAY > now)
		return "issued in the future";
	if (c->exp <= c->iat || c->exp - c->iat > JWT_MAX_LIFETIME)
		return "bad lifetime";
	s = claim_str(o, "jti");
	if (s == NULL || *s == '\0' || strlen(s) > JWT_JTI_MAX ||
	    strspn(s, B64URL_CHARS) != strlen(s))
		return "bad jti";
	c->jti = pool_strdup(p, s);
	if ((i = valid_enum(claim_str(o, "tier"), tiers)) < 0)
		return "bad tier";
	c->tier = tiers[i];
	if ((i = valid_enum(claim_str(o, "role"), roles)) < 0)
		return "bad role";
	c->role = roles[i];
	if (claim_int(o, "gen", 1, INT64_MAX, &c->gen) != 0)
		return "bad gen";
	return NULL;
}

int
jwt_verify(struct pool *p, const char *token, int64_t now, struct jwt_claims *out,
           const char **why)
{
	unsigned char key[TOKEN_KEY_BYTES], expect[crypto_auth_hmacsha256_BYTES];
	const unsigned char *mac;
	const char *dot1, *dot2, *unused;
	struct jwt_claims c;
	json_object *o;
	size_t len, n;
	int bad;

	if (why == NULL)
		why = &unused;
	if (token == NULL) {
		*why = "no token";
		return -1;
	}
	len = strnlen(token, JWT_MAX_LEN + 1);
	*why = "token too long";
	if (len > JWT_MAX_LEN)
		return -1;
	*why = "not a compact JWS";
	if (strspn(token, B64URL_CHARS ".") != len || (dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL || strchr(dot2 + 1, '.') != NULL ||
	    dot1 == token || dot2 == dot1 + 1 || dot2[1] == '\0')
		return -1;
	*why = "bad signature encoding";
	mac = token_b64url_decode(p, dot2 + 1, len - (size_t)(dot2 + 1 - token), &n);
	if (mac == NULL || n != crypto_auth_hmacsha256_BYTES)
		return -1;
	*why = "no signing key";
	if (token_subkey("jwt", key) != 0)
		return -1;
	mac_of(key, (const unsigned char *)token, (size_t)(dot2 - token), expect);
	bad = crypto_verify_32(mac, expect);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(expect, sizeof(expect));
	*why = "bad signature";
	if (bad)
		return -1;

	/* our own header, byte for byte, needs no parsing */
	if ((size_t)(dot1 - token) != sizeof(header_b64) - 1 ||
	    memcmp(token, header_b64, sizeof(header_b64) - 1) != 0) {
		*why = "header is not a JSON object";
		if ((o = part_json(p, token, (size_t)(dot1 - token))) == NULL)
			return -1;
		if ((*why = check_header(o)) != NULL)
			return -1;
	}
	*why = "claims are not a JSON object";
	if ((o = part_json(p, dot1 + 1, (size_t)(dot2 - dot1 - 1))) == NULL)
		return -1;
	memset(&c, 0, sizeof(c));
	if ((*why = check_claims(p, o, now, &c)) != NULL)
		return -1;
	if (out != NULL)
		*out = c;
	return 0;
}
