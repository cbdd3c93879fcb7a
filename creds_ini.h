/*
 * creds_ini.h: the AWS config and credentials files' INI syntax, read as
 * botocore reads it (Python's configparser.RawConfigParser), from text in
 * memory: no I/O, no state kept between calls.
 *
 *   - a line whose first non-blank character is '#' or ';' is a comment;
 *     there are NO inline comments: "region = us-east-1 # x" has the value
 *     "us-east-1 # x", exactly as the AWS CLI sees it;
 *   - "key = value" or "key: value" (the first '=' or ':' splits), blanks
 *     around both trimmed; keys are case-insensitive (lower-cased), section
 *     names and values are not;
 *   - a line indented deeper than its key's line continues the value; a
 *     key with an empty value followed by such lines is a sub-section
 *     ("s3 =" then "  endpoint_url = ..."), its keys split on the first '='
 *     and kept in their case;
 *   - keys of a [DEFAULT] section apply to every section;
 *   - CR LF and lone CR end lines too; a UTF-8 byte-order mark is skipped.
 * Errors, "FILE:LINE: what" with S3P_EUSAGE: a section header without its
 * ']', a key before any section, a line that is neither comment, header
 * nor key, a sub-section line without '=', bytes that are not text (NUL and
 * other control characters, invalid UTF-8), a key repeated within a
 * section, a section header repeated (configparser's strict mode: anywhere
 * in the file, whichever profile is read).
 *
 * Used by creds.c (the profile files); public for tests/test_creds_ini.c
 * and tests/fuzz/fuzz_ini.c. (tests/t_creds_ini.sh compares it with
 * botocore itself through creds_profile_value.)
 */
#ifndef S3PUB_CREDS_INI_H
#define S3PUB_CREDS_INI_H

#include <stddef.h>

#include "err.h"

/*
 * Looks up `key` (and `sub`, as creds_profile_value) in the section
 * named exactly `section` of INI text `buf` (`len` bytes; NULs are
 * rejected as binary), checking the whole text as described above; `name`
 * names the file in messages. Returns 1 found, 0 absent, -1 with err set.
 * "key =" with nothing after it is found, with the value "" (botocore's
 * empty string: in the credentials file it hides the config file's value;
 * creds_profile_value() then says absent).
 * `*section_found` (may be NULL) is set to 1 when the section exists.
 * `config_style` 1 matches "[profile NAME]" (and "[default]" for
 * "default") as the config file does; 2 matches "[services NAME]" (the
 * config file's service settings); 0 matches "[NAME]" only.
 * Works in one allocation (a hash set of the text's sections and keys,
 * freed before returning).
 */
int creds_ini_lookup(const char *buf, size_t len, const char *name,
    const char *section, int config_style, const char *sub, const char *key,
    char *out, size_t outsz, int *section_found, s3p_err *err);

#endif
