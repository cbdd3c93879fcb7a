/*
 * creds_net.h: the credential sources reached over HTTP (SPEC section 5,
 * steps 3 to 5, and a web identity profile): STS
 * AssumeRoleWithWebIdentity, the container endpoints (ECS, EKS Pod
 * Identity) and EC2's IMDSv2; and IMDS's region. creds.h describes each
 * source's settings and rules; this is how they are fetched.
 *
 * Each request goes on a new connection of http.c with a short time-out,
 * through no proxy but for STS (the metadata services are link-local).
 * Network failures are S3P_ENET, refusals S3P_EREFUSED, malformed answers
 * S3P_ESERVER; the secret key, the session token and the web identity
 * token never appear in a message nor in a log line.
 *
 * Used by creds.c (the chain); public for tests/tool_creds.c
 * (creds_imds_region), which t_creds_network.sh runs against
 * tests/creds_server.py.
 */
#ifndef S3PUB_CREDS_NET_H
#define S3PUB_CREDS_NET_H

#include <stddef.h>

#include "creds.h"
#include "err.h"

/*
 * STS AssumeRoleWithWebIdentity at `url` (https://sts.REGION.amazonaws.com
 * or AWS_ENDPOINT_URL_STS: creds.c chooses), for `role_arn`, with the
 * token read from `token_file` (trimmed); `session_name` NULL or "" gives
 * "s3pub-session-TIME". An unsigned form POST, 10 s, one attempt. Fills
 * `c` (not its source) and returns 0; -1 with err set, `c` zeroed. STS's
 * own refusal (<ErrorResponse>) is S3P_EREFUSED with its Code and Message.
 */
int creds_sts_assume(creds_ctx *cx, const char *url, const char *role_arn,
    const char *token_file, const char *session_name, creds *c,
    s3p_err *err);

/*
 * The container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 * _FULL_URI, creds.h step 4). Returns 1 with `c` filled (not its source),
 * 0 when neither variable is set, -1 with err set.
 */
int creds_container(creds_ctx *cx, creds *c, s3p_err *err);

/*
 * EC2 IMDSv2 (creds.h step 5): token, role list, the first role's
 * credentials. Returns 1 with `c` filled (not its source); 0 when IMDS is
 * disabled, unreachable, IMDSv1 only or without a role, with `why`
 * ("IMDS (disabled)" ...) for the chain's "looked in" list; -1 with err
 * set.
 */
int creds_imds(creds_ctx *cx, creds *c, char *why, size_t whysz,
    s3p_err *err);

/*
 * The region from IMDSv2 (/latest/meta-data/placement/region), the last
 * region source: call it only when no other gives one. Same settings and
 * time-outs as the IMDS credential source. Returns 1 with the region, 0
 * when IMDS is disabled or unreachable (not an error: the caller falls
 * back to us-east-1), -1 with err set on a malformed answer.
 */
int creds_imds_region(creds_ctx *cx, char *out, size_t outsz, s3p_err *err);

#endif
