/*
 * creds_net.c: the credential sources over HTTP. See creds_net.h.
 *
 * Layout: one exchange with a short time-out (net_do, over http.c, into
 * a memory buffer); the metadata services' settings; STS; containers;
 * IMDSv2.
 */
#include "creds_net.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "creds_io.h"
#include "creds_parse.h"
#include "fmt.h"
#include "http.h"
#include "text.h"

#define TOKEN_FILE_MAX (16u << 10)  /* web identity token */
#define BODY_MAX      (64u << 10)   /* metadata / STS answer */

/* ------------------------------------------------------------------ */
/* one HTTP exchange with a short time-out (http.h)                     */

typedef struct {
	char *buf;
	size_t len, cap;
	const char *what;
} membuf;

/* A buffer of cap bytes (buf NULL: malloc'd); 0 when out of memory. */
static int
mem_init(membuf *m, char *buf, size_t cap, const char *what)
{
	m->buf = buf != NULL ? buf : malloc(cap);
	m->len = 0;
	m->cap = cap;
	m->what = what;
	return m->buf != NULL;
}

static int
mem_sink(void *ctx, const unsigned char *b, size_t n, s3p_err *err)
{
	membuf *m = ctx;

	if (m->len + n >= m->cap)
		return err_set(err, S3P_ESERVER, "%s: answer larger than %zu bytes",
		    m->what, m->cap - 1);
	memcpy(m->buf + m->len, b, n);
	m->len += n;
	m->buf[m->len] = '\0';
	return 0;
}

static long
mem_read(void *ctx, uint64_t off, unsigned char *buf, size_t len, s3p_err *err)
{
	const membuf *m = ctx;
	size_t left = m->len - (size_t)off;

	(void)err;
	if (len > left)
		len = left;
	memcpy(buf, m->buf + off, len);
	return (long)len;
}

typedef struct {
	http_client cl;
	http_url url;
	http_response rs;
} net_state;

#define NET_PROXY 1     /* through the environment's proxy (STS only) */
#define NET_RETRY 2     /* a failed exchange is tried again, not only a 5xx */

/*
 * One request, sent up to `tries` times while the answer is a 5xx (and
 * with NET_RETRY while the exchange fails), each time on a new connection.
 * The last answer's body goes into `sink` (NUL-terminated). Returns the
 * HTTP status, or -1 with err set (-2 when the exchange timed out).
 */
static int
net_do(creds_ctx *cx, const char *method, const char *url,
    const http_header *h, size_t nh, membuf *body, membuf *sink,
    int timeout_ms, int tries, int flags, s3p_err *err)
{
	http_options o;
	http_request rq;
	net_state *ns;
	int r = -1;

	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = timeout_ms;
	o.timeout_ms = timeout_ms;
	o.ca_file = cx->ca_file;
	o.insecure = cx->insecure;
	o.no_env_proxy = !(flags & NET_PROXY);
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.headers = h;
	rq.nheaders = nh;
	if (body != NULL) {
		rq.body = mem_read;
		rq.body_ctx = body;
		rq.body_len = body->len;
	}
	rq.sink = mem_sink;
	rq.sink_ctx = sink;
	while (tries-- > 0) {
		sink->len = 0;
		sink->buf[0] = '\0';
		ns = calloc(1, sizeof *ns);
		if (ns == NULL)
			return err_set(err, S3P_ENET, "%s: out of memory", sink->what);
		rq.url = &ns->url;
		if (http_url_parse(url, &ns->url, err) < 0 ||
		    http_client_init(&ns->cl, &o, err) < 0) {
			free(ns);
			return -1;
		}
		r = http_request_do(&ns->cl, &rq, &ns->rs, err);
		r = r < 0 ? -1 - (ns->rs.timeout != 0) : ns->rs.status;
		http_client_close(&ns->cl);
		free(ns);
		if (r >= 0 ? r < 500 : !(flags & NET_RETRY))
			break;
	}
	return r;
}

