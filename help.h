/*
 * help.h: what `s3pub --help` and `s3pub COMMAND --help` say, and the
 * defaults they name.
 *
 * HELP_TEXT holds each command's text, NUL-separated, in the order of
 * s3pub.c's cmd_names (its usage lines first), then the usage that
 * `s3pub --help` prints, and a mistake on the command line after its
 * message. A tab stands for the spaces up to column 24, where the
 * options' descriptions start.
 *
 * The text is not compiled into s3pub as written: at build time
 * scripts/help_z.c deflates it (deflate.c, level 9) into
 * build/gen/help_z.h, and s3pub.c inflates the one text asked for with
 * inflate.c, which the binary has anyway for `get`. About 3.5 KB of text
 * cost 1.6 KB of the 250 KB budget so (BusyBox ships its usage texts
 * compressed for the same reason). A macro, so that s3pub.c can include
 * this header for the defaults without the text.
 */
#ifndef S3PUB_HELP_H
#define S3PUB_HELP_H

/*
 * The default gzip level (README, "Compression": text results shrink about
 * as much as with gzip -6, random data costs little more than stored).
 */
#define DEFAULT_COMPRESS 6
#define DEFAULT_COMPRESS_STR "6"

/* each command's usage lines, in its text and in the usage */
#define USAGE_PUBLISH \
"s3pub publish [options] DIR TARGET\n" \
"       s3pub publish [options] --spec FILE DIR\n" \
"       s3pub publish [options] --presigned-url URL DIR\n"
#define USAGE_PRESIGN "s3pub presign [options] s3://BUCKET/KEY\n"
#define USAGE_GET     "s3pub get [options] SOURCE DIR\n" \
"       s3pub get [options] --spec FILE DIR\n"
#define USAGE_ARCHIVE "s3pub archive [options] DIR > FILE.tar.gz\n"

