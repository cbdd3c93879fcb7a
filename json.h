/*
 * json.h: a small, strict JSON reader (RFC 8259) that never allocates.
 *
 * Used for --spec files in JSON, and for the credential documents of SPEC
 * section 5 (credential_process output, container and IMDS credentials:
 * AccessKeyId, SecretAccessKey, Token/SessionToken, Expiration).
 *
 * The document stays in the caller's buffer; a json_val is a typed span of
 * it (no copy, no pointer kept anywhere else). Functions walk the text on
 * demand and check it as they go, so none trusts its input: each returns
 * -1 on malformed text, whatever it was given. Nesting deeper than
 * JSON_MAX_DEPTH is malformed (bounded recursion on hostile input).
 *
 * Strict means: one value with optional white space around it; no comments,
 * trailing commas, single quotes, leading zeros, "+1", ".5", "1.", NaN;
 * strings hold valid UTF-8 only (no overlong forms, surrogates or code
 * points past U+10FFFF), no raw control bytes, only the RFC escapes, and a
 * \uD800-\uDFFF escape must be a proper high+low surrogate pair.
 *
 *   json_check        validates a whole document; says where it failed.
 *   json_root         the document's one value (checks the whole document).
 *   json_get          a member of an object, by a path of keys compared
 *                     case-insensitively (ASCII); the first match wins.
 *   json_next         iterates over an object's members or an array's items.
 *   json_string       unescapes a string value (or key) into a buffer:
 *                     \uXXXX and surrogate pairs to UTF-8.
 *   json_key_is       compares an (escaped) key to a name, case-insensitive.
 *   json_int64        an integer number value.
 */
#ifndef S3PUB_JSON_H
#define S3PUB_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

enum {
	JSON_NONE = 0, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER,
	JSON_TRUE, JSON_FALSE, JSON_NULL
};

/* A value: its type and its text [p, p+len) in the document (strings
 * include their quotes). */
typedef struct {
	int type;
	const char *p;
	size_t len;
} json_val;

/* An iteration over an object or array: set pos to 0 to start. */
typedef struct {
	size_t pos;
} json_iter;

/*
 * Validates the document s[0, n). Returns 0 when it is one well-formed
 * value; else -1, with *off (if not NULL) the byte offset of the fault and
 * *why (if not NULL) a static phrase saying what is wrong.
 */
int json_check(const char *s, size_t n, size_t *off, const char **why);

/* The document's value after json_check(); -1 if malformed. */
int json_root(const char *s, size_t n, json_val *out);

/*
 * Looks up path[0], then path[1] inside it, ... (npath keys, each compared
 * case-insensitively in ASCII after unescaping) starting at `obj`, which
 * must be an object. Returns 1 found (*out set), 0 not found (or a step is
 * not an object), -1 malformed.
 */
int json_get(const json_val *obj, const char *const *path, size_t npath,
    json_val *out);

/*
 * Next member of an object (key set, a JSON_STRING) or item of an array
 * (key may be NULL; it is left with type JSON_NONE). Returns 1 with a
 * member, 0 at the end, -1 malformed.
 */
int json_next(const json_val *container, json_iter *it, json_val *key,
    json_val *val);

/*
 * Unescapes a JSON_STRING into out (NUL-terminated). Returns the length,
 * or -1 when v is not a well-formed string, when it would not fit in outsz
 * (outsz counts the NUL), or when it holds "\u0000" and nul_ok is 0 (a
 * NUL would cut the string short in C).
 */
long json_string(const json_val *v, char *out, size_t outsz, int nul_ok);

/* 1 when the string value `key` unescapes to `name`, ASCII case-folded. */
int json_key_is(const json_val *key, const char *name);

/* An integer JSON_NUMBER (no fraction, no exponent) that fits in int64:
 * 0, else -1. */
int json_int64(const json_val *v, int64_t *out);

/*
 * UTF-8 helpers, shared with target.c. json_utf8_seq: the length (1-4) of the
 * well-formed UTF-8 sequence at p (at most n bytes), 0 when it is not one
 * (RFC 3629: no overlong forms, surrogates, or code points past U+10FFFF).
 * json_utf8_put: encodes cp into out, returns 1-4, or 0 for a surrogate or
 * a value past U+10FFFF.
 */
int json_utf8_seq(const unsigned char *p, size_t n);
int json_utf8_put(uint32_t cp, char out[4]);

/* The value of `digits` (at most 8) hex digits at p, either case, in *out:
 * 0, or -1 when one is not a hex digit. Shared with target.c. */
int json_hex(const char *p, int digits, uint32_t *out);

#endif