/*
 * An exchange that failed (r < 0: "WHAT SEP WHERE: " before err's
 * message, S3P_ENET) or an answer other than 200 (status r: refused, or a
 * server error for a 5xx). Returns -1.
 */
static int
net_fail(s3p_err *err, const char *what, const char *sep, const char *where,
    int r)
{
	char m[sizeof err->msg];

	if (r >= 0)
		return err_set(err, r >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "%s%s%s: HTTP %d", what, sep, where, r);
	if (err == NULL)
		return -1;
	fmt_snprintf(m, sizeof m, "%s", err->msg);
	return err_set(err, S3P_ENET, "%s%s%s: %s", what, sep, where, m);
}

int
creds_region_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* AWS_METADATA_SERVICE_TIMEOUT (seconds, may be fractional), in ms. */
static int
metadata_timeout_ms(void)
{
	const char *v = creds_env("AWS_METADATA_SERVICE_TIMEOUT");
	long ms = 0, scale = 1000;
	const char *p;

	/*
	 * Seconds with an optional fraction ("1", "0.5"), read by hand:
	 * strtod would pull musl's whole float parser into the binary.
	 */
	if (v == NULL)
		return 1000;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (*p - '0') * 1000;
		if (ms > 3600000)
			return 1000;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			ms += (*p - '0') * scale;
		}
	/* (v is never empty: a value without digits stops before its NUL or
	 * leaves ms 0) */
	if (*p != '\0' || ms <= 0)
		return 1000;
	return (int)ms;
}

/*
 * AWS_METADATA_SERVICE_NUM_ATTEMPTS, 1 to 10, read as atoi() reads it
 * (blanks, a sign, the leading digits, wrapping): atoi would be the only
 * caller of its libc member.
 */