#define HELP_TEXT \
/* publish */ \
"usage: " USAGE_PUBLISH \
"Publishes DIR: one .tar.gz object (encoding gzip, the default) or one\n" \
"object per file under KEY/ (encoding plain); prints the result spec.\n" \
"\n" \
"  --spec FILE\tthe Publisher spec, YAML or JSON (as Bacalhau writes it)\n" \
"  --endpoint URL\tS3 endpoint (default: AWS_ENDPOINT_URL_S3,\n" \
"\tAWS_ENDPOINT_URL, else AWS for the region)\n" \
"  --region R\t(default: AWS_REGION, AWS_DEFAULT_REGION, profile,\n" \
"\tendpoint, else us-east-1)\n" \
"  --encoding gzip|plain\n" \
"  --job-id ID, --execution-id ID, --node-id ID\n" \
"\tvalues of {jobID} {executionID} {nodeID} (default:\n" \
"\tBACALHAU_JOB_ID, BACALHAU_EXECUTION_ID, BACALHAU_NODE_ID)\n" \
"  --dry-run\tno network: print the spec it would publish\n" \
"  --compress LEVEL\tgzip level: 0 stored, 1 fastest .. 9 smallest\n" \
"\t(default " DEFAULT_COMPRESS_STR ")\n" \
"  --part-size SIZE\tmultipart above this size (default 64MiB, min 5MiB)\n" \
"  --parts-at-once N\tmultipart: parts sent at once, each on its own\n" \
"\tconnection: 1 or 2 (default 2)\n" \
"  --jobs N\tplain mode: parallel uploads (default 4); gzip: compressing\n" \
"\tthreads (default: the cores, at most 2)\n" \
"  --no-resume\tdo not continue a multipart upload left open for the\n" \
"\tkey by an interrupted run: abort it and start afresh;\n" \
"\tplain mode: send every file again\n" \
"  --keep-partial\ton SIGINT/SIGTERM leave the multipart upload open\n" \
"\t(a rerun resumes it) instead of aborting it; plain\n" \
"\tmode: leave the objects written\n" \
"  --no-overwrite\trefuse (exit 4) when the key exists: nothing written\n" \
"  --storage-class C, --sse AES256|aws:kms, --sse-kms-key-id ID,\n" \
"  --tag K=V, --metadata K=V (repeatable), --content-type TYPE\n" \
"\t(plain: by extension), --sse-c-key-file FILE (32 bytes)\n" \
"  --checksum, --no-checksum\n" \
"\tsend x-amz-checksum-sha256 (default: AWS endpoints only)\n" \
"  --retries N\tattempts per request (default 5)\n" \
"  --path-style, --virtual-hosted\n" \
"  --profile NAME\tcredentials/config profile (default: AWS_PROFILE, default)\n" \
"  --no-sign-request\tanonymous requests\n" \
"  --ca-file FILE\ttrust anchors (default: AWS_CA_BUNDLE, SSL_CERT_FILE,\n" \
"\tthe system bundle)\n" \
"  --insecure\tdo not verify TLS certificates\n" \
"  --connect-timeout S\t(default 10)   --timeout S   idle time-out (default 60)\n" \
"  --output json|yaml\tthe result spec's form (default json)\n" \
"  --quiet, --verbose\n" \
"\0" \
/* presign */ \
"usage: " USAGE_PRESIGN \
"Prints a presigned URL (SigV4 query string).\n" \
"\n" \
"  --expires SECONDS\t1 to 604800 (default 3600)\n" \
"  --method GET|PUT\t(default GET)\n" \
"  --endpoint URL, --region R, --profile NAME, --path-style, --virtual-hosted\n" \
"\0" \
/* get */ \
"usage: " USAGE_GET \
"Downloads SOURCE into DIR: s3://BUCKET/KEY (signed), s3://BUCKET/PREFIX/\n" \
"(every object under it), or an http(s):// presigned URL (sent as is).\n" \
"With --spec FILE (- = stdin) there is no SOURCE: a result spec as publish\n" \
"prints it (or Bacalhau's published result) gives Bucket, Key, Region,\n" \
"Endpoint, and its ContentSHA256/ChecksumSHA256 are checked; options win.\n" \
"A key or URL path ending in .tar.gz or .tgz is unpacked into DIR; anything\n" \
"else is saved as DIR/NAME. Nothing is left in DIR when a check fails.\n" \
"\n" \
"  --checksum-sha256 B64\tthe expected SHA-256 (base64, the spec's ChecksumSHA256)\n" \
"  --content-sha256 HEX\tthe expected SHA-256 (hex, the spec's ContentSHA256)\n" \
"  --manifest-sha256 HEX\ta prefix's manifest's SHA-256 (ManifestSHA256)\n" \
"  --version-id ID\tfetch this version of the object (the spec's VersionID)\n" \
"  --force\toverwrite existing files in DIR\n" \
"  --sse-c-key-file FILE\tthe object's SSE-C key\n" \
"  --endpoint URL, --region R, --profile NAME, --no-sign-request,\n" \
"  --path-style, --virtual-hosted, --ca-file FILE, --insecure,\n" \
"  --connect-timeout S, --timeout S, --retries N, --quiet, --verbose\n" \
"\tas for publish (s3pub publish --help)\n" \
"\0" \
/* archive */ \
"usage: " USAGE_ARCHIVE \
"Writes the exact bytes 'publish' would upload (refuses a terminal).\n" \
"\n" \
"  --compress LEVEL, --jobs N\n" \
"\tas for publish\n" \
"\0" \
/* the usage */ \
"usage: " USAGE_PUBLISH \
"       " USAGE_PRESIGN \
"       " USAGE_GET \
"       " USAGE_ARCHIVE \
"       s3pub version | --help | COMMAND --help\n" \
"\n" \
"TARGET: s3://BUCKET/KEY[,opt=endpoint=URL][,opt=region=R][,opt=encoding=gzip|plain]\n" \
"Run 's3pub COMMAND --help' for a command's options; README.md has the rest.\n"

#endif