static int
metadata_attempts(void)
{
	const char *v = creds_env("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	unsigned n = 0;
	int neg = 0;

	if (v == NULL)
		return 1;
	while (*v == ' ' || (unsigned)(*v - '\t') < 5)
		v++;
	if (*v == '-' || *v == '+')
		neg = *v++ == '-';
	while (*v >= '0' && *v <= '9')
		n = 10 * n + (unsigned)(*v++ - '0');
	if (neg)
		n = -n;
	return n - 1 < 10 ? (int)n : 1;
}

/*
 * Appends "&NAME=VALUE" for the n names (one after the other in `names`,
 * NUL-separated) and values, application/x-www-form-urlencoded (RFC 3986
 * unreserved kept); -1 when it does not fit.
 */
static int
form_put(membuf *m, const char *names, const char *const *vals, int n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (int i = 0; i < n; i++, names += strlen(names) + 1) {
		const unsigned char *p = (const unsigned char *)vals[i];

		if (m->len + strlen(names) + 2 + 3 * strlen(vals[i]) >= m->cap)
			return -1;
		m->len += (size_t)fmt_snprintf(m->buf + m->len, m->cap - m->len,
		    "&%s=", names);
		for (; *p; p++) {
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			    *p == '.' || *p == '~') {
				m->buf[m->len++] = (char)*p;
			} else {
				m->buf[m->len++] = '%';
				m->buf[m->len++] = hex[*p >> 4];
				m->buf[m->len++] = hex[*p & 15];
			}
		}
		m->buf[m->len] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* web identity: STS AssumeRoleWithWebIdentity                          */

int
creds_sts_assume(creds_ctx *cx, const char *url, const char *role_arn,
    const char *token_file, const char *session_name, creds *c, s3p_err *err)
{
	char name[80], *token = NULL;
	size_t n;
	membuf fm, rs;
	static const http_header h[2] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Accept", "application/xml" } };
	/* the form starts so (nothing to encode in it) */
	static const char form[] = "Action=AssumeRoleWithWebIdentity&"
	    "Version=2011-06-15";
	const char *vals[3];
	int r;

	if (creds_read_file(token_file, TOKEN_FILE_MAX, &token, &n,
	    "web identity token file", err) < 0)
		return -1;
	if (session_name == NULL || session_name[0] == '\0') {
		fmt_snprintf(name, sizeof name, "s3pub-session-%lld",
		    (long long)time(NULL));
		session_name = name;
	}
	r = mem_init(&fm, NULL, 3 * TOKEN_FILE_MAX + 4096, "STS");
	r &= mem_init(&rs, NULL, BODY_MAX, "STS AssumeRoleWithWebIdentity");
	if (!r) {
		r = err_set(err, S3P_ENET, "STS: out of memory");
		goto out;
	}
	memcpy(fm.buf, form, sizeof form);
	fm.len = sizeof form - 1;
	vals[0] = role_arn;
	vals[1] = session_name;
	vals[2] = text_trim(token);
	if (form_put(&fm, "RoleArn\0RoleSessionName\0WebIdentityToken", vals,
	    3) < 0) {
		r = err_set(err, S3P_EUSAGE, "STS: role ARN or session name too long");
		goto out;
	}
	creds_log(cx, "web identity: AssumeRoleWithWebIdentity %s at %s",
	    role_arn, url);
	r = net_do(cx, "POST", url, h, 2, &fm, &rs, 10000, 1, NET_PROXY, err);
	if (r != 200) {
		s3p_err e2;
		creds tmp;

		/* STS's own refusal; else what failed, named as STS's */
		if (r > 0 && creds_parse_sts_xml(rs.buf, rs.len, &tmp, &e2) < 0 &&
		    e2.status == S3P_EREFUSED)
			r = err_set(err, r >= 500 ? S3P_ESERVER : S3P_EREFUSED,
			    "%s (HTTP %d from %s)", e2.msg, r, url);
		else
			r = net_fail(err, "STS AssumeRoleWithWebIdentity", " at ", url,
			    r);
	} else {
		r = creds_parse_sts_xml(rs.buf, rs.len, c, err);
	}
out:
	if (r < 0)
		memset(c, 0, sizeof *c);
	free(token);
	free(rs.buf);
	free(fm.buf);
	return r;
}

/* ------------------------------------------------------------------ */
/* containers (ECS, EKS Pod Identity)                                   */

/* botocore's rule for a full URI: http only to these hosts */
static int
container_host_ok(const http_url *u)
{
	static const char ok[] = "localhost\0" "169.254.170.2\0" "169.254.170.23\0"
	    "fd00:ec2::23\0" "::1\0";

	if (u->https)
		return 1;
	if (u->host_ip == 4 && strncmp(u->host, "127.", 4) == 0)
		return 1;
	for (const char *p = ok; *p != '\0'; p += strlen(p) + 1)
		if (strcmp(u->host, p) == 0)
			return 1;
	return 0;
}

int
creds_container(creds_ctx *cx, creds *c, s3p_err *err)
{
	const char *rel = creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tokenv = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char url[2048], *tok = NULL;
	http_header h[2] = { { "Accept", "application/json" }, { NULL, NULL } };
	membuf rs;
	size_t nh = 1, tlen;
	http_url *u;
	int r;

	if (rel == NULL && full == NULL)
		return 0;
	if (fmt_snprintf(url, sizeof url, "%s%s%s",
	    rel != NULL ? "http://169.254.170.2" : "",
	    rel != NULL && rel[0] != '/' ? "/" : "",
	    rel != NULL ? rel : full) >= (int)sizeof url)
		return err_set(err, S3P_EUSAGE, "%s too long", rel != NULL ?
		    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" :
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel == NULL) {
		u = malloc(sizeof *u);
		if (u == NULL)
			return err_set(err, S3P_EUSAGE, "out of memory");
		if (http_url_parse(full, u, err) < 0) {
			free(u);
			return -1;
		}
		r = container_host_ok(u);
		free(u);
		if (!r)
			return err_set(err, S3P_EUSAGE, "%s: http is allowed only to a "
			    "loopback address or the container agent (169.254.170.2, "
			    "169.254.170.23)", "AWS_CONTAINER_CREDENTIALS_FULL_URI");
		if (tokfile != NULL) {
			if (creds_read_file(tokfile, TOKEN_FILE_MAX, &tok, &tlen,
			    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err) < 0)
				return -1;
			h[1].value = text_trim(tok);
		} else if (tokenv != NULL) {
			h[1].value = tokenv;
		}
		if (h[1].value != NULL) {
			if (text_has_ctl(h[1].value)) {
				free(tok);
				return err_set(err, S3P_EUSAGE, "container "
				    "authorization token holds a control character");
			}
			h[1].name = "Authorization";
			nh = 2;
		}
	}
	if (!mem_init(&rs, NULL, BODY_MAX, "container credentials")) {
		free(tok);
		return err_set(err, S3P_ENET, "out of memory");
	}
	creds_log(cx, "container endpoint %s", url);
	/* botocore: 2 s, 3 attempts */
	r = net_do(cx, "GET", url, h, nh, NULL, &rs, 2000, 3, 0, err);
	if (r != 200)
		r = net_fail(err, "container credentials", " at ", url, r);
	else
		r = creds_parse_json(rs.buf, rs.len, CREDS_JSON_CONTAINER,
		    "container credentials", c, err);
	free(rs.buf);
	free(tok);
	if (r < 0)
		return -1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* EC2 instance metadata, IMDSv2                                        */

typedef struct {
	char base[512];
	char token[1024];
	int timeout_ms, attempts;
} imds;

/*
 * Gets a session token. 1 ok, 0 unavailable (`why` says so, for the final
 * message: disabled, no answer, IMDSv1 only), -1 error.
 */
static int
imds_start(creds_ctx *cx, imds *m, char *why, size_t whysz, s3p_err *err)
{
	const char *v = creds_env("AWS_EC2_METADATA_DISABLED");
	const char *ep = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	static const http_header h[1] = {
		{ "X-aws-ec2-metadata-token-ttl-seconds", "21600" } };
	membuf tk;
	char url[600];
	size_t n;
	int r;
	s3p_err e2;

	memset(m, 0, sizeof *m);
	if (v != NULL && strcasecmp(v, "true") == 0) {
		fmt_snprintf(why, whysz, "IMDS (disabled)");
		return 0;
	}
	if (ep == NULL)
		ep = mode != NULL && strcasecmp(mode, "ipv6") == 0 ?
		    "http://[fd00:ec2::254]" : "http://169.254.169.254";
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		n--;
	if (fmt_snprintf(m->base, sizeof m->base, "%.*s", (int)n, ep) >=
	    (int)sizeof m->base)
		return err_set(err, S3P_EUSAGE, "%s too long",
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	m->timeout_ms = metadata_timeout_ms();
	m->attempts = metadata_attempts();
	fmt_snprintf(url, sizeof url, "%s/latest/api/token", m->base);
	creds_log(cx, "IMDSv2 token from %s (time-out %d ms)", url,
	    m->timeout_ms);
	mem_init(&tk, m->token, sizeof m->token, "IMDS");
	r = net_do(cx, "PUT", url, h, 1, NULL, &tk, m->timeout_ms, m->attempts,
	    NET_RETRY, &e2);
	if (r < 0) {
		fmt_snprintf(why, whysz, "IMDS (%s)",
		    r == -2 ? "no answer within the time-out" : "unreachable");
		creds_log(cx, "IMDS: %s", e2.msg);
		return 0;
	}
	if (r == 403 || r == 404 || r == 405) {
		/* IMDSv1 only (or v2 turned off): never fall back to v1 */
		fmt_snprintf(why, whysz, "IMDS (token request refused "
		    "with HTTP %d: IMDSv1 is not used)", r);
		return 0;
	}
	if (r != 200)
		return net_fail(err, "IMDS", " ", url, r);
	text_trim(m->token);    /* in place: the token starts the buffer */
	if (m->token[0] == '\0' || !text_visible(m->token))
		return err_set(err, S3P_ESERVER, "IMDS %s: malformed token", url);
	return 1;
}

/* GET base+path with the token: the HTTP status, or -1 with err set. */
static int
imds_get(creds_ctx *cx, imds *m, const char *path, membuf *out, s3p_err *err)
{
	http_header h[1] = { { "X-aws-ec2-metadata-token", m->token } };
	char url[1200];
	int r;

	fmt_snprintf(url, sizeof url, "%s%s", m->base, path);
	r = net_do(cx, "GET", url, h, 1, NULL, out, m->timeout_ms, m->attempts,
	    NET_RETRY, err);
	return r < 0 ? net_fail(err, "IMDS", " ", path, r) : r;
}

int
creds_imds(creds_ctx *cx, creds *c, char *why, size_t whysz, s3p_err *err)
{
	imds m;
	char role[256], what[420], *t;   /* what: "IMDS PATH" */
	membuf rs;
	const char *p = "/latest/meta-data/iam/security-credentials/";
	int r, status;

	r = imds_start(cx, &m, why, whysz, err);
	if (r <= 0)
		return r;
	if (!mem_init(&rs, NULL, BODY_MAX, "IMDS"))
		return err_set(err, S3P_ENET, "out of memory");
	r = -1;
	/* the role list, then the first role's credentials */
	for (int step = 0; step < 2; step++) {
		if ((status = imds_get(cx, &m, p, &rs, err)) < 0)
			goto out;
		if (status == 404) {
			if (step == 0)
				fmt_snprintf(why, whysz,
				    "IMDS (no IAM role attached to the instance)");
			else
				fmt_snprintf(why, whysz, "IMDS (role %s: HTTP 404)", role);
			r = 0;
			goto out;
		}
		if (status != 200) {
			net_fail(err, "IMDS", " ", p, status);
			goto out;
		}
		if (step == 1)
			break;
		/* the first line is the role name */
		rs.buf[strcspn(rs.buf, "\r\n")] = '\0';
		t = text_trim(rs.buf);
		if (fmt_snprintf(role, sizeof role, "%s", t) >= (int)sizeof role ||
		    role[0] == '\0' || !text_visible(role) ||
		    role[strcspn(role, "/?%")] != '\0') {
			err_set(err, S3P_ESERVER, "IMDS %s: malformed role name", p);
			goto out;
		}
		fmt_snprintf(what, sizeof what, "IMDS %s%s", p, role);
		creds_log(cx, "IMDS role %s", role);
		p = what + 5;
	}
	if (creds_parse_json(rs.buf, rs.len, CREDS_JSON_IMDS, what, c, err) < 0)
		goto out;
	r = 1;
out:
	free(rs.buf);
	return r;
}

int
creds_imds_region(creds_ctx *cx, char *out, size_t outsz, s3p_err *err)
{
	imds m;
	char buf[256];
	membuf rs;
	int r;
	s3p_err e2;

	if (outsz > 0)
		out[0] = '\0';
	r = imds_start(cx, &m, NULL, 0, err);
	if (r <= 0)
		return r;
	mem_init(&rs, buf, sizeof buf, "IMDS");
	if (imds_get(cx, &m, "/latest/meta-data/placement/region", &rs,
	    &e2) != 200)
		return 0;
	text_trim(buf);
	if (!creds_region_ok(buf))
		return err_set(err, S3P_ESERVER,
		    "IMDS placement/region: malformed region");
	if (buf[0] == '\0')
		return 0;
	if (fmt_snprintf(out, outsz, "%s", buf) >= (int)outsz)
		return err_set(err, S3P_ESERVER, "IMDS placement/region: too long");
	return 1;
}
